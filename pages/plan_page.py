"""Improvement plan: every area for improvement, worst first, with its actions' delivery status and its impact
measures' latest figures against their milestones; the plan as a spreadsheet and the six-monthly monitoring report
to download; administrators change the plan here (a form, or a spreadsheet imported all-or-nothing)."""

import datetime as dt

import streamlit as st

from indicators import monitoring, plan, plan_markup, plan_store, queries
from indicators.access import Forbidden
from indicators.markup import esc
from pages.common import area_page, plain, plan_for, run_page, stop, titled_figures
from pages.common.widgets import XLSX_MIME

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def show_problems(problems) -> None:
    st.error(
        f"{len(problems)} problem(s); nothing was changed:\n\n" + "\n".join(f"- {plain(str(p))}" for p in problems[:50]),
        icon=":material/error:",
    )


def afi_form(cur, who, area: str, the_plan: plan.PlanView) -> None:
    with st.expander("Add or change an area for improvement", icon=":material/add:"):
        refs = ["(a new area for improvement)"] + [f.ref for f in the_plan.afis]
        chosen = st.selectbox("Area for improvement to change", refs, key="afi_pick")
        held = next((f for f in the_plan.afis if f.ref == chosen), None)
        with st.form("afi_form_new" if held is None else f"afi_form_{refs.index(chosen)}"):
            ref = st.text_input("Reference", value=held.ref if held else "", placeholder="e.g. AFI5", disabled=held is not None)
            title = st.text_input("Area for improvement", value=held.title if held else "")
            detail = st.text_area("In full (as the inspection report or strategy words it)", value=held.detail if held else "")
            if st.form_submit_button("Save the area for improvement", type="primary"):
                ref = held.ref if held else ref.strip()
                if not ref or not title.strip():
                    st.error("Give the area for improvement a reference and a title; nothing was changed.")
                    return
                try:
                    done = plan_store.write_plan(
                        cur, who, area, afis=[{"ref": ref, "title": title.strip(), "detail": detail.strip()}]
                    )
                except (queries.StoreError, Forbidden) as e:
                    st.error(str(e))
                    return
                st.session_state["plan_saved"] = done.summary
                st.rerun()


def action_form(cur, who, cfg, area: str, the_plan: plan.PlanView) -> None:
    with st.expander("Add or change an action", icon=":material/playlist_add:"):
        if not the_plan.afis:
            st.write("Add an area for improvement first.")
            return
        refs = ["(a new action)"] + [a.ref for a in the_plan.actions]
        chosen = st.selectbox("Action to change", refs, key="action_pick")
        a = the_plan.action(chosen)
        afis = {f.ref: f for f in the_plan.afis}
        with st.form("action_form_new" if a is None else f"action_form_{refs.index(chosen)}"):
            afi_ref = st.selectbox(
                "Area for improvement",
                list(afis),
                index=list(afis).index(a.afi_ref) if a else 0,
                format_func=lambda r: f"{r}: {afis[r].title}",
            )
            ref = st.text_input("Action reference", value=a.ref if a else "", placeholder="e.g. 1.4", disabled=a is not None)
            title = st.text_input("Action", value=a.title if a else "")
            c1, c2 = st.columns(2)
            owner = c1.text_input("Owner (name or role)", value=a.owner if a else "")
            email = c2.text_input(
                "Owner's sign-in e-mail (they post the updates)",
                value=a.owner_email if a else "",
                placeholder="name@durham.gov.uk",
            )
            lead_org = st.text_input("Lead organisation", value=a.lead_org if a else "")
            c1, c2, c3 = st.columns(3)
            start = c1.date_input("Start", value=a.start if a else None, format="DD/MM/YYYY")
            due = c2.date_input("Due", value=a.due if a else None, format="DD/MM/YYYY")
            status = c3.selectbox(
                "Delivery status", plan.STATUSES, index=plan.STATUSES.index(a.status) if a else 0, format_func=plan.status_text
            )
            linked = st.multiselect(
                "Indicators this action should move",
                [i.id for i in cfg.indicators],
                default=[m.ind.id for m in a.measures] if a else [],
                format_func=lambda i: f"{cfg.by_id[i].name} ({i})",
            )
            marks = "; ".join(
                f"{m.ind.id}: {plan._number(v)} by {d.isoformat()}" for m in (a.measures if a else []) for d, v in m.milestones
            )
            milestones = st.text_input(
                "Milestones (indicator: value by date; separate several with ;)",
                value=marks,
                placeholder="ehcp_20wk: 60 by 2026-03-31; ehcp_20wk: 75 by 2027-03-31",
            )
            if st.form_submit_button("Save the action", type="primary"):
                f = afis[afi_ref]
                values = {
                    "afi_ref": f.ref, "afi_title": f.title, "afi_detail": f.detail, "ref": (a.ref if a else ref.strip()),
                    "title": title, "owner": owner, "owner_email": email, "lead_org": lead_org,
                    "start_date": start.isoformat() if start else "", "due_date": due.isoformat() if due else "",
                    "status": status, "indicators": "; ".join(linked), "milestones": milestones,
                }  # fmt: skip
                read, problems = plan.read_form(values, cfg)
                if problems:
                    show_problems(problems)
                    return
                try:
                    done = plan_store.write_plan(cur, who, area, afis=read.afis, actions=read.actions, links=read.links)
                except (queries.StoreError, Forbidden) as e:
                    st.error(str(e))
                    return
                st.session_state["plan_saved"] = done.summary
                st.rerun()


