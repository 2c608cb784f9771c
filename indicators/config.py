"""config/indicators.yaml → validated Indicator and Area objects; every error names the indicator id and the field."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indicators import periods, yamlfile
from indicators.bounds import MAX_NAME_CHARS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "indicators.yaml"
MAX_CONFIG_BYTES = 1_000_000

Unit = Literal["percent", "count", "weeks", "days", "number"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
PeriodType = Literal["month", "fy_quarter", "financial_year", "academic_year", "calendar_year"]
Level = Literal["national", "regional", "local_authority", "nhs_region", "icb", "sub_icb", "provider"]
# The NHS's own geography (issue 26): areas named by their ODS codes (84H, QHM, RXP, Y63), not ONS codes.
HEALTH_LEVELS = ("nhs_region", "icb", "sub_icb", "provider")
LEVEL_NAMES = {
    "national": "country",
    "regional": "region",
    "local_authority": "local authority",
    "nhs_region": "NHS England region",
    "icb": "integrated care board (ICB)",
    "sub_icb": "sub-ICB location",
    "provider": "NHS provider",
}
_ONS = re.compile(r"^[EWSN]\d{8}$")
_ODS = re.compile(r"^[A-Z0-9]{3,5}$")

POLARITY_WORDS = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "neutral": "neither higher nor lower is better (a context measure)",
}
UNIT_WORDS = {"percent": "per cent", "count": "count", "weeks": "weeks", "days": "days", "number": "number"}


class ConfigError(Exception):
    """The indicators file cannot be used; `problems` lists each fault with its indicator id and field."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(path, problems)  # picklable: the arguments as given

    def __str__(self) -> str:
        lines = [f"The indicators file {self.path} has {len(self.problems)} problem(s):"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrajectoryPoint(_Strict):
    period: str
    value: float


class Target(_Strict):
    value: float | None = None
    trajectory: list[TrajectoryPoint] | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.value is None) == (self.trajectory is None):
            raise ValueError(
                "give either value (one target for every period) or trajectory (a target per period), not both or neither"
            )
        if self.trajectory is not None and len(self.trajectory) < 1:
            raise ValueError("trajectory needs at least one point")
        return self


class Rag(_Strict):
    basis: Literal["absolute", "target"] = "absolute"
    green: float
    amber: float
    # Thresholds the documents do not set, chosen to make the sample readable: shown as "threshold (illustrative)".
    illustrative: bool = False


class Break(_Strict):
    """A point where a series' definition changed: drawn as a labelled line; SPC starts a new segment there."""

    period: str
    reason: str = Field(min_length=1)
    # ONS codes of the areas it applies to; empty: every area.
    areas: list[str] = []


class HealthLinks(_Strict):
    """A council's NHS partners: the sub-ICB location(s) and main providers whose NHS figures stand beside its own."""

    sub_icb: list[str] = []  # ODS codes, e.g. [84H]
    icb: str | None = None  # e.g. QHM
    providers: list[str] = []  # the main community providers, e.g. [RXP]


class Area(_Strict):
    # An ONS code (E06000047) for England, regions and councils; an ODS code (84H, QHM, RXP) for the NHS.
    code: str = Field(pattern=r"^([EWSN]\d{8}|[A-Z0-9]{3,5})$")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    level: Level
    la_code: str | None = None
    # A council's region; an NHS area's parent: a sub-ICB location's or provider's ICB, an ICB's NHS region.
    region: str | None = None
    # Statistical neighbours: the areas this one is usually compared with (ONS codes).
    neighbours: list[str] = []
    # Other names people use for the area in uploads and on the command line, e.g. Durham.
    aliases: list[str] = []
    # An NHS area: the councils' areas it covers, as people name them (the page says so when it covers more than one).
    covers: list[str] = []
    # A council: its NHS partners.
    health: HealthLinks | None = None
    # A council: the providers its joint commissioning group keeps a balanced provider scorecard for (area codes).
    commissioned: list[str] = []

    @model_validator(mode="after")
    def _code_fits_level(self):
        if self.level in HEALTH_LEVELS:
            if not _ODS.match(self.code) and not (self.level == "nhs_region" and _ONS.match(self.code)):
                raise _FieldError(
                    "code", f'"{self.code}" is not an ODS code; an NHS area is named by its ODS code, e.g. 84H, QHM or RXP'
                )
        elif not _ONS.match(self.code):
            raise _FieldError(
                "code", f'"{self.code}" is not an ONS code; they are a letter E, W, S or N and 8 digits, e.g. E06000047'
            )
        if self.health is not None and self.level != "local_authority":
            raise _FieldError("health", "only a local authority has NHS partners; remove health from this area")
        return self


