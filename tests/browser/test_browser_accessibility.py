"""Accessibility in a real browser: axe-core on every page in the navigation (run on each page's one wide visit, in
tests/browser/test_browser_keyboard.py), and RAG as text with AA contrast."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DURHAM

FAILING_IMPACTS = {"serious", "critical"}
RAG_TEXT = re.compile(r"^(✔ Green|▲ Amber|✖ Red|○ No target|– No data)$")


def open_every_expander(ui, page) -> None:
    """Open every expander, so axe checks what a person can reveal, not only what shows at first."""
    for summary in page.locator("[data-testid=stExpander] summary").all():
        # By keyboard, as a keyboard user would; a pointer click can land on Streamlit's sticky header instead.
        summary.focus()
        summary.press("Enter")
    # An expander drawn only when opened (an upload's figures in the Upload history) fills after its rerun.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stExpander] details')].every(d => d.open
            && d.querySelector('[data-testid=stExpanderDetails] [data-testid=stVerticalBlock]')?.children.length)""",
        timeout=60_000,
    )
    ui.idle()


def axe_problems_with_everything_shown(ui, axe_js, page, name: str) -> list[str]:
    """Every expander opened, every RAG badge a word and a symbol at AA contrast, and axe-core on the whole page:
    each serious or critical violation, with the elements it names (all of them in test-artifacts/axe/NAME.json)."""
    open_every_expander(ui, page)
    check_rag_badges(page)  # wherever a page shows RAG badges (scorecard, indicator, exceptions, presentation)
    violations = ui.axe(axe_js, name)
    for v in violations:
        print(f"{name}: {v['impact']} {v['id']} ({len(v['nodes'])} node(s)): {v['help']}")
    return [
        f"axe {v['impact']} {v['id']}: {v['help']}\n" + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (opaque ones; the badges set both)."""
    a, b = (_luminance(tuple(int(x) for x in re.findall(r"\d+", c)[:3])) for c in (fg, bg))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def check_rag_badges(page) -> set[str]:
    """Every RAG badge on the page says its status in a word and a symbol, and its text meets AA contrast."""
    badges = page.locator(".rag").evaluate_all(
        "els => els.map(e => { const s = getComputedStyle(e); return {text: e.textContent.trim(), fg: s.color, bg: s.backgroundColor}; })"
    )
    for b in badges:
        assert RAG_TEXT.match(b["text"]), f"RAG badge without its word and symbol: {b}"
        assert "rgba" not in b["bg"] or b["bg"].endswith(", 1)"), f"RAG badge background is not opaque: {b}"
        ratio = contrast(b["fg"], b["bg"])
        assert ratio >= 4.5, f"{b['text']}: contrast {ratio:.2f} is below WCAG AA 4.5:1 ({b['fg']} on {b['bg']})"
    return {b["text"] for b in badges}


@pytest.mark.parametrize(
    "path, ready", [("/", "table.scorecard"), (f"/indicator?indicator=ehcp_20wk&area={DURHAM}", ".headline .rag")]
)
def test_rag_badges_carry_a_word_and_symbol_and_meet_aa_contrast(ui, path, ready):
    page = ui.open(path, ready=ready)
    words = check_rag_badges(page)
    assert words
    if path == "/":
        expect(page.locator("table.scorecard th", has_text="RAG")).to_have_count(1)
        assert {"✔ Green", "▲ Amber", "✖ Red", "○ No target"} <= words, words


def test_contrast_ratio_matches_wcag_examples():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)  # #767676, the lightest AA grey
