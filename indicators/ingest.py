"""A file of figures → tidy observation rows, or a list of problems (row, column, message); writes nothing."""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators import periods
from indicators.config import Config
from indicators.store import FIGURE_TYPES, OBS_COLUMNS

MAX_BYTES = 20 * 1024 * 1024
# An .xlsx is a zip: refuse one that would unpack to far more than a real return (a "zip bomb").
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_COLUMNS = 500
MAX_LINE_CHARS = 100_000  # far beyond any real row (500 columns of figures); stops a single-line bomb early
REQUIRED = ("indicator", "area", "period", "value")
OPTIONAL = ("numerator", "denominator", "note", "figure_type", "source")
KNOWN = REQUIRED + OPTIONAL
ALIASES = {"indicator_id": "indicator", "area_code": "area", "area_name": "area", "period_label": "period"}
# Statistical suppression markers used in official statistics: kept as a marker, the value left missing.
SUPPRESSION = {"c": "c", "x": "x", "z": "z", "..": "..", "low": "low", "u": "u", "~": "~", ":": ":"}
MARKER_HINT = "c, x, z, .., low"
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
    layout: str = "long"  # long: one row per figure; wide: one column per indicator id
    file_kind: str = "CSV"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def layout_text(self) -> str:
        if self.layout == "wide":
            return "wide layout (one row per area and period, one column per indicator id)"
        return "long layout (one row per indicator, area and period)"


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS})


def _refused(problems: list[Problem], **kw) -> IngestResult:
    return IngestResult(_empty_rows(), problems, **kw)


def suggest(word: str, choices, n: int = 1) -> str:
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


# ---------------------------------------------------------------- bytes → a table of text cells

def decode(data: bytes, file_name: str = "the file") -> tuple[str | None, list[Problem]]:
    """Bytes → text: UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel saves it."""
    if b"\x00" in data[:8192]:
        return None, [Problem(None, None, f"{file_name} is not a text file (it looks like an image, a zip or another binary file). Save the spreadsheet as CSV (comma separated) or .xlsx and upload that.")]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [Problem(None, None, f"{file_name} uses a character encoding other than UTF-8 or Windows-1252; save it from Excel as \"CSV UTF-8\".")]


