"""DfE files that are not on this machine, derived from real ones the way the issue describes them. They are NOT the
published files: every change from the real file they start from is made here, in code, and listed below.

- `sen2_2026_zip()`: "the June 2026 SEN2 release", made from the real 2025 release zip
  (data/official/sen2/education-health-and-care-plans_2025.zip). Changed: the totals are relabelled "All EHC plans"
  (timeliness) and "All requests for an EHC needs assessment" (requests); two columns change case
  (PC_plans_issued_20_weeks_ex → pc_plans_issued_20_weeks_ex, plans_issued_gt20weeks_ltYear →
  plans_issued_gt20weeks_ltyear); two columns are added (avg_weeks_issue_plan, avg_weeks_issue_plan_exc: "x" for
  2019–2024, made-up values for 2025); a few 2025 rows (England, the North East, County Durham, Redcar and
  Cleveland) with made-up but plausible figures; two made-up revisions of earlier years (County Durham 2024
  excluding exceptions 18.3 → 18, Sunderland 2019 65 → 65.4); the data guidance says "Reporting year 2026".
- `neet_2021_csv()`: "the NEET/participation 2021/22 LA file with demonstration rows", made from the real
  data/official/neet/neet_participation_la_2022.csv (the DfE's 2021/22 edition: time_period 2022 is the December
  2021 to February 2022 average) with two rows added, "Region demo" and "LA demo", which carry no ONS code. The
  real file with such rows is not on this machine.
"""

from __future__ import annotations

import csv
import io
import zipfile

from indicators.config import ROOT

OFFICIAL = ROOT / "data" / "official"
ZIP_2025 = OFFICIAL / "sen2" / "education-health-and-care-plans_2025.zip"
NEET_2022 = OFFICIAL / "neet" / "neet_participation_la_2022.csv"

TOTALS_2026 = {
    "All EHC plans issued": "All EHC plans",
    "All requests for EHC needs assessments": "All requests for an EHC needs assessment",
}
RENAMED_2026 = {
    "PC_plans_issued_20_weeks_ex": "pc_plans_issued_20_weeks_ex",
    "plans_issued_gt20weeks_ltYear": "plans_issued_gt20weeks_ltyear",
}
ADDED_2026 = ("avg_weeks_issue_plan", "avg_weeks_issue_plan_exc")
# (time_period, area code, column) → the made-up revision of a real 2025-release figure.
REVISED_2026 = {
    ("2024", "E06000047", "pc_plans_issued_20_weeks_ex"): "18",  # County Durham: 18.3 in the 2025 release
    ("2019", "E08000024", "pc_plans_issued_20_weeks_ex"): "65.4",  # Sunderland: 65 in the 2025 release
}
# Made-up 2025 figures (plans, plans excl. exceptions, within 20 weeks, within 20 weeks excl., %, % excl., avg weeks).
NEW_2025 = {
    ("National", "E92000001", "England", "", "", "", "", ""): (
        "68210",
        "64900",
        "30120",
        "29450",
        "44.2",
        "45.4",
        "24.1",
        "23.8",
    ),
    ("Regional", "E92000001", "England", "E12000001", "North East", "", "", ""): (
        "3610",
        "3420",
        "1810",
        "1790",
        "50.1",
        "52.3",
        "21.5",
        "21.2",
    ),
    ("Local authority", "E92000001", "England", "E12000001", "North East", "E06000047", "840", "County Durham"): (
        "960",
        "890",
        "560",
        "556",
        "58.3",
        "62.5",
        "19.8",
        "19.2",
    ),
    ("Local authority", "E92000001", "England", "E12000001", "North East", "E06000003", "807", "Redcar and Cleveland"): (
        "180",
        "171",
        "70",
        "69",
        "38.9",
        "40.4",
        "27.6",
        "27.1",
    ),
}
NEW_REQUESTS_2025 = {"E92000001": "162300", "E12000001": "8120", "E06000047": "1095", "E06000003": "402"}


