"""The LZMA zip bomb of issue 22 (a 58 KB zip holding a 390 MB CSV of 2.46 million rows), checked as the Upload
page checks it, five times, each in a fresh process standing for the app server: peak memory (RSS) of that process,
seconds to the answer, and the longest pause another thread saw. Prints median (min–max). Usage:
python bench/upload_bomb.py [runs]"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators import config, store  # noqa: E402
from tests.test_bounds import build_lzma_bomb  # noqa: E402


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bomb = build_lzma_bomb(Path(tmp) / "release.zip")
        db = Path(tmp) / "kpi.duckdb"
        store.open_store(config.load(ROOT / "config" / "indicators.yaml"), db).close()
        got = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-m", "tests.upload_memory", str(db), str(bomb)], cwd=ROOT, capture_output=True, text=True
            )
            got.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"zip {bomb.stat().st_size / 1000:.0f} KB; {runs} runs; {got[0]['problems']}")
        for key, unit in (("peak_rss_mb", "MB"), ("worker_peak_rss_mb", "MB"), ("seconds", "s"), ("longest_pause_s", "s")):
            xs = [g[key] for g in got]
            print(f"{key}: median {statistics.median(xs):.2f} {unit} ({min(xs):.2f}–{max(xs):.2f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
