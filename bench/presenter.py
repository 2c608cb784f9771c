"""Benchmark: how long the other window takes to follow in presentation mode. Starts the dashboard on a free port
against a fresh sample database, opens the audience's window and, from its "Open presenter view" link, the
presenter's (one browser, as on a laptop driving a projector), then presses Next or Previous in one window and times
until the other shows the same slide. Alternates the direction; prints the median, minimum and maximum of each.

    python bench/presenter.py [--moves 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slides import start_app  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--moves", type=int, default=8, help="moves each way (at least 3)")
    moves = max(3, ap.parse_args().moves)
    from playwright.sync_api import sync_playwright

    from indicators import config, store
    from indicators.sample import load_sample

    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "kpi.duckdb"
        cfg = config.load()
        store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg)).close()
        proc, url = start_app(db)
        print("load average before: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium"))
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                audience = context.new_page()
                audience.goto(f"{url}/present?slide=2")
                audience.locator(".slide[data-slide='2'] h1").wait_for(timeout=120_000)
                with context.expect_page() as opened:
                    audience.get_by_role("link", name="Open presenter view").click()
                presenter = opened.value
                presenter.locator(".slide[data-slide='2'] h1").wait_for(timeout=120_000)
                times: dict[str, list[float]] = {"audience → presenter": [], "presenter → audience": []}
                slide = 2
                for i in range(moves * 2):
                    mover, follower, way = (
                        (audience, presenter, "audience → presenter")
                        if i % 2 == 0
                        else (presenter, audience, "presenter → audience")
                    )
                    step = 1 if (i // 2) % 2 == 0 else -1  # forward twice, then back twice: stays inside the deck
                    target = slide + step
                    mover.locator(f".slide[data-slide='{slide}'] h1").wait_for(timeout=60_000)
                    print(f"{way}: pressing {'Next' if step > 0 else 'Previous'} on slide {slide}", flush=True)
                    t = time.perf_counter()
                    mover.get_by_role("button", name="Next ▶" if step > 0 else "◀ Previous").click()
                    follower.locator(f".slide[data-slide='{target}'] h1").wait_for(timeout=60_000)
                    times[way].append(time.perf_counter() - t)
                    print(f"{way}: slide {slide} → {target} in {times[way][-1]:.2f} s", flush=True)
                    mover.locator(f".slide[data-slide='{target}'] h1").wait_for(timeout=60_000)
                    slide = target
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        for way, ts in times.items():
            print(
                f"{way}: the other window shows the slide  median {statistics.median(ts):.2f} s  "
                f"min {min(ts):.2f}  max {max(ts):.2f}  ({len(ts)} moves)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
