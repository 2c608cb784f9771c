"""Provider scorecard: the joint commissioning group's balanced provider scorecard, every commissioned provider by
finance, service-user experience, service delivery, safeguarding and provider-market health, and a provider's own page."""

import streamlit as st

from indicators import provider_scorecard, scorecard_view
from pages.common import (
    ILLUSTRATIVE_NOTE,
    area_page,
    figures_for,
    page_css,
    page_title,
    plain,
    provenance,
    provenance_banner,
    run_page,
)


def providers_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the provider scorecard")
    page_title("Provider scorecard", area_name)
    rows = provider_scorecard.provider_rows(cur, cfg, area)
    chosen = {c: n for c, n in provider_scorecard.providers(cfg, area)}
    ids = [i.id for i in provider_scorecard.measures(cfg)]
    wanted = st.query_params.get("provider")
    if wanted in chosen:
        mine = rows[rows["provider"] == wanted]
        st.title(plain(chosen[wanted]))
        st.caption(f"Balanced provider scorecard · commissioned for {plain(area_name)} · quarterly returns")
        provenance(figures_for(cur, wanted), ids)
        st.page_link("pages/providers_page.py", label="Every provider", icon=":material/arrow_back:", query_params={"area": area})
        if (mine["figure_type"] == "illustrative").any():
            st.caption("This provider and its figures are illustrative, made up to show the scorecard.")
        st.html(page_css("providers_page.css") + provider_scorecard.measures_html(mine))
        st.caption(ILLUSTRATIVE_NOTE)
        return
    st.title("Provider scorecard")
    provenance_banner(*scorecard_view.providers_provenance([figures_for(cur, c) for c in chosen], ids))
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
        st.caption("These providers and their figures are illustrative, made up to show the scorecard.")
    st.html(page_css("providers_page.css") + provider_scorecard.grid_html(table, link=f"providers?area={area}&provider="))
    st.caption("RAG is shown by word and symbol as well as colour: ✔ Green, ▲ Amber, ✖ Red, – No data.")


if __name__ == "__main__":
    run_page(providers_page)
