"""The provider scorecard in a real browser: every sample provider by the five domains in words (not colour alone),
reached and opened by keyboard alone, and no axe violation on the grid or a provider's own page."""

from playwright.sync_api import expect

from indicators import config as config_mod
from tests.browser.conftest import DURHAM

DOMAINS = list(config_mod.DOMAINS.values())
PROVIDERS = [
    "Northern Children's Therapies CIC (illustrative)",
    "Brightwater Short Breaks Ltd (illustrative)",
    "Wearside Travel Training Trust (illustrative)",
]


def test_the_grid_shows_every_sample_provider_by_the_five_domains_in_words(ui):
    page = ui.open(f"/providers?area={DURHAM}", ready="table.provider-grid")
    grid = page.locator("table.provider-grid")
    headers = grid.locator("thead th").all_inner_texts()
    assert headers == ["Provider", "Latest quarter", *DOMAINS]
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(3)
    for i, name in enumerate(PROVIDERS):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert rows.nth(i).locator("th").inner_text() == name
        assert len(cells) == 6 and cells[0] == "2026-27 Q1 (Apr–Jun 2026)"
        for cell in cells[1:]:  # every domain's cell says its RAG in a word and a symbol, and how many measures
            assert cell.split("\n")[0] in ("✔ Green", "▲ Amber", "✖ Red"), cell
            assert " of 2 " in cell, cell
    expect(page.get_by_text("These providers and their figures are illustrative")).to_be_visible()
    # The banner every screen starts with: how old the figures are and that they are sample data.
    expect(page.get_by_text("Figures up to 2026-27 Q1 (Apr–Jun 2026)")).to_be_visible()
    expect(page.get_by_text("Sample data", exact=True)).to_be_visible()
    ui.screenshots("provider-scorecard", 1366, 768)


def test_keyboard_alone_opens_a_providers_own_page(ui, axe_js):
    page = ui.open(f"/providers?area={DURHAM}", ready="table.provider-grid")
    link = page.get_by_role("link", name=PROVIDERS[2])
    for _ in range(60):  # Tab through the page until the provider's link has focus
        page.keyboard.press("Tab")
        if link.evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError("the provider's link never took focus by Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(PROVIDERS[2])
    ui.idle()
    for domain in DOMAINS:
        expect(page.get_by_role("heading", name=domain, exact=True)).to_be_visible()
    vacancy = page.locator("table.provider-measures tr", has_text="Staff vacancy rate")
    expect(vacancy).to_contain_text("16.5%")
    expect(vacancy).to_contain_text("✖ Red")
    expect(vacancy).to_contain_text("two trainer posts unfilled")
    assert ui.axe(axe_js, "provider-own-page") == []
    ui.screenshots("provider-own-page", 1366, 768)


def test_the_grid_page_is_axe_clean(ui, axe_js):
    ui.open(f"/providers?area={DURHAM}", ready="table.provider-grid")
    assert ui.axe(axe_js, "provider-scorecard") == []
