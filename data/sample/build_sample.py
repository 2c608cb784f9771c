"""Write data/sample/observations.csv: the published SEND figures at their periods, plus clearly labelled illustrative
fill up to the sample's "as at" date, so a new install looks like a partnership in use on that date.

    python data/sample/build_sample.py [--as-at YYYY-MM-DD] [--out PATH]

Every local series (County Durham's and Redcar and Cleveland's) runs to the last period due at the as-at date: the
period the dashboard's own rule (indicators.readmodel.due_status) holds due the day after the as-at date, so the
sample and the scorecard never disagree about what is due. The as-at date is written beside the CSV, in
observations.meta.json. Runs in the dashboard's environment (.venv/bin/python data/sample/build_sample.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "observations.csv"
CONFIG = ROOT / "config" / "indicators.yaml"
COLUMNS = ["indicator", "area", "period", "value", "numerator", "denominator", "note", "figure_type", "source"]
# The sample shipped now: the partnership's figures as they stood at the end of September 2026.
DEFAULT_AS_AT = dt.date(2026, 9, 30)

ENGLAND, NORTH_EAST, DURHAM, REDCAR = "E92000001", "E12000001", "E06000047", "E06000003"
AREA_NAMES = {ENGLAND: "England", NORTH_EAST: "North East", DURHAM: "County Durham", REDCAR: "Redcar and Cleveland"}

SRC_001 = 'Durham "Improvement progress one year on" (2018)'
SRC_004 = 'Durham HWB report "SEND Strategy 2022-2024 – One Year On" (May 2023)'
SRC_SEN2 = 'DfE "Education, health and care plans" (SEN2) open data'
SRC_NEET = 'DfE "Participation in education, training and NEET age 16 to 17 by local authority"'
SRC_ILLUSTRATIVE = "Illustrative sample data"

NOTE_INTERPOLATED = "Illustrative: interpolated between published figures"
NOTE_SYNTHETIC = "Illustrative: synthetic"
NOTE_REDCAR = "Illustrative: the documents give no figures for Redcar and Cleveland"

# (period_type, decimals, unit) for each indicator, in config order. Checked against config/indicators.yaml
# below, so the sample data cannot silently drift from the indicator definitions.
INDICATORS = {
    "ehcp_20wk": ("fy_quarter", 1, "percent"),
    "salt_seen_6wk": ("month", 0, "percent"),
    "salt_treated_12wk": ("month", 0, "percent"),
    "asd_waiting_list": ("month", 0, "count"),
    "asd_avg_wait_weeks": ("month", 0, "weeks"),
    "asd_waiting_over_13wk": ("month", 1, "percent"),
    "send_neet": ("fy_quarter", 1, "percent"),
    "ehc_requests": ("fy_quarter", 0, "count"),
    "ehc_requests_year": ("calendar_year", 0, "count"),
    "asd_longest_wait_weeks": ("month", 0, "weeks"),
    "senco_network_schools": ("academic_year", 0, "count"),
    "nasenco_total": ("academic_year", 0, "count"),
    "social_care_send_trained": ("calendar_year", 0, "percent"),
    "supported_internships": ("academic_year", 0, "count"),
    "phb_children": ("calendar_year", 0, "count"),
    "perm_excl_ehcp": ("academic_year", 0, "count"),
    "ehcp_male_share": ("calendar_year", 0, "percent"),
    "dw_send_engaged": ("calendar_year", 0, "count"),
    "dw_send_eet": ("calendar_year", 0, "count"),
    "dw_send_employment": ("calendar_year", 0, "count"),
    "dfe_ehcp_20wk": ("calendar_year", 1, "percent"),
    "dfe_ehcp_20wk_inc": ("calendar_year", 1, "percent"),
    "dfe_ehc_requests": ("calendar_year", 0, "count"),
    "dfe_ehc_plans_issued": ("calendar_year", 0, "count"),
    "dfe_neet_ehcp": ("calendar_year", 1, "percent"),
    "dfe_neet_sen_support": ("calendar_year", 1, "percent"),
    "dfe_neet_all": ("calendar_year", 1, "percent"),
}
# Redcar and Cleveland's series: the headline indicators and the per-child autism wait.
REDCAR_INDICATORS = [
    "ehcp_20wk",
    "salt_seen_6wk",
    "salt_treated_12wk",
    "asd_waiting_list",
    "asd_avg_wait_weeks",
    "asd_waiting_over_13wk",
    "send_neet",
    "ehc_requests",
]


# ---- Period labels (the canonical forms of indicators/periods.py), as integer indexes so series can be interpolated ----


def to_index(period_type: str, label: str) -> int:
    if period_type == "month":
        y, m = label.split("-")
        return int(y) * 12 + int(m) - 1
    if period_type == "fy_quarter":
        span, q = label.split(" Q")
        return int(span[:4]) * 4 + int(q) - 1
    return int(label[:4])  # calendar year, or the first year of an academic/financial year


def to_label(period_type: str, idx: int) -> str:
    if period_type == "month":
        return f"{idx // 12:04d}-{idx % 12 + 1:02d}"
    if period_type == "fy_quarter":
        fy = idx // 4
        return f"{fy}-{str(fy + 1)[2:]} Q{idx % 4 + 1}"
    if period_type == "calendar_year":
        return str(idx)
    return f"{idx}-{str(idx + 1)[2:]}"


LABEL_PATTERNS = {
    "month": r"\d{4}-(0[1-9]|1[0-2])",
    "fy_quarter": r"\d{4}-\d{2} Q[1-4]",
    "financial_year": r"\d{4}-\d{2}",
    "academic_year": r"\d{4}-\d{2}",
    "calendar_year": r"\d{4}",
}


def calendar_year_quarters(year: int) -> list[str]:
    """The four fy_quarter labels that make up a calendar year: Jan–Mar is Q4 of the previous financial year."""
    return [f"{year - 1}-{str(year)[2:]} Q4"] + [f"{year}-{str(year + 1)[2:]} Q{q}" for q in (1, 2, 3)]


# ---- Values ----


def fmt(value: float | int | None, decimals: int) -> str:
    """Shortest faithful text: 85 not 85.0, so a published whole number is not dressed up with false precision."""
    if value is None:
        return ""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def round_to(value: float, step: float, decimals: int) -> float:
    return round(round(value / step) * step, decimals)


def interpolate(knots: dict[int, float], idx: int) -> float:
    points = sorted(knots.items())
    if idx <= points[0][0]:
        return points[0][1]
    for (i0, v0), (i1, v1) in zip(points, points[1:]):
        if i0 <= idx <= i1:
            return v0 + (v1 - v0) * (idx - i0) / (i1 - i0)
    return points[-1][1]


def share_of(numerator: int, denominator: int) -> float:
    """A percentage as the dashboard shows it: 100 × numerator / denominator to one decimal place."""
    return round(100 * numerator / denominator, 1)


@dataclass
class Pub:
    value: float
    source: str
    note: str = ""
    numerator: int | None = None


@dataclass
class Series:
    """One indicator in one area, from `start` to the last period due at the as-at date: published anchors kept
    exact, illustrative points drawn around a shape."""

    indicator: str
    area: str
    start: str
    published: dict[str, Pub] = field(default_factory=dict)
    shape: dict[str, float] = field(default_factory=dict)  # illustrative knots: where the curve goes away from anchors
    noise: float = 0.0  # sd of the deterministic noise on illustrative points (0 where every year is hand-set)
    step: float = 1  # rounding step for illustrative points, so they do not look more precise than the real data
    note: str | None = None  # fixed note for every illustrative point, else interpolated/synthetic by position
    floor: dict[str, float] = field(default_factory=dict)  # minimum by period, where a document bounds the values

    def knots(self) -> dict[int, float]:
        ptype = INDICATORS[self.indicator][0]
        knots = {to_index(ptype, p): v for p, v in self.shape.items()}
        knots.update({to_index(ptype, p): pub.value for p, pub in self.published.items()})
        return knots

    def trend(self, label: str) -> float:
        """The shape's value at a period, without noise: for a total the series does not hold yet."""
        return interpolate(self.knots(), to_index(INDICATORS[self.indicator][0], label))

    def rows(self, end: str) -> list[dict]:
        ptype, decimals, unit = INDICATORS[self.indicator]
        rng = random.Random(f"{self.indicator}|{self.area}")  # a string seed is stable across runs and Python builds
        knots = self.knots()
        pub_idx = sorted(to_index(ptype, p) for p in self.published)
        out = []
        for idx in range(to_index(ptype, self.start), to_index(ptype, end) + 1):
            label = to_label(ptype, idx)
            if label in self.published:
                pub = self.published[label]
                out.append(
                    row(
                        self.indicator,
                        self.area,
                        label,
                        fmt(pub.value, decimals),
                        pub.note,
                        "published",
                        pub.source,
                        numerator=fmt(pub.numerator, 0),
                    )
                )
                continue
            value = interpolate(knots, idx) + (rng.gauss(0, self.noise) if self.noise else 0.0)
            value = max(value, self.floor.get(label, 0.0))
            if unit == "percent":
                value = min(value, 100.0)
            value = round_to(value, self.step, decimals)
            if self.note:
                note = self.note
            elif len(pub_idx) >= 2 and pub_idx[0] < idx < pub_idx[-1]:
                note = NOTE_INTERPOLATED
            else:
                note = NOTE_SYNTHETIC
            out.append(row(self.indicator, self.area, label, fmt(value, decimals), note, "illustrative", SRC_ILLUSTRATIVE))
        return out


