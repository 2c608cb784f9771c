"""Screenshots of every page at the two screen sizes board members use, saved to test-artifacts/screenshots/. Taken
on each page's one wide visit (tests/browser/test_browser_keyboard.py), with the Tab walk and axe."""

import struct

from PIL import Image

from tests.browser.conftest import CHART_CLASHES, SIZES


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def jpeg_size(path) -> tuple[int, int]:
    with Image.open(path) as picture:
        assert picture.format == "JPEG", f"{path} is not a JPEG"
        return picture.size


def board_size_problems(ui, page, name: str) -> list[str]:
    """The screen and the whole page at each board size (SIZES): what is cut off at the right or drawn over (a
    chart's legend over its axis labels; a label, title, legend entry or icon over another)."""
    problems = []
    for width, height in SIZES:
        shot, full = ui.screenshots(name, width, height)
        assert png_size(shot) == (width, height)
        full_w, full_h = jpeg_size(full)
        assert full_w == width and full_h >= height
        # Nothing is cut off sideways: neither the main area nor any of our HTML (tables) scrolls horizontally.
        wide = page.evaluate("""() => [document.querySelector('[data-testid=stMain]'),
                                       ...document.querySelectorAll('[data-testid=stHtml], [data-testid=stHtml] [role=region]')]
            .filter(e => e.scrollWidth - e.clientWidth > 1)
            .map(e => `${e.dataset.testid || e.className}: ${e.scrollWidth}px of content in ${e.clientWidth}px`)""")
        if wide:
            problems.append(f"{name} at {width}x{height} is cut off at the right: {wide}")
        # Plotly keeps a legend's place from the last layout; after a resize it must still sit below the axis labels.
        clashes = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => {
                const legend = gd.querySelector('.legend'), ticks = [...gd.querySelectorAll('.xtick text')];
                if (!legend || !ticks.length) return false;
                return legend.getBoundingClientRect().top < Math.max(...ticks.map(t => t.getBoundingClientRect().bottom)) - 1;
            }).map(gd => gd.querySelector('.gtitle')?.textContent)""")
        if clashes:
            problems.append(f"{name} at {width}x{height}: chart legend covers the axis labels: {clashes}")
        problems += [f"{name} at {width}x{height}: {c}" for c in page.evaluate(CHART_CLASHES)]
    return problems
