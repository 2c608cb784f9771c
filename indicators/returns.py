"""A service lead's return (CSV or Excel, long or wide layout) → the validator's table of text cells.
Bounded before parsing: a file is refused by its size, rows and cells before any of it is read into memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import numpy as np
import pandas as pd

from indicators import bounds
from indicators.config import Config
from indicators.problems import Problem, short, suggest
from indicators.validate import FIELDS, Table, refused, refused_by_size

MAX_BYTES = 20 * 1024 * 1024
# An .xlsx is a zip: refuse one that would unpack to far more than a real return (a "zip bomb").
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_COLUMNS = 500
MAX_ROWS = 200_000  # rows of figures in one file; a national return is about 100,000
MAX_CELLS = 20_000_000  # rows × columns
MAX_LINE_CHARS = 100_000  # far beyond any real row (500 columns of figures); stops a single-line bomb early
REQUIRED = ("indicator", "area", "period", "value")
OPTIONAL = ("numerator", "denominator", "note", "figure_type", "source")
KNOWN = REQUIRED + OPTIONAL
# Columns a template carries for the person filling it in; read past, never loaded.
IGNORED = ("indicator_name", "unit", "period_name", "area_name")
ALIASES = {"indicator_id": "indicator", "area_code": "area", "period_label": "period"}
LONG_TEXT = "long layout (one row per indicator, area and period)"
WIDE_TEXT = "wide layout (one row per area and period, one column per indicator id)"
NEEDS = "it needs a header row (indicator,area,period,value) and at least one row of figures."


def decode(data: bytes, file_name: str = "the file") -> tuple[str | None, list[Problem]]:
    """Bytes → text: UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel saves it."""
    if b"\x00" in data[:8192]:
        return None, [
            Problem.of("not_text", name=file_name, hint="Save the spreadsheet as CSV (comma separated) or .xlsx and upload that.")
        ]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [Problem.of("bad_encoding", name=file_name)]


def _bounded(rows: int, columns: int, file_name: str, exact: bool) -> list[Problem]:
    """Rows and cells over the limits, said before the file is parsed."""
    what = f"{rows:,}" if exact else f"at least {rows:,}"
    if rows > MAX_ROWS:
        return [Problem.of("too_many_rows", name=file_name, what=what, limit=MAX_ROWS)]
    if rows * columns > MAX_CELLS:
        return [
            Problem.of("too_many_cells", name=file_name, what=f"{rows * columns:,}", rows=rows, columns=columns, limit=MAX_CELLS)
        ]
    return []


def read_csv_text(text: str, file_name: str = "the file") -> tuple[pd.DataFrame | None, list[Problem]]:
    first = text.split("\n", 1)[0]
    n_cols = first.count(",") + 1
    if n_cols > MAX_COLUMNS:
        return None, [Problem.of("too_many_columns", row=1, count=n_cols, limit=MAX_COLUMNS)]
    bound = _bounded(max(text.count("\n") - 1, 0), n_cols, file_name, exact=False)
    if bound:
        return None, bound
    lines = text.splitlines()
    if max(map(len, lines), default=0) > MAX_LINE_CHARS:  # the lengths in C; the row number only when one is too long
        for n, line in enumerate(lines, 1):
            if len(line) > MAX_LINE_CHARS:
                return None, [Problem.of("line_too_long", row=n, length=len(line), limit=MAX_LINE_CHARS)]
    try:
        # Plain Python strings (not Arrow-backed): the checks walk the cells, and that is faster on objects.
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        return None, [Problem.of("no_header", hint="the first row must name the columns, e.g. indicator,area,period,value")]
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        return None, [Problem.of("csv_unreadable", row=int(m.group(1)) if m else None, detail=msg.split(". ")[0].strip())]
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


def z_open(data: bytes, member: str):
    return zipfile.ZipFile(io.BytesIO(data)).open(member)


def _count_rows(stream, chunk: int = 1 << 20) -> int:
    """How many <row> elements a worksheet's XML holds, read in chunks (a tag split between chunks is counted once)."""
    n, tail = 0, b""
    with stream:
        while block := stream.read(chunk):
            text = tail + block
            n += text.count(b"<row ") + text.count(b"<row>")
            tail = text[-5:]
            n -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again with the next block
    return n + tail.count(b"<row ") + tail.count(b"<row>")


