"""WCAG 2.2 AA beyond what axe can see, keyboard only, on every page at 1280×900 and at 320×256 (400% zoom of a
1280-wide screen): every Tab stop visible, inside the window, not hidden under the header and with a focus indicator
of 3:1 against its unfocused look; a distinct title per page; every chart named, summarised and tied to a table, with
its text at 4.5:1 and its lines at 3:1 (read from the SVG); nothing scrolling sideways at 320 px outside data tables;
axe-core clean at 320 px too; and focus given back after a rerun.

Every page includes the presentation deck and the board pack. The deck's clicker buttons (Page Up / Page Down) are
display:none, so they carry their shortcut without being Tab stops; its foot bar follows the slide at 320 px rather
than covering it. Every slide (not only the first) is checked with axe in tests/browser/test_browser_present_slides.py."""

from __future__ import annotations

import base64
import contextlib
import io
import math
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import DURHAM, ROOT, UI, app_pages, streamlit_server
from tests.browser.test_browser_accessibility import FAILING_IMPACTS, axe_problems_with_everything_shown, contrast
from tests.browser.test_browser_screenshots import board_size_problems
from tests.conftest import sample_next

SIZES = [(1280, 900), (320, 256)]
PAGES = app_pages()
IDS = [name for name, _ in PAGES]
MAX_STOPS = 160
# Known failures after the merge of 7 December 2026, left open in issue 28 (the deck's focus and layout): the stop
# note lists them. Marked so that a fix shows as XPASS rather than hiding the failure. (The plan, board pack and
# action pages at 320 px, marked here too until then, pass since a11y.css and a11y.js fixed them.)
KNOWN_FOCUS_FAILURES: dict[tuple[str, int], str] = {}
KNOWN_320_FAILURES: dict[str, str] = {}

# What the focused element is, where it is and whether anything hides it.
FOCUSED = """(highlighted) => {
  let active = document.activeElement;
  if (!active || active === document.body || active === document.documentElement) return null;
  // A drop-down keeps focus in its text field and highlights an option (aria-activedescendant): that option is what
  // a sighted keyboard user follows.
  if (highlighted) active = document.getElementById(active.getAttribute('aria-activedescendant') || '-');
  if (!active) return null;
  // The data grid moves focus through cells of a table kept for screen readers, with no size of its own, and shows
  // it on its canvas: the canvas is what a sighted keyboard user sees. It draws the focused cell's ring itself (in
  // the theme's #1d70b8, 5.2:1 on white) whether or not the page has focus, so no photograph tells the two apart:
  // for its cells only the canvas's place is checked.
  // Tab lands first on the grid's canvas itself, which hands focus to a cell a moment later: the same canvas, the
  // same ring drawn by the grid (a measurement in between found no ring, on the indicator and compare pages).
  const cell = (active.getClientRects().length === 0 || active.matches('canvas[data-testid=data-grid-canvas]'))
    && active.closest('[data-testid=stDataFrame]');
  // A radio button or tick hides its real input; the option drawn for it (mark and words) is what shows focus.
  const option = active.matches('input[type=radio], input[type=checkbox]') && active.closest('label');
  const e = cell ? cell.querySelector('canvas') : option || active;
  const r = e.getBoundingClientRect();
  let opacity = 1, hidden = false;
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const s = getComputedStyle(n);
    opacity *= parseFloat(s.opacity);
    if (s.visibility !== 'visible' || s.display === 'none') hidden = true;
  }
  const vx0 = Math.max(r.left, 0), vy0 = Math.max(r.top, 0);
  const vx1 = Math.min(r.right, innerWidth), vy1 = Math.min(r.bottom, innerHeight);
  let hit = null, covered = null;
  if (vx1 > vx0 && vy1 > vy0) {
    hit = document.elementFromPoint((vx0 + vx1) / 2, (vy0 + vy1) / 2);
    // A widget may lay its own parts over the focused one (the data grid's scroller over its canvas): what counts
    // is that nothing from elsewhere (the header, the sidebar, another element) covers it.
    const owner = e.closest('[data-testid=stElementContainer]') || e.closest('[data-testid]') || e;
    covered = !(hit && (e.contains(hit) || hit.contains(e) || (owner && owner.contains(hit))));
  }
  const label = (active.getAttribute('aria-label') || active.innerText || active.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const header = document.querySelector('[data-testid=stHeader]');
  // Where everything is scrolled to and how tall the page is: while these stay the same, what is on screen without
  // focus is what it was when last photographed.
  const scrolled = [window.scrollX, window.scrollY, document.documentElement.scrollHeight];
  for (const n of document.querySelectorAll('*')) if (n.scrollTop || n.scrollLeft) scrolled.push(n.scrollTop, n.scrollLeft);
  return {scrolled: scrolled.join(','), inApp: Boolean(active.closest('#root')), below: header ? Math.max(header.getBoundingClientRect().bottom, 0) : 0, tag: active.tagName, testid: active.closest('[data-testid]')?.dataset.testid || '', label,
          x: r.left, y: r.top, w: r.width, h: r.height, vw: innerWidth, vh: innerHeight,
          cell: Boolean(cell), vx0, vy0, vx1, vy1, opacity, edges: [r.top >= 0, r.right <= innerWidth, r.bottom <= innerHeight, r.left >= 0], hidden, covered, hit: hit ? (hit.dataset.testid || hit.tagName) : null};
}"""


