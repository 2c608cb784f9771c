"""DfE open data in the Explore Education Statistics (EES) CSV format → observations, through a small YAML mapping."""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indicators import ingest, periods, store
from indicators.config import ROOT, Config
from indicators.ingest import Problem, suggest

MAPPINGS_DIR = ROOT / "config" / "ees"
# EES files for a whole release run to tens of MB; only the mapped columns are kept in memory.
MAX_BYTES = 100 * 1024 * 1024
MAX_MAPPING_BYTES = 100_000
PREVIEW_ROWS = 1000  # of each kind, as on the Upload page; the counts always cover the whole file

REQUIRED = ("time_period", "time_identifier", "geographic_level")
GEO_COLUMNS = ("country_code", "country_name", "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
# EES geographic_level → the dashboard's area level, and the columns that give the area's code and name.
LEVELS = {"national": "national", "regional": "regional", "local authority": "local_authority"}
LEVEL_WORDS = {"national": "National", "regional": "Regional", "local_authority": "Local authority"}
AREA_COLUMNS = {"national": ("country_code", "country_name"), "regional": ("region_code", "region_name"),
                "local_authority": ("new_la_code", "la_name")}
CODE_EXAMPLES = {"national": "E92000001", "regional": "E12000001", "local_authority": "E06000047"}
TIME_IDENTIFIERS = {"Calendar year": "calendar_year", "Financial year": "financial_year", "Academic year": "academic_year"}
MARKER_HINT = "x (not available), z (not applicable), c (confidential), low (rounds to zero) or u (low reliability)"
_ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _norm(name: object) -> str:
    """Header and mapping column names compare in lower case with stray spaces ignored."""
    return re.sub(r"\s+", "_", str(name).strip().lower())


def _fold(text: str) -> str:
    """Cell values such as "Local Authority " or "TOTAL" compare in lower case with single spaces."""
    return " ".join(text.split()).casefold()


# ---------------------------------------------------------------- mappings: config/ees/<name>.yaml

class MappingError(Exception):
    """A mapping file cannot be used; `problems` names each field at fault."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))

    def __str__(self) -> str:
        lines = [f"The EES mapping {self.path} has {len(self.problems)} problem(s):"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class Mapping(BaseModel):
    """Which EES columns are which indicators, and which rows of the file to keep."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME.pattern, max_length=64)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    time_identifier: str
    filters: dict[str, list[str]] = Field(default_factory=dict)
    columns: dict[str, str] = Field(min_length=1)
    notes: str = ""

    @field_validator("time_identifier")
    @classmethod
    def _known_time_identifier(cls, v: str) -> str:
        for known in TIME_IDENTIFIERS:
            if _fold(v) == _fold(known):
                return known
        raise ValueError(f'"{v}" is not a time_identifier the dashboard can load; use one of {", ".join(TIME_IDENTIFIERS)}')

    @field_validator("filters")
    @classmethod
    def _filters(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for column, values in v.items():
            if not values or not all(str(x).strip() for x in values):
                raise ValueError(f"filter {column} needs at least one value to keep, and no empty values")
            out[_norm(column)] = [str(x).strip() for x in values]
        return out

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for column, indicator_id in v.items():
            key = _norm(column)
            if key in out:
                raise ValueError(f"the column {column} is listed twice (names are compared ignoring case and spaces)")
            if key in REQUIRED or key in GEO_COLUMNS:
                raise ValueError(f"{column} is one of the EES columns that say when and where; map an indicator column instead")
            out[key] = str(indicator_id).strip()
        targets = list(out.values())
        for ind in sorted({t for t in targets if targets.count(t) > 1}):
            raise ValueError(f"indicator {ind} is the target of more than one column; each indicator can come from one column")
        return out

    @property
    def period_type(self) -> str:
        return TIME_IDENTIFIERS[self.time_identifier]

    def source_text(self, release: str | None = None) -> str:
        return f"{self.source}, release {release.strip()}" if release and release.strip() else self.source


def check_mapping(mapping: Mapping, config: Config) -> list[str]:
    """Problems between a mapping and the indicators file: unknown ids, period types that do not fit."""
    problems = []
    by_id = config.by_id
    for column, indicator_id in mapping.columns.items():
        ind = by_id.get(indicator_id)
        if ind is None:
            problems.append(f'field columns.{column}: "{indicator_id}" is not a known indicator id{suggest(indicator_id, by_id.keys())} '
                            "(the ids are in config/indicators.yaml and on the About the indicators page)")
        elif ind.period_type != mapping.period_type:
            problems.append(f'field columns.{column}: {indicator_id} is reported by {ind.type_name}, but time_identifier is '
                            f'"{mapping.time_identifier}"; map a {ind.type_name} column to it, or change time_identifier')
    return problems


def _pydantic_problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(the whole file)"
        kind = err["type"]
        if kind == "missing":
            msg = "is required but missing"
        elif kind == "too_short":
            msg = "needs at least one entry"
        elif kind == "extra_forbidden":
            msg = (f"is not a known field{suggest(str(err['loc'][-1]), Mapping.model_fields)}; the fields are "
                   + ", ".join(Mapping.model_fields))
        else:
            msg = err["msg"].removeprefix("Value error, ")
        out.append(f"field {loc}: {msg}")
    return out


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases: a mapping never needs them, and they can blow up memory."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: aliases (*name) are not allowed in a mapping; write the values out")
        return super().compose_node(parent, index)


def parse_mapping(text: str, path: Path | str = "<text>", config: Config | None = None) -> Mapping:
    """Mapping YAML text → a validated Mapping; with `config`, its indicator ids and period type are checked too."""
    try:
        raw = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise MappingError(path, [f"the file is not valid YAML: {where}{getattr(e, 'problem', None) or e}"]) from None
    if not isinstance(raw, dict):
        raise MappingError(path, ["the file must be a YAML mapping with name, description, source, time_identifier, filters and columns"])
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as e:
        raise MappingError(path, _pydantic_problems(e)) from None
    problems = [f"field filters.{c}: {c} is also an indicator column; a column is either a filter or an indicator"
                for c in mapping.filters if c in mapping.columns]
    problems += check_mapping(mapping, config) if config is not None else []
    stem = Path(str(path)).stem
    if str(path) != "<text>" and mapping.name != stem:
        problems.insert(0, f'field name: "{mapping.name}" differs from the file name {Path(str(path)).name}; name the file {mapping.name}.yaml or set name: {stem}')
    if problems:
        raise MappingError(path, problems)
    return mapping


def list_mappings(directory: Path | str | None = None) -> list[str]:
    """The names of the mappings shipped in config/ees/ (file names without .yaml), sorted."""
    folder = Path(directory) if directory else MAPPINGS_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_mapping(name: str, config: Config | None = None, directory: Path | str | None = None) -> Mapping:
    """Read config/ees/<name>.yaml; an unknown name is an error listing the mappings there are."""
    folder = Path(directory) if directory else MAPPINGS_DIR
    available = list_mappings(folder)
    path = folder / f"{name}.yaml"
    if name not in available:
        listing = ", ".join(available) if available else f"none (the folder {folder} has no .yaml files)"
        raise MappingError(path, [f'there is no EES mapping "{name}"{suggest(name, available)}; the mappings are: {listing}'])
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise MappingError(path, [f"the file is over {MAX_MAPPING_BYTES:,} bytes; a mapping is a few lines"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise MappingError(path, [f"the file is not UTF-8 text (byte {e.start}); save it as UTF-8"]) from None
    return parse_mapping(text, path, config)


# ---------------------------------------------------------------- an EES file → tidy rows

@dataclass
class EesResult:
    """What an EES file holds for the dashboard: tidy rows (store.OBS_COLUMNS), areas to add, problems, skips."""
    rows: pd.DataFrame
    mapping: Mapping
    problems: list[Problem] = field(default_factory=list)
    # (code, name, level, la_code, region) for areas the database does not know yet: store.add_areas shape.
    new_areas: list[tuple] = field(default_factory=list)
    # Rows left out because they are out of scope (other geographic levels, other filter values): reason → count.
    skipped: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)
    area_names: dict[str, str] = field(default_factory=dict)  # code → name as the file gives it, for messages
    file_kind: str = "EES open-data CSV"
    layout: str = "ees"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def layout_text(self) -> str:
        return f"EES open data read with the mapping {self.mapping.name} ({', '.join(self.mapping.columns)})"

    @property
    def markers(self) -> dict[str, int]:
        """Suppressed cells kept as missing values: marker → how many."""
        if self.rows.empty:
            return {}
        counts = self.rows["marker"].dropna().value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in store.OBS_COLUMNS})


