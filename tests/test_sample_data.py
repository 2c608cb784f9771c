"""The shipped sample: published figures exactly where the documents put them, everything else marked illustrative."""
import csv

import pytest

from indicators import store
from tests.conftest import ROOT

DURHAM, REDCAR, ENGLAND, NE = "E06000047", "E06000003", "E92000001", "E12000001"

# From shared/reference/seed-figures.md (the seed documents).
SEED_PUBLISHED = [
    ("ehcp_20wk", DURHAM, "2016-17 Q4", 85), ("ehcp_20wk", DURHAM, "2018-19 Q1", 91),
    ("salt_seen_6wk", DURHAM, "2018-01", 62), ("salt_seen_6wk", DURHAM, "2018-11", 72),
    ("asd_waiting_list", DURHAM, "2018-09", 565), ("asd_waiting_list", DURHAM, "2018-12", 480),
    ("asd_avg_wait_weeks", DURHAM, "2018-12", 45), ("asd_longest_wait_weeks", DURHAM, "2018-08", 98),
    ("send_neet", DURHAM, "2017-18 Q3", 20.2), ("send_neet", DURHAM, "2018-19 Q3", 16.1),
    ("ehc_requests_year", DURHAM, "2019", 594), ("ehc_requests_year", DURHAM, "2021", 676), ("ehc_requests_year", DURHAM, "2022", 974),
    ("senco_network_schools", DURHAM, "2016-17", 126), ("senco_network_schools", DURHAM, "2017-18", 145),
    ("nasenco_total", DURHAM, "2017-18", 107), ("social_care_send_trained", DURHAM, "2018", 71),
    ("supported_internships", DURHAM, "2016-17", 0), ("supported_internships", DURHAM, "2017-18", 27),
    ("phb_children", DURHAM, "2017", 0), ("phb_children", DURHAM, "2018", 10),
    ("perm_excl_ehcp", DURHAM, "2017-18", 0), ("ehcp_male_share", DURHAM, "2023", 74),
    ("dw_send_engaged", DURHAM, "2018", 1638), ("dw_send_eet", DURHAM, "2018", 991), ("dw_send_employment", DURHAM, "2018", 438),
]
# From shared/reference/public-figures.md (DfE official statistics), a selection across every series and area.
DFE_PUBLISHED = [
    ("dfe_ehcp_20wk", ENGLAND, "2015", 59.2), ("dfe_ehcp_20wk", ENGLAND, "2022", 49.2), ("dfe_ehcp_20wk", ENGLAND, "2024", 46.4),
    ("dfe_ehcp_20wk", NE, "2018", 81.7), ("dfe_ehcp_20wk", DURHAM, "2018", 84.2), ("dfe_ehcp_20wk", DURHAM, "2022", 29.2),
    ("dfe_ehcp_20wk", REDCAR, "2021", 97.6), ("dfe_ehc_requests", ENGLAND, "2024", 154489), ("dfe_ehc_requests", DURHAM, "2022", 965),
    ("dfe_ehc_requests", REDCAR, "2016", 212), ("dfe_neet_ehcp", DURHAM, "2022", 14.4), ("dfe_neet_ehcp", REDCAR, "2023", 16.4),
    ("dfe_neet_ehcp", NE, "2025", 13.2), ("dfe_neet_all", ENGLAND, "2025", 5.6),
]


@pytest.fixture(scope="module")
def sample_rows():
    with open(ROOT / "data" / "sample" / "observations.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("indicator, area, period, value", SEED_PUBLISHED + DFE_PUBLISHED)
def test_published_figure_is_stored_exactly_and_marked(conn, indicator, area, period, value):
    row = conn.execute("SELECT value, figure_type, source FROM observations WHERE indicator_id=? AND area_code=? AND period=?",
                       [indicator, area, period]).fetchone()
    assert row is not None, f"{indicator} {area} {period} missing"
    # Local figures exactly as the documents give them; DfE figures as published to one decimal place (the
    # releases' own files may hold more decimals, e.g. 49.166 for 49.2).
    assert row[0] == pytest.approx(value, abs=1e-9 if not indicator.startswith("dfe_") else 0.05)
    assert row[1] == "published" and row[2]


def test_social_care_training_keeps_the_481_staff_as_numerator(conn):
    assert conn.execute("SELECT numerator FROM observations WHERE indicator_id='social_care_send_trained' AND period='2018'").fetchone()[0] == 481


def test_only_documented_figures_are_marked_published(conn):
    expected = {(i, a, p) for i, a, p, _ in SEED_PUBLISHED}
    got = {r for r in conn.execute("SELECT indicator_id, area_code, period FROM observations WHERE figure_type='published' AND indicator_id NOT LIKE 'dfe_%'").fetchall()}
    # perm_excl_ehcp is published as 0 in each of three years; the table above names one of them.
    extra = got - expected
    assert extra == {("perm_excl_ehcp", DURHAM, "2015-16"), ("perm_excl_ehcp", DURHAM, "2016-17")}
    assert conn.execute("SELECT count(*) FROM observations WHERE indicator_id LIKE 'dfe_%' AND figure_type <> 'published'").fetchone()[0] == 0


def test_every_row_says_what_it_is(sample_rows):
    assert {r["figure_type"] for r in sample_rows} == {"published", "illustrative"}
    for r in sample_rows:
        assert r["source"], r
        if r["figure_type"] == "illustrative":
            assert r["note"].startswith("Illustrative"), r


def test_every_local_indicator_has_at_least_eight_periods_for_durham(conn, cfg):
    counts = dict(conn.execute("SELECT indicator_id, count(*) FROM observations WHERE area_code=? GROUP BY 1", [DURHAM]).fetchall())
    for ind in cfg.indicators:
        if not ind.id.startswith("dfe_"):
            assert counts.get(ind.id, 0) >= 8, ind.id


def test_redcar_has_an_illustrative_series_for_the_headline_indicators(conn):
    for i in ("ehcp_20wk", "salt_seen_6wk", "salt_treated_12wk", "asd_waiting_list", "asd_avg_wait_weeks", "send_neet", "ehc_requests"):
        kinds = conn.execute("SELECT figure_type, count(*) FROM observations WHERE indicator_id=? AND area_code=? GROUP BY 1", [i, REDCAR]).fetchall()
        assert kinds and kinds[0][0] == "illustrative" and kinds[0][1] >= 8 and len(kinds) == 1


@pytest.mark.parametrize("year, total", [("2019", 594), ("2021", 676), ("2022", 974)])
def test_quarterly_requests_add_up_to_the_published_year(conn, year, total):
    got = conn.execute("SELECT sum(value) FROM observations WHERE indicator_id='ehc_requests' AND area_code=? AND year(period_start)=?",
                       [DURHAM, int(year)]).fetchone()[0]
    assert got == total


def test_the_sample_loads_through_the_upload_validation(sample_db_template):
    # The template database was filled by store.open_store → sample.load_sample → uploads.check.
    import duckdb
    c = duckdb.connect(str(sample_db_template), read_only=True)
    assert store.table_counts(c)["observations"] > 500
    c.close()
