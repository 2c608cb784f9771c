"""A lead's own workbook in the real browser: the messy SALT return (title row, blank row, merged title cell,
percentage cells, notes row) is previewed with the header-row notice, a slip is confirmed before it can load, and the
Upload, Upload history and Returns pages are read whole at 1366×768 (screenshots kept in test-artifacts/)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, UI, streamlit_server
from tests.return_files import salt_workbook

# Every table and grid on the page: wider content than its box means columns cut off behind a sideways scroll.
FITS = """() => [...document.querySelectorAll('[data-testid=stTable] > div, [data-testid=stDataFrame] .dvn-scroller')]
  .filter(e => e.clientWidth > 0).map(e => [e.scrollWidth, e.clientWidth])"""


@pytest.fixture
def own_server(chromium_path, sample_db_template, tmp_path):
    """A server of its own on a copy of the sample: loading figures must not change what other tests see."""
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, tmp_path) as server:
        yield server


def shot(page, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-1366x768.png")
    page.screenshot(path=folder / f"{name}-1366-full.png", full_page=True)


def test_the_messy_salt_workbook_is_previewed_with_the_header_notice_and_a_slip_to_confirm(tab, own_server, tmp_path):
    book = tmp_path / "SALT return Q2 2026-27.xlsx"
    book.write_bytes(salt_workbook(values=(0.008, 0.7804)))  # 0.008 in a % cell is 0.8%: a slip for 80%
    ui = UI(tab(1366, 768), own_server.url)
    page = ui.open("/upload", ready="[data-testid=stFileUploaderDropzone]")
    page.locator("[data-testid=stFileUploaderDropzone] input[type=file]").set_input_files(str(book))
    notice = page.get_by_text('Header found in row 3; rows 1–2 ignored (row 1 "SALT quarterly return Q2 2026-27"; row 2 blank).')
    notice.wait_for(timeout=60_000)
    ui.idle()
    notice.scroll_into_view_if_needed()
    shot(page, "upload-notice")
    warning = page.get_by_test_id("stAlertContentWarning")
    assert "0.8 — did you mean 80%?" in warning.inner_text()
    confirm = page.get_by_role("button", name="Confirm: load 1 new and 1 changed figure(s)")
    assert confirm.is_disabled()
    page.get_by_role("tab", name="Changed (1)").click()
    ui.idle()
    shot(page.get_by_text("1 figure(s) look mistyped.").first.page, "upload-preview")
    page.get_by_role("checkbox", name="I have checked these 1 figure(s): they are right as typed").check(force=True)
    expect(confirm).to_be_enabled(timeout=30_000)
    ui.idle()
    confirm.click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded SALT return Q2 2026-27.xlsx as upload").wait_for(
        timeout=60_000
    )
    ui.idle()

    page = ui.open("/history")
    page.get_by_text("The figures each upload added or changed").wait_for()
    page.get_by_test_id("stExpander").first.click()
    # The upload's figures are drawn when its row opens (a rerun): its table waited for, and its opening.
    page.get_by_test_id("stExpander").first.get_by_test_id("stTable").wait_for(timeout=60_000)
    ui.idle()
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)",
        timeout=10_000,
    )
    fits = page.evaluate(FITS)
    assert fits and all(scroll <= client + 1 for scroll, client in fits), fits
    assert "None" not in page.get_by_test_id("stMain").inner_text()
    shot(page, "upload-history")

    page = ui.open("/returns")
    page.get_by_test_id("stTable").first.wait_for()
    ui.idle()
    page.wait_for_load_state("networkidle")
    assert "SALT routine referrals seen and assessed within 6 weeks" in page.get_by_test_id("stTable").first.inner_text()
    fits = page.evaluate(FITS)
    assert fits and all(scroll <= client + 1 for scroll, client in fits), fits
    shot(page, "returns")