def _header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    return [c.strip() for c in first]


def _read_table(text: str, mapping: Mapping) -> tuple[pd.DataFrame | None, dict[str, str], list[Problem]]:
    """Only the columns the import needs, as stripped text, under normalised names.
    Returns (table, normalised name → header as written, problems with the header)."""
    header = _header(text)
    if not any(header):
        return None, {}, [Problem(None, None, "the file has no header row; an EES file starts with time_period,time_identifier,geographic_level,…")]
    names = [_norm(h) for h in header]
    wanted = set(REQUIRED) | set(GEO_COLUMNS) | set(mapping.columns) | set(mapping.filters)
    problems = []
    for c in sorted({n for n in names if n in wanted and names.count(n) > 1}):
        problems.append(Problem(1, c, f"the column {c} appears more than once; keep one"))
    for c in REQUIRED:
        if c not in names:
            problems.append(Problem(1, c, f"the required EES column {c} is missing; an EES open-data file has time_period, "
                                          "time_identifier and geographic_level columns. Is this a file from explore-education-statistics.service.gov.uk?"))
    others = [h for h, n in zip(header, names) if n not in wanted]
    for c, indicator_id in mapping.columns.items():
        if c not in names:
            problems.append(Problem(1, c, f"the column {c} (loaded as {indicator_id}) is missing{suggest(c, [_norm(h) for h in others])}; "
                                          f"the mapping {mapping.name} needs {', '.join(mapping.columns)}. Check the file is the one this mapping is for"))
    if problems:
        return None, {}, problems
    keep = [i for i, n in enumerate(names) if n in wanted]
    try:
        # Blank lines are kept (and skipped below) so row numbers stay those a spreadsheet shows.
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, usecols=keep, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        return None, {}, [Problem(None, None, "the file has a header row but no figures under it")]
    except (pd.errors.ParserError, csv.Error) as e:
        m = re.search(r"line (\d+)", str(e))
        return None, {}, [Problem(int(m.group(1)) if m else None, None,
                                  f"cannot be read as CSV ({str(e).split('. ')[0].strip()}); check for a stray quote or a cell with a comma that is not in quotes")]
    df.columns = [_norm(c) for c in df.columns]
    for c in df.columns:
        df[c] = ["" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip() for x in df[c].tolist()]
    return df, {n: h for h, n in zip(header, names)}, []


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def read_ees(data: bytes, file_name: str, mapping: Mapping | str, config: Config, areas_df: pd.DataFrame, *,
             release: str | None = None) -> EesResult:
    """Bytes of an EES open-data CSV → EesResult. Writes nothing.

    National, regional and local authority rows become area series; rows at other geographic levels or with
    other filter values are skipped and counted. Every problem in the file is listed at once, rows counted as
    a spreadsheet shows them (the header is row 1); rows are returned only when there are none.
    """
    if isinstance(mapping, str):
        mapping = load_mapping(mapping, config)
    else:
        bad = check_mapping(mapping, config)
        if bad:
            raise MappingError(MAPPINGS_DIR / f"{mapping.name}.yaml", bad)

    def refused(problems, **kw) -> EesResult:
        return EesResult(_empty_rows(), mapping, problems, **kw)

    if len(data) > MAX_BYTES:
        return refused([Problem(None, None, f"{file_name} is {len(data) / 1e6:.1f} MB; EES files over {MAX_BYTES / 1e6:.0f} MB are refused. "
                                            "Download the data set filtered to national, regional and local authority level.")])
    if not data.strip():
        return refused([Problem(None, None, f"{file_name} is empty; an EES open-data CSV has a header row and rows of figures.")])
    if b"\x00" in data[:8192] or data[:4] == b"PK\x03\x04":
        return refused([Problem(None, None, f"{file_name} is not a CSV file (it looks like Excel, a zip or another binary file); "
                                            "download the data set as CSV from explore-education-statistics.service.gov.uk and use that.")])
    text, problems = ingest.decode(data, file_name)
    if problems:
        return refused(problems)
    df, written, problems = _read_table(text, mapping)
    if problems:
        return refused(problems)

    by_id = config.by_id
    ids = list(mapping.columns.values())
    ids_text = _join(ids)
    known = set(areas_df["code"])
    names_of = dict(zip(areas_df["code"], areas_df["name"]))
    period_type = mapping.period_type
    type_name = periods.TYPE_NAMES[period_type]
    source = mapping.source_text(release)
    order = {n: i for i, n in enumerate(df.columns)}
    present_filters = {c: {_fold(v) for v in allowed} for c, allowed in mapping.filters.items() if c in df.columns}
    notes = [f"The file has no {c} column, so the mapping's filter on it was not needed." for c in mapping.filters if c not in df.columns]
    cells = {c: df[c].tolist() if c in df.columns else [""] * len(df) for c in set(REQUIRED) | set(GEO_COLUMNS)}
    values = {c: df[c].tolist() for c in mapping.columns}
    filt = {c: df[c].tolist() for c in present_filters}

    skipped: dict[str, int] = {}
    new_areas: dict[str, tuple] = {}
    wrong_time: dict[str, list[int]] = {}  # time_identifier as written → rows, reported once per value
    period_cache: dict[str, periods.Period | str] = {}
    out: dict[str, list] = {c: [] for c in store.OBS_COLUMNS}
    out_rows: list[int] = []
    missing_geo_reported: set[str] = set()
    area_names: dict[str, str] = dict(names_of)
    rows_read = 0

    def add(row, column, message, indicator=None):
        problems.append(Problem(row, written.get(column, column), message, indicator))

    for i in range(len(df)):
        row = i + 2
        if not any(cells[c][i] for c in REQUIRED) and not any(v[i] for v in values.values()):
            continue  # an empty line at the end of the file
        rows_read += 1
        level_text = cells["geographic_level"][i]
        if not level_text:
            add(row, "geographic_level", "is empty; use National, Regional or Local authority")
            continue
        level = LEVELS.get(_fold(level_text))
        if level is None:
            # Out of scope, not wrong: EES files also carry e.g. parliamentary constituency rows.
            key = f'rows at geographic level "{level_text}" (only National, Regional and Local authority rows are loaded)'
            skipped[key] = skipped.get(key, 0) + 1
            continue
        out_of_filter = [c for c in present_filters if _fold(filt[c][i]) not in present_filters[c]]
        if out_of_filter:
            c = out_of_filter[0]
            key = f"rows whose {written.get(c, c)} is not {' or '.join(mapping.filters[c])} (the mapping's filter)"
            skipped[key] = skipped.get(key, 0) + 1
            continue

        row_ok = True
        # When: the time identifier must fit the indicators' period type before the period is read.
        time_text = cells["time_identifier"][i]
        period = None
        if not time_text:
            add(row, "time_identifier", f'is empty; the mapping {mapping.name} expects "{mapping.time_identifier}"')
            row_ok = False
        elif _fold(time_text) != _fold(mapping.time_identifier):
            wrong_time.setdefault(time_text, []).append(row)
            row_ok = False
        else:
            label = cells["time_period"][i]
            if label not in period_cache:
                try:
                    period_cache[label] = periods.parse(label, period_type)
                except periods.PeriodError as e:
                    period_cache[label] = str(e).replace("this indicator is", f"{ids_text} {'are' if len(ids) > 1 else 'is'}")
            found = period_cache[label]
            if isinstance(found, str):
                add(row, "time_period", found)
                row_ok = False
            else:
                period = found

        # Where: the code and name columns depend on the level.
        code_col, name_col = AREA_COLUMNS[level]
        if code_col not in df.columns:
            if code_col not in missing_geo_reported:
                add(1, code_col, f"the file has {LEVEL_WORDS[level]} rows (the first is row {row}) but no {code_col} column, "
                                 f"which gives their ONS code")
                missing_geo_reported.add(code_col)
            continue
        code = cells[code_col][i].upper()
        if not code:
            add(row, code_col, f"is empty; a {LEVEL_WORDS[level]} row needs its ONS code in {code_col}, e.g. {CODE_EXAMPLES[level]}")
            row_ok = False
        elif not _ONS_CODE.match(code):
            add(row, code_col, f'"{cells[code_col][i]}" is not an ONS area code; they are a letter E, W, S or N and 8 digits, e.g. {CODE_EXAMPLES[level]}')
            row_ok = False
        elif code not in known and code not in new_areas:
            name = cells[name_col][i]
            if not name:
                add(row, name_col, f"is empty; {code} is not an area the dashboard knows yet, and its name is needed to add it")
                row_ok = False
            else:
                area_names[code] = name
                la_code = (cells["old_la_code"][i] or None) if level == "local_authority" else None
                region = (cells["region_code"][i].upper() or None) if level == "local_authority" else None
                new_areas[code] = (code, name, level, la_code, region)

        # What: each mapped column is one figure, or a suppression marker with no figure.
        figures = []
        for column, indicator_id in mapping.columns.items():
            ind = by_id[indicator_id]
            text_value = values[column][i]
            if text_value == "":
                add(row, column, f"is empty; an EES file marks a missing figure with a symbol: {MARKER_HINT}", indicator_id)
                row_ok = False
                continue
            value, marker, err = ingest._parse_number(text_value, ind.unit == "percent")  # one reading of numbers everywhere
            if err is not None:
                add(row, column, f"{err}; give a number, or a symbol for a missing figure: {MARKER_HINT}", indicator_id)
                row_ok = False
            elif marker is None and ind.unit == "percent" and not 0 <= value <= 100:
                add(row, column, f"{value:g} is outside 0–100; {column} is loaded as {indicator_id}, a percentage", indicator_id)
                row_ok = False
            elif marker is None and ind.unit != "percent" and value < 0:
                add(row, column, f"{value:g} is negative; {column} is loaded as {indicator_id}, a {ind.unit}, which cannot be below 0", indicator_id)
                row_ok = False
            else:
                figures.append((indicator_id, value, marker))
        if not row_ok or period is None:
            continue
        for indicator_id, value, marker in figures:
            for c, v in zip(store.OBS_COLUMNS, (indicator_id, code, period.label, period.start, period.end, value, np.nan,
                                                np.nan, marker, None, "published", source)):
                out[c].append(v)
            out_rows.append(row)

    for time_text, rows in wrong_time.items():
        more = f" ({len(rows)} rows say so; the first is shown)" if len(rows) > 1 else ""
        add(rows[0], "time_identifier",
            f'"{time_text}" does not fit the mapping {mapping.name}: it loads {ids_text}, reported by {type_name}, '
            f'so every row must say "{mapping.time_identifier}"{more}. Choose the mapping made for this file')

    # Text columns stay Python objects with None for missing: pandas would otherwise turn None into NaN.
    numbers = ("value", "numerator", "denominator")
    tidy = pd.DataFrame({c: pd.Series(out[c], dtype=float if c in numbers else object) for c in store.OBS_COLUMNS})

    # The same figure twice: identical repeats are harmless; different ones usually mean an unfiltered breakdown.
    key = ["indicator_id", "area_code", "period"]
    if not tidy.empty:
        dup = tidy.duplicated(key, keep=False).to_numpy()
        if dup.any():
            first_seen: dict[tuple, tuple[int, float, str | None]] = {}
            for idx in np.flatnonzero(dup):
                r = tidy.iloc[idx]
                k = (r.indicator_id, r.area_code, r.period)
                shown = _shown(r.value, r.marker)
                if k not in first_seen:
                    first_seen[k] = (out_rows[idx], shown)
                elif first_seen[k][1] != shown:
                    column = next(c for c, v in mapping.columns.items() if v == r.indicator_id)
                    where = f"{r.area_code} ({area_names.get(r.area_code, 'no name given')})"
                    add(out_rows[idx], column, f"{r.indicator_id} for {where} in {r.period} is also on row {first_seen[k][0]} "
                                               f"with a different figure ({first_seen[k][1]} there, {shown} here); if the file "
                                               "splits rows by a filter column (such as age), add it to the mapping's filters "
                                               "to keep one breakdown", r.indicator_id)
            tidy = tidy.drop_duplicates(key).reset_index(drop=True)

    if rows_read == 0 and not problems:
        problems.append(Problem(None, None, "the file has a header row but no figures under it"))
    if not problems and tidy.empty:
        what = "; ".join(f"{n} {k}" for k, n in skipped.items())
        problems.append(Problem(None, None, f"no rows are left to load: {what}"))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, order.get(_norm(p.column or ""), 99)))
        return refused(problems, skipped=skipped, rows_read=rows_read, notes=notes, area_names=area_names)
    # Only areas that end up with figures are added.
    used = set(tidy["area_code"])
    return EesResult(tidy, mapping, [], [a for c, a in new_areas.items() if c in used], skipped, rows_read, notes,
                     area_names)


