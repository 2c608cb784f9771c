"""The one validator: a reader's table of text cells → tidy observation rows, or every problem at once.
Every source (a lead's return, a DfE release, the sample data) comes through here; nothing is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators import periods
from indicators.access import Access
from indicators.cells import parse_number
from indicators.config import Config
from indicators.problems import Problem, short, suggest
from indicators.store import FIGURE_TYPES, OBS_COLUMNS

FIELDS = ("indicator", "area", "period", "value", "numerator", "denominator", "note", "figure_type", "source")
VALUE_FIELDS = ("value", "numerator", "denominator")
LOCAL_LEVEL = "local_authority"
LEVEL_WORDS = {"national": "a national", "regional": "a regional", LOCAL_LEVEL: "a local authority"}


@dataclass
class Table:
    """What a reader hands the validator: one row per figure, every cell as the text in the file.

    `cells` has the FIELDS columns (missing ones are treated as empty) plus `row` (the row number a spreadsheet
    shows, header = 1) and optionally `value_col`, `area_col` and `file` (where each row's value, area and file
    came from, for messages). `columns` maps a field to its header as written in the file."""

    cells: pd.DataFrame
    source: str  # "CSV", "Excel", "DfE open data (EES)", …
    layout: str = "long"  # a short name: long, wide, or the mapping that read the file
    layout_text: str = "long layout (one row per indicator, area and period)"
    columns: dict[str, str] = field(default_factory=dict)
    official: bool = False  # from an official importer: published figures for every area level
    release: str | None = None  # the official release the figures come from, e.g. "2025"
    new_areas: list[tuple] = field(default_factory=list)  # (code, name, level, la_code, region) not yet known
    skipped: dict[str, int] = field(default_factory=dict)  # rows left out on purpose: reason → count
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found while reading: then the table is not validated

    @property
    def file_kind(self) -> str:
        return self.source


def refused(source: str, problems: list[Problem], **kw) -> Table:
    """A table that could not be read: only its problems."""
    return Table(pd.DataFrame(columns=["row", *FIELDS]), source, problems=problems, **kw)


def refused_by_size(data: bytes, file_name: str, source: str, max_bytes: int, *, too_big: str, empty: str) -> Table | None:
    """Every reader's first check: a file over its size limit, or with nothing in it, is refused before it is read
    (`too_big` and `empty` say what to do instead). None when the size is fine."""
    if len(data) > max_bytes:
        size, limit = f"{len(data) / 1e6:.1f}", f"{max_bytes / 1e6:.0f}"
        return refused(source, [Problem.of("file_too_big", name=file_name, size=size, limit=limit, hint=too_big)])
    if not data.strip():
        return refused(source, [Problem.of("empty_file", name=file_name, hint=empty)])
    return None


@dataclass
class Result:
    """The validator's answer: tidy rows (store.OBS_COLUMNS) when there is no problem, else every problem."""

    rows: pd.DataFrame
    problems: list[Problem]
    table: Table
    blank: int = 0  # rows skipped because every value cell was empty

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def layout(self) -> str:
        return self.table.layout

    @property
    def layout_text(self) -> str:
        return self.table.layout_text

    @property
    def file_kind(self) -> str:
        return self.table.source

    @property
    def new_areas(self) -> list[tuple]:
        used = set(self.rows["area_code"]) if len(self.rows) else set()
        return [a for a in self.table.new_areas if a[0] in used]

    @property
    def markers(self) -> dict[str, int]:
        """Suppressed cells kept as missing values: marker → how many."""
        if self.rows.empty:
            return {}
        counts = self.rows["marker"].dropna().value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}

    @property
    def skipped(self) -> dict[str, int]:
        out = dict(self.table.skipped)
        if self.blank:
            out["rows with no figure (every value cell empty)"] = (
                out.get("rows with no figure (every value cell empty)", 0) + self.blank
            )
        return out


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS})


def area_lookup(areas_df: pd.DataFrame, config: Config | None = None) -> dict[str, str]:
    """Every way a person may name an area (ONS code, name, old LA code, configured aliases), lower-cased → code."""
    out: dict[str, str] = {}
    for row in areas_df.itertuples():
        out[str(row.code).lower()] = row.code
        out[str(row.name).lower()] = row.code
        if isinstance(row.la_code, str) and row.la_code:
            out[row.la_code.lower()] = row.code
    for area in config.areas if config is not None else []:
        for alias in getattr(area, "aliases", None) or []:
            out.setdefault(alias.strip().lower(), area.code)
    return out


