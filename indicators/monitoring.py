"""The six-monthly monitoring report to the Department for Education and NHS England on the partnership's updated
plan, for any six-month window, as Word (python-docx) and PDF (the board pack's layout and writer): for each area for
improvement the progress made (the updates posted in the window), its actions' delivery status at the window's end,
and its impact measures with baseline, latest, milestone and target, and the official comparators where they exist.
Everything comes from the store through the read model and the plan; nothing is typed twice."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from indicators import export, markup, plan, readmodel
from indicators.config import Config

TITLE = "Six-monthly progress report on the SEND strategic plan"
FOR = "For the Department for Education and NHS England"
ACTION_HEADER = ["Ref", "Action", "Owner", "Lead organisation", "Due", "Delivery status"]
ACTION_WIDTHS = [0.06, 0.36, 0.17, 0.15, 0.12, 0.14]
MEASURE_HEADER = [
    "Impact measure",
    "Baseline",
    "Latest",
    "Milestone",
    "Against milestone",
    "Target",
    "RAG",
    "Official comparator",
]
MEASURE_WIDTHS = [0.17, 0.1, 0.1, 0.12, 0.11, 0.09, 0.09, 0.22]


class ReportError(Exception):
    """The report cannot be made for what was asked; the message says what would work."""


@dataclass
class AfiSection:
    afi: plan.Afi
    narrative: list[str]  # one paragraph per update posted in the window, oldest first
    actions: list[list[str]]
    measures: list[list[str]]
    statuses: list[str] = field(default_factory=list)  # each measure's RAG status (the RAG column's colour)


@dataclass
class Report:
    area_name: str
    start: dt.date
    end: dt.date
    produced: dt.date
    figures_up_to: str
    illustrative: bool
    sections: list[AfiSection]

    @property
    def window_text(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @property
    def intro(self) -> list[str]:
        words = [
            f"{FOR}. {self.area_name} local area partnership: progress against the areas for improvement in the updated "
            f"strategic plan, {self.window_text}.",
            f"{self.figures_up_to}, as held at the end of the period. Delivery status (◌ not started, ▷ on track, ⚑ at "
            "risk, ⊘ off track, ■ complete) says how each action's work is going; RAG (✔ green, ▲ amber, ✖ red, ○ no "
            "target) says where each figure stands against its target. Baseline is the latest figure at or before the "
            "action started.",
        ]
        if self.illustrative:
            words.append(f"{markup.SAMPLE_BANNER} The plan, its updates and some figures are illustrative.")
        return words


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last complete half-year before `today`: April–September or October–March."""
    if today.month >= 10:
        return dt.date(today.year, 4, 1), dt.date(today.year, 9, 30)
    if today.month >= 4:
        return dt.date(today.year - 1, 10, 1), dt.date(today.year, 3, 31)
    return dt.date(today.year - 1, 4, 1), dt.date(today.year - 1, 9, 30)


def _status_at(action: plan.Action, end: dt.date) -> str:
    """The delivery status at the window's end: the latest update on or before it, else as the plan holds it."""
    ups = action.updates
    if not ups.empty:
        held = ups[ups["update_date"] <= end]
        if not held.empty:
            return held.iloc[0]["status"]
    return action.status


