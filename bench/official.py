"""Benchmark: the DfE's 2025 SEN2 release zip (37 MB unpacked, ~25,000 rows in the two mapped files) checked and
previewed, then committed, through the code the Upload page and `import-ees` use; and the first start, which builds
a new database from the shipped releases, the neighbours model and the sample. Medians with min and max."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import record, summary  # noqa: E402
from indicators import config, store, uploads  # noqa: E402
from indicators.access import system_access  # noqa: E402
from indicators.sample import OFFICIAL_DIR, load_sample  # noqa: E402

RELEASE = OFFICIAL_DIR / "sen2" / "education-health-and-care-plans_2025.zip"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    cfg = config.load()
    who = system_access("bench")
    data = RELEASE.read_bytes()
    check_t, table_t, commit_t, start_t, cold_t = [], [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        for run in range(args.runs):
            conn = store.open_store(cfg, Path(d) / f"r{run}.duckdb")  # schema and the configured areas only
            t0 = time.perf_counter()
            preview = uploads.check(conn, cfg, data, RELEASE.name, who, kind="official")
            t1 = time.perf_counter()
            uploads.change_table(preview, cfg)
            uploads.summary_lines(preview)
            t2 = time.perf_counter()
            assert preview.result.ok and preview.counts["new"] == 3882, preview.summary()
            written = uploads.commit(conn, preview, who)
            t3 = time.perf_counter()
            assert written.new == 3882
            conn.close()
            check_t.append(t1 - t0)
            table_t.append(t2 - t0)
            commit_t.append(t3 - t2)
            # The first start inside a running process (what the dashboard's first page waits for)...
            t4 = time.perf_counter()
            store.open_store(cfg, Path(d) / f"s{run}.duckdb", load_sample=lambda c: load_sample(c, cfg)).close()
            start_t.append(time.perf_counter() - t4)
            # ...and from a fresh process, imports included (`python -m indicators init`).
            t5 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "indicators", "init"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env={"KPI_DB": str(Path(d) / f"c{run}.duckdb"), "PATH": "/usr/bin:/bin"},
            )
            cold_t.append(time.perf_counter() - t5)
            assert out.returncode == 0, out.stderr
    results = [
        summary("2025 SEN2 release zip: read, validate and compare (check)", check_t, None),
        summary("2025 SEN2 release zip: check and preview (what the page shows)", table_t, 3.0),
        summary("2025 SEN2 release zip: commit (one transaction, 3,882 figures, 162 areas)", commit_t, 5.0),
        summary("first start in the app's process: releases + neighbours + sample", start_t, 3.0),
        summary("first start from a fresh process (python -m indicators init, imports included)", cold_t, None),
    ]
    record("official_import", {"file": str(RELEASE.relative_to(ROOT)), "unpacked_mb": 37.3, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
