"""DfE open data in the EES format: mappings, what loads, what is refused (and then nothing is written),
revised releases keeping the earlier vintage, and the import-ees command's functions.

The fixtures in tests/fixtures/ees/ are written by hand in the EES format. The figures for England, the North
East, County Durham and Redcar and Cleveland are the real published ones in ../shared/reference/public-figures.md.
Darlington's figures and the "Age under 5" breakdown rows are illustrative, made up for the tests. Rates
including exceptions that public-figures.md does not give are written `x` (not available to us).
"""
import argparse
import math

import pytest

from indicators import ees, store, uploads
from tests.conftest import FIXTURES

FIX = FIXTURES / "ees"
SOURCE = 'DfE "Education, health and care plans" (SEN2) open data'

# public-figures.md, new EHC plans within 20 weeks excluding exceptions (no_exc_20week_rate)
PUBLISHED_20WK = {
    "E92000001": {"2018": 60.1, "2019": 60.4, "2020": 58.0, "2021": 59.9, "2022": 49.2},
    "E12000001": {"2018": 81.7, "2019": 69.8, "2020": 75.9, "2021": 71.8, "2022": 57.8},
    "E06000047": {"2018": 84.2, "2019": 70.2, "2020": 73.2, "2021": 76.2, "2022": 29.2},
    "E06000003": {"2018": 89.9, "2019": 72.6, "2020": 71.8, "2021": 97.6, "2022": 31.3},
}

STD = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name"
RATES = "no_exc_20week_rate,inc_exc_20week_rate"
ENGLAND = "2022,Calendar year,National,E92000001,England,,,,,"
NORTH_EAST = "2022,Calendar year,Regional,E92000001,England,E12000001,North East,,,"
DURHAM = "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,840,E06000047,County Durham"


def fixture(name: str) -> bytes:
    return (FIX / name).read_bytes()


def ees_file(*rows: str, columns: str = RATES, header: str = STD) -> bytes:
    return ("\n".join([f"{header},{columns}", *rows]) + "\n").encode()


def loaded(conn, cfg, data: bytes, mapping="sen2-timeliness", name="ees.csv", **kw):
    result, written = ees.import_ees(conn, cfg, data, name, mapping, user_name="tester", **kw)
    assert result.ok, [str(p) for p in result.problems]
    return result, written


def refused(conn, cfg, data: bytes, mapping="sen2-timeliness") -> list[str]:
    before = store.table_snapshot(conn)
    result, written = ees.import_ees(conn, cfg, data, "bad.csv", mapping, user_name="tester")
    assert written is None and not result.ok
    assert result.rows.empty
    assert store.table_snapshot(conn) == before
    return [str(p) for p in result.problems]


def stored(conn, indicator_id, area, period):
    return conn.execute("SELECT value, marker, note, source, figure_type FROM observations "
                        "WHERE indicator_id = ? AND area_code = ? AND period = ?", [indicator_id, area, period]).fetchone()


# ---------------------------------------------------------------- mappings

def test_shipped_mappings_are_listed_and_valid_against_the_indicators(cfg):
    assert ees.list_mappings() == ["sen2-requests", "sen2-timeliness"]
    timeliness = ees.load_mapping("sen2-timeliness", cfg)
    assert timeliness.columns == {"no_exc_20week_rate": "dfe_ehcp_20wk", "inc_exc_20week_rate": "dfe_ehcp_20wk_inc"}
    assert timeliness.filters == {"breakdown": ["Total", "All EHC plans"]}
    assert timeliness.period_type == "calendar_year" and timeliness.source == SOURCE
    requests = ees.load_mapping("sen2-requests", cfg)
    assert requests.columns == {"inreq_ehc": "dfe_ehc_requests"} and requests.filters == {}


def test_unknown_mapping_name_lists_the_mappings(cfg):
    with pytest.raises(ees.MappingError) as e:
        ees.load_mapping("sen2-timelines", cfg)
    assert e.value.problems == ['there is no EES mapping "sen2-timelines"; did you mean "sen2-timeliness"?; '
                                "the mappings are: sen2-requests, sen2-timeliness"]


MAPPING = """name: {name}
description: test mapping
source: test source
time_identifier: {time}
filters: {{}}
columns:
  {column}: {indicator}
"""


