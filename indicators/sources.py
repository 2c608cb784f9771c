"""Every way figures come in, registered in one place: the kinds of upload the dashboard takes, each with the reader
that turns a file into the validator's table and the words the upload page and the command line say about it.

- **return**: a lead's return of figures, CSV or Excel (indicators/returns.py), checked against their role;
- **official**: published statistics as downloaded, for an administrator or the shipped data: every NHS-type source
  in config/nhs/ (a reader and its mapping, found by indicators/official.py) and DfE open data (indicators/ees.py,
  its mappings in config/ees/), detected from the file.

A new official source is a reader and a mapping (the README's "How to add a new source"), with no line here. A new
kind of upload is one entry in KINDS: the upload page offers it, the command line and the sample loader name it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from indicators import returns
from indicators.config import Config
from indicators.ees_mapping import MAX_BYTES as OFFICIAL_MAX_BYTES  # the largest official file (a DfE release zip)
from indicators.validate import Table


@dataclass(frozen=True)
class Kind:
    """A kind of upload: how the page offers it, what it accepts, and its reader."""

    name: str
    choice: str  # the upload page's answer to "What are you uploading?"
    file_label: str  # the file picker's label
    types: tuple[str, ...]  # the file endings the picker takes
    max_bytes: int
    help: str
    refused_advice: str  # said above the list of problems when a file is refused
    admin_only: bool  # published statistics: figures every area and every role sees as official
    detects: bool  # the reader finds the layout itself, so the page offers "Advanced: mapping and release"
    read: Callable[..., Table]  # (data, file_name, config, areas_df, *, mapping, release, sheet) → Table

    @property
    def max_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)


def _read_return(data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, *, mapping=None, release=None, sheet=None):
    return returns.read(data, file_name, config, sheet=sheet)


def _read_official(
    data: bytes, file_name: str, config: Config, areas_df: pd.DataFrame, *, mapping=None, release=None, sheet=None
):
    from indicators import official  # imported here: only official imports need it, and the pages start without it

    return official.read(data, file_name, config, areas_df, mapping=mapping, release=release)


RETURN = Kind(
    name="return",
    choice="A return of figures (CSV or Excel)",
    file_label="CSV or Excel file of figures",
    types=("csv", "xlsx"),
    max_bytes=returns.MAX_BYTES,
    help=f"Up to {returns.MAX_BYTES // (1024 * 1024)} MB and {returns.MAX_ROWS:,} rows. Columns: indicator, area, period, "
    "value (and optionally numerator, denominator, note), or one column per indicator id.",
    refused_advice="Fix them in the spreadsheet and upload it again. Rows are numbered as your spreadsheet shows them.",
    admin_only=False,
    detects=False,
    read=_read_return,
)

OFFICIAL = Kind(
    name="official",
    choice="Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)",
    file_label='DfE release zip (as downloaded, "Download all data") or one of its CSV files; NHS England Autism '
    "Statistics (CSV or .csv.gz) or community health services waiting-list workbook (.xlsx)",
    types=("zip", "csv", "gz", "xlsx"),
    max_bytes=OFFICIAL_MAX_BYTES,
    help=f"Up to {OFFICIAL_MAX_BYTES // (1024 * 1024)} MB, as published: from "
    "explore-education-statistics.service.gov.uk or digital.nhs.uk / england.nhs.uk. The source and layout are detected.",
    refused_advice="This is the file as published: do not edit it. Each problem says what the dashboard needs, usually a "
    "mapping in config/ees/ or config/nhs/ for a layout it does not read yet.",
    admin_only=True,
    detects=True,
    read=_read_official,
)

KINDS: dict[str, Kind] = {k.name: k for k in (RETURN, OFFICIAL)}


def kind(name: str) -> Kind:
    """The kind of upload of that name, or a ValueError naming the kinds there are."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f'"{name}" is not a kind of upload; the kinds are {", ".join(KINDS)}') from None


def offered(access) -> list[Kind]:
    """The kinds of upload this person may make, in the order the page offers them."""
    return [k for k in KINDS.values() if access.admin or not k.admin_only]
