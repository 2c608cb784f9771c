"""Indicator: one indicator's trend for one area, with target, RAG bands, breaks, SPC, its official counterpart
against England, the region and the statistical neighbours, and the data."""

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from indicators import alt_text, charts, commentary, markup, plan_markup, queries, rag, readmodel, uploads
from indicators.about import target_text
from indicators.access import Forbidden
from pages.common import (
    ILLUSTRATIVE_NOTE,
    area_picker,
    chart,
    charts_for,
    figures_for,
    get_access,
    get_config,
    get_cursor,
    page_title,
    plain,
    plan_for,
    provenance,
    require,
    run_page,
    stop,
    table_downloads,
)


def spc_explained(f: readmodel.IndicatorFigures) -> None:
    """The SPC tab's words: each segment and why it starts, the rules, and the conflict rule where it applied."""
    reading = f.spc
    seg = pd.DataFrame(
        [
            {
                "From": x.start,
                "To": x.end,
                "Starts at": "the start of the series" if x.reason == "start" else x.reason,
                "Figures": x.n_values,
                "Mean": None if x.mean is None else round(x.mean, 2),
                "Lower process limit": None if x.lpl is None else round(x.lpl, 2),
                "Upper process limit": None if x.upl is None else round(x.upl, 2),
            }
            for x in reading.segments
        ]
    )
    st.markdown(f"**{len(reading.segments)} segment(s).** Limits are computed within a segment, never across one.")
    st.dataframe(seg, hide_index=True, width="stretch")
    notes = [
        f"Centre line at the mean; process limits at the mean ± 2.66 × the mean moving range. Special cause: a point "
        f"beyond a limit, a run of {reading.settings.run_length} on one side of the mean, a trend of "
        f"{reading.settings.trend_length}, or two of three points near a limit.",
        f"A gap of more than {reading.max_gap} period(s) with no figure starts a new segment; a moving range is never "
        "taken across a gap.",
    ]
    if reading.shifts:
        st.warning(f"{plain(reading.shift_text)}.", icon=":material/moving:")
        st.markdown(
            "Making Data Count recalculates the limits from a sustained shift once its cause is understood. To confirm "
            "the rebase, an administrator adds the `- {period: …}` line to the indicator's `spc: rebase_at:` list in "
            "`config/indicators.yaml` (adding `spc:` and `rebase_at:` if it has none); the chart then starts a new "
            "segment there, for this area only:"
        )
        st.code(f.latest["spc_rebase_config"], language="yaml")
    if reading.rebase_at:
        notes.append(f"Rebased at {', '.join(reading.rebase_at)}.")
    if f.breaks:
        notes.append("Breaks in the series: " + "; ".join(f"{b.period}: {b.reason}" for b in f.breaks) + ".")
    conflicts = [p.period for p in reading.points if p.conflict]
    if conflicts:
        notes.append(
            f"At {', '.join(conflicts)} signals of improvement and of concern fired together; as in NHS England's Making "
            "Data Count tool, the point is shown as improvement (a run or trend that has just started is the weaker signal)."
        )
    notes += list(reading.warnings)
    st.caption(" ".join(plain(n) for n in notes))


def official_section(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures, cur, area: str, *, show_chart: bool) -> None:
    """A local measure's official counterpart (or an official indicator itself): the DfE series for this area
    against England, the region and the statistical neighbours, and where the area ranks among local
    authorities each year, each year linked to Compare areas."""
    ind = f.ind
    st.header(f"Official figures: {plain(ind.name)}" if ind.kind == "official" else "Against England and similar areas")
    st.caption(f"{plain(ind.source)} · id `{ind.id}`")
    if show_chart:  # under a local measure: the official series itself, with England, the region and the neighbours
        trend, _ = charts_for(cur, ind.id, area)
        shown = f.shown_as(af.area.name)
        chart(
            f"official_{ind.id}",
            trend,
            alt_text.trend_name(f, shown),
            alt_text.trend_summary(f, shown),
            alt_text.trend_table(f, shown),
        )
    if f.stand_in is not None:  # NHS statistics: whose figures these are, and the table in place of the ranks
        nhs_figures(af, f)
        return
    neighbours = ", ".join(f"{n}" + (f" ({c})" if c else "") for _, n, c in af.area.neighbours)
    if neighbours:
        st.caption(f"Statistical neighbours (DfE model, closest first): {plain(neighbours)}.")
    if f.ranks.empty:
        st.caption("Too few local authorities have a figure to rank them.")
        return
    latest = f.held["period"].iloc[-1]
    said = readmodel.neighbours_text(f, latest)
    if said:
        st.markdown(f"**Statistical neighbours, {plain(f.latest['period_display'])}:** {plain(said)}")
    rows = []
    values = f.series.set_index("period")
    for r in f.ranks.itertuples(index=False):
        link = f"compare?indicator={ind.id}&period={r.period}&area={area}"
        rows.append(
            {
                "Year": values.loc[r.period, "period_display"],
                f"{af.area.name}": values.loc[r.period, "value_text"],
                **{label: _comparator_cell(ind, c, r.period) for label, c in f.comparators.items()},
                "Rank among local authorities": f"{readmodel.ordinal(r.rank)} of {r.n_las}",
                "Quartile": readmodel.QUARTILE_WORDS[r.quartile],
                "Compare": link,
            }
        )
    table = pd.DataFrame(rows[::-1])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Compare": st.column_config.LinkColumn("Compare", display_text="every local authority")},
    )
    st.caption(f"How these are compared: {readmodel.NEIGHBOURS_METHOD} {readmodel.rank_method(ind)}")


