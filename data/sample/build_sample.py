"""Write data/sample/observations.csv: the published SEND figures at their periods, plus clearly labelled illustrative fill."""
from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "observations.csv"
CONFIG = ROOT / "config" / "indicators.yaml"
COLUMNS = ["indicator", "area", "period", "value", "numerator", "denominator", "note", "figure_type", "source"]

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
HEADLINE = ["ehcp_20wk", "salt_seen_6wk", "salt_treated_12wk", "asd_waiting_list", "asd_avg_wait_weeks", "send_neet", "ehc_requests"]


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


@dataclass
class Pub:
    value: float
    source: str
    note: str = ""
    numerator: int | None = None


@dataclass
class Series:
    """One indicator in one area: published anchors kept exact, illustrative points drawn around a shape."""
    indicator: str
    area: str
    start: str
    end: str
    published: dict[str, Pub] = field(default_factory=dict)
    shape: dict[str, float] = field(default_factory=dict)  # illustrative knots: where the curve goes away from anchors
    noise: float = 0.0  # sd of the deterministic noise on illustrative points (0 where every year is hand-set)
    step: float = 1  # rounding step for illustrative points, so they do not look more precise than the real data
    note: str | None = None  # fixed note for every illustrative point, else interpolated/synthetic by position
    floor: dict[str, float] = field(default_factory=dict)  # minimum by period, where a document bounds the values

    def rows(self) -> list[dict]:
        ptype, decimals, unit = INDICATORS[self.indicator]
        rng = random.Random(f"{self.indicator}|{self.area}")  # a string seed is stable across runs and Python builds
        knots = {to_index(ptype, p): v for p, v in self.shape.items()}
        knots.update({to_index(ptype, p): pub.value for p, pub in self.published.items()})
        pub_idx = sorted(to_index(ptype, p) for p in self.published)
        out = []
        for idx in range(to_index(ptype, self.start), to_index(ptype, self.end) + 1):
            label = to_label(ptype, idx)
            if label in self.published:
                pub = self.published[label]
                out.append(row(self.indicator, self.area, label, fmt(pub.value, decimals), pub.note, "published", pub.source,
                               numerator=fmt(pub.numerator, 0)))
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
    return dict(indicator=indicator, area=area, period=period, value=value, numerator=numerator,
                denominator=denominator, note=note, figure_type=figure_type, source=source)


# ---- County Durham: the seed documents' figures, with the date each is placed at and why ----

NOTE_NEET = ("The document gives a fall from 20.2% to 16.1% over the year reported on (2018) with no dates; "
             "placed at Oct–Dec of each year, the season NEET is measured.")
NOTE_001_YEAR = "The document reports this for the year it covers (2018) without an exact date; shown at 2018."
NOTE_SALT_TREATED = ('Illustrative: the document gives no monthly figure, only "over 90% consistently achieved '
                     'throughout 2018"')