def read_xlsx(data: bytes, file_name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The first worksheet of an .xlsx as text cells, the header in row 1; refused by its declared size (the
    sheet's dimension) before reading, and again while streaming if the declaration was wrong."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            unusual = bounds.unusual_compression(z.infolist())
    except zipfile.BadZipFile:
        return None, [Problem.of("bad_xlsx", name=file_name)]
    if unusual:  # Excel never writes these; Python's zipfile would unpack such a part whole, whatever it declares
        return None, [Problem.of("bad_xlsx", name=file_name)]
    if unpacked > MAX_XLSX_UNPACKED:
        return None, [
            Problem.of("xlsx_unpacks_too_big", name=file_name, size=unpacked / 1e6, limit=MAX_XLSX_UNPACKED // (1024 * 1024))
        ]
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        return None, [Problem.of("xlsx_unreadable", name=file_name, detail=type(e).__name__)]
    try:
        ws = wb.worksheets[0]
        declared_rows, declared_cols = ws.max_row, ws.max_column  # from the sheet's <dimension>, read without the rows
        if declared_rows and declared_cols:
            if declared_cols > MAX_COLUMNS:
                return None, [Problem.of("too_many_columns", row=1, count=declared_cols, limit=MAX_COLUMNS)]
            bound = _bounded(declared_rows - 1, declared_cols, file_name, exact=True)
            if bound:
                return None, bound
        # Some programs write a wrong <dimension> (openpyxl would then stop reading where it says). Count the rows the
        # sheet really holds first, streaming its XML (fast, bounded memory), then read every one of them, so no
        # figure in the file is silently left out and a sheet that understates its size is refused all the same.
        held = _count_rows(z_open(data, ws._worksheet_path))
        bound = _bounded(max(held - 1, 0), max(declared_cols or 1, 1), file_name, exact=True)
        if bound:
            return None, bound
        ws.reset_dimensions()
        rows = []
        for cells in ws.iter_rows():
            if len(cells) > MAX_COLUMNS:
                return None, [Problem.of("too_many_columns", row=1, count=len(cells), limit=MAX_COLUMNS)]
            if len(rows) > MAX_ROWS:  # the sheet declared less than it holds
                return None, _bounded(len(rows), len(cells), file_name, exact=False)
            rows.append([_excel_cell(c.value, getattr(c, "number_format", None)) for c in cells])
    finally:
        wb.close()
    if not rows or not any(rows[0]):
        return None, [Problem.of("empty_sheet", name=file_name)]
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


def to_table(df: pd.DataFrame, config: Config, source: str) -> Table:
    """Normalise headers and turn a wide table into the long one the validator reads."""
    original = [str(c) for c in df.columns]
    names = [normalise_header(c) for c in original]
    problems = [
        Problem.of("duplicate_column", row=1, column=c, column_name=c) for c in sorted({c for c in names if names.count(c) > 1})
    ]
    ids = set(config.by_id)
    wide_cols = [i for i, n in enumerate(names) if n in ids]
    layout = "wide" if wide_cols and "indicator" not in names and "value" not in names else "long"
    allowed = (set(KNOWN) - ({"indicator", "value", "numerator", "denominator"} if layout == "wide" else set())) | set(IGNORED)
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
        problems.append(Problem.of("unknown_column", row=1, column=shown, hint=hint))
    for c in ("area", "period") if layout == "wide" else REQUIRED:
        if c not in names:
            hint = (
                f"the header row needs {', '.join(REQUIRED)} (and may add {', '.join(OPTIONAL)})"
                if layout == "long"
                else "a wide file needs area and period columns beside the indicator id columns"
            )
            problems.append(Problem.of("missing_column", row=1, column=c, column_name=c, hint=hint))
    text = WIDE_TEXT if layout == "wide" else LONG_TEXT
    if problems:
        return refused(source, problems, layout=layout, layout_text=text)

    df = df.copy()
    df.columns = names
    df["row"] = np.arange(2, len(df) + 2)
    if layout == "long":
        return Table(df[["row", *[c for c in FIELDS if c in names]]], source, layout, text)
    header_of = {names[i]: original[i].strip() for i in wide_cols}
    keep = ["row", "area", "period"] + [c for c in ("note", "figure_type", "source") if c in names]
    long = df.melt(id_vars=keep, value_vars=[names[i] for i in wide_cols], var_name="indicator", value_name="value")
    # In a wide file an empty cell just means "no figure for this indicator here".
    long = long[long["value"].str.strip() != ""]
    long["value_col"] = long["indicator"].map(header_of)
    return Table(long.sort_values(["row", "indicator"], kind="stable"), source, layout, text)


def read(data: bytes, file_name: str, config: Config, *, max_bytes: int = MAX_BYTES) -> Table:
    """Bytes of an uploaded or named file (CSV or .xlsx) → the validator's table. Nothing is written."""
    bad = refused_by_size(data, file_name, "CSV", max_bytes, too_big="Split it into smaller files.", empty=NEEDS)
    if bad is not None:
        return bad
    is_excel = data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm"))
    kind = "Excel" if is_excel else "CSV"
    if is_excel:
        df, problems = read_xlsx(data, file_name)
    else:
        text, problems = decode(data, file_name)
        df = None
        if not problems:
            df, problems = read_csv_text(text, file_name)
    if problems:
        return refused(kind, problems)
    return to_table(df, config, kind)
