"""`python -m indicators`, run as a person runs it: a real process, a real database file."""

import csv
import io

from tests.conftest import FIXTURES, ROOT, good_return, sample_next, snapshot
from tests.harness import hold_database
from tests.harness import run_cli as run


def test_load_bad_file_prints_each_problem_and_changes_nothing(db_path):
    before = snapshot(db_path)
    out = run("load", str(FIXTURES / "bad.csv"))
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert lines == [
        'row 2, column indicator: "ehcp_2wk" is not a known indicator id; did you mean "ehcp_20wk"? (see the About the indicators page for the ids)',
        'row 3, column period: "2018-06" is a month; ehcp_20wk is reported by financial-year quarter, e.g. "2024-25 Q1", "2024/25 Q1" or "Q1 2024-25" (Q1 is April to June)',
        'row 4, column value: "about 15" is not a number; give a number such as 91.5, 91% or 1,234, or a suppression marker (c, x, z, low, u or ..)',
    ]
    assert "nothing was loaded" in out.stderr
    assert snapshot(db_path) == before


def test_load_good_file_then_again_changes_nothing_second_time(db_path, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(good_return())  # three figures for the quarters after the sample's latest
    out = run("load", str(good), "--user", "tester")
    assert out.returncode == 0, out.stderr
    assert "3 new, 0 changed, 0 unchanged" in out.stdout
    after_first = snapshot(db_path)
    out = run("load", str(good))
    assert out.returncode == 0
    assert (
        "already stored (3 unchanged) (the same file was loaded as upload " in out.stdout and "nothing was written" in out.stdout
    )
    assert snapshot(db_path) == after_first


def test_dry_run_previews_and_writes_nothing(db_path, tmp_path):
    changed = tmp_path / "change.csv"
    changed.write_text(
        f"indicator,area,period,value\nehcp_20wk,E06000047,2018-19 Q1,89\nehcp_20wk,E06000047,{sample_next('ehcp_20wk').label},61\n"
    )
    before = snapshot(db_path)
    out = run("load", str(changed), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "Dry run: 1 new, 1 changed, 0 unchanged; nothing was written." in out.stdout
    assert "changed  ehcp_20wk E06000047 2018-19 Q1 (Apr–Jun 2018): 91.0% (✔ Green) → 89.0% (▲ Amber)" in out.stdout
    assert snapshot(db_path) == before


def test_missing_file_is_reported(db_path):
    out = run("load", "no-such-file.csv")
    assert out.returncode == 1 and "cannot be read" in out.stderr


def test_series_prints_csv_with_dates_rag_and_source(db_path):
    out = run("series", "ehcp_20wk", "--area", "E06000047")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == [
        "period",
        "period_start",
        "period_end",
        "value",
        "numerator",
        "denominator",
        "marker",
        "rag",
        "figure_type",
        "source",
        "note",
    ]
    q1 = next(r for r in rows if r["period"] == "2018-19 Q1")
    assert (q1["period_start"], q1["period_end"], float(q1["value"]), q1["rag"], q1["figure_type"]) == (
        "2018-04-01",
        "2018-06-30",
        91.0,
        "green",
        "published",
    )
    assert "Improvement progress one year on" in q1["source"]


def test_series_unknown_indicator_suggests(db_path):
    out = run("series", "ehcp20wk", "--area", "E06000047")
    assert out.returncode == 1 and 'did you mean "ehcp_20wk"?' in out.stderr


def test_list_shows_every_durham_indicator_with_rag(db_path, cfg):
    out = run("list")
    assert out.returncode == 0, out.stderr
    for ind in cfg.indicators:
        if not ind.id.startswith("dfe_neet_all") and ind.domain is None:  # provider measures are per provider
            assert ind.id in out.stdout
    assert "✔ Green" in out.stdout or "✖ Red" in out.stdout


def test_validate_config_good_and_bad(tmp_path):
    out = run("validate-config")
    assert out.returncode == 0 and "OK — " in out.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config" / "indicators.yaml").read_text().replace("polarity: higher_is_better", "polarity: up", 1))
    out = run("validate-config", str(bad))
    assert out.returncode == 2
    assert "indicator \"ehcp_20wk\", field polarity: is 'up'; accepted:" in out.stderr
    assert "Traceback" not in out.stderr


def test_broken_config_stops_every_command_without_a_traceback(db_path, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text("default_area: [\n")
    monkeypatch.setenv("KPI_CONFIG", str(bad))
    out = run("list")
    assert out.returncode == 2 and "not valid YAML" in out.stderr and "Traceback" not in out.stderr


def test_init_creates_once_and_force_recreates(tmp_path, monkeypatch):
    path = tmp_path / "new.duckdb"
    monkeypatch.setenv("KPI_DB", str(path))
    out = run("init")
    assert out.returncode == 0 and "Created" in out.stdout and path.exists()
    out = run("init")
    assert "already exists" in out.stdout
    out = run("init", "--force")
    assert "Created" in out.stdout


def test_load_waits_for_a_running_dashboard_then_says_so(db_path, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(good_return())
    with hold_database(db_path):
        out = run("load", str(good))
    assert out.returncode == 3
    assert "waiting up to" in out.stderr and "in use by another program" in out.stderr
