"""Action: one action of the improvement plan, with its owner, dates and delivery status, its progress updates and
evidence, and the charts of the indicators it should move with its milestones drawn on them. Its owner (or an
administrator) posts updates here; the store checks that again."""

import datetime as dt

import streamlit as st

from indicators import alt_text, charts, plan, plan_markup, plan_store, queries, rag
from indicators.access import Forbidden
from indicators.markup import esc
from pages.common import (
    area_page,
    chart,
    charts_for,
    figures_for,
    page_css,
    page_title,
    plain,
    plan_for,
    provenance,
    run_page,
    stop,
)


def update_form(cur, who, area: str, a: plan.Action) -> None:
    if not plan_store.may_update(who, a.owner_email):
        owner = a.owner_email or "no sign-in e-mail is given for its owner"
        st.info(
            f"Only the action's owner ({plain(owner)}) or an administrator may post its progress updates.",
            icon=":material/lock:",
        )
        return
    with st.form("update_form", clear_on_submit=True):
        st.subheader("Post a progress update")
        c1, c2 = st.columns(2)
        when = c1.date_input("Date of the update", value=dt.date.today(), max_value=dt.date.today(), format="DD/MM/YYYY")
        status = c2.selectbox(
            "Delivery status now", plan.STATUSES, index=plan.STATUSES.index(a.status), format_func=plan.status_text
        )
        progress = st.text_area("Progress since the last update", max_chars=plan_store.MAX_TEXT)
        evidence = st.text_input("Evidence (what shows it: a report, an audit, minutes)", max_chars=plan_store.MAX_TEXT)
        if st.form_submit_button("Post the update", type="primary"):
            try:
                plan_store.post_update(
                    cur, who, area, a.ref, update_date=when, status=status, progress=progress, evidence=evidence
                )
            except (queries.StoreError, Forbidden) as e:
                st.error(str(e))
                return
            st.session_state["update_posted"] = f"Update posted on action {a.ref}: {plan.status_text(status)}."
            st.rerun()


def action_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the improvement plan")
    the_plan = plan_for(cur, area)
    refs = [a.ref for a in the_plan.actions]
    if not refs:
        page_title("Action", area_name)
        st.title("Action")
        st.info(f"There is no improvement plan for {plain(area_name)} yet; see the Improvement plan page.")
        stop()
    wanted = st.query_params.get("action")
    if st.session_state.get("plan_action") not in refs:
        st.session_state["plan_action"] = wanted if wanted in refs else refs[0]
    ref = st.sidebar.selectbox(
        "Action", refs, key="plan_action", format_func=lambda r: f"{r}: {the_plan.action(r).title}"
    )  # options are shown as text
    st.query_params["action"] = ref
    a = the_plan.action(ref)
    page_title(f"Action {ref}", area_name)
    st.title(f"Action {plain(a.ref)}: {plain(a.title)}")
    afi = next(f for f in the_plan.afis if f.ref == a.afi_ref)
    st.caption(
        f"{plain(area_name)} · area for improvement {plain(afi.ref)}: {plain(afi.title)}"
        + (" · illustrative sample plan" if a.illustrative else "")
    )
    af = figures_for(cur, area)
    provenance(af, [m.ind.id for m in a.measures] or None)
    if posted := st.session_state.pop("update_posted", None):
        st.success(plain(posted), icon=":material/check_circle:")
    st.html(
        plan_markup.PLAN_CSS + "<dl class='action-facts'>"
        f"<dt>Delivery status</dt><dd>{plan_markup.status_badge_html(a.status)}</dd>"
        f"<dt>Owner</dt><dd>{esc(a.owner or '–')}{' (' + esc(a.owner_email) + ')' if a.owner_email else ''}</dd>"
        f"<dt>Lead organisation</dt><dd>{esc(a.lead_org or '–')}</dd>"
        f"<dt>Start</dt><dd>{esc(plan.long_date(a.start))}</dd><dt>Due</dt><dd>{esc(a.due_text)}</dd></dl>"
        + page_css("action_page.css")
    )

    st.header("Progress updates")
    st.html(plan_markup.updates_html(a))
    update_form(cur, who, area, a)

    st.header("Impact measures")
    if not a.measures:
        st.write("No indicator is linked to this action yet.")
        stop()
    st.html(plan_markup.measures_html(a.measures, area, f"Action {a.ref}: impact measures", with_action=False))
    for m in a.measures:
        f = af.indicators.get(m.ind.id)
        if f is None:
            st.caption(f"{plain(m.ind.name)}: no figures yet for {plain(area_name)}.")
            continue
        trend, _ = charts_for(cur, m.ind.id, area)
        marks = [(d, v, a.ref) for d, v in m.milestones]
        fig = charts.add_milestones(type(trend)(trend), m.ind, marks)  # a copy: the cached figure is shared
        summary = alt_text.trend_summary(f, area_name)
        if marks:
            summary += " Milestones (stars): " + "; ".join(f"{rag.format_value(m.ind, v)} by {d:%B %Y}" for d, v, _ in marks)
            summary += f". Against the milestone: {m.state_text.lower()}."
        chart(f"action_{m.ind.id}", fig, alt_text.trend_name(f, area_name), summary, alt_text.trend_table(f, area_name))


if __name__ == "__main__":
    run_page(action_page)
