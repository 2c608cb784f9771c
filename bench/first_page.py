"""One fresh process, as a restarted app server: import Streamlit and the app, open the store named by KPI_DB, and run
the scorecard page under AppTest once (cold) and again (warm). Prints JSON: seconds from this process's first line
to the end of the first run (imports included), the warm rerun, the resident memory, and which of the modules only
some pages need were loaded. bench/run.py and bench/cold_start.py run it.

    python bench/first_page.py            # the dashboard's first page (app.py, scorecard)
    python bench/first_page.py --plain    # the plain pandas page (bench/plain_page.py) over the same store"""

import time

STARTED = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

from streamlit.testing.v1 import AppTest  # noqa: E402

# Loaded only by the pages that need them (board pack, slides, Excel uploads): never by the first page.
ONLY_SOME_PAGES = ("kaleido", "choreographer", "pptx", "reportlab", "openpyxl", "playwright")


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


plain = "--plain" in sys.argv
if plain:
    at = AppTest.from_file(str(ROOT / "bench" / "plain_page.py"), default_timeout=300)
else:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page("pages/scorecard_page.py")
at.run()
cold = time.perf_counter() - STARTED
cold_cpu = time.process_time()  # CPU seconds of this process since it started, every thread: the work, not the wait
assert not at.exception, at.exception
t = time.perf_counter()
at.run()
warm = time.perf_counter() - t
print(
    json.dumps(
        {
            "page": "plain" if plain else "scorecard",
            "cold_s": cold,
            "cold_cpu_s": cold_cpu,
            "warm_s": warm,
            "rss_mb": rss_mb("VmRSS"),
            "peak_rss_mb": rss_mb("VmHWM"),
            "title": at.title[0].value if at.title else None,
            "loaded_only_some_pages": sorted(m for m in ONLY_SOME_PAGES if m in sys.modules),
            "modules": len(sys.modules),
        }
    )
)
