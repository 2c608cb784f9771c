"""What each lead owes: the periods of their own indicators that are due and not held (over the last two years), the
template for exactly those (CSV, or an Excel workbook with a frozen header, drop-down lists and a notes sheet), and
every return's state (due, received, late, missing) by owner. The due date is the read model's (readmodel.due_status)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from indicators import periods, readmodel, tables
from indicators.access import Access
from indicators.config import Config, Indicator

WINDOW_DAYS = 731  # "the last two years": periods whose figure fell due within this many days of today
UNITS = {"percent": "%", "count": "count", "weeks": "weeks", "days": "days", "number": "number"}
EXAMPLE_VALUE = {"percent": "83.5 (or 83.5%)", "count": "120", "weeks": "14", "days": "30", "number": "2.5"}


due_date = readmodel.due_date  # the day a period's figure is due: `due_days` after the period ends


def latest_due(ind: Indicator, today: dt.date) -> periods.Period:
    """The latest period whose figure is due by `today`, as the read model decides it."""
    return periods.parse(readmodel.due_status(ind, None, today)["latest_due"], ind.period_type)


def periods_due(ind: Indicator, today: dt.date, window_days: int = WINDOW_DAYS) -> list[periods.Period]:
    """Every period of `ind` whose figure fell due in the last `window_days`, oldest first."""
    out, p = [], latest_due(ind, today)
    while due_date(ind, p) > today - dt.timedelta(days=window_days):
        out.append(p)
        p = periods.shift(p, -1)
    return out[::-1]


def own_indicators(config: Config, access: Access, indicator_id: str | None = None) -> list[Indicator]:
    """The partnership's own (local) indicators this person uploads (roles.yaml), or the one chosen."""
    return [
        ind
        for ind in config.indicators
        if ind.kind == "local" and access.may_upload(ind.id) and (indicator_id is None or ind.id == indicator_id)
    ]


def returned_for(ind: Indicator, area_code: str, config: Config) -> bool:
    """Whether the area returns this indicator: a provider scorecard measure (one with a domain) is returned by each
    provider, the partnership's own measures by each council."""
    return (ind.domain is not None) == (area_code in {a.code for a in config.areas if a.level == "provider"})


def held_periods(conn, area_code: str) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for ind_id, label in conn.execute(
        "SELECT indicator_id, period FROM observations WHERE area_code = ?", [area_code]
    ).fetchall():
        held.setdefault(ind_id, set()).add(label)
    return held


def missing_periods(
    conn, config: Config, area_code: str, access: Access, indicator_id: str | None = None, today: dt.date | None = None
) -> list[tuple[Indicator, periods.Period]]:
    """(indicator, period) for each period due in the last two years that the store does not hold, for the person's
    own indicators, oldest first per indicator."""
    today = today or dt.date.today()
    held = held_periods(conn, area_code)
    return [
        (ind, p)
        for ind in own_indicators(config, access, indicator_id)
        if returned_for(ind, area_code, config)
        for p in periods_due(ind, today)
        if p.label not in held.get(ind.id, set())
    ]


# ---------------------------------------------------------------- the Excel template

NOTES_COLUMNS = ["indicator", "name", "definition", "unit", "period format", "example period", "example value"]


def notes_rows(config: Config, ids: list[str]) -> pd.DataFrame:
    rows = []
    for i in ids:
        ind = config.by_id[i]
        example = periods.current(ind.period_type, dt.date(2026, 6, 15))
        rows.append(
            {
                "indicator": ind.id,
                "name": ind.name,
                "definition": ind.definition,
                "unit": UNITS[ind.unit] + (f" ({ind.decimals} decimal places shown)" if ind.decimals else " (whole numbers)"),
                "period format": f"{ind.type_name}: {periods.EXAMPLES[ind.period_type]}",
                "example period": example.label,
                "example value": EXAMPLE_VALUE[ind.unit],
            }
        )
    return pd.DataFrame(rows, columns=NOTES_COLUMNS)


WIDTHS = {
    "indicator": 24,
    "indicator_name": 50,
    "unit": 9,
    "area": 13,
    "period": 13,
    "period_name": 26,
    "value": 11,
    "numerator": 12,
    "denominator": 13,
    "note": 40,
}
NOTES_WIDTHS = [24, 45, 70, 24, 45, 16, 18]
SPARE_ROWS = 50  # rows below the template's own that still offer the drop-downs, for a figure the template did not list