def short(text: str, limit: int = 60) -> str:
    """Quote at most `limit` characters of what a person typed, so a huge cell never floods a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def read_csv_text(text: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    first = text.split("\n", 1)[0]
    if first.count(",") + 1 > MAX_COLUMNS:
        return None, [Problem(1, None, f"the header row has {first.count(',') + 1:,} columns; at most {MAX_COLUMNS} are accepted (one per indicator in the wide layout)")]
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            return None, [Problem(n, None, f"the line is {len(line):,} characters long; lines over {MAX_LINE_CHARS:,} characters are refused. Check the file is a CSV of figures.")]
    try:
        # Plain Python strings (not Arrow-backed): the checks below walk the cells, and that is faster on objects.
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        return None, [Problem(None, None, "the file has no header row; the first row must name the columns, e.g. indicator,area,period,value")]
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        row = int(m.group(1)) if m else None
        return None, [Problem(row, None, f"cannot be read as CSV ({msg.split('. ')[0].strip()}); check for a stray quote or a cell containing a comma that is not in quotes")]
    return df, []


def _excel_cell(value, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        # A cell formatted as a percentage holds 0.91 for 91%.
        if number_format and "%" in number_format:
            value = value * 100
        return repr(round(value, 10)).removesuffix(".0") if isinstance(value, float) else str(value)
    return str(value)


def read_xlsx(data: bytes, file_name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The first worksheet of an .xlsx as text cells, the header in row 1."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return None, [Problem(None, None, f"{file_name} is not a valid Excel .xlsx file; open it in Excel and save it again as .xlsx or as CSV")]
    if unpacked > MAX_XLSX_UNPACKED:
        return None, [Problem(None, None, f"{file_name} would unpack to {unpacked / 1e6:,.0f} MB; Excel files that unpack to more than {MAX_XLSX_UNPACKED // (1024 * 1024)} MB are refused. Save the sheet as CSV instead.")]
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        return None, [Problem(None, None, f"{file_name} cannot be read as an Excel workbook ({type(e).__name__}); save it again as .xlsx or as CSV")]
    try:
        ws = wb.worksheets[0]
        rows = []
        for cells in ws.iter_rows():
            if len(cells) > MAX_COLUMNS:
                return None, [Problem(1, None, f"the sheet has more than {MAX_COLUMNS} columns; at most {MAX_COLUMNS} are accepted")]
            rows.append([_excel_cell(c.value, getattr(c, "number_format", None)) for c in cells])
    finally:
        wb.close()
    if not rows or not any(rows[0]):
        return None, [Problem(None, None, f"the first sheet of {file_name} is empty; put the header row (indicator,area,period,value) in row 1")]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = rows[0]
    # Excel often leaves formatted but empty columns to the right of the data.
    keep = [i for i, h in enumerate(header) if h.strip() or any(r[i].strip() for r in rows[1:])]
    df = pd.DataFrame([[r[i] for i in keep] for r in rows[1:]], columns=[header[i] for i in keep], dtype=object)
    return df, []


def normalise_header(name: str) -> str:
    key = re.sub(r"\s+", "_", str(name).strip().lower())
    return ALIASES.get(key, key)


def area_lookup(areas_df: pd.DataFrame) -> dict[str, str]:
    """Every way a person may name an area (ONS code, name, old LA code), lower-cased → ONS code."""
    out: dict[str, str] = {}
    for row in areas_df.itertuples():
        out[str(row.code).lower()] = row.code
        out[str(row.name).lower()] = row.code
        if isinstance(row.la_code, str) and row.la_code:
            out[row.la_code.lower()] = row.code
    return out


# ---------------------------------------------------------------- layouts → one long table of text cells

def _to_long(df: pd.DataFrame, config: Config) -> tuple[pd.DataFrame | None, str, list[Problem]]:
    """Normalise headers and turn a wide table into the long one. Returns (long table, layout, problems)."""
    original = [str(c) for c in df.columns]
    names = [normalise_header(c) for c in original]
    problems = []
    for c in sorted({c for c in names if names.count(c) > 1}):
        problems.append(Problem(1, c, f"the column {c} appears more than once; keep one"))
    ids = set(config.by_id)
    wide_cols = [i for i, n in enumerate(names) if n in ids]
    layout = "wide" if wide_cols and "indicator" not in names and "value" not in names else "long"
    allowed = set(KNOWN) - ({"indicator", "value", "numerator", "denominator"} if layout == "wide" else set())
    for i, n in enumerate(names):
        if n in allowed or (layout == "wide" and n in ids):
            continue
        shown = short(original[i].strip()) or "(no name)"
        if shown.lower().startswith("unnamed:"):
            shown = "(no name)"
        if layout == "long" and n in ids:
            hint = "an indicator id as a column belongs to the wide layout; then leave out the indicator and value columns"
        elif layout == "wide":
            hint = f"in the wide layout every other column must be an indicator id{suggest(n, ids)}, or one of area, period, note, figure_type, source"
        else:
            hint = f"accepted columns: {', '.join(KNOWN)}{suggest(n, KNOWN)}"
        problems.append(Problem(1, shown, f"is not a column the loader knows; {hint}"))
    needed = ("area", "period") if layout == "wide" else REQUIRED
    for c in needed:
        if c not in names:
            what = (f"the header row needs {', '.join(REQUIRED)} (and may add {', '.join(OPTIONAL)})" if layout == "long"
                    else "a wide file needs area and period columns beside the indicator id columns")
            problems.append(Problem(1, c, f"the required column {c} is missing; {what}"))
    if problems:
        return None, layout, problems

    df = df.copy()
    df.columns = names
    df["row"] = np.arange(2, len(df) + 2)
    if layout == "long":
        df["value_col"] = "value"
        return df, layout, []
    header_of = {names[i]: original[i].strip() for i in wide_cols}
    keep = ["row", "area", "period"] + [c for c in ("note", "figure_type", "source") if c in names]
    long = df.melt(id_vars=keep, value_vars=[names[i] for i in wide_cols], var_name="indicator", value_name="value")
    # In a wide file an empty cell just means "no figure for this indicator here".
    long = long[long["value"].str.strip() != ""]
    long["value_col"] = long["indicator"].map(header_of)
    return long.sort_values(["row", "indicator"], kind="stable"), layout, []


# ---------------------------------------------------------------- the checks

def _parse_number(text: str, percent_ok: bool) -> tuple[float, str | None, str | None]:
    """Cell text → (value or NaN, suppression marker, problem)."""
    s = text
    if s == "":
        return np.nan, None, "is empty"
    low = s.lower()
    if low in SUPPRESSION:
        return np.nan, SUPPRESSION[low], None
    if s.endswith("%"):
        if not percent_ok:
            return np.nan, None, f'"{short(s)}" has a % sign but this indicator is not a percentage'
        s = s[:-1].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        return np.nan, None, f'"{short(text)}" is not a number'
    return float(s), None, None


def _numbers(texts: list[str], percent_ok: np.ndarray, empty_ok: bool = False) -> tuple[np.ndarray, list, list]:
    """Parse each distinct (text, percent allowed) once: uploads repeat the same few values a lot."""
    keys = list(zip(texts, percent_ok.tolist()))
    cache = {k: (np.nan, None, None) if empty_ok and k[0] == "" else _parse_number(*k) for k in set(keys)}
    parsed = [cache[k] for k in keys]
    return np.array([p[0] for p in parsed], dtype=float), [p[1] for p in parsed], [p[2] for p in parsed]


def validate(df: pd.DataFrame, config: Config, areas_df: pd.DataFrame, *, today: dt.date | None = None,
             default_figure_type: str = "submitted", default_source: str | None = None) -> IngestResult:
    """Check a table of text cells (long or wide) and turn it into tidy rows.

    Every problem in the file is reported at once; rows are returned only when there are none.
    The checks walk plain Python lists: per cell that is several times faster than pandas string ops.
    """
    today = today or dt.date.today()
    long, layout, problems = _to_long(df, config)
    if problems:
        return _refused(problems, layout=layout)
    n_all = len(long)
    cell: dict[str, list[str]] = {}
    present = [c for c in KNOWN if c in long.columns]
    for c in KNOWN:
        if c not in present:
            cell[c] = [""] * n_all
            continue
        raw = long[c].to_numpy(dtype=object).tolist()
        try:
            cell[c] = [x.strip() for x in raw]
        except AttributeError:  # a missing cell (None/NaN) among the text
            cell[c] = ["" if x is None or x != x else str(x).strip() for x in raw]
    # Empty (trailing or stray) rows are what spreadsheets leave behind, not data.
    keep = [any(t) for t in zip(*(cell[c] for c in present))]
    if not all(keep):
        cell = {c: [v for v, k in zip(vals, keep) if k] for c, vals in cell.items()}
    row_no = [int(r) for r, k in zip(long["row"].to_numpy(), keep) if k]
    value_col = [v for v, k in zip(long["value_col"].to_numpy(dtype=object), keep) if k]
    n = len(row_no)
    if n == 0:
        return _refused([Problem(None, None, "the file has a header row but no figures under it")], layout=layout)

    by_id = config.by_id
    bad = np.zeros(n, dtype=bool)
    ind_col = cell["indicator"]

    def add(i, column, message, indicator=None):
        problems.append(Problem(row_no[i], column, message, indicator))
        bad[i] = True

    # Indicator ids (long layout only: in the wide layout the header named them)
    ind_ok = np.array([x in by_id for x in ind_col], dtype=bool)
    for i in np.flatnonzero(~ind_ok):
        value = ind_col[i]
        if value == "":
            add(i, "indicator", "the indicator is empty; give an indicator id such as ehcp_20wk (see the About the indicators page)")
        else:
            add(i, "indicator", f'"{short(value)}" is not a known indicator id{suggest(value, by_id.keys())} (see the About the indicators page for the ids)')
    ind_of = [by_id.get(x) for x in ind_col]

    # Areas by ONS code, name or old LA code
    lookup = area_lookup(areas_df)
    codes = [lookup.get(x.lower()) for x in cell["area"]]
    listing = ", ".join(f"{r.code} ({r.name})" for r in areas_df.itertuples())
    for i, code in enumerate(codes):
        if code is None:
            value = cell["area"][i]
            if value == "":
                add(i, "area", f"the area is empty; give an ONS code or a name: {listing}")
            else:
                add(i, "area", f'"{short(value)}" is not a known area{suggest(value, list(areas_df["name"]) + list(areas_df["code"]))}; use an ONS code or a name: {listing}')

    # Periods, read by each indicator's period type; each distinct label parsed once
    keys = [(label, ind.period_type if ind else "") for label, ind in zip(cell["period"], ind_of)]
    cache: dict[tuple[str, str], periods.Period | str] = {}
    for key in set(keys):
        if key[1]:
            try:
                cache[key] = periods.parse(key[0], key[1])
            except periods.PeriodError as e:
                cache[key] = str(e)
    found = [cache.get(k) for k in keys]
    for i, p in enumerate(found):
        if isinstance(p, str):
            add(i, "period", p.replace("this indicator", ind_col[i]), ind_col[i])
        elif p is not None and p.start > today:
            add(i, "period", f'"{p.label}" ({p.display}) has not started yet; figures can only be loaded for periods that have begun', ind_col[i])

    # Values, numerators, denominators
    is_pct = np.array([ind is not None and ind.unit == "percent" for ind in ind_of], dtype=bool)
    value, marker, errs = _numbers(cell["value"], is_pct)
    for i, err in enumerate(errs):
        if err is not None:
            add(i, value_col[i], f"{err}; give a number such as 91.5, 91% or 1,234, or a suppression marker ({MARKER_HINT})", ind_col[i] or None)
    counts = {}
    for col in ("numerator", "denominator"):
        texts = cell[col]
        nums, _, col_errs = _numbers(texts, np.zeros(n, dtype=bool), empty_ok=True)
        for i, err in enumerate(col_errs):
            if err is not None:
                add(i, col, f"{err}; give a whole number, or leave it empty", ind_col[i] or None)
        counts[col] = nums
    num, den = counts["numerator"], counts["denominator"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~bad & ind_ok
        for i in np.flatnonzero(ok & is_pct & ((value < 0) | (value > 100))):
            add(i, value_col[i], f"{value[i]:g} is outside 0–100; {ind_col[i]} is a percentage", ind_col[i])
        for i in np.flatnonzero(ok & ~is_pct & (value < 0)):
            ind = ind_of[i]
            add(i, value_col[i], f"{value[i]:g} is negative; {ind.id} is a {ind.unit} and cannot be below 0", ind.id)
        for col, arr in (("numerator", num), ("denominator", den)):
            for i in np.flatnonzero(ok & (arr < 0)):
                add(i, col, f"{arr[i]:g} is negative; a {col} is a count of 0 or more", ind_col[i])
        ok = ~bad & ind_ok
        for i in np.flatnonzero(ok & (num > den)):
            add(i, "numerator", f"numerator {num[i]:g} is greater than denominator {den[i]:g}; the numerator counts part of the denominator", ind_col[i])
        for i in np.flatnonzero(ok & (den == 0) & (num > 0)):
            add(i, "denominator", "is 0 while the numerator is not; a rate needs a denominator above 0", ind_col[i])
        expected = 100 * num / den
        # Allow for a figure rounded to whole numbers or one decimal place.
        for i in np.flatnonzero(~bad & ind_ok & is_pct & (den > 0) & ~np.isnan(value) & (np.abs(expected - value) > 0.51)):
            add(i, value_col[i], f"{value[i]:g}% disagrees with numerator/denominator {num[i]:g}/{den[i]:g} = {expected[i]:.1f}%; correct the value or the counts", ind_col[i])

    # figure_type and source (optional; service-lead uploads default to 'submitted')
    ft = [x.lower() or default_figure_type for x in cell["figure_type"]]
    for i, x in enumerate(ft):
        if x not in FIGURE_TYPES:
            add(i, "figure_type", f'"{short(cell["figure_type"][i])}" is not accepted; use one of {", ".join(FIGURE_TYPES)}, or leave it empty')
    source = [x or default_source or None for x in cell["source"]]

    is_period = [isinstance(p, periods.Period) for p in found]
    tidy = pd.DataFrame({
        "indicator_id": ind_col,
        "area_code": codes,
        "period": [p.label if ok_p else None for p, ok_p in zip(found, is_period)],
        "period_start": [p.start if ok_p else None for p, ok_p in zip(found, is_period)],
        "period_end": [p.end if ok_p else None for p, ok_p in zip(found, is_period)],
        "value": value, "numerator": num, "denominator": den, "marker": marker,
        "note": [x or None for x in cell["note"]],
        "figure_type": ft, "source": source,
    })

    # The same indicator, area and period twice: identical repeats are harmless, different figures are not.
    key = ["indicator_id", "area_code", "period"]
    good = ~bad
    dup_mask = good & tidy.duplicated(key, keep=False).to_numpy()
    if dup_mask.any():
        keyed = tidy[dup_mask].assign(row=np.array(row_no)[dup_mask])
        for (ind_id, area, label), group in keyed.groupby(key, sort=False):
            if len(group.drop_duplicates(["value", "marker", "numerator", "denominator", "note"])) > 1:
                first = int(group["row"].iloc[0])
                for r in group["row"].iloc[1:]:
                    problems.append(Problem(int(r), "value", f"{ind_id} for {area} in {label} is also on row {first} with a different figure; keep one row", ind_id))

    if problems:
        order = {c: k for k, c in enumerate(KNOWN)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, 99)))
        return _refused(problems, layout=layout)
    if dup_mask.any():
        tidy = tidy.drop_duplicates(key).reset_index(drop=True)
    return IngestResult(tidy, [], layout=layout)


def validate_long(df: pd.DataFrame, config: Config, areas_df: pd.DataFrame, **kwargs) -> IngestResult:
    """Kept for callers that already hold a long table; the layout is detected either way."""
    return validate(df, config, areas_df, **kwargs)


def read_file(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, *,
              max_bytes: int = MAX_BYTES, **kwargs) -> IngestResult:
    """Bytes of an uploaded or named file (CSV or .xlsx) → IngestResult. Nothing is written."""
    if len(data) > max_bytes:
        return _refused([Problem(None, None, f"{file_name} is {len(data) / 1e6:.1f} MB; files over {max_bytes / 1e6:.0f} MB are refused. Split it into smaller files.")])
    if not data.strip():
        return _refused([Problem(None, None, f"{file_name} is empty; it needs a header row (indicator,area,period,value) and at least one row of figures.")])
    is_excel = data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm"))
    if is_excel:
        table, problems = read_xlsx(data, file_name)
    else:
        text, problems = decode(data, file_name)
        table = None
        if not problems:
            table, problems = read_csv_text(text)
    kind = "Excel" if is_excel else "CSV"
    if problems:
        return _refused(problems, file_kind=kind)
    result = validate(table, config, areas_df, **kwargs)
    result.file_kind = kind
    return result