def _open(ui, link: str, width: int, height: int):
    ui.page.set_viewport_size({"width": width, "height": height})
    page = ui.open(link)
    ui.settled()
    return page


def _where(stop: dict) -> str:
    return (
        f"{stop['tag']} {stop['testid']} {stop['label']!r} at ({stop['x']:.0f}, {stop['y']:.0f}) {stop['w']:.0f}×{stop['h']:.0f}"
    )


# Text carets are hidden while photographing (as Playwright's screenshots do): a blinking caret is not the indicator.
NO_CARET = "*, *::before, *::after {caret-color: transparent !important;}"


def _shot(page, clip: dict | None) -> np.ndarray:
    """The CLIP of the window (or the whole window) as an array of sRGB pixels (height × width × 3), straight from
    Chromium's DevTools protocol: a third quicker than page.screenshot, which also waits for fonts and injects and
    removes its caret and animation styles at every picture (tab_through hides carets once, with NO_CARET)."""
    cdp = page.__dict__.get("_kpi_cdp")
    if cdp is None:
        cdp = page.__dict__["_kpi_cdp"] = page.context.new_cdp_session(page)
    params = {"format": "png", "optimizeForSpeed": True}
    if clip is not None:
        params["clip"] = {**clip, "scale": 1}
    data = base64.b64decode(cdp.send("Page.captureScreenshot", params)["data"])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


FRAME = """at_least => new Promise(done => {
    // The focused element standing still for two frames: the browser scrolls it into the window, which on a busy
    // machine can take several frames (an Upload history expander was measured at y = 1722 before its scroll), 2 s.
    // Watched from the start, so a still element is known to be still as soon as AT_LEAST is over.
    const place = () => { const r = document.activeElement?.getBoundingClientRect();
        return r ? `${r.x},${r.y},${window.scrollX},${window.scrollY}` : ""; };
    let last = place(), count = 0, ready = false; const end = performance.now() + at_least + 2000;
    const look = () => { const now = place(); count = now === last ? count + 1 : 0; last = now;
        if (ready && (count >= 2 || performance.now() > end)) done(); else requestAnimationFrame(look); };
    requestAnimationFrame(look);
    setTimeout(() => {
        // Fades and slides still running (a drop-down list opening in a dialog was caught at opacity 0.96 on a busy
        // machine) are waited for, at most 3 s; endless ones (a spinner) are not.
        Promise.race([new Promise(ok => setTimeout(ok, 3000)), Promise.all(document.getAnimations()
            .filter(a => a.effect?.getComputedTiming().iterations !== Infinity).map(a => a.finished.catch(() => null)))])
            .then(() => { ready = true; });
    }, at_least);
})"""


def _frame(page, at_least_ms: int) -> None:
    """Until the browser has drawn a frame with the page as it now stands (focus moved, styles applied, fades done,
    the focused element still), and no less than AT_LEAST_MS: a widget that draws its focus ring through React state
    can take longer than a frame on a busy machine (the frame wait alone missed a ring on the history page at 320 px).
    One round trip; the standing still is watched from the start, beside AT_LEAST_MS and then the fades, not after
    them (on the indicator page at 1280 px a wait took 85 ms one after the other, 80 ms so: the rest is the focus
    styles' own transitions, which the picture must wait for)."""
    page.evaluate(FRAME, at_least_ms)


def _channel(c: np.ndarray) -> np.ndarray:
    c = c / 255
    return np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


# The relative luminance's channel term for each 8-bit value (WCAG 2.2's formula), looked up, not worked out per pixel.
_LINEAR = _channel(np.arange(256, dtype=float))


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of every pixel of an (…, 3) array of 8-bit sRGB."""
    lin = _LINEAR[rgb]
    return 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]


def pixels_changed_by_3_to_1(focused: np.ndarray, unfocused: np.ndarray) -> int:
    """How many pixels differ between the two pictures by a contrast ratio of 3:1 or more."""
    differ = np.any(focused != unfocused, axis=-1)  # most of the picture is the same: only the rest is worked out
    la, lb = _luminance(focused[differ]), _luminance(unfocused[differ])
    ratio = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    return int(np.count_nonzero(ratio >= 3))


# Blur the focused element, and focus it again. A modal dialog (and the main menu) keeps focus inside itself: blurred,
# its focus scope puts focus straight back. Outside #root the focus events are held back from the page's own
# listeners while the picture is taken, so the element is photographed as it looks without focus (CSS :focus-visible
# no longer matches; nothing Streamlit draws there shows focus any other way).
BLUR = """(outside) => {
  window.__kpiBlurred = document.activeElement;
  if (outside) {
    window.__kpiHold = e => e.stopImmediatePropagation();
    for (const t of ['blur', 'focusout', 'focus', 'focusin']) window.addEventListener(t, window.__kpiHold, true);
  }
  document.activeElement.blur();
}"""
REFOCUS = """() => {
  window.__kpiBlurred.focus();
  if (window.__kpiHold) for (const t of ['blur', 'focusout', 'focus', 'focusin']) window.removeEventListener(t, window.__kpiHold, true);
  window.__kpiHold = null;
}"""
# A drop-down's highlighted option without its highlight (react-aria marks it with these two attributes), and back.
UNHIGHLIGHT = """() => { const o = document.getElementById(document.activeElement.getAttribute('aria-activedescendant'));
  window.__kpiOption = [o, o.getAttribute('data-focused'), o.getAttribute('data-focus-visible')];
  o.removeAttribute('data-focused'); o.removeAttribute('data-focus-visible'); }"""
REHIGHLIGHT = """() => { const [o, f, v] = window.__kpiOption;
  if (f !== null) o.setAttribute('data-focused', f); if (v !== null) o.setAttribute('data-focus-visible', v); }"""


def _box(stop: dict) -> tuple[int, int, int, int]:
    """The element's visible box and 8 px around it, in whole pixels inside the window: (x0, y0, x1, y1)."""
    x0, y0 = max(math.floor(stop["vx0"]) - 8, 0), max(math.floor(stop["vy0"]) - 8, 0)
    x1, y1 = min(math.ceil(stop["vx1"]) + 8, stop["vw"]), min(math.ceil(stop["vy1"]) + 8, stop["vh"])
    return x0, y0, x1, y1


