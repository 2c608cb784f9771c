"""Board pack: one click makes the PowerPoint deck or the PDF with the same slides."""

import datetime as dt
import sys
import time

import streamlit as st

from indicators import board_paper, exceptions, export
from pages.common import area_page, figures_for, plain, plan_for, run_page


def paper_settings(cur, cfg, area: str, ids: list[str]) -> board_paper.Paper:
    """The cover sheet, the last meeting's date, and the key messages and recommendations drafted from the figures and
    the plan, for the author to edit before the pack is made."""
    st.header("The board paper")
    c1, c2 = st.columns(2)
    meeting = c1.text_input("Meeting", value=board_paper.DEFAULT_MEETING, key="paper_meeting")
    when = c2.date_input("Date of the meeting", value=dt.date.today(), format="DD/MM/YYYY", key="paper_date")
    c1, c2 = st.columns(2)
    author = c1.text_input("Author", key="paper_author", placeholder="name and role")
    purpose = c2.radio("Purpose", board_paper.PURPOSES, horizontal=True, key="paper_purpose")
    since = st.date_input(
        "Since the last meeting on",
        value=dt.date.today() - dt.timedelta(days=board_paper.SINCE_DAYS),
        max_value=dt.date.today(),
        format="DD/MM/YYYY",
        key="paper_since",
        help="The pack lists the figures, RAG and actions that changed after this date.",
    )
    af = figures_for(cur, area)
    view = plan_for(cur, area)
    chosen = ids or [i.id for i in cfg.indicators]
    ex = exceptions.exception_report(af, chosen)
    drafted = board_paper.draft_key_messages(af, view, ex, chosen)
    recs = board_paper.draft_recommendations(purpose, view, ex)
    # The drafts follow the figures until the author edits them (a new area or purpose gives a new draft).
    key = f"{area}|{purpose}|{','.join(sorted(ids))}"
    messages = st.text_area(
        "Key messages (one a line; drafted from the figures and the plan, edit before making the pack)",
        value="\n".join(drafted),
        height=220,
        key=f"paper_messages|{key}",
    )
    recommendations = st.text_area("Recommendations (one a line)", value="\n".join(recs), height=120, key=f"paper_recs|{key}")
    return board_paper.Paper(
        meeting=meeting.strip() or board_paper.DEFAULT_MEETING,
        date=when,
        author=author.strip(),
        purpose=purpose,
        since=since,
        key_messages=[m.strip() for m in messages.splitlines() if m.strip()],
        recommendations=[r.strip() for r in recommendations.splitlines() if r.strip()],
    )


def pack_page() -> None:
    cfg, who, cur, area, area_name = area_page("make the board pack")

    st.title("Board pack")
    st.write(
        "A board paper: the cover sheet (meeting, date, author, purpose), key messages, the scorecard on one page, the "
        "exceptions worst first, what changed since the last meeting, the action log and the recommendations, then a "
        "page for each exception and each headline indicator with its trend and SPC charts, its recent figures, how it "
        "compares with England, the region and neighbours, and the commentary. Every page says how old the figures "
        "are and marks published and illustrative figures."
    )
    ids = st.multiselect(
        "Indicators",
        [i.id for i in cfg.indicators],
        format_func=lambda i: cfg.by_id[i].name,
        placeholder="The exceptions and the headline indicators",
        key="pack_ids",
    )
    every = st.checkbox("A page for every indicator (the full pack)", key="pack_all", disabled=bool(ids))
    period = st.text_input(
        "Figures up to the end of (optional)",
        key="pack_period",
        placeholder='e.g. "2019-20 Q4" or "2019-12"; empty for the latest figures held',
    )
    paper = paper_settings(cur, cfg, area, ids)
    if export.chromium_path() is None:
        st.error(export.INSTALL_HINT, icon=":material/error:")
        st.stop()

    cols = st.columns(2)
    for col, fmt, label in ((cols[0], "pptx", "Make the PowerPoint deck"), (cols[1], "pdf", "Make the PDF")):
        if col.button(label, key=f"make_{fmt}", type="primary" if fmt == "pptx" else "secondary", width="stretch"):
            bar = st.progress(0.0, text="Starting…")
            began = time.monotonic()
            try:
                data = export.export(
                    cur,
                    cfg,
                    fmt,
                    area,
                    as_of=period.strip() or None,
                    indicator_ids=ids or (export.ALL if every else None),
                    paper=paper,
                    progress=lambda f, msg, bar=bar: bar.progress(min(f, 1.0), text=plain(msg)),
                )
            except export.ExportError as e:
                bar.empty()
                st.error(f"The board pack was not made: {plain(e)}", icon=":material/error:")
                st.stop()
            except Exception as e:  # export() turns its failures into ExportError; this is the last line of defence
                bar.empty()
                print(f"Board pack failed: {type(e).__name__}: {e}", file=sys.stderr)
                st.error(
                    f"The board pack was not made: something unexpected went wrong ({plain(type(e).__name__)}). "
                    "Try again; if it keeps happening, tell whoever runs the dashboard.",
                    icon=":material/error:",
                )
                st.stop()
            bar.progress(1.0, text=f"Done in {time.monotonic() - began:.1f} s")
            st.session_state["pack"] = (fmt, data, board_paper.file_name(area_name, fmt, paper.date or dt.date.today()))

    if "pack" in st.session_state:
        fmt, data, name = st.session_state["pack"]
        mime = "application/vnd.openxmlformats-officedocument.presentationml.presentation" if fmt == "pptx" else "application/pdf"
        st.success(f"The {fmt.upper()} is ready ({len(data) / 1e6:.1f} MB).")
        st.download_button(f"Download {name}", data, file_name=name, mime=mime, icon=":material/download:", type="primary")


if __name__ == "__main__":
    run_page(pack_page)
