"""The one official import, and the registry of its sources: a file of published statistics → the reader its mapping
names → the validator's table. A source is a reader module and a mapping that names it (`reader: nhs_chs`), found
here without a line of code per source: every mapping in config/nhs/ (or the folder KPI_SOURCES_DIR names) is
asked in turn whether its reader recognises the file, and DfE open data (indicators/ees.py, its mappings in
config/ees/) reads whatever none of them claims. So a new source is two files: the reader and its mapping (the
README's "How to add a new source")."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indicators import yamlfile
from indicators.config import ROOT, Config
from indicators.problems import MESSAGES, MappingError  # noqa: F401  (re-exported for the readers)
from indicators.validate import Table

NHS_DIR = ROOT / "config" / "nhs"
# The folder of source mappings, when not config/nhs/ (a deployment's own sources, or a test's).
SOURCES_ENV = "KPI_SOURCES_DIR"
MAX_MAPPING_BYTES = 100_000
_NAME = r"^[a-z0-9][a-z0-9-]*$"
_READER = r"^[a-z][a-z0-9_]*$"

# The messages of the NHS readers, beside the others (one Problem type, one template per kind).
MESSAGES.update(
    {
        "nhs_missing_column": "{name} has no {column_name} column, which the mapping {mapping} reads ({layout}); the "
        "columns are {columns}. If NHS England renamed it, copy config/nhs/{mapping}.yaml, change the column name and "
        "import again",
        "nhs_bad_date": '"{value}" is not a date such as 01/07/2022; {column_name} gives the first day of the month reported',
        "nhs_table_missing": '{name} has no table titled "{title} …, <month> <year>" (the mapping {mapping} reads it); '
        "the titles found are: {titles}. If NHS England renamed the table, change tables.{key} in config/nhs/{mapping}.yaml",
        "nhs_header_missing": 'table "{table}" (sheet {sheet}): no header row with the column "{service}" in rows '
        "{first}–{last}; the header row is expected under the title and notes, with a column per service. If NHS "
        "England renamed the service, change service in config/nhs/{mapping}.yaml",
        "nhs_no_name_column": 'table "{table}" (sheet {sheet}), row {header_row}: no column headed {headers}, and no '
        "column left of the services to hold the names; add the names' header to name_column in config/nhs/{mapping}.yaml",
        "nhs_unknown_type": 'table "{table}" (sheet {sheet}): organisation type "{value}" is not one the mapping {mapping} '
        "reads ({known})",
        "nhs_months_differ": "the tables of {name} are for different months ({months}); a workbook holds one month",
        "nhs_no_month": 'table "{table}" (sheet {sheet}): the title does not end with the month, e.g. "{title} by '
        'service, June 2023"',
        "nhs_not_a_number": 'table "{table}" (sheet {sheet}): "{value}" is not a number; NHS England writes a count, * '
        "(suppressed) or a blank (no submission)",
        "nhs_unknown_source": "{name} is not a file an official mapping reads: {why}. The official sources are DfE open "
        "data (a release zip or CSV), NHS England Autism Statistics (CSV, or .csv.gz) and the NHS England community "
        "health services waiting-list workbook (.xlsx)",
    }
)


class Source(BaseModel):
    """The part of every NHS mapping official.py reads: which reader, and what to call it; `settings` is the reader's."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=_NAME, max_length=64)
    reader: str = Field(pattern=_READER, max_length=64)
    description: str = Field(min_length=1)
    layout: str = Field(min_length=1)
    source: str = Field(min_length=1)
    settings: dict


