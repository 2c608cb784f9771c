"""The `spc` command's input: a CSV of period,value in time order, read with every problem named by row and column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from indicators.cells import MARKER_HINT, parse_number

MAX_CSV_BYTES = 20 * 1024 * 1024


class SeriesFileError(ValueError):
    """A CSV of period,value that cannot be used; `problems` lists each with its row and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_series_csv(path: str | Path) -> tuple[list[str], list[float | None]]:
    """(periods, values) from a CSV with columns period,value in time order; SeriesFileError lists every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SeriesFileError([f"{path}: cannot be read ({e.strerror}); check the path"]) from None
    if len(data) > MAX_CSV_BYTES:
        raise SeriesFileError([f"{path.name}: the file is {len(data):,} bytes; files over {MAX_CSV_BYTES:,} bytes are refused"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    rows = list(csv.reader(io.StringIO(text, newline="")))
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise SeriesFileError([f"{path.name}: the file is empty; it needs a header row period,value and one row per period"])
    header_row, header = numbered[0]
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("period", "value") if c not in names]
    if missing:
        raise SeriesFileError(
            [
                f"row {header_row}: the header must name the columns period and value "
                f"(missing: {', '.join(missing)}; found: {', '.join(h.strip() for h in header) or 'nothing'})"
            ]
        )
    pi, vi = names.index("period"), names.index("value")
    problems, periods, values, first_row = [], [], [], {}
    for row_no, row in numbered[1:]:
        period = row[pi].strip() if pi < len(row) else ""
        raw = row[vi].strip() if vi < len(row) else ""
        if not period:
            problems.append(f"row {row_no}, column period: the period is empty; every row needs a period label")
        elif period in first_row:
            problems.append(
                f'row {row_no}, column period: "{period}" appears again (first at row {first_row[period]}); each period once'
            )
        else:
            first_row[period] = row_no
        value = None
        if raw:
            number, _marker, err = parse_number(raw)
            if err is not None:
                problems.append(
                    f'row {row_no}, column value: "{raw}" is not a number; write a number such as 62.5 '
                    f"(91% and 1,234 are read too), or leave it empty or write a suppression marker ({MARKER_HINT})"
                )
            elif _marker is None:
                value = number
        periods.append(period)
        values.append(value)
    if problems:
        raise SeriesFileError(problems)
    return periods, values
