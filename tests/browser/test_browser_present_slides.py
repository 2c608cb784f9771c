"""The deck as the audience and the presenter see it, in a real browser at 1920×1080 and 1366×768: on every slide each
chart's title lies inside its chart and nothing in a chart is drawn over anything else (a RAG rule over another, an
SPC icon over the title), the slide title is not clipped, chart text is 24 px or more, and nothing meant for the
presenter (slide number, keys, notes) is on the audience's screen; the presenter view shows it; deck settings open
from a visible button by click and by keyboard; a slide change is announced through a live region that stays;
axe-core finds nothing serious or critical on any slide, on the projector or at 320 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, CHART_CLASHES, REDCAR
from tests.browser.test_browser_accessibility import FAILING_IMPACTS

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
    expect(button).to_be_visible()  # the bar is drawn after the slide: waited for
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


# How far the slide reaches past the window: the document and Streamlit's own scrolling box (stMain).
OVERFLOW = """() => { const m = document.querySelector('[data-testid=stMain]');
  return {doc: document.documentElement.scrollHeight, main: m.scrollHeight, room: innerHeight}; }"""
# Text on the slide drawn under the projector's 24 px (the presenter's panel and the foot bar are not the slide).
SLIDE_SMALL_TEXT = """min => [...document.querySelectorAll('.slide, .slide *')]
  .filter(e => [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .filter(e => e.getClientRects().length && !e.closest('.sr-only') && parseFloat(getComputedStyle(e).fontSize) < min)
  .map(e => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}" at ${getComputedStyle(e).fontSize}`)"""


def _show(ui, page, n: int) -> str:
    """Slide N drawn, its charts laid out; its kind."""
    page.locator(f".slide[data-slide='{n}'] h1").wait_for(timeout=30_000)
    kind = page.locator(".slide[data-slide]").get_attribute("data-kind")
    if kind not in ("agenda", "exceptions"):
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => gd.querySelector('.gtitle'))", timeout=30_000
        )
    ui.settled()
    return kind


def _titles_and_presenter_text(page, n: int, kind: str, width: int, height: int) -> list[str]:
    """The slide's title whole; each chart with its title inside it and its text at 24 px or more, nothing in it
    drawn over anything else (CHART_CLASHES); no presenter text on the audience's screen."""
    problems = []
    title = page.evaluate(TITLE, n)
    if not (title["scroll"] <= title["client"] + 1 and title["left"] >= 0 and title["right"] <= title["width"]):
        problems.append(f"slide {n} ({kind}): its title is cut off: {title}")
    charts = page.evaluate(CHARTS)
    if kind not in ("agenda", "exceptions") and not charts:
        problems.append(f"slide {n} ({kind}) has no chart")
    for c in charts:
        if not c["title"]:
            problems.append(f"slide {n} ({kind}): a chart without a title")
            continue
        x0, y0, x1, y1 = c["chart"]
        t0, u0, t1, u1 = c["title"]
        if not (x0 - 1 <= t0 and t1 <= x1 + 1 and y0 - 1 <= u0 and u1 <= y1 + 1):
            problems.append(f"slide {n} ({kind}): title {c['text']!r} at {c['title']} outside its chart {c['chart']}")
        if c["smallest"] < 24:
            problems.append(f"slide {n} ({kind}): chart text at {c['smallest']} px")
    problems += [f"slide {n} ({kind}): {c}" for c in page.evaluate(CHART_CLASHES)]
    seen = page.evaluate(SEEN_TEXT)
    said = [w for w in PRESENTER_WORDS if w in seen] + ([f"Slide {n} of"] if f"Slide {n} of" in seen else [])
    if said or page.locator(".presenter").count():
        problems.append(f"slide {n}: presenter text on the audience's screen: {said}")
    return problems