# The balanced provider scorecard's domains (Durham's 2018 progress report), in the order the grid shows them.
DOMAINS = {
    "finance": "Finance",
    "service_user_experience": "Service-user experience",
    "service_delivery": "Service delivery",
    "safeguarding": "Safeguarding",
    "provider_market_health": "Provider-market health",
}

# Comparators named by a word: England, the council's region, its statistical neighbours, and for NHS statistics the
# ICB and NHS region of the area that stands for the council.
COMPARATOR_WORDS = ("england", "region", "neighbours", "icb", "nhs_region")


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    definition: str = Field(min_length=1)
    unit: Unit
    polarity: Polarity
    period_type: PeriodType
    # local: the partnership's own figures, uploaded by service leads; official: published statistics (DfE),
    # loaded only by the official importer or an administrator, and left out of upload templates.
    kind: Literal["local", "official"] = "local"
    decimals: int = Field(default=1, ge=0, le=4)
    # A period's figure is due (and "overdue" after) this many days after the period ends; negative when the figure
    # is published before its period's label ends (the NEET December–February average for "2026" is published in
    # June 2026, so it is due 153 days before 31 December 2026, on 31 July).
    due_days: int = Field(default=30, ge=-365, le=730)
    target: Target | None = None
    rag: Rag | None = None
    owner: str = Field(min_length=1)
    # The owner's e-mail address: reminders of returns due go here (and to the indicator's uploaders in roles.yaml).
    owner_email: str | None = Field(default=None, max_length=254)
    source: str = Field(min_length=1)
    strategy_area: str = ""
    inspection_area: str = ""
    notes: str = ""
    # Making Data Count settings for the SPC view (run_length, trend_length, rebase_at, baseline, …).
    spc: dict | None = None
    # Lines drawn beside the area's own: england, region, neighbours, or an area's ONS code. None = england, region.
    comparators: list[str] | None = None
    # The official indicator that measures the same thing nationally (e.g. dfe_ehcp_20wk for ehcp_20wk): shown under
    # this one's chart with England, the region, neighbours and the rank among local authorities.
    official: str | None = None
    # How this local measure differs from its official counterpart, in words, shown beside both definitions.
    compared_with_official: str = ""
    # NHS statistics published for the NHS's geography: a council's series is that of its sub-ICB location or its main
    # provider (areas[].health), shown with what that area covers; nothing is apportioned.
    nhs_geography: Literal["sub_icb", "provider"] | None = None
    # A measure of the balanced provider scorecard: its domain; its figures are per commissioned provider (areas of
    # level provider), from the providers' or commissioners' quarterly returns.
    domain: Literal["finance", "service_user_experience", "service_delivery", "safeguarding", "provider_market_health"] | None = (
        None
    )
    # Changes of definition, e.g. the SEN2 collection becoming person-level in 2023.
    breaks: list[Break] = []
    # Shown first in the default board pack (with every exception).
    headline: bool = False

    @field_validator("owner_email")
    @classmethod
    def _email(cls, v):
        if v is None:
            return v
        v = v.strip()
        if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", v):
            raise ValueError(f'"{v}" is not an e-mail address; write it like salt.lead@nhs.net')
        return v.lower()

    @field_validator("comparators")
    @classmethod
    def _comparator_words(cls, v):
        for item in v or []:
            if item not in COMPARATOR_WORDS and not re.fullmatch(r"[EWSN]\d{8}", item):
                raise ValueError(
                    f'"{item}" is not a comparator; use england, region, neighbours, icb, nhs_region or an ONS area code '
                    "such as E06000003"
                )
        return v

    @field_validator("target", mode="before")
    @classmethod
    def _plain_number_target(cls, v):
        # `target: 90` is shorthand for `target: {value: 90}`.
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {"value": v}
        return v

    @model_validator(mode="after")
    def _rag_consistent(self):
        if self.rag is None:
            return self
        r = self.rag
        if r.basis == "target":
            if self.polarity == "neutral":
                raise _FieldError(
                    "rag.basis",
                    'is "target" on a neutral indicator (neither higher nor lower is better), so no '
                    'side of the target is "short" of it; set a polarity or remove rag',
                )
            if self.target is None:
                raise _FieldError("rag.basis", 'is "target" but the indicator has no target; add a target or use basis: absolute')
            if r.green < 0 or r.amber < 0:
                raise _FieldError(
                    "rag.amber" if r.amber < 0 else "rag.green",
                    "with basis: target, green and amber are distances short of the target and cannot be negative",
                )
            if r.amber < r.green:
                raise _FieldError(
                    "rag.amber",
                    f"amber ({r.amber:g}) must be at least green ({r.green:g}): it is how far short of the target still counts as amber",
                )
            return self
        if self.polarity == "neutral":
            raise _FieldError(
                "rag",
                "a neutral indicator (neither higher nor lower is better) cannot have RAG thresholds; set a polarity or remove rag",
            )
        if self.polarity == "higher_is_better" and r.amber > r.green:
            raise _FieldError(
                "rag.amber",
                f"amber threshold {r.amber:g} is above green {r.green:g}; when higher is better amber must be at or below green",
            )
        if self.polarity == "lower_is_better" and r.amber < r.green:
            raise _FieldError(
                "rag.amber",
                f"amber threshold {r.amber:g} is below green {r.green:g}; when lower is better amber must be at or above green",
            )
        return self

    @model_validator(mode="after")
    def _trajectory_periods(self):
        if self.target and self.target.trajectory:
            seen = []
            for i, point in enumerate(self.target.trajectory):
                try:
                    seen.append(periods.parse(point.period, self.period_type))
                except periods.PeriodError as e:
                    raise _FieldError(f"target.trajectory[{i}].period", str(e)) from None
            if [p.start for p in seen] != sorted({p.start for p in seen}):
                raise _FieldError("target.trajectory", "periods must be in time order with none repeated")
        return self

    @model_validator(mode="after")
    def _spc_settings(self):
        if self.spc is None:
            return self
        from indicators import spc as spc_mod  # imported here so loading the config does not load Plotly

        try:
            opts = spc_mod.options_from_mapping(self.spc)
        except spc_mod.SpcSettingError as e:
            raise _FieldError(f"spc.{e.field}", e.message) from None
        for i, item in enumerate(opts["rebase_at"]):
            label = item["period"] if isinstance(item, dict) else item
            try:
                periods.parse(str(label), self.period_type)
            except periods.PeriodError as e:
                raise _FieldError(f"spc.rebase_at[{i}]", str(e)) from None
        return self

    @model_validator(mode="after")
    def _break_periods(self):
        for i, b in enumerate(self.breaks):
            try:
                periods.parse(b.period, self.period_type)
            except periods.PeriodError as e:
                raise _FieldError(f"breaks[{i}].period", str(e)) from None
        return self

    def spc_options(self, area: str | None = None) -> dict:
        """Keyword arguments for spc.analyse for one area: rebases and breaks that apply to it, periods in the stored
        (canonical) form."""
        from indicators import spc as spc_mod

        opts = spc_mod.options_from_mapping(self.spc)
        rebase = []
        for item in opts.get("rebase_at") or []:
            if isinstance(item, dict):
                if item.get("areas") and area not in item["areas"]:
                    continue
                item = item["period"]
            rebase.append(periods.parse(str(item), self.period_type).label)
        opts["rebase_at"] = rebase
        opts["breaks"] = [(b.period, b.reason) for b in self.breaks_for(area)]
        return opts

    def breaks_for(self, area: str | None) -> list[Break]:
        """The breaks that apply to an area, periods in the stored form."""
        return [
            b.model_copy(update={"period": periods.parse(b.period, self.period_type).label})
            for b in self.breaks
            if not b.areas or area in b.areas
        ]

    # --- derived helpers used across the package ---
    @property
    def type_name(self) -> str:
        return periods.TYPE_NAMES[self.period_type]

    def trajectory_periods(self) -> list[tuple[periods.Period, float]]:
        if not self.target or not self.target.trajectory:
            return []
        return [(periods.parse(p.period, self.period_type), p.value) for p in self.target.trajectory]


