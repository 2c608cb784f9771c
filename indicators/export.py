"""The board pack: the same pages as a PowerPoint deck (pptx_deck, native charts) and a tagged PDF (the pack's
HTML, pack_html, printed by the system Chromium, pdf_print), the PDF's charts drawn by Plotly's own static export
(kaleido) in one process-wide chart server (chart_server) so several people can make packs at once.

The default pack is what a board reads in ten minutes: a title page, the scorecard, the exceptions summarised worst
first on at most two pages, then one page per exception and per headline indicator (`headline: true` in the
indicators file). `indicator_ids="all"` (`--indicators all`) gives every indicator a page.

This module builds the pages (`build`, as data: pack_model) and writes the files (`export`); the layout in points
the deck is drawn from is pack_layout, the charts and their words pack_charts. Their names are imported here too,
as the pages, the deck and the tests use them through this module."""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections.abc import Callable

from indicators import (
    alt_text,
    board_paper,
    commentary,
    exceptions,
    markup,
    periods,
    plan,
    pptx_deck,
    readmodel,
    store,
)
from indicators.chart_server import (  # noqa: F401 (the pages and tests reach these through export)
    _DRAWN,
    CHARTS,
    INSTALL_HINT,
    _Drawer,
    chart_timeout,
    chromium_path,
    draw_charts,
)
from indicators.config import Config
from indicators.pack_charts import (  # noqa: F401
    PLOTLY_LINE,
    SPC_MARKS,
    board_spc,
    board_trend,
    comparison_rows,
    comparison_text,
    fit_chart,
    short_period,
    smallest_text,
    spc_alt,
    spc_reading,
    spc_words,
    trend_alt,
    trend_title,
)
from indicators.pack_layout import (  # noqa: F401 (pptx_deck draws from this layout, through export)
    CHART_GAP,
    INDICATOR_TABLE_W,
    TABLE_PADDING,
    Box,
    _frame,
    _paginate,
    _table_pages,
    fit_lines,
    layout,
    lines_of,
    row_heights,
    table_height,
    table_pages,
    text_height,
    text_pages,
)
from indicators.pack_model import (  # noqa: F401
    ALL,
    CHART_PT,
    GAP,
    LEADING,
    MARGIN,
    MIN_PT,
    PAGE_H,
    PAGE_W,
    PRINT_CHART_H,
    PRINT_MIN_PT,
    PUBLISHED_NOTE,
    WIDTH,
    Chart,
    ExportError,
    Pack,
    Slide,
    clean_pack,
    clean_text,
)


def parse_as_of(label: str | None) -> periods.Period | None:
    """A period label in any form the dashboard knows → the period (its end is the pack's cut-off)."""
    if not label:
        return None
    for ptype in ("fy_quarter", "month", "financial_year", "calendar_year"):
        try:
            return periods.parse(label, ptype)
        except periods.PeriodError:
            continue
    raise ExportError(
        f'"{label}" is not a period the board pack understands; use e.g. "2019-20 Q4", "2019-12", "2019-20" or "2019".'
    )