def write_mapping(tmp_path, name="test-map", time="Calendar year", column="no_exc_20week_rate",
                  indicator="dfe_ehcp_20wk", extra="", file_name=None):
    (tmp_path / f"{file_name or name}.yaml").write_text(
        MAPPING.format(name=name, time=time, column=column, indicator=indicator) + extra)
    return tmp_path


def mapping_problems(cfg, folder, name="test-map") -> tuple[str, list[str]]:
    with pytest.raises(ees.MappingError) as e:
        ees.load_mapping(name, cfg, folder)
    return str(e.value), e.value.problems


def test_unknown_indicator_in_a_mapping_names_the_file_the_field_and_the_nearest_id(cfg, tmp_path):
    text, problems = mapping_problems(cfg, write_mapping(tmp_path, indicator="dfe_ehcp_20wks"))
    assert text.startswith(f"The EES mapping {tmp_path / 'test-map.yaml'} has 1 problem(s):")
    assert problems == ['field columns.no_exc_20week_rate: "dfe_ehcp_20wks" is not a known indicator id; did you mean '
                        '"dfe_ehcp_20wk"? (the ids are in config/indicators.yaml and on the About the indicators page)']


def test_mapping_whose_time_identifier_does_not_fit_the_indicator(cfg, tmp_path):
    _, problems = mapping_problems(cfg, write_mapping(tmp_path, time="Financial year"))
    assert problems == ['field columns.no_exc_20week_rate: dfe_ehcp_20wk is reported by calendar year, but time_identifier '
                        'is "Financial year"; map a calendar year column to it, or change time_identifier']


def test_mapping_with_an_unknown_field_or_time_identifier(cfg, tmp_path):
    _, problems = mapping_problems(cfg, write_mapping(tmp_path, time="Fiscal year", extra="vintage: 2024\n"))
    assert problems == [
        'field time_identifier: "Fiscal year" is not a time_identifier the dashboard can load; use one of Calendar year, Financial year, Academic year',
        "field vintage: is not a known field; the fields are name, description, source, time_identifier, filters, columns, notes",
    ]


def test_mapping_name_must_match_its_file_and_fields_are_required(cfg, tmp_path):
    write_mapping(tmp_path, name="other-name", file_name="test-map")
    _, problems = mapping_problems(cfg, tmp_path)
    assert problems == ['field name: "other-name" differs from the file name test-map.yaml; name the file other-name.yaml or set name: test-map']
    (tmp_path / "test-map.yaml").write_text("name: test-map\ncolumns: {}\n")
    _, problems = mapping_problems(cfg, tmp_path)
    assert problems == ["field description: is required but missing", "field source: is required but missing",
                        "field time_identifier: is required but missing",
                        "field columns: needs at least one entry"]


def test_mapping_with_one_indicator_from_two_columns(cfg, tmp_path):
    write_mapping(tmp_path, extra="  no_exc_rate_again: dfe_ehcp_20wk\n")
    _, problems = mapping_problems(cfg, tmp_path)
    assert problems == ["field columns: indicator dfe_ehcp_20wk is the target of more than one column; each indicator can come from one column"]


# ---------------------------------------------------------------- what loads

def test_timeliness_file_loads_national_regional_and_local_authority_rows(empty_conn, cfg):
    result, written = loaded(empty_conn, cfg, fixture("sen2_timeliness.csv"), name="sen2_timeliness.csv")
    assert result.rows_read == 27
    assert written.new == 50 and written.changed == 0
    for area, years in PUBLISHED_20WK.items():
        for year, value in years.items():
            assert stored(empty_conn, "dfe_ehcp_20wk", area, year) == (value, None, None, SOURCE, "published")
    assert stored(empty_conn, "dfe_ehcp_20wk_inc", "E06000047", "2021")[0] == 47.4
    row = empty_conn.execute("SELECT period_start, period_end FROM observations WHERE area_code = 'E92000001' AND period = '2022' "
                             "AND indicator_id = 'dfe_ehcp_20wk'").fetchone()
    assert [str(d) for d in row] == ["2022-01-01", "2022-12-31"]
    upload = store.uploads(empty_conn).iloc[0]
    assert (upload.kind, upload.file_name, upload.user_name) == ("import", "sen2_timeliness.csv", "tester")
    assert upload.note == "EES import, mapping sen2-timeliness"
    assert len(upload.content_hash) == 64