def template_xlsx(df: pd.DataFrame, config: Config, areas: list[tuple[str, str]], title: str = "") -> bytes:
    """The template as a workbook a lead can fill in: the `figures` sheet with a frozen header, column widths and
    drop-down lists (data validation) for indicator, area and period; a `notes` sheet with each indicator's
    definition, unit, period format and an example; and a hidden `lists` sheet the drop-downs read. Every text cell
    is neutralised (tables.safe), so nothing in it runs as a formula. `areas` is (code, name) of the local areas."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    ids = list(dict.fromkeys(df["indicator"])) or []
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "figures"
    safe = tables.safe(df)
    ws.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        ws.append(["" if v is None else v for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for k, name in enumerate(df.columns, 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(k)].width = WIDTHS.get(name, 14)

    notes = wb.create_sheet("notes")
    safe_notes = tables.safe(notes_rows(config, ids))
    notes.append(["How to fill in this return"])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append(
        [
            "Fill in value (and numerator and denominator where you have them) on the figures sheet; rows left empty "
            "are skipped. Pick indicator, area and period from the lists. The name, unit and period_name columns "
            "are there to help you and are not loaded. Upload the file on the dashboard's Upload figures page."
        ]
    )
    notes.append([title] if title else [])
    notes.append(list(safe_notes.columns))
    for cell in notes[4]:
        cell.font = Font(bold=True)
    for row in safe_notes.itertuples(index=False):
        notes.append(list(row))
    for k, width in enumerate(NOTES_WIDTHS, 1):
        notes.column_dimensions[openpyxl.utils.get_column_letter(k)].width = width
    for row in notes.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.freeze_panes = "A5"

    lists = wb.create_sheet("lists")
    choices = {
        "indicator": ids,
        "area": [code for code, _ in areas],
        "period": sorted(set(df["period"]), key=lambda x: str(x)),
    }
    last = len(df) + 1 + SPARE_ROWS
    for k, (name, values) in enumerate(choices.items(), 1):
        letter = openpyxl.utils.get_column_letter(k)
        lists.cell(1, k, name)
        for r, v in enumerate(values, 2):
            lists.cell(r, k, tables.neutralise(str(v)))
        if not values or name not in df.columns:
            continue
        col = openpyxl.utils.get_column_letter(list(df.columns).index(name) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"lists!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {name} in this return",
            error=f"Pick the {name} from the list (see the notes sheet).",
            promptTitle=name,
            prompt=f"Pick the {name} from the list",
            showInputMessage=True,
        )
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)
    lists.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- every return's state, by owner

STATES = {
    "due": "◷ Due",  # the period has ended or is about to; its figure is not in and not yet late
    "received": "✔ Received",
    "late": "▲ Received late",
    "missing": "✖ Missing",
}


def contacts(config: Config, roles, indicator_id: str) -> list[str]:
    """Who is reminded of an indicator's returns: its owner_email, and each e-mail address (not @domain) in
    roles.yaml that uploads it, in that order, each once."""
    out = []
    ind = config.by_id[indicator_id]
    if ind.owner_email:
        out.append(ind.owner_email)
    for who, items in (roles.uploaders if roles is not None else {}).items():
        if who.startswith("@"):
            continue
        ids = set()
        for item in items:
            ids |= set(roles.groups.get(item, [item]))
        if indicator_id in ids:
            out.append(who)
    return list(dict.fromkeys(out))


def returns_status(conn, config: Config, area_code: str, roles=None, today: dt.date | None = None) -> pd.DataFrame:
    """Every return of the partnership's own indicators for one area: each period due in the last two years and the
    next one, with its due date and state (due, received, late, missing), when it came and who it is owed by.
    A figure received counts as late when the lead's upload that brought it came after its due date; figures from
    the sample data or an import are received, with no date to judge."""
    today = today or dt.date.today()
    # The upload that first brought each figure held (a correction later does not make a return late).
    first: dict[tuple[str, str], int] = {}
    for ind_id, label, upload_id in conn.execute(
        "SELECT indicator_id, period, upload_id FROM observations WHERE area_code = ? "
        "UNION ALL SELECT indicator_id, period, upload_id FROM observation_history WHERE area_code = ?",
        [area_code, area_code],
    ).fetchall():
        first[(ind_id, label)] = min(upload_id, first.get((ind_id, label), upload_id))
    held = {
        (i, label)
        for i, label in conn.execute("SELECT indicator_id, period FROM observations WHERE area_code = ?", [area_code]).fetchall()
    }
    uploads_by_id = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, kind, created_at FROM uploads").fetchall()}
    got = {key: uploads_by_id.get(first[key], (None, None)) for key in held}
    rows = []
    for ind in config.indicators:
        if ind.kind != "local" or not returned_for(ind, area_code, config):
            continue
        due_periods = periods_due(ind, today)
        nxt = periods.shift(due_periods[-1] if due_periods else latest_due(ind, today), 1)
        for p in [*due_periods, nxt]:
            by = due_date(ind, p)
            kind, when = got.get((ind.id, p.label), (None, None))
            when = when.date() if isinstance(when, dt.datetime) else when
            if kind is not None or (ind.id, p.label) in got:
                state = "late" if kind == "upload" and when is not None and when > by else "received"
            else:
                state = "missing" if by < today else "due"
            rows.append(
                {
                    "owner": ind.owner,
                    "contacts": ", ".join(contacts(config, roles, ind.id)),
                    "indicator_id": ind.id,
                    "indicator": ind.name,
                    "period": p.label,
                    "period_name": p.display,
                    "due": by,
                    "state": state,
                    "status": STATES[state],
                    "received": when if kind == "upload" else None,
                }
            )
    df = pd.DataFrame(rows)
    return df.sort_values(["owner", "indicator", "due"], kind="stable").reset_index(drop=True)
