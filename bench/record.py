"""Write one benchmark's figures into bench/results.json under its own key, keeping every other script's."""

from __future__ import annotations

import datetime as dt
import json
import platform
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict:
    import os

    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def summary(name: str, samples: list[float], target: float | None, unit: str = "s") -> dict:
    """Median, min and max of `samples` (seconds), printed and returned with the target and whether it was met."""
    med = statistics.median(samples)
    verdict = "" if target is None else ("met" if med <= target else "MISSED")
    shown = f"target {target:.2f} s {verdict}" if target is not None else ""
    print(f"{name:<64} median {med:7.3f} s   min {min(samples):7.3f}   max {max(samples):7.3f}   {shown}")
    out = {
        "name": name,
        "median_s": round(med, 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
        "runs": len(samples),
    }
    if target is not None:
        out.update(target_s=target, met=med <= target)
    return out


def record(key: str, section: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(), **section}
    RESULTS.write_text(json.dumps(data, indent=1, default=str) + "\n")
    print(f"Recorded under '{key}' in {RESULTS}")