def _missing(x) -> bool:
    """None, NaN or pandas' NA: DuckDB hands back an all-empty column as nullable integers."""
    return x is None or bool(pd.isna(x))


def _shown(value, marker) -> str:
    """A figure as a person reads it: the number, or its suppression marker."""
    if not _missing(marker):
        return str(marker)
    return "empty" if _missing(value) else f"{value:g}"


# ---------------------------------------------------------------- preview, write, import

@dataclass
class EesPreview:
    """What an import would do, before anything is written. Has the attributes of uploads.Preview, so the
    Upload page's tables (uploads.change_table) work on it unchanged."""
    result: EesResult
    file_name: str
    content_hash: str
    counts: dict[str, int]     # new / changed (a revised figure) / unchanged (restated as stored)
    table: pd.DataFrame        # store.diff columns, `change` as in counts, up to PREVIEW_ROWS of each kind
    same_file: tuple | None    # (upload id, file name, when) if this exact file was loaded before
    to_write: pd.DataFrame     # the new and revised figures: what commit_ees writes
    release: str | None = None

    @property
    def nothing_to_do(self) -> bool:
        return self.result.ok and self.counts["new"] == 0 and self.counts["changed"] == 0

    def summary(self) -> str:
        c = self.counts
        return f"{c['new']} new, {c['changed']} revised, {c['unchanged']} unchanged"

    @property
    def revised(self) -> pd.DataFrame:
        return self.table[self.table["change"] == "changed"]