DURHAM_SERIES = [
    Series("ehcp_20wk", DURHAM, "2016-17 Q1", "2019-20 Q4",
           published={
               "2016-17 Q4": Pub(85, SRC_001, "The document gives 85% for 2016-17 as a whole; shown at the year's last quarter."),
               "2018-19 Q1": Pub(91, SRC_001, "The document gives 91% for April–July 2018; mapped to Q1 (April–June 2018)."),
           },
           # The DfE's own figures for Durham fall from 84% (2018) to 70% (2019): the local rate eases off after 2018 too.
           shape={"2016-17 Q1": 84, "2017-18 Q2": 88, "2018-19 Q3": 89, "2019-20 Q2": 80, "2019-20 Q4": 77},
           noise=1.5),
    Series("salt_seen_6wk", DURHAM, "2017-07", "2019-12",
           published={
               "2018-01": Pub(62, SRC_001, 'The document gives 62% "on average" earlier in 2018; placed at the start of the year reported on.'),
               "2018-11": Pub(72, SRC_001, 'The document gives 72% "more recently"; placed at November 2018, as the report was written late in 2018.'),
           },
           # The report expects the "steady improvement" to continue.
           shape={"2017-07": 59, "2019-06": 75, "2019-12": 77},
           noise=1.0),
    Series("salt_treated_12wk", DURHAM, "2017-07", "2019-12",
           shape={"2017-07": 89, "2017-12": 91, "2018-06": 93, "2018-12": 93, "2019-12": 92},
           noise=1.0, note=NOTE_SALT_TREATED,
           # "Over 90% ... consistently achieved throughout the last year": every 2018 month must stay above 90.
           floor={f"2018-{m:02d}": 91 for m in range(1, 13)}),
    Series("asd_waiting_list", DURHAM, "2017-07", "2019-12",
           published={
               "2018-09": Pub(565, SRC_001, "The backlog when the new diagnostic service began in September 2018."),
               "2018-12": Pub(480, SRC_001, "The document gives 480 late in 2018 with no exact date; placed at December 2018."),
           },
           # The backlog grew until the new service started, then kept falling as waits came down.
           shape={"2017-07": 470, "2019-06": 340, "2019-12": 290},
           noise=8, step=5),
    Series("asd_avg_wait_weeks", DURHAM, "2017-07", "2019-12",
           published={
               "2018-12": Pub(45, SRC_001, "The document gives an average of 45 weeks late in 2018; placed at December 2018, where the trajectory starts."),
           },
           # Falls towards the 12-week trajectory but does not reach it by July 2019: on or under the line in
           # January, amber in the spring, red from May (checked at the end of this script).
           shape={"2017-07": 40, "2018-08": 54, "2019-01": 39.5, "2019-02": 37, "2019-03": 34, "2019-04": 30,
                  "2019-05": 27, "2019-06": 24, "2019-07": 22, "2019-09": 20, "2019-12": 18},
           noise=0.4),
    Series("asd_longest_wait_weeks", DURHAM, "2017-07", "2019-12",
           published={
               "2018-08": Pub(98, SRC_001, "The longest wait before the new service began in September 2018; placed at August 2018."),
           },
           # The longest waiters are seen first once the new service starts, so the longest wait drops quickly.
           shape={"2017-07": 84, "2018-12": 74, "2019-06": 52, "2019-12": 40},
           noise=1.5),
    Series("send_neet", DURHAM, "2016-17 Q1", "2019-20 Q4",
           published={"2017-18 Q3": Pub(20.2, SRC_001, NOTE_NEET), "2018-19 Q3": Pub(16.1, SRC_001, NOTE_NEET)},
           shape={"2016-17 Q1": 21.0, "2019-20 Q4": 14.8},
           noise=0.4, step=0.1),
    Series("ehc_requests_year", DURHAM, "2015", "2023",
           published={"2019": Pub(594, SRC_004), "2021": Pub(676, SRC_004), "2022": Pub(974, SRC_004)},
           # 2016 sits near the DfE's 438; 2020 dips with the first Covid lockdown as England's count did.
           shape={"2015": 400, "2016": 440, "2017": 500, "2018": 550, "2020": 550, "2023": 1120},
           noise=10, step=10),
    Series("senco_network_schools", DURHAM, "2014-15", "2021-22",
           published={
               "2016-17": Pub(126, SRC_001, "The document gives 126 rising to 145 schools over the year reported on; 126 placed at 2016-17."),
               "2017-18": Pub(145, SRC_001, "The document gives 126 rising to 145 schools over the year reported on; 145 placed at 2017-18."),
           },
           shape={"2014-15": 108, "2015-16": 117, "2018-19": 151, "2019-20": 149, "2020-21": 154, "2021-22": 158},
           noise=0),
    Series("nasenco_total", DURHAM, "2014-15", "2021-22",
           published={"2017-18": Pub(107, SRC_001, "The document gives a total of 107 after the year reported on (2018); placed at academic year 2017-18.")},
           # A cumulative count: every year is hand-set so it never falls. 2016-17 is 107 less the 16 who qualified in 2017-18.
           shape={"2014-15": 58, "2015-16": 75, "2016-17": 91, "2018-19": 121, "2019-20": 132, "2020-21": 141, "2021-22": 153},
           noise=0),
    Series("social_care_send_trained", DURHAM, "2016", "2023",
           published={"2018": Pub(71, SRC_001, NOTE_001_YEAR + " The document gives no workforce size, so no denominator.", numerator=481)},
           # The online SEND training followed the 2017 inspection, so coverage is low before 2018.
           shape={"2016": 10, "2017": 38, "2019": 80, "2020": 84, "2021": 86, "2022": 88, "2023": 89},
           noise=0),
    Series("supported_internships", DURHAM, "2014-15", "2021-22",
           published={"2016-17": Pub(0, SRC_001), "2017-18": Pub(27, SRC_001)},
           shape={"2014-15": 0, "2015-16": 0, "2018-19": 33, "2019-20": 30, "2020-21": 35, "2021-22": 41},
           noise=0),
    Series("phb_children", DURHAM, "2015", "2022",
           published={
               "2017": Pub(0, SRC_001, 'The document gives a rise "from zero to 10" over the year reported on (2018); zero placed at 2017.'),
               "2018": Pub(10, SRC_001, NOTE_001_YEAR),
           },
           shape={"2015": 0, "2016": 0, "2019": 17, "2020": 23, "2021": 31, "2022": 38},
           noise=0),
    Series("perm_excl_ehcp", DURHAM, "2013-14", "2020-21",
           published={p: Pub(0, SRC_001, "The document reports none over the three years to 2018; shown as 0 in each academic year.")
                      for p in ("2015-16", "2016-17", "2017-18")},
           # The document calls an overturned 2018 case "what would have been the first" such exclusion, so none before.
           shape={"2013-14": 0, "2014-15": 0, "2018-19": 0, "2019-20": 1, "2020-21": 0},
           noise=0),
    Series("ehcp_male_share", DURHAM, "2016", "2023",
           published={"2023": Pub(74, SRC_004, "The May 2023 report gives the share of current plans; shown at 2023.")},
           shape={"2016": 73, "2019": 74, "2021": 73},
           noise=0.6),
    Series("dw_send_engaged", DURHAM, "2016", "2023",
           published={"2018": Pub(1638, SRC_001, NOTE_001_YEAR)},
           # DurhamWorks began in 2016 (a part year); 2020 dips with Covid.
           shape={"2016": 820, "2017": 1420, "2019": 1700, "2020": 1380, "2021": 1520, "2022": 1610, "2023": 1560},
           noise=0, step=10),
    Series("dw_send_eet", DURHAM, "2016", "2023",
           published={"2018": Pub(991, SRC_001, NOTE_001_YEAR)},
           # About 60% of those engaged, as in 2018.
           shape={"2016": 480, "2017": 850, "2019": 1040, "2020": 780, "2021": 900, "2022": 970, "2023": 950},
           noise=0, step=10),
    Series("dw_send_employment", DURHAM, "2016", "2023",
           published={"2018": Pub(438, SRC_001, NOTE_001_YEAR)},
           # About 27% of those engaged, as in 2018; fewer jobs in 2020.
           shape={"2016": 200, "2017": 370, "2019": 470, "2020": 290, "2021": 380, "2022": 440, "2023": 430},
           noise=0, step=10),
]

