"""Returns: every return of the partnership's own indicators over the last two years and the next one due, by owner:
due, received, received late or missing, with who is reminded (python -m indicators remind)."""

import streamlit as st

from indicators import access, owed, tables
from pages.common import area_picker, get_access, get_config, get_cursor, plain, require, run_page


def returns_page() -> None:
    who = get_access()
    require(who.admin or who.can_upload, "see the returns (uploaders and administrators only)")
    cfg = get_config()
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)
    try:
        roles = access.load_roles(cfg)
    except access.RolesError:
        roles = None  # local mode without a roles file: no contacts to show
    st.title(f"Returns — {plain(area_name)}")
    status = owed.returns_status(cur, cfg, area, roles)
    counts = status["state"].value_counts()
    st.write(
        "Every return of the partnership's own indicators whose figure fell due in the last two years, and the next "
        "one of each, by owner. A figure is **late** when the upload that brought it came after its due date; figures "
        "from the sample data are counted as received. Reminders go to the contacts listed "
        "(`python -m indicators remind`)."
    )
    cols = st.columns(4)
    for col, (state, title) in zip(
        cols, [("missing", "Missing"), ("late", "Received late"), ("due", "Due"), ("received", "Received")]
    ):
        col.metric(f"{owed.STATES[state][0]} {title}", int(counts.get(state, 0)), border=True)
    show_all = st.toggle("Show returns received on time too", key="returns_all")
    shown = status if show_all else status[status["state"] != "received"]
    table = shown.assign(
        due=shown["due"].map(lambda d: f"{d.day} {d:%B %Y}"),
        received=shown["received"].map(lambda d: "" if d is None or d != d else f"{d.day} {d:%B %Y}"),
        contacts=shown["contacts"].replace("", "none listed"),
    )
    for owner, group in table.groupby("owner", sort=True):
        st.subheader(plain(owner))
        st.caption(f"Reminders to: {plain(group['contacts'].iloc[0])}")
        rows = group[["indicator", "period_name", "due", "status", "received"]].rename(
            columns={
                "indicator": "Indicator",
                "period_name": "Period",
                "due": "Due by",
                "status": "Status",
                "received": "Received",
            }
        )
        st.table(rows.map(plain), hide_index=True)  # wraps: read whole at 1366 px; escaped, st.table reads Markdown
    if shown.empty:
        st.success("Every return due is in.")
    st.download_button(
        "Download every return (CSV)",
        tables.to_csv(status.drop(columns=["state"])),
        file_name=f"returns-{area}.csv",
        mime="text/csv",
        icon=":material/download:",
    )


if __name__ == "__main__":
    run_page(returns_page)
