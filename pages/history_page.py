"""Upload history: every upload with who, when and what changed; roll one back exactly."""

import pandas as pd
import streamlit as st

from indicators import queries, tables, uploads
from indicators.access import Forbidden
from pages.common import get_access, get_config, get_cursor, plain, require, run_page

MY_UPLOADS = 20  # uploads shown with their figures; the download has the whole history
HISTORY_ROWS = 100  # uploads listed in the table; the download has them all


def _when(t) -> str:
    return f"{t:%-d %B %Y, %H:%M}" if hasattr(t, "strftime") else str(t)[:16]


def figures_of_uploads(cur, cfg, listed: list[dict], user: str | None) -> None:
    """Each upload LISTED (one person's, or everyone's, newest first) with the figures it added or changed."""
    if not listed:
        st.write("No uploads yet." if user is None else f"{plain(user)} has not uploaded any figures yet.")
        return
    for up in listed:
        status = f"; {up['status']}" if up["status"] else ""
        label = (
            f"Upload {up['id']}: {up['file_name'] or up['kind']}, {_when(up['created_at'])} — "
            f"{up['rows_new']:,} new, {up['rows_changed']:,} changed{status}"
        )
        # Drawn only when opened (a rerun): twenty uploads of 200 figures each were 27,000 elements, drawn unseen.
        box = st.expander(plain(label), key=f"upload_figures_{up['id']}", on_change="rerun")
        if not box.open:
            continue
        with box:
            figures = uploads.figures_of(cur, cfg, up)
            if up["note"]:
                st.write(plain(up["note"]))
            if figures.empty:
                st.write("No figures (this upload undid another, or its figures were removed).")
            else:
                st.table(figures.head(200).map(plain), hide_index=True)
                if len(figures) > 200:
                    st.caption(f"The first 200 of {len(figures):,} figures are listed.")


def history_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.admin or who.can_upload, "see uploads (uploaders and administrators only)")
    cur = get_cursor(cfg)
    if not who.admin:
        st.title("My uploads")
        st.write(
            "Every file you uploaded, newest first, with each figure it added or changed and the figure it replaced. "
            "To undo an upload, ask an administrator: they can roll it back exactly."
        )
        figures_of_uploads(cur, cfg, uploads.listed_uploads(cur, who.user, limit=MY_UPLOADS), who.user)
        return

    st.title("Upload history")
    done = st.session_state.pop("rollback_done", None)
    if done:
        st.success(plain(done), icon=":material/check_circle:")

    df = uploads.history(cur)
    # A plain table wraps its text, so every column is read whole at 1366 px (a grid of eleven columns was cut off
    # behind a sideways scroll); the hash is shortened (the download has it in full) and an empty note is blank.
    shown = pd.DataFrame(
        {
            "Upload": df["id"].astype(str),
            "When": df["created_at"].map(_when),
            "Who": df["user_name"].fillna(""),
            "Kind": df["kind"],
            "File": df["file_name"].fillna(""),
            "Figures": [
                f"{n:,} new, {c:,} changed, {u:,} unchanged"
                for n, c, u in zip(df["rows_new"], df["rows_changed"], df["rows_unchanged"])
            ],
            "Status and note": [" ".join(x for x in (st_, note) if x) for st_, note in zip(df["status"], df["note"])],
            "Content hash": df["content_hash"].fillna("").str[:12],
        }
    )
    st.table(shown.head(HISTORY_ROWS).map(plain), hide_index=True)
    if len(shown) > HISTORY_ROWS:
        st.caption(f"The newest {HISTORY_ROWS} of {len(shown):,} uploads are listed; the download has them all.")
    st.subheader("The figures each upload added or changed")
    figures_of_uploads(cur, cfg, df.head(MY_UPLOADS).to_dict("records"), None)  # the history read once

    st.download_button(
        "Download the history (CSV)",
        tables.to_csv(df.drop(columns=["status"])),
        file_name="upload-history.csv",
        mime="text/csv",
        icon=":material/download:",
    )

    st.header("Backups")
    last = queries.latest_backup()
    st.write(
        f"The dashboard makes a backup itself every day into `{queries.backup_folder()}` and keeps the newest "
        f"{queries.BACKUP_KEEP}. Latest: {last:%-d %B %Y, %H:%M}."
        if last
        else f"The dashboard makes a backup itself every day into `{queries.backup_folder()}`; none has been made yet."
    )
    if st.button("Back up now", key="backup_now"):
        made = queries.back_up_now(cur, who)
        st.success(f"Backed up to {made}.")

    st.header("Roll back an upload")
    st.write(
        "Rolling back removes the figures an upload added and restores the values it replaced, exactly. "
        "The rollback is recorded here too, and the figures it removes stay in the history."
    )
    rollback_section(cur, df, who)


