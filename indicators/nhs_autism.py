"""NHS England "Autism Statistics" (CSV, or .csv.gz as published) → the validator's table. The file is long: one row
per month, breakdown, sub-ICB location and metric; the mapping (config/nhs/autism-*.yaml) says which columns are
which, which breakdown is the total, and which metrics make each indicator (a rate from two counts, or a count).
The file gives sub-ICB locations only: the ICB and England figures are the sums of the sub-ICB locations' published
counts, and are said to be so in their source."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from indicators import bounds, official
from indicators.cells import marker_of, parse_number
from indicators.config import Config
from indicators.problems import Problem, join_words
from indicators.returns import decode
from indicators.validate import FIELDS, Table, refused, refused_by_size

SOURCE = "NHS England Autism Statistics"
MAX_BYTES = 100 * 1024 * 1024  # as downloaded (gzip): the July–September 2022 file is 1.1 MB
TOO_BIG = "Download the file for a quarter at a time."  # what to do with a file over MAX_BYTES
EMPTY = "an Autism Statistics CSV has a header row and a row per month, location and metric."  # what the file should hold
MAX_UNPACKED = 400 * 1024 * 1024  # what it may unpack to (that file: 31 MB)
MAX_ROWS = 3_000_000  # a year of every breakdown by sub-ICB location is about 650,000 rows
ENGLAND = "E92000001"
GZIP = b"\x1f\x8b"


class Figure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str | None = None  # a count: the metric itself
    numerator: str | None = None  # a rate: 100 × numerator / denominator
    denominator: str | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    columns: dict[str, str]  # period, breakdown, code, name, metric, value → the file's column names
    total_breakdown: str = Field(min_length=1)  # the breakdown whose rows are the sub-ICB totals
    figures: dict[str, Figure] = Field(min_length=1)
    sum_to: list[str] = []  # icb, england: levels summed from the sub-ICB locations


COLUMN_ROLES = ("period", "breakdown", "code", "name", "metric", "value")


def _settings(src: official.Source) -> Settings:
    s = official.settings(src, Settings)
    missing = [r for r in COLUMN_ROLES if r not in s.columns]
    if missing:
        raise official.MappingError(src.name, [f"field settings.columns: needs {join_words(missing)}"])
    return s


def _header(data: bytes) -> str:
    if data[:2] == GZIP:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as g:
                data = g.read(4096)
        except (OSError, EOFError):
            return ""
    return data[:4096].decode("utf-8-sig", errors="replace").split("\n", 1)[0]


def recognises(data: bytes, file_name: str) -> bool:
    """A gzip file, or a CSV whose header has the Autism Statistics' columns."""
    if data[:2] == GZIP:
        return True
    head = _header(data).upper()
    return "REPORTING_PERIOD_START" in head and "METRIC" in head


def _unpack(data: bytes, file_name: str) -> tuple[bytes | None, list[Problem]]:
    """The CSV's bytes: a .gz unpacked within the bounds every official file has (bytes, rows, line length)."""
    if data[:2] != GZIP:
        return data, []
    return bounds.read_gzip(data, file_name, max_bytes=MAX_UNPACKED)


