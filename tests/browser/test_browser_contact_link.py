"""The accessibility statement's contact: an e-mail address given in KPI_ACCESSIBILITY_CONTACT is a mailto: link, and
copies exactly as written (no invisible word joiner inside it); the rest of the text stays text."""

from __future__ import annotations

import shutil

import pytest

from pages.common import WORD_JOINER
from tests.browser.conftest import UI, streamlit_server

CONTACT = "SEND performance team: send.performance@durham.gov.uk or 03000 123 456 ![a](http://127.0.0.1:9/c.png)"


@pytest.fixture(scope="module")
def contact_server(chromium_path, sample_db_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("contact")
    db = folder / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, folder, env={"KPI_ACCESSIBILITY_CONTACT": CONTACT}) as server:
        yield server


def test_the_accessibility_contact_is_a_mailto_link_that_copies_as_written(tab, contact_server):
    ui = UI(tab(1366, 900), contact_server.url)
    page = ui.open("/statement")
    link = page.locator("a[href^='mailto:']")
    assert link.count() == 1
    assert link.get_attribute("href") == "mailto:send.performance@durham.gov.uk"
    assert link.evaluate("e => e.textContent") == "send.performance@durham.gov.uk"  # no U+2060 inside
    item = page.locator("li").filter(has=link)
    text = item.evaluate("e => e.textContent")
    assert text.replace(WORD_JOINER, "") == CONTACT
    assert page.locator("img[src*='127.0.0.1:9']").count() == 0
    link.scroll_into_view_if_needed()
    ui.screenshots("statement-contact", 1366, 900)
