"""Upload history: every upload with who, when and what changed; roll one back exactly."""
import streamlit as st

from pages.common import get_access, get_config, get_cursor, require
from indicators import store, tables, uploads
from indicators.access import Forbidden

cfg = get_config()
who = get_access()
require(who.admin, "see the upload history or roll uploads back (administrators only)")
cur = get_cursor(cfg)

st.title("Upload history")
done = st.session_state.pop("rollback_done", None)
if done:
    st.success(done, icon=":material/check_circle:")

df = uploads.history(cur)
shown = df.rename(columns={"id": "Upload", "kind": "Kind", "file_name": "File", "content_hash": "Content hash (SHA-256)",
                           "user_name": "Who", "created_at": "When", "rows_new": "New", "rows_changed": "Changed",
                           "rows_unchanged": "Unchanged", "note": "Note", "status": "Status"})
st.dataframe(shown[["Upload", "When", "Who", "Kind", "File", "New", "Changed", "Unchanged", "Status", "Note",
                    "Content hash (SHA-256)"]], hide_index=True, width="stretch")

st.download_button("Download the history (CSV)", tables.to_csv(df.drop(columns=["status"])), file_name="upload-history.csv",
                   mime="text/csv", icon=":material/download:")

st.header("Backups")
last = store.latest_backup_time()
st.write(f"The dashboard makes a backup itself every day into `{store.backup_dir()}` and keeps the newest "
         f"{store.BACKUP_KEEP}. Latest: {last:%-d %B %Y, %H:%M}." if last else
         f"The dashboard makes a backup itself every day into `{store.backup_dir()}`; none has been made yet.")
if st.button("Back up now", key="backup_now"):
    made = store.timed_backup(cur, who)
    st.success(f"Backed up to {made}.")

st.header("Roll back an upload")
st.write("Rolling back removes the figures an upload added and restores the values it replaced, exactly. "
         "The rollback is recorded here too, and the figures it removes stay in the history.")
candidates = [int(r.id) for r in df.itertuples() if r.kind != "rollback" and r.status == ""]
if not candidates:
    st.write("There is no upload to roll back.")
    st.stop()
labels = {int(r.id): f"Upload {r.id}: {r.file_name} ({str(r.created_at)[:16]}, {r.user_name})" for r in df.itertuples()}
choice = st.selectbox("Upload", candidates, format_func=labels.get, key="rollback_choice")
sure = st.checkbox(f"I want to undo upload {choice}", key="rollback_sure")
if st.button(f"Roll back upload {choice}", type="primary", disabled=not sure, key="rollback"):
    try:
        summary = uploads.rollback(cur, choice, who)
    except (store.StoreError, Forbidden) as e:
        st.error(str(e))
        st.stop()
    note = cur.execute("SELECT note FROM uploads WHERE id = ?", [summary.upload_id]).fetchone()[0]
    st.session_state["rollback_done"] = f"{note} Recorded as upload {summary.upload_id}."
    st.rerun()

