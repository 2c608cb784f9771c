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
# The header is looked for in this many rows from the top: a title, a date, a blank row or two sit above it.
HEADER_SEARCH_ROWS = 20


def indicator_names(config: Config) -> dict[str, str]:
    """An indicator's name as a person writes it (any case, spaces trimmed) → its id."""
    return {re.sub(r"\s+", " ", ind.name.strip().lower()): ind.id for ind in config.indicators}


def _column_key(name: str, config: Config, names: dict[str, str] | None = None) -> str:
    """A header cell → the field or indicator id it names: an alias, an id, or an indicator's name."""
    key = normalise_header(name)
    if names is None:
        names = indicator_names(config)
    return names.get(re.sub(r"\s+", " ", str(name).strip().lower()), key)


def is_header(cells: list[str], config: Config, names: dict[str, str] | None = None) -> bool:
    """Whether a row names the columns of a return: indicator, area, period and value (long), or area, period and
    at least one indicator by id or name (wide)."""
    keys = {_column_key(c, config, names) for c in cells if str(c).strip()}
    if set(REQUIRED) <= keys:
        return True
    return {"area", "period"} <= keys and bool(keys & set(config.by_id))


def find_header(rows: list[list[str]], config: Config) -> int:
    """The index of the header row: the first of the first HEADER_SEARCH_ROWS rows that names the required columns.
    0 when none does (then the first row is taken as the header, and its problems are said of row 1)."""
    names = indicator_names(config)
    for k, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if is_header(cells, config, names):
            return k
    return 0


def header_note(header_index: int, skipped: list[str]) -> str:
    """What the reader did above the header, said to the person: 'Header found in row 3; rows 1–2 ignored (…)'."""
    n = header_index + 1
    ignored = "row 1" if n == 2 else f"rows 1–{n - 1}"
    what = f" ({'; '.join(skipped)})" if skipped else ""
    return f"Header found in row {n}; {ignored} ignored{what}."


def _above_header(rows: list[list[str]]) -> list[str]:
    """Each row above the header as a person would call it: blank, or its text (a title)."""
    out = []
    for k, cells in enumerate(rows, 1):
        text = " ".join(str(c).strip() for c in cells if str(c).strip())
        out.append(f"row {k} blank" if not text else f'row {k} "{short(text, 40)}"')
    return out


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


def _csv_header(text: str, config: Config | None) -> tuple[int, list[str]]:
    """The header row of a CSV among its first lines (0: the first line, as always), and the rows above it."""
    if config is None:
        return 0, []
    head = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    try:
        rows = list(csv.reader(line[:MAX_LINE_CHARS] for line in head))
    except csv.Error:
        return 0, []
    k = find_header(rows, config)
    return k, _above_header(rows[:k])


def read_csv_text(text: str, file_name: str = "the file", skip: int = 0) -> tuple[pd.DataFrame | None, list[Problem]]:
    """CSV text → text cells under its header, the header being line `skip` + 1 (the lines above it are left out)."""
    if skip:
        text = text.split("\n", skip)[-1]  # the title rows above the header are not the table
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
        return None, [Problem.of("csv_unreadable", row=int(m.group(1)) + skip if m else None, detail=msg.split(". ")[0].strip())]
    return df, []


def _read_csv(
    text: str, file_name: str = "the file", config: Config | None = None
) -> tuple[pd.DataFrame | None, list[Problem], int, list[str]]:
    """CSV text → text cells under the header row, problems, the header's index (0 = row 1) and the rows above it."""
    skip, above = _csv_header(text, config)
    df, problems = read_csv_text(text, file_name, skip)
    return df, problems, skip, above


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