def _one_line(text: str, limit: int = 110) -> str:
    """The first sentence or so of a commentary, for the exceptions summary (each exception has a page of its own)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def build(
    conn,
    config: Config,
    area_code: str,
    *,
    as_of: str | None = None,
    indicator_ids: list[str] | str | None = None,
    today: dt.date | None = None,
    on_chart: Callable[[str, Chart], None] | None = None,
    paper: board_paper.Paper | None = None,
    figures: bool = True,
) -> Pack:
    """Assemble the pages (charts as figures, not yet drawn) for one area, cut off at the end of period `as_of`.

    A board paper: the cover sheet and key messages first, then the scorecard and exceptions, what changed since the
    last meeting, the action log and the recommendations, then the indicators' pages. `paper` holds the author's
    choices (meeting, date, author, purpose, the last meeting's date, edited key messages and recommendations);
    what it leaves empty is drafted from the figures and the improvement plan.

    indicator_ids None: the default pack (every indicator on the scorecard; pages for the exceptions and the
    headline indicators); ALL: a page for every indicator; a list: those indicators, each with a page.
    figures False: no Plotly figures (the PowerPoint deck draws its charts natively from each Chart's `native`)."""
    cut = parse_as_of(as_of)
    cut_date = cut.end if cut else None
    areas = store.areas(conn)
    if area_code not in set(areas["code"]):
        raise ExportError(f'area "{area_code}" is not known; use one of {", ".join(areas["code"])}')
    area_name = clean_text(dict(zip(areas["code"], areas["name"]))[area_code])  # measured below: cleaned first
    full = indicator_ids == ALL or indicator_ids == [ALL]
    chosen_ids = None if full or indicator_ids is None else list(indicator_ids)
    unknown = [i for i in (chosen_ids or []) if i not in config.by_id]
    if unknown:
        raise ExportError(f"unknown indicator id(s): {', '.join(unknown)}")
    chosen = [i for i in config.indicators if chosen_ids is None or i.id in chosen_ids]
    ids = [i.id for i in chosen]
    af = readmodel.figures(
        conn, config, area_code, today=(cut_date + dt.timedelta(days=1)) if cut_date else today, as_of=cut_date
    )
    card = af.scorecard
    if not card.empty:
        card = card[card["indicator_id"].isin(ids)].reset_index(drop=True)
    if card.empty:
        raise ExportError(
            f"there are no figures for {area_name}{' up to ' + cut.display if cut else ''}; choose another area or period."
        )
    produced = (today or dt.date.today()).strftime("%-d %B %Y")
    as_of_text = f"Figures up to {cut.display}" if cut else af.figures_up_to(ids)
    provenance = as_of_text + (f". {markup.SAMPLE_BANNER}" if af.illustrative_shown(ids) else "")
    # The exceptions every view shows (the Exceptions page and the deck list the same): of the indicators chosen.
    ex = exceptions.exception_report(af, ids)
    if chosen_ids is None and not full:
        paged = set(ex["indicator_id"]) | {i.id for i in config.indicators if i.headline}
    else:
        paged = set(card["indicator_id"])
    # In the default pack, a local measure's NHS counterpart (NHS England's figures for the council's NHS partners)
    # follows its page; a pack of chosen indicators has exactly those.
    nhs_after = {
        i.id: i.official
        for i in config.indicators
        if chosen_ids is None
        and not full
        and i.id in paged
        and i.official
        and config.by_id[i.official].nhs_geography
        and i.official in af.indicators
    }
    paged |= set(nhs_after.values())
    by_id_row = {r.indicator_id: r for r in af.scorecard.itertuples()}  # the counterpart may not be on the scorecard
    order = []
    for r in card.itertuples():
        if r.indicator_id in paged and r.indicator_id not in order:
            order.append(r.indicator_id)
            if r.indicator_id in nhs_after and nhs_after[r.indicator_id] not in order:
                order.append(nhs_after[r.indicator_id])
    page_rows = [by_id_row[i] for i in order]
    what = (
        "the scorecard, the exceptions, then a page for each exception and each headline indicator"
        if chosen_ids is None and not full
        else "the scorecard, the exceptions, then a page for each indicator"
    )
    paper = paper or board_paper.Paper()
    view = plan.view(conn, config, af, today=cut_date or today)
    slides = [
        Slide(
            "title",
            "SEND performance board pack",
            f"{paper.cover_lines(area_name, as_of_text, produced)}\nIn this pack: key messages, {what}, what changed "
            "since the last meeting, the action log and the recommendations.",
            footer=provenance,
        )
    ]
    messages = paper.key_messages if paper.key_messages is not None else board_paper.draft_key_messages(af, view, ex, ids)
    slides += text_pages("Key messages", f"{paper.purpose} · {paper.meeting}", [f"• {m}" for m in messages], provenance)

    # The scorecard on one page: the RAG in a word, a star where its thresholds are illustrative (the indicator's own
    # page says what it is judged against), the SPC reading in a word or two.
    header = ["Indicator", "Period", "Latest", "RAG", "vs previous", "SPC"]
    rows = []
    for r in card.itertuples():
        ind = config.by_id[r.indicator_id]
        star = "*" if ind.rag is not None and ind.rag.illustrative else ""
        mark = " ◆" if r.figure_type == "published" else " ○" if r.figure_type == "illustrative" else ""
        rows.append(
            [
                r.indicator,
                short_period(r.period, ind.period_type),
                r.value_text + mark,
                r.rag_text + star,
                r.direction_prev_text,
                spc_words(r, short=True),
            ]
        )
    latest_sources = list(
        dict.fromkeys(
            src for i in card["indicator_id"] if i in af.indicators for src in pptx_deck.sources_of(af.indicators[i])[:1]
        )
    )
    first_card = len(slides)
    slides += _table_pages(
        "scorecard",
        f"Scorecard — {area_name}",
        f"{as_of_text}. {af.overdue_summary(ids)} ◆ published, ○ illustrative; * illustrative thresholds; {SPC_MARKS}",
        header,
        rows,
        list(card["status"]),
        [0.5, 0.085, 0.075, 0.09, 0.12, 0.13],
        provenance,
    )

    ex_rows = [
        [r.indicator, r.reasons, r.rag_text, r.value_text, _one_line(commentary.to_text(r.actions)) or "No commentary yet"]
        for r in ex.itertuples()
    ]
    slides += _table_pages(
        "exceptions",
        "Exceptions: red, worsening or special-cause concern",
        "Worst first; each has a page of its own after this."
        if ex_rows
        else "No indicator is red, worse than the period before or showing special-cause concern.",
        ["Indicator", "Why it is here", "RAG", "Latest", "What we are doing about it"],
        ex_rows,
        list(ex["status"]),
        [0.27, 0.25, 0.1, 0.09, 0.29],
        provenance,
        most=2,
    )

    for page in slides[first_card:]:  # the scorecard's and the exceptions' pages: their latest figures' sources
        page.sources = latest_sources
    slides += _board_sections(conn, config, af, view, ex, ids, paper, cut_date or today or dt.date.today(), provenance)

    reasons = dict(zip(ex["indicator_id"], ex["reasons"]))
    for r in page_rows:
        f = af.indicators[r.indicator_id]
        ind = f.ind
        note = commentary.latest_for(af.commentary, ind.id, r.period)
        df = f.held
        published = int((df["figure_type"] == "published").sum())
        illustrative = int((df["figure_type"] == "illustrative").sum())
        tail = df.tail(6)
        shown = f.shown_as(area_name)  # NHS statistics: the NHS area whose figures these are
        s = Slide(
            "indicator",
            ind.name,
            f"{shown} · {r.period_display}: {r.value_text} · {r.rag_text} ({r.threshold_text}) · "
            f"{r.direction_prev_text}"
            + (f" · SPC: {spc_words(r)}" if isinstance(r.variation, str) else "")
            + (f"\nIn exception: {reasons[ind.id]}" if ind.id in reasons else ""),
            ["Period", "Value", "RAG", "Figure"],
            [[t.period_display, t.value_text, t.rag_text, t.figure_type] for t in tail.itertuples()],
            list(tail["status"]),
            [0.42, 0.18, 0.2, 0.2],
            comparison="\n".join(
                t for t in (spc_reading(r), comparison_text(af, f), alt_text.breaks_text(f) if f.breaks else "") if t
            ),
            data_shows=commentary.to_text(note["data_shows"]) if note is not None else "",
            actions=commentary.to_text(note["actions"]) if note is not None else "",
            review=commentary.review_text(note["next_review"]) if note is not None else "",
            footer=f"{provenance} This indicator: {published} published and {illustrative} illustrative value(s) shown. "
            + PUBLISHED_NOTE,
        )
        chart_h = PRINT_CHART_H  # the PDF's (the deck sizes its native charts itself)
        two = f.spc is not None
        w = (WIDTH - CHART_GAP) / 2 if two else WIDTH
        trend = board_trend(f, area_name, width=w, height=chart_h, font=CHART_PT, title=trend_title(f)) if figures else None
        s.sources = pptx_deck.sources_of(f)
        s.charts.append(
            Chart(trend, w, chart_h, trend_alt(f, shown), native=pptx_deck.trend_data(f, shown), title=trend_title(f))
        )
        if two:
            xmr = (
                board_spc(f, shown, width=w, height=chart_h, font=CHART_PT, title="Statistical process control (XmR)")
                if figures
                else None
            )
            s.charts.append(
                Chart(
                    xmr,
                    w,
                    chart_h,
                    spc_alt(f, shown),
                    native=pptx_deck.spc_data(f, shown),
                    title="Statistical process control (XmR)",
                )
            )
        if on_chart and figures:  # drawn while the next pages are built
            for c in s.charts:
                on_chart(ind.name, c)
        slides.append(s)
    return Pack(area_name, as_of_text, produced, slides)


def _board_sections(conn, config, af, view, ex, ids, paper: board_paper.Paper, day: dt.date, footer: str) -> list[Slide]:
    """Since the last meeting (figures and RAG, then actions), the action log, the recommendations: through the same
    page makers as the scorecard and exceptions."""
    since = paper.since or day - dt.timedelta(days=board_paper.SINCE_DAYS)
    out: list[Slide] = []
    rows, statuses = board_paper.since_figures(conn, config, af, since, ids)
    title = f"Since the last meeting ({since:%-d %B %Y}): figures and RAG"
    if rows:
        out += _table_pages(
            "changes", title, "Each indicator with a new figure or a new RAG since then; the figures then are those whose "
            "period had ended by that date.", ["Indicator", "Then", "Now", "RAG (then → now)"], rows,
            statuses, [0.34, 0.24, 0.24, 0.18], footer,
        )  # fmt: skip
    else:
        out += text_pages(title, "", ["No indicator has a new figure or a new RAG since then."], footer)
    acted = board_paper.since_actions(view, since)
    title = f"Since the last meeting ({since:%-d %B %Y}): actions"
    if acted:
        out += table_pages(
            title, "Each action with a progress update since then: its delivery status then and now.",
            ["Ref", "Action", "Delivery status then → now", "Latest update"], acted, [0.06, 0.36, 0.22, 0.36], footer,
            kind="changes",
        )  # fmt: skip
    else:
        out += text_pages(title, "", ["No progress update has been posted since then."], footer)
    log = board_paper.action_log(view)
    if log:
        out += table_pages(
            "Action log: overdue and at risk first",
            "Every action not yet complete. Delivery status (◌ ▷ ⚑ ⊘ ■) is how the work is going, not a RAG."
            + (" The plan is illustrative sample data." if view.illustrative else ""),
            ["Ref", "Action", "Owner", "Due", "Delivery status", "Latest update"], log,
            [0.05, 0.3, 0.15, 0.13, 0.1, 0.27], footer, kind="action_log",
        )  # fmt: skip
    else:
        out += text_pages(
            "Action log", "", ["No improvement plan is held for this area yet, or every action is complete."], footer
        )
    recs = (
        paper.recommendations if paper.recommendations is not None else board_paper.draft_recommendations(paper.purpose, view, ex)
    )
    out += text_pages("Recommendations", paper.purpose, [f"{n}. {r}" for n, r in enumerate(recs, 1)], footer)
    return out


# ---------------------------------------------------------------- PowerPoint


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def to_pptx(pack: Pack) -> bytes:
    """The deck people can edit: native charts, 18 pt tables, titles and speaker notes (see pptx_deck)."""
    return pptx_deck.to_pptx(pack, sys.modules[__name__])


# ---------------------------------------------------------------- PDF


def to_pdf(pack: Pack) -> bytes:
    """The pack as a tagged PDF: semantic HTML (pack_html) printed by the system Chromium (pdf_print), so headings,
    tables with header cells, figures with their text alternatives, the language and the title are in its structure
    tree, for screen readers and for the accessibility regulations."""
    from indicators import pack_html, pdf_print

    return pdf_print.print_pdf(
        pack_html.render(pack),
        title=pack_html.document_title(pack),
        footer=pack_html.page_footer(pack),
        headings=pack_html.headings(pack),
    )


def export(
    conn,
    config: Config,
    fmt: str,
    area_code: str,
    *,
    as_of: str | None = None,
    indicator_ids: list[str] | str | None = None,
    progress: Callable[[float, str], None] | None = None,
    today: dt.date | None = None,
    paper: board_paper.Paper | None = None,
) -> bytes:
    """The whole pack as PowerPoint (fmt 'pptx') or PDF ('pdf') bytes."""
    if fmt not in ("pptx", "pdf"):
        raise ExportError(f'format "{fmt}" is not offered; choose pptx or pdf')
    step = "gathering the figures"
    try:
        if progress:
            progress(0.0, "Gathering the figures")
        if fmt == "pptx":  # the deck's charts are PowerPoint's own: nothing to draw in Chromium
            step = "gathering the figures"
            pack = clean_pack(
                build(conn, config, area_code, as_of=as_of, indicator_ids=indicator_ids, today=today, paper=paper, figures=False)
            )
            step = "writing the PPTX file"
            if progress:
                progress(0.92, f"Writing the PPTX file ({len(pack.slides)} pages)")
            return to_pptx(pack)
        step = "starting Chromium to draw the charts"
        drawer = _Drawer(progress)
        try:
            step = "gathering the figures and drawing the charts"
            pack = clean_pack(
                build(
                    conn,
                    config,
                    area_code,
                    as_of=as_of,
                    indicator_ids=indicator_ids,
                    today=today,
                    on_chart=drawer.submit,
                    paper=paper,
                )
            )
            if progress:
                progress(0.05, f"Drawing {len(drawer.jobs)} charts for {len(pack.slides)} pages")
            drawer.finish(progress)
        finally:
            drawer.close()
        draw_charts(pack, progress)  # anything not yet drawn (nothing, normally)
        step = f"writing the {fmt.upper()} file"
        if progress:
            progress(0.92, f"Writing the {fmt.upper()} file ({len(pack.slides)} pages)")
        return to_pdf(pack)
    except ExportError:
        raise
    except Exception as e:  # every failure reaches the page or the command line as a message; the details go to the log
        traceback.print_exc(file=sys.stderr)
        raise ExportError(
            f"something went wrong while {step} ({type(e).__name__}: {e}); nothing was made. Try again; "
            "if it keeps happening, the server log has the details."
        ) from None