def _fits(page, n: int, kind: str, width: int, height: int) -> list[str]:
    """The slide fits the window without a scroll, each chart and the comparison row whole, its text 24 px or more."""
    problems = []
    reach = page.evaluate(OVERFLOW)
    print(f"slide {n} ({kind}) at {width}x{height}: {reach['main']} px of {reach['room']}")
    if max(reach["doc"], reach["main"]) > reach["room"]:
        problems.append(f"slide {n} ({kind}) scrolls: {max(reach['doc'], reach['main'])} px tall in a {reach['room']} px window")
    problems += [f"slide {n} ({kind}): text under 24 px: {s}" for s in page.evaluate(SLIDE_SMALL_TEXT, 24)]
    cut = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot, table.compare')]
        .filter(e => e.getBoundingClientRect().bottom > innerHeight + 1).map(e => e.className.baseVal ?? e.className)""")
    if cut:
        problems.append(f"slide {n} ({kind}): {cut} below the window")
    return problems


def _charts_named(page, n: int, kind: str) -> tuple[list[str], int]:
    """Each chart a figure named "Chart: …", summarised in words and tied to a table; its SVG hidden from screen
    readers. (Problems, charts seen.)"""
    if kind in ("agenda", "exceptions"):
        return [], 0
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.getAttribute('aria-details')"
        " && !c.querySelector('svg.main-svg:not([aria-hidden=true])'))",
        timeout=10_000,
    )
    charts = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(c => {
        const described = document.getElementById(c.getAttribute('aria-describedby') || '-');
        const details = document.getElementById(c.getAttribute('aria-details') || '-');
        return {role: c.getAttribute('role'), name: c.getAttribute('aria-label'),
                summary: described ? described.textContent.trim() : '', rows: details ? details.querySelectorAll('tbody tr').length : 0,
                exposedSvg: c.querySelectorAll('svg.main-svg:not([aria-hidden=true])').length}; })""")
    problems = [] if charts else [f"slide {n} ({kind}) has no chart"]
    for c in charts:
        if not (c["role"] == "figure" and (c["name"] or "").startswith("Chart: ")):
            problems.append(f"slide {n} ({kind}): a chart not named as a figure: {c}")
        if not (len(c["summary"]) > 40 and c["rows"] > 0 and c["exposedSvg"] == 0):
            problems.append(f"slide {n} ({kind}): a chart without its summary, its table or with its SVG exposed: {c}")
    return problems, len(charts)


# Each deck walk, one visit per screen size: what is checked on every slide at that size.
WALKS = {
    (1920, 1080): ("titles", "fits"),
    (1366, 768): ("titles", "fits", "named", "axe"),
    (320, 256): ("axe",),  # 400% zoom of a 1280-wide screen: a slide may scroll here, but axe must be clean
}


