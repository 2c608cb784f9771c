"""Benchmark: validating and committing a 100,500-row CSV through the same code the Upload page and
`python -m indicators load` use (uploads.check, then uploads.commit), and previewing a typical quarterly file.
Prints median, min and max; `--national` also records them in bench/results.json under "upload" (bench/record.py).

    python bench/uploads.py                     # into an empty database (synthetic areas)
    python bench/uploads.py --national          # into a fresh copy of the national data (bench/run.py builds it)
    python bench/uploads.py --national --postgres   # and into the national data restored into a throwaway PostgreSQL

At national scale the file adds 10,500 figures and changes 90,000 (each changed figure's earlier version is kept in
the history), so it exercises every part of the write."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators import config, store, uploads  # noqa: E402
from indicators.access import system_access  # noqa: E402

MONTHLY = ["salt_seen_6wk", "salt_treated_12wk", "asd_waiting_list", "asd_avg_wait_weeks", "asd_longest_wait_weeks"]
# The same five series under the national dataset's ids (bench/run.py).
NATIONAL_IDS = dict(zip(MONTHLY, ["kpi_01", "kpi_02", "kpi_03", "kpi_05", "kpi_06"]))
TARGET_S = 0.5  # issue 16: a 100,500-row upload, validation and commit


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


def national_csv() -> bytes:
    """The 100,500-row file for the national dataset: 150 local authorities × 5 monthly series × 134 months."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run  # bench/run.py

    data = big_csv([a for a in run.area_rows() if a[2] == "local_authority"][:150], 134)
    for old, new in NATIONAL_IDS.items():
        data = data.replace(old.encode(), new.encode())
    return data


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def report(name: str, samples: list[float], target: float | None) -> dict:
    med = statistics.median(samples)
    shown = "" if target is None else f"target {target * 1000:.0f} ms  {'met' if med <= target else 'MISSED'}"
    print(f"{name:<64} median {med * 1000:8.1f} ms   min {min(samples) * 1000:8.1f}   max {max(samples) * 1000:8.1f}   {shown}")
    out = {"name": name, "median_s": round(med, 4), "min_s": round(min(samples), 4), "max_s": round(max(samples), 4)}
    out["runs"] = len(samples)
    if target is not None:
        out.update(target_s=target, met=med <= target)
    return out


def load_once(conn, cfg, data: bytes, expect: int) -> tuple[float, float, float, float]:
    """One upload as the page makes it: check (read, validate, compare), then commit. Seconds for each, the CPU
    seconds of the two (this process, every thread: the work done, whatever else the machine is doing), and the
    seconds the background checkpoint then ran on (nobody waits for it, but it is work the machine does)."""
    who = system_access("bench")
    store.wait_for_checkpoints()
    cpu = time.process_time()
    t0 = time.perf_counter()
    p = uploads.check(conn, cfg, data, "big.csv", who, today=dt.date(2026, 11, 22))
    t1 = time.perf_counter()
    assert p.result.ok, p.result.problems[:3]
    s = uploads.commit(conn, p, who)
    t2 = time.perf_counter()
    used = time.process_time() - cpu
    store.wait_for_checkpoints()
    assert s.new + s.changed == expect, s
    return t1 - t0, t2 - t1, used, time.perf_counter() - t2