def _same(a, b) -> bool:
    return _missing(a) and _missing(b) or (not _missing(a) and not _missing(b) and a == b)


def check_ees(conn, config: Config, data: bytes, file_name: str, mapping: Mapping | str, *,
              release: str | None = None) -> EesPreview:
    """Read an EES file and compare it with what is stored. Writes nothing.

    A figure whose value and marker are already stored as published is left as it is (its source and note
    keep the release that first published it); a different value is a revision: it is written with a note
    naming the earlier figure, and the earlier one stays in observation_history.
    """
    release = release.strip() or None if release else None
    result = read_ees(data, file_name, mapping, config, store.areas(conn), release=release)
    digest = hashlib.sha256(data).hexdigest()
    if not result.ok:
        return EesPreview(result, file_name, digest, {"new": 0, "changed": 0, "unchanged": 0},
                          pd.DataFrame(columns=["change"]), None, _empty_rows(), release)
    _, table = store.diff(conn, result.rows)
    restated = [row.change != "new" and _same(row.value, row.old_value) and _same(row.marker, row.old_marker)
                and row.old_figure_type == "published" for row in table.itertuples(index=False)]
    table["change"] = np.where(restated, "unchanged", np.where(table["change"] == "new", "new", "changed"))
    # A revised figure says so, and what it was, where people read notes (the Indicator page, the board pack).
    in_release = f" in release {release}" if release else ""
    notes = []
    for row in table.itertuples(index=False):
        if row.change != "changed":
            notes.append(None)
        elif _same(row.value, row.old_value) and _same(row.marker, row.old_marker):
            notes.append(f"published{in_release}; previously stored as {row.old_figure_type}")
        else:
            notes.append(f"revised{in_release}; previously {_shown(row.old_value, row.old_marker)}")
    table["note"] = notes
    # The rows to write come from the file's own rows (python dates, not what DuckDB hands back), by key.
    key = ["indicator_id", "area_code", "period"]
    decided = table.loc[table["change"] != "unchanged", key + ["note"]]
    to_write = result.rows.drop(columns="note").merge(decided, on=key, how="inner")[store.OBS_COLUMNS]
    counts = {k: int((table["change"] == k).sum()) for k in ("new", "changed", "unchanged")}
    shown = table.groupby("change", sort=False).head(PREVIEW_ROWS).reset_index(drop=True)
    return EesPreview(result, file_name, digest, counts, shown, store.upload_with_hash(conn, digest), to_write, release)