def test_rows_match_the_store_columns_exactly(empty_conn, cfg):
    result = ees.read_ees(fixture("sen2_timeliness.csv"), "f.csv", "sen2-timeliness", cfg, store.areas(empty_conn), release="2024")
    assert list(result.rows.columns) == store.OBS_COLUMNS
    first = result.rows.iloc[0].to_dict()
    assert first["period"] == "2018" and str(first["period_start"]) == "2018-01-01"
    assert first["marker"] is None and first["note"] is None and math.isnan(first["numerator"])
    assert first["source"] == f"{SOURCE}, release 2024"


def test_an_area_not_yet_known_is_added_with_its_name_level_and_codes(empty_conn, cfg):
    result, _ = loaded(empty_conn, cfg, fixture("sen2_timeliness.csv"))
    assert result.new_areas == [("E06000005", "Darlington", "local_authority", "841", "E12000001")]
    assert empty_conn.execute("SELECT * FROM areas WHERE code = 'E06000005'").fetchone() == (
        "E06000005", "Darlington", "local_authority", "841", "E12000001")


def test_new_national_and_regional_areas_are_named_from_the_file(empty_conn, cfg):
    data = ees_file("2022,Calendar year,National,W92000004,Wales,,,,,,50.0,x",
                    "2022,Calendar year,Regional,E92000001,England,E12000002,North West,,,,60.0,x")
    result, _ = loaded(empty_conn, cfg, data)
    assert result.new_areas == [("W92000004", "Wales", "national", None, None),
                                ("E12000002", "North West", "regional", None, None)]


def test_suppressed_cells_are_stored_as_missing_with_their_marker(empty_conn, cfg):
    result, _ = loaded(empty_conn, cfg, fixture("sen2_timeliness.csv"))
    assert result.markers == {"c": 2, "x": 20}
    assert stored(empty_conn, "dfe_ehcp_20wk", "E06000005", "2019")[:2] == (None, "c")
    assert stored(empty_conn, "dfe_ehcp_20wk_inc", "E06000005", "2021")[:2] == (None, "x")
    assert stored(empty_conn, "dfe_ehcp_20wk", "E06000005", "2021")[:2] == (80.0, None)  # illustrative


def test_every_ees_suppression_symbol_is_kept(empty_conn, cfg):
    rows = [f"{year},Calendar year,National,E92000001,England,,,,,,{marker},{marker}"
            for year, marker in zip(range(2015, 2022), ["x", "z", "c", "low", "u", "~", ":"])]
    result, _ = loaded(empty_conn, cfg, ees_file(*rows))
    assert result.markers == {":": 2, "c": 2, "low": 2, "u": 2, "x": 2, "z": 2, "~": 2}
    assert empty_conn.execute("SELECT count(*) FROM observations WHERE value IS NULL AND marker IS NOT NULL").fetchone()[0] == 14


def test_filter_keeps_the_total_rows_and_counts_the_rest(empty_conn, cfg):
    result, _ = loaded(empty_conn, cfg, fixture("sen2_timeliness.csv"))
    assert result.skipped == {"rows whose breakdown is not Total or All EHC plans (the mapping's filter)": 2}
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2022")[0] == 49.2  # not the "Age under 5" 55.0


def test_a_filter_whose_column_is_not_in_the_file_is_not_needed(empty_conn, cfg):
    result, _ = loaded(empty_conn, cfg, ees_file(f"{ENGLAND},49.2,x"))
    assert result.notes == ["The file has no breakdown column, so the mapping's filter on it was not needed."]


def test_other_geographic_levels_are_skipped_and_counted_not_refused(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},49.2,x",
                    "2022,Calendar year,Parliamentary constituency,E92000001,England,,,,,,abc,x",
                    "2022,Calendar year,Parliamentary constituency,E92000001,England,,,,,,12,x",
                    "2022,Calendar year,Local authority district,E92000001,England,,,,,,12,x")
    result, written = loaded(empty_conn, cfg, data)
    assert written.new == 2
    assert result.skipped == {
        'rows at geographic level "Parliamentary constituency" (only National, Regional and Local authority rows are loaded)': 2,
        'rows at geographic level "Local authority district" (only National, Regional and Local authority rows are loaded)': 1,
    }


