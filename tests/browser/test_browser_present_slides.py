"""The deck as the audience and the presenter see it, in a real browser at 1920×1080 and 1366×768: on every slide each
chart's title lies inside its chart, the slide title is not clipped, chart text is 24 px or more, and nothing meant
for the presenter (slide number, keys, notes) is on the audience's screen; the presenter view shows it; deck settings
open from a visible button by click and by keyboard; a slide change is announced through a live region that stays;
axe-core finds nothing serious or critical on any slide, on the projector or at 320 px."""

import pytest

from tests.browser.conftest import ARTIFACTS, REDCAR
from tests.browser.test_browser_accessibility import FAILING_IMPACTS

SIZES = [(1920, 1080), (1366, 768)]
PRESENTER_WORDS = ("Page Up", "Page Down", "to move", "Presenter view", "Next: ")

# Every chart on the screen: its box, its title's box and the smallest text in it.
CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.getBoundingClientRect().width > 0)
  .map(gd => {
    const box = gd.getBoundingClientRect();
    const title = gd.querySelector('.gtitle');
    const t = title && title.getBoundingClientRect();
    const sizes = [...gd.querySelectorAll('text')].filter(e => e.textContent.trim() && e.getClientRects().length)
      .map(e => parseFloat(getComputedStyle(e).fontSize));
    return {chart: [box.left, box.top, box.right, box.bottom], title: t && [t.left, t.top, t.right, t.bottom],
            text: title && title.textContent, smallest: Math.min(...sizes)};
  })"""
# The slide's title: drawn whole (not cut off by its box or the window).
TITLE = """n => { const h = document.querySelector(`.slide[data-slide='${n}'] h1`); const r = h.getBoundingClientRect();
  return {scroll: h.scrollWidth, client: h.clientWidth, right: r.right, left: r.left, width: innerWidth, text: h.textContent}; }"""
# Text a person in the room can see: drawn with a size, not hidden, not the screen reader's announcement (.sr-only).
SEEN_TEXT = """() => { const out = [];
  const walk = document.createTreeWalker(document.querySelector('[data-testid=stMain]'), NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || e.closest('.sr-only')) continue;
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden') out.push(node.textContent);
  }
  return out.join(' '); }"""


def deck_length(page) -> int:
    """From the screen reader's announcement, "Slide 1 of N: …"."""
    said = page.locator("[role=status][data-announce]").inner_text()
    return int(said.split(" of ", 1)[1].split(":", 1)[0])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_keeps_chart_titles_inside_charts_and_no_presenter_text(ui, size):
    width, height = size
    ui.page.set_viewport_size({"width": width, "height": height})
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    total = deck_length(page)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, total + 1):
        if n > 1:
            page.get_by_role("button", name="Next ▶").click()
        page.locator(f".slide[data-slide='{n}'] h1").wait_for(timeout=30_000)
        kind = page.locator(".slide[data-slide]").get_attribute("data-kind")
        if kind not in ("agenda", "exceptions"):  # its charts drawn, each with its title
            page.wait_for_function(
                "() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => gd.querySelector('.gtitle'))",
                timeout=30_000,
            )
        ui.settled()
        page.screenshot(path=folder / f"slide{n}-{width}x{height}.png")
        title = page.evaluate(TITLE, n)
        assert title["scroll"] <= title["client"] + 1 and title["left"] >= 0 and title["right"] <= title["width"], (n, title)
        charts = page.evaluate(CHARTS)
        if kind not in ("agenda", "exceptions"):
            assert charts, f"slide {n} ({kind}) has no chart"
        for c in charts:
            assert c["title"], f"slide {n} ({kind}): a chart without a title"
            x0, y0, x1, y1 = c["chart"]
            t0, u0, t1, u1 = c["title"]
            assert x0 - 1 <= t0 and t1 <= x1 + 1 and y0 - 1 <= u0 and u1 <= y1 + 1, (
                f"slide {n} ({kind}) at {width}x{height}: title {c['text']!r} at {c['title']} outside its chart {c['chart']}"
            )
            assert c["smallest"] >= 24, f"slide {n} ({kind}): chart text at {c['smallest']} px"
        seen = page.evaluate(SEEN_TEXT)
        said = [w for w in PRESENTER_WORDS if w in seen] + ([f"Slide {n} of"] if f"Slide {n} of" in seen else [])
        assert not said, f"slide {n} at {width}x{height}: presenter text on the audience's screen: {said}"
        assert page.locator(".presenter").count() == 0
        if n == total:
            assert page.get_by_role("button", name="Next ▶").is_disabled()


