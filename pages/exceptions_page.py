"""Exceptions: indicators that are red, have moved down a RAG band, or are overdue, worst first, with commentary."""

import html

import streamlit as st

from indicators import commentary, exceptions, scorecard, tables
from pages.common import area_picker, get_access, get_config, get_cursor, plain, require, run_page


def exceptions_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "see the exceptions")
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)

    st.title(f"Exceptions — {plain(area_name)}")
    st.write(
        "Indicators that are **red**, have **moved down a RAG band** since the previous period, or whose latest "
        "figure is **overdue**, worst first, each with what the service says it is doing about it."
    )
    ex = exceptions.exception_report(cur, cfg, area)
    if ex.empty:
        st.success("No indicator is red, worse than last period or overdue.")
        st.stop()

    rows = []
    for r in ex.itertuples():
        link = f"indicator?indicator={html.escape(r.indicator_id)}&amp;area={html.escape(area)}"
        said = commentary.to_html(r.actions) or "<em>No commentary yet</em>"
        rows.append(
            f"<tr data-indicator='{html.escape(r.indicator_id)}'><td><a href='{link}' target='_self'>{html.escape(r.indicator)}</a></td>"
            f"<td>{html.escape(r.reasons)}</td><td>{scorecard.rag_badge_html(r.status)}</td>"
            f"<td class='num'>{html.escape(r.value_text)}</td><td>{said}</td></tr>"
        )
    st.html(
        scorecard.SCORECARD_CSS
        + "<table class='scorecard'><thead><tr><th scope='col'>Indicator</th><th scope='col'>Why it is here</th>"
        "<th scope='col'>RAG</th><th scope='col'>Latest</th><th scope='col'>What we are doing about it</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the exceptions (CSV)",
        tables.to_csv(ex.drop(columns=["severity"])),
        file_name=f"exceptions-{area}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    c2.download_button(
        "Download the exceptions (Excel)",
        tables.to_xlsx(ex.drop(columns=["severity"]), "exceptions"),
        file_name=f"exceptions-{area}.xlsx",
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


if __name__ == "__main__":
    run_page(exceptions_page)