def test_requests_file_loads_the_real_counts(empty_conn, cfg):
    _, written = loaded(empty_conn, cfg, fixture("sen2_requests.csv"), mapping="sen2-requests")
    assert written.new == 11
    got = dict(((a, p), v) for a, p, v in empty_conn.execute(
        "SELECT area_code, period, value FROM observations WHERE indicator_id = 'dfe_ehc_requests'").fetchall())
    assert got[("E92000001", "2016")] == 55235 and got[("E92000001", "2022")] == 114482
    assert got[("E06000047", "2016")] == 438 and got[("E06000047", "2022")] == 965
    assert got[("E06000003", "2016")] == 212 and got[("E06000003", "2022")] == 115


def test_what_real_files_look_like_is_tolerated(empty_conn, cfg):
    """A byte-order mark, Windows line endings, headers with stray spaces and capitals, values with spaces,
    a level in other capitals, a thousands separator, and a trailing empty line."""
    header = " Time_Period ,TIME_IDENTIFIER,geographic_level , country_code,country_name,region_code,region_name,old_la_code,New LA Code,la_name"
    text = (f"{header}, inreq_ehc \r\n"
            " 2022 , calendar year ,LOCAL AUTHORITY,E92000001,England,E12000001,North East, 840 , E06000047 ,County Durham, 965 \r\n"
            '2022,Calendar year,National,E92000001,England,,,,,,"114,482"\r\n\r\n')
    _, written = loaded(empty_conn, cfg, b"\xef\xbb\xbf" + text.encode(), mapping="sen2-requests")
    assert written.new == 2
    assert stored(empty_conn, "dfe_ehc_requests", "E06000047", "2022")[0] == 965
    assert stored(empty_conn, "dfe_ehc_requests", "E92000001", "2022")[0] == 114482


def test_academic_year_time_period_202324_is_read_as_2023_24(empty_conn, cfg, tmp_path):
    write_mapping(tmp_path, name="exclusions", time="Academic year", column="perm_excl", indicator="perm_excl_ehcp")
    mapping = ees.load_mapping("exclusions", cfg, tmp_path)
    data = ees_file("202324,Academic year,Local authority,E92000001,England,E12000001,North East,840,E06000047,County Durham,12",
                    columns="perm_excl")  # an illustrative count
    result = ees.read_ees(data, "excl.csv", mapping, cfg, store.areas(empty_conn))
    assert result.ok, [str(p) for p in result.problems]
    row = result.rows.iloc[0]
    assert (row.period, str(row.period_start), str(row.period_end)) == ("2023-24", "2023-09-01", "2024-08-31")


# ---------------------------------------------------------------- releases and vintages

def test_a_revised_release_keeps_the_earlier_vintage_in_the_history(empty_conn, cfg):
    # England 2022 was first published as 50.7 and revised to 49.2 a release later (the release names are ours).
    loaded(empty_conn, cfg, fixture("sen2_timeliness_first_2022.csv"), release="2023")
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2022")[0] == 50.7
    result, written = loaded(empty_conn, cfg, fixture("sen2_timeliness_revised_2022.csv"), release="2024")
    assert (written.new, written.changed) == (2, 1)  # 2023's two figures are new; 2022's rate is revised
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2022") == (
        49.2, None, "revised in release 2024; previously 50.7", f"{SOURCE}, release 2024", "published")
    history = empty_conn.execute("SELECT value, source, replaced_by FROM observation_history WHERE indicator_id = 'dfe_ehcp_20wk' "
                                 "AND area_code = 'E92000001' AND period = '2022'").fetchall()
    assert history == [(50.7, f"{SOURCE}, release 2023", written.upload_id)]
    # Figures the later release did not change keep the release that first published them.
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2021")[3] == f"{SOURCE}, release 2023"
    assert stored(empty_conn, "dfe_ehcp_20wk_inc", "E92000001", "2022")[3] == f"{SOURCE}, release 2023"


