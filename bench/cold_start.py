"""Benchmark: a fresh process's cold start of the dashboard's first page (app.py → scorecard, imports included)
against the plain pandas page a person would write over the same store (bench/plain_page.py), in interleaved runs of
bench/first_page.py on the national data (bench/run.py builds it). Prints medians with min and max and records them
in bench/results.json under "cold_start" (bench/record.py).

    python bench/cold_start.py [--runs 7] [--sample]    # --sample: the shipped sample database instead"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import record, summary  # noqa: E402


def fresh_process(env: dict, plain: bool) -> dict:
    """bench/first_page.py in a new Python process: cold (imports included) and warm, memory, modules loaded."""
    args = [sys.executable, str(ROOT / "bench" / "first_page.py")] + (["--plain"] if plain else [])
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"bench/first_page.py {' '.join(args[2:])} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n_runs: int, sample: bool = False) -> dict:
    """Interleaved fresh processes of the first page and the plain page: their figures and the verdict."""
    with tempfile.TemporaryDirectory() as tmp:
        if sample:
            db, cfg, area = Path(tmp) / "sample.duckdb", ROOT / "config" / "indicators.yaml", "E06000047"
            made = subprocess.run(
                [sys.executable, "-m", "indicators", "init"],
                cwd=ROOT,
                env={**os.environ, "KPI_DB": str(db), "KPI_CONFIG": str(cfg)},
                capture_output=True,
                text=True,
            )
            if made.returncode:
                raise SystemExit(made.stderr)
        else:
            sys.path.insert(0, str(ROOT / "bench"))
            import run  # bench/run.py: the national dataset, built once

            run.build_national()
            db, cfg, area = run.DB, run.CONFIG, "E06900000"
        env = {
            **os.environ,
            "KPI_DB": str(db),
            "KPI_CONFIG": str(cfg),
            "KPI_PLAIN_AREA": area,
            "KPI_BACKUP_EVERY_HOURS": "0",
            "KPI_BACKUP_DIR": str(Path(tmp) / "backups"),
            "STREAMLIT_LOGGER_LEVEL": "error",
        }
        fresh_process(env, plain=False)  # once unmeasured: the operating system's file cache holds both afterwards
        fresh_process(env, plain=True)
        runs: dict[str, list[dict]] = {"scorecard": [], "plain": []}
        for k in range(n_runs):
            for plain in (k % 2 == 1, k % 2 == 0):  # interleaved, each going first in turn
                r = fresh_process(env, plain)
                runs[r["page"]].append(r)
    load = list(os.getloadavg())
    data = "sample" if sample else "national"
    results = []
    for page, label in (("scorecard", "dashboard first page (app.py, scorecard)"), ("plain", "plain pandas page")):
        rs = runs[page]
        results.append(summary(f"{label}: fresh process cold start, imports included ({data})", [r["cold_s"] for r in rs], None))
        results.append(summary(f"{label}: same, CPU seconds ({data})", [r["cold_cpu_s"] for r in rs], None))
        results.append(summary(f"{label}: warm rerun ({data})", [r["warm_s"] for r in rs], None))
    ours, plain = (statistics.median(r["cold_s"] for r in runs[p]) for p in ("scorecard", "plain"))
    ratio = round(ours / plain, 2)
    cpu_ratio = round(
        statistics.median(r["cold_cpu_s"] for r in runs["scorecard"]) / statistics.median(r["cold_cpu_s"] for r in runs["plain"]),
        2,
    )
    loaded = sorted({m for r in runs["scorecard"] for m in r["loaded_only_some_pages"]})
    verdict = {
        "name": "first page cold start ≤ the plain page's (fresh processes, interleaved)",
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "met": ours <= plain,
        "modules_only_some_pages_need_loaded_by_the_first_page": loaded,
        "memory_mb": {p: round(statistics.median(r["peak_rss_mb"] for r in runs[p])) for p in runs},
        "modules_loaded": {p: round(statistics.median(r["modules"] for r in runs[p])) for p in runs},
        "load_average_at_end": [round(x, 2) for x in load],
    }
    print(
        f"first page ÷ plain page, cold: ×{ratio} ({'met' if verdict['met'] else 'MISSED'}; CPU ×{cpu_ratio}); heavy "
        f"modules loaded by the "
        f"first page: {loaded or 'none'}; load average {load[1]:.1f}"
    )
    return {"data": data, "results": results, "verdict": verdict}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sample", action="store_true", help="the shipped sample data rather than the national dataset")
    args = ap.parse_args()
    record("cold_start" if not args.sample else "cold_start_sample", measure(args.runs, args.sample))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
