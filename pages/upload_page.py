"""Upload: check a lead's return or a DfE release, preview exactly what would change, load it all-or-nothing on confirm."""

import pandas as pd
import streamlit as st

from indicators import official, owed, queries, returns, sources, tables, uploads
from indicators.access import Forbidden
from indicators.problems import MappingError
from pages.common import area_picker, get_access, get_config, get_cursor, plain, reopen_database, require, run_page, stop

DETECT = "(detect from the file's header)"
DETECT_SHEET = "(the sheet holding the header)"
WRAPPED_ROWS = 200  # rows of a preview tab shown as a wrapped table; more go in the scrolling grid


def local_areas(cur) -> list[tuple[str, str]]:
    areas = queries.areas(cur)
    return [(r.code, r.name) for r in areas.itertuples() if r.level == "local_authority"]


def own_returns(cur, cfg, who, area: str, area_name: str) -> None:
    """What this person owes for the area: their own indicators' periods due and not held, said before anything else."""
    owed_now = owed.missing_periods(cur, cfg, area, who)
    if not owed_now:
        st.caption(f"Every return of your indicators due in the last two years is in for {plain(area_name)}.")
        return
    by_indicator: dict[str, list[str]] = {}
    for ind, p in owed_now:
        by_indicator.setdefault(ind.name, []).append(p.display)
    lines = "\n".join(f"- {plain(name)}: {', '.join(ps)}" for name, ps in by_indicator.items())
    label = f"Due and not yet received for {area_name}: {len(owed_now)} figure(s) of your indicators"
    with st.expander(plain(label), icon=":material/assignment_late:", expanded=len(by_indicator) <= 4):
        st.markdown(f"{lines}\n\nThe template below asks for exactly these (the last two years).")


SHOWN_PROBLEMS = 200  # listed on the page; every problem is in the download


def show_problems(problems, file_name: str, kind: sources.Kind, who) -> None:
    not_mine = sorted({p.indicator for p in problems if p.kind == "not_permitted"})
    if not_mine:
        st.error(
            f"This file has figures for {plain(', '.join(not_mine))}, which {plain(who.user)} may not upload. Remove those rows, or ask "
            "an administrator to add the indicators to your role. Nothing was loaded.",
            icon=":material/block:",
        )
    advice = kind.refused_advice
    st.error(f"**{len(problems)} problem(s) in {plain(file_name)}; nothing was loaded.** {advice}", icon=":material/error:")
    table = pd.DataFrame(
        [
            {"file": p.file or "", "row": "" if p.row is None else str(p.row), "column": p.column or "", "problem": p.message}
            for p in problems
        ]
    )
    if not table["file"].any():
        table = table.drop(columns="file")
    # A plain HTML table: its text is read by screen readers and can be copied (the data grid draws on a canvas).
    # st.table renders Markdown in its cells, so every cell (file and column names, messages quoting cells and
    # suggesting stored names) is made plain text; the download keeps the text as it is.
    shown = table.head(SHOWN_PROBLEMS).map(plain)
    shown.columns = [plain(c) for c in shown.columns]
    st.table(shown.set_index("row" if "file" not in table else "file"))
    if len(table) > SHOWN_PROBLEMS:
        st.caption(f"The first {SHOWN_PROBLEMS} of {len(table):,} problems are listed; the download has them all.")
    st.download_button("Download the list of problems (CSV)", tables.to_csv(table), file_name="problems.csv", mime="text/csv")


def show_mapping_error(e: MappingError) -> None:
    """A mapping that cannot be used: the file and each problem, as text."""
    st.error(f"**The mapping {plain(e.path)} has {len(e.problems)} problem(s):**", icon=":material/error:")
    st.markdown("\n".join(f"- {plain(p)}" for p in e.problems))


def slips_section(preview, preview_id: str) -> bool:
    """Figures that look mistyped, listed with what was probably meant; True when there are none or the person has
    ticked that they are right as typed (the store refuses them otherwise)."""
    if not preview.warnings:
        return True
    lines = "\n".join(f"- {plain(str(w))}" for w in preview.warnings)
    st.warning(
        f"**{len(preview.warnings)} figure(s) look mistyped.** Correct them in the spreadsheet and upload it again, or "
        f"tick below if they are right as typed.\n\n{lines}",
        icon=":material/warning:",
    )
    return st.checkbox(
        f"I have checked these {len(preview.warnings)} figure(s): they are right as typed", key=f"slips_ok_{preview_id}"
    )