def national_duckdb(runs: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    import run  # bench/run.py

    if not run.DB.exists():  # bench/run.py may have the file open in this process already
        run.build_national()
    cfg = config.load(run.CONFIG)
    data = national_csv()
    rows = data.count(b"\n") - 1
    check_t, commit_t, cpu_t, after_t = [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        for k in range(runs):
            copy = Path(d) / f"n{k}.duckdb"
            shutil.copy(run.DB, copy)
            conn = store.connect(copy)  # a fresh connection each time, as `python -m indicators load` has
            c, w, cpu, after = load_once(conn, cfg, data, rows)
            conn.close()
            copy.unlink()
            check_t.append(c)
            commit_t.append(w)
            cpu_t.append(cpu)
            after_t.append(after)
    total = [c + w for c, w in zip(check_t, commit_t)]
    return [
        report(f"DuckDB, national: check {rows:,} rows (read, validate, compare)", check_t, None),
        report(f"DuckDB, national: commit {rows:,} rows (one transaction)", commit_t, None),
        report(f"DuckDB, national: upload {rows:,} rows, validation and commit", total, TARGET_S),
        report(f"DuckDB, national: upload {rows:,} rows, CPU seconds (every thread)", cpu_t, None),
        report("DuckDB, national: checkpoint after the commit (background; nobody waits)", after_t, None),
    ]


def national_postgres(runs: int) -> list[dict]:
    """The same upload into the national data in a throwaway PostgreSQL server: each run into a fresh database
    copied from a template (CREATE DATABASE … TEMPLATE), through a fresh connection."""
    import subprocess
    import urllib.parse

    sys.path.insert(0, str(ROOT / "bench"))
    import run  # bench/run.py

    from tests import pg_server

    if pg_server.bin_dir() is None:
        print(f"PostgreSQL skipped: {pg_server.INSTALL_HINT}")
        return []
    cfg = config.load(run.CONFIG)
    data = national_csv()
    rows = data.count(b"\n") - 1
    server = pg_server.start()
    u = urllib.parse.urlsplit(server.url)
    saved = dict(os.environ)

    def psql(sql: str) -> None:
        cmd = ["psql", "-h", u.hostname, "-p", str(u.port), "-U", "postgres", "-d", "postgres", "-c", sql]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)

    check_t, commit_t = [], []
    try:
        with tempfile.TemporaryDirectory() as d:
            os.environ["KPI_BACKUP_DIR"] = d  # a PostgreSQL restore first backs up what it replaces
            os.environ["KPI_PG_COPY_DIR"] = str(Path(d) / "pg-copy")
            template = pg_server.create_database(server.url, "national")
            store.restore(run.DB, system_access("bench"), template)
            for k in range(runs):
                psql(f"CREATE DATABASE run{k} TEMPLATE national")
                conn = store.connect(template.rsplit("/", 1)[0] + f"/run{k}")
                c, w, _, _ = load_once(conn, cfg, data, rows)  # CPU here leaves out the PostgreSQL server's
                conn.close()
                psql(f"DROP DATABASE run{k}")
                check_t.append(c)
                commit_t.append(w)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
    total = [c + w for c, w in zip(check_t, commit_t)]
    return [
        report(f"PostgreSQL, national: check {rows:,} rows (read, validate, compare)", check_t, None),
        report(f"PostgreSQL, national: commit {rows:,} rows (one transaction)", commit_t, None),
        report(f"PostgreSQL, national: upload {rows:,} rows, validation and commit", total, TARGET_S),
    ]


def empty_database(runs: int) -> None:
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
    q_rows = quarterly.count(b"\n") - 1
    print(f"Big file: {rows:,} rows, {len(data) / 1e6:.1f} MB; quarterly file: {q_rows} rows; {runs} runs each")
    check_t, commit_t, total_t, preview_t = [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        for run in range(runs):
            conn = store.open_store(cfg, Path(d) / f"b{run}.duckdb")
            store.add_areas(conn, areas)
            c, w, _, _ = load_once(conn, cfg, data, rows)
            check_t.append(c)
            commit_t.append(w)
            total_t.append(c + w)
            preview_t.append(
                timed(lambda conn=conn: uploads.change_table(uploads.check(conn, cfg, quarterly, "q.csv", who), cfg))
            )
            conn.close()
    report(f"validate {rows:,}-row CSV", check_t, None)
    report(f"commit {rows:,} rows (one transaction)", commit_t, None)
    report(f"validate + commit {rows:,} rows", total_t, TARGET_S)
    report("preview of a 480-row quarterly file (check + table)", preview_t, 0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--national", action="store_true", help="into the national dataset, recorded in bench/results.json")
    ap.add_argument("--postgres", action="store_true", help="with --national: PostgreSQL as well")
    args = ap.parse_args()
    print(f"Machine: {platform.machine()}, {platform.processor() or platform.platform()}, Python {platform.python_version()}")
    if not args.national:
        empty_database(args.runs)
        return 0
    from bench.record import record

    results = national_duckdb(args.runs)
    if args.postgres:
        results += national_postgres(args.runs)
    record(
        "upload",
        {"file": "100,500 rows: 10,500 new figures, 90,000 changed", "load_average_at_end": os.getloadavg(), "results": results},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