def _wanted(stop: dict) -> int:
    """The pixels the rule asks to change: at least the visible box's perimeter (the edges inside the window), a 1 px
    ring's worth (WCAG 1.4.11 and the 2.4.13 area it is measured by). Only the edges inside the window can show a
    ring: a long table's bottom edge is further down the page."""
    top, right, bottom, left = stop["edges"]
    w, h = stop["vx1"] - stop["vx0"], stop["vy1"] - stop["vy0"]
    return int(w * (top + bottom) + h * (left + right))


class Unfocused:
    """The whole window as it looks with nothing focused, photographed once and again only when something has scrolled
    (or the page's height changed) since: one clipped picture per Tab stop instead of two, and no blur and refocus at
    every stop. The first stop after each scroll is measured exactly as before (blurred, photographed, focused again)."""

    def __init__(self, page):
        self.page, self.scrolled, self.picture, self.retaken = page, None, None, 0

    def around(self, stop: dict, box: tuple[int, int, int, int]) -> np.ndarray:
        if self.picture is None or stop["scrolled"] != self.scrolled:
            self.page.evaluate(BLUR, not stop["inApp"])
            _frame(self.page, 60)
            self.picture = _shot(self.page, None)
            self.page.evaluate(REFOCUS)
            _frame(self.page, 30)
            self.scrolled, self.retaken = stop["scrolled"], self.retaken + 1
        x0, y0, x1, y1 = box
        return self.picture[y0:y1, x0:x1]


def indicator_pixels(page, stop: dict, unfocused: Unfocused | None = None) -> tuple[int, int]:
    """(pixels whose colour changes by 3:1 or more when the element takes focus, pixels the rule asks for): the
    element's visible box and 8 px around it, photographed focused, against the same place without focus (from
    UNFOCUSED's picture of the window, or, for a drop-down's option, with its highlight taken off)."""
    box = _box(stop)
    x0, y0, x1, y1 = box
    focused = _shot(page, {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0})
    if unfocused is not None:
        before = unfocused.around(stop, box)
    else:
        page.evaluate(UNHIGHLIGHT)
        _frame(page, 30)
        before = _shot(page, {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0})
        page.evaluate(REHIGHLIGHT)
    assert focused.shape == before.shape, (focused.shape, before.shape, box)
    return pixels_changed_by_3_to_1(focused, before), _wanted(stop)


# The pages the keyboard test still marks as failing, as the accessibility statement names them.
STATEMENT_NAMES = {"present": "presentation mode"}


def test_the_accessibility_statement_lists_what_the_keyboard_test_still_marks_as_failing():
    """The statement claims no more than the tests show: every page still marked as a known failure above is named
    under "Non-accessible content", and the old claim of one focus style on every control is gone (the data grids
    draw their own)."""
    text = " ".join((ROOT / "pages" / "statement_page.py").read_text(encoding="utf-8").split())
    failing = text[text.index("### Non-accessible content") :]
    for name in {n for n, _ in KNOWN_FOCUS_FAILURES} | set(KNOWN_320_FAILURES):
        said = STATEMENT_NAMES[name]
        assert re.search(rf"In {said}, not every Tab stop passes the keyboard checks", failing, re.I), name
    assert "one strong focus style" not in text and "on every control" not in text
    assert "The data grids draw the ring round their focused cell themselves" in text