def _code(row: dict) -> str:
    level = row["geographic_level"]
    return row["country_code"] if level == "National" else row["region_code"] if level == "Regional" else row["new_la_code"]


def _rewrite(text: str, kind: str) -> str:
    reader = csv.DictReader(io.StringIO(text))
    header = [RENAMED_2026.get(h, h) for h in reader.fieldnames]
    if kind == "timeliness":
        header += list(ADDED_2026)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    geo = header[:10]
    for row in reader:
        row = {RENAMED_2026.get(k, k): v for k, v in row.items()}
        for c in ("breakdown_topic", "breakdown"):
            row[c] = TOTALS_2026.get(row[c], row[c])
        for (period, code, column), new in REVISED_2026.items():
            if row["time_period"] == period and _code(row) == code and row["breakdown_topic"].startswith("All") and column in row:
                row[column] = new
        if kind == "timeliness":
            row.update({c: "x" for c in ADDED_2026})
        w.writerow([row.get(h, "") for h in header])
    for key, figures in NEW_2025.items():
        level, *rest = key
        base = dict(zip(geo, ["2025", "Calendar year", level, *rest]))
        total = next(v for v in TOTALS_2026.values() if (kind == "timeliness") == v.startswith("All EHC"))
        row = {**base, "breakdown_topic": total, "breakdown": total}
        if kind == "timeliness":
            cols = (
                "plans_issued_den",
                "plans_issued_den_ex",
                "plans_issued_within_20_weeks",
                "plans_issued_20_weeks_ex",
                "pc_plans_issued_within_20_weeks",
                "pc_plans_issued_20_weeks_ex",
                *ADDED_2026,
            )
            row.update(dict(zip(cols, figures)))
        else:
            row["requests_received_in_year"] = NEW_REQUESTS_2025[_code(row)]
        w.writerow([row.get(h, "x") for h in header])
    return out.getvalue()


def sen2_2026_zip() -> bytes:
    """The derived "2026 release" zip (see the module's docstring): the real 2025 zip's timeliness and requests files
    rewritten, its other files left out, and a data guidance that names the release."""
    out = io.BytesIO()
    with zipfile.ZipFile(ZIP_2025) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for name, kind in (("data/timeliness_20_week.csv", "timeliness"), ("data/requests.csv", "requests")):
            text = z.read(name).decode("utf-8-sig")
            w.writestr(name, _rewrite(text, kind))
        w.writestr(
            "data-guidance/data-guidance.txt",
            "Education, health and care plans\nReporting year 2026\n\nDerived for tests from the 2025 release; not published.\n",
        )
    return out.getvalue()


def timeliness_2026_csv() -> bytes:
    """The derived 2026 timeliness file alone, as a slice downloaded from the release would be."""
    with zipfile.ZipFile(io.BytesIO(sen2_2026_zip())) as z:
        return z.read("data/timeliness_20_week.csv")


def neet_2021_csv() -> bytes:
    """The real 2021/22 NEET file with two demonstration rows added, as the issue describes (see the docstring)."""
    text = NEET_2022.read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    rows = []
    for level, region, la in (("Regional", "Region demo", ""), ("Local authority", "Region demo", "LA demo")):
        row = dict.fromkeys(header, "z")
        row.update(
            time_period="2022",
            time_identifier="Calendar year",
            geographic_level=level,
            country_code="E92000001",
            country_name="England",
            region_code="",
            region_name=region,
            old_la_code="",
            new_la_code="",
            la_name=la,
            Age="16-17",
            NEET_not_known_percent="5.0",
            NEET_NK_EHCP_percent="9.9",
            NEET_NK_SENDsupport_percent="7.7",
        )
        rows.append(",".join(row[h] for h in header))
    return (text.rstrip("\n") + "\n" + "\n".join(rows) + "\n").encode()
