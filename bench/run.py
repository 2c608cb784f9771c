"""Benchmark harness at national scale: builds (once) a synthetic dataset of 163 areas × 40 indicators × 10
years of months, then measures loading, every page (cold and warm), the core queries, peak memory and the
browser, each as the median of several runs with the minimum and maximum, against the targets.

    python bench/run.py              # everything (needs Chromium for the browser part)
    python bench/run.py --no-browser --runs 5

The dataset stays in bench/national/ and is reused; open the dashboard on it with the paths printed at the end.
Figures are written to bench/results.json."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest logs a warning per run otherwise

NATIONAL = ROOT / "bench" / "national"
DB = NATIONAL / "national.duckdb"
CONFIG = NATIONAL / "indicators.yaml"
N_LAS, N_REGIONS, N_INDICATORS, YEARS = 153, 9, 40, 10
FIRST_YEAR = 2015
RESULTS = ROOT / "bench" / "results.json"
PAGES = {"scorecard": "pages/scorecard_page.py", "indicator": "pages/indicator_page.py",
         "exceptions": "pages/exceptions_page.py", "present": "pages/present_page.py", "pack": "pages/pack_page.py",
         "upload": "pages/upload_page.py", "history": "pages/history_page.py", "about": "pages/about_page.py"}
TARGETS = {"page scorecard warm": 0.060, "page scorecard cold": 1.0, "page indicator warm": 0.060,
           "page indicator cold": 1.0, "load 100,500-row CSV (validate + commit)": 1.0,
           "browser: scorecard visible from a cold open": 2.0, "browser: another indicator redrawn": 0.5}
PEAK_TARGET_MB = 350


# ---------------------------------------------------------------- the national dataset

def area_rows() -> list[tuple]:
    rows = [("E92000001", "England", "national", None, None)]
    rows += [(f"E1200000{r + 1}", f"Region {r + 1}", "regional", None, None) for r in range(N_REGIONS)]
    rows += [(f"E0690{i:04d}", f"Local authority {i:03d}", "local_authority", f"{800 + i}", f"E1200000{i % N_REGIONS + 1}")
             for i in range(N_LAS)]
    return rows


def write_config() -> None:
    units = ["percent", "count", "weeks", "percent"]
    lines = ["# Synthetic national indicators for benchmarking (bench/run.py); not real figures.", "version: 1",
             "default_area: E06900000", "areas:"]
    for code, name, level, la, region in area_rows():
        extra = f", la_code: \"{la}\", region: {region}" if la else ""
        lines.append(f"  - {{code: {code}, name: {name}, level: {level}{extra}}}")
    lines.append("indicators:")
    for i in range(1, N_INDICATORS + 1):
        unit = units[i % 4]
        higher = i % 2 == 0
        lines += [f"  - id: kpi_{i:02d}", f"    name: Synthetic indicator {i:02d} ({unit})",
                  "    definition: Synthetic benchmark series.", f"    unit: {unit}", "    decimals: 1",
                  f"    polarity: {'higher_is_better' if higher else 'lower_is_better'}", "    period_type: month",
                  "    owner: Benchmark", "    source: bench/run.py", f"    strategy_area: Area {i % 5}",
                  f"    inspection_area: Inspection {i % 4}"]
        if unit == "percent":
            lines.append("    rag: {basis: absolute, green: 80, amber: 60}" if higher else "    rag: {basis: absolute, green: 20, amber: 40}")
    CONFIG.write_text("\n".join(lines) + "\n")


def build_national(force: bool = False) -> int:
    """Create the dataset with DuckDB's own SQL (seconds, not minutes); reuse it when already there."""
    from indicators import config, store
    if DB.exists() and CONFIG.exists() and not force:
        c = store.connect(DB, read_only=True)
        n = c.execute("SELECT count(*) FROM observations").fetchone()[0]
        c.close()
        return n
    NATIONAL.mkdir(parents=True, exist_ok=True)
    DB.unlink(missing_ok=True)
    write_config()
    cfg = config.load(CONFIG)
    conn = store.open_store(cfg, DB)
    months = YEARS * 12
    conn.execute("BEGIN TRANSACTION")
    conn.execute("INSERT INTO uploads (id, kind, file_name, user_name, created_at, rows_new) VALUES "
                 "(nextval('upload_id_seq'), 'sample', 'bench/run.py synthetic national data', 'bench', now(), 0)")
    conn.execute(f"""
        INSERT INTO observations
        SELECT i.id, a.code, strftime(m.start, '%Y-%m'), m.start, last_day(m.start),
               round(CASE WHEN i.unit = 'percent' THEN 40 + 50 * ((hash(i.id, a.code, m.start) % 1000) / 1000.0)
                          ELSE 10 + (hash(i.id, a.code, m.start) % 500) END, 1),
               NULL, NULL, NULL, NULL, 'illustrative', 'bench/run.py', 1
        FROM (SELECT 'kpi_' || lpad(CAST(n AS VARCHAR), 2, '0') AS id,
                     CASE n % 4 WHEN 1 THEN 'count' WHEN 2 THEN 'weeks' ELSE 'percent' END AS unit
              FROM range(1, {N_INDICATORS + 1}) t(n)) i
        CROSS JOIN (SELECT code FROM areas) a
        CROSS JOIN (SELECT CAST(DATE '{FIRST_YEAR}-01-01' + INTERVAL (n) MONTH AS DATE) AS start FROM range({months}) t(n)) m""")
    n = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    conn.execute("UPDATE uploads SET rows_new = ? WHERE id = 1", [n])
    conn.execute("COMMIT")
    conn.execute("CHECKPOINT")
    conn.close()
    return n


