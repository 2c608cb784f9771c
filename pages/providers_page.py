"""Provider scorecard: the joint commissioning group's balanced provider scorecard, every commissioned provider by
finance, service-user experience, service delivery, safeguarding and provider-market health, and a provider's own page."""

import streamlit as st

from indicators import provider_scorecard
from pages.common import (
    ILLUSTRATIVE_NOTE,
    area_page,
    page_title,
    plain,
    run_page,
)

GRID_CSS = """<style>
.provider-grid, .provider-measures {border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem}
.provider-grid caption, .provider-measures caption {text-align: left; caption-side: top; padding: 0 0 0.4rem; color: #0b0c0c}
.provider-grid th, .provider-grid td, .provider-measures th, .provider-measures td
  {border: 1px solid #b1b4b6; padding: 0.4rem 0.5rem; text-align: left; vertical-align: top}
.provider-grid thead th, .provider-measures thead th {background: #f3f2f1}
.provider-grid a {color: #1d70b8; text-decoration: underline}
.provider-grid a:focus {outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c}
.scorecard-wrap {overflow-x: auto}
.scorecard-wrap:focus {outline: 3px solid #ffdd00; box-shadow: 0 0 0 5px #0b0c0c}
.rag {display: inline-block; padding: 0.1rem 0.4rem; border-radius: 3px; font-weight: 600}
</style>"""


def providers_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the provider scorecard")
    page_title("Provider scorecard", area_name)
    rows = provider_scorecard.provider_rows(cur, cfg, area)
    chosen = {c: n for c, n in provider_scorecard.providers(cfg, area)}
    wanted = st.query_params.get("provider")
    if wanted in chosen:
        mine = rows[rows["provider"] == wanted]
        st.title(plain(chosen[wanted]))
        st.caption(f"Balanced provider scorecard · commissioned for {plain(area_name)} · quarterly returns")
        st.page_link("pages/providers_page.py", label="Every provider", icon=":material/arrow_back:", query_params={"area": area})
        if (mine["figure_type"] == "illustrative").any():
            st.warning("Sample data: this provider and its figures are illustrative, made up to show the scorecard.")
        st.html(GRID_CSS + provider_scorecard.measures_html(mine))
        st.caption(ILLUSTRATIVE_NOTE)
        return
    st.title("Provider scorecard")
    st.write(
        f"The joint commissioning group's balanced provider scorecard for {area_name}: every commissioned provider's "
        "latest quarter under the five domains. A provider's quarterly return comes in through Upload figures (choose "
        "the provider as the area), with the usual preview and rollback."
    )
    if rows.empty:
        st.info(f"No providers are listed for {plain(area_name)} (commissioned: in config/indicators.yaml).")
        return
    table = provider_scorecard.grid(rows)
    if (rows["figure_type"] == "illustrative").any():
        st.warning("Sample data: these providers and their figures are illustrative, made up to show the scorecard.")
    st.html(GRID_CSS + provider_scorecard.grid_html(table, link=f"providers?area={area}&provider="))
    st.caption("RAG is shown by word and symbol as well as colour: ✔ Green, ▲ Amber, ✖ Red, – No data.")


if __name__ == "__main__":
    run_page(providers_page)