def row(indicator, area, period, value, note, figure_type, source, numerator="", denominator="") -> dict:
    """One row of the sample CSV (its columns are written in COLUMNS' order)."""
    return dict(locals())


# ---- County Durham: the seed documents' figures, with the date each is placed at and why ----
# After the documents, the illustrative shapes follow what is known: the DfE's official statistics for Durham
# (data/official, loaded at first start; the figures the checks below rely on are in DFE_REFERENCE), the Ofsted/CQC
# revisit of January 2020 and the area SEND inspection of June 2024.

NOTE_NEET = (
    "The document gives a fall from 20.2% to 16.1% over the year reported on (2018) with no dates; "
    "placed at Oct–Dec of each year, the season NEET is measured."
)
NOTE_001_YEAR = "The document reports this for the year it covers (2018) without an exact date; shown at 2018."
NOTE_SALT_TREATED = 'Illustrative: the document gives no monthly figure, only "over 90% consistently achieved throughout 2018"'
NOTE_OVER_13WK = (
    "Illustrative: synthetic count of children waiting over 13 weeks; the denominator is the month's "
    "waiting list (asd_waiting_list)"
)

DURHAM_SERIES = [
    Series(
        "ehcp_20wk",
        DURHAM,
        "2016-17 Q1",
        published={
            "2016-17 Q4": Pub(85, SRC_001, "The document gives 85% for 2016-17 as a whole; shown at the year's last quarter."),
            "2018-19 Q1": Pub(91, SRC_001, "The document gives 91% for April–July 2018; mapped to Q1 (April–June 2018)."),
        },
        # The DfE's own figures for Durham fall from 84% (2018) to 70% (2019): the local rate eases off after 2018 too.
        # Its calendar years are the story the quarters tell after that: 73.2% in 2020 and 76.2% in 2021; a
        # collapse to 29.2% in 2022, as requests rose by 44%, and 1.9% in 2023; 18.3% in 2024 as the recovery
        # plan the June 2024 inspection saw ("improvement in the length of time taken to complete new
        # assessments") took hold. The recovery carries on into 2026, still short of the 90% green.
        shape={
            "2016-17 Q1": 84,
            "2017-18 Q2": 88,
            "2018-19 Q3": 89,
            "2019-20 Q2": 80,
            "2019-20 Q4": 77,
            "2020-21 Q1": 71,
            "2020-21 Q3": 75,
            "2021-22 Q2": 77,
            "2021-22 Q3": 72,
            "2021-22 Q4": 52,
            "2022-23 Q1": 33,
            "2022-23 Q2": 20,
            "2022-23 Q3": 11,
            "2022-23 Q4": 3,
            "2023-24 Q1": 2,
            "2023-24 Q2": 1.5,
            "2023-24 Q3": 1.5,
            "2023-24 Q4": 5,
            "2024-25 Q1": 12,
            "2024-25 Q2": 22,
            "2024-25 Q3": 34,
            "2024-25 Q4": 40,
            "2025-26 Q1": 46,
            "2025-26 Q2": 51,
            "2025-26 Q3": 55,
            "2025-26 Q4": 59,
            "2026-27 Q1": 63,
        },
        noise=1.5,
    ),
    Series(
        "salt_seen_6wk",
        DURHAM,
        "2017-07",
        published={
            "2018-01": Pub(
                62, SRC_001, 'The document gives 62% "on average" earlier in 2018; placed at the start of the year reported on.'
            ),
            "2018-11": Pub(
                72,
                SRC_001,
                'The document gives 72% "more recently"; placed at November 2018, as the report was written late in 2018.',
            ),
        },
        # The report expects the "steady improvement" to continue, and the January 2020 revisit found a "marked
        # reduction" in SALT waits. Face-to-face assessment stopped in the first lockdown (spring 2020); referrals
        # rose after the pandemic (2022); the June 2024 inspection found therapy waits that "vary" with the most
        # urgent needs prioritised: back to the mid-70s, short of the illustrative 80% green.
        shape={
            "2017-07": 59,
            "2019-06": 75,
            "2019-12": 77,
            "2020-03": 76,
            "2020-05": 57,
            "2020-09": 66,
            "2021-03": 72,
            "2021-12": 74,
            "2022-12": 68,
            "2023-12": 70,
            "2024-06": 73,
            "2025-06": 76,
            "2026-08": 78,
        },
        noise=1.0,
    ),
    Series(
        "salt_treated_12wk",
        DURHAM,
        "2017-07",
        # The 90% target holds outside the first lockdown and a dip as post-pandemic referrals peaked (2022).
        shape={
            "2017-07": 89,
            "2017-12": 91,
            "2018-06": 93,
            "2018-12": 93,
            "2019-12": 92,
            "2020-03": 92,
            "2020-05": 84,
            "2020-10": 90,
            "2021-06": 92,
            "2022-12": 89,
            "2023-12": 90,
            "2024-12": 92,
            "2026-08": 93,
        },
        noise=1.0,
        note=NOTE_SALT_TREATED,
        # "Over 90% ... consistently achieved throughout the last year": every 2018 month must stay above 90.
        floor={f"2018-{m:02d}": 91 for m in range(1, 13)},
    ),
    Series(
        "asd_waiting_list",
        DURHAM,
        "2017-07",
        published={
            "2018-09": Pub(565, SRC_001, "The backlog when the new diagnostic service began in September 2018."),
            "2018-12": Pub(480, SRC_001, "The document gives 480 late in 2018 with no exact date; placed at December 2018."),
        },
        # The backlog grew until the new service started, then kept falling as waits came down, to its lowest
        # when the January 2020 revisit found waits "in line with national guidance". Assessments paused in the
        # 2020 lockdown while referrals kept coming, and referrals for neurodevelopmental assessment rose year on
        # year after it (as across England), so the list grew to its peak by the June 2024 inspection ("wait too
        # long for neurodevelopmental assessments"); the "new investment and a detailed recovery plan" it noted
        # bring it down from late 2024.
        shape={
            "2017-07": 470,
            "2019-06": 340,
            "2019-12": 290,
            "2020-02": 280,
            "2020-06": 340,
            "2020-12": 420,
            "2021-12": 620,
            "2022-12": 860,
            "2023-12": 1080,
            "2024-06": 1180,
            "2024-12": 1150,
            "2025-06": 1060,
            "2025-12": 960,
            "2026-08": 880,
        },
        noise=8,
        step=5,
    ),
    Series(
        "asd_avg_wait_weeks",
        DURHAM,
        "2017-07",
        published={
            "2018-12": Pub(
                45,
                SRC_001,
                "The document gives an average of 45 weeks late in 2018; placed at December 2018, where the trajectory starts.",
            ),
        },
        # Falls towards the 12-week trajectory but does not reach it by July 2019: on or under the line in
        # January, amber in the spring, red from May (checked at the end of this script). Within a few weeks of
        # it when the January 2020 revisit found waits in line with guidance; then the list above: children
        # assessed have waited longer each year to 2024, and less from 2025 as the recovery plan clears it.
        shape={
            "2017-07": 40,
            "2018-08": 54,
            "2019-01": 39.5,
            "2019-02": 37,
            "2019-03": 34,
            "2019-04": 30,
            "2019-05": 27,
            "2019-06": 24,
            "2019-07": 22,
            "2019-09": 20,
            "2019-12": 18,
            "2020-01": 15,
            "2020-02": 14,
            "2020-06": 20,
            "2020-12": 28,
            "2021-12": 38,
            "2022-12": 50,
            "2023-12": 62,
            "2024-06": 68,
            "2024-12": 66,
            "2025-06": 60,
            "2025-12": 54,
            "2026-08": 49,
        },
        noise=0.4,
    ),
    Series(
        "asd_waiting_over_13wk",
        DURHAM,
        "2017-07",
        # The share of the list waiting over 13 weeks (the count is made from it and the month's list): most of
        # the backlog before the new service of September 2018; a third by the end of 2019 and about a fifth (amber)
        # at the January 2020 revisit; then back above four in five by 2023–24 as the list grew, easing slowly
        # under the recovery plan.
        shape={
            "2017-07": 72,
            "2018-08": 88,
            "2018-12": 80,
            "2019-06": 58,
            "2019-12": 36,
            "2020-01": 24,
            "2020-02": 20,
            "2020-03": 22,
            "2020-06": 45,
            "2020-12": 60,
            "2021-12": 70,
            "2022-12": 78,
            "2023-12": 84,
            "2024-06": 86,
            "2024-12": 84,
            "2025-06": 79,
            "2025-12": 74,
            "2026-08": 70,
        },
        noise=1.2,
        note=NOTE_OVER_13WK,
    ),
    Series(
        "asd_longest_wait_weeks",
        DURHAM,
        "2017-07",
        published={
            "2018-08": Pub(
                98, SRC_001, "The longest wait before the new service began in September 2018; placed at August 2018."
            ),
        },
        # The longest waiters are seen first once the new service starts, so the longest wait drops quickly; it
        # grows again with the list from 2020 and passes the 2018 peak by 2024.
        shape={
            "2017-07": 84,
            "2018-12": 74,
            "2019-06": 52,
            "2019-12": 40,
            "2020-02": 32,
            "2020-06": 40,
            "2020-12": 52,
            "2021-12": 72,
            "2022-12": 92,
            "2023-12": 110,
            "2024-06": 118,
            "2024-12": 114,
            "2025-12": 100,
            "2026-08": 92,
        },
        noise=1.5,
    ),
    Series(
        "send_neet",
        DURHAM,
        "2016-17 Q1",
        published={"2017-18 Q3": Pub(20.2, SRC_001, NOTE_NEET), "2018-19 Q3": Pub(16.1, SRC_001, NOTE_NEET)},
        # Up in 2020-21, when the pandemic took jobs and apprenticeships from young people, then a slow fall.
        # The DfE's 16–17 measure for young people with an EHC plan (14.4% in 2022, 11.4% in 2023, 12.9% in
        # 2025 for Durham) is another population: this 16–24 series follows only its broad direction.
        shape={
            "2016-17 Q1": 21.0,
            "2019-20 Q4": 14.8,
            "2020-21 Q1": 16.4,
            "2020-21 Q2": 17.0,
            "2020-21 Q4": 16.2,
            "2021-22 Q3": 15.0,
            "2022-23 Q3": 13.9,
            "2023-24 Q3": 13.3,
            "2024-25 Q3": 12.7,
            "2025-26 Q3": 12.2,
            "2026-27 Q1": 11.9,
        },
        noise=0.4,
        step=0.1,
    ),
    Series(
        "ehc_requests_year",
        DURHAM,
        "2015",
        published={"2019": Pub(594, SRC_004), "2021": Pub(676, SRC_004), "2022": Pub(974, SRC_004)},
        # The council's own counts run a little above the DfE's (594 against 574 in 2019, 974 against 965 in
        # 2022), so the other years sit near the DfE's: 438 (2016), 417, 411, then 675 in 2020 (Durham's count
        # rose in 2020 although England's fell), 1,042 in 2023 and 1,009 in 2024. 2025 rises again, as national
        # requests have every year but 2020; the 2026 knot is the trend for the part-year's quarters.
        shape={
            "2015": 400,
            "2016": 440,
            "2017": 425,
            "2018": 420,
            "2020": 670,
            "2023": 1055,
            "2024": 1020,
            "2025": 1100,
            "2026": 1150,
        },
        noise=10,
        step=10,
    ),
    Series(
        "senco_network_schools",
        DURHAM,
        "2014-15",
        published={
            "2016-17": Pub(
                126, SRC_001, "The document gives 126 rising to 145 schools over the year reported on; 126 placed at 2016-17."
            ),
            "2017-18": Pub(
                145, SRC_001, "The document gives 126 rising to 145 schools over the year reported on; 145 placed at 2017-18."
            ),
        },
        # A few more schools each year, levelling off as most of the county's schools already attend.
        shape={
            "2014-15": 108,
            "2015-16": 117,
            "2018-19": 151,
            "2019-20": 149,
            "2020-21": 154,
            "2021-22": 158,
            "2022-23": 161,
            "2023-24": 164,
            "2024-25": 166,
            "2025-26": 169,
        },
        noise=0,
    ),
    Series(
        "nasenco_total",
        DURHAM,
        "2014-15",
        published={
            "2017-18": Pub(
                107,
                SRC_001,
                "The document gives a total of 107 after the year reported on (2018); placed at academic year 2017-18.",
            )
        },
        # A cumulative count: every year is hand-set so it never falls. 2016-17 is 107 less the 16 who qualified in 2017-18.
        # From September 2024 new SENCOs take the NPQ for SENCOs instead of the award, so only those already
        # on the course add to it after 2023-24.
        shape={
            "2014-15": 58,
            "2015-16": 75,
            "2016-17": 91,
            "2018-19": 121,
            "2019-20": 132,
            "2020-21": 141,
            "2021-22": 153,
            "2022-23": 164,
            "2023-24": 174,
            "2024-25": 179,
            "2025-26": 181,
        },
        noise=0,
    ),
    Series(
        "social_care_send_trained",
        DURHAM,
        "2016",
        published={
            "2018": Pub(71, SRC_001, NOTE_001_YEAR + " The document gives no workforce size, so no denominator.", numerator=481)
        },
        # The online SEND training followed the 2017 inspection, so coverage is low before 2018; near-complete
        # later, with new starters keeping it short of 100%.
        shape={"2016": 10, "2017": 38, "2019": 80, "2020": 84, "2021": 86, "2022": 88, "2023": 89, "2024": 90, "2025": 91},
        noise=0,
    ),
    Series(
        "supported_internships",
        DURHAM,
        "2014-15",
        published={"2016-17": Pub(0, SRC_001), "2017-18": Pub(27, SRC_001)},
        # A dip in 2019-20, when employers closed for the first lockdown, then steady growth.
        shape={
            "2014-15": 0,
            "2015-16": 0,
            "2018-19": 33,
            "2019-20": 30,
            "2020-21": 35,
            "2021-22": 41,
            "2022-23": 45,
            "2023-24": 49,
            "2024-25": 53,
            "2025-26": 56,
        },
        noise=0,
    ),
    Series(
        "phb_children",
        DURHAM,
        "2015",
        published={
            "2017": Pub(
                0, SRC_001, 'The document gives a rise "from zero to 10" over the year reported on (2018); zero placed at 2017.'
            ),
            "2018": Pub(10, SRC_001, NOTE_001_YEAR),
        },
        shape={"2015": 0, "2016": 0, "2019": 17, "2020": 23, "2021": 31, "2022": 38, "2023": 44, "2024": 50, "2025": 55},
        noise=0,
    ),
    Series(
        "perm_excl_ehcp",
        DURHAM,
        "2013-14",
        published={
            p: Pub(0, SRC_001, "The document reports none over the three years to 2018; shown as 0 in each academic year.")
            for p in ("2015-16", "2016-17", "2017-18")
        },
        # The document calls an overturned 2018 case "what would have been the first" such exclusion, so none before.
        # A few after the pandemic: the June 2024 inspection found a lack of early assessment had led, for some,
        # to "suspensions and exclusion from school".
        shape={
            "2013-14": 0,
            "2014-15": 0,
            "2018-19": 0,
            "2019-20": 1,
            "2020-21": 0,
            "2021-22": 1,
            "2022-23": 2,
            "2023-24": 3,
            "2024-25": 2,
            "2025-26": 1,
        },
        noise=0,
    ),
    Series(
        "ehcp_male_share",
        DURHAM,
        "2016",
        published={"2023": Pub(74, SRC_004, "The May 2023 report gives the share of current plans; shown at 2023.")},
        shape={"2016": 73, "2019": 74, "2021": 73, "2025": 73},
        noise=0.6,
    ),
    Series(
        "dw_send_engaged",
        DURHAM,
        "2016",
        published={"2018": Pub(1638, SRC_001, NOTE_001_YEAR)},
        # DurhamWorks began in 2016 (a part year); 2020 dips with Covid.
        shape={
            "2016": 820,
            "2017": 1420,
            "2019": 1700,
            "2020": 1380,
            "2021": 1520,
            "2022": 1610,
            "2023": 1560,
            "2024": 1590,
            "2025": 1620,
        },
        noise=0,
        step=10,
    ),
    Series(
        "dw_send_eet",
        DURHAM,
        "2016",
        published={"2018": Pub(991, SRC_001, NOTE_001_YEAR)},
        # About 60% of those engaged, as in 2018.
        shape={
            "2016": 480,
            "2017": 850,
            "2019": 1040,
            "2020": 780,
            "2021": 900,
            "2022": 970,
            "2023": 950,
            "2024": 970,
            "2025": 990,
        },
        noise=0,
        step=10,
    ),
    Series(
        "dw_send_employment",
        DURHAM,
        "2016",
        published={"2018": Pub(438, SRC_001, NOTE_001_YEAR)},
        # About 27% of those engaged, as in 2018; fewer jobs in 2020.
        shape={
            "2016": 200,
            "2017": 370,
            "2019": 470,
            "2020": 290,
            "2021": 380,
            "2022": 440,
            "2023": 430,
            "2024": 440,
            "2025": 450,
        },
        noise=0,
        step=10,
    ),
]