# Redcar and Cleveland: the documents give no figures, so every point is illustrative. A smaller authority:
# counts are roughly a quarter of Durham's. Same spans as Durham's series.
REDCAR_SERIES = [
    Series("ehcp_20wk", REDCAR, "2016-17 Q1", "2019-20 Q4",
           shape={"2016-17 Q1": 72, "2017-18 Q2": 78, "2018-19 Q2": 88, "2019-20 Q2": 74, "2019-20 Q4": 72}, noise=3),
    Series("salt_seen_6wk", REDCAR, "2017-07", "2019-12", shape={"2017-07": 68, "2018-12": 74, "2019-12": 79}, noise=2),
    Series("salt_treated_12wk", REDCAR, "2017-07", "2019-12", shape={"2017-07": 86, "2018-12": 90, "2019-12": 91}, noise=1.5),
    Series("asd_waiting_list", REDCAR, "2017-07", "2019-12", shape={"2017-07": 120, "2018-09": 140, "2019-12": 95}, noise=4, step=5),
    Series("asd_avg_wait_weeks", REDCAR, "2017-07", "2019-12", shape={"2017-07": 30, "2018-09": 34, "2019-12": 22}, noise=1),
    Series("send_neet", REDCAR, "2016-17 Q1", "2019-20 Q4", shape={"2016-17 Q1": 17.5, "2019-20 Q4": 14.0}, noise=0.5, step=0.1),
]
for s in REDCAR_SERIES:
    s.note = NOTE_REDCAR


# ---- EHC needs assessment requests by quarter: illustrative quarters that add up to each calendar year's total ----

QUARTER_WEIGHTS = [0.26, 0.24, 0.20, 0.30]  # Jan–Mar, Apr–Jun, Jul–Sep (school holidays: fewer), Oct–Dec (autumn term: most)
COVID_DIP = {2020: (1, 0.7)}  # schools closed in Apr–Jun 2020, so fewer requests that quarter
REQUEST_YEARS = range(2018, 2024)


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