def test_the_focus_ring_count_is_wcags_contrast_ratio_pixel_by_pixel():
    """The array count above against WCAG's formula worked out one pixel at a time, as the test used to."""

    def one(rgb) -> float:
        r, g, b = ((c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    rng = np.random.default_rng(24)
    a, b = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8), rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    b[:5] = a[:5]  # some pixels the same
    slow = sum(
        (max(one(p), one(q)) + 0.05) / (min(one(p), one(q)) + 0.05) >= 3
        for p, q in zip(a.reshape(-1, 3).tolist(), b.reshape(-1, 3).tolist())
    )
    assert pixels_changed_by_3_to_1(a, b) == slow > 0
    white, grey = np.full((1, 2, 3), 255, np.uint8), np.array([[[0x76] * 3, [0x96] * 3]], np.uint8)
    assert pixels_changed_by_3_to_1(grey, white) == 1  # #767676 on white is 4.5:1; #969696 is 2.9:1


def check_stop(page, stop: dict, unfocused: Unfocused | None, *, measure: bool = True) -> list[str]:
    """What is wrong with one stop: invisible, of no size, outside the window, covered, or too faint a focus
    indicator (measured against UNFOCUSED, or for a drop-down's option without its highlight)."""
    where = _where(stop)
    if stop["hidden"] or stop["opacity"] < 0.99:
        return [f"{where}: invisible when focused (opacity {stop['opacity']:.2f}, hidden {stop['hidden']})"]
    if stop["w"] < 1 or stop["h"] < 1:
        return [f"{where}: has no size"]
    for size, lo, hi, room in (("w", "vx0", "vx1", "vw"), ("h", "vy0", "vy1", "vh")):
        # Inside the window; one taller than the room below the header (a long table) fills most of that room.
        shown, full = stop[hi] - stop[lo], stop[size]
        space = stop[room] - (stop["below"] if size == "h" and stop["inApp"] else 0)
        if shown < (full - 1.5 if full <= space else 0.75 * space):
            return [f"{where}: not inside the {stop['vw']}×{stop['vh']} window when focused"]
    if stop["covered"]:
        return [f"{where}: hidden under {stop['hit']} when focused"]
    if measure and not stop["cell"]:
        changed, wanted = indicator_pixels(page, stop, unfocused)
        if changed < wanted:
            return [f"{where}: focus indicator too faint ({changed} px change by 3:1, {wanted} needed)"]
    return []


def tab_through(page, *, measure: bool = True, start: bool = True) -> tuple[list[dict], list[str]]:
    """Press Tab (from the top of the page, or with START false from where focus is, as in an open dialog) until
    focus comes round again; every stop, and every problem found."""
    stops, problems, seen = [], [], []
    unfocused = Unfocused(page)
    page.add_style_tag(content=NO_CARET)
    if start:
        page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        _frame(page, 40)
        stop = page.evaluate(FOCUSED)
        if stop is None:
            if seen:
                break
            continue
        key = (stop["tag"], stop["testid"], stop["label"], round(stop["x"]), round(stop["y"]))
        if seen and key == seen[0]:
            break
        seen.append(key)
        stops.append(stop)
        problems += check_stop(page, stop, unfocused, measure=measure)
    return stops, problems


def arrow_through(page, key: str, count: int, *, option: bool) -> tuple[list[dict], list[str]]:
    """Press KEY (ArrowDown) COUNT times in an open drop-down (OPTION: its highlighted option is the stop) or menu
    (its focused item); every stop and every problem found."""
    stops, problems = [], []
    unfocused = None if option else Unfocused(page)
    page.add_style_tag(content=NO_CARET)
    for _ in range(count):
        page.keyboard.press(key)
        _frame(page, 40)
        stop = page.evaluate(FOCUSED, option)
        assert stop is not None, f"{key} left nothing {'highlighted' if option else 'focused'}"
        stops.append(stop)
        problems += check_stop(page, stop, unfocused)
    return stops, problems


def _known(request, name: str, width: int) -> None:
    """Mark a page the stop note lists as failing at WIDTH, so a fix shows as XPASS rather than hiding the failure."""
    if (name, width) in KNOWN_FOCUS_FAILURES:
        what = KNOWN_FOCUS_FAILURES[name, width]
        request.applymarker(pytest.mark.xfail(reason=f"known: the {what}'s Tab stops at {width} px (stop note)", strict=False))
    if width == 320 and name in KNOWN_320_FAILURES:
        reason = f"known: the {KNOWN_320_FAILURES[name]} at 320 px (stop note)"
        request.applymarker(pytest.mark.xfail(reason=reason, strict=False))


@pytest.mark.parametrize("name, link", PAGES, ids=IDS)
def test_each_page_is_whole_at_board_sizes_shows_focus_at_every_tab_stop_and_is_axe_clean(ui, axe_js, name, link, request):
    """One wide visit per page, for everything a person at a desk or a board screen sees:
    - the screen and the whole page at 1366×768 and 1920×1080, saved to test-artifacts/screenshots/: nothing cut
      off at the right, no chart legend over its axis labels;
    - at 1280×900, every Tab stop visible, inside the window, not under the header, and focused at 3:1;
    - with every expander opened, every RAG badge a word and a symbol at AA contrast, and axe-core clean.
    Every problem of the three is listed together."""
    _known(request, name, 1280)
    page = ui.open(link)
    problems = board_size_problems(ui, page, name)
    page.set_viewport_size({"width": 1280, "height": 900})
    ui.settled()
    stops, more = tab_through(page)
    assert len(stops) >= 3, f"{name}: only {len(stops)} Tab stop(s): {[_where(s) for s in stops]}"
    problems += more
    page.set_viewport_size({"width": 1366, "height": 768})
    ui.settled()
    problems += axe_problems_with_everything_shown(ui, axe_js, page, name)
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name, link", PAGES, ids=IDS)
def test_each_page_at_320_px_shows_focus_at_every_tab_stop_scrolls_only_down_and_is_axe_clean(ui, axe_js, name, link, request):
    """At 320×256 (400% zoom of a 1280-wide screen), opened at that size: nothing scrolls sideways outside data
    tables, axe-core is clean, and every Tab stop is visible, inside the window and focused at 3:1."""
    _known(request, name, 320)
    page = _open(ui, link, 320, 256)
    problems = sideways_and_axe_at_320(ui, axe_js, page, name)
    stops, more = tab_through(page)
    assert len(stops) >= 3, f"{name}: only {len(stops)} Tab stop(s): {[_where(s) for s in stops]}"
    assert not problems + more, f"{name} at 320×256:\n" + "\n".join(problems + more)


def _axe_clean(ui, axe_js, name: str) -> None:
    """axe-core on the whole document as it stands (an open dialog, list or menu included): nothing serious."""
    bad = [v for v in ui.axe(axe_js, name) if v["impact"] in FAILING_IMPACTS]
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in bad)