# Redcar and Cleveland: the documents give no figures, so every point is illustrative. A smaller authority: its
# waiting list is about a quarter of Durham's. The 20-week rate follows the DfE's calendar years for Redcar
# (72.6% in 2019, 71.8% in 2020, 97.6% in 2021, 31.3% in 2022, 48.4% in 2023, 45.7% in 2024).
REDCAR_SERIES = [
    Series(
        "ehcp_20wk",
        REDCAR,
        "2016-17 Q1",
        shape={
            "2016-17 Q1": 72,
            "2017-18 Q2": 78,
            "2018-19 Q2": 88,
            "2019-20 Q2": 74,
            "2019-20 Q4": 72,
            "2020-21 Q2": 71,
            "2020-21 Q3": 72,
            "2020-21 Q4": 95,
            "2021-22 Q1": 97,
            "2021-22 Q2": 97,
            "2021-22 Q3": 96,
            "2021-22 Q4": 45,
            "2022-23 Q1": 30,
            "2022-23 Q2": 26,
            "2022-23 Q3": 24,
            "2022-23 Q4": 38,
            "2023-24 Q1": 48,
            "2023-24 Q2": 52,
            "2023-24 Q3": 54,
            "2023-24 Q4": 50,
            "2024-25 Q1": 45,
            "2024-25 Q2": 44,
            "2024-25 Q3": 44,
            "2025-26 Q2": 50,
            "2026-27 Q1": 55,
        },
        noise=3,
    ),
    # The same lockdown dip as Durham's; the therapy services were jointly commissioned by the 2021 revisit.
    Series(
        "salt_seen_6wk",
        REDCAR,
        "2017-07",
        shape={
            "2017-07": 68,
            "2018-12": 74,
            "2019-12": 79,
            "2020-03": 78,
            "2020-05": 60,
            "2020-12": 72,
            "2022-06": 75,
            "2023-06": 72,
            "2024-12": 78,
            "2026-08": 82,
        },
        noise=2,
    ),
    Series(
        "salt_treated_12wk",
        REDCAR,
        "2017-07",
        shape={
            "2017-07": 86,
            "2018-12": 90,
            "2019-12": 91,
            "2020-03": 91,
            "2020-05": 81,
            "2021-03": 89,
            "2023-12": 90,
            "2026-08": 92,
        },
        noise=1.5,
    ),
    # The neurodevelopmental pathway the November 2021 revisit praised keeps the list and waits shorter than
    # Durham's, but they grow after the pandemic too.
    Series(
        "asd_waiting_list",
        REDCAR,
        "2017-07",
        shape={
            "2017-07": 120,
            "2018-09": 140,
            "2019-12": 95,
            "2020-06": 110,
            "2020-12": 130,
            "2021-12": 160,
            "2022-12": 200,
            "2023-12": 240,
            "2024-12": 255,
            "2025-12": 235,
            "2026-08": 220,
        },
        noise=4,
        step=5,
    ),
    Series(
        "asd_avg_wait_weeks",
        REDCAR,
        "2017-07",
        shape={
            "2017-07": 30,
            "2018-09": 34,
            "2019-12": 22,
            "2020-06": 28,
            "2020-12": 32,
            "2021-11": 33,
            "2022-12": 40,
            "2023-12": 46,
            "2024-12": 48,
            "2025-12": 44,
            "2026-08": 41,
        },
        noise=1,
    ),
    Series(
        "asd_waiting_over_13wk",
        REDCAR,
        "2017-07",
        shape={
            "2017-07": 60,
            "2018-09": 66,
            "2019-12": 42,
            "2020-06": 52,
            "2020-12": 58,
            "2021-11": 58,
            "2022-12": 65,
            "2023-12": 72,
            "2024-12": 73,
            "2025-12": 68,
            "2026-08": 64,
        },
        noise=1.5,
    ),
    # The DfE's 16–17 EHC plan rate for Redcar rose to 16.4% in 2023: a bump in 2022-23 here too.
    Series(
        "send_neet",
        REDCAR,
        "2016-17 Q1",
        shape={
            "2016-17 Q1": 17.5,
            "2019-20 Q4": 14.0,
            "2020-21 Q2": 16.0,
            "2021-22 Q3": 14.8,
            "2022-23 Q3": 15.6,
            "2024-25 Q3": 13.4,
            "2026-27 Q1": 12.8,
        },
        noise=0.5,
        step=0.1,
    ),
]
for s in REDCAR_SERIES:
    s.note = NOTE_REDCAR


