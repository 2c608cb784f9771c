"""Benchmarks: presentation-mode slide switches in a real browser (Playwright + the system Chromium), and the board pack.

Slides: starts the dashboard on a free port against a copy of the sample database, opens /present, presses the
right arrow key as a clicker would, and times from the key press to the next slide's title being drawn.
Prints the median, minimum and maximum.

`--pack`: the default board pack for County Durham as PDF and as PowerPoint, each made `--runs` times with every
chart drawn afresh (Chromium already running, as it is on the dashboard after its first pack), then once more with
the charts already drawn (the second format of the same pack), and the first pack of a fresh process (Chromium's
start included). Page count, median, min and max go into bench/results.json under "board_pack"."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KPI_DB": str(db), "KPI_CONFIG": str(ROOT / "config" / "indicators.yaml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the dashboard did not start within 90 seconds")


def count_pages(fmt: str, data: bytes) -> int:
    import io

    if fmt == "pdf":
        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(data)).pages)
    from pptx import Presentation

    return len(Presentation(io.BytesIO(data)).slides)


def pack_bench(runs: int) -> int:
    from bench.record import record, summary
    from indicators import config, export, store
    from indicators.sample import load_sample

    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "kpi.duckdb"
        cfg = config.load()
        store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg)).close()
        conn = store.connect(db)
        try:
            area = cfg.default_area
            load_before = os.getloadavg()
            print("load average before: " + ", ".join(f"{x:.2f}" for x in load_before))
            t = time.perf_counter()
            first = export.export(conn, cfg, "pdf", area)
            first_s = time.perf_counter() - t
            pages = {}
            results = [summary("first default pack (PDF) of a fresh process, Chromium start included", [first_s], None)]
            for fmt in ("pdf", "pptx"):
                times = []
                for _ in range(runs):
                    export._DRAWN.clear()  # every chart drawn afresh
                    t = time.perf_counter()
                    data = export.export(conn, cfg, fmt, area)
                    times.append(time.perf_counter() - t)
                pages[fmt] = count_pages(fmt, data)  # the PDF's pages as printed, the deck's slides
                results.append(summary(f"default pack {fmt.upper()}, {pages[fmt]} pages, charts drawn afresh", times, 5.0))
                times = []
                for _ in range(runs):  # the same pack again: its charts are kept
                    t = time.perf_counter()
                    export.export(conn, cfg, fmt, area)
                    times.append(time.perf_counter() - t)
                results.append(summary(f"default pack {fmt.upper()}, charts already drawn", times, 5.0))
                print(f"{fmt}: {len(data) / 1e6:.1f} MB")
            # Where the time of one cold PDF goes, step by step (no overlap of building and drawing here).
            export._DRAWN.clear()
            t0 = time.perf_counter()
            pack = export.clean_pack(export.build(conn, cfg, area))
            t1 = time.perf_counter()
            export.draw_charts(pack)
            t2 = time.perf_counter()
            export.to_pdf(pack)
            t3 = time.perf_counter()
            export.to_pptx(pack)
            t4 = time.perf_counter()
            steps = {"build_s": t1 - t0, "draw_charts_s": t2 - t1, "write_pdf_s": t3 - t2, "write_pptx_s": t4 - t3}
            print("one cold pack, step by step: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
            full = export.build(conn, cfg, area, indicator_ids=export.ALL)
            load_after = os.getloadavg()
            print("load average after: " + ", ".join(f"{x:.2f}" for x in load_after))
            record(
                "board_pack",
                {
                    "area": area,
                    "pages": {"default_pdf": pages["pdf"], "default_pptx": pages["pptx"], "full": len(full.slides)},
                    "charts_default": sum(len(s.charts) for s in export.build(conn, cfg, area).slides),
                    "first_pack_bytes": len(first),
                    "one_cold_pack_steps": {k: round(v, 3) for k, v in steps.items()},
                    "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
                    "results": results,
                },
            )
        finally:
            conn.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--switches", type=int, default=8, help="at most 8: the default deck has 9 slides")
    ap.add_argument("--pack", action="store_true", help="time the default board pack instead of slide switches")
    ap.add_argument("--runs", type=int, default=5, help="--pack: runs per format (at least 3)")
    args = ap.parse_args()
    if args.pack:
        return pack_bench(max(3, args.runs))
    from playwright.sync_api import sync_playwright

    from indicators import config, store
    from indicators.sample import load_sample

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "kpi.duckdb"
        cfg = config.load()
        store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg)).close()
        proc, url = start_app(db)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(f"{url}/present?slide=1")
                page.wait_for_selector(".slide[data-slide='1']", timeout=60000)
                page.wait_for_timeout(1500)
                times = []
                for n in range(2, 2 + min(args.switches, 8)):
                    t = time.perf_counter()
                    page.keyboard.press("ArrowRight")
                    page.wait_for_selector(f".slide[data-slide='{n}'] h1", timeout=20000)
                    times.append(time.perf_counter() - t)
                    page.wait_for_timeout(400)  # let the chart settle, as a presenter would talk
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    med = statistics.median(times)
    print(
        f"slide switch (key press → next slide's title drawn), {len(times)} switches at 1920×1080: "
        f"median {med * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
        f"target 300 ms {'met' if med <= 0.3 else 'MISSED'}"
    )
    print("each switch, slide 2 onwards (ms): " + ", ".join(f"{t * 1000:.0f}" for t in times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