def commit_ees(conn, preview: EesPreview, user_name: str | None = None) -> store.WriteSummary:
    """Write a checked import in one transaction, adding the file's new areas with its figures."""
    if not preview.result.ok:
        raise store.StoreError(f"{preview.file_name} has {len(preview.result.problems)} problem(s); nothing was written.")
    if preview.to_write.empty:
        return store.WriteSummary(None, 0, 0, preview.counts["unchanged"])
    note = f"EES import, mapping {preview.result.mapping.name}"
    if preview.release:
        note += f", release {preview.release}"
    if preview.counts["unchanged"]:
        note += f"; {preview.counts['unchanged']} figure(s) restated as already stored"
    return store.write_observations(conn, preview.to_write, kind="import", file_name=preview.file_name,
                                    content_hash=preview.content_hash, user_name=user_name, note=note,
                                    new_areas=preview.result.new_areas)


def import_ees(conn, config: Config, data: bytes, file_name: str, mapping_name: str, *, user_name: str | None = None,
               release: str | None = None) -> tuple[EesResult, store.WriteSummary | None]:
    """Check and write in one call: (result, None) when the file has problems and nothing was written."""
    preview = check_ees(conn, config, data, file_name, mapping_name, release=release)
    if not preview.result.ok:
        return preview.result, None
    return preview.result, commit_ees(conn, preview, user_name)