# ---- Children waiting over 13 weeks: a count made from the illustrative share and the month's waiting list ----


def over_13wk_rows(share_rows: list[dict], list_rows: list[dict]) -> list[dict]:
    """The share series' rows, each given numerator (children waiting over 13 weeks) and denominator (the waiting
    list that month), with the value recomputed from them, so the three always agree."""
    waiting = {(r["area"], r["period"]): int(r["value"]) for r in list_rows if r["indicator"] == "asd_waiting_list"}
    out = []
    for r in share_rows:
        denominator = waiting[(r["area"], r["period"])]
        numerator = round(denominator * float(r["value"]) / 100)
        out.append(
            {**r, "value": fmt(share_of(numerator, denominator), 1), "numerator": str(numerator), "denominator": str(denominator)}
        )
    return out


# ---- EHC needs assessment requests by quarter: illustrative quarters that add up to each calendar year's total ----

QUARTER_WEIGHTS = [0.26, 0.24, 0.20, 0.30]  # Jan–Mar, Apr–Jun, Jul–Sep (school holidays: fewer), Oct–Dec (autumn term: most)
COVID_DIP = {2020: (1, 0.7)}  # schools closed in Apr–Jun 2020, so fewer requests that quarter
FIRST_REQUEST_YEAR = 2018
# Redcar and Cleveland's yearly totals, hand-set near the DfE's counts for it (175 in 2018, 211, 190, 220, then
# 249 in 2023 and 237 in 2024). The DfE's 115 for 2022 stands apart from the years either side; the local count
# follows the trend instead. The last year is the trend for a year not yet over.
REDCAR_REQUESTS = {2018: 180, 2019: 210, 2020: 195, 2021: 220, 2022: 230, 2023: 245, 2024: 240, 2025: 255, 2026: 265}


