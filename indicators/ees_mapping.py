"""DfE open data's layout (the columns every EES file has, its levels and codes) and the mappings that read a
release's files (config/ees/<name>.yaml): loaded, checked against the indicators, with every error naming its field."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indicators import yamlfile
from indicators.config import ROOT, Config
from indicators.problems import MappingError, suggest

MAPPINGS_DIR = ROOT / "config" / "ees"
SOURCE = "DfE open data (EES)"
MAX_BYTES = 100 * 1024 * 1024  # a release zip as downloaded; the 2025 SEN2 zip is 4 MB
MAX_UNPACKED = 400 * 1024 * 1024  # what a zip may unpack to (the 2025 SEN2 release: 37 MB)
MAX_MAPPING_BYTES = 100_000
MAX_HEADER_CHARS = 100_000
SKIPPED_NAMED = 15  # files a summary names before "and N more" (a whole real release zip holds 15)

REQUIRED = ("time_period", "time_identifier", "geographic_level")
GEO_COLUMNS = ("country_code", "country_name", "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
# EES geographic_level → the dashboard's area level, and the columns that give the area's code and name.
LEVELS = {"national": "national", "regional": "regional", "local authority": "local_authority"}
LEVEL_WORDS = {"national": "National", "regional": "Regional", "local_authority": "Local authority"}
# The columns that hold an area's code at each level: a row with none of its level's filled in is not an area.
OWN_CODES = {"national": ("country_code",), "regional": ("region_code",), "local_authority": ("new_la_code", "old_la_code")}
AREA_COLUMNS = {
    "national": ("country_code", "country_name"),
    "regional": ("region_code", "region_name"),
    "local_authority": ("new_la_code", "la_name"),
}
CODE_EXAMPLES = {"national": "E92000001", "regional": "E12000001", "local_authority": "E06000047"}
TIME_IDENTIFIERS = {"Calendar year": "calendar_year", "Financial year": "financial_year", "Academic year": "academic_year"}
_ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def norm(name: object) -> str:
    """Header and mapping column names compare in lower case with stray spaces ignored."""
    return re.sub(r"\s+", "_", str(name).strip().lower())


def _fold(text: str) -> str:
    """Cell values such as "Local Authority " or "TOTAL" compare in lower case with single spaces."""
    return " ".join(text.split()).casefold()


_ALL_LEVEL = re.compile(r"^(all|total)\b")


def is_total(labels: tuple[str, ...], named: frozenset[str] = frozenset()) -> bool:
    """Whether a row's breakdown labels (its breakdown columns in order, e.g. (breakdown_topic, breakdown)) make it the
    file's total: the breakdown is the topic's "all" level, i.e. the topic's label begins with "All" or "Total" and
    every other label is the same or also begins so (("All EHC plans", "All EHC plans")), or a label is one the
    mapping names as the total (`named`, folded). ("Sex", "Female") and ("Sex", "All") are breakdowns."""
    folded = [_fold(x) for x in labels]
    if not folded:
        return True
    if any(x in named for x in folded):
        return True
    first = folded[0]
    return bool(_ALL_LEVEL.match(first)) and all(x == first or _ALL_LEVEL.match(x) for x in folded[1:])


# ---------------------------------------------------------------- mappings: config/ees/<name>.yaml


class FigureColumns(BaseModel):
    """The columns of one indicator: its value, and the counts behind it where the file gives them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str
    numerator: str | None = None
    denominator: str | None = None

    def columns(self) -> list[str]:
        return [c for c in (self.value, self.numerator, self.denominator) if c]