def test_a_revision_can_be_rolled_back_to_the_earlier_vintage(empty_conn, cfg):
    loaded(empty_conn, cfg, fixture("sen2_timeliness_first_2022.csv"))
    _, written = loaded(empty_conn, cfg, fixture("sen2_timeliness_revised_2022.csv"))
    store.rollback(empty_conn, written.upload_id, "tester")
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2022")[0] == 50.7
    assert stored(empty_conn, "dfe_ehcp_20wk", "E92000001", "2023") is None


def test_figures_already_stored_are_left_as_they_are(conn, cfg):
    """The sample database holds the published figures with their notes; a release restating them changes
    none of them (England 2022 keeps its note), and only Darlington and the missing rates are new."""
    before = stored(conn, "dfe_ehcp_20wk", "E92000001", "2022")
    preview = ees.check_ees(conn, cfg, fixture("sen2_timeliness.csv"), "sen2_timeliness.csv", "sen2-timeliness", release="2024")
    assert preview.counts == {"new": 29, "changed": 0, "unchanged": 21}
    written = ees.commit_ees(conn, preview, "tester")
    assert (written.new, written.changed) == (29, 0)
    assert stored(conn, "dfe_ehcp_20wk", "E92000001", "2022") == before
    assert before[2] == "revised; first published as 50.7"


def test_the_same_file_twice_changes_nothing_the_second_time(empty_conn, cfg):
    loaded(empty_conn, cfg, fixture("sen2_requests.csv"), mapping="sen2-requests")
    before = store.table_snapshot(empty_conn)
    result, written = loaded(empty_conn, cfg, fixture("sen2_requests.csv"), mapping="sen2-requests")
    assert written == store.WriteSummary(None, 0, 0, 11)
    assert store.table_snapshot(empty_conn) == before


def test_the_preview_works_with_the_upload_pages_change_table(empty_conn, cfg):
    loaded(empty_conn, cfg, fixture("sen2_timeliness_first_2022.csv"))
    preview = ees.check_ees(empty_conn, cfg, fixture("sen2_timeliness_revised_2022.csv"), "r.csv", "sen2-timeliness")
    assert "To be written: 2 new, 1 revised, 1 unchanged; nothing is written until you confirm." in ees.summary_lines(preview)
    table = uploads.change_table(preview, cfg)
    changed = table[table["change"] == "changed"].iloc[0]
    assert (changed["area"], changed["period"], changed["old value"], changed["new value"]) == ("E92000001", "2022", "50.7%", "49.2%")


# ---------------------------------------------------------------- what is refused: every problem, nothing written

def test_missing_ees_columns_are_refused(empty_conn, cfg):
    data = b"time_period,geographic_level,country_code,no_exc_20week_rate\n2022,National,E92000001,49.2\n"
    assert refused(empty_conn, cfg, data) == [
        "row 1, column time_identifier: the required EES column time_identifier is missing; an EES open-data file has "
        "time_period, time_identifier and geographic_level columns. Is this a file from explore-education-statistics.service.gov.uk?",
        "row 1, column inc_exc_20week_rate: the column inc_exc_20week_rate (loaded as dfe_ehcp_20wk_inc) is missing; the mapping "
        "sen2-timeliness needs no_exc_20week_rate, inc_exc_20week_rate. Check the file is the one this mapping is for",
    ]


def test_a_missing_indicator_column_suggests_the_nearest_header(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},49.2,x", columns="no_exc_20week_rate,inc_exc_20wk_rate")
    assert refused(empty_conn, cfg, data) == [
        'row 1, column inc_exc_20week_rate: the column inc_exc_20week_rate (loaded as dfe_ehcp_20wk_inc) is missing; did you mean '
        '"inc_exc_20wk_rate"?; the mapping sen2-timeliness needs no_exc_20week_rate, inc_exc_20week_rate. Check the file is the one this mapping is for',
    ]