def build(conn, config: Config, area_code: str, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> Report:
    """The report for one area and window, its figures cut off at the window's end."""
    today = today or dt.date.today()
    if end < start:
        raise ReportError(f"the window ends ({end:%-d %B %Y}) before it starts ({start:%-d %B %Y}); give the start first.")
    if end > today:
        raise ReportError(f"the window ends on {end:%-d %B %Y}, after today; choose a window that has ended.")
    af = readmodel.figures(conn, config, area_code, today=end + dt.timedelta(days=1), as_of=end)
    view = plan.view(conn, config, af, today=end)
    if not view.afis:
        raise ReportError(f"{af.area.name} has no improvement plan yet; import one (python -m indicators plan-import) first.")
    sections = []
    for f in view.afis:
        narrative, actions = [], []
        for a in sorted(f.actions, key=lambda a: plan._ref_key(a.ref)):
            status = _status_at(a, end)
            actions.append([a.ref, a.title, a.owner or "–", a.lead_org or "–", plan.long_date(a.due), plan.status_text(status)])
            ups = a.updates
            ups = ups[(ups["update_date"] >= start) & (ups["update_date"] <= end)] if not ups.empty else ups
            for u in ups.iloc[::-1].itertuples():
                evidence = f" Evidence: {u.evidence}" if isinstance(u.evidence, str) and u.evidence else ""
                narrative.append(
                    f"{a.ref} {a.title} — {u.update_date:%-d %B %Y}, {plan.status_text(u.status)}: {u.progress}{evidence}"
                )
        if not narrative:
            narrative.append("No progress update was posted in this period.")
        measures, statuses = [], []
        for m in f.measures:
            measures.append(
                [
                    f"{m.ind.name} ({m.action_ref})",
                    f"{m.baseline_text} ({m.baseline_period})" if m.baseline_period else m.baseline_text,
                    f"{m.latest_text} ({m.latest_period})" if m.latest_period else m.latest_text,
                    m.milestone_text,
                    m.state_text,
                    m.target_text,
                    m.rag_text,
                    m.comparator_text or "No official comparator",
                ]
            )
            statuses.append(m.rag_status)
        sections.append(AfiSection(f, narrative, actions, measures, statuses))
    return Report(af.area.name, start, end, today, af.figures_up_to(), view.illustrative or af.illustrative_shown(), sections)


def file_name(report: Report, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report.area_name.lower()).strip("-")
    return f"send-monitoring-report-{slug}-{report.start:%Y-%m}-to-{report.end:%Y-%m}.{fmt}"


# ---------------------------------------------------------------- Word


def to_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.8))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = f"{TITLE} — {report.area_name}"
    doc.core_properties.subject = report.window_text
    doc.core_properties.author = "SEND performance dashboard"
    doc.add_heading(f"{TITLE}: {report.area_name}", level=0)
    doc.add_paragraph(f"{report.window_text}. Produced {report.produced:%-d %B %Y}.")
    for para in report.intro:
        doc.add_paragraph(para)

    def table(header, rows):
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for c, h in enumerate(header):
            cell = t.rows[0].cells[c]
            cell.text = h
            for r in cell.paragraphs[0].runs:
                r.bold = True
        for row in rows:
            cells = t.add_row().cells
            for c, v in enumerate(row):
                cells[c].text = str(v)
        # A header row that repeats on each page (Word's "Repeat as header row").
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)
        return t

    for s in report.sections:
        f = s.afi
        doc.add_heading(f"{f.ref}: {f.title}", level=1)
        if f.detail:
            doc.add_paragraph(f.detail, style="Intense Quote")
        doc.add_paragraph(f"Actions: {f.status_summary}. Needs attention: {f.need_text}.")
        doc.add_heading("Progress in this period", level=2)
        for para in s.narrative:
            doc.add_paragraph(para, style="List Bullet")
        doc.add_heading("Actions and their delivery status", level=2)
        table(ACTION_HEADER, s.actions) if s.actions else doc.add_paragraph("No actions yet.")
        doc.add_heading("Impact measures", level=2)
        table(MEASURE_HEADER, s.measures) if s.measures else doc.add_paragraph("No indicator is linked to these actions yet.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- PDF (the board pack's pages and writer)


def to_pack(report: Report) -> export.Pack:
    footer = f"{report.area_name} · {report.window_text} · {FOR}." + (
        " Sample data: illustrative." if report.illustrative else ""
    )
    slides = [
        export.Slide(
            "title",
            TITLE,
            f"{report.area_name}\n{report.window_text}\n{FOR}\nProduced {report.produced:%-d %B %Y}",
            footer=footer,
        )
    ]
    slides += export.text_pages("About this report", "", report.intro, footer)
    for s in report.sections:
        f = s.afi
        head = f"{f.ref}: {f.title}"
        sub = f"Actions: {f.status_summary}. Needs attention: {f.need_text}."
        slides += export.text_pages(f"{head} — progress", sub, ([f.detail] if f.detail else []) + s.narrative, footer)
        if s.actions:
            slides += export.table_pages(f"{head} — actions", sub, ACTION_HEADER, s.actions, ACTION_WIDTHS, footer)
        if s.measures:
            slides += export.table_pages(
                f"{head} — impact measures",
                "Baseline: the latest figure at or before the action started. RAG is the figure against its target; "
                "the milestone is the action's own.",
                MEASURE_HEADER,
                s.measures,
                MEASURE_WIDTHS,
                footer,
                statuses=s.statuses,
            )
    return export.clean_pack(export.Pack(report.area_name, report.window_text, f"{report.produced:%-d %B %Y}", slides, TITLE))


def to_pdf(report: Report) -> bytes:
    return export.to_pdf(to_pack(report))