def _confirm(preview_id: str) -> None:
    st.session_state["confirm_clicked"] = preview_id


def upload_page() -> None:
    who = get_access()
    require(who.can_upload, "upload figures")
    cfg = get_config()
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)

    st.title("Upload figures")
    st.write(
        "Upload a return of figures (CSV or Excel), or, as an administrator, official statistics (DfE or NHS England). Nothing is written "
        "until you confirm: first you see every problem in the file, or exactly which figures would be new or changed and "
        "the RAG status each would have."
    )

    own_returns(cur, cfg, who, area, area_name)

    with st.expander("Download a template", icon=":material/download:"):
        mine = [i.id for i in cfg.indicators if i.kind == "local" and who.may_upload(i.id)]
        choices = ["(every indicator I upload: the periods due and not yet held)"] + mine
        which = st.selectbox(
            "Template for",
            choices,
            key="template_for",
            format_func=lambda c: c if c.startswith("(") else f"{cfg.by_id[c].name} ({c})",
        )
        one = None if which.startswith("(") else which
        template = uploads.template_rows(cur, cfg, area, who, one)
        st.caption(
            f"{len(template)} row(s) for {area_name}: one per period due in the last two years that is not held yet. "
            "Fill in the value (and numerator and denominator where you have them); rows you leave empty are skipped. "
            "The indicator_name, unit and period_name columns are there to help you and are not loaded. The Excel "
            "template has drop-down lists for indicator, area and period and a notes sheet defining each indicator."
        )
        name = f"template-{one or 'due'}-{area}"
        c1, c2 = st.columns(2)
        c1.download_button("Template (CSV)", uploads.template_csv(template), file_name=f"{name}.csv", mime="text/csv")
        c2.download_button(
            "Template (Excel)",
            uploads.template_xlsx(template, cfg, local_areas(cur)),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        st.dataframe(template, hide_index=True, width="stretch")

    done = st.session_state.pop("upload_done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
        st.page_link("pages/scorecard_page.py", label="See the scorecard", icon=":material/table_chart:")

    kinds = {k.choice: k for k in sources.offered(who)}
    kind = kinds[st.radio("What are you uploading?", list(kinds), key="upload_mode", horizontal=True)]
    mapping = release = None
    if kind.detects:
        with st.expander("Advanced: mapping and release", icon=":material/tune:"):
            try:
                layouts = official.mapping_layouts(cfg)
            except MappingError as e:
                show_mapping_error(e)
                stop()
            picked = st.selectbox(
                "Mapping",
                [DETECT, *layouts],
                key="ees_mapping",
                format_func=lambda n: n if n == DETECT else f"{n}: {layouts[n]}",
            )
            mapping = None if picked == DETECT else picked
            release = (
                st.text_input(
                    "Release", key="ees_release", placeholder="from the zip's or file's name or data guidance, e.g. 2026"
                ).strip()
                or None
            )
            st.caption(
                "The layout of every file is detected from its header; choose a mapping only if the dashboard asks you to."
            )

    # A new key after each load empties the uploader, so the loaded file is not offered again.
    file = st.file_uploader(
        kind.file_label,
        type=list(kind.types),
        key=f"upload_file_{kind.name}_{st.session_state.get('uploads_done', 0)}",
        help=kind.help,
        max_upload_size=kind.max_mb,  # the widget says this limit; the server's cap is the largest of them
    )
    if file is None:
        stop()

    data = file.getvalue()
    sheet = None
    if kind is sources.RETURN and file.name.lower().endswith((".xlsx", ".xlsm")):
        sheets = returns.sheet_names(data)
        if len(sheets) > 1:
            picked = st.selectbox(
                "Sheet", [DETECT_SHEET, *sheets], key=f"sheet_{file.file_id}", help="The workbook has several sheets."
            )
            sheet = None if picked == DETECT_SHEET else picked
    version = queries.data_version(cur)
    key = (file.file_id, version, kind.name, mapping, release, sheet)
    if st.session_state.get("preview_key") != key:
        with st.status(f"Checking {plain(file.name)}…", expanded=False) as status:
            status.write(f"Reading {len(data) / 1024:,.0f} KB")
            try:
                preview = uploads.check(
                    cur,
                    cfg,
                    data,
                    file.name,
                    who,
                    kind=kind.name,
                    mapping=mapping,
                    release=release,
                    offload=uploads.offload_wanted(data),
                    sheet=sheet,
                )
            except MappingError as e:
                status.update(label=f"{plain(file.name)} was not checked", state="error")
                show_mapping_error(e)
                stop()
            status.update(
                label=f"Checked {plain(file.name)}: {len(preview.result.rows):,} figure(s), "
                f"{len(preview.result.problems)} problem(s)",
                state="complete",
            )
        st.session_state["preview"], st.session_state["preview_key"] = preview, key
    preview = st.session_state["preview"]
    preview_id = f"{preview.content_hash}:{version}:{kind.name}:{mapping}:{release}:{sheet}"

    if not preview.result.ok:
        show_problems(preview.result.problems, file.name, kind, who)
        stop()

    st.info("\n\n".join(plain(line) for line in uploads.summary_lines(preview)), icon=":material/info:")
    counts = preview.counts
    shown = [("New figures", "new"), ("Changed figures", "changed"), ("Unchanged", "unchanged")]
    if counts.get("kept"):
        shown.append(("Kept (a newer release holds them)", "kept"))
    for col, (title, k) in zip(st.columns(len(shown)), shown):
        col.metric(title, counts[k], border=True)
    if preview.same_file:
        up_id, up_name, when = preview.same_file
        st.info(f"This exact file was loaded before, as upload {up_id} ({plain(up_name)}, {str(when)[:16]}).")
    if preview.nothing_to_do:
        st.success("Every figure in this file is already stored as it is; there is nothing to load.")
        stop()

    slips_ok = slips_section(preview, preview_id)

    names = queries.area_names(cur)
    tabs = st.tabs([f"New ({counts['new']})", f"Changed ({counts['changed']})", f"Unchanged ({counts['unchanged']})"])
    for tab, kind in zip(tabs, ("new", "changed", "unchanged")):
        with tab:
            table = uploads.change_table(preview, cfg, kinds=(kind,), area_names=names)
            if table.empty:
                st.write("None.")
            else:
                cols = (
                    ["indicator", "area", "period", "old value", "new value", "old RAG", "new RAG", "why"]
                    if kind == "changed"
                    else ["indicator", "area", "period", "new value", "new RAG"]
                )
                shown = table[cols].rename(columns={"why": "why it changes"})
                if len(shown) <= WRAPPED_ROWS:
                    # A plain table wraps its text, so every column is read whole at 1366 px (the grid would cut
                    # the reasons off behind a sideways scroll); each cell is escaped, since st.table reads Markdown.
                    st.table(shown.map(plain), hide_index=True)
                else:
                    st.dataframe(shown, hide_index=True, width="stretch")
                if counts[kind] > len(table):
                    st.caption(f"Showing the first {len(table):,} of {counts[kind]:,}.")

    # Confirm carries the preview it was shown: if the stored figures changed before the click arrived, nothing is
    # written and the new preview is shown instead.
    clicked = st.session_state.pop("confirm_clicked", None)
    if clicked is not None and clicked != preview_id:
        st.warning(
            "The stored figures changed while you were reading the preview (someone else loaded or rolled back "
            "figures). Nothing was written: check the new preview above and confirm again.",
            icon=":material/sync_problem:",
        )
    elif clicked == preview_id:
        try:
            with st.spinner("Loading in one transaction…"):
                summary = uploads.commit(cur, preview, who, confirmed=slips_ok)
        except (queries.StoreError, Forbidden) as e:
            if isinstance(e, uploads.DiskError):
                reopen_database()
            st.session_state.pop("preview_key", None)
            st.error(plain(str(e)))
            stop()
        st.session_state["upload_done"] = (
            f"Loaded {plain(file.name)} as upload {summary.upload_id}: {summary.new} new, "
            f"{summary.changed} changed, {counts['unchanged']} unchanged. Earlier values are kept in "
            "the upload history and can be restored by rolling the upload back."
        )
        st.session_state.pop("preview_key", None)
        st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
        st.rerun()
    st.button(
        f"Confirm: load {counts['new']} new and {counts['changed']} changed figure(s)",
        type="primary",
        on_click=_confirm,
        args=(preview_id,),
        key="confirm",
        disabled=not slips_ok,
        help=None if slips_ok else "First correct the figures that look mistyped, or tick that they are right as typed.",
    )


if __name__ == "__main__":
    run_page(upload_page)
