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
from indicators.store_schema import FIGURE_TYPES, OBS_COLUMNS

FIELDS = ("indicator", "area", "period", "value", "numerator", "denominator", "note", "figure_type", "source")
VALUE_FIELDS = ("value", "numerator", "denominator")
LOCAL_LEVEL = "local_authority"
# Besides councils, a person may submit figures for a commissioned provider (the balanced provider scorecard's measures).
PROVIDER_LEVEL = "provider"
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
    release_basis: str = ""  # how the release is known: "from the zip's name, …", "given with --release", "guessed …"
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
    row_numbers: list[int] = field(default_factory=list)  # each tidy row's row in the file, as a spreadsheet shows it

    def row_of(self) -> dict[tuple[str, str, str], int]:
        """(indicator, area, period) → the row of the file it came from, for messages about a figure."""
        keys = zip(self.rows["indicator_id"], self.rows["area_code"], self.rows["period"])
        return dict(zip(keys, self.row_numbers))

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


# ---------------------------------------------------------------- columns, each distinct cell once

# A file of 100,000 rows holds a few indicators, a few hundred areas and periods and a few hundred distinct figures:
# every check below runs once per distinct cell (or pair of cells) and is spread back over the rows by index.


@dataclass
class Column:
    """One field of the file: each row's index into `values`, the distinct cell texts (stripped; "" when empty)."""

    codes: np.ndarray
    values: list[str]

    @classmethod
    def of(cls, raw) -> Column:
        arr = np.asarray(raw, dtype=object)
        if len(arr) and pd.api.types.infer_dtype(arr, skipna=True) not in ("string", "empty"):
            arr = _objects(["" if x is None or x != x else str(x) for x in arr])  # numbers or dates from a reader
        codes, uniques = pd.factorize(arr, use_na_sentinel=False)
        stripped = _objects([u.strip() if isinstance(u, str) else "" for u in uniques])
        # Stripping can make two cells the same ("a" and " a "): one value each.
        again, values = pd.factorize(stripped)
        return cls(again[codes] if len(codes) else codes, list(values))

    @classmethod
    def empty(cls, n: int) -> Column:
        return cls(np.zeros(n, dtype=np.intp), [""])

    def __getitem__(self, i: int) -> str:
        return self.values[self.codes[i]]

    def keep(self, mask: np.ndarray) -> Column:
        return Column(self.codes[mask], self.values)

    def each(self, fn, dtype=object) -> np.ndarray:
        """fn(text) for every row, called once per distinct text."""
        return _per_value([fn(v) for v in self.values], dtype)[self.codes]


def _objects(items: list) -> np.ndarray:
    """A 1-D object array of `items`, even when they are tuples."""
    out = np.empty(len(items), dtype=object)
    for k, x in enumerate(items):
        out[k] = x
    return out


def _per_value(items: list, dtype) -> np.ndarray:
    return _objects(items) if dtype is object else np.array(items, dtype=dtype)


