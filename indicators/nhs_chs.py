"""NHS England "Community Health Services Waiting Lists" (the CHS SitRep's monthly .xlsx workbook) → the validator's
table. The workbook is made for people: a cover, contents, and tables with title and note rows above their header,
whose layout changes from month to month. So each table is found by its title (in any sheet), its header row by the
service's column name (in any case), the organisation columns by their headers or, where a month leaves them
unheaded, by where the names are; the month comes from the table's title. A workbook that cannot be read so is
refused naming the table and the row expected, and nothing is loaded. Blank cells (no submission) store nothing;
* is a suppressed figure."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from indicators import official, returns
from indicators.cells import parse_number
from indicators.config import Config
from indicators.problems import Problem, join_words
from indicators.validate import FIELDS, Table, refused, refused_by_size

SOURCE = "NHS England community health services waiting lists"
MAX_BYTES = 50 * 1024 * 1024  # a workbook as downloaded: the August 2023 one is 1.3 MB
TOO_BIG = "Use the monthly workbook as published by NHS England."  # what to do with a file over MAX_BYTES
EMPTY = "a CHS waiting-list workbook (.xlsx) as downloaded from NHS England."  # what the file should hold
HEADER_SEARCH_ROWS = 30  # the header row is looked for this far below the top of the sheet
ENGLAND = "E92000001"
MONTHS = "January February March April May June July August September October November December".split()
_MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\s*$", re.IGNORECASE)


class Figure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str | None = None  # a count: the service's cell in this table
    numerator: list[str] = []  # a rate: 100 × the sum of these tables' cells / the denominator table's
    denominator: str | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str = Field(min_length=1)  # the service's column header, compared in any case
    tables: dict[str, str] = Field(min_length=1)  # key → the start of the table's title
    name_column: list[str] = ["Organisation Name"]  # the headers the names' column has had (any case)
    type_column: list[str] = ["Organisation Type"]
    levels: dict[str, str]  # organisation type as written → the dashboard's level
    figures: dict[str, Figure] = Field(min_length=1)
    codes: dict[str, str] = {}  # organisation name → ODS code, for organisations the areas file does not name


def _settings(src: official.Source) -> Settings:
    s = official.settings(src, Settings)
    for ind, f in s.figures.items():
        for t in [f.value, *f.numerator, f.denominator]:
            if t and t not in s.tables:
                raise official.MappingError(
                    src.name, [f"field settings.figures.{ind}: {t} is not one of tables ({', '.join(s.tables)})"]
                )
    return s


def recognises(data: bytes, file_name: str) -> bool:
    """An .xlsx workbook (a zip holding xl/workbook.xml)."""
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).replace("\u00a0", " ").split())


def _sheets(data: bytes, file_name: str, starts: list[str]) -> tuple[list[tuple[str, list[list[str]]]], list[Problem]]:
    """Every sheet as rows of text (only its title rows, unless its title starts as one of `starts`), bounded as a
    return's Excel file is (indicators/returns.py): the unpacked size, then each sheet's declared dimension before its
    rows are read, then the rows as they stream."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return [], [Problem.of("bad_xlsx", name=file_name)]
    if unpacked > returns.MAX_XLSX_UNPACKED:
        limit = returns.MAX_XLSX_UNPACKED // (1024 * 1024)
        return [], [Problem.of("xlsx_unpacks_too_big", name=file_name, size=unpacked / 1e6, limit=limit)]
    import openpyxl  # imported here: only workbooks pay for it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        return [], [Problem.of("xlsx_unreadable", name=file_name, detail=type(e).__name__)]
    out = []
    try:
        for ws in wb.worksheets:
            rows_declared, cols_declared = ws.max_row or 0, ws.max_column or 0
            if cols_declared > returns.MAX_COLUMNS:
                return [], [Problem.of("too_many_columns", row=1, count=cols_declared, limit=returns.MAX_COLUMNS)]
            if rows_declared > returns.MAX_ROWS or rows_declared * cols_declared > returns.MAX_CELLS:
                what = f"{rows_declared:,}"
                return [], [
                    Problem.of("too_many_rows", name=f"{file_name} (sheet {ws.title})", what=what, limit=returns.MAX_ROWS)
                ]
            rows = [[_text(v) for v in r] for r in ws.iter_rows(max_row=10, values_only=True)]
            heads = [_fold(next((v for v in r if v), "")) for r in rows]
            if not any(h.startswith(_fold(t)) for h in heads for t in starts):
                out.append((ws.title, rows))
                continue
            rows = []
            for r in ws.iter_rows(values_only=True):
                if len(rows) >= returns.MAX_ROWS or len(r) > returns.MAX_COLUMNS:
                    what = f"more than {returns.MAX_ROWS:,}"
                    return [], [
                        Problem.of("too_many_rows", name=f"{file_name} (sheet {ws.title})", what=what, limit=returns.MAX_ROWS)
                    ]
                rows.append([_text(v) for v in r])
            out.append((ws.title, rows))
    finally:
        wb.close()
    return out, []