def _open_sidebar(page) -> None:
    """At 320 px the sidebar starts closed: open it from the keyboard, as a person would."""
    if page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true":
        page.get_by_test_id("stExpandSidebarButton").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'false'")
        page.wait_for_timeout(400)  # its slide-in


def _open_list(page) -> None:
    """↓ in a drop-down's text field opens its list; pressed again if a busy page let the first press go unheard (a
    second ↓ on an open list would move its highlight, so only then)."""
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        try:
            page.locator("[role=listbox]").wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            pass
    pytest.fail(f"↓ did not open the drop-down's list (focus on {page.evaluate(ACTIVE)})")


# What Streamlit draws outside .stApp, as children of the body: the main menu's popover, the drop-down lists and
# dialogs. Each is opened from the keyboard and walked, measured as the page's own Tab stops are, and checked by axe.
@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_main_menu_shows_focus_at_3_to_1_and_axe_is_clean_with_it_open(ui, axe_js, width, height):
    page = _open(ui, "/", width, height)
    button = page.get_by_test_id("stMainMenu").locator("button")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("stMainMenuList").wait_for()
    _frame(page, 100)
    items = page.get_by_role("menuitem").count()
    assert items >= 2, f"the main menu has {items} item(s)"
    page.add_style_tag(content=NO_CARET)
    first = page.evaluate(FOCUSED)
    assert first and first["label"] == "Print", first
    problems = check_stop(page, first, Unfocused(page))
    stops, more = arrow_through(page, "ArrowDown", items - 1, option=False)
    assert [s["label"] for s in [first, *stops]] == ["Print", "Record screen"][:items], stops
    assert not problems + more, f"main menu at {width}×{height}:\n" + "\n".join(problems + more)
    _axe_clean(ui, axe_js, f"main-menu-{width}")
    page.keyboard.press("Escape")
    page.get_by_test_id("stMainMenuList").wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.closest('[data-testid=stMainMenu]') !== null"), page.evaluate(ACTIVE)


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_drop_downs_highlighted_option_shows_focus_at_3_to_1_and_axe_is_clean_with_it_open(ui, axe_js, width, height):
    page = _open(ui, "/", width, height)
    _open_sidebar(page)
    field = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has=page.get_by_text("Area", exact=True))
    # Centred first: a box half off the foot of the sidebar takes focus but does not open its list (as ui.choose).
    field.evaluate("e => e.scrollIntoView({block: 'center'})")
    field.locator("input").focus()
    _open_list(page)
    stops, problems = arrow_through(page, "ArrowDown", 4, option=True)
    assert len({s["label"] for s in stops}) == 4, [s["label"] for s in stops]  # four different options highlighted
    assert not problems, f"the Area drop-down at {width}×{height}:\n" + "\n".join(problems)
    _axe_clean(ui, axe_js, f"drop-down-{width}")
    page.keyboard.press("Escape")


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_deck_settings_dialog_and_its_drop_down_show_focus_at_3_to_1_and_axe_is_clean(ui, axe_js, width, height):
    page = _open(ui, "/present", width, height)
    settings = page.locator(".st-key-deck_settings").get_by_role("button", name="Deck settings")
    settings.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Deck settings")
    dialog.wait_for()
    ui.idle()
    _frame(page, 300)  # its opening animation
    stops, problems = tab_through(page, start=False)  # the dialog keeps Tab inside itself
    names = [s["label"] for s in stops]
    assert "Close" in names and "Apply" in names and any(n.startswith("Presenter view") for n in names), names
    assert all(not s["inApp"] for s in stops), f"Tab left the dialog: {[_where(s) for s in stops if s['inApp']]}"
    _axe_clean(ui, axe_js, f"deck-settings-{width}")
    # Its list of indicators, a multiselect: the highlighted option.
    dialog.get_by_test_id("stMultiSelect").locator("input").focus()
    _open_list(page)
    options, more = arrow_through(page, "ArrowDown", 3, option=True)
    assert len({s["label"] for s in options}) == 3, [s["label"] for s in options]
    _axe_clean(ui, axe_js, f"deck-settings-list-{width}")
    problems += more
    assert not problems, f"Deck settings at {width}×{height}:\n" + "\n".join(problems)
    page.keyboard.press("Escape")  # closes the list
    page.keyboard.press("Escape")  # closes the dialog
    dialog.wait_for(state="detached")