# ---------------------------------------------------------------- measuring

def summary(name: str, samples: list[float], target: float | None = None) -> dict:
    med = statistics.median(samples)
    return {"name": name, "median_s": round(med, 4), "min_s": round(min(samples), 4), "max_s": round(max(samples), 4),
            "runs": len(samples), "target_s": target, "met": None if target is None else med <= target}


def measure_load(runs: int) -> dict:
    """100,500 rows through uploads.check + uploads.commit, into a fresh copy of the national database."""
    import uploads as load_bench  # bench/uploads.py: the same synthetic file

    from indicators import config, store, uploads
    cfg = config.load(CONFIG)
    areas = [(c, n, lvl, la, r) for c, n, lvl, la, r in area_rows() if lvl == "local_authority"][:150]
    data = load_bench.big_csv(areas, 134).replace(b"salt_seen_6wk", b"kpi_01").replace(b"salt_treated_12wk", b"kpi_02") \
        .replace(b"asd_waiting_list", b"kpi_03").replace(b"asd_avg_wait_weeks", b"kpi_05").replace(b"asd_longest_wait_weeks", b"kpi_06")
    samples = []
    with tempfile.TemporaryDirectory() as d:
        for run in range(runs):
            copy = Path(d) / f"n{run}.duckdb"
            shutil.copy(DB, copy)
            conn = store.connect(copy)
            t = time.perf_counter()
            p = uploads.check(conn, cfg, data, "big.csv", today=dt.date(2026, 11, 22))
            assert p.result.ok, p.result.problems[:3]
            uploads.commit(conn, p, "bench")
            samples.append(time.perf_counter() - t)
            conn.close()
    return summary("load 100,500-row CSV (validate + commit)", samples, TARGETS["load 100,500-row CSV (validate + commit)"])


def measure_pages(runs: int) -> tuple[list[dict], dict]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ.update({"KPI_DB": str(DB), "KPI_CONFIG": str(CONFIG), "KPI_BACKUP_EVERY_HOURS": "0"})
    out, ratios = [], {}

    def timed_runs(make) -> tuple[float, list[float]]:
        st.cache_data.clear()
        at = make()
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        assert not at.exception, at.exception
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        return cold, warm

    floor_cold, floor_warm = timed_runs(lambda: AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=120))
    out.append(summary("page empty (st.write) cold", [floor_cold]))
    out.append(summary("page empty (st.write) warm", floor_warm))
    for name, path in PAGES.items():
        def make(path=path):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.switch_page(path)
            return at
        st.cache_resource.clear()  # cold: a fresh process would open the database and read the config again
        cold, warm = timed_runs(make)
        out.append(summary(f"page {name} cold", [cold], TARGETS.get(f"page {name} cold")))
        out.append(summary(f"page {name} warm", warm, TARGETS.get(f"page {name} warm")))
        ratios[name] = round(statistics.median(warm) / statistics.median(floor_warm), 1)
    st.cache_resource.clear()
    return out, ratios