def test_a_geographic_code_missing_for_its_level_is_refused(empty_conn, cfg):
    data = ees_file("2022,Calendar year,National,,England,,,,,,49.2,x",
                    "2022,Calendar year,Regional,E92000001,England,,North East,,,,57.8,x",
                    "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,841,,Darlington,41.0,x",
                    "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,841,E0600005,Darlington,41.0,x",
                    "2022,Calendar year,Local authority,E92000001,England,E12000001,North East,841,E06000005,,41.0,x",
                    "2022,Calendar year,,E92000001,England,,,,,,49.2,x")
    assert refused(empty_conn, cfg, data) == [
        "row 2, column country_code: is empty; a National row needs its ONS code in country_code, e.g. E92000001",
        "row 3, column region_code: is empty; a Regional row needs its ONS code in region_code, e.g. E12000001",
        "row 4, column new_la_code: is empty; a Local authority row needs its ONS code in new_la_code, e.g. E06000047",
        'row 5, column new_la_code: "E0600005" is not an ONS area code; they are a letter E, W, S or N and 8 digits, e.g. E06000047',
        "row 6, column la_name: is empty; E06000005 is not an area the dashboard knows yet, and its name is needed to add it",
        "row 7, column geographic_level: is empty; use National, Regional or Local authority",
    ]


def test_a_level_without_its_code_column_is_refused_once(empty_conn, cfg):
    header = "time_period,time_identifier,geographic_level,country_code,country_name"
    data = ees_file("2022,Calendar year,National,E92000001,England,49.2,x",
                    "2022,Calendar year,Regional,E92000001,England,57.8,x",
                    "2021,Calendar year,Regional,E92000001,England,71.8,x", header=header)
    assert refused(empty_conn, cfg, data) == [
        "row 1, column region_code: the file has Regional rows (the first is row 3) but no region_code column, which gives their ONS code",
    ]


def test_values_that_are_not_numbers_or_out_of_range_are_refused(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},49.2%,n/a",
                    f"{NORTH_EAST},,101.5",
                    f"{DURHAM},-3,29.2")
    assert refused(empty_conn, cfg, data) == [
        'row 2, column inc_exc_20week_rate: "n/a" is not a number; give a number, or a symbol for a missing figure: '
        "x (not available), z (not applicable), c (confidential), low (rounds to zero) or u (low reliability)",
        "row 3, column no_exc_20week_rate: is empty; an EES file marks a missing figure with a symbol: "
        "x (not available), z (not applicable), c (confidential), low (rounds to zero) or u (low reliability)",
        "row 3, column inc_exc_20week_rate: 101.5 is outside 0–100; inc_exc_20week_rate is loaded as dfe_ehcp_20wk_inc, a percentage",
        "row 4, column no_exc_20week_rate: -3 is outside 0–100; no_exc_20week_rate is loaded as dfe_ehcp_20wk, a percentage",
    ]


def test_a_negative_count_is_refused(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},-5", columns="inreq_ehc")
    assert refused(empty_conn, cfg, data, mapping="sen2-requests") == [
        "row 2, column inreq_ehc: -5 is negative; inreq_ehc is loaded as dfe_ehc_requests, a count, which cannot be below 0",
    ]


def test_a_time_period_that_does_not_parse_is_refused(empty_conn, cfg):
    data = ees_file("202223,Calendar year,National,E92000001,England,,,,,,49.2,x",
                    "22,Calendar year,National,E92000001,England,,,,,,49.2,x")
    assert refused(empty_conn, cfg, data) == [
        'row 2, column time_period: "202223" is a year running across two calendar years (financial or academic); '
        'dfe_ehcp_20wk and dfe_ehcp_20wk_inc are reported by calendar year, e.g. "2022"',
        'row 3, column time_period: "22" is not a period label; dfe_ehcp_20wk and dfe_ehcp_20wk_inc are reported by calendar year, e.g. "2022"',
    ]


def test_a_time_identifier_that_does_not_fit_the_indicators_is_refused_once_per_value(empty_conn, cfg):
    data = ees_file("202223,Financial year,National,E92000001,England,,,,,,49.2,x",
                    "202122,Financial year,National,E92000001,England,,,,,,59.9,x",
                    "2022,,Regional,E92000001,England,E12000001,North East,,,,57.8,x")
    assert refused(empty_conn, cfg, data) == [
        'row 2, column time_identifier: "Financial year" does not fit the mapping sen2-timeliness: it loads dfe_ehcp_20wk and '
        'dfe_ehcp_20wk_inc, reported by calendar year, so every row must say "Calendar year" (2 rows say so; the first is shown). '
        "Choose the mapping made for this file",
        'row 4, column time_identifier: is empty; the mapping sen2-timeliness expects "Calendar year"',
    ]