TITLE_SETTLED = """before => {
  const t = document.title, seen = window.__kpiTitle, now = performance.now();
  const idle = document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning';
  if (!seen || seen.t !== t || !idle) { window.__kpiTitle = {t, at: now}; return false; }
  return t.endsWith(' – SEND performance dashboard') && !before.includes(t) && now - seen.at >= 500;
}"""


def test_each_page_has_its_own_title_naming_the_page_and_its_footer_links_the_statement(ui):
    """Every page, reached as a person moves round the dashboard (the sidebar's links; by its address a page the
    sidebar does not show):
    its tab title (distinct, naming the page and the area) and the footer's one link to the accessibility statement
    (drawn last, after the page itself); then that link is followed."""
    titles = {}
    page = None
    for name, link in PAGES:
        in_sidebar = page and page.get_by_test_id("stSidebarNav").locator(f"a[href='{ui.base_url}{link.split('?')[0]}']")
        if in_sidebar and in_sidebar.is_visible():
            in_sidebar.click()
            page.wait_for_url(f"{ui.base_url}{link.split('?')[0]}*")
            page.locator("h1").first.wait_for(timeout=60_000)
            ui.idle()
        else:  # the first page; one with no sidebar link (an action's, reached from the plan); or the deck's (no sidebar)
            page = ui.open(link)
        # The title is set as the page draws, in steps: the navigation's "Scorecard – SEND performance dashboard"
        # first, then the page's own with the area in it (a CI run on 7 December 2026 read the first). Waited for,
        # up to 10 s, until it is this page's (not the one before) and has stayed the same for half a second with
        # the script run finished.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(TITLE_SETTLED, arg=list(titles.values()), timeout=10_000)
        titles[name] = page.title()
        footer = page.locator(".st-key-site_footer a")
        footer.wait_for(timeout=30_000)
        assert footer.count() == 1, name
        assert footer.inner_text().strip().endswith("Accessibility statement"), name
    assert len(set(titles.values())) == len(titles), "\n".join(f"{k}: {v}" for k, v in titles.items())
    assert titles["scorecard"] == "Scorecard – County Durham – SEND performance dashboard", titles
    assert titles["indicator"].startswith("New EHC plans issued within 20 weeks – County Durham – "), titles
    assert titles["statement"] == "Accessibility statement – SEND performance dashboard", titles
    footer.click()
    page.get_by_role("heading", name="Accessibility statement for the SEND performance dashboard").wait_for()
    for heading in ("Feedback and contact information", "Enforcement procedure", "Compliance status", "Non-accessible content"):
        expect(page.get_by_role("heading", name=heading)).to_have_count(1)  # the page draws in stages: waited for


CHART_PAGES = [(f"/indicator?indicator=ehcp_20wk&area={DURHAM}", 3), (f"/compare?area={DURHAM}", 1)]

