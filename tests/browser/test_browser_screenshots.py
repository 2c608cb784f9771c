"""Screenshots of every page at the two screen sizes board members use, saved to test-artifacts/screenshots/."""

import struct

import pytest

from tests.browser.conftest import SIZES, app_pages


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("name, link", app_pages(), ids=[name for name, _ in app_pages()])
def test_screenshots_of_every_page_at_board_screen_sizes(ui, name, link):
    page = ui.open(link)
    for width, height in SIZES:
        shot, full = ui.screenshots(name, width, height)
        assert png_size(shot) == (width, height)
        full_w, full_h = png_size(full)
        assert full_w == width and full_h >= height
        # Nothing is cut off sideways: neither the main area nor any of our HTML (tables) scrolls horizontally.
        wide = page.evaluate("""() => [document.querySelector('[data-testid=stMain]'),
                                       ...document.querySelectorAll('[data-testid=stHtml], [data-testid=stHtml] [role=region]')]
            .filter(e => e.scrollWidth - e.clientWidth > 1)
            .map(e => `${e.dataset.testid || e.className}: ${e.scrollWidth}px of content in ${e.clientWidth}px`)""")
        assert not wide, f"{name} at {width}x{height} is cut off at the right: {wide}"
        # Plotly keeps a legend's place from the last layout; after a resize it must still sit below the axis labels.
        clashes = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => {
                const legend = gd.querySelector('.legend'), ticks = [...gd.querySelectorAll('.xtick text')];
                if (!legend || !ticks.length) return false;
                return legend.getBoundingClientRect().top < Math.max(...ticks.map(t => t.getBoundingClientRect().bottom)) - 1;
            }).map(gd => gd.querySelector('.gtitle')?.textContent)""")
        assert not clashes, f"{name} at {width}x{height}: chart legend covers the axis labels: {clashes}"
