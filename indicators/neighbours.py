"""The DfE's statistical neighbours model (published for LAIT: ten neighbours per local authority, each with its
closeness) → rows for the store's neighbours table, or problems naming the row and column."""

from __future__ import annotations

import csv
import io
import re

from indicators.problems import Problem
from indicators.returns import decode

COLUMNS = ("la_code", "la_name", "SN", "SN_code", "SN_name", "SN_prox")
CLOSENESS = ("Extremely close", "Very close", "Close", "Somewhat close", "Not close")
SOURCE = "DfE statistical neighbours model (LAIT, 2025)"
_ONS = re.compile(r"^E\d{8}$")
MAX_BYTES = 2_000_000


def read(data: bytes, file_name: str, source: str = SOURCE) -> tuple[list[tuple], list[Problem]]:
    """(area_code, rank, neighbour_code, closeness, source) for every row, or every problem at once."""
    if len(data) > MAX_BYTES:
        return [], [
            Problem.of(
                "file_too_big",
                name=file_name,
                size=f"{len(data) / 1e6:.1f}",
                limit=f"{MAX_BYTES / 1e6:.0f}",
                hint="The model has ten rows per local authority, about 90 KB.",
            )
        ]
    text, problems = decode(data, file_name)
    if problems:
        return [], problems
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [
            Problem.of(
                "missing_column",
                row=1,
                column=c,
                column_name=c,
                hint=f"the statistical neighbours file has the columns {', '.join(COLUMNS)}",
            )
            for c in missing
        ]
    at = {c: header.index(c) for c in COLUMNS}
    rows, seen = [], set()
    for n, cells in enumerate(reader, start=2):
        if not any(x.strip() for x in cells):
            continue  # the published file ends with an empty line
        get = {c: (cells[i].strip() if i < len(cells) else "") for c, i in at.items()}
        for c in ("la_code", "SN_code"):
            if not _ONS.match(get[c]):
                problems.append(Problem.of("bad_code", row=n, column=c, value=get[c], example="E06000047"))
        if not get["SN"].isdigit() or not 1 <= int(get["SN"]) <= 20:
            problems.append(
                Problem(
                    kind="bad_rank",
                    row=n,
                    column="SN",
                    message=f'"{get["SN"]}" is not a neighbour number; give 1 for the closest, up to 10',
                )
            )
        closeness = next((c for c in CLOSENESS if c.casefold() == get["SN_prox"].casefold()), None)
        if closeness is None:
            problems.append(
                Problem(
                    kind="bad_closeness",
                    row=n,
                    column="SN_prox",
                    message=f'"{get["SN_prox"]}" is not a closeness; use one of {", ".join(CLOSENESS)}',
                )
            )
        key = (get["la_code"], get["SN"])
        if key in seen:
            problems.append(
                Problem(
                    kind="duplicate_neighbour",
                    row=n,
                    column="SN",
                    message=f"{get['la_code']} has neighbour number {get['SN']} twice; keep one row",
                )
            )
        seen.add(key)
        if not problems:
            rows.append((get["la_code"], int(get["SN"]), get["SN_code"], closeness, source))
    return ([] if problems else rows), problems