def test_presenter_view_shows_the_slide_number_keys_and_notes(ui):
    page = ui.open("/present?slide=3&presenter=1", ready=".slide[data-slide='3'] h1")
    notes = page.locator(".presenter")
    notes.wait_for(timeout=30_000)
    said = notes.inner_text()
    assert "Slide 3 of" in said and "Page Up / Page Down" in said and "Next: " in said, said


def test_a_slide_change_is_announced_by_a_live_region_that_stays(ui, cfg):
    page = ui.open("/present?slide=3", ready=".slide[data-slide='3'] h1")
    live = page.locator("[role=status][aria-live=polite][data-announce]")
    live.first.wait_for(state="attached", timeout=30_000)
    assert live.count() == 1
    first = live.inner_text()
    assert first.startswith("Slide 3 of ") and first.endswith(page.locator(".slide h1").inner_text())
    live.evaluate("e => { e.dataset.kept = 'yes'; }")  # the same element must carry the next announcement
    page.get_by_role("button", name="Next ▶").click()
    page.locator(".slide[data-slide='4'] h1").wait_for(timeout=30_000)
    ui.idle()
    live = page.locator("[role=status][aria-live=polite][data-announce]")
    assert live.inner_text().startswith("Slide 4 of ")
    assert live.get_attribute("data-kept") == "yes", "the live region was replaced, so screen readers may not announce it"


def _settings_dialog(page):
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    assert "Deck settings" in dialog.inner_text()
    return dialog


def test_deck_settings_open_by_click_and_change_the_area(ui):
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    button = page.get_by_role("button", name="Deck settings")
    assert button.is_visible()
    button.click()
    dialog = _settings_dialog(page)
    dialog.get_by_test_id("stSelectbox").click()
    page.keyboard.type("Redcar")
    page.get_by_role("option", name=f"Redcar and Cleveland ({REDCAR})").click()
    dialog.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        "() => document.querySelector('.slide h1')?.textContent.includes('Redcar and Cleveland')", timeout=30_000
    )
    assert page.evaluate("() => new URLSearchParams(location.search).get('area')") == REDCAR


def test_deck_settings_open_by_keyboard(ui):
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.innerText.includes('Deck settings')"
        ):
            break
    else:
        pytest.fail("Tab never reached the Deck settings button")
    page.keyboard.press("Enter")
    _settings_dialog(page)
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="hidden", timeout=10_000)


