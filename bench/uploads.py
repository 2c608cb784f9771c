"""Benchmark: validating and committing a 100,000-row CSV, and previewing a typical quarterly file, through
the same code the Upload page and `python -m indicators load` use. Prints median, min and max."""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators import config, store, uploads  # noqa: E402
from indicators.access import system_access  # noqa: E402

MONTHLY = ["salt_seen_6wk", "salt_treated_12wk", "asd_waiting_list", "asd_avg_wait_weeks", "asd_longest_wait_weeks"]


def synthetic_areas(n: int) -> list[tuple]:
    return [(f"E06900{i:03d}", f"Synthetic area {i}", "local_authority", None, "E12000001") for i in range(n)]


def big_csv(areas: list[tuple], months: int) -> bytes:
    lines = ["indicator,area,period,value"]
    for ind in MONTHLY:
        for code, *_ in areas:
            for m in range(months):
                y, mm = 2015 + m // 12, m % 12 + 1
                lines.append(f"{ind},{code},{y}-{mm:02d},{(m * 7 + len(code)) % 90 + 5}")
    return ("\n".join(lines) + "\n").encode()


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def report(name: str, samples: list[float], target: float) -> dict:
    med = statistics.median(samples)
    print(
        f"{name:<52} median {med * 1000:8.1f} ms   min {min(samples) * 1000:8.1f}   max {max(samples) * 1000:8.1f}   "
        f"target {target * 1000:.0f} ms  {'met' if med <= target else 'MISSED'}"
    )
    return {"name": name, "median_s": med, "min_s": min(samples), "max_s": max(samples), "target_s": target, "runs": len(samples)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    cfg = config.load()
    who = system_access("bench")
    areas = synthetic_areas(150)
    data = big_csv(areas, 134)
    rows = data.count(b"\n") - 1
    quarterly = b"indicator,area,period,value\n" + b"".join(
        f"{i},{a[0]},2024-25 Q{q},{50 + q}\n".encode()
        for i in ("ehcp_20wk", "send_neet", "ehc_requests")
        for a in areas[:40]
        for q in (1, 2, 3, 4)
    )
    print(f"Machine: {platform.machine()}, {platform.processor() or platform.platform()}, Python {platform.python_version()}")
    q_rows = quarterly.count(b"\n") - 1
    print(f"Big file: {rows:,} rows, {len(data) / 1e6:.1f} MB; quarterly file: {q_rows} rows; {args.runs} runs each")
    check_t, commit_t, total_t, preview_t = [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        for run in range(args.runs):
            conn = store.open_store(cfg, Path(d) / f"b{run}.duckdb")
            store.add_areas(conn, areas)
            t0 = time.perf_counter()
            p = uploads.check(conn, cfg, data, "big.csv", who)
            t1 = time.perf_counter()
            assert p.result.ok, p.result.problems[:3]
            s = uploads.commit(conn, p, who)
            t2 = time.perf_counter()
            assert s.new == rows
            check_t.append(t1 - t0)
            commit_t.append(t2 - t1)
            total_t.append(t2 - t0)
            preview_t.append(
                timed(lambda conn=conn: uploads.change_table(uploads.check(conn, cfg, quarterly, "q.csv", who), cfg))
            )
            conn.close()
    report(f"validate {rows:,}-row CSV", check_t, 1.0)
    report(f"commit {rows:,} rows (one transaction)", commit_t, 1.0)
    report(f"validate + commit {rows:,} rows", total_t, 1.0)
    report("preview of a 480-row quarterly file (check + table)", preview_t, 0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