def _title(rows: list[list[str]]) -> tuple[str, int]:
    """The first text on a sheet (its title) and its row number."""
    for i, r in enumerate(rows[:10], start=1):
        for v in r:
            if v:
                return v, i
    return "", 0


def _fold(v: str) -> str:
    return " ".join(v.split()).casefold()


class _Table:
    """One table found in the workbook: where its header is and which column holds what."""

    def __init__(self, sheet: str, title: str, rows: list[list[str]], header: int, name_col: int, type_col: int, value_col: int):
        self.sheet, self.title, self.rows, self.header = sheet, title, rows, header
        self.name_col, self.type_col, self.value_col = name_col, type_col, value_col


def _find(sheets, key: str, start: str, s: Settings, file_name: str, src) -> tuple[_Table | None, str | None, Problem | None]:
    """The table whose title starts with `start`, its month, and its columns; or the problem saying what was expected."""
    titles = []
    for sheet, rows in sheets:
        # The title is the first text of a row near the top (a month may add a row above it).
        texts = [(next((v for v in r if v), ""), i) for i, r in enumerate(rows[:10], start=1)]
        titles.append(_title(rows)[0])
        title, at = next(((t, i) for t, i in texts if _fold(t).startswith(_fold(start))), ("", 0))
        if not title:
            continue
        m = _MONTH.search(title)
        if not m:
            return None, None, Problem.of("nhs_no_month", row=at, file=file_name, table=title, sheet=sheet, title=start)
        month = f"{m.group(2)}-{MONTHS.index(m.group(1).capitalize()) + 1:02d}"
        service = _fold(s.service)
        last = min(len(rows), HEADER_SEARCH_ROWS)

        def missing(kind: str, month=month, title=title, sheet=sheet, **params) -> tuple[None, str, Problem]:
            """No usable header in this table: the problem, naming the table, its sheet and the mapping."""
            return None, month, Problem.of(kind, file=file_name, table=title, sheet=sheet, mapping=src.name, **params)

        for i, r in enumerate(rows[:last]):
            folded = [_fold(v) for v in r]
            if service not in folded:
                continue
            value_col = folded.index(service)
            name_col = next((folded.index(_fold(h)) for h in s.name_column if _fold(h) in folded), None)
            type_col = next((folded.index(_fold(h)) for h in s.type_column if _fold(h) in folded), None)
            if name_col is None:
                # An unheaded month: the names are in the column just left of the first headed (service) column.
                first = next((j for j, v in enumerate(r) if v), 0)
                name_col = first - 1
            if type_col is None:
                type_col = name_col - 1
            if name_col < 0:
                headers = join_words([f'"{h}"' for h in s.name_column])
                return missing("nhs_no_name_column", row=i + 1, header_row=i + 1, headers=headers)
            return _Table(sheet, title, rows, i, name_col, type_col, value_col), month, None
        return missing("nhs_header_missing", row=at + 1, service=s.service, first=at + 1, last=last)
    shown = join_words([f'"{t[:60]}"' for t in titles if t][:16]) or "none"
    return (
        None,
        None,
        Problem.of("nhs_table_missing", file=file_name, name=file_name, title=start, titles=shown, mapping=src.name, key=key),
    )