@pytest.mark.parametrize("size", [(1366, 768), (320, 256)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_has_no_serious_or_critical_axe_violation(ui, axe_js, size):
    """axe-core on each slide as it is shown (its charts drawn), on the projector and at 320 px (400% zoom)."""
    width, height = size
    ui.page.set_viewport_size({"width": width, "height": height})
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    total = deck_length(page)
    assert total >= 4, total
    found = []
    for n in range(1, total + 1):
        if n > 1:
            page.get_by_role("button", name="Next ▶").click()
        page.locator(f".slide[data-slide='{n}'] h1").wait_for(timeout=30_000)
        kind = page.locator(".slide[data-slide]").get_attribute("data-kind")
        if kind not in ("agenda", "exceptions"):
            page.wait_for_function(
                "() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => gd.querySelector('.gtitle'))",
                timeout=30_000,
            )
        ui.settled()
        violations = ui.axe(axe_js, f"present-slide{n}-{width}x{height}")
        found += [
            f"slide {n} ({kind}): {v['impact']} {v['id']}: {v['help']} {[x['target'] for x in v['nodes']]}"
            for v in violations
            if v["impact"] in FAILING_IMPACTS
        ]
    assert not found, f"at {width}x{height}:\n" + "\n".join(found)


def test_focus_stays_on_next_after_it_moves_the_deck(ui):
    page = ui.open("/present?slide=3", ready=".slide[data-slide='3'] h1")
    page.get_by_role("button", name="Next ▶").focus()
    page.keyboard.press("Enter")
    page.locator(".slide[data-slide='4'] h1").wait_for(timeout=30_000)
    ui.idle()
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.activeElement?.innerText?.startsWith('Next')"), page.evaluate(
        "() => document.activeElement?.outerHTML.slice(0, 120)"
    )


def test_arrow_left_in_the_deck_settings_indicator_list_does_not_change_the_slide(ui):
    page = ui.open("/present?slide=4", ready=".slide[data-slide='4'] h1")
    page.get_by_role("button", name="Deck settings").focus()
    page.keyboard.press("Enter")
    dialog = _settings_dialog(page)
    field = dialog.get_by_test_id("stMultiSelect").locator("input")
    field.focus()
    for key in ("ArrowLeft", "ArrowLeft", "ArrowRight"):
        page.keyboard.press(key)
        page.wait_for_timeout(300)
    ui.idle()
    assert page.evaluate("() => new URLSearchParams(location.search).get('slide')") == "4"
    assert page.locator(".slide[data-slide='4'] h1").count() == 1
    assert dialog.is_visible()


def test_overdue_warnings_are_for_the_presenter_not_the_boards_agenda_slide(ui):
    ui.page.set_viewport_size({"width": 1366, "height": 768})
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    assert page.locator(".slide[data-slide='1']").get_attribute("data-kind") == "agenda"
    seen = page.evaluate(SEEN_TEXT)
    assert "have figures overdue" not in seen and "Agenda" in seen
    page = ui.open("/present?slide=1&presenter=1", ready="[data-presenter='1']")
    said = page.locator("[data-presenter='1']").inner_text()
    assert "indicators have figures overdue." in said
    assert "have figures overdue" not in page.locator(".slide[data-slide='1']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "present-agenda-presenter-1366.png"))


NAV_OPACITY = """() => ['.st-key-deck_nav', '.st-key-deck_tools'].map(s => getComputedStyle(document.querySelector(s)).opacity)"""


def test_the_audience_sees_only_the_slide_until_the_mouse_moves_or_a_control_is_focused(ui):
    ui.page.set_viewport_size({"width": 1366, "height": 768})
    page = ui.open("/present?slide=2", ready=".slide[data-slide='2'] h1")
    page.wait_for_timeout(3500)  # any movement while loading has faded
    assert page.evaluate(NAV_OPACITY) == ["0", "0"]  # Previous / Next and Deck settings: not on the projector
    page.mouse.move(600, 400)
    page.mouse.move(640, 420)
    page.wait_for_timeout(400)
    assert page.evaluate(NAV_OPACITY) == ["1", "1"]
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "present-controls-shown-1366.png"))
    page.wait_for_timeout(3600)  # still for 3 s: gone again
    assert page.evaluate(NAV_OPACITY) == ["0", "0"]
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "present-audience-only-slide-1366.png"))
    page.get_by_role("button", name="Next ▶").focus()  # a keyboard user reaching a control sees its bar
    page.wait_for_timeout(400)
    assert page.evaluate(NAV_OPACITY)[0] == "1"
    page.get_by_role("button", name="Deck settings").focus()
    page.wait_for_timeout(400)
    assert page.evaluate(NAV_OPACITY)[1] == "1"
    # the presenter's own screen keeps its controls
    page = ui.open("/present?slide=2&presenter=1", ready="[data-presenter='1']")
    page.wait_for_timeout(3500)
    assert page.evaluate(NAV_OPACITY) == ["1", "1"]
