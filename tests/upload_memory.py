"""Check one file as the Upload page does, in a process of its own standing for the app server, and print what it
cost that process as JSON: peak memory (RSS), seconds, the longest pause another thread (another person's page) saw,
and the problems. Run by tests/test_bounds.py and bench/upload_bomb.py."""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from pathlib import Path


def main(db: str, file_path: str) -> None:
    from indicators import config, store, uploads
    from indicators.access import Access

    cfg = config.load(Path(__file__).resolve().parent.parent / "config" / "indicators.yaml")
    conn = store.open_store(cfg, db)
    data = Path(file_path).read_bytes()
    admin = Access(user="admin@example.org", viewer=True, admin=True)
    gaps, stop = [0.0], threading.Event()

    def other_page():  # a stand-in for another person's page: a little Python work every 10 ms
        last = time.perf_counter()
        while not stop.wait(0.01):
            sum(range(2000))
            now = time.perf_counter()
            gaps[0] = max(gaps[0], now - last)
            last = now

    t = threading.Thread(target=other_page, daemon=True)
    before = store.table_snapshot(conn)
    start = time.perf_counter()
    t.start()
    try:
        # As the Upload page decides where to check it.
        offload = uploads.offload_wanted(data)
        preview = uploads.check(conn, cfg, data, Path(file_path).name, admin, kind="official", offload=offload)
        problems = [str(p) for p in preview.result.problems]
    except MemoryError:
        problems = ["MemoryError"]
    seconds = time.perf_counter() - start
    stop.set()
    t.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    worker_peak = 0.0  # the worker's own high-water mark, while it still runs (Linux /proc)
    for pid in list(getattr(uploads._pool, "_processes", None) or {}):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                worker_peak = max(worker_peak, int(line.split()[1]) * 1024 / 1e6)
    print(
        json.dumps(
            {
                "peak_rss_mb": peak / 1e6,
                "worker_peak_rss_mb": worker_peak,
                "seconds": seconds,
                "longest_pause_s": gaps[0],
                "problems": problems,
                "unchanged": store.table_snapshot(conn) == before,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
