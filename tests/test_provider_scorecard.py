"""The balanced provider scorecard: every sample provider by the five domains, and a provider's quarterly return
through the same upload as any other (the one validator, a preview, all-or-nothing, rollback)."""

import duckdb
from streamlit.testing.v1 import AppTest

from indicators import provider_scorecard, store, uploads
from indicators.config import DOMAINS, ROOT
from pages.common import unplain
from tests.conftest import ADMIN, lead

RETURN = (
    "indicator,area,period,value,note\n"
    "bps_staff_vacancies,ZZP03,2026-27 Q2,12.5,Two trainers started in August\n"
    "bps_seen_in_timescale,Wearside Travel Training Trust (illustrative),2026-27 Q2,81,\n"
)


def test_the_grid_shows_every_sample_provider_by_the_five_domains(conn, cfg):
    grid = provider_scorecard.grid(provider_scorecard.provider_rows(conn, cfg, "E06000047"))
    assert list(grid["Provider"]) == [
        "Northern Children's Therapies CIC (illustrative)",
        "Brightwater Short Breaks Ltd (illustrative)",
        "Wearside Travel Training Trust (illustrative)",
    ]
    assert grid.loc[2, list(DOMAINS.values())].tolist() == [
        "✖ Red (1 of 2 red)",
        "▲ Amber (1 of 2 amber)",
        "✖ Red (2 of 2 red)",
        "✔ Green (2 of 2 green)",
        "✖ Red (2 of 2 red)",
    ]
    rows = provider_scorecard.provider_rows(conn, cfg, "E06000047")
    vac = rows[(rows["provider"] == "ZZP03") & (rows["indicator_id"] == "bps_staff_vacancies")].iloc[0]
    assert (vac["value_text"], vac["rag_text"], vac["period_display"]) == ("16.5%", "✖ Red", "2026-27 Q1 (Apr–Jun 2026)")
    assert vac["commentary"] == "Illustrative: two trainer posts unfilled after three rounds; escalated to the group."


def test_a_providers_return_previews_loads_and_rolls_back(conn, cfg):
    who = lead("bps_staff_vacancies", "bps_seen_in_timescale", name="commissioner@example.org")
    before = store.table_snapshot(conn)
    preview = uploads.check(conn, cfg, RETURN.encode(), "zzp03-q2.csv", who)
    assert preview.result.ok, [str(p) for p in preview.result.problems]
    assert preview.counts["new"] == 2 and store.table_snapshot(conn) == before  # nothing written by the preview
    written = uploads.commit(conn, preview, who)
    rows = provider_scorecard.provider_rows(conn, cfg, "E06000047")
    vac = rows[(rows["provider"] == "ZZP03") & (rows["indicator_id"] == "bps_staff_vacancies")].iloc[0]
    assert (vac["value_text"], vac["rag_text"], vac["trend"], vac["commentary"]) == (
        "12.5%",
        "✖ Red",
        "↑ Improving",
        "Two trainers started in August",
    )
    store.rollback(conn, written.upload_id, ADMIN)
    rows = provider_scorecard.provider_rows(conn, cfg, "E06000047")
    vac = rows[(rows["provider"] == "ZZP03") & (rows["indicator_id"] == "bps_staff_vacancies")].iloc[0]
    assert vac["value_text"] == "16.5%"


def test_a_provider_measure_for_a_council_and_a_council_measure_for_a_provider_are_refused(conn, cfg):
    who = lead("bps_staff_vacancies", "ehcp_20wk", name="commissioner@example.org")
    data = b"indicator,area,period,value\nbps_staff_vacancies,County Durham,2026-27 Q2,12.5\nehcp_20wk,ZZP03,2026-27 Q2,50\n"
    before = store.table_snapshot(conn)
    preview, written = uploads.load_file(conn, cfg, data, "mixed.csv", who)
    assert written is None and store.table_snapshot(conn) == before
    assert [str(p) for p in preview.result.problems] == [
        "row 2, column area: bps_staff_vacancies is a measure of the provider scorecard, reported for a commissioned "
        "provider; E06000047 is not one. Give the provider's code or name",
        "row 3, column area: ZZP03 is a commissioned provider; ehcp_20wk is reported for a local area, not a provider. "
        "Give a local area such as County Durham",
    ]


def test_the_upload_page_loads_a_providers_return_with_preview_and_confirm(db_path, monkeypatch):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("zzp03-q2.csv", RETURN.encode(), "text/csv")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "To be written: 2 new, 0 changed, 0 unchanged" in unplain(at.info[0].value)
    at.button(key="confirm").click().run()
    assert unplain(at.success[0].value).startswith("Loaded zzp03-q2.csv as upload ")
    c = duckdb.connect(str(db_path))
    assert c.execute(
        "SELECT value, note, figure_type FROM observations WHERE indicator_id='bps_staff_vacancies' AND area_code='ZZP03' "
        "AND period='2026-27 Q2'"
    ).fetchone() == (12.5, "Two trainers started in August", "submitted")
    c.close()