CHART_COLOURS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const colour = (el, prop) => { const s = getComputedStyle(el); return {c: s[prop], o: parseFloat(s[prop + 'Opacity'] ?? 1)}; };
  const text = [...gd.querySelectorAll('svg.main-svg text')].filter(t => t.textContent.trim())
    .map(t => ({what: t.textContent.trim().slice(0, 40), ...colour(t, 'fill')}));
  const lines = [...gd.querySelectorAll('.scatterlayer path.js-line, .shapelayer path, .layer-above path, .layer-below .shapelayer path')]
    .filter(p => parseFloat(getComputedStyle(p).strokeWidth) > 0 && getComputedStyle(p).stroke !== 'none')
    .map(p => ({what: p.closest('.trace')?.className.baseVal || 'shape', ...colour(p, 'stroke')}));
  const bars = [...gd.querySelectorAll('.barlayer path')].map(p => ({what: 'bar', ...colour(p, 'fill')}));
  return {title: gd.querySelector('.gtitle')?.textContent, text, lines: lines.concat(bars)};
})"""


def _over_white(css: str, opacity: float) -> str:
    """A CSS colour with its opacity laid over the white plot, as rgb()."""
    nums = [float(x) for x in re.findall(r"[\d.]+", css)]
    alpha = (nums[3] if len(nums) > 3 else 1.0) * opacity
    r, g, b = (round(c * alpha + 255 * (1 - alpha)) for c in nums[:3])
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("link, charts", CHART_PAGES, ids=["indicator", "compare"])
def test_every_chart_is_named_summarised_tied_to_a_table_and_drawn_at_4_5_to_1(ui, link, charts):
    """On one visit: each chart a figure named, summarised and tied to its table (the summary's link opens it and
    focuses it); then every chart's text at 4.5:1 and its lines at 3:1 against white (read from the SVG)."""
    page = ui.open(link, ready=".js-plotly-plot")
    # A full run (7 December 2026) once read the indicator page with 1 of its 3 charts in the document, after the script
    # run was reported finished: every chart is waited for, then laid out.
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stPlotlyChart]').length >= n", arg=charts, timeout=30_000
    )
    ui.settled()
    found = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(c => {
        const described = document.getElementById(c.getAttribute('aria-describedby') || '-');
        const details = document.getElementById(c.getAttribute('aria-details') || '-');
        return {role: c.getAttribute('role'), name: c.getAttribute('aria-label'),
                summary: described ? described.textContent.trim() : null,
                rows: details ? details.querySelectorAll('tbody tr').length : 0,
                link: described ? described.querySelector('a.chart-table-link')?.getAttribute('href') : null,
                table: details ? '#' + details.id : null,
                exposedSvg: c.querySelectorAll('svg.main-svg:not([aria-hidden=true])').length};
    })""")
    assert len(found) == charts, found
    for c in found:
        assert c["role"] == "figure" and c["name"] and c["name"].startswith("Chart: "), c
        assert c["summary"] and len(c["summary"]) > 40, c
        assert c["rows"] > 0 and c["link"] == c["table"], c
        assert c["exposedSvg"] == 0, f"Plotly's SVG is exposed to assistive technology: {c}"
    # Following the summary's link opens the table and puts focus on it.
    page.locator("a.chart-table-link").first.click()
    assert page.locator("details.chart-table").first.evaluate("d => d.open")
    assert page.evaluate("() => document.activeElement.closest('details.chart-table') !== null")
    _chart_colours(ui, page, link, charts)


def _chart_colours(ui, page, link: str, charts: int) -> None:
    if "indicator" in link:  # the SPC chart draws when its tab is opened
        page.get_by_role("tab", name=re.compile("SPC")).click()
    ui.settled()
    problems = []
    charts_seen = page.evaluate(CHART_COLOURS)
    assert len(charts_seen) == charts
    for chart in charts_seen:
        assert chart["text"] and chart["lines"], chart["title"]
        for t in chart["text"]:
            ratio = contrast(_over_white(t["c"], t["o"]), "rgb(255, 255, 255)")
            if ratio < 4.5:
                problems.append(f"{chart['title']}: text {t['what']!r} {t['c']} at {ratio:.2f}:1")
        for line in chart["lines"]:
            ratio = contrast(_over_white(line["c"], line["o"]), "rgb(255, 255, 255)")
            if ratio < 3:
                problems.append(f"{chart['title']}: line {line['what']} {line['c']} at {ratio:.2f}:1")
    assert not problems, "\n".join(problems)


# Every piece of text Plotly drew in a chart (ticks, title, quartile names, labels, legend) and the chart's box.
CHART_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const c = gd.getBoundingClientRect();
  const text = [...gd.querySelectorAll('svg.main-svg text')].filter(t => t.textContent.trim() && t.getClientRects().length)
    .map(t => { const r = t.getBoundingClientRect();
      return {what: t.textContent.trim().slice(0, 50), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; });
  return {chart: {x0: c.left, x1: c.right}, text};
})"""

# Durham near the foot of the ranking, Barnet first (its bar reaches the top), Dudley in the middle.
LEAGUE_AREAS = [DURHAM, "E09000003", "E08000027"]


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("area", LEAGUE_AREAS)
def test_compare_chart_labels_do_not_overlap_and_stay_inside_the_chart(ui, area, width):
    page = _open(ui, f"/compare?indicator=dfe_ehcp_20wk&period=2024&area={area}", width, 256)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    ui.settled()
    (chart,) = page.evaluate(CHART_TEXT)
    labels = chart["text"]
    assert len(labels) >= 12, labels  # ticks, title, axis titles, four quartile names, the area's label, the legend
    assert any(t["what"].startswith("Top") for t in labels) and any("of 150" in t["what"] for t in labels), labels
    problems = []
    for i, a in enumerate(labels):
        if a["x0"] < chart["chart"]["x0"] - 1 or a["x1"] > chart["chart"]["x1"] + 1:
            problems.append(f"{a['what']!r} runs outside the chart ({a['x0']:.0f}–{a['x1']:.0f} px)")
        for b in labels[i + 1 :]:
            # Overlapping by more than a pixel each way: glyph boxes that merely touch are not drawn over each other.
            if min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 1 and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 1:
                problems.append(f"{a['what']!r} overlaps {b['what']!r}")
    assert not problems, f"at {width} px:\n" + "\n".join(problems)