def settings(src: Source, model: type[BaseModel]):
    """A mapping's `settings` as its reader's model, or a MappingError naming each field at fault."""
    try:
        return model.model_validate(src.settings)
    except ValidationError as e:
        raise MappingError(src.name, [f"field settings.{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()]) from None


def nhs_mappings(directory: Path | str | None = None) -> list[Source]:
    """Every mapping in config/nhs/ (or KPI_SOURCES_DIR), sorted by name, read once per change of its files; a broken
    one raises MappingError naming the file and field (every time it is asked for, until it is mended)."""
    folder = Path(directory or os.environ.get(SOURCES_ENV) or NHS_DIR)
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    key = (str(folder), tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths))
    if key not in _NHS_MAPPINGS:
        _NHS_MAPPINGS.clear()
        _NHS_MAPPINGS[key] = _read_nhs_mappings(paths)
    return list(_NHS_MAPPINGS[key])


_NHS_MAPPINGS: dict[tuple, list[Source]] = {}


def _read_nhs_mappings(paths: list[Path]) -> list[Source]:
    out = []
    for path in paths:
        try:
            raw = yamlfile.load(path, "an NHS mapping", max_bytes=MAX_MAPPING_BYTES)
            src = Source.model_validate(raw)
        except yamlfile.YamlError as e:
            raise MappingError(path, e.problems) from None
        except ValidationError as e:
            raise MappingError(path, [f"field {'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()]) from None
        if src.name != path.stem:
            raise MappingError(path, [f'field name: "{src.name}" differs from the file name; name the file {src.name}.yaml'])
        out.append(src)
    return out


def reader_of(src: Source):
    """The reader module a mapping names, with its recognises() and read(): indicators/<reader>.py, or else a module
    of that name on the Python path (a deployment's own reader, kept outside the package)."""
    module = None
    for name in (f"indicators.{src.reader}", src.reader):
        try:
            module = importlib.import_module(name)
            break
        except ModuleNotFoundError as e:
            if e.name != name:  # the reader exists but imports something missing: say that, not "no reader"
                raise MappingError(src.name, [f"field reader: {src.reader} cannot be imported ({e})"]) from None
    if module is None:
        raise MappingError(
            src.name,
            [f"field reader: there is no reader indicators/{src.reader}.py (nor a module {src.reader} on the Python path)"],
        )
    if not (hasattr(module, "recognises") and hasattr(module, "read")):
        raise MappingError(src.name, [f"field reader: {module.__name__} has no recognises() and read()"])
    return module


@dataclass(frozen=True)
class Registered:
    """One official source as the import asks it: the mappings it reads with (name → the layout, as the upload page
    lists them), whether it recognises a file, and its reader."""

    layouts: dict[str, str]
    recognises: Callable[[bytes, str], bool]
    read: Callable[..., Table]  # (data, file_name, config, areas_df, mapping, release) → Table


def _nhs(src: Source) -> Registered:
    module = reader_of(src)

    def read(data, file_name, config, areas_df, mapping, release):
        return module.read(data, file_name, config, areas_df, src, release=release)

    return Registered({src.name: src.layout}, module.recognises, read)


def _dfe(config: Config | None) -> Registered:
    """DfE open data (indicators/ees.py, its mappings in config/ees/): asked last, it reads whatever no other source
    claims, and says which of its layouts came closest when none fits."""
    from indicators import ees  # imported here, as uploads did: only official imports need it

    def read(data, file_name, config, areas_df, mapping, release):
        return ees.read(data, file_name, config, areas_df, mapping=mapping, release=release)

    layouts = {m.name: m.layout for m in ees.load_mappings(config)}
    return Registered(layouts, lambda data, file_name: True, read)


def registered(config: Config | None = None) -> list[Registered]:
    """The registry: every NHS-type mapping in config/nhs/ (or KPI_SOURCES_DIR), in name order, then DfE open data.
    A broken mapping raises MappingError naming its file and field."""
    return [*(_nhs(src) for src in nhs_mappings()), _dfe(config)]


def mapping_layouts(config: Config | None = None) -> dict[str, str]:
    """Every official mapping → its layout: the DfE's (config/ees/) and the NHS's (config/nhs/)."""
    out: dict[str, str] = {}
    for r in registered(config):
        out |= r.layouts
    return dict(sorted(out.items()))


def mapping_names() -> list[str]:
    return list(mapping_layouts())


def read(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, *, mapping=None, release=None) -> Table:
    """Any official file → its reader's table: the source of the mapping named, or else the first registered source
    that recognises the file (DfE open data, asked last, takes the rest)."""
    sources = registered(config)
    for src in sources:
        if mapping in src.layouts or (mapping is None and src.recognises(data, file_name)):
            return src.read(data, file_name, config, areas_df, mapping, release)
    # A mapping no source has: DfE open data says which mappings there are, as it always has.
    return sources[-1].read(data, file_name, config, areas_df, mapping, release)


# ---------------------------------------------------------------- what the NHS readers share


def fold(text: object) -> str:
    """Names as NHS England's files vary them (case, spaces, "NHS … ICB") compared in one form."""
    s = " ".join(str(text or "").replace("\u00a0", " ").split()).casefold()
    s = re.sub(r"^nhs ", "", s)
    s = re.sub(r" (icb|integrated care board)$", "", s)
    return s


def known_names(config: Config, areas_df: pd.DataFrame, levels: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(level, folded name or alias) → code, for the areas the dashboard knows at those levels."""
    out: dict[tuple[str, str], str] = {}
    for r in areas_df.itertuples(index=False):
        if r.level in levels:
            out[(r.level, fold(r.name))] = r.code
    for a in config.areas:
        if a.level in levels:
            for n in [a.name, *a.aliases]:
                out[(a.level, fold(n))] = a.code
    return out


def percent_text(numerator: float, denominator: float) -> str:
    """A rate as text for the validator, unrounded (it checks the rate against the counts itself)."""
    return repr(100.0 * numerator / denominator)


def count_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