def split_year(year: int, total: int, rng: random.Random) -> list[int]:
    """Whole-number quarters summing exactly to `total` (largest remainder), around a seasonal pattern."""
    weights = [w * (1 + rng.gauss(0, 0.06)) for w in QUARTER_WEIGHTS]
    if year in COVID_DIP:
        quarter, factor = COVID_DIP[year]
        weights[quarter] *= factor
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(4), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def request_quarter_rows(year_rows: list[dict], annual: Series, end: str) -> list[dict]:
    """Quarters from Jan–Mar 2018 to `end`. A year with a total (ehc_requests_year) is split into quarters that add
    up to it; the quarters of a year not over yet split the trend of the total and say there is no total yet."""
    totals = {
        int(r["period"]): (int(r["value"]), r["figure_type"])
        for r in year_rows
        if r["indicator"] == "ehc_requests_year" and r["area"] == DURHAM
    }
    last = to_index("fy_quarter", end)
    out = []
    rng_d = random.Random("ehc_requests|" + DURHAM)
    rng_r = random.Random("ehc_requests|" + REDCAR)
    year = FIRST_REQUEST_YEAR
    while to_index("fy_quarter", calendar_year_quarters(year)[0]) <= last:
        labels = calendar_year_quarters(year)
        if year in totals:
            total, kind = totals[year]
            assert to_index("fy_quarter", labels[-1]) <= last, f"{year} has a total but not all its quarters are due"
            word = "published" if kind == "published" else "illustrative annual figure of"
            note = f"Illustrative quarter; the quarters of {year} add up to the {word} {total}"
        else:
            total = round(annual.trend(str(year)))
            note = f"Illustrative quarter; {year} is not over, so there is no annual total yet"
        redcar_total = REDCAR_REQUESTS.get(year, REDCAR_REQUESTS[max(REDCAR_REQUESTS)])
        for area, parts, area_note in (
            (DURHAM, split_year(year, total, rng_d), note),
            (REDCAR, split_year(year, redcar_total, rng_r), NOTE_REDCAR),
        ):
            for label, part in zip(labels, parts):
                if to_index("fy_quarter", label) <= last:
                    out.append(row("ehc_requests", area, label, str(part), area_note, "illustrative", SRC_ILLUSTRATIVE))
        year += 1
    return out