def summary_lines(preview: EesPreview, written: store.WriteSummary | None = None, *, dry_run: bool = False,
                  limit: int = 20) -> list[str]:
    """Plain-text account of an import for the CLI and the Upload page: what was read, skipped, added, revised.
    Without `written` it describes the preview (what Confirm would do); with it, what was written."""
    r = preview.result
    m = r.mapping
    lines = [f"{preview.file_name}: EES open data, mapping {m.name}; source stored: {m.source_text(preview.release)}."]
    markers = r.markers
    kept = ""
    if markers:
        counted = ", ".join(f"{k} ×{n}" for k, n in markers.items())
        kept = f"; {sum(markers.values())} suppressed cell(s) kept as missing with their marker ({counted})"
    lines.append(f"Rows read: {r.rows_read}; figures: {len(r.rows)}{kept}.")
    for reason, n in r.skipped.items():
        lines.append(f"Skipped {n} {reason}.")
    lines += r.notes
    if r.new_areas:
        verb = "would be added" if dry_run else "added"
        lines.append(f"Areas {verb} ({len(r.new_areas)}): " + "; ".join(
            f"{code} {name} ({level.replace('_', ' ')})" for code, name, level, *_ in r.new_areas) + ".")
    c = preview.counts
    if dry_run:
        lines.append(f"Dry run: {preview.summary()}; nothing was written.")
    elif written is None and not preview.nothing_to_do:  # a preview on the Upload page, before Confirm
        lines.append(f"To be written: {preview.summary()}; nothing is written until you confirm.")
    elif written is None or written.upload_id is None:
        again = f" (the same file was loaded as upload {preview.same_file[0]})" if preview.same_file else ""
        lines.append(f"Every figure is already stored ({c['unchanged']} unchanged){again}; nothing was written.")
    else:
        lines.append(f"Loaded as upload {written.upload_id}: {written.new} new, {written.changed} revised, "
                     f"{c['unchanged']} unchanged.")
    revised = preview.revised
    if not revised.empty:
        lines.append("Revised figures (the earlier figures stay in the history):")
        for row in revised.head(limit).itertuples(index=False):
            area = r.area_names.get(row.area_code, row.area_code)
            lines.append(f"  {row.indicator_id}, {area} ({row.area_code}), {row.period}: "
                         f"{_shown(row.old_value, row.old_marker)} → {_shown(row.value, row.marker)}")
        if c["changed"] > min(limit, len(revised)):
            lines.append(f"  … and {c['changed'] - min(limit, len(revised))} more")
    return lines