def request_quarter_rows(year_rows: list[dict]) -> list[dict]:
    annual = {int(r["period"]): (int(r["value"]), r["figure_type"]) for r in year_rows
              if r["indicator"] == "ehc_requests_year" and r["area"] == DURHAM}
    out = []
    rng_d = random.Random("ehc_requests|" + DURHAM)
    rng_r = random.Random("ehc_requests|" + REDCAR)
    for year in REQUEST_YEARS:
        total, kind = annual[year]
        word = "published" if kind == "published" else "illustrative annual figure of"
        note = f"Illustrative quarter; the quarters of {year} add up to the {word} {total}"
        for label, part in zip(calendar_year_quarters(year), split_year(year, total, rng_d)):
            out.append(row("ehc_requests", DURHAM, label, str(part), note, "illustrative", SRC_ILLUSTRATIVE))
        redcar_total = round(total / 4 + rng_r.gauss(0, 4))
        for label, part in zip(calendar_year_quarters(year), split_year(year, redcar_total, rng_r)):
            out.append(row("ehc_requests", REDCAR, label, str(part), NOTE_REDCAR, "illustrative", SRC_ILLUSTRATIVE))
    return out


# ---- Official DfE series ----
# The real DfE releases in data/official/ are loaded at first start through the importer (every local authority,
# region and England). The one published year no shipped file holds is the NEET/participation figure for 2023
# (public-figures.md): kept here, published, so the series has no gap the releases could fill.
# 16–17 NEET or not known (%), year of the February: {year: (England EHCP, NE EHCP, Durham EHCP, Redcar EHCP, England all)}
DFE_NEET = {2023: (10.1, 12.8, 11.4, 16.4, 5.2)}
NOTE_NEET_2023 = "From the 2023 release (the file is not shipped with the dashboard; the figure is quoted from it)."


def dfe_rows() -> list[dict]:
    out = []
    for year, (eng, ne, dur, red, eng_all) in DFE_NEET.items():
        for area, v in zip((ENGLAND, NORTH_EAST, DURHAM, REDCAR), (eng, ne, dur, red)):
            out.append(row("dfe_neet_ehcp", area, str(year), fmt(v, 1), NOTE_NEET_2023, "published", SRC_NEET))
        out.append(row("dfe_neet_all", ENGLAND, str(year), fmt(eng_all, 1), NOTE_NEET_2023, "published", SRC_NEET))
    return out


# ---- Build, write, check ----

def build() -> list[dict]:
    rows = [r for s in DURHAM_SERIES + REDCAR_SERIES for r in s.rows()]
    rows += request_quarter_rows(rows)
    rows += dfe_rows()
    order = {ind: i for i, ind in enumerate(INDICATORS)}
    area_order = {a: i for i, a in enumerate(AREA_NAMES)}
    rows.sort(key=lambda r: (order[r["indicator"]], area_order[r["area"]], to_index(INDICATORS[r["indicator"]][0], r["period"])))
    return rows


def write(rows: list[dict]) -> None:
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def config_indicators() -> dict[str, tuple[str, int]]:
    """(period_type, decimals) per indicator id, read from the YAML by line (stdlib only; the file is hand-written)."""
    found: dict[str, dict] = {}
    current = None
    for line in CONFIG.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\s*- id:\s*(\w+)", line):
            current = found.setdefault(m.group(1), {"decimals": 1})  # the config's default is 1 decimal place
        elif current is not None and (m := re.match(r"^\s+(period_type|decimals):\s*(\w+)", line)):
            current[m.group(1)] = m.group(2)
    return {k: (v["period_type"], int(v["decimals"])) for k, v in found.items()}


