"""A file of figures → tidy observation rows, or a list of problems (row, column, message); writes nothing."""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators import periods
from indicators.config import Config
from indicators.store import FIGURE_TYPES, OBS_COLUMNS

MAX_BYTES = 20 * 1024 * 1024
REQUIRED = ("indicator", "area", "period", "value")
OPTIONAL = ("numerator", "denominator", "note", "figure_type", "source")
ALIASES = {"indicator_id": "indicator", "area_code": "area", "area_name": "area", "period_label": "period"}
# Statistical suppression markers used in official statistics: kept as a marker, the value left missing.
SUPPRESSION = {"c": "c", "x": "x", "z": "z", "..": "..", "low": "low", "u": "u", "~": "~", ":": ":"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, where it is and what would be accepted. Rows count as a spreadsheet
    shows them: the header is row 1."""
    row: int | None
    column: str | None
    message: str
    indicator: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class IngestResult:
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    layout: str = "long"

    @property
    def ok(self) -> bool:
        return not self.problems


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS})


def decode(data: bytes, file_name: str = "the file") -> tuple[str | None, list[Problem]]:
    """Bytes → text: UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel saves it."""
    if len(data) > MAX_BYTES:
        return None, [Problem(None, None, f"{file_name} is {len(data) / 1e6:.1f} MB; files over {MAX_BYTES // (1024 * 1024)} MB are refused. Split it into smaller files.")]
    if not data.strip():
        return None, [Problem(None, None, f"{file_name} is empty; it needs a header row (indicator,area,period,value) and at least one row of figures.")]
    if b"\x00" in data[:8192]:
        return None, [Problem(None, None, f"{file_name} is not a text file (it looks like an image, a zip or another binary file). Save the spreadsheet as CSV (comma separated) and upload that.")]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [Problem(None, None, f"{file_name} uses a character encoding other than UTF-8 or Windows-1252; save it from Excel as \"CSV UTF-8\".")]


def read_csv_text(text: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False,
                         quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        return None, [Problem(None, None, "the file has no header row; the first row must name the columns, e.g. indicator,area,period,value")]
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        row = int(m.group(1)) if m else None
        return None, [Problem(row, None, f"cannot be read as CSV ({msg.split('. ')[0].strip()}); check for a stray quote or a cell containing a comma that is not in quotes")]
    return df, []


def normalise_header(name: str) -> str:
    key = re.sub(r"\s+", "_", str(name).strip().lower())
    return ALIASES.get(key, key)


def _parse_number(text: str, percent_ok: bool) -> tuple[float | None, str | None, str | None]:
    """Cell text → (value, marker, problem)."""
    s = text.strip()
    if s == "":
        return None, None, "is empty"
    low = s.lower()
    if low in SUPPRESSION:
        return None, SUPPRESSION[low], None
    is_percent = s.endswith("%")
    if is_percent:
        if not percent_ok:
            return None, None, f'"{s}" has a % sign but this indicator is not a percentage'
        s = s[:-1].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        return None, None, f'"{text.strip()}" is not a number'
    return float(s), None, None


def area_lookup(areas_df: pd.DataFrame) -> dict[str, str]:
    """Every way a person may name an area (ONS code, name, old LA code), lower-cased → ONS code."""
    out: dict[str, str] = {}
    for row in areas_df.itertuples():
        out[str(row.code).lower()] = row.code
        out[str(row.name).lower()] = row.code
        if isinstance(row.la_code, str) and row.la_code:
            out[row.la_code.lower()] = row.code
    return out


def suggest(word: str, choices, n: int = 1) -> str:
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def validate_long(df: pd.DataFrame, config: Config, areas_df: pd.DataFrame, *, today: dt.date | None = None,
                  default_figure_type: str = "submitted", default_source: str | None = None) -> IngestResult:
    """Check a long table (one row per indicator, area and period) and turn it into tidy rows.

    Every problem in the file is reported at once; the rows are returned only when there are none.
    """
    today = today or dt.date.today()
    problems: list[Problem] = []
    df = df.copy()
    df.columns = [normalise_header(c) for c in df.columns]
    accepted = ", ".join(REQUIRED + OPTIONAL)
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    for c in dupes:
        problems.append(Problem(1, c, f"the column {c} appears more than once; keep one"))
    for c in df.columns:
        if c not in REQUIRED and c not in OPTIONAL:
            shown = c if c and not c.startswith("unnamed:") else "(no name)"
            problems.append(Problem(1, shown, f"is not a column the loader knows{suggest(c, REQUIRED + OPTIONAL)}; accepted columns: {accepted}"))
    for c in REQUIRED:
        if c not in df.columns:
            problems.append(Problem(1, c, f"the required column {c} is missing; the header row needs {', '.join(REQUIRED)} (and may add {', '.join(OPTIONAL)})"))
    if problems:
        return IngestResult(_empty_rows(), problems)

    for c in OPTIONAL:
        if c not in df.columns:
            df[c] = ""
    df = df.apply(lambda col: col.str.strip())
    df["row"] = np.arange(2, len(df) + 2)
    # Empty trailing (or stray blank) rows are what spreadsheets leave behind, not data.
    blank = (df[list(REQUIRED + OPTIONAL)] == "").all(axis=1)
    df = df[~blank]
    if df.empty:
        return IngestResult(_empty_rows(), [Problem(None, None, "the file has a header row but no figures under it")])

    by_id = config.by_id
    lookup = area_lookup(areas_df)
    bad_rows: set[int] = set()

    def add(row, column, message, indicator=None):
        problems.append(Problem(int(row), column, message, indicator))
        bad_rows.add(int(row))

    # Indicator ids
    ind_ok = df["indicator"].isin(by_id.keys())
    for row, value in df.loc[~ind_ok, ["row", "indicator"]].itertuples(index=False):
        if value == "":
            add(row, "indicator", "the indicator is empty; give an indicator id such as ehcp_20wk (see the About the indicators page)")
        else:
            add(row, "indicator", f'"{value}" is not a known indicator id{suggest(value, by_id.keys())} (see the About the indicators page for the ids)')

    # Areas
    area_codes = df["area"].str.lower().map(lookup)
    for row, value in df.loc[area_codes.isna(), ["row", "area"]].itertuples(index=False):
        if value == "":
            add(row, "area", "the area is empty; give an ONS code such as E06000047 or an area name")
        else:
            names = sorted(areas_df["name"])
            add(row, "area", f'"{value}" is not a known area{suggest(value, names + list(areas_df["code"]))}; use an ONS code or name: ' + ", ".join(f"{r.code} ({r.name})" for r in areas_df.itertuples()))
    df["area_code"] = area_codes

    # Periods, read by each indicator's period type (parsed once per distinct label and type)
    df["period_type"] = df["indicator"].map(lambda i: by_id[i].period_type if i in by_id else None)
    parsed: dict[tuple[str, str], periods.Period | str] = {}
    for label, ptype in df.loc[ind_ok, ["period", "period_type"]].drop_duplicates().itertuples(index=False):
        try:
            parsed[(label, ptype)] = periods.parse(label, ptype)
        except periods.PeriodError as e:
            parsed[(label, ptype)] = str(e)
    keys = list(zip(df["period"], df["period_type"]))
    found = [parsed.get(k) for k in keys]
    df["period_obj"] = found
    for (row, ind, _), p in zip(df[["row", "indicator", "period"]].itertuples(index=False), found):
        if ind not in by_id:
            continue
        if isinstance(p, str):
            add(row, "period", p.replace("this indicator", ind), ind)
        elif p is not None and p.start > today:
            add(row, "period", f'"{p.label}" ({p.display}) has not started yet; figures can only be loaded for periods that have begun', ind)

    # Values, numerators, denominators
    numbers: dict[str, list] = {}
    for col in ("value", "numerator", "denominator"):
        values, markers = [], []
        for row, ind, text in df[["row", "indicator", col]].itertuples(index=False):
            percent_ok = ind in by_id and by_id[ind].unit == "percent" and col == "value"
            if col != "value" and text == "":
                values.append(np.nan), markers.append(None)
                continue
            v, marker, err = _parse_number(text, percent_ok)
            if err:
                hint = "a number such as 91.5, 91% or 1,234, or a suppression marker (c, x, z, .., low)" if col == "value" else "a whole number, or leave it empty"
                add(row, col, f"{err}; give {hint}", ind if ind in by_id else None)
            values.append(np.nan if v is None else v)
            markers.append(marker)
        numbers[col] = values
        if col == "value":
            df["marker"] = markers
    df["value"] = np.array(numbers["value"], dtype=float)
    df["numerator"] = np.array(numbers["numerator"], dtype=float)
    df["denominator"] = np.array(numbers["denominator"], dtype=float)

    for r in df.itertuples(index=False):
        if r.indicator not in by_id or r.row in bad_rows:
            continue
        ind = by_id[r.indicator]
        v, num, den = r.value, r.numerator, r.denominator
        if not np.isnan(v):
            if ind.unit == "percent" and not 0 <= v <= 100:
                add(r.row, "value", f"{v:g} is outside 0–100; {ind.id} is a percentage", ind.id)
            elif ind.unit != "percent" and v < 0:
                add(r.row, "value", f"{v:g} is negative; {ind.id} is a {ind.unit} and cannot be below 0", ind.id)
        for col, x in (("numerator", num), ("denominator", den)):
            if not np.isnan(x) and x < 0:
                add(r.row, col, f"{x:g} is negative; a {col} is a count of 0 or more", ind.id)
        if not np.isnan(num) and not np.isnan(den) and num >= 0 and den >= 0:
            if num > den:
                add(r.row, "numerator", f"numerator {num:g} is greater than denominator {den:g}; the numerator counts part of the denominator", ind.id)
            elif den > 0 and not np.isnan(v) and ind.unit == "percent":
                expected = 100 * num / den
                # Allow for the figure having been rounded to whole numbers or one decimal place.
                if abs(expected - v) > 0.51:
                    add(r.row, "value", f"{v:g}% disagrees with numerator/denominator {num:g}/{den:g} = {expected:.1f}%; correct the value or the counts", ind.id)
            elif den == 0 and num > 0:
                add(r.row, "denominator", "is 0 while the numerator is not; a rate needs a denominator above 0", ind.id)

    # figure_type and source (optional; service-lead uploads default to 'submitted')
    ft = df["figure_type"].str.lower().replace("", default_figure_type)
    for row, value in df.loc[~ft.isin(FIGURE_TYPES), ["row", "figure_type"]].itertuples(index=False):
        add(row, "figure_type", f'"{value}" is not accepted; use one of {", ".join(FIGURE_TYPES)}, or leave it empty')
    df["figure_type"] = ft
    if default_source:
        df["source"] = df["source"].replace("", default_source)

    # The same indicator, area and period twice: identical repeats are harmless, different values are not.
    keyed = df[~df["row"].isin(bad_rows) & df["area_code"].notna() & ind_ok].copy()
    keyed["period_label"] = [p.label for p in keyed["period_obj"]]
    dup = keyed[keyed.duplicated(["indicator", "area_code", "period_label"], keep=False)]
    for _, group in dup.groupby(["indicator", "area_code", "period_label"], sort=False):
        distinct = group.drop_duplicates(["value", "marker", "numerator", "denominator", "note"])
        if len(distinct) > 1:
            first = int(group["row"].iloc[0])
            for row in group["row"].iloc[1:]:
                add(row, "value", f"{group['indicator'].iloc[0]} for {group['area_code'].iloc[0]} in {group['period_label'].iloc[0]} is also on row {first} with a different figure; keep one row", group["indicator"].iloc[0])

    if problems:
        problems.sort(key=lambda p: (p.row or 0, (REQUIRED + OPTIONAL).index(p.column) if p.column in REQUIRED + OPTIONAL else 99))
        return IngestResult(_empty_rows(), problems)

    df = df.drop_duplicates(["indicator", "area_code", "period"])
    tidy = pd.DataFrame({
        "indicator_id": df["indicator"].values,
        "area_code": df["area_code"].values,
        "period": [p.label for p in df["period_obj"]],
        "period_start": [p.start for p in df["period_obj"]],
        "period_end": [p.end for p in df["period_obj"]],
        "value": df["value"].values,
        "numerator": df["numerator"].values,
        "denominator": df["denominator"].values,
        "marker": df["marker"].values,
        "note": df["note"].replace("", None).values,
        "figure_type": df["figure_type"].values,
        "source": df["source"].replace("", None).values,
    })
    tidy = tidy.drop_duplicates(["indicator_id", "area_code", "period"])
    tidy["period_start"] = pd.to_datetime(tidy["period_start"]).dt.date
    tidy["period_end"] = pd.to_datetime(tidy["period_end"]).dt.date
    return IngestResult(tidy.reset_index(drop=True), [])


def read_file(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, **kwargs) -> IngestResult:
    """Bytes of an uploaded or named file → IngestResult. Nothing is written."""
    text, problems = decode(data, file_name)
    if problems:
        return IngestResult(_empty_rows(), problems)
    df, problems = read_csv_text(text)
    if problems:
        return IngestResult(_empty_rows(), problems)
    return validate_long(df, config, areas_df, **kwargs)
