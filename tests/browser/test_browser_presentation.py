"""Presentation mode in a real browser: the arrow keys and a clicker's Page Up / Page Down move the deck,
the slide number follows in the URL, and a reload keeps the place."""
import re
import time


def slide(page, n: int):
    loc = page.locator(f".slide[data-slide='{n}'] h1")
    loc.wait_for(timeout=30_000)
    return loc


def test_keys_move_the_deck_and_the_url_follows(ui, cfg):
    page = ui.open("/present?slide=3", ready=".slide h1")
    assert slide(page, 3).inner_text() == cfg.by_id["ehcp_20wk"].name
    page.mouse.click(960, 20)  # focus the page, as a presenter's first click does
    t = time.perf_counter()
    page.keyboard.press("ArrowRight")
    assert slide(page, 4).inner_text() == cfg.by_id["salt_seen_6wk"].name
    print(f"slide switch: {(time.perf_counter() - t) * 1000:.0f} ms")
    page.wait_for_function("() => location.search.includes('slide=4')", timeout=10_000)
    page.keyboard.press("PageDown")
    assert slide(page, 5).inner_text() == cfg.by_id["salt_treated_12wk"].name
    page.wait_for_function("() => location.search.includes('slide=5')", timeout=10_000)
    page.keyboard.press("ArrowLeft")
    slide(page, 4)
    page.wait_for_function("() => location.search.includes('slide=4')", timeout=10_000)
    page.reload()
    assert slide(page, 4).inner_text() == cfg.by_id["salt_seen_6wk"].name
    assert re.search(r"slide=4", page.url)


def test_no_slide_text_is_smaller_than_24px_at_1920(ui):
    page = ui.open("/present?slide=3", ready=".slide h1")
    page.set_viewport_size({"width": 1920, "height": 1080})
    ui.settled()
    small = page.evaluate("""() => [...document.querySelectorAll('.slide *')]
        .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => parseFloat(getComputedStyle(e).fontSize) < 24)
        .map(e => `${e.tagName}: ${e.textContent.trim().slice(0, 40)} (${getComputedStyle(e).fontSize})`)""")
    assert not small, small
