"""Deep links work on a freshly started server, where Streamlit's legacy pages/ discovery answers the first request
(each file in pages/ hands over to app.py, which opens the page the address names), with no "Page not found"."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.conftest import UI, streamlit_server

LINKS = [
    (
        "/indicator?indicator=send_neet&area=E06000003",
        "h1",
        "Young people with SEND not in education, employment or training (NEET)",
    ),
    ("/scorecard", "h1", "SEND scorecard — County Durham"),
    ("/present?slide=3", ".slide h1", "New EHC plans issued within 20 weeks"),
    ("/scorecard_page?area=E06000003", "h1", "SEND scorecard — Redcar and Cleveland"),
]


@pytest.mark.parametrize("path, ready, heading", LINKS, ids=[p for p, _, _ in LINKS])
def test_a_deep_link_is_the_first_request_to_a_new_server(sample_db_template, tmp_path, tab, path, ready, heading):
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, tmp_path) as server:  # a new process: this is its first request
        page = UI(tab(1366, 768), server.url).open(path, ready=ready)  # fails on a "Page not found" dialog
        assert page.locator(ready).first.inner_text() == heading
        assert "area=E06000003" in page.url or "E06000003" not in path
