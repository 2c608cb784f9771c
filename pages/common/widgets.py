"""What every page draws: the frame (focus style and script, title, footer, run_page), the area picker, an
accessible chart, and the provenance banner every screen starts with."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd
import streamlit as st

from indicators import config as config_mod
from indicators import markup, queries, readmodel, tables
from pages.common.gate import _OPENED_BY_APP, get_access, hand_over, require
from pages.common.state import _IN_PAGE, APP_NAME, PAGES, PageStopped, figures_for, get_config, get_cursor
from pages.common.text import plain

ILLUSTRATIVE_NOTE = (
    "Diamonds and the word *published* mark figures quoted in published documents (hover for the source); "
    "open circles and *illustrative* mark sample values made up to fill the series. They are not real returns."
)


def run_page(render: Callable[[], None]) -> None:
    """The last line of every page file: draw the page when app.py's navigation opened it, else hand over to app.py.
    (st.Page and the legacy discovery both execute the file as __main__, so only app.py's mark tells them apart.)
    Every page gets the same focus style and script first and the footer last."""
    if not _OPENED_BY_APP.get():
        hand_over()
        return
    chrome()
    token = _IN_PAGE.set(True)
    try:
        render()
    except PageStopped:
        pass
    finally:
        _IN_PAGE.reset(token)
    footer()


# ---------------------------------------------------------------- what every page shares: title, focus, footer

_A11Y_CSS = (PAGES / "a11y.css").read_text(encoding="utf-8")
_A11Y_JS = (PAGES / "a11y.js").read_text(encoding="utf-8")


def area_page(what: str):
    """The start of every page about one area: the config, the person (who must be a viewer, to `what`), a cursor, and
    the area chosen in the sidebar. Returns (cfg, who, cur, area, area_name)."""
    cfg = get_config()
    who = get_access()
    require(who.viewer, what)
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)
    return cfg, who, cur, area, area_name


@functools.cache
def page_css(name: str) -> str:
    """A page's own style sheet (pages/NAME, a .css file beside the page), as a <style> element for st.html."""
    return f"<style>{(PAGES / name).read_text(encoding='utf-8')}</style>"


def page_title(*parts: str) -> None:
    """The browser tab's title (WCAG 2.4.2), most specific first: "Scorecard – County Durham – SEND performance
    dashboard". app.py sets the page's name alone; a page with an area or indicator sets the fuller title."""
    st.set_page_config(page_title=" – ".join([*(p for p in parts if p), APP_NAME]))


def chrome() -> None:
    """The focus style and the small script every page needs (see pages/a11y.css and pages/a11y.js). The script is
    ours and fixed: nothing from a file or a person reaches it."""
    st.html(f"<style>{_A11Y_CSS}</style>")
    with st.container(key="a11y_script"):  # hidden by a11y.css; the script runs all the same
        st.html(f"<script>{_A11Y_JS}</script>", unsafe_allow_javascript=True)


def footer() -> None:
    """Every page's footer: the accessibility statement."""
    with st.container(key="site_footer"):
        st.page_link(PAGES / "statement_page.py", label="Accessibility statement", icon=":material/accessibility:")


def chart(key: str, fig, name: str, summary: str, table: pd.DataFrame) -> None:
    """A chart people can read without seeing it: its name and one-sentence summary before it, its figures as a table
    beside it (linked from the summary), Plotly's SVG hidden from assistive technology (pages/a11y.js). Drawn with
    the figure's own colours (theme=None), which meet WCAG contrast, not Streamlit's lighter chart theme."""
    with st.container(key=f"chart_{key}"):
        st.html(markup.chart_alt_html(key, name, summary))
        st.plotly_chart(fig, width="stretch", theme=None, config={"displaylogo": False}, key=key)
        st.html(markup.chart_table_html(key, name, table))


def area_picker(cur, cfg: config_mod.Config, *, where=st.sidebar) -> tuple[str, str]:
    """Area chosen in the sidebar, kept in the URL (?area=CODE) so a link opens the same view."""
    names = queries.area_names(cur)
    # Streamlit forgets a widget's value when the page changes, so the choice is kept in "_area" (updated by the
    # widget's on_change) and given back to the widget at the top of every page. The first page of a session
    # takes a deep link (?area=CODE) if there is one.
    if st.session_state.get("_area") not in names:
        wanted = st.query_params.get("area")
        st.session_state["_area"] = wanted if wanted in names else cfg.default_area
    st.session_state["area"] = st.session_state["_area"]
    code = where.selectbox(
        "Area",
        list(names),
        key="area",
        format_func=lambda c: f"{names[c]} ({c})",
        on_change=lambda: st.session_state.update(_area=st.session_state["area"]),
    )
    st.query_params["area"] = code
    return code, names[code]


def provenance(af: readmodel.AreaFigures, ids: list[str] | None = None) -> None:
    """The banner every screen starts with: how old the figures are, whether any are made up, and (once, listed)
    which indicators are overdue."""
    provenance_banner(af.figures_up_to(ids), af.illustrative_shown(ids), af.overdue_summary(ids))
    late = af.overdue(ids)
    if not late.empty:
        with st.expander(af.overdue_heading(ids), icon=":material/schedule:"):
            st.dataframe(
                late[["indicator", "latest_due_display", "periods_missing"]].rename(
                    columns={
                        "indicator": "Indicator",
                        "latest_due_display": "Latest period due",
                        "periods_missing": "Periods missing",
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def provenance_banner(figures_up_to: str, illustrative: bool, summary: str = "") -> None:
    """The banner alone, for a screen whose figures are not one area's (the provider scorecard's providers)."""
    st.html(markup.provenance_html(figures_up_to, illustrative, summary))


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_downloads(what: str, table: pd.DataFrame, file_stem: str, sheet: str) -> None:
    """A table's two downloads side by side: CSV, and Excel (the workbook built only when clicked, not on every rerun)."""
    c1, c2 = st.columns(2)
    c1.download_button(
        f"Download {what} (CSV)", tables.to_csv(table), file_name=f"{file_stem}.csv", mime="text/csv", icon=":material/download:"
    )
    c2.download_button(
        f"Download {what} (Excel)",
        lambda: tables.to_xlsx(table, sheet),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
    )


def titled_figures(title: str, cur, area: str, area_name: str) -> readmodel.AreaFigures:
    """A page about one area's figures starts the same way: its tab title and heading name the area, and the provenance
    line (how old the figures are, which are illustrative) comes before anything else."""
    page_title(title, area_name)
    st.title(f"{title} — {plain(area_name)}")
    af = figures_for(cur, area)
    provenance(af)
    return af
