"""Upload: check a CSV or Excel file, preview exactly what would change, and load it all-or-nothing on confirm."""
import pandas as pd
import streamlit as st

from pages.common import area_picker, get_access, get_config, get_cursor, reopen_database, require
from indicators import ees, ingest, store, tables, uploads
from indicators.access import Forbidden



def show_problems(problems, file_name: str) -> None:
    st.error(f"**{len(problems)} problem(s) in {file_name}; nothing was loaded.** Fix them in the spreadsheet and "
             "upload it again. Rows are numbered as your spreadsheet shows them (the header is row 1).",
             icon=":material/error:")
    table = pd.DataFrame([{"row": p.row, "column": p.column or "", "problem": p.message} for p in problems])
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download the list of problems (CSV)", tables.to_csv(table), file_name="problems.csv", mime="text/csv")


def show_ees_import(cur, cfg, who) -> None:
    """The DfE open-data import (administrators): a mapping says which column is which indicator."""
    if not who.admin:
        st.error("Only an administrator may import DfE open data.")
        return
    names = ees.list_mappings()
    try:
        mappings = {n: ees.load_mapping(n, cfg) for n in names}
    except ees.MappingError as e:
        st.error(str(e))
        return
    name = st.selectbox("Mapping", names, key="ees_mapping", format_func=lambda n: f"{n}: {mappings[n].description}")
    release = st.text_input("Release (optional, stored with each figure's source)", key="ees_release", placeholder="e.g. 2024")
    file = st.file_uploader("EES open-data CSV", type=["csv"], key=f"ees_file_{st.session_state.get('uploads_done', 0)}")
    if file is None:
        return
    preview = ees.check_ees(cur, cfg, file.getvalue(), file.name, mappings[name], release=release.strip() or None)
    if not preview.result.ok:
        show_problems(preview.result.problems, file.name)
        return
    st.info("\n\n".join(ees.summary_lines(preview)), icon=":material/info:")
    if preview.nothing_to_do:
        return
    changes = uploads.change_table(preview, cfg)
    if not changes.empty:
        st.dataframe(changes, hide_index=True, width="stretch")
    if st.button("Confirm: import these figures", type="primary", key="ees_confirm"):
        summary = ees.commit_ees(cur, preview, who.user)
        st.session_state["upload_done"] = " ".join(ees.summary_lines(preview, summary))
        st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
        st.rerun()


cfg = get_config()
who = get_access()
require(who.can_upload, "upload figures")
cur = get_cursor(cfg)
area, area_name = area_picker(cur, cfg)

st.title("Upload figures")
st.write(
    "Upload a CSV or Excel (.xlsx) file of figures. Nothing is written until you confirm: first you see every "
    "problem in the file, or exactly which figures would be new or changed and the RAG status each would have."
)

