"""Presentation mode in a real browser: the arrow keys and a clicker's Page Up / Page Down move the deck, the slide
number follows in the URL, a reload keeps the place, and every word on a slide is big enough for a projector.
The deck is the agenda (slide 1), the exceptions (slide 2), then one slide per indicator from slide 3."""

import time

from tests.browser.conftest import ARTIFACTS

PROJECTOR = (1920, 1080)
MIN_FONT_PX = 24

# In the page: the time from the key going down to the next slide's title being drawn (in the DOM with a box).
WATCH = """n => {
    window.__switch = {t0: null, t1: null};
    const title = () => {
        const h = document.querySelector(`.slide[data-slide='${n}'] h1`);
        return h && h.getBoundingClientRect().height > 0 && h.textContent.trim() ? h : null;
    };
    addEventListener('keydown', () => { window.__switch.t0 = performance.now(); }, {capture: true, once: true});
    const seen = () => {
        if (window.__switch.t1 === null && window.__switch.t0 !== null && title()) {
            window.__switch.t1 = performance.now();
            observer.disconnect();
        }
    };
    const observer = new MutationObserver(seen);
    observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
}"""

# Text inside a slide drawn smaller than the projector rule allows: the element, its text and its size.
SMALL_TEXT = """min => {
    const texts = [...document.querySelectorAll('.slide, .slide *')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
        .filter(e => e.getClientRects().length);
    const small = texts.filter(e => parseFloat(getComputedStyle(e).fontSize) < min)
        .map(e => `${e.closest('.slide').dataset.kind || 'slide'} ${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}: `
                  + `"${e.textContent.trim().slice(0, 50)}" at ${getComputedStyle(e).fontSize}`);
    return {checked: texts.length, smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize))), small};
}"""


def shown_slide(page, n: int):
    """Slide N's root once its title is drawn."""
    page.locator(f".slide[data-slide='{n}'] h1").wait_for(timeout=30_000)
    return page.locator(f".slide[data-slide='{n}']").first


def url_slide(page) -> str | None:
    return page.evaluate("() => new URLSearchParams(location.search).get('slide')")


def wait_url_slide(page, n: int) -> None:
    page.wait_for_function("n => new URLSearchParams(location.search).get('slide') === String(n)", arg=n, timeout=10_000)


def press(page, key: str, to: int) -> tuple[float, float]:
    """Press KEY and wait for slide TO: (ms in the page from keydown to its title drawn, ms as the test saw it)."""
    page.evaluate(WATCH, to)
    start = time.perf_counter()
    page.keyboard.press(key)
    shown_slide(page, to)
    wall = (time.perf_counter() - start) * 1000
    page.wait_for_function("() => window.__switch.t1 !== null", timeout=10_000)
    in_page = page.evaluate("() => window.__switch.t1 - window.__switch.t0")
    return in_page, wall


def test_keys_move_the_deck_and_the_url_follows(ui, cfg):
    page = ui.open("/present?slide=3", ready=".slide[data-slide='3'] h1")
    deck = page.evaluate("() => new URLSearchParams(location.search).get('indicators')").split(",")
    assert len(deck) >= 3, deck
    kinds = {n: deck[n - 3] for n in range(3, 3 + len(deck))}  # slide 3 is the deck's first indicator
    slide = shown_slide(page, 3)
    assert slide.get_attribute("data-kind") == kinds[3]
    assert slide.locator("h1").inner_text() == cfg.by_id[kinds[3]].name
    ui.idle()
    slide.locator("h1").click()  # the presenter's first click puts the keyboard on the page

    times = []
    for key, to in (("ArrowRight", 4), ("PageDown", 5), ("ArrowLeft", 4), ("PageUp", 3), ("ArrowRight", 4)):
        in_page, wall = press(page, key, to)
        times.append((key, to, in_page, wall))
        slide = shown_slide(page, to)
        assert slide.get_attribute("data-kind") == kinds[to], f"{key}: slide {to} shows {slide.get_attribute('data-kind')}"
        assert slide.locator("h1").inner_text() == cfg.by_id[kinds[to]].name
        wait_url_slide(page, to)
        ui.idle()
        assert page.locator(".slide[data-slide]").count() == 1, "the previous slide is still on the screen"
    for key, to, in_page, wall in times:
        print(
            f"slide switch {key:10} → slide {to}: {in_page:4.0f} ms in the page (keydown → title drawn), {wall:4.0f} ms seen by the test"
        )

    page.reload()
    slide = shown_slide(page, 4)
    assert slide.locator("h1").inner_text() == cfg.by_id[kinds[4]].name
    assert url_slide(page) == "4"


def test_slide_3_at_1920x1080_has_no_text_under_24px(ui, cfg):
    page = ui.open("/present?slide=3", ready=".slide[data-slide='3'] h1")
    shot, _full = ui.screenshots("presentation-slide3", *PROJECTOR)
    assert shot == ARTIFACTS / "screenshots" / "presentation-slide3-1920x1080.png" and shot.is_file()
    page.set_viewport_size({"width": PROJECTOR[0], "height": PROJECTOR[1]})
    ui.settled()
    assert page.evaluate("() => [innerWidth, innerHeight]") == list(PROJECTOR)
    found = page.evaluate(SMALL_TEXT, MIN_FONT_PX)
    print(
        f"slide 3 at 1920x1080: {found['checked']} text elements, smallest {found['smallest']}px; "
        f"under {MIN_FONT_PX}px: {found['small'] or 'none'}"
    )
    assert found["checked"] >= 8, found  # title, area and period, the figure, the RAG, target and direction facts
    assert not found["small"], f"text under {MIN_FONT_PX}px on slide 3 at 1920x1080: {found['small']}"
