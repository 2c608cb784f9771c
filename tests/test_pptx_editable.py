"""The board pack as a PowerPoint an officer can edit before the meeting: native charts (not pictures) on the
indicator slides, tables at 18 pt or more carried over slides rather than shrunk, a title on every slide and on the
document, and speaker notes with each slide's commentary and its figures' sources. Opened with python-pptx."""

import datetime as dt
import io

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Pt

from indicators import export, readmodel, store
from tests.conftest import sample_last

TODAY = dt.date(2026, 11, 22)
DURHAM = "E06000047"


def _deck(conn, cfg, **kw):
    return Presentation(io.BytesIO(export.export(conn, cfg, "pptx", DURHAM, today=TODAY, **kw)))


def test_indicator_slides_carry_native_line_charts_with_the_areas_series_target_and_comparators(conn, cfg):
    deck = _deck(conn, cfg, indicator_ids=["dfe_ehcp_20wk", "ehcp_20wk"])
    af = readmodel.figures(conn, cfg, DURHAM, today=TODAY)
    by_title = {slide.shapes.title.text: slide for slide in deck.slides}
    for ind_id in ("dfe_ehcp_20wk", "ehcp_20wk"):
        f = af.indicators[ind_id]
        slide = by_title[cfg.by_id[ind_id].name]
        charts = [s for s in slide.shapes if s.has_chart]
        assert len(charts) == (2 if f.spc is not None else 1), ind_id
        assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE], "charts must not be pictures"
        trend = charts[0].chart
        names = [s.name for s in trend.plots[0].series]
        assert names[0] == "County Durham" and "Target" in names
        assert list(trend.plots[0].categories) == list(f.series["period_display"])
        held = f.held
        area_values = list(trend.plots[0].series[0].values)
        last = len(f.series) - 1
        assert area_values[last] == float(held["value"].iloc[-1])
        assert charts[0]._element.nvGraphicFramePr.cNvPr.get("descr").startswith("Chart: line chart of ")
    # the DfE indicator has England, the North East and the statistical neighbours as further series
    names = [
        s.name for s in [s for s in by_title[cfg.by_id["dfe_ehcp_20wk"].name].shapes if s.has_chart][0].chart.plots[0].series
    ]
    assert names == ["County Durham", "Target", "England", "North East", "Statistical neighbours (average)"]
    xmr = [s for s in by_title[cfg.by_id["ehcp_20wk"].name].shapes if s.has_chart][1].chart
    assert [s.name for s in xmr.plots[0].series][:4] == ["County Durham", "Mean", "Upper process limit", "Lower process limit"]


def test_every_slide_has_a_title_notes_and_no_table_text_under_18_pt(conn, cfg):
    neet, _ = sample_last("send_neet")
    store.save_commentary(
        conn, "send_neet", DURHAM, neet.label, "Down again this quarter", "DurhamWorks caseworkers for every leaver", None, "Lead"
    )
    deck = _deck(conn, cfg)  # the default pack
    assert deck.core_properties.title == "SEND performance board pack — County Durham"
    assert deck.core_properties.language == "en-GB"
    sizes, titles = [], []
    for n, slide in enumerate(deck.slides, 1):
        assert slide.slide_layout.name != "Blank", n
        title = slide.shapes.title
        assert title is not None and title.text.strip(), f"slide {n} has no title"
        titles.append(title.text)
        notes = slide.notes_slide.notes_text_frame.text
        assert "Figures and provenance: Figures up to" in notes, n
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        sizes += [r.font.size for p in cell.text_frame.paragraphs for r in p.runs]
    assert sizes and min(sizes) >= Pt(18)
    # the scorecard does not shrink: it runs over as many slides as it needs, each with its header row
    card = [t for t in titles if t.startswith("Scorecard — County Durham")]
    assert len(card) > 1 and card[0] == f"Scorecard — County Durham (1 of {len(card)})"
    rows = sum(
        len(s.table.rows) - 1 for slide in deck.slides if slide.shapes.title.text in card for s in slide.shapes if s.has_table
    )
    assert rows == len(readmodel.figures(conn, cfg, DURHAM, today=TODAY).scorecard)
    neet_slide = next(s for s in deck.slides if s.shapes.title.text == cfg.by_id["send_neet"].name)
    notes = neet_slide.notes_slide.notes_text_frame.text
    assert "What the data shows: Down again this quarter" in notes
    assert "What we are doing about it: DurhamWorks caseworkers for every leaver" in notes
    assert "Chart: line chart of " in notes and "Sources: " in notes
    card_notes = next(s for s in deck.slides if s.shapes.title.text == card[0]).notes_slide.notes_text_frame.text
    assert "Sources: " in card_notes