# ---- Official DfE series ----
# The real DfE releases in data/official/ are loaded at first start through the importer (every local authority,
# region and England). The one published year no shipped file holds is the NEET/participation figure for 2023
# (public-figures.md): kept here, published, so the series has no gap the releases could fill.
# 16–17 NEET or not known (%), year of the February: {year: (England EHCP, NE EHCP, Durham EHCP, Redcar EHCP, England all)}
DFE_NEET = {2023: (10.1, 12.8, 11.4, 16.4, 5.2)}
NOTE_NEET_2023 = "From the 2023 release (the file is not shipped with the dashboard; the figure is quoted from it)."

# What the shipped releases say for the two areas, as loaded at first start: the shapes above are checked against
# them (tests/test_sample_data.py checks that these are the figures the releases hold).
DFE_REFERENCE = {
    ("dfe_ehcp_20wk", DURHAM): {2019: 70.2, 2020: 73.2, 2021: 76.2, 2022: 29.2, 2023: 1.9, 2024: 18.3},
    ("dfe_ehcp_20wk", REDCAR): {2019: 72.6, 2020: 71.8, 2021: 97.6, 2022: 31.3, 2023: 48.4, 2024: 45.7},
    ("dfe_ehc_requests", DURHAM): {
        2016: 438,
        2017: 417,
        2018: 411,
        2019: 574,
        2020: 675,
        2021: 673,
        2022: 965,
        2023: 1042,
        2024: 1009,
    },
    ("dfe_ehc_requests", REDCAR): {
        2016: 212,
        2017: 182,
        2018: 175,
        2019: 211,
        2020: 190,
        2021: 220,
        2022: 115,
        2023: 249,
        2024: 237,
    },
}


def dfe_rows() -> list[dict]:
    out = []
    for year, (eng, ne, dur, red, eng_all) in DFE_NEET.items():
        for area, v in zip((ENGLAND, NORTH_EAST, DURHAM, REDCAR), (eng, ne, dur, red)):
            out.append(row("dfe_neet_ehcp", area, str(year), fmt(v, 1), NOTE_NEET_2023, "published", SRC_NEET))
        out.append(row("dfe_neet_all", ENGLAND, str(year), fmt(eng_all, 1), NOTE_NEET_2023, "published", SRC_NEET))
    return out


# ---- Build, write, check ----