def measure_queries(runs: int) -> list[dict]:
    from indicators import charts, config, scorecard, store
    cfg = config.load(CONFIG)
    conn = store.connect(DB, read_only=True)
    ind = cfg.by_id["kpi_04"]
    sc, ch = [], []
    for _ in range(runs):
        t = time.perf_counter()
        scorecard.scorecard(conn, cfg, "E06900000")
        sc.append(time.perf_counter() - t)
        t = time.perf_counter()
        charts.indicator_chart(ind, scorecard.series_table(conn, cfg, ind, "E06900000"), "Local authority 000")
        ch.append(time.perf_counter() - t)
    conn.close()
    return [summary("scorecard query + RAG (one area, 40 indicators)", sc), summary("indicator series + chart build", ch)]


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_browser(runs: int) -> tuple[list[dict], float]:
    from playwright.sync_api import sync_playwright

    from slides import CHROMIUM_ARGS, free_port  # bench/slides.py
    port = free_port()
    env = {**os.environ, "KPI_DB": str(DB), "KPI_CONFIG": str(CONFIG), "KPI_BACKUP_EVERY_HOURS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    try:
        import urllib.request
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        visible, redraw = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS)
            for run in range(runs):
                ctx = browser.new_context(viewport={"width": 1366, "height": 900})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(f"{url}/")
                page.wait_for_function("document.querySelectorAll('table.scorecard tr[data-indicator]').length >= 40 && "
                                       "document.querySelectorAll('table.scorecard img.spark').length >= 40", timeout=60000)
                visible.append(time.perf_counter() - t)
                page.goto(f"{url}/indicator?indicator=kpi_01&area=E06900000")
                page.wait_for_selector(".js-plotly-plot .gtitle", timeout=60000)
                page.wait_for_timeout(500)
                target = f"kpi_{run % 30 + 2:02d}"
                box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
                box.click()
                page.keyboard.type(f"Synthetic indicator {target[4:]}")
                page.wait_for_timeout(300)  # the person has typed and sees the option; the clock starts at the choice
                t = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(f"Array.from(document.querySelectorAll('.js-plotly-plot .gtitle')).some(e => e.textContent.includes('Synthetic indicator {target[4:]}'))",
                                       timeout=60000)
                redraw.append(time.perf_counter() - t)
                ctx.close()
            browser.close()
        peak = vm_hwm_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return [summary("browser: scorecard visible from a cold open", visible, TARGETS["browser: scorecard visible from a cold open"]),
            summary("browser: another indicator redrawn", redraw, TARGETS["browser: another indicator redrawn"])], peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--rebuild", action="store_true", help="build the national dataset again")
    args = ap.parse_args()
    t = time.perf_counter()
    n = build_national(args.rebuild)
    print(f"National dataset: {n:,} observations, {N_LAS + N_REGIONS + 1} areas, {N_INDICATORS} indicators "
          f"({time.perf_counter() - t:.1f} s to build or open)\n  KPI_DB={DB} KPI_CONFIG={CONFIG}")
    # The browser part runs first: the dashboard server needs the database file to itself, and the page
    # measurements below open it inside this process.
    browser, app_peak = ([], None) if args.no_browser else measure_browser(max(3, args.runs // 2))
    results = [measure_load(max(3, args.runs // 2))]
    results += measure_queries(args.runs)
    pages, ratios = measure_pages(args.runs)
    results += pages + browser
    bench_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'measure':<50} {'median':>9} {'min':>9} {'max':>9}  target")
    for r in results:
        tgt = "" if r["target_s"] is None else f"{r['target_s'] * 1000:.0f} ms {'met' if r['met'] else 'MISSED'}"
        print(f"{r['name']:<50} {r['median_s'] * 1000:7.1f}ms {r['min_s'] * 1000:7.1f}ms {r['max_s'] * 1000:7.1f}ms  {tgt}")
    print("\nwarm page run ÷ empty page (st.write) run: " + ", ".join(f"{k} ×{v}" for k, v in ratios.items()))
    print(f"peak resident memory: this benchmark process {bench_peak:.0f} MB"
          + (f"; the dashboard server process {app_peak:.0f} MB (target {PEAK_TARGET_MB} MB {'met' if app_peak <= PEAK_TARGET_MB else 'MISSED'})" if app_peak else ""))
    RESULTS.write_text(json.dumps({
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "dataset": {"db": str(DB), "config": str(CONFIG), "observations": n, "areas": N_LAS + N_REGIONS + 1,
                    "indicators": N_INDICATORS, "months": YEARS * 12},
        "results": results, "warm_ratio_to_empty_page": ratios,
        "peak_rss_mb": {"benchmark_process": round(bench_peak), "app_server": round(app_peak) if app_peak else None,
                        "target": PEAK_TARGET_MB},
    }, indent=2) + "\n")
    print(f"\nWrote {RESULTS}. Open the dashboard on the national data: KPI_DB={DB} KPI_CONFIG={CONFIG} streamlit run app.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