def _month(text: str) -> str | None:
    """01/07/2022 (or 2022-07-01) → 2022-07."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).strftime("%Y-%m")
        except ValueError:
            continue
    return None


def read(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, src: official.Source, *, release=None) -> Table:
    """The Autism Statistics file → published figures for each sub-ICB location, its ICB and England (sums of the
    locations' counts, where none is suppressed). Nothing is written."""
    s = _settings(src)
    bad = refused_by_size(data, file_name, SOURCE, MAX_BYTES, too_big=TOO_BIG, empty=EMPTY)
    if bad is not None:
        return bad
    raw, problems = _unpack(data, file_name)
    if problems:
        return refused(SOURCE, problems)
    text, problems = decode(raw, file_name)
    if problems:
        return refused(SOURCE, problems)
    if text.count("\n") > MAX_ROWS + 1:
        return refused(SOURCE, [Problem.of("too_many_rows", name=file_name, what=f"{text.count(chr(10)):,}", limit=MAX_ROWS)])
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    by_norm = {c.strip().upper(): c for c in df.columns}
    col = {}
    for role in COLUMN_ROLES:
        wanted = s.columns[role]
        if wanted.upper() not in by_norm:
            problems.append(
                Problem.of(
                    "nhs_missing_column",
                    row=1,
                    file=file_name,
                    name=file_name,
                    column_name=wanted,
                    mapping=src.name,
                    layout=src.layout,
                    columns=join_words(list(df.columns)[:12]),
                )
            )
        else:
            col[role] = by_norm[wanted.upper()]
    if problems:
        return refused(SOURCE, problems)
    skipped: dict[str, int] = {}
    rows = np.arange(2, len(df) + 2)
    total = df[col["breakdown"]].str.strip().str.casefold() == s.total_breakdown.casefold()
    if (~total).sum():
        skipped[f"rows of other breakdowns (only {s.total_breakdown}, the totals, are read)"] = int((~total).sum())
    metrics = {m for f in s.figures.values() for m in (f.value, f.numerator, f.denominator) if m}
    wanted = total & df[col["metric"]].str.strip().isin(metrics)
    other = int((total & ~wanted).sum())
    if other:
        skipped[f"rows of metrics no indicator uses (those used: {join_words(sorted(metrics))})"] = other
    d = df[wanted]
    rows = rows[wanted.to_numpy()]
    month_of = {t: _month(t) for t in set(d[col["period"]])}
    for t, m in month_of.items():
        if m is None:
            first = int(rows[(d[col["period"]] == t).to_numpy()][0])
            problems.append(
                Problem.of("nhs_bad_date", row=first, column=col["period"], file=file_name, value=t, column_name=col["period"])
            )
    if problems:
        return refused(SOURCE, problems)
    # (month, code) → metric → (text, row); the location's name as written.
    cells: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    names: dict[str, str] = {}
    for row, period, code, name, metric, value in zip(
        rows, d[col["period"]], d[col["code"]], d[col["name"]], d[col["metric"]], d[col["value"]]
    ):
        code = code.strip().upper()
        cells.setdefault((month_of[period], code), {})[metric.strip()] = (value.strip(), int(row))
        names.setdefault(code, name.strip())
    icb_codes = official.known_names(config, areas_df, ("icb",))
    known = set(areas_df["code"]) | {a.code for a in config.areas}
    out: list[dict] = []
    new_areas: dict[str, tuple] = {}
    unknown_icbs: set[str] = set()
    # (month, area) → metric → [total, suppressed counts left out, first row]
    sums: dict[tuple[str, str], dict[str, list]] = {}
    blank = 0
    for (month, code), got in cells.items():
        icb_text = re.sub(r"\s*-\s*" + re.escape(code) + r"$", "", names.get(code, ""))
        icb = icb_codes.get(("icb", official.fold(icb_text)))
        located = re.fullmatch(r"[A-Z0-9]{3,5}", code) is not None and code != "UNKNOWN"
        if located and code not in known and code not in new_areas:
            new_areas[code] = (code, f"Sub-ICB location {code} ({icb_text or 'ICB not named'})", "sub_icb", None, icb)
        for metric, (value, row) in got.items():
            targets = (["england"] if "england" in s.sum_to else []) + ([icb] if "icb" in s.sum_to and icb and located else [])
            if "icb" in s.sum_to and located and not icb and icb_text:
                unknown_icbs.add(icb_text)
            for t in targets:
                acc = sums.setdefault((month, ENGLAND if t == "england" else t), {}).setdefault(metric, [0.0, 0, row])
                number, marker, _ = parse_number(value) if value else (np.nan, None, None)
                if marker or value == "" or number != number:
                    acc[1] += 1  # suppressed (a small count): left out of the sum, and the source says how many
                else:
                    acc[0] += number
        if not located:
            continue
        for ind_id, f in s.figures.items():
            blank += _figure(out, ind_id, f, got, code, month, file_name, src)
    for (month, area), got in sums.items():
        summed = {m: (official.count_text(v), row) for m, (v, _, row) in got.items()}
        left_out = sum(n for _, n, _ in got.values())
        for ind_id, f in s.figures.items():
            blank += _figure(out, ind_id, f, summed, area, month, file_name, src, summed_from=True, left_out=left_out)
    if blank:
        skipped["figures with nothing published (a blank cell, or no patients to make a rate of)"] = blank
    notes = []
    if unknown_icbs:
        notes.append(
            f"ICB sums were not made for {len(unknown_icbs)} ICB(s) the areas file does not name "
            f"({join_words(sorted(unknown_icbs)[:5])}{' …' if len(unknown_icbs) > 5 else ''}); add an ICB with its ODS "
            "code to config/indicators.yaml to have its sum."
        )
    months = sorted({m for m, _ in cells})
    cells_df = pd.DataFrame(out, columns=["row", "file", *FIELDS, "value_col", "area_col"])
    if cells_df.empty:
        return refused(
            SOURCE, [Problem.of("no_rows_left", what="no row of the total breakdown has the metrics the mapping reads")]
        )
    return Table(
        cells_df,
        SOURCE,
        src.name,
        f"{src.layout}, read with the mapping {src.name}; months {join_words(months)}",
        {"period": col["period"], "value": col["value"], "area": col["code"]},
        official=True,
        release=(release or "").strip() or months[-1],
        new_areas=list(new_areas.values()),
        skipped=skipped,
        notes=notes,
    )


def _figure(out, ind_id, f: Figure, got, area, month, file_name, src, summed_from=False, left_out=0) -> int:
    """One indicator's figure for one area and month from its metrics; 1 when there is nothing to store."""
    source = src.source
    if summed_from:
        source += ", the sum of its sub-ICB locations' published counts" + (
            f" ({left_out} suppressed count(s) left out)" if left_out else ""
        )
    base = {"file": file_name, "indicator": ind_id, "area": area, "period": month, "figure_type": "published", "source": source}
    if f.value:
        if f.value not in got or got[f.value][0] == "":
            return 1
        text, row = got[f.value]
        out.append(base | {"row": row, "value": text, "value_col": "METRIC_VALUE", "area_col": "PRIMARY_LEVEL"})
        return 0
    if f.numerator not in got or f.denominator not in got:
        return 1
    (num, _), (den, row_d) = got[f.numerator], got[f.denominator]
    if num == "" or den == "":
        return 1
    n_val, n_mark, _ = parse_number(num)
    d_val, d_mark, _ = parse_number(den)
    row = row_d
    if n_mark or d_mark or marker_of(num) or marker_of(den):
        value = n_mark or d_mark or "*"
        out.append(
            base
            | {
                "row": row,
                "value": value,
                "numerator": "" if n_mark else num,
                "denominator": "" if d_mark else den,
                "value_col": "METRIC_VALUE",
                "area_col": "PRIMARY_LEVEL",
            }
        )
        return 0
    if d_val == 0 and n_val == 0:
        return 1
    value = official.percent_text(n_val, d_val) if d_val and n_val == n_val else num
    out.append(
        base
        | {
            "row": row,
            "value": value,
            "numerator": num,
            "denominator": den,
            "value_col": "METRIC_VALUE",
            "area_col": "PRIMARY_LEVEL",
        }
    )
    return 0