with st.expander("Download a template", icon=":material/download:"):
    choices = ["(every indicator: the latest period due)"] + [i.id for i in cfg.indicators if who.may_upload(i.id)]
    which = st.selectbox("Template for", choices, key="template_for",
                         format_func=lambda c: c if c.startswith("(") else f"{cfg.by_id[c].name} ({c})")
    one = None if which.startswith("(") else which
    template = uploads.template_rows(cur, cfg, area, one)
    template = template[template["indicator"].map(who.may_upload)]
    st.caption(f"{len(template)} row(s) for {area_name}: fill in the value (and numerator and denominator where you have them).")
    name = f"template-{one or 'due'}-{area}"
    c1, c2 = st.columns(2)
    c1.download_button("Template (CSV)", uploads.template_csv(template), file_name=f"{name}.csv", mime="text/csv")
    c2.download_button("Template (Excel)", uploads.template_xlsx(template), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.dataframe(template, hide_index=True, width="stretch")

done = st.session_state.pop("upload_done", None)
if done:
    st.success(done, icon=":material/check_circle:")
    st.page_link("pages/scorecard_page.py", label="See the scorecard", icon=":material/table_chart:")

mode = st.radio("What are you uploading?", ["A return of figures (CSV or Excel)", "DfE open data (Explore Education Statistics CSV)"],
                key="upload_mode", horizontal=True)
if mode.startswith("DfE"):
    show_ees_import(cur, cfg, who)
    st.stop()

# A new key after each load empties the uploader, so the loaded file is not offered again.
file = st.file_uploader("CSV or Excel file of figures", type=["csv", "xlsx"], key=f"upload_file_{st.session_state.get('uploads_done', 0)}",
                        help=f"Up to {ingest.MAX_BYTES // (1024 * 1024)} MB. Columns: indicator, area, period, value "
                             "(and optionally numerator, denominator, note), or one column per indicator id.")
if file is None:
    st.stop()

data = file.getvalue()
version = store.data_version(cur)
key = (file.file_id, version)
if st.session_state.get("preview_key") != key:
    with st.status(f"Checking {file.name}…", expanded=False) as status:
        status.write(f"Reading {len(data) / 1024:,.0f} KB")
        preview = uploads.check(cur, cfg, data, file.name)
        status.update(label=f"Checked {file.name}: {len(preview.result.rows):,} figure(s), "
                            f"{len(preview.result.problems)} problem(s)", state="complete")
    st.session_state["preview"], st.session_state["preview_key"] = preview, key
preview = st.session_state["preview"]

if not preview.result.ok:
    show_problems(preview.result.problems, file.name)
    st.stop()

st.info(f"Read as {preview.result.file_kind}, {preview.result.layout_text}.", icon=":material/info:")
not_mine = sorted({i for i in preview.result.rows["indicator_id"] if not who.may_upload(i)})
if not_mine:
    st.error(f"This file has figures for {', '.join(not_mine)}, which {who.user} may not upload. Remove those rows, "
             "or ask an administrator to add the indicators to your role. Nothing was loaded.", icon=":material/block:")
    st.stop()
counts = preview.counts
c1, c2, c3 = st.columns(3)
c1.metric("New figures", counts["new"], border=True)
c2.metric("Changed figures", counts["changed"], border=True)
c3.metric("Unchanged", counts["unchanged"], border=True)
if preview.same_file:
    up_id, up_name, when = preview.same_file
    st.info(f"This exact file was uploaded before, as upload {up_id} ({up_name}, {str(when)[:16]}).")
if preview.nothing_to_do:
    st.success("Every figure in this file is already stored exactly as it is; there is nothing to load.")
    st.stop()

tabs = st.tabs([f"New ({counts['new']})", f"Changed ({counts['changed']})", f"Unchanged ({counts['unchanged']})"])
for tab, kind in zip(tabs, ("new", "changed", "unchanged")):
    with tab:
        shown = uploads.change_table(preview, cfg, kinds=(kind,))
        if shown.empty:
            st.write("None.")
        else:
            cols = list(shown.columns) if kind == "changed" else ["indicator", "area", "period", "new value", "new RAG"]
            st.dataframe(shown[cols], hide_index=True, width="stretch")
            if counts[kind] > len(shown):
                st.caption(f"Showing the first {len(shown):,} of {counts[kind]:,}.")

if st.button(f"Confirm: load {counts['new']} new and {counts['changed']} changed figure(s)", type="primary"):
    try:
        with st.spinner("Loading in one transaction…"):
            summary = uploads.commit(cur, preview, who.user, who)
    except (store.StoreError, Forbidden) as e:
        if isinstance(e, uploads.DiskError):
            reopen_database()
        st.error(str(e))
        st.stop()
    st.session_state["upload_done"] = (f"Loaded {file.name} as upload {summary.upload_id}: {summary.new} new, "
                                       f"{summary.changed} changed, {summary.unchanged} unchanged. Earlier values are kept in "
                                       "the upload history and can be restored by rolling the upload back.")
    st.session_state.pop("preview_key", None)
    st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
    st.rerun()