# ---------------------------------------------------------------- numbers


def _numbers(texts: list[str], percent_ok: list[bool]) -> tuple[np.ndarray, list, list]:
    """Parse each distinct (text, percent allowed) once: files repeat the same few values a lot."""
    keys = list(zip(texts, percent_ok))
    cache = {k: parse_number(*k) for k in set(keys)}
    parsed = [cache[k] for k in keys]
    return np.array([p[0] for p in parsed], dtype=float), [p[1] for p in parsed], [p[2] for p in parsed]


# ---------------------------------------------------------------- the validator


def validate(
    table: Table,
    config: Config,
    areas_df: pd.DataFrame,
    access: Access,
    *,
    today: dt.date | None = None,
    default_figure_type: str = "submitted",
    default_source: str | None = None,
) -> Result:
    """Check a reader's table and turn it into tidy rows. Every problem is reported at once; rows are returned
    only when there are none. `access` is who is loading: a person may load only their own indicators, and only
    an administrator or an official importer may load published figures or figures for England and the regions."""
    if table.problems and table.cells.empty:  # the file itself could not be read
        return Result(empty_rows(), list(table.problems), table)
    today = today or dt.date.today()
    df = table.cells
    n_all = len(df)
    cell: dict[str, list[str]] = {}
    for c in FIELDS:
        if c not in df.columns:
            cell[c] = [""] * n_all
            continue
        raw = df[c].to_numpy(dtype=object).tolist()
        try:
            cell[c] = [x.strip() for x in raw]
        except AttributeError:  # a missing cell (None/NaN) among the text
            cell[c] = ["" if x is None or x != x else str(x).strip() for x in raw]
    rows_all = [int(r) for r in df["row"].to_numpy()]
    per_row = {
        c: (df[c].to_numpy(dtype=object).tolist() if c in df.columns else [None] * n_all)
        for c in ("value_col", "area_col", "numerator_col", "denominator_col", "period_col", "file")
    }
    # Rows with no figure at all (every value cell empty) are what templates and real files leave: skipped and counted.
    keep = [any(vals) for vals in zip(*(cell[c] for c in VALUE_FIELDS))]
    stray = sum(1 for k, *rest in zip(keep, *(cell[c] for c in FIELDS)) if not k and any(rest))
    if not all(keep):
        cell = {c: [v for v, k in zip(vals, keep) if k] for c, vals in cell.items()}
        per_row = {c: [v for v, k in zip(vals, keep) if k] for c, vals in per_row.items()}
        rows_all = [r for r, k in zip(rows_all, keep) if k]
    n = len(rows_all)
    if n == 0:
        what = "the file has a header row but no figures under it" + (f" ({stray} row(s) have no value)" if stray else "")
        return Result(empty_rows(), [Problem("no_figures", what)], table, blank=stray)  # the template, with a count

    columns = {f: table.columns.get(f, f) for f in FIELDS}
    by_id = config.by_id
    trusted = access.admin or table.official  # may load published figures, official series and every area level
    problems: list[Problem] = list(table.problems)  # a reader's problems with single rows, listed with the rest
    bad = np.zeros(n, dtype=bool)
    ind_col = cell["indicator"]

    def add(i, kind, column, indicator=None, **params):
        problems.append(Problem.of(kind, row=rows_all[i], column=column, indicator=indicator, file=per_row["file"][i], **params))
        bad[i] = True

    def col_name(i, f):
        """The header, as written, of the column field `f` of row i came from."""
        return per_row[f"{f}_col"][i] or columns[f]

    def value_column(i):
        return col_name(i, "value")

    # Indicator ids (in the wide layout the header named them)
    ind_ok = np.array([x in by_id for x in ind_col], dtype=bool)
    for i in np.flatnonzero(~ind_ok):
        if ind_col[i] == "":
            add(i, "empty_indicator", columns["indicator"])
        else:
            add(
                i,
                "unknown_indicator",
                columns["indicator"],
                value=short(ind_col[i]),
                suggestion=suggest(ind_col[i], by_id.keys()),
            )
    ind_of = [by_id.get(x) for x in ind_col]
    refused_ids = {
        x: "official_only" if by_id[x].kind == "official" and not trusted else "not_permitted"
        for x in set(ind_col)
        if x in by_id
        if (by_id[x].kind == "official" and not trusted) or not access.may_upload(x)
    }
    if refused_ids:
        for i, x in enumerate(ind_col):
            if x in refused_ids:
                add(i, refused_ids[x], columns["indicator"], x, user=access.user)

    # Areas by ONS code, name, old LA code or alias; the reader may bring areas the store does not know yet
    known = areas_df
    if table.new_areas:
        known = pd.concat(
            [areas_df, pd.DataFrame(table.new_areas, columns=["code", "name", "level", "la_code", "region"])], ignore_index=True
        )
    lookup = area_lookup(known, config)
    levels = dict(zip(known["code"], known["level"]))
    resolved = {x: lookup.get(x.lower()) for x in set(cell["area"])}  # each distinct way of naming an area, once
    codes = [resolved[x] for x in cell["area"]]
    listing = None
    example = next((r.code for r in known.itertuples() if r.level == LOCAL_LEVEL), config.default_area)
    wrong = {x for x, code in resolved.items() if code is None or (levels.get(code) != LOCAL_LEVEL and not trusted)}
    for i in [i for i, x in enumerate(cell["area"]) if x in wrong] if wrong else []:
        code = codes[i]
        column = col_name(i, "area")
        if code is None:
            listing = listing or ", ".join(
                f"{r.code} ({r.name})" for r in areas_df.itertuples() if r.level == LOCAL_LEVEL or trusted
            )
            if cell["area"][i] == "":
                add(i, "empty_area", column, listing=listing)
            else:
                value = cell["area"][i]
                add(
                    i,
                    "unknown_area",
                    column,
                    value=short(value),
                    listing=listing,
                    suggestion=suggest(value, list(known["name"]) + list(known["code"])),
                )
        elif levels.get(code) != LOCAL_LEVEL and not trusted:
            add(
                i,
                "area_level_not_allowed",
                column,
                area=f"{code} ({cell['area'][i]})" if cell["area"][i] != code else code,
                level=LEVEL_WORDS.get(levels.get(code), "an"),
                example=example,
            )

    # Periods, read by each indicator's period type; each distinct label parsed once
    keys = [(label, ind.period_type if ind else "") for label, ind in zip(cell["period"], ind_of)]
    cache: dict[tuple[str, str], periods.Period | str] = {}
    for key in set(keys):
        if key[1] and key[0]:
            try:
                cache[key] = periods.parse(key[0], key[1])
            except periods.PeriodError as e:
                cache[key] = str(e)
    found = [cache.get(k) for k in keys]
    for i, p in enumerate(found):
        if ind_of[i] is not None and cell["period"][i] == "":
            ind = ind_of[i]
            add(
                i,
                "empty_period",
                columns["period"],
                ind.id,
                type_name=ind.type_name,
                example=periods.EXAMPLES[ind.period_type][0],
            )
        elif isinstance(p, str):
            add(i, "bad_period", columns["period"], ind_col[i], detail=p.replace("this indicator", ind_col[i]))
        elif p is not None and p.start > today:
            add(i, "future_period", columns["period"], ind_col[i], label=p.label, display=p.display)

    # Values, numerators, denominators
    is_pct = [ind is not None and ind.unit == "percent" for ind in ind_of]
    value, marker, errs = _numbers(cell["value"], is_pct)
    for i, err in enumerate(errs):
        if err is not None:
            add(i, err[0], value_column(i), ind_col[i] or None, **err[1])
    counts = {}
    for col in ("numerator", "denominator"):
        nums, col_markers, col_errs = _numbers(cell[col], [False] * n)
        for i, err in enumerate(col_errs):
            if err is not None and cell[col][i] != "":
                add(i, "count_not_a_number", col_name(i, col), ind_col[i] or None, value=short(cell[col][i]))
        counts[col] = nums
    num, den = counts["numerator"], counts["denominator"]
    is_pct_a = np.array(is_pct, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~bad & ind_ok
        for i in np.flatnonzero(ok & is_pct_a & ((value < 0) | (value > 100))):
            add(i, "out_of_range", value_column(i), ind_col[i], value=value[i])
        for i in np.flatnonzero(ok & ~is_pct_a & (value < 0)):
            ind = ind_of[i]
            add(i, "negative", value_column(i), ind.id, value=value[i], unit=ind.unit)
        for col, arr in (("numerator", num), ("denominator", den)):
            for i in np.flatnonzero(ok & (arr < 0)):
                add(i, "negative_count", col_name(i, col), ind_col[i], value=arr[i], count_column=col)
        ok = ~bad & ind_ok
        for i in np.flatnonzero(ok & (num > den)):
            add(i, "numerator_above_denominator", col_name(i, "numerator"), ind_col[i], numerator=num[i], denominator=den[i])
        for i in np.flatnonzero(ok & (den == 0) & (num > 0)):
            add(i, "zero_denominator", col_name(i, "denominator"), ind_col[i])
        expected = 100 * num / den
        # Allow for a figure rounded to whole numbers or one decimal place.
        for i in np.flatnonzero(~bad & ind_ok & is_pct_a & (den > 0) & ~np.isnan(value) & (np.abs(expected - value) > 0.51)):
            add(
                i,
                "value_disagrees",
                value_column(i),
                ind_col[i],
                value=value[i],
                numerator=num[i],
                denominator=den[i],
                expected=expected[i],
            )

    # figure_type and source: a lead's figures are submitted; only the trusted mark them published or illustrative
    allowed = FIGURE_TYPES if trusted else ("submitted",)
    ft = [x.lower() or default_figure_type for x in cell["figure_type"]]
    for i, x in enumerate(ft):
        if x not in allowed:
            hint = (
                f"use one of {', '.join(FIGURE_TYPES)}, or leave it empty"
                if trusted or x not in FIGURE_TYPES
                else f"{access.user}'s figures are stored as submitted (only an administrator or an official import may "
                "load published or illustrative figures); leave figure_type empty"
            )
            add(i, "bad_figure_type", columns["figure_type"], value=short(cell["figure_type"][i]), hint=hint)
    source = [x or default_source or None for x in cell["source"]]

    is_period = [isinstance(p, periods.Period) for p in found]
    text = lambda values: pd.Series(values, dtype=object)  # noqa: E731 - plain strings: pandas 3 would make Arrow ones, slow to walk
    tidy = pd.DataFrame(
        {
            "indicator_id": text(ind_col),
            "area_code": text(codes),
            "period": text([p.label if ok_p else None for p, ok_p in zip(found, is_period)]),
            "period_start": text([p.start if ok_p else None for p, ok_p in zip(found, is_period)]),
            "period_end": text([p.end if ok_p else None for p, ok_p in zip(found, is_period)]),
            "value": value,
            "numerator": num,
            "denominator": den,
            "marker": text(marker),
            "note": text([x or None for x in cell["note"]]),
            "figure_type": text(ft),
            "source": text(source),
            "release": text([table.release] * n),
        }
    )

    # The same indicator, area and period twice: identical repeats are harmless, different figures are not.
    key = ["indicator_id", "area_code", "period"]
    dup_mask = ~bad & tidy.duplicated(key, keep=False).to_numpy()
    if dup_mask.any():
        keyed = tidy[dup_mask].assign(
            row=np.array(rows_all)[dup_mask],
            file=np.array(per_row["file"], dtype=object)[dup_mask],
            vcol=np.array([value_column(i) for i in range(n)], dtype=object)[dup_mask],
        )
        hint = (
            (" (if the file splits rows by a column such as age or sex, add it to the mapping's filters to keep the total)")
            if table.official
            else ""
        )
        for (ind_id, area, label), group in keyed.groupby(key, sort=False):
            if len(group.drop_duplicates(["value", "marker", "numerator", "denominator", "note"])) > 1:
                first = group.iloc[0]
                for r in group.iloc[1:].itertuples():
                    problems.append(
                        Problem.of(
                            "duplicate_figure",
                            row=int(r.row),
                            column=r.vcol,
                            file=r.file,
                            indicator=ind_id,
                            first=int(first["row"]),
                            area=area,
                            period=label,
                            hint=hint,
                            detail=f" ({_shown(first['value'], first['marker'])} there, {_shown(r.value, r.marker)} here)",
                        )
                    )

    if problems:
        order = {c: k for k, c in enumerate(FIELDS)}
        problems.sort(key=lambda p: (p.file or "", p.row or 0, order.get(_field_of(p.column, columns), 99)))
        return Result(empty_rows(), problems, table, blank=stray)
    if dup_mask.any():
        tidy = tidy.drop_duplicates(key).reset_index(drop=True)
    return Result(tidy, [], table, blank=stray)


def _field_of(column: str | None, columns: dict[str, str]) -> str | None:
    for f, c in columns.items():
        if c == column:
            return f
    return "value"


def _shown(value, marker) -> str:
    """A figure as a person reads it: the number, or its suppression marker."""
    if isinstance(marker, str) and marker:
        return marker
    return "empty" if value is None or value != value else f"{value:g}"