def import_form(cur, who, cfg, area: str, area_name: str) -> None:
    with st.expander("Import a plan spreadsheet", icon=":material/upload_file:"):
        st.caption(
            "One row per action, headed as the download above is (CSV or Excel). Nothing is changed unless every row is "
            "right; actions the plan holds that the file does not name are kept."
        )
        upload = st.file_uploader("Plan spreadsheet", type=["csv", "xlsx"], key="plan_upload")
        if upload is not None and st.button("Import the plan", type="primary"):
            try:
                done, problems = plan.import_file(cur, who, cfg, area, upload.getvalue(), upload.name)
            except (queries.StoreError, Forbidden) as e:
                st.error(str(e))
                return
            if problems:
                show_problems(problems)
                return
            st.session_state["plan_saved"] = f"{upload.name}: {done.summary}"
            st.rerun()


def plan_page() -> None:
    cfg, who, cur, area, area_name = area_page("see the improvement plan")
    titled_figures("Improvement plan", cur, area, area_name)
    the_plan = plan_for(cur, area)
    if saved := st.session_state.pop("plan_saved", None):
        st.success(plain(saved), icon=":material/check_circle:")
    if the_plan.illustrative:
        st.warning(
            "This plan is illustrative sample data: its areas for improvement are quoted from the 2024 inspection report; "
            "the actions, owners, dates, milestones and updates are made up.",
            icon=":material/science:",
        )
    st.write(
        "Each area for improvement with its actions and the indicators they should move, **the one needing most "
        "attention first** (actions off track or overdue, milestones missed, measures red)."
    )
    st.html(plan_markup.key_html())
    if not the_plan.afis:
        st.info(f"There is no improvement plan for {plain(area_name)} yet." + (" Add one below." if who.admin else ""))
    for n, f in enumerate(the_plan.afis, 1):
        with st.container(key=f"afi_{n}"):
            st.header(f"{plain(f.ref)}: {plain(f.title)}")
            st.html(
                f"<p class='need' data-afi='{esc(f.ref)}'>Needs attention: {esc(f.need_text)}.</p>"
                f"<p>Actions: {esc(f.status_summary)}.</p>"
            )
            if f.detail:
                st.caption(plain(f.detail))
            if f.actions:
                st.html(plan_markup.actions_html(f.actions, area, f"{f.ref}: actions"))
            if f.measures:
                st.subheader("Impact measures")
                st.html(plan_markup.measures_html(f.measures, area, f"{f.ref}: impact measures"))

    st.header("Download")
    c1, c2 = st.columns(2)
    c1.download_button(
        "The plan as a spreadsheet (Excel)",
        lambda: plan.export_bytes(cur.cursor(), area, "xlsx"),
        file_name=plan.file_name(area, area_name, "xlsx"),
        mime=XLSX_MIME,
        icon=":material/download:",
    )
    c2.download_button(
        "The plan as a spreadsheet (CSV)",
        lambda: plan.export_bytes(cur.cursor(), area, "csv"),
        file_name=plan.file_name(area, area_name, "csv"),
        mime="text/csv",
        icon=":material/download:",
    )
    if the_plan.afis:
        st.subheader("Six-monthly monitoring report (DfE and NHS England)")
        first, last = monitoring.default_window(dt.date.today())
        c1, c2 = st.columns(2)
        start = c1.date_input("From", value=first, format="DD/MM/YYYY", key="report_from")
        end = c2.date_input("To", value=last, format="DD/MM/YYYY", key="report_to", max_value=dt.date.today())
        if end < start:
            st.error("The window ends before it starts; choose a From date before the To date.")
        else:
            # Made when clicked (on a cursor of its own: the page's run has ended by then).
            def made(fmt: str) -> bytes:
                report = monitoring.build(cur.cursor(), cfg, area, start, end)
                return monitoring.to_docx(report) if fmt == "docx" else monitoring.to_pdf(report)

            name = f"send-monitoring-report-{area}-{start:%Y-%m}-to-{end:%Y-%m}"
            c1, c2 = st.columns(2)
            c1.download_button(
                "The report as Word",
                lambda: made("docx"),
                file_name=f"{name}.docx",
                mime=DOCX,
                icon=":material/description:",
            )
            c2.download_button(
                "The report as PDF",
                lambda: made("pdf"),
                file_name=f"{name}.pdf",
                mime="application/pdf",
                icon=":material/picture_as_pdf:",
            )

    changes = plan_store.plan_changes(cur, area)
    with st.expander(f"Changes to this plan: who and when ({len(changes)})", icon=":material/history:"):
        st.dataframe(
            changes.rename(
                columns={"id": "Change", "kind": "Kind", "user_name": "Who", "created_at": "When", "file_name": "File",
                         "note": "What"}
            ),
            hide_index=True,
            width="stretch",
        )  # fmt: skip
        st.caption("Every row a change replaced or removed is kept with the change that replaced it.")

    if not who.admin:
        st.caption("Administrators change the plan; an action's owner posts its progress updates on the action's page.")
        stop()
    st.header("Change the plan")
    st.caption("Every change is kept with who made it and when.")
    afi_form(cur, who, area, the_plan)
    action_form(cur, who, cfg, area, the_plan)
    import_form(cur, who, cfg, area, area_name)


if __name__ == "__main__":
    run_page(plan_page)