def _roll_back(plan: queries.RollbackPlan, who, sure_key: str, typed_key: str | None) -> None:
    """The button's callback. It carries the plan drawn on the page when the button was, so it can only ever undo
    that upload, and only if rolling it back still does what the page said; the store checks again inside its
    transaction. Whatever happens, the choice and the tick are cleared (new widget keys)."""
    state = st.session_state
    state["rollback_round"] = state.get("rollback_round", 0) + 1
    typed = state.get(typed_key, "") if typed_key else None
    try:
        who.require_admin("roll back an upload")
        if not state.get(sure_key):
            raise queries.StoreError(f'Tick "I want to undo upload {plan.upload_id}" first; nothing was done.')
        summary = queries.roll_back(
            get_cursor(get_config()),
            plan.upload_id,
            who,
            expected=plan,
            confirm_sample=(typed or "").strip().lower() if typed_key else None,
        )
    except (queries.StoreError, Forbidden) as e:
        state["rollback_refused"] = str(e)
        return
    state["rollback_done"] = f"{summary.note} Recorded as upload {summary.upload_id}."


def rollback_section(cur, df, who) -> None:
    refused = st.session_state.pop("rollback_refused", None)
    if refused:
        st.error(plain(refused), icon=":material/block:")
    candidates = [int(r.id) for r in df.itertuples() if r.kind != "rollback" and r.status == ""]
    if not candidates:
        st.write("There is no upload to roll back.")
        return
    labels = {int(r.id): f"Upload {r.id}: {r.file_name} ({str(r.created_at)[:16]}, {r.user_name})" for r in df.itertuples()}
    # A new round after every rollback (done or refused): nothing chosen, nothing ticked.
    round_ = st.session_state.get("rollback_round", 0)
    choice = st.selectbox(
        "Upload",
        candidates,
        index=None,
        format_func=lambda i: labels.get(i, f"Upload {i}"),  # options are text
        placeholder="Choose the upload to roll back",
        key=f"rollback_choice_{round_}",
    )
    if choice is None:
        return
    plan = queries.rollback_plan(cur, choice)
    st.write(plain(f"Rolling back {plan.described} means {plan.effect}."))
    if plan.blocked_by:
        st.warning(
            plain(
                f"Upload {choice} cannot be rolled back on its own: upload(s) "
                f"{', '.join(map(str, plan.blocked_by))} changed some of the same figures afterwards. "
                "Roll those back first, newest first."
            ),
            icon=":material/warning:",
        )
        return
    typed_key = None
    if plan.kind == "sample":
        st.warning(
            f"Upload {choice} is the sample data: rolling it back removes every sample figure and cannot itself be undone.",
            icon=":material/warning:",
        )
        typed_key = f"rollback_typed_{round_}_{choice}"
        st.text_input(f'Type "{queries.SAMPLE_CONFIRMATION}" to confirm', key=typed_key)
    # Keyed by the upload too, so choosing another upload never carries a tick over to it.
    sure_key = f"rollback_sure_{round_}_{choice}"
    sure = st.checkbox(f"I want to undo upload {choice}", key=sure_key)
    typed_ok = typed_key is None or st.session_state.get(typed_key, "").strip().lower() == queries.SAMPLE_CONFIRMATION
    st.button(
        f"Roll back upload {choice}",
        type="primary",
        disabled=not (sure and typed_ok),
        key=f"rollback_{round_}",
        on_click=_roll_back,
        args=(plan, who, sure_key, typed_key),
    )


if __name__ == "__main__":
    run_page(history_page)
