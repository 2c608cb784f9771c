"""Benchmark: presentation-mode slide switches in a real browser (Playwright + the system Chromium).

Starts the dashboard on a free port against a copy of the sample database, opens /present, presses the
right arrow key as a clicker would, and times from the key press to the next slide's title being drawn.
Prints the median, minimum and maximum."""

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--switches", type=int, default=8, help="at most 8: the default deck has 9 slides")
    args = ap.parse_args()
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