class Mapping(BaseModel):
    """One layout of DfE open data: how to recognise it, which rows to keep, which columns are which indicators."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME.pattern, max_length=64)
    description: str = Field(min_length=1)
    layout: str = Field(min_length=1)  # the layout named for people, e.g. "SEN2 sen2_mi.csv, snake_case columns"
    source: str = Field(min_length=1)  # stored with every figure, with the release
    file: str | None = None  # the file's name inside a release zip, when the release names it so
    time_identifier: str
    # The release is named for the year after its latest figures (SEN2: the 2025 release holds calendar 2024).
    release_after_latest: int = Field(default=0, ge=0, le=5)
    filters: dict[str, list[str]] = Field(default_factory=dict)
    # The columns that split a file's figures (e.g. [breakdown_topic, breakdown]): the total is the row whose
    # breakdown is the topic's "all" level, found by structure (see `is_total`), so a release that only rewords
    # its labels still imports. `total` names the total's label explicitly, for a release whose wording the
    # structure does not reveal.
    breakdowns: list[str] = Field(default_factory=list)
    total: list[str] = Field(default_factory=list)
    figures: dict[str, str | FigureColumns] = Field(min_length=1)
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
            out[norm(column)] = [str(x).strip() for x in values]
        return out

    @field_validator("breakdowns")
    @classmethod
    def _breakdowns(cls, v: list[str]) -> list[str]:
        if not all(str(x).strip() for x in v):
            raise ValueError("breakdowns lists column names; an empty name is not one")
        return [norm(x) for x in v]

    @field_validator("total")
    @classmethod
    def _total(cls, v: list[str]) -> list[str]:
        if not all(str(x).strip() for x in v):
            raise ValueError('total lists the labels of the total row, e.g. ["All EHC plans"]; an empty label is not one')
        return [str(x).strip() for x in v]

    @field_validator("figures")
    @classmethod
    def _figures(cls, v: dict) -> dict[str, FigureColumns]:
        out = {str(k).strip(): FigureColumns(value=f) if isinstance(f, str) else f for k, f in v.items()}
        seen: dict[str, str] = {}
        for indicator_id, f in out.items():
            for column in f.columns():
                key = norm(column)
                if key in REQUIRED or key in GEO_COLUMNS:
                    raise ValueError(
                        f"{column} is one of the EES columns that say when and where; map an indicator column instead"
                    )
                if key in seen and f.value == column and out[seen[key]].value == column:
                    raise ValueError(
                        f"the column {column} is the value of both {seen[key]} and {indicator_id}; each indicator needs its own column"
                    )
                seen.setdefault(key, indicator_id)
        return {
            k: FigureColumns(
                value=norm(f.value),
                numerator=f.numerator and norm(f.numerator),
                denominator=f.denominator and norm(f.denominator),
            )
            for k, f in out.items()
        }

    @model_validator(mode="after")
    def _no_filter_on_a_figure(self):
        for c in [*self.filters, *self.breakdowns]:
            if c in self.value_columns:
                raise ValueError(f"filters.{c}: {c} is also an indicator column; a column is either a filter or an indicator")
        return self

    @property
    def value_columns(self) -> dict[str, str]:
        """value column (normalised) → indicator id."""
        return {f.value: ind for ind, f in self.figures.items()}

    @property
    def period_type(self) -> str:
        return TIME_IDENTIFIERS[self.time_identifier]

    def source_text(self, release: str | None = None) -> str:
        return f"{self.source}, release {release.strip()}" if release and release.strip() else self.source


def check_mapping(mapping: Mapping, config: Config) -> list[str]:
    """Problems between a mapping and the indicators file: unknown ids, period types that do not fit."""
    problems = []
    by_id = config.by_id
    for indicator_id in mapping.figures:
        ind = by_id.get(indicator_id)
        if ind is None:
            problems.append(
                f'field figures.{indicator_id}: "{indicator_id}" is not a known indicator id{suggest(indicator_id, by_id.keys())} '
                "(the ids are in config/indicators.yaml and on the About the indicators page)"
            )
        elif ind.period_type != mapping.period_type:
            problems.append(
                f"field figures.{indicator_id}: {indicator_id} is reported by {ind.type_name}, but time_identifier is "
                f'"{mapping.time_identifier}"; map a {ind.type_name} column to it, or change time_identifier'
            )
    return problems


def _pydantic_problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = (
            ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "str", "FigureColumns")))
            or "(the whole file)"
        )
        kind = err["type"]
        if kind == "missing":
            msg = "is required but missing"
        elif kind == "too_short":
            msg = "needs at least one entry"
        elif kind == "extra_forbidden":
            msg = f"is not a known field{suggest(str(err['loc'][-1]), Mapping.model_fields)}; the fields are " + ", ".join(
                Mapping.model_fields
            )
        else:
            msg = err["msg"].removeprefix("Value error, ")
        out.append(f"field {loc}: {msg}")
    return list(dict.fromkeys(out))


def list_mappings(directory: Path | str | None = None) -> list[str]:
    """The names of the mappings in config/ees/ (file names without .yaml), sorted."""
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
    try:
        text = yamlfile.load(path, "an EES mapping", max_bytes=MAX_MAPPING_BYTES)
    except yamlfile.YamlError as e:
        raise MappingError(path, e.problems) from None
    try:
        mapping = Mapping.model_validate(text) if isinstance(text, dict) else None
    except ValidationError as e:
        raise MappingError(path, _pydantic_problems(e)) from None
    if mapping is None:
        raise MappingError(
            path, ["the file must be a YAML mapping with name, description, layout, source, time_identifier, filters and figures"]
        )
    problems = check_mapping(mapping, config) if config is not None else []
    if mapping.name != name:
        problems.insert(
            0,
            f'field name: "{mapping.name}" differs from the file name {path.name}; name the file {mapping.name}.yaml or set name: {name}',
        )
    if problems:
        raise MappingError(path, problems)
    return mapping


def load_mappings(config: Config | None = None, directory: Path | str | None = None) -> list[Mapping]:
    """Every mapping in the folder, read once per change of its files."""
    folder = Path(directory) if directory else MAPPINGS_DIR
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml"))) if folder.is_dir() else ()
    key = (str(folder), stamp, id(config))
    if key not in _MAPPINGS:
        _MAPPINGS.clear()
        _MAPPINGS[key] = [load_mapping(n, config, directory) for n in list_mappings(directory)]
    return _MAPPINGS[key]


_MAPPINGS: dict[tuple, list[Mapping]] = {}
