"""Board pack: one click makes the PowerPoint deck or the PDF with the same slides."""

import sys
import time

import streamlit as st

from indicators import export
from pages.common import area_picker, get_access, get_config, get_cursor, plain, require, run_page


def pack_page() -> None:
    cfg = get_config()
    who = get_access()
    require(who.viewer, "make the board pack")
    cur = get_cursor(cfg)
    area, area_name = area_picker(cur, cfg)

    st.title("Board pack")
    st.write(
        "What a board reads in ten minutes: a title page, the scorecard on one page, the exceptions worst first, then a "
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
            st.session_state["pack"] = (fmt, data, f"board-pack-{area}.{fmt}")

    if "pack" in st.session_state:
        fmt, data, name = st.session_state["pack"]
        mime = "application/vnd.openxmlformats-officedocument.presentationml.presentation" if fmt == "pptx" else "application/pdf"
        st.success(f"The {fmt.upper()} is ready ({len(data) / 1e6:.1f} MB).")
        st.download_button(f"Download {name}", data, file_name=name, mime=mime, icon=":material/download:", type="primary")


if __name__ == "__main__":
    run_page(pack_page)