def test_the_same_figure_twice_with_different_values_is_refused(empty_conn, cfg):
    # Renaming the filter column leaves the file's "Age under 5" rows unfiltered: they repeat England and Durham 2022.
    text = fixture("sen2_timeliness.csv").decode().replace(",breakdown,", ",age_group,", 1)
    assert refused(empty_conn, cfg, text.encode()) == [
        "row 27, column no_exc_20week_rate: dfe_ehcp_20wk for E92000001 (England) in 2022 is also on row 22 with a different "
        "figure (49.2 there, 55 here); if the file splits rows by a filter column (such as age), add it to the mapping's "
        "filters to keep one breakdown",
        "row 27, column inc_exc_20week_rate: dfe_ehcp_20wk_inc for E92000001 (England) in 2022 is also on row 22 with a "
        "different figure (x there, 52 here); if the file splits rows by a filter column (such as age), add it to the "
        "mapping's filters to keep one breakdown",
        "row 28, column no_exc_20week_rate: dfe_ehcp_20wk for E06000047 (County Durham) in 2022 is also on row 24 with a "
        "different figure (29.2 there, 35 here); if the file splits rows by a filter column (such as age), add it to the "
        "mapping's filters to keep one breakdown",
    ]


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},49.2,x", "", f"{NORTH_EAST},abc,x")
    assert [p.split(":")[0] for p in refused(empty_conn, cfg, data)] == ["row 4, column no_exc_20week_rate"]


def test_a_column_twice_is_refused(empty_conn, cfg):
    data = ees_file(f"{ENGLAND},49.2,x,50", columns=f"{RATES},No_Exc_20week_rate")
    assert refused(empty_conn, cfg, data) == ["row 1, column no_exc_20week_rate: the column no_exc_20week_rate appears more than once; keep one"]


def test_a_published_figure_replacing_an_illustrative_one_says_so(conn, cfg):
    # The sample's local ehc_requests series is illustrative; dfe_ehc_requests is published. Here a figure stored as
    # illustrative for the DfE indicator is confirmed by the release with the same value.
    conn.execute("UPDATE observations SET figure_type = 'illustrative' WHERE indicator_id = 'dfe_ehc_requests' "
                 "AND area_code = 'E06000047' AND period = '2022'")
    preview = ees.check_ees(conn, cfg, fixture("sen2_requests.csv"), "r.csv", "sen2-requests", release=" 2024 ")
    assert preview.counts == {"new": 0, "changed": 1, "unchanged": 10}
    ees.commit_ees(conn, preview, "tester")
    assert stored(conn, "dfe_ehc_requests", "E06000047", "2022") == (
        965.0, None, "published in release 2024; previously stored as illustrative", f"{SOURCE}, release 2024", "published")


def test_identical_repeats_are_harmless(empty_conn, cfg):
    _, written = loaded(empty_conn, cfg, ees_file(f"{ENGLAND},49.2,x", f"{ENGLAND},49.2,x"))
    assert written.new == 2


def test_every_problem_in_a_file_is_listed_at_once(empty_conn, cfg):
    data = ees_file("2022,Calendar year,National,E92000001,England,,,,,,abc,x",
                    "2022,Calendar year,Parliamentary constituency,E92000001,England,,,,,,abc,x",
                    "20x2,Calendar year,Local authority,E92000001,England,E12000001,North East,841,E06000005,,120,x")
    assert refused(empty_conn, cfg, data) == [
        'row 2, column no_exc_20week_rate: "abc" is not a number; give a number, or a symbol for a missing figure: '
        "x (not available), z (not applicable), c (confidential), low (rounds to zero) or u (low reliability)",
        'row 4, column time_period: "20x2" is not a period label; dfe_ehcp_20wk and dfe_ehcp_20wk_inc are reported by calendar year, e.g. "2022"',
        "row 4, column la_name: is empty; E06000005 is not an area the dashboard knows yet, and its name is needed to add it",
        "row 4, column no_exc_20week_rate: 120 is outside 0–100; no_exc_20week_rate is loaded as dfe_ehcp_20wk, a percentage",
    ]