def series_ends(as_at: dt.date) -> dict[str, str]:
    """The last period due at `as_at`, for every local indicator: due by the end of that day, which is the period
    the dashboard's readmodel.due_status holds due the day after (one rule of what is due, written there)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from indicators import config, readmodel

    cfg = config.load(CONFIG)
    day_after = as_at + dt.timedelta(days=1)
    return {
        ind: readmodel.due_status(cfg.by_id[ind], None, day_after)["latest_due"]
        for ind in INDICATORS
        if not ind.startswith("dfe_")
    }


def build(as_at: dt.date) -> list[dict]:
    ends = series_ends(as_at)
    for s in DURHAM_SERIES + REDCAR_SERIES:
        ptype = INDICATORS[s.indicator][0]
        late = [p for p in s.published if to_index(ptype, p) > to_index(ptype, ends[s.indicator])]
        if late:
            sys.exit(
                f"--as-at {as_at}: too early; the published figure {s.indicator} {late[0]} is not due until later. "
                "Give a date after every published figure is due (2024-01-30 or later)."
            )
    rows = []
    for s in DURHAM_SERIES + REDCAR_SERIES:
        series_rows = s.rows(ends[s.indicator])
        if s.indicator == "asd_waiting_over_13wk":
            series_rows = over_13wk_rows(series_rows, rows)  # the waiting lists come first in DURHAM_/REDCAR_SERIES
        rows += series_rows
    annual = next(s for s in DURHAM_SERIES if s.indicator == "ehc_requests_year")
    rows += request_quarter_rows(rows, annual, ends["ehc_requests"])
    rows += dfe_rows()
    order = {ind: i for i, ind in enumerate(INDICATORS)}
    area_order = {a: i for i, a in enumerate(AREA_NAMES)}
    rows.sort(key=lambda r: (order[r["indicator"]], area_order[r["area"]], to_index(INDICATORS[r["indicator"]][0], r["period"])))
    return rows


def meta_path(out: Path) -> Path:
    return out.with_name(out.stem + ".meta.json")


def write(rows: list[dict], out: Path, as_at: dt.date) -> None:
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # The as-at date beside the CSV (the CSV itself goes through the upload validator, which takes no comments).
    meta = {
        "as_at": as_at.isoformat(),
        "built_by": f"python data/sample/build_sample.py --as-at {as_at.isoformat()}",
        "rows": len(rows),
        "about": "Each local series runs to the last period due at as_at (uploads.expected_period(indicator, as_at + 1 day)).",
    }
    meta_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def config_indicators() -> dict[str, tuple[str, int, int]]:
    """(period_type, decimals, due_days) per indicator id, read from the YAML by line (stdlib only; the file is
    hand-written)."""
    found: dict[str, dict] = {}
    current = None
    for line in CONFIG.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\s*- id:\s*(\w+)", line):
            current = found.setdefault(m.group(1), {"decimals": 1, "due_days": 30})  # the config's defaults
        elif current is not None and (m := re.match(r"^\s+(period_type|decimals|due_days):\s*(-?\w+)", line)):
            current[m.group(1)] = m.group(2)
    # NHS statistics come from NHS England's files and the provider scorecard's measures from provider_scorecard.csv
    # (build_provider_sample.py): neither is in this sample.
    found = {k: v for k, v in found.items() if not k.startswith(("nhs_", "bps_"))}
    return {k: (v["period_type"], int(v["decimals"]), int(v["due_days"])) for k, v in found.items()}


# Every published figure the brief requires, exactly as it must appear: (indicator, period, value[, numerator]), County Durham.
REQUIRED_DURHAM = [
    ("ehcp_20wk", "2016-17 Q4", 85),
    ("ehcp_20wk", "2018-19 Q1", 91),
    ("salt_seen_6wk", "2018-01", 62),
    ("salt_seen_6wk", "2018-11", 72),
    ("asd_waiting_list", "2018-09", 565),
    ("asd_waiting_list", "2018-12", 480),
    ("asd_avg_wait_weeks", "2018-12", 45),
    ("asd_longest_wait_weeks", "2018-08", 98),
    ("send_neet", "2017-18 Q3", 20.2),
    ("send_neet", "2018-19 Q3", 16.1),
    ("ehc_requests_year", "2019", 594),
    ("ehc_requests_year", "2021", 676),
    ("ehc_requests_year", "2022", 974),
    ("senco_network_schools", "2016-17", 126),
    ("senco_network_schools", "2017-18", 145),
    ("nasenco_total", "2017-18", 107),
    ("social_care_send_trained", "2018", 71, 481),
    ("supported_internships", "2016-17", 0),
    ("supported_internships", "2017-18", 27),
    ("phb_children", "2017", 0),
    ("phb_children", "2018", 10),
    ("perm_excl_ehcp", "2015-16", 0),
    ("perm_excl_ehcp", "2016-17", 0),
    ("perm_excl_ehcp", "2017-18", 0),
    ("ehcp_male_share", "2023", 74),
    ("dw_send_engaged", "2018", 1638),
    ("dw_send_eet", "2018", 991),
    ("dw_send_employment", "2018", 438),
]


def asd_trajectory(label: str) -> float | None:
    """The asd_avg_wait_weeks target as rag.py reads it: 45 (Dec 2018) to 12 (Jul 2019) by days, then 12."""
    y, m = map(int, label.split("-"))
    day, start, stop = dt.date(y, m, 1), dt.date(2018, 12, 1), dt.date(2019, 7, 1)
    if day < start:
        return None
    if day >= stop:
        return 12.0
    return 45 + (12 - 45) * (day - start).days / (stop - start).days


def check(rows: list[dict], out: Path, as_at: dt.date) -> None:
    # Read back what was written, so the checks see exactly the CSV the dashboard will load.
    with out.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS, reader.fieldnames
        written = list(reader)
    assert written == rows, "the CSV does not read back as written"
    assert json.loads(meta_path(out).read_text(encoding="utf-8"))["as_at"] == as_at.isoformat()

    assert {k: v[:2] for k, v in config_indicators().items()} == {k: (v[0], v[1]) for k, v in INDICATORS.items()}, (
        "indicator ids/period types/decimals differ from config"
    )
    keys = Counter((r["indicator"], r["area"], r["period"]) for r in rows)
    assert not [k for k, n in keys.items() if n > 1], "duplicate (indicator, area, period)"
    by = {(r["indicator"], r["area"], r["period"]): r for r in rows}

    def val(ind, area, period) -> float:
        return float(by[(ind, area, period)]["value"])

    for req in REQUIRED_DURHAM:
        ind, period, value = req[:3]
        r = by.get((ind, DURHAM, period))
        assert r is not None, f"missing published {ind} {period}"
        assert r["figure_type"] == "published" and float(r["value"]) == value, (req, r)
        assert r["source"] in (SRC_001, SRC_004), r
        assert r["numerator"] == (str(req[3]) if len(req) > 3 else "") and r["denominator"] == "", r
    published_local = [r for r in rows if r["figure_type"] == "published" and not r["indicator"].startswith("dfe_")]
    assert len(published_local) == len(REQUIRED_DURHAM), "a local published row that the brief does not list"

    for r in rows:
        ptype, decimals, unit = INDICATORS[r["indicator"]]
        assert re.fullmatch(LABEL_PATTERNS[ptype], r["period"]), r
        assert r["figure_type"] in ("published", "illustrative"), r
        assert (r["source"] == SRC_ILLUSTRATIVE) == (r["figure_type"] == "illustrative"), r
        assert r["figure_type"] == "published" or r["note"].startswith("Illustrative"), r
        v = float(r["value"])
        assert v >= 0, r
        if unit == "percent":
            assert v <= 100, r
        if decimals == 0:
            assert v == int(v), r
        assert r["value"] == fmt(v, decimals), r
        if r["indicator"].startswith("dfe_"):
            assert r["figure_type"] == "published" and r["source"] in (SRC_SEN2, SRC_NEET), r

    # Coverage: every local indicator has at least 8 Durham periods; Redcar only its own set, 8 or more each.
    counts = Counter((r["indicator"], r["area"]) for r in rows)
    for ind in INDICATORS:
        if not ind.startswith("dfe_"):
            assert counts[(ind, DURHAM)] >= 8, (ind, counts[(ind, DURHAM)])
        if ind in REDCAR_INDICATORS:
            assert counts[(ind, REDCAR)] >= 8, (ind, counts[(ind, REDCAR)])
        elif not ind.startswith("dfe_"):
            assert counts[(ind, REDCAR)] == 0, ind
    assert not [r for r in rows if r["area"] in (ENGLAND, NORTH_EAST) and not r["indicator"].startswith("dfe_")]

    # Current: every local series runs without a gap to the last period due at the as-at date.
    ends = series_ends(as_at)
    held = defaultdict(list)
    for r in rows:
        if not r["indicator"].startswith("dfe_"):
            held[(r["indicator"], r["area"])].append(to_index(INDICATORS[r["indicator"]][0], r["period"]))
    for (ind, area), idx in held.items():
        assert idx == list(range(idx[0], idx[0] + len(idx))), f"{ind} {area} has a gap"
        assert to_label(INDICATORS[ind][0], idx[-1]) == ends[ind], (ind, area, to_label(INDICATORS[ind][0], idx[-1]), ends[ind])

    # The only DfE rows are the 2023 NEET figures the shipped releases do not hold.
    assert {(r["indicator"], r["period"]) for r in rows if r["indicator"].startswith("dfe_")} == {
        ("dfe_neet_ehcp", "2023"),
        ("dfe_neet_all", "2023"),
    }
    assert by[("dfe_neet_ehcp", DURHAM, "2023")]["value"] == "11.4"

    # Quarterly requests add up to each calendar year, for the published years exactly; a year not over has
    # quarters only up to the last one due, and says so.
    years = sorted(
        int(r["period"]) for r in rows if r["indicator"] == "ehc_requests_year" and int(r["period"]) >= FIRST_REQUEST_YEAR
    )
    for year in years:
        total = sum(int(by[("ehc_requests", DURHAM, q)]["value"]) for q in calendar_year_quarters(year))
        assert total == int(by[("ehc_requests_year", DURHAM, str(year))]["value"]), year
    for year, total in ((2019, 594), (2021, 676), (2022, 974)):
        assert sum(int(by[("ehc_requests", DURHAM, q)]["value"]) for q in calendar_year_quarters(year)) == total
        assert (
            by[("ehc_requests", DURHAM, calendar_year_quarters(year)[0])]["note"]
            == f"Illustrative quarter; the quarters of {year} add up to the published {total}"
        )
    part = [q for q in calendar_year_quarters(years[-1] + 1) if (("ehc_requests", DURHAM, q) in by)]
    assert len(part) < 4 and all("is not over" in by[("ehc_requests", DURHAM, q)]["note"] for q in part)
    for year in years:
        assert sum(int(by[("ehc_requests", REDCAR, q)]["value"]) for q in calendar_year_quarters(year)) == REDCAR_REQUESTS[year]

    # Children waiting over 13 weeks: a count within the month's waiting list, and the value made from the two.
    for r in rows:
        if r["indicator"] == "asd_waiting_over_13wk":
            num, den = int(r["numerator"]), int(r["denominator"])
            assert den == int(by[("asd_waiting_list", r["area"], r["period"])]["value"]) and 0 <= num <= den, r
            assert float(r["value"]) == share_of(num, den), r
            if r["area"] == DURHAM:  # nobody waits over 13 weeks if the longest wait is shorter
                assert num == 0 or val("asd_longest_wait_weeks", DURHAM, r["period"]) > 13, r
    # The story the documents tell: a long backlog before the new service (September 2018), amber (at most 25%)
    # when the January 2020 revisit found waits in line with guidance, red again (over 25%) by the June 2024
    # inspection's "wait too long", with the longest wait longer than the average every month.
    share = lambda p: val("asd_waiting_over_13wk", DURHAM, p)  # noqa: E731
    assert share("2018-08") > 80 and 10 < share("2020-01") <= 25 and share("2024-06") > 80, "autism wait story"
    assert val("asd_avg_wait_weeks", DURHAM, "2024-06") > 3 * val("asd_avg_wait_weeks", DURHAM, "2020-01")
    for r in rows:
        if r["indicator"] == "asd_avg_wait_weeks" and r["area"] == DURHAM:
            assert val("asd_longest_wait_weeks", DURHAM, r["period"]) > float(r["value"]), r

    # SALT: "over 90% consistently achieved throughout 2018".
    for m in range(1, 13):
        r = by[("salt_treated_12wk", DURHAM, f"2018-{m:02d}")]
        assert (
            r["figure_type"] == "illustrative"
            and float(r["value"]) > 90
            and "over 90% consistently achieved throughout 2018" in r["note"]
        )
    assert all(r["figure_type"] == "illustrative" for r in rows if r["indicator"] == "salt_treated_12wk")

    # ASD average wait against the trajectory (rag basis target, green 0, amber 4): a realistic mix, not all green.
    statuses = Counter()
    for r in rows:
        if r["indicator"] == "asd_avg_wait_weeks" and r["area"] == DURHAM and (t := asd_trajectory(r["period"])) is not None:
            v = float(r["value"])
            statuses["green" if v <= t else "amber" if v <= t + 4 else "red"] += 1
    assert statuses["green"] >= 1 and statuses["amber"] >= 1 and statuses["red"] >= 1, statuses
    late_2019 = [float(by[("asd_avg_wait_weeks", DURHAM, f"2019-{m:02d}")]["value"]) for m in range(7, 13)]
    assert all(12 < v <= 24 for v in late_2019), late_2019

    # The local series tell the official statistics' story: each calendar year's mean of the quarterly 20-week rate
    # within 8 points of the DfE's rate for the area (the two count differently: 91% locally for Apr–Jul 2018
    # against the DfE's 84.2% for the year), and the council's yearly requests within 5% of the DfE's count.
    for area in (DURHAM, REDCAR):
        for year, official in DFE_REFERENCE[("dfe_ehcp_20wk", area)].items():
            if year >= 2020:
                local = sum(val("ehcp_20wk", area, q) for q in calendar_year_quarters(year)) / 4
                assert abs(local - official) <= 8, (area, year, local, official)
    for year, official in DFE_REFERENCE[("dfe_ehc_requests", DURHAM)].items():
        assert abs(val("ehc_requests_year", DURHAM, str(year)) - official) <= 0.05 * official, (year, official)
    for year, official in DFE_REFERENCE[("dfe_ehc_requests", REDCAR)].items():
        if year in REDCAR_REQUESTS and year != 2022:  # 2022: see REDCAR_REQUESTS
            assert abs(REDCAR_REQUESTS[year] - official) <= 0.1 * official, (year, official)

    # Cumulative NASENCO never falls; DurhamWorks: employment within EET within engaged.
    nasenco = [float(r["value"]) for r in rows if r["indicator"] == "nasenco_total"]
    assert nasenco == sorted(nasenco)
    for y in range(2016, int(ends["dw_send_engaged"]) + 1):
        e, eet, emp = (float(by[(i, DURHAM, str(y))]["value"]) for i in ("dw_send_engaged", "dw_send_eet", "dw_send_employment"))
        assert emp <= eet <= e, y


def summary(rows: list[dict], out: Path, as_at: dt.date) -> None:
    counts = Counter((r["indicator"], r["area"]) for r in rows)
    published = Counter((r["indicator"], r["area"]) for r in rows if r["figure_type"] == "published")
    first, last = {}, {}
    for r in rows:
        first.setdefault((r["indicator"], r["area"]), r["period"])
        last[(r["indicator"], r["area"])] = r["period"]
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"Wrote {len(rows)} rows to {shown}, as at {as_at:%-d %B %Y}\n")
    print(f"{'indicator':<26} {'area':<22} rows  published  periods")
    for ind in INDICATORS:
        for area in AREA_NAMES:
            if counts[(ind, area)]:
                span = f"{first[(ind, area)]} to {last[(ind, area)]}"
                print(f"{ind:<26} {AREA_NAMES[area]:<22} {counts[(ind, area)]:>4}  {published[(ind, area)]:>9}  {span}")
    print("\nPublished rows:")
    for r in rows:
        if r["figure_type"] == "published":
            extra = f" (numerator {r['numerator']})" if r["numerator"] else ""
            note = f"  [{r['note']}]" if r["note"] else ""
            print(
                f"  {r['indicator']:<26} {AREA_NAMES[r['area']]:<21} {r['period']:<11} {r['value']:>7}{extra}  {r['source']}{note}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--as-at",
        type=dt.date.fromisoformat,
        default=DEFAULT_AS_AT,
        metavar="YYYY-MM-DD",
        help=f"the date the sample stands at: every local series runs to the last period due then "
        f"(default {DEFAULT_AS_AT.isoformat()})",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"the CSV to write (default {OUT.relative_to(ROOT)}); the .meta.json goes beside it"
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    rows = build(args.as_at)
    write(rows, out, args.as_at)
    check(rows, out, args.as_at)
    summary(rows, out, args.as_at)


if __name__ == "__main__":
    main()