@pytest.mark.parametrize("size", list(WALKS), ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_fits_keeps_its_titles_and_text_names_its_charts_and_is_axe_clean(ui, axe_js, size, request):
    """The whole deck, slide by slide with Next as a presenter goes, at each screen size (WALKS): each slide's title
    whole and its chart titles inside their charts, nothing in a chart drawn over anything else, no presenter text on
    the audience's screen, the slide fitting the projector without a scroll with its text at 24 px or more, each chart
    named, summarised and tied to a table, and axe-core clean on each slide as it is shown (its charts drawn). A
    screenshot of each slide goes to test-artifacts/screenshots/. With reduced motion the deck's bar is shown or hidden, never judged halfway through
    its 0.2 s fade (a run on a busy machine caught its text at part opacity, 3 s after the click on Next woke it)."""
    width, height = size
    checks = WALKS[size]
    ui.page.set_viewport_size({"width": width, "height": height})
    ui.page.emulate_media(reduced_motion="reduce")
    request.addfinalizer(lambda: ui.page.emulate_media(reduced_motion="no-preference"))
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    total = deck_length(page)
    assert total >= 4, total
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    problems, charts_named = [], 0
    for n in range(1, total + 1):
        if n > 1:
            page.get_by_role("button", name="Next ▶").click()
        kind = _show(ui, page, n)
        page.screenshot(path=folder / f"slide{n}-{width}x{height}.png")
        if "titles" in checks:
            problems += _titles_and_presenter_text(page, n, kind, width, height)
        if "fits" in checks:
            problems += _fits(page, n, kind, width, height)
        if "named" in checks:
            more, count = _charts_named(page, n, kind)
            problems, charts_named = problems + more, charts_named + count
        if "axe" in checks:
            problems += [
                f"slide {n} ({kind}): axe {v['impact']} {v['id']}: {v['help']} {[x['target'] for x in v['nodes']]}"
                for v in ui.axe(axe_js, f"present-slide{n}-{width}x{height}")
                if v["impact"] in FAILING_IMPACTS
            ]
        if n == total:
            assert page.get_by_role("button", name="Next ▶").is_disabled()
    if "named" in checks:
        assert charts_named >= total - 2, charts_named
    assert not problems, f"at {width}x{height}:\n" + "\n".join(problems)


def test_the_presenter_window_follows_the_audience_window_and_the_audience_follows_it(ui):
    """Two windows of one browser (one context): the audience's and the presenter's, opened from the audience's
    "Open presenter view" link. Next or Previous in either moves the other, with no reload of the other window."""
    page = ui.open("/present?slide=3", ready=".slide[data-slide='3'] h1")
    link = page.get_by_role("link", name="Open presenter view")
    assert link.get_attribute("data-window") == "kpi-presenter"
    with page.context.expect_page() as opened:
        link.click()
    presenter = opened.value
    presenter.locator("[data-presenter='1'] [data-deck-timer]").wait_for(timeout=60_000)
    presenter.locator(".slide[data-slide='3'] h1").wait_for(timeout=60_000)
    panel = presenter.locator("[data-presenter='1']")
    assert "Slide 3 of" in panel.inner_text() and "Next: " in panel.inner_text()
    presenter.evaluate("() => { window.__sameDocument = true; }")
    page.evaluate("() => { window.__sameDocument = true; }")
    ui.idle()

    page.get_by_role("button", name="Next ▶").click()  # the audience's window moves: the presenter's follows
    presenter.locator(".slide[data-slide='4'] h1").wait_for(timeout=60_000)
    presenter.wait_for_function(
        "() => document.querySelector('[data-presenter]')?.innerText.includes('Slide 4 of')", timeout=60_000
    )
    presenter.get_by_role("button", name="Next ▶").click()  # and the other way
    page.locator(".slide[data-slide='5'] h1").wait_for(timeout=60_000)
    presenter.get_by_role("button", name="◀ Previous").click()
    page.locator(".slide[data-slide='4'] h1").wait_for(timeout=60_000)
    presenter.locator(".slide[data-slide='4'] h1").wait_for(timeout=60_000)
    # Moves one after another, each from the window the other last followed (this stalled at the fifth move while a
    # window's own last follow-click counted as "on its way" and nothing woke it to look again).
    for mover, follower, button, slide in (
        (page, presenter, "◀ Previous", 3),
        (presenter, page, "◀ Previous", 2),
        (page, presenter, "Next ▶", 3),
        (presenter, page, "Next ▶", 4),
    ):
        mover.get_by_role("button", name=button).click()
        follower.locator(f".slide[data-slide='{slide}'] h1").wait_for(timeout=60_000)
        mover.locator(f".slide[data-slide='{slide}'] h1").wait_for(timeout=60_000)
    for p in (page, presenter):  # followed in place: neither window was reloaded
        assert p.evaluate("() => window.__sameDocument === true")
    # The timer runs in the presenter's window; the audience's shows no presenter text.
    first = presenter.locator("[data-deck-timer]").inner_text()
    presenter.wait_for_timeout(2200)
    assert presenter.locator("[data-deck-timer]").inner_text() != first and first.endswith("elapsed")
    assert page.locator(".presenter").count() == 0
    presenter.screenshot(path=str(ARTIFACTS / "screenshots" / "present-presenter-window-1366.png"))
    presenter.close()


def test_arrow_keys_scroll_a_focused_slide_table_and_change_the_slide_elsewhere(ui):
    ui.page.set_viewport_size({"width": 320, "height": 256})
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    ui.settled()
    table = page.locator(".slide .scorecard-wrap").first
    assert table.evaluate("e => e.scrollWidth > e.clientWidth"), "the agenda's table should scroll sideways at 320 px"
    table.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    ui.idle()
    assert table.evaluate("e => e.scrollLeft") > 0, "→ on the focused table did not scroll it"
    assert page.evaluate("() => new URLSearchParams(location.search).get('slide')") == "1"
    assert page.locator(".slide[data-slide='1']").count() == 1
    page.locator(".slide h1").click()  # elsewhere on the slide: → is the deck's Next again
    page.keyboard.press("ArrowRight")
    page.locator(".slide[data-slide='2'] h1").wait_for(timeout=30_000)


@pytest.mark.parametrize("start, key, button", [(None, "Right", "Next ▶"), (2, "Left", "◀ Previous")], ids=["last", "first"])
def test_focus_stays_on_a_control_after_the_last_and_the_first_slide(ui, start, key, button):
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    total = deck_length(page)
    start = start or total - 1
    end = total if key == "Right" else 1
    page = ui.open(f"/present?slide={start}", ready=f".slide[data-slide='{start}'] h1")
    page.get_by_role("button", name=button).focus()
    page.keyboard.press("Enter")
    page.locator(f".slide[data-slide='{end}'] h1").wait_for(timeout=30_000)
    ui.idle()
    page.wait_for_timeout(600)
    assert page.get_by_role("button", name=button).is_disabled()
    focused = page.evaluate("() => document.activeElement?.tagName + ' ' + (document.activeElement?.innerText || '')")
    assert focused.startswith("BUTTON") and ("Previous" in focused or "Next" in focused), focused


def test_the_compare_slide_marks_region_and_neighbours_by_shape_not_colour_alone(ui):
    page = ui.open("/present?slide=1", ready=".slide[data-slide='1'] h1")
    total = deck_length(page)
    page = ui.open(f"/present?slide={total}", ready=f".slide[data-slide='{total}'] h1")
    assert _show(ui, page, total).startswith("compare:")
    marks = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        return gd._fullData.filter(t => t.visible !== false && t.showlegend)
          .map(t => ({name: t.name, type: t.type, symbol: t.marker && t.marker.symbol})); }""")
    by_name = {m["name"]: m for m in marks}
    assert by_name["Same region"]["symbol"] == "circle" and by_name["Statistical neighbour"]["symbol"] == "triangle-down", marks
    legend = page.locator(".js-plotly-plot .legend").first.text_content()
    assert "Same region" in legend and "Statistical neighbour" in legend
