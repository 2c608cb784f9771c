"""A new source is two files: a reader module and a mapping that names it (README, "How to add a new source").
This test writes exactly those two files, outside the package, into a temporary folder, and imports a file of the new
kind through the normal path (uploads.check and uploads.commit, as the Upload page and `import-official` do)."""

import textwrap

import pytest

from indicators import official, store, uploads
from tests.conftest import ADMIN

# File 1: the reader. It says whether a file is its kind, and turns it into the validator's table.
READER = '''
"""Tiny statistics: a text file "TINY STATS" then one line per figure: area code, year, percentage."""

import pandas as pd

from indicators.validate import Table


def recognises(data: bytes, file_name: str) -> bool:
    return data.startswith(b"TINY STATS\\n")


def read(data, file_name, config, areas_df, src, *, release=None):
    lines = data.decode("utf-8").splitlines()[1:]
    cells = pd.DataFrame(
        [
            {"row": n, "indicator": src.settings["indicator"], "area": area, "period": year, "value": value,
             "figure_type": "published", "source": src.source}
            for n, (area, year, value) in enumerate((line.split(",") for line in lines), start=2)
        ],
        columns=["row", "indicator", "area", "period", "value", "figure_type", "source"],
    )
    return Table(cells, "Tiny statistics", src.name, src.layout, official=True, release=release or "2024")
'''

# File 2: the mapping, which registers the reader and holds its settings.
MAPPING = """
name: tiny-stats
reader: kpi_tiny_reader
description: Tiny statistics, one figure a line
layout: a TINY STATS text file (area code, year, percentage)
source: Tiny statistics (a test source)
settings:
  indicator: dfe_ehcp_20wk
"""


@pytest.fixture
def tiny_source(tmp_path, monkeypatch):
    (tmp_path / "readers").mkdir()
    (tmp_path / "readers" / "kpi_tiny_reader.py").write_text(textwrap.dedent(READER), encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "tiny-stats.yaml").write_text(MAPPING, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "readers"))
    monkeypatch.setenv(official.SOURCES_ENV, str(tmp_path / "sources"))
    return tmp_path


def test_a_reader_and_its_mapping_import_a_new_kind_of_file(tiny_source, cfg, empty_conn):
    assert "tiny-stats" in official.mapping_names()
    data = b"TINY STATS\nE06000047,2023,61.5\nE06000003,2023,48.0\n"
    preview = uploads.check(empty_conn, cfg, data, "tiny.txt", ADMIN, kind="official")
    assert preview.result.ok, [str(p) for p in preview.result.problems]
    assert (preview.result.table.source, preview.result.table.layout) == ("Tiny statistics", "tiny-stats")
    uploads.commit(empty_conn, preview, ADMIN)
    got = store.area_observations(empty_conn, "E06000047")
    row = got[got["indicator_id"] == "dfe_ehcp_20wk"].iloc[0]
    assert (row["period"], row["value"], row["figure_type"], row["source"]) == (
        "2023",
        61.5,
        "published",
        "Tiny statistics (a test source)",
    )


def test_a_file_of_the_new_kind_with_a_wrong_figure_is_refused_by_the_one_validator(tiny_source, cfg, empty_conn):
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, b"TINY STATS\nE06000047,2023,161.5\n", "tiny.txt", ADMIN, kind="official")
    assert [str(p) for p in preview.result.problems] == [
        "row 2, column value: 161.5 is outside 0–100; dfe_ehcp_20wk is a percentage"
    ]
    assert store.table_snapshot(empty_conn) == before


def test_a_mapping_naming_a_reader_that_does_not_exist_says_so(tiny_source, cfg, empty_conn):
    (tiny_source / "sources" / "tiny-stats.yaml").write_text(MAPPING.replace("kpi_tiny_reader", "kpi_no_such_reader"))
    with pytest.raises(official.MappingError) as e:
        uploads.check(empty_conn, cfg, b"TINY STATS\n", "tiny.txt", ADMIN, kind="official")
    assert str(e.value) == (
        "The mapping tiny-stats has 1 problem(s):\n  - field reader: there is no reader indicators/kpi_no_such_reader.py "
        "(nor a module kpi_no_such_reader on the Python path)"
    )


def test_the_command_lines_help_names_the_new_source(tiny_source):
    """`import-official --help` lists the registry's mappings, so one added in KPI_SOURCES_DIR is named there too."""
    from tests.harness import run_cli

    env = {official.SOURCES_ENV: str(tiny_source / "sources"), "PYTHONPATH": str(tiny_source / "readers")}
    done = run_cli("import-official", "--help", env=env)
    assert done.returncode == 0, done.stderr
    help_text = " ".join(done.stdout.split())
    assert "tiny-stats" in help_text and "sen2-timeliness" in help_text, help_text


def test_mappings_are_read_once_until_their_files_change(tiny_source):
    first = official.nhs_mappings()
    assert official.nhs_mappings()[0] is first[0]  # not read again
    (tiny_source / "sources" / "tiny-stats.yaml").write_text(MAPPING.replace("one figure a line", "a figure a line"))
    again = official.nhs_mappings()
    assert again[0] is not first[0] and again[0].description == "Tiny statistics, a figure a line"