def _comparator_cell(ind, line: pd.DataFrame, period: str) -> str:
    """A comparator's figure for the table; the neighbours' with how many had a figure ("66.4% (10 of 10)")."""
    at = line[line["period"] == period]
    if at.empty:
        return "–"
    r = at.iloc[0]
    if "n_neighbours" not in line.columns:
        return rag.format_value(ind, r["value"])
    n = f"{int(r['n_areas'])} of {int(r['n_neighbours'])}"
    return f"– ({n}: too few)" if pd.isna(r["value"]) else f"{rag.format_value(ind, r['value'])} ({n})"


def nhs_figures(af: readmodel.AreaFigures, f: readmodel.IndicatorFigures) -> None:
    """NHS statistics for a council: what the NHS area shown covers, and each period against the ICB and England."""
    st.info(plain(f.stand_in.coverage), icon=":material/info:")
    rows = []
    for r in f.held.itertuples(index=False):
        counts = (
            "" if pd.isna(r.denominator) else f"{r.numerator:,.0f} of {r.denominator:,.0f}" if not pd.isna(r.numerator) else ""
        )
        rows.append(
            {
                "Month": r.period_display,
                f.stand_in.name: r.value_text,
                **({"Counts": counts} if f.ind.unit == "percent" else {}),
                **{
                    label: rag.format_value(f.ind, c.set_index("period")["value"].get(r.period))
                    for label, c in f.comparators.items()
                },
            }
        )
    st.dataframe(pd.DataFrame(rows[::-1]), hide_index=True, width="stretch")


def definitions_side_by_side(ind, nhs) -> None:
    """The local measure and its NHS counterpart: each definition, and how they differ, in words."""
    st.subheader("The local measure and the NHS measure")
    left, right = st.columns(2)
    left.markdown(f"**{plain(ind.name)}** (the partnership's own)\n\n{plain(ind.definition)}")
    right.markdown(f"**{plain(nhs.name)}**\n\n{plain(nhs.definition)}")
    if ind.compared_with_official:
        st.markdown(f"**How they differ.** {plain(ind.compared_with_official)}")