def _pairs(a: np.ndarray, b: np.ndarray, b_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (a, b) index pairs: each row's pair number, and the a and b of each pair."""
    codes, uniques = pd.factorize(a.astype(np.int64) * max(b_size, 1) + b.astype(np.int64))
    uniques = np.asarray(uniques, dtype=np.int64)
    return codes, uniques // max(b_size, 1), uniques % max(b_size, 1)


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
    an administrator or an official importer may load published figures or figures for England and the regions.
    Each check below is a function of its own, run in the order the problems were always found in."""
    if table.problems and table.cells.empty:  # the file itself could not be read
        return Result(empty_rows(), list(table.problems), table)
    today = today or dt.date.today()
    cell, rows_all, per_row, stray = _rows_with_figures(table)
    if len(rows_all) == 0:
        what = "the file has a header row but no figures under it" + (f" ({stray} row(s) have no value)" if stray else "")
        return Result(empty_rows(), [Problem("no_figures", what)], table, blank=stray)  # the template, with a count

    c = _Check(table, config, access, cell, rows_all, per_row)
    ind_u, ind_ok = _check_indicators(c)
    codes, resolved, levels = _check_areas(c, areas_df)
    _check_provider_measures(c, ind_u, ind_ok, codes, resolved, levels)
    found_u, pair_of_row = _check_periods(c, ind_u, today)
    value, marker, num, den = _check_numbers(c, ind_u, ind_ok)
    ft_u = _check_figure_types(c, default_figure_type)
    tidy, label_u = _tidy(c, ind_u, codes, found_u, pair_of_row, (value, marker, num, den), ft_u, default_source)
    key_num, dup_mask = _check_repeats(c, tidy, codes, label_u, pair_of_row)

    problems = c.problems
    if problems:
        order = {f: k for k, f in enumerate(FIELDS)}
        problems.sort(key=lambda p: (p.file or "", p.row or 0, order.get(_field_of(p.column, c.columns), 99)))
        return Result(empty_rows(), problems, table, blank=stray)
    row_numbers = rows_all
    if dup_mask.any():
        first = ~pd.Series(key_num).duplicated(keep="first").to_numpy()
        tidy, row_numbers = tidy[first].reset_index(drop=True), rows_all[first]
    return Result(tidy, [], table, blank=stray, row_numbers=row_numbers.tolist())


def _rows_with_figures(table: Table) -> tuple[dict[str, Column], np.ndarray, dict[str, np.ndarray], int]:
    """Each field's cells, the file's row numbers and each row's own columns, for the rows holding a figure. Rows with
    no figure at all (every value cell empty) are what templates and real files leave: skipped, and counted when
    something else in them is filled in (`stray`)."""
    df = table.cells
    n_all = len(df)
    cell = {c: Column.of(df[c].to_numpy(dtype=object)) if c in df.columns else Column.empty(n_all) for c in FIELDS}
    rows_all = df["row"].to_numpy().astype(np.int64)
    per_row = {
        c: (df[c].to_numpy(dtype=object) if c in df.columns else np.full(n_all, None, dtype=object))
        for c in ("value_col", "area_col", "numerator_col", "denominator_col", "period_col", "file")
    }
    filled = {c: cell[c].each(bool, bool) for c in FIELDS}
    keep = filled["value"] | filled["numerator"] | filled["denominator"]
    stray = 0
    if not keep.all():
        stray = int((~keep & np.logical_or.reduce([filled[c] for c in FIELDS])).sum())
        cell = {c: col.keep(keep) for c, col in cell.items()}
        per_row = {c: vals[keep] for c, vals in per_row.items()}
        rows_all = rows_all[keep]
    return cell, rows_all, per_row, stray


class _Check:
    """The rows under check and what the checks have found: the problems, and which rows are bad."""

    def __init__(self, table: Table, config: Config, access: Access, cell, rows_all, per_row):
        self.table, self.config, self.access = table, config, access
        self.cell, self.rows_all, self.per_row = cell, rows_all, per_row
        self.n = len(rows_all)
        self.columns = {f: table.columns.get(f, f) for f in FIELDS}
        self.trusted = access.admin or table.official  # may load published figures, official series and every area level
        self.problems: list[Problem] = list(table.problems)  # a reader's problems with single rows, listed with the rest
        self.bad = np.zeros(self.n, dtype=bool)
        self.ind_col = cell["indicator"]

    def add(self, i, kind, column, indicator=None, **params) -> None:
        self.problems.append(
            Problem.of(
                kind, row=int(self.rows_all[i]), column=column, indicator=indicator, file=self.per_row["file"][i], **params
            )
        )
        self.bad[i] = True

    def col_name(self, i, f) -> str:
        """The header, as written, of the column field `f` of row i came from."""
        return self.per_row[f"{f}_col"][i] or self.columns[f]

    def value_column(self, i) -> str:
        return self.col_name(i, "value")


def _check_indicators(c: _Check) -> tuple[list, np.ndarray]:
    """Indicator ids or names (in the wide layout the header named them), and whether this person may load each:
    each distinct cell's indicator (or None), and which rows name a known one."""
    config, access, ind_col, columns = c.config, c.access, c.ind_col, c.columns
    by_name = {" ".join(ind.name.lower().split()): ind for ind in config.indicators}
    ind_u = [config.by_id.get(x) or by_name.get(" ".join(x.lower().split())) for x in ind_col.values]
    ind_ok = _per_value([x is not None for x in ind_u], bool)[ind_col.codes]
    for i in np.flatnonzero(~ind_ok):
        if ind_col[i] == "":
            c.add(i, "empty_indicator", columns["indicator"])
        else:
            c.add(
                i,
                "unknown_indicator",
                columns["indicator"],
                value=short(ind_col[i]),
                suggestion=suggest_indicator(ind_col[i], config),
            )
    refused_u = [
        None
        if ind is None or not ((ind.kind == "official" and not c.trusted) or not access.may_upload(ind.id))
        else ("official_only" if ind.kind == "official" and not c.trusted else "not_permitted")
        for ind in ind_u
    ]
    if any(refused_u):
        for i in np.flatnonzero(_per_value([r is not None for r in refused_u], bool)[ind_col.codes]):
            c.add(i, refused_u[ind_col.codes[i]], columns["indicator"], ind_col[i], user=access.user)
    return ind_u, ind_ok


def _check_areas(c: _Check, areas_df: pd.DataFrame) -> tuple[np.ndarray, list, dict]:
    """Areas by ONS code, name, old LA code or alias; the reader may bring areas the store does not know yet. Returns
    each row's area code (None where unknown), each distinct cell's code, and each known area's level."""
    known = areas_df
    if c.table.new_areas:
        known = pd.concat(
            [areas_df, pd.DataFrame(c.table.new_areas, columns=["code", "name", "level", "la_code", "region"])], ignore_index=True
        )
    lookup = area_lookup(known, c.config)
    levels = dict(zip(known["code"], known["level"]))
    area_col = c.cell["area"]
    resolved = [lookup.get(x.lower()) for x in area_col.values]  # each distinct way of naming an area, once
    codes = _objects(resolved)[area_col.codes]
    listing = None
    example = next((r.code for r in known.itertuples() if r.level == LOCAL_LEVEL), c.config.default_area)
    submittable = (LOCAL_LEVEL, PROVIDER_LEVEL)
    wrong_u = [code is None or (levels.get(code) not in submittable and not c.trusted) for code in resolved]
    for i in np.flatnonzero(_per_value(wrong_u, bool)[area_col.codes]) if any(wrong_u) else []:
        code = codes[i]
        column = c.col_name(i, "area")
        if code is None:
            listing = listing or ", ".join(
                f"{r.code} ({r.name})" for r in areas_df.itertuples() if r.level == LOCAL_LEVEL or c.trusted
            )
            if area_col[i] == "":
                c.add(i, "empty_area", column, listing=listing)
            else:
                value = area_col[i]
                c.add(
                    i,
                    "unknown_area",
                    column,
                    value=short(value),
                    listing=listing,
                    suggestion=suggest(value, list(known["name"]) + list(known["code"])),
                )
        elif levels.get(code) not in submittable and not c.trusted:
            c.add(
                i,
                "area_level_not_allowed",
                column,
                area=f"{code} ({area_col[i]})" if area_col[i] != code else code,
                level=LEVEL_WORDS.get(levels.get(code), "an"),
                example=example,
            )
    return codes, resolved, levels


def _check_provider_measures(c: _Check, ind_u: list, ind_ok: np.ndarray, codes, resolved: list, levels: dict) -> None:
    """A provider scorecard measure is reported for a provider, every other local measure for a council."""
    mixed = any(ind is not None and ind.domain for ind in ind_u) or any(levels.get(x) == PROVIDER_LEVEL for x in resolved)
    for i in np.flatnonzero(ind_ok) if mixed and not c.table.official else []:
        ind, code = ind_u[c.ind_col.codes[i]], codes[i]
        if code is None or ind.kind == "official" or (ind.domain is None) == (levels.get(code) != PROVIDER_LEVEL):
            continue
        if ind.domain is not None:
            c.add(i, "provider_measure_needs_provider", c.col_name(i, "area"), ind.id, area=code)
        else:
            c.add(i, "provider_area_for_area_measure", c.col_name(i, "area"), ind.id, area=code)


def _check_periods(c: _Check, ind_u: list, today: dt.date) -> tuple[list, np.ndarray]:
    """Periods, read by each indicator's period type; each distinct (indicator, label) parsed once. Returns each
    pair's Period (or its parse error, or None) and each row's pair."""
    ind_col, period_col, columns = c.ind_col, c.cell["period"], c.columns
    pair_of_row, pair_ind, pair_label = _pairs(ind_col.codes, period_col.codes, len(period_col.values))
    found_u, status_u = [], []  # per pair: the Period (or the parse error), and what is wrong with it
    for ind_k, label_k in zip(pair_ind.tolist(), pair_label.tolist()):
        ind, label = ind_u[ind_k], period_col.values[label_k]
        p: periods.Period | str | None = None
        if ind is not None and label:
            try:
                p = periods.parse(label, ind.period_type)
            except periods.PeriodError as e:
                p = str(e)
        found_u.append(p)
        if ind is not None and label == "":
            status_u.append("empty")
        elif isinstance(p, str):
            status_u.append("bad")
        elif p is not None and p.start > today:
            status_u.append("future")
        else:
            status_u.append(None)
    for i in np.flatnonzero(_per_value([x is not None for x in status_u], bool)[pair_of_row]):
        k = pair_of_row[i]
        status, p = status_u[k], found_u[k]
        if status == "empty":
            ind = ind_u[pair_ind[k]]
            c.add(
                i,
                "empty_period",
                columns["period"],
                ind.id,
                type_name=ind.type_name,
                example=periods.EXAMPLES[ind.period_type][0],
            )
        elif status == "bad":
            c.add(i, "bad_period", columns["period"], ind_col[i], detail=p.replace("this indicator", ind_col[i]))
        else:
            c.add(i, "future_period", columns["period"], ind_col[i], label=p.label, display=p.display)
    return found_u, pair_of_row


def _check_numbers(c: _Check, ind_u: list, ind_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Values, numerators, denominators: numbers (or suppression markers), in range, and agreeing with each other.
    Returns each row's value, marker, numerator and denominator."""
    ind_col, cell, bad, add, col_name, value_column = c.ind_col, c.cell, c.bad, c.add, c.col_name, c.value_column
    is_pct_u = [ind is not None and ind.unit == "percent" for ind in ind_u]
    is_pct_a = _per_value(is_pct_u, bool)[ind_col.codes]
    value, marker, errs, err_of = _numbers(cell["value"], is_pct_a)
    for i in np.flatnonzero(errs >= 0):
        kind, params = err_of[errs[i]]
        add(i, kind, value_column(i), ind_col[i] or None, **params)
    counts = {}
    for col in ("numerator", "denominator"):
        nums, _, col_errs, _ = _numbers(cell[col], np.zeros(c.n, dtype=bool))
        for i in np.flatnonzero((col_errs >= 0) & cell[col].each(bool, bool)):
            add(i, "count_not_a_number", col_name(i, col), ind_col[i] or None, value=short(cell[col][i]))
        counts[col] = nums
    num, den = counts["numerator"], counts["denominator"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~bad & ind_ok
        for i in np.flatnonzero(ok & is_pct_a & ((value < 0) | (value > 100))):
            add(i, "out_of_range", value_column(i), ind_col[i], value=value[i])
        for i in np.flatnonzero(ok & ~is_pct_a & (value < 0)):
            ind = ind_u[ind_col.codes[i]]
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
    return value, marker, num, den


def _check_figure_types(c: _Check, default_figure_type: str) -> list[str]:
    """figure_type: a lead's figures are submitted; only the trusted mark them published or illustrative. Returns each
    distinct cell's figure type."""
    access, trusted = c.access, c.trusted
    allowed = FIGURE_TYPES if trusted else ("submitted",)
    ft_col = c.cell["figure_type"]
    ft_u = [x.lower() or default_figure_type for x in ft_col.values]
    if any(x not in allowed for x in ft_u):
        for i in np.flatnonzero(_per_value([x not in allowed for x in ft_u], bool)[ft_col.codes]):
            x = ft_u[ft_col.codes[i]]
            hint = (
                f"use one of {', '.join(FIGURE_TYPES)}, or leave it empty"
                if trusted or x not in FIGURE_TYPES
                else f"{access.user}'s figures are stored as submitted (only an administrator or an official import may "
                "load published or illustrative figures); leave figure_type empty"
            )
            c.add(i, "bad_figure_type", c.columns["figure_type"], value=short(ft_col[i]), hint=hint)
    return ft_u


def _tidy(c: _Check, ind_u, codes, found_u, pair_of_row, numbers, ft_u, default_source) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows as the store keeps them (OBS_COLUMNS), and each pair's period label."""
    value, marker, num, den = numbers
    ind_col, cell = c.ind_col, c.cell
    label_u = _objects([p.label if isinstance(p, periods.Period) else None for p in found_u])
    start_u = _objects([p.start if isinstance(p, periods.Period) else None for p in found_u])
    end_u = _objects([p.end if isinstance(p, periods.Period) else None for p in found_u])
    text = lambda values: pd.Series(values, dtype=object)  # noqa: E731 - plain strings: pandas 3 would make Arrow ones, slow to walk
    tidy = pd.DataFrame(
        {
            "indicator_id": text(_objects([ind.id if ind else v for ind, v in zip(ind_u, ind_col.values)])[ind_col.codes]),
            "area_code": text(codes),
            "period": text(label_u[pair_of_row]),
            "period_start": text(start_u[pair_of_row]),
            "period_end": text(end_u[pair_of_row]),
            "value": value,
            "numerator": num,
            "denominator": den,
            "marker": text(marker),
            "note": text(cell["note"].each(lambda x: x or None)),
            "figure_type": text(_objects(ft_u)[cell["figure_type"].codes]),
            "source": text(cell["source"].each(lambda x: x or default_source or None)),
            "release": text(np.full(c.n, c.table.release, dtype=object)),
        }
    )
    return tidy, label_u


def _check_repeats(c: _Check, tidy: pd.DataFrame, codes, label_u, pair_of_row) -> tuple[np.ndarray, np.ndarray]:
    """The same indicator, area and period twice: identical repeats are harmless, different figures are not. Keys are
    compared as numbers: the indicator, the area it resolved to and the period label it was read as. Returns each
    row's key and which good rows repeat one."""
    ind_key = pd.factorize(tidy["indicator_id"].to_numpy(dtype=object))[0].astype(np.int64)  # an id and its name alike
    area_key = pd.factorize(codes)[0].astype(np.int64)
    label_key = pd.factorize(label_u)[0].astype(np.int64)[pair_of_row]
    key_num = (ind_key * (area_key.max(initial=0) + 2) + area_key) * (label_key.max(initial=0) + 2)
    key_num = key_num + label_key
    good = ~c.bad
    repeated = np.zeros(c.n, dtype=bool)
    if good.any():
        repeated[good] = pd.Series(key_num[good]).duplicated(keep=False).to_numpy()
    dup_mask = repeated
    key = ["indicator_id", "area_code", "period"]
    if dup_mask.any():
        keyed = tidy[dup_mask].assign(
            row=c.rows_all[dup_mask],
            file=c.per_row["file"][dup_mask],
            vcol=np.array([c.value_column(i) for i in np.flatnonzero(dup_mask)], dtype=object),
        )
        hint = (
            (" (if the file splits rows by a column such as age or sex, add it to the mapping's filters to keep the total)")
            if c.table.official
            else ""
        )
        for (ind_id, area, label), group in keyed.groupby(key, sort=False):
            if len(group.drop_duplicates(["value", "marker", "numerator", "denominator", "note"])) > 1:
                first = group.iloc[0]
                for r in group.iloc[1:].itertuples():
                    c.problems.append(
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
    return key_num, dup_mask


def suggest_indicator(typed: str, config: Config) -> str:
    """'; did you mean "salt_seen_6wk" (Children seen within 6 weeks)?' for the nearest id or name, or nothing."""
    import difflib

    key = " ".join(typed.lower().split())
    choices = {ind.id: ind for ind in config.indicators} | {" ".join(ind.name.lower().split()): ind for ind in config.indicators}
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    if close and close[0] in config.by_id:
        return f'; did you mean "{close[0]}"?'
    if not close:
        # A name typed in part ("seen within 6 weeks") or with words of its own: the name sharing most words.
        words = set(key.replace("-", " ").split())
        scored = [(len(words & set(ind.name.lower().split())) / max(len(words), 1), ind) for ind in config.indicators]
        score, ind = max(scored, key=lambda x: x[0], default=(0, None))
        if ind is None or score < 0.6:
            return ""
    else:
        ind = choices[close[0]]
    return f'; did you mean "{ind.id}" ({ind.name})?'


def _numbers(col: Column, percent_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Parse each distinct (text, percent allowed) once: per row the value (NaN if none), the suppression marker
    (None if none) and the index of its problem (-1 if none) in the list of problems returned last."""
    pair_of_row, text_k, pct_k = _pairs(col.codes, percent_ok.astype(np.int64), 2)
    parsed = [parse_number(col.values[t], bool(p)) for t, p in zip(text_k.tolist(), pct_k.tolist())]
    errors = [p[2] for p in parsed]
    err_index = np.array([-1 if e is None else k for k, e in enumerate(errors)], dtype=np.int64)
    values = np.array([p[0] for p in parsed], dtype=float)
    markers = _objects([p[1] for p in parsed])
    return values[pair_of_row], markers[pair_of_row], err_index[pair_of_row], errors


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