# Every published figure the brief requires, exactly as it must appear: (indicator, period, value[, numerator]), County Durham.
REQUIRED_DURHAM = [
    ("ehcp_20wk", "2016-17 Q4", 85), ("ehcp_20wk", "2018-19 Q1", 91),
    ("salt_seen_6wk", "2018-01", 62), ("salt_seen_6wk", "2018-11", 72),
    ("asd_waiting_list", "2018-09", 565), ("asd_waiting_list", "2018-12", 480),
    ("asd_avg_wait_weeks", "2018-12", 45), ("asd_longest_wait_weeks", "2018-08", 98),
    ("send_neet", "2017-18 Q3", 20.2), ("send_neet", "2018-19 Q3", 16.1),
    ("ehc_requests_year", "2019", 594), ("ehc_requests_year", "2021", 676), ("ehc_requests_year", "2022", 974),
    ("senco_network_schools", "2016-17", 126), ("senco_network_schools", "2017-18", 145),
    ("nasenco_total", "2017-18", 107),
    ("social_care_send_trained", "2018", 71, 481),
    ("supported_internships", "2016-17", 0), ("supported_internships", "2017-18", 27),
    ("phb_children", "2017", 0), ("phb_children", "2018", 10),
    ("perm_excl_ehcp", "2015-16", 0), ("perm_excl_ehcp", "2016-17", 0), ("perm_excl_ehcp", "2017-18", 0),
    ("ehcp_male_share", "2023", 74),
    ("dw_send_engaged", "2018", 1638), ("dw_send_eet", "2018", 991), ("dw_send_employment", "2018", 438),
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


def check(rows: list[dict]) -> None:
    # Read back what was written, so the checks see exactly the CSV the dashboard will load.
    with OUT.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS, reader.fieldnames
        written = list(reader)
    assert written == rows, "the CSV does not read back as written"

    assert config_indicators() == {k: (v[0], v[1]) for k, v in INDICATORS.items()}, "indicator ids/period types/decimals differ from config"
    keys = Counter((r["indicator"], r["area"], r["period"]) for r in rows)
    assert not [k for k, n in keys.items() if n > 1], "duplicate (indicator, area, period)"
    by = {(r["indicator"], r["area"], r["period"]): r for r in rows}

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

    # Coverage: every local indicator has at least 8 Durham periods; Redcar only the 7 headline ones, 8 or more each.
    counts = Counter((r["indicator"], r["area"]) for r in rows)
    for ind in INDICATORS:
        if not ind.startswith("dfe_"):
            assert counts[(ind, DURHAM)] >= 8, (ind, counts[(ind, DURHAM)])
        if ind in HEADLINE:
            assert counts[(ind, REDCAR)] >= 8, (ind, counts[(ind, REDCAR)])
        elif not ind.startswith("dfe_"):
            assert counts[(ind, REDCAR)] == 0, ind
    assert not [r for r in rows if r["area"] in (ENGLAND, NORTH_EAST) and not r["indicator"].startswith("dfe_")]

    # The only DfE rows are the 2023 NEET figures the shipped releases do not hold.
    assert {(r["indicator"], r["period"]) for r in rows if r["indicator"].startswith("dfe_")} == {("dfe_neet_ehcp", "2023"), ("dfe_neet_all", "2023")}
    assert by[("dfe_neet_ehcp", DURHAM, "2023")]["value"] == "11.4"

    # Quarterly requests add up to each calendar year, for the published years exactly.
    for year in REQUEST_YEARS:
        total = sum(int(by[("ehc_requests", DURHAM, q)]["value"]) for q in calendar_year_quarters(year))
        assert total == int(by[("ehc_requests_year", DURHAM, str(year))]["value"]), year
    for year, total in ((2019, 594), (2021, 676), (2022, 974)):
        assert sum(int(by[("ehc_requests", DURHAM, q)]["value"]) for q in calendar_year_quarters(year)) == total
        assert by[("ehc_requests", DURHAM, calendar_year_quarters(year)[0])]["note"] == \
            f"Illustrative quarter; the quarters of {year} add up to the published {total}"

    # SALT: "over 90% consistently achieved throughout 2018".
    for m in range(1, 13):
        r = by[("salt_treated_12wk", DURHAM, f"2018-{m:02d}")]
        assert r["figure_type"] == "illustrative" and float(r["value"]) > 90 and "over 90% consistently achieved throughout 2018" in r["note"]
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

    # Cumulative NASENCO never falls; DurhamWorks: employment within EET within engaged.
    nasenco = [float(r["value"]) for r in rows if r["indicator"] == "nasenco_total"]
    assert nasenco == sorted(nasenco)
    for y in range(2016, 2024):
        e, eet, emp = (float(by[(i, DURHAM, str(y))]["value"]) for i in ("dw_send_engaged", "dw_send_eet", "dw_send_employment"))
        assert emp <= eet <= e, y


def summary(rows: list[dict]) -> None:
    counts = Counter((r["indicator"], r["area"]) for r in rows)
    published = Counter((r["indicator"], r["area"]) for r in rows if r["figure_type"] == "published")
    print(f"Wrote {len(rows)} rows to {OUT.relative_to(ROOT)}\n")
    print(f"{'indicator':<26} {'area':<22} rows  published")
    for ind in INDICATORS:
        for area in AREA_NAMES:
            if counts[(ind, area)]:
                print(f"{ind:<26} {AREA_NAMES[area]:<22} {counts[(ind, area)]:>4}  {published[(ind, area)]:>9}")
    print("\nPublished rows:")
    for r in rows:
        if r["figure_type"] == "published":
            extra = f" (numerator {r['numerator']})" if r["numerator"] else ""
            note = f"  [{r['note']}]" if r["note"] else ""
            print(f"  {r['indicator']:<26} {AREA_NAMES[r['area']]:<21} {r['period']:<11} {r['value']:>7}{extra}  {r['source']}{note}")


if __name__ == "__main__":
    rows = build()
    write(rows)
    check(rows)
    summary(rows)