def test_empty_binary_and_header_only_files_are_refused(empty_conn, cfg):
    assert refused(empty_conn, cfg, b"") == ["bad.csv is empty; an EES open-data CSV has a header row and rows of figures."]
    assert refused(empty_conn, cfg, b"PK\x03\x04\x00\x00binary") == [
        "bad.csv is not a CSV file (it looks like Excel, a zip or another binary file); download the data set as CSV "
        "from explore-education-statistics.service.gov.uk and use that."]
    assert refused(empty_conn, cfg, ees_file()) == ["the file has a header row but no figures under it"]


def test_a_file_with_only_out_of_scope_rows_is_refused_and_says_why(empty_conn, cfg):
    data = ees_file("2022,Calendar year,Parliamentary constituency,E92000001,England,,,,,,50,x")
    assert refused(empty_conn, cfg, data) == [
        'no rows are left to load: 1 rows at geographic level "Parliamentary constituency" (only National, Regional and '
        "Local authority rows are loaded)"]


# ---------------------------------------------------------------- the command line functions

def parse(*argv):
    parser = argparse.ArgumentParser(prog="python -m indicators import-ees")
    ees.add_cli_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_imports_and_prints_a_summary(empty_conn, cfg, capsys):
    args = parse(str(FIX / "sen2_timeliness.csv"), "--mapping", "sen2-timeliness", "--release", "2024", "--user", "analyst")
    assert ees.run_cli(args, cfg, empty_conn) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"sen2_timeliness.csv: EES open data, mapping sen2-timeliness; source stored: {SOURCE}, release 2024.",
        "Rows read: 27; figures: 50; 22 suppressed cell(s) kept as missing with their marker (c ×2, x ×20).",
        "Skipped 2 rows whose breakdown is not Total or All EHC plans (the mapping's filter).",
        "Areas added (1): E06000005 Darlington (local authority).",
        "Loaded as upload 1: 50 new, 0 revised, 0 unchanged.",
    ]
    assert store.uploads(empty_conn).iloc[0].user_name == "analyst"


def test_cli_lists_revised_figures(empty_conn, cfg, capsys):
    assert ees.run_cli(parse(str(FIX / "sen2_timeliness_first_2022.csv"), "--mapping", "sen2-timeliness"), cfg, empty_conn) == 0
    capsys.readouterr()
    assert ees.run_cli(parse(str(FIX / "sen2_timeliness_revised_2022.csv"), "--mapping", "sen2-timeliness", "--release", "2024"), cfg, empty_conn) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == ["Loaded as upload 2: 2 new, 1 revised, 1 unchanged.",
                        "Revised figures (the earlier figures stay in the history):",
                        "  dfe_ehcp_20wk, England (E92000001), 2022: 50.7 → 49.2"]


def test_cli_dry_run_writes_nothing(empty_conn, cfg, capsys):
    before = store.table_snapshot(empty_conn)
    args = parse(str(FIX / "sen2_requests.csv"), "--mapping", "sen2-requests", "--dry-run")
    assert ees.run_cli(args, cfg, empty_conn) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Dry run: 11 new, 0 revised, 0 unchanged; nothing was written."
    assert store.table_snapshot(empty_conn) == before


def test_cli_prints_each_problem_by_row_and_column_and_writes_nothing(empty_conn, cfg, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ees_file(f"{ENGLAND},-5", columns="inreq_ehc"))
    before = store.table_snapshot(empty_conn)
    assert ees.run_cli(parse(str(bad), "--mapping", "sen2-requests"), cfg, empty_conn) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "row 2, column inreq_ehc: -5 is negative; inreq_ehc is loaded as dfe_ehc_requests, a count, which cannot be below 0"]
    assert captured.err.strip() == "bad.csv: 1 problem(s); nothing was loaded."
    assert store.table_snapshot(empty_conn) == before


def test_cli_missing_file_and_unknown_mapping(empty_conn, cfg, capsys, tmp_path):
    assert ees.run_cli(parse(str(tmp_path / "nope.csv"), "--mapping", "sen2-requests"), cfg, empty_conn) == 1
    assert "nope.csv: cannot be read (No such file or directory); check the path." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("f.csv", "--mapping", "sen2-timelines")
    err = capsys.readouterr().err
    assert "argument --mapping: invalid choice: 'sen2-timelines'" in err
    assert "sen2-requests" in err and "sen2-timeliness" in err
