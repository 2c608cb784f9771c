"""Writes data/sample/provider_scorecard.csv: the balanced provider scorecard's sample returns, nine quarters
(2024-25 Q1 to 2026-27 Q1) for three made-up providers. Every figure is illustrative; no document gives any.
The first start loads it with the sample data, through the same validator and writer as an upload.

    python data/sample/build_provider_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "provider_scorecard.csv"
QUARTERS = [f"{y}-{str(y + 1)[2:]} Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)] + ["2026-27 Q1"]
SOURCE = "Illustrative sample data"

# Each provider's story, so the grid shows every RAG: where each measure starts and ends (a straight line, with noise).
STORIES = {
    # A steady therapy provider: green nearly everywhere, spend creeping over budget.
    "ZZP01": {
        "bps_spend_vs_budget": (97, 104),
        "bps_financial_risk": (2, 2),
        "bps_families_satisfied": (86, 91),
        "bps_complaints_upheld": (1, 0),
        "bps_seen_in_timescale": (88, 94),
        "bps_activity_delivered": (96, 98),
        "bps_safeguarding_training": (97, 98),
        "bps_concerns_followed_up": (100, 100),
        "bps_staff_vacancies": (6.0, 5.0),
        "bps_staff_turnover": (3.0, 2.5),
    },
    # A short-breaks provider whose safeguarding training lapsed as it grew.
    "ZZP02": {
        "bps_spend_vs_budget": (99, 100),
        "bps_financial_risk": (2, 3),
        "bps_families_satisfied": (80, 78),
        "bps_complaints_upheld": (0, 2),
        "bps_seen_in_timescale": (92, 90),
        "bps_activity_delivered": (90, 93),
        "bps_safeguarding_training": (96, 86),
        "bps_concerns_followed_up": (100, 96),
        "bps_staff_vacancies": (9.0, 10.0),
        "bps_staff_turnover": (4.5, 5.0),
    },
    # A travel-training charity that cannot recruit: delivery and workforce red, families still content.
    "ZZP03": {
        "bps_spend_vs_budget": (92, 88),
        "bps_financial_risk": (3, 4),
        "bps_families_satisfied": (90, 88),
        "bps_complaints_upheld": (0, 1),
        "bps_seen_in_timescale": (85, 72),
        "bps_activity_delivered": (88, 76),
        "bps_safeguarding_training": (95, 96),
        "bps_concerns_followed_up": (100, 100),
        "bps_staff_vacancies": (11.0, 16.5),
        "bps_staff_turnover": (5.0, 7.5),
    },
}
# The latest quarter's commentary, as a commissioner would write it in the return's note column.
NOTES = {
    ("ZZP01", "bps_spend_vs_budget"): "Illustrative: demand above the contracted level; variation agreed in principle.",
    ("ZZP02", "bps_safeguarding_training"): "Illustrative: 14 new staff awaiting level 3 training; booked for July.",
    ("ZZP02", "bps_complaints_upheld"): "Illustrative: both about cancelled sessions; action plan agreed.",
    ("ZZP03", "bps_staff_vacancies"): "Illustrative: two trainer posts unfilled after three rounds; escalated to the group.",
    (
        "ZZP03",
        "bps_seen_in_timescale",
    ): "Illustrative: waiting list growing while posts are vacant; interim sessional staff sought.",
}
WHOLE = {"bps_financial_risk", "bps_complaints_upheld"}
CEILING = {"bps_concerns_followed_up", "bps_safeguarding_training", "bps_families_satisfied", "bps_seen_in_timescale"}


def main() -> None:
    rng = random.Random(26)
    rows = []
    for provider, story in STORIES.items():
        for indicator, (start, end) in story.items():
            for k, quarter in enumerate(QUARTERS):
                x = start + (end - start) * k / (len(QUARTERS) - 1)
                if indicator in WHOLE:
                    value = str(max(0, round(x + rng.choice([-1, 0, 0, 0, 1]) * (k < len(QUARTERS) - 1))))
                else:
                    x += rng.uniform(-1.2, 1.2) if k < len(QUARTERS) - 1 else 0  # the latest quarter is the story's end
                    x = min(x, 100.0) if indicator in CEILING else x
                    value = f"{x:.1f}" if indicator.startswith("bps_staff") else f"{round(x)}"
                note = NOTES.get((provider, indicator), "") if k == len(QUARTERS) - 1 else ""
                rows.append(
                    [indicator, provider, quarter, value, "", "", note or "Illustrative: synthetic", "illustrative", SOURCE]
                )
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["indicator", "area", "period", "value", "numerator", "denominator", "note", "figure_type", "source"])
        w.writerows(rows)
    print(f"Wrote {OUT} ({len(rows)} rows).")


if __name__ == "__main__":
    main()