class _FieldError(ValueError):
    """Raised inside a model validator to name the exact field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class Config(_Strict):
    version: Literal[1] = 1
    default_area: str
    # How statistical neighbours are summarised into one comparator line.
    neighbour_stat: Literal["mean", "median"] = "median"
    areas: list[Area] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}


def config_path() -> Path:
    return Path(os.environ.get("KPI_CONFIG") or DEFAULT_CONFIG)


def _describe_loc(raw: dict, loc: tuple) -> tuple[str, str]:
    """Turn a pydantic error location into ('indicator "id"' | 'area "code"' | 'top level', 'field.path')."""
    if len(loc) >= 2 and loc[0] in ("indicators", "areas") and isinstance(loc[1], int):
        items = raw.get(loc[0]) or []
        item = items[loc[1]] if loc[1] < len(items) and isinstance(items[loc[1]], dict) else {}
        key = "id" if loc[0] == "indicators" else "code"
        ident = item.get(key)
        who = f'{loc[0][:-1]} "{ident}"' if ident else f"{loc[0][:-1]} number {loc[1] + 1} (it has no {key})"
        field = ".".join(str(p) for p in loc[2:] if not str(p).startswith("function-")) or "(the whole entry)"
        return who, field
    return "top level", ".".join(str(p) for p in loc) or "(the whole file)"


def _message(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling; see the About the indicators page for the fields)"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"is {err.get('input')!r}; accepted: {expected}"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg


def _problems_from(raw: dict, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, _FieldError):
            who, _ = _describe_loc(raw, loc)
            prefix = ".".join(str(p) for p in loc[2:])
            field = f"{prefix}.{inner.field}" if prefix else inner.field
            out.append(f"{who}, field {field}: {inner.message}")
            continue
        who, field = _describe_loc(raw, loc)
        out.append(f"{who}, field {field}: {_message(err)}")
    return out


def parse_text(text: str, path: Path | str = "<text>") -> Config:
    try:
        raw = yamlfile.parse(text, "the indicators file", path)
    except yamlfile.YamlError as e:
        raise ConfigError(path, e.problems) from None
    return validate_raw(raw, path)


def validate_raw(raw, path: Path | str = "<text>") -> Config:
    """Parsed YAML → a validated Config; every problem names the indicator (or area) and the field."""
    if not isinstance(raw, dict):
        raise ConfigError(path, ["the file must be a mapping with keys default_area, areas and indicators"])
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(path, _problems_from(raw, e)) from None
    problems = []
    seen: dict[str, int] = {}
    for n, ind in enumerate(cfg.indicators, start=1):
        if ind.id in seen:
            problems.append(
                f'indicator "{ind.id}", field id: duplicate id (indicators number {seen[ind.id]} and {n}); each id must be unique'
            )
        seen.setdefault(ind.id, n)
    codes: set[str] = set()
    for area in cfg.areas:
        if area.code in codes:
            problems.append(f'area "{area.code}", field code: duplicate area code; each area must be listed once')
        codes.add(area.code)
    by_id = {i.id: i for i in cfg.indicators}
    for ind in cfg.indicators:
        if ind.official is not None:
            other = by_id.get(ind.official)
            if other is None:
                from indicators.problems import suggest

                problems.append(
                    f'indicator "{ind.id}", field official: "{ind.official}" is not an indicator id{suggest(ind.official, by_id)}'
                )
            elif other.kind != "official":
                problems.append(
                    f'indicator "{ind.id}", field official: {ind.official} is not official statistics (kind: official); '
                    "name the DfE indicator that measures the same thing"
                )
        if ind.nhs_geography is not None and ind.kind != "official":
            problems.append(
                f'indicator "{ind.id}", field nhs_geography: only official NHS statistics (kind: official) are published '
                "for the NHS's geography; remove it or set kind: official"
            )
    levels = {a.code: a.level for a in cfg.areas}
    for area in cfg.areas:
        links = area.health
        if links is None:
            continue
        wanted = [("sub_icb", c, "sub_icb") for c in links.sub_icb] + [("providers", c, "provider") for c in links.providers]
        wanted += [("icb", links.icb, "icb")] if links.icb else []
        for fld, code, level in wanted:
            if levels.get(code) != level:
                problems.append(
                    f'area "{area.code}", field health.{fld}: "{code}" is not listed in areas as a {LEVEL_NAMES[level]}; '
                    f"add {{code: {code}, name: ..., level: {level}}} to areas"
                )
    for area in cfg.areas:
        for code in area.commissioned:
            if levels.get(code) != "provider":
                problems.append(
                    f'area "{area.code}", field commissioned: "{code}" is not listed in areas as a provider; add '
                    f"{{code: {code}, name: ..., level: provider}} to areas"
                )
    if cfg.default_area not in codes:
        problems.append(
            f'top level, field default_area: "{cfg.default_area}" is not one of the listed area codes ({", ".join(sorted(codes))})'
        )
    if problems:
        raise ConfigError(path, problems)
    return cfg


def load(path: Path | str | None = None) -> Config:
    """Read and validate the indicators file (KPI_CONFIG or config/indicators.yaml)."""
    path = Path(path) if path else config_path()
    try:
        raw = yamlfile.load(
            path,
            "the indicators file",
            max_bytes=MAX_CONFIG_BYTES,
            missing_hint="set KPI_CONFIG to the indicators file or restore config/indicators.yaml",
        )
    except yamlfile.YamlError as e:
        raise ConfigError(path, e.problems) from None
    return validate_raw(raw, path)