# ---------------------------------------------------------------- the command line (wired in indicators.cli)

def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m indicators import-ees FILE --mapping NAME [--release TEXT] [--dry-run] [--user NAME]`."""
    names = list_mappings()
    parser.add_argument("path", metavar="FILE", help="an EES open-data CSV, as downloaded from explore-education-statistics.service.gov.uk")
    parser.add_argument("--mapping", required=True, choices=names, metavar="NAME",
                        help=f"which columns are which indicators: a file in config/ees/ ({', '.join(names)})")
    parser.add_argument("--release", default=None, metavar="TEXT",
                        help='the release the file comes from, e.g. "2024"; stored in each figure\'s source')
    parser.add_argument("--dry-run", action="store_true", help="check and show what would change, write nothing")
    parser.add_argument("--user", default=None, metavar="NAME", help="who is importing (default: your login name)")


def run_cli(args: argparse.Namespace, config: Config, conn) -> int:
    """Run `import-ees` on an open connection: 0 done (or nothing to do), 1 problems in the file (nothing written),
    2 a broken mapping file."""
    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as e:
        print(f"{path}: cannot be read ({e.strerror}); check the path.", file=sys.stderr)
        return 1
    try:
        preview = check_ees(conn, config, data, path.name, args.mapping, release=args.release)
    except MappingError as e:
        print(str(e), file=sys.stderr)
        return 2
    if not preview.result.ok:
        for p in preview.result.problems:
            print(p)
        print(f"{path.name}: {len(preview.result.problems)} problem(s); nothing was loaded.", file=sys.stderr)
        return 1
    written = None if args.dry_run else commit_ees(conn, preview, args.user)
    for line in summary_lines(preview, written, dry_run=args.dry_run):
        print(line)
    return 0