def read(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, src: official.Source, *, release=None) -> Table:
    """A CHS workbook → published figures for England, each NHS region, ICB and provider the dashboard has an ODS code
    for (the areas file, or the mapping's codes); the rest are skipped and counted. Nothing is written."""
    s = _settings(src)
    bad = refused_by_size(data, file_name, SOURCE, MAX_BYTES, too_big=TOO_BIG, empty=EMPTY)
    if bad is not None:
        return bad
    sheets, problems = _sheets(data, file_name, list(s.tables.values()))
    if problems:
        return refused(SOURCE, problems)
    found: dict[str, _Table] = {}
    months: dict[str, str] = {}
    for key, start in s.tables.items():
        table, month, problem = _find(sheets, key, start, s, file_name, src)
        if problem:
            problems.append(problem)
        else:
            found[key], months[key] = table, month
    if not problems and len(set(months.values())) > 1:
        shown = "; ".join(f'"{found[k].title}" (sheet {found[k].sheet})' for k in found)
        problems.append(Problem.of("nhs_months_differ", file=file_name, name=file_name, months=shown))
    if problems:
        return refused(SOURCE, problems)
    month = next(iter(months.values()))
    levels = {_fold(k): v for k, v in s.levels.items()}
    known = official.known_names(config, areas_df, tuple(set(levels.values())))
    mapped = {official.fold(n): c for n, c in s.codes.items()}
    # (level, code) → table key → (text, row); organisations without a code, by level.
    values: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    names: dict[str, str] = {}
    no_code: dict[str, set[str]] = {}
    for key, t in found.items():
        level_now = None
        for i in range(t.header + 1, len(t.rows)):
            r = t.rows[i]

            def cell(j: int, r=r) -> str:
                return r[j] if 0 <= j < len(r) else ""

            name, kind = cell(t.name_col), cell(t.type_col)
            if kind:
                if _fold(kind) not in levels:
                    problems.append(
                        Problem.of(
                            "nhs_unknown_type",
                            row=i + 1,
                            file=file_name,
                            table=t.title,
                            sheet=t.sheet,
                            value=kind,
                            mapping=src.name,
                            known=join_words(list(s.levels)),
                        )
                    )
                    continue
                level_now = levels[_fold(kind)]
            if not name:
                continue
            if _fold(name) == "england":
                level, code = "national", ENGLAND
            elif level_now is None:
                continue  # a note row under the table
            else:
                level = level_now
                code = known.get((level, official.fold(name))) or mapped.get(official.fold(name))
                if code is None:
                    no_code.setdefault(level, set()).add(name)
                    continue
            values.setdefault((level, code), {})[key] = (cell(t.value_col), i + 1)
            names.setdefault(code, name)
            bad_value = cell(t.value_col)
            if bad_value and bad_value != "*" and parse_number(bad_value)[2]:
                problems.append(
                    Problem.of(
                        "nhs_not_a_number",
                        row=i + 1,
                        column=t.rows[t.header][t.value_col],
                        file=f"{file_name}, {t.sheet}",
                        table=t.title,
                        sheet=t.sheet,
                        value=bad_value[:60],
                    )
                )
    if problems:
        return refused(SOURCE, problems)
    known_codes = set(areas_df["code"]) | {a.code for a in config.areas}
    new_areas = {
        code: (code, names[code], level, None, None) for level, code in values if code not in known_codes and code in names
    }
    out: list[dict] = []
    blank = 0
    service_col = found[next(iter(found))].rows[found[next(iter(found))].header][found[next(iter(found))].value_col]
    for (_, code), got in values.items():
        for ind_id, f in s.figures.items():
            base = {
                "file": f"{file_name}",
                "indicator": ind_id,
                "area": code,
                "period": month,
                "figure_type": "published",
                "source": src.source,
                "value_col": service_col,
                "area_col": "Organisation Name",
            }
            if f.value:
                text, row = got.get(f.value, ("", 0))
                if text == "":
                    blank += 1
                    continue
                out.append(base | {"row": row, "value": text})
                continue
            parts = [got.get(k, ("", 0)) for k in f.numerator]
            den, row = got.get(f.denominator, ("", 0))
            if den == "" or any(p == "" for p, _ in parts):
                blank += 1
                continue
            if den == "*" or any(p == "*" for p, _ in parts):
                out.append(base | {"row": row, "value": "*", "denominator": "" if den == "*" else den})
                continue
            num = sum(float(parse_number(p)[0]) for p, _ in parts)
            d = float(parse_number(den)[0])
            if d == 0:
                blank += 1
                continue
            value = official.percent_text(num, d)
            out.append(base | {"row": row, "value": value, "numerator": official.count_text(num), "denominator": den})
    skipped: dict[str, int] = {}
    if blank:
        skipped["figures with a blank cell (no submission) or no one waiting"] = blank
    for level, orgs in no_code.items():
        skipped[
            f"{level.replace('_', ' ')} rows for organisations the dashboard has no ODS code for (add one to the areas in "
            "config/indicators.yaml, with the workbook's name as an alias, to load it)"
        ] = len(orgs)
    cells_df = pd.DataFrame(out, columns=["row", "file", *FIELDS, "value_col", "area_col"])
    if cells_df.empty:
        return refused(SOURCE, [Problem.of("no_rows_left", what=f'no organisation has a figure for "{s.service}"')])
    where = "; ".join(f'"{t.title}" (sheet {t.sheet}, header row {t.header + 1})' for t in found.values())
    return Table(
        cells_df,
        SOURCE,
        src.name,
        f"{src.layout}, read with the mapping {src.name}: {where}",
        {"period": "the table titles", "value": service_col, "area": "Organisation Name"},
        official=True,
        release=(release or "").strip() or month,
        new_areas=list(new_areas.values()),
        skipped=skipped,
    )