def sideways_and_axe_at_320(ui, axe_js, page, name: str) -> list[str]:
    """At 320 px: nothing scrolls sideways outside data tables, and axe-core finds nothing serious."""
    # Tabs and charts re-lay themselves out after the window narrows, later on a busy machine: wait up to ten seconds
    # for nothing to stick out before calling what does a failure (what still sticks out then is real).
    try:
        page.wait_for_function(f"() => ({WIDE_JS})().length === 0", timeout=10_000, polling=250)
    except PlaywrightTimeout:
        pass
    wide = page.evaluate(WIDE_JS)
    problems = [f"{name} at 320 px scrolls sideways: {wide}"] if wide else []
    violations = ui.axe(axe_js, f"{name}-320")
    bad = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    return problems + [f"axe {v['impact']} {v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in bad]


WIDE_JS = """() => {
        const main = document.querySelector('[data-testid=stMain]');
        const out = [];
        if (document.documentElement.scrollWidth > innerWidth + 1) out.push(`the page is ${document.documentElement.scrollWidth}px wide`);
        if (main.scrollWidth > main.clientWidth + 1) out.push(`the main area is ${main.scrollWidth}px wide`);
        // Anything sticking out of the window that is not inside a data table scrolling on its own.
        const tables = '[data-testid=stDataFrame], [data-testid=stTable], .scorecard-wrap, .js-plotly-plot';
        for (const el of main.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > innerWidth + 1 && !el.closest(tables) && getComputedStyle(el).visibility === 'visible')
                out.push(`${el.tagName}.${el.className?.baseVal ?? el.className} reaches ${Math.round(r.right)}px`);
        }
        return out.slice(0, 10);
    }"""


def test_opening_the_sidebar_at_320_px_keeps_focus_in_it_and_escape_gives_it_back(ui):
    page = _open(ui, "/", 320, 256)
    button = page.get_by_test_id("stExpandSidebarButton")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'false'")
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').contains(document.activeElement)")
    # While the sidebar covers the page, Tab never reaches what lies under it.
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !document.querySelector('[data-testid=stMain]').contains(document.activeElement)")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'true'")
    page.wait_for_function("() => document.activeElement?.dataset.testid === 'stExpandSidebarButton'")


def test_focus_stays_on_the_control_used_after_a_rerun(ui):
    page = _open(ui, "/", 1280, 900)
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has=page.get_by_text("Sort by", exact=True))
    field = box.locator("input")
    field.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    ui.idle()
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.activeElement !== document.body"), "focus fell back to <body> after the rerun"
    assert page.evaluate("() => document.activeElement.closest('[data-testid=stSelectbox]') !== null")


@pytest.fixture
def own_server(chromium_path, sample_db_template, tmp_path):
    """A server of its own on a copy of the sample: loading figures must not change what other tests see."""
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, tmp_path) as server:
        yield server


ACTIVE = """() => { const a = document.activeElement;
  return !a || a === document.body ? 'body' : `${a.tagName} ${a.closest('[data-testid]')?.dataset.testid} ${(a.getAttribute('aria-label') || a.innerText || '').trim().slice(0, 60)}`; }"""


def _tab_to(page, test: str, what: str) -> None:
    """Press Tab until the focused element passes TEST (a JavaScript expression about `a`, the focused element)."""
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const a = document.activeElement; return Boolean({test}); }}"):
            return
    pytest.fail(f"Tab never reached {what}")


def test_focus_stays_on_the_uploader_after_an_upload_and_moves_to_the_result_after_confirm(browser, own_server, tmp_path):
    # Keyboard only: Tab to the uploader's button, Enter opens the file chooser; Tab to Confirm, Enter loads.
    period = sample_next("asd_avg_wait_weeks")
    csv = tmp_path / "one.csv"
    csv.write_text(f"indicator,area,period,value\nasd_avg_wait_weeks,{DURHAM},{period.label},47\n")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    ui = UI(context.new_page(), own_server.url)
    # Listening from the start: Playwright only catches the chooser once its interception has reached Chromium, and
    # expect_file_chooser around the key press sometimes asked too late (the chooser opened unseen).
    ui.page.on("filechooser", lambda chooser: chooser.set_files(str(csv)))
    try:
        page = ui.open("/upload", ready="[data-testid=stFileUploaderDropzone]")
        page.evaluate("() => { document.activeElement?.blur(); }")
        _tab_to(page, "a.closest('[data-testid=stFileUploaderDropzone]') && a.tagName === 'BUTTON'", "the uploader's button")
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Confirm: load 1 new and 0 changed figure(s)").wait_for(timeout=60_000)
        ui.idle()
        # The Upload button gives way to the file it holds: focus goes to what is in its place, in the same uploader.
        page.wait_for_function("() => document.activeElement?.closest('[data-testid=stFileUploader]') !== null", timeout=10_000)
        page.wait_for_timeout(300)  # and stays there once the page has settled
        assert page.evaluate("() => document.activeElement.closest('[data-testid=stFileUploader]') !== null"), page.evaluate(
            ACTIVE
        )
        assert page.evaluate(ACTIVE) == "BUTTON stBaseButton-minimal Remove one.csv"

        _tab_to(page, "a.tagName === 'BUTTON' && a.innerText.startsWith('Confirm: load')", "Confirm")
        page.keyboard.press("Enter")
        done = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded one.csv as upload")
        done.wait_for(timeout=60_000)
        ui.idle()
        # Confirm is gone after loading: focus goes to the message saying what happened, never to <body>.
        page.wait_for_function("() => document.activeElement !== document.body", timeout=10_000)
        page.wait_for_timeout(300)
        said = page.evaluate(ACTIVE)
        assert said != "body", "focus fell back to <body> after Confirm"
        assert page.evaluate(
            "() => document.activeElement.closest('[data-testid=stAlert]')?.innerText.includes('Loaded one.csv')"
        ), said
    finally:
        context.close()