def sheet_names(data: bytes) -> list[str]:
    """The worksheets of an .xlsx, in order ([] if it cannot be opened), for a person to pick from."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged file is said by read_xlsx, with the reason
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _pick_sheet(wb, config: Config | None, sheet: str | None, file_name: str):
    """The sheet named by the person; else the first whose top rows hold a header; else the first sheet."""
    if sheet is not None:
        if sheet not in wb.sheetnames:
            return None, [Problem.of("no_such_sheet", name=file_name, sheet=short(sheet), sheets=", ".join(wb.sheetnames))]
        return wb[sheet], []
    if config is not None and len(wb.worksheets) > 1:
        names = indicator_names(config)
        for ws in wb.worksheets:
            top = ws.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True)
            if any(is_header(["" if v is None else str(v) for v in row], config, names) for row in top):
                return ws, []
    return wb.worksheets[0], []


def read_xlsx(
    data: bytes, file_name: str, config: Config | None = None, sheet: str | None = None
) -> tuple[pd.DataFrame | None, list[Problem], int, list[str]]:
    """A worksheet of an .xlsx as text cells under its header row (found in the first rows: title rows, blank rows
    and merged title cells above it are left out), with the header's index and the rows above it. The sheet is the
    one named, or the one holding the header. Refused by its declared size (the sheet's dimension) before reading,
    and again while streaming if the declaration was wrong."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            unusual = bounds.unusual_compression(z.infolist())
    except zipfile.BadZipFile:
        return None, [Problem.of("bad_xlsx", name=file_name)], 0, []
    if unusual:  # Excel never writes these; Python's zipfile would unpack such a part whole, whatever it declares
        return None, [Problem.of("bad_xlsx", name=file_name)], 0, []
    if unpacked > MAX_XLSX_UNPACKED:
        return (
            None,
            [Problem.of("xlsx_unpacks_too_big", name=file_name, size=unpacked / 1e6, limit=MAX_XLSX_UNPACKED // (1024 * 1024))],
            0,
            [],
        )
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        return None, [Problem.of("xlsx_unreadable", name=file_name, detail=type(e).__name__)], 0, []
    try:
        ws, problems = _pick_sheet(wb, config, sheet, file_name)
        if problems:
            return None, problems, 0, []
        declared_rows, declared_cols = ws.max_row, ws.max_column  # from the sheet's <dimension>, read without the rows
        if declared_rows and declared_cols:
            if declared_cols > MAX_COLUMNS:
                return None, [Problem.of("too_many_columns", row=1, count=declared_cols, limit=MAX_COLUMNS)], 0, []
            bound = _bounded(declared_rows - 1, declared_cols, file_name, exact=True)
            if bound:
                return None, bound, 0, []
        # Some programs write a wrong <dimension> (openpyxl would then stop reading where it says). Count the rows the
        # sheet really holds first, streaming its XML (fast, bounded memory), then read every one of them, so no
        # figure in the file is silently left out and a sheet that understates its size is refused all the same.
        held = _count_rows(z_open(data, ws._worksheet_path))
        bound = _bounded(max(held - 1, 0), max(declared_cols or 1, 1), file_name, exact=True)
        if bound:
            return None, bound, 0, []
        ws.reset_dimensions()
        rows = []
        for cells in ws.iter_rows():
            if len(cells) > MAX_COLUMNS:
                return None, [Problem.of("too_many_columns", row=1, count=len(cells), limit=MAX_COLUMNS)], 0, []
            if len(rows) > MAX_ROWS:  # the sheet declared less than it holds
                return None, _bounded(len(rows), len(cells), file_name, exact=False), 0, []
            # Row numbers stay the spreadsheet's: a row the file leaves out (all blank) is an empty row here.
            number = getattr(cells[0], "row", None) if cells else None
            while number is not None and len(rows) < number - 1:
                rows.append([])
            rows.append([_excel_cell(c.value, getattr(c, "number_format", None)) for c in cells])
        title = ws.title
        many = len(wb.sheetnames) > 1
    finally:
        wb.close()
    k = find_header(rows, config) if config is not None else 0
    above = _above_header(rows[:k])
    if many:
        above.insert(0, f'sheet "{short(title, 40)}" read')
    rows = rows[k:]
    if not rows or not any(rows[0]):
        return None, [Problem.of("empty_sheet", name=file_name)], 0, []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = rows[0]
    # Excel often leaves formatted but empty columns to the right of the data.
    keep = [i for i, h in enumerate(header) if h.strip() or any(r[i].strip() for r in rows[1:])]
    df = pd.DataFrame([[r[i] for i in keep] for r in rows[1:]], columns=[header[i] for i in keep], dtype=object)
    return df, [], k, above


def normalise_header(name: str) -> str:
    key = re.sub(r"\s+", "_", str(name).strip().lower())
    return ALIASES.get(key, key)


def to_table(df: pd.DataFrame, config: Config, source: str, header_row: int = 1, notes: list[str] | None = None) -> Table:
    """Normalise headers (an indicator's name names its column as its id does) and turn a wide table into the long
    one the validator reads. `header_row` is the spreadsheet's row number of the header: rows keep their numbers."""
    original = [str(c) for c in df.columns]
    by_name = indicator_names(config)
    names = [_column_key(c, config, by_name) for c in original]
    notes = list(notes or [])
    problems = [
        Problem.of("duplicate_column", row=header_row, column=c, column_name=c)
        for c in sorted({c for c in names if names.count(c) > 1})
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
        problems.append(Problem.of("unknown_column", row=header_row, column=shown, hint=hint))
    for c in ("area", "period") if layout == "wide" else REQUIRED:
        if c not in names:
            hint = (
                f"the header row needs {', '.join(REQUIRED)} (and may add {', '.join(OPTIONAL)})"
                if layout == "long"
                else "a wide file needs area and period columns beside the indicator id columns"
            )
            problems.append(Problem.of("missing_column", row=header_row, column=c, column_name=c, hint=hint))
    text = WIDE_TEXT if layout == "wide" else LONG_TEXT
    if problems:
        return refused(source, problems, layout=layout, layout_text=text, notes=notes)

    df = df.copy()
    df.columns = names
    df["row"] = np.arange(header_row + 1, len(df) + header_row + 1)
    if layout == "long":
        return Table(df[["row", *[c for c in FIELDS if c in names]]], source, layout, text, notes=notes)
    header_of = {names[i]: original[i].strip() for i in wide_cols}
    keep = ["row", "area", "period"] + [c for c in ("note", "figure_type", "source") if c in names]
    long = df.melt(id_vars=keep, value_vars=[names[i] for i in wide_cols], var_name="indicator", value_name="value")
    # In a wide file an empty cell just means "no figure for this indicator here".
    long = long[long["value"].str.strip() != ""]
    long["value_col"] = long["indicator"].map(header_of)
    return Table(long.sort_values(["row", "indicator"], kind="stable"), source, layout, text, notes=notes)


def read(data: bytes, file_name: str, config: Config, *, max_bytes: int = MAX_BYTES, sheet: str | None = None) -> Table:
    """Bytes of an uploaded or named file (CSV or .xlsx) → the validator's table. Nothing is written. The header is
    found in the first rows (title and blank rows above it are ignored and said); `sheet` picks a workbook's sheet."""
    bad = refused_by_size(data, file_name, "CSV", max_bytes, too_big="Split it into smaller files.", empty=NEEDS)
    if bad is not None:
        return bad
    is_excel = data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm"))
    kind = "Excel" if is_excel else "CSV"
    header, above = 0, []
    if is_excel:
        df, problems, header, above = read_xlsx(data, file_name, config, sheet)
    else:
        text, problems = decode(data, file_name)
        df = None
        if not problems:
            df, problems, header, above = _read_csv(text, file_name, config)
    if problems:
        return refused(kind, problems)
    notes = []
    if header:
        notes.append(header_note(header, [a for a in above if not a.startswith("sheet ")]))
    notes += [f"{a[0].upper()}{a[1:]}." for a in above if a.startswith("sheet ")]
    return to_table(df, config, kind, header_row=header + 1, notes=notes)