def indicator_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "see the indicators")
    cur = get_cursor(cfg)
    ids = [i.id for i in cfg.indicators]
    if "indicator" not in st.session_state:
        wanted = st.query_params.get("indicator")
        st.session_state["indicator"] = wanted if wanted in ids else st.session_state.get("_indicator", ids[0])
    indicator_id = st.sidebar.selectbox(
        "Indicator", ids, key="indicator", format_func=lambda i: cfg.by_id[i].name
    )  # options are shown as text
    st.session_state["_indicator"] = indicator_id
    area, area_name = area_picker(cur, cfg)
    st.query_params["indicator"] = indicator_id
    ind = cfg.by_id[indicator_id]
    page_title(ind.name, area_name)

    st.title(plain(ind.name))
    st.caption(f"{plain(area_name)} · reported by {ind.type_name} · id `{ind.id}`")

    af = figures_for(cur, area)
    f = af.indicators.get(ind.id)
    if f is None:
        have = queries.areas_holding(cur, ind.id)
        where = ", ".join(have[:20]) + (f" and {len(have) - 20} more" if len(have) > 20 else "")
        st.info(
            f"There are no figures for {plain(ind.name)} in {plain(area_name)}. Figures are held for: {plain(where or 'no area yet')}."
        )
        stop()
    provenance(af, [ind.id])
    df = f.held
    head = f.latest
    st.html(markup.headline_html(head))
    if head["figure_type"] == "published":
        st.success(f"The latest figure is a published figure — source: {plain(head['source'])}", icon=":material/verified:")

    trend_fig, spc_fig = charts_for(cur, ind.id, area)
    the_plan = plan_for(cur, area)
    milestones = the_plan.milestones_for(ind.id)
    if milestones:  # drawn on a copy: the cached figure is shared by every session
        trend_fig = charts.add_milestones(type(trend_fig)(trend_fig), ind, milestones)
    if f.spc is not None:
        icons = markup.spc_icons_html(SimpleNamespace(**{**head, "spc_note": ""}), 40)  # the words say it all below
        said = f.spc.headline + (f"; {head['assurance_text']}" if head["assurance_text"] else "")
        st.html(f"<div style='display:flex;gap:12px;align-items:center'>{icons}<span>{markup.esc(said)}.</span></div>")

    trend, spc_tab = st.tabs(
        ["Trend against target" + (" and comparators" if f.comparators else ""), "SPC: is this real change? (Making Data Count)"]
    )
    with trend:
        chart(
            "trend_chart",
            trend_fig,
            alt_text.trend_name(f, area_name),
            alt_text.trend_summary(f, area_name)
            + (
                " Improvement plan milestones (stars): "
                + "; ".join(f"action {r}: {rag.format_value(ind, v)} by {d:%B %Y}" for d, v, r in milestones)
                + "."
                if milestones
                else ""
            ),
            alt_text.trend_table(f, area_name),
        )
        gaps = int((~f.series["held"]).sum())
        st.caption(
            ILLUSTRATIVE_NOTE
            + (f" The line is broken where a period has no figure ({gaps} period(s))." if gaps else "")
            + (" A dashed vertical line marks a break in the series." if f.breaks else "")
        )
    with spc_tab:
        if spc_fig is None:
            st.info(
                f"An SPC chart needs at least 12 figures; {plain(area_name)} has {int(df['value'].notna().sum())} for this indicator."
            )
        else:
            chart(
                "spc_chart", spc_fig, alt_text.spc_name(f, area_name), alt_text.spc_summary(f, area_name), alt_text.spc_table(f)
            )
            spc_explained(f)

    aiming = the_plan.by_indicator.get(ind.id, [])
    st.header("Actions that aim to move this indicator")
    if aiming:
        st.caption(
            f"From the improvement plan of {plain(area_name)}"
            + (" (illustrative sample plan)" if the_plan.illustrative else "")
            + ". Delivery status says how each action's work is going; the milestone is the action's own."
        )
        acts = [the_plan.action(m.action_ref) for m in aiming]
        st.html(plan_markup.actions_html([a for a in acts if a], area, "Actions that aim to move this indicator"))
        st.html(plan_markup.measures_html(aiming, area, "This indicator against each action's milestone"))
    else:
        st.write("No action in the improvement plan is linked to this indicator yet.")

    counterpart = af.indicators.get(ind.official) if ind.official else (f if ind.kind == "official" else None)
    if counterpart is not None:
        official_section(af, counterpart, cur, area, show_chart=counterpart is not f)
        if counterpart is not f and counterpart.ind.nhs_geography:
            definitions_side_by_side(ind, counterpart.ind)

    st.header("Commentary")
    latest_period = df.iloc[-1]["period"]
    versions = queries.commentary_versions(cur, ind.id, area)
    current = commentary.latest_for(versions, ind.id, latest_period)
    if current is not None:
        st.html(commentary.block_html(current))
    elif not versions.empty:
        st.write(f"No commentary for {df.iloc[-1]['period_display']} yet; the latest is for an earlier period:")
        st.html(commentary.block_html(commentary.latest_for(versions, ind.id)))
    else:
        st.write("No commentary has been written yet.")
    if who.may_upload(ind.id):
        with st.expander(f"Write commentary for {df.iloc[-1]['period_display']}", icon=":material/edit:"):
            with st.form("commentary_form", clear_on_submit=False):
                shows = st.text_area(
                    "What the data shows",
                    value=current["data_shows"] if current is not None else "",
                    max_chars=queries.COMMENTARY_MAX_CHARS,
                )
                actions = st.text_area(
                    "What we are doing about it (actions)",
                    value=current["actions"] if current is not None else "",
                    max_chars=queries.COMMENTARY_MAX_CHARS,
                )
                review = st.date_input("Next review", value=None, format="DD/MM/YYYY")
                st.caption("Plain text or Markdown (bold, lists, links). HTML is shown as text. Earlier versions are kept.")
                if st.form_submit_button("Save commentary", type="primary"):
                    try:
                        uploads.save_commentary(cur, who, ind.id, area, latest_period, shows, actions, review)
                        st.success("Saved. Earlier versions are kept below.")
                        st.rerun()
                    except (queries.StoreError, Forbidden) as e:
                        st.error(plain(str(e)))
    if len(versions) > 1:
        with st.expander(f"Earlier versions ({len(versions) - 1})"):
            for row in versions.iloc[1:].itertuples():
                st.html(f"<p><strong>{row.period}</strong></p>" + commentary.block_html(versions.loc[row.Index]))

    with st.expander("Definition, target and RAG rule", expanded=False):
        st.text(
            f"Definition: {ind.definition}\nTarget: {target_text(ind)}\nRAG rule: {rag.rule_text(ind)}\n"
            f"Owner: {ind.owner}\nData source: {ind.source}"
        )

    st.header("The figures")  # h2 under the page's h1: screen readers navigate by heading level
    table = df[
        ["period_display", "value_text", "numerator", "denominator", "target", "rag_text", "figure_type", "source", "note"]
    ]
    st.dataframe(
        table.rename(
            columns={
                "period_display": "Period",
                "value_text": "Value",
                "numerator": "Numerator",
                "denominator": "Denominator",
                "target": "Target",
                "rag_text": "RAG",
                "figure_type": "Figure type",
                "source": "Source",
                "note": "Note",
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="–",
        alt=f"{ind.name}, {area_name}: every period's figure",
    )
    table_downloads("this series", readmodel.series_download(f), f"{ind.id}-{area}", ind.id)


if __name__ == "__main__":
    run_page(indicator_page)
