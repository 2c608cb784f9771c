"""Accessibility statement in the format GOV.UK recommends for public sector websites (the Public Sector Bodies
Accessibility Regulations 2018): what meets WCAG 2.2 AA, what does not yet, how to report a problem, enforcement."""

import os

import streamlit as st

from pages.common import get_access, plain_with_email_links, require, run_page

CONTACT_ENV = "KPI_ACCESSIBILITY_CONTACT"
PREPARED = "December 2026"  # when this statement was written; review it whenever the dashboard changes how it looks or works


def statement_page() -> None:
    who = get_access()
    require(who.viewer, "see the accessibility statement")
    contact = os.environ.get(CONTACT_ENV, "").strip()
    st.title("Accessibility statement for the SEND performance dashboard")
    st.markdown(
        """
This accessibility statement applies to the SEND performance dashboard: the scorecard, indicator, exceptions, compare
areas, provider scorecard, improvement plan, action, presentation mode, board pack, upload figures, upload history
(my uploads), returns, about the indicators and accessibility statement pages, and the documents it makes (the board
pack and the six-monthly monitoring report).

The local area partnership wants as many people as possible to be able to use this dashboard. For example, that means
you should be able to:

- change colours, contrast levels and fonts using browser or device settings
- zoom in up to 400% without the text spilling off the screen
- navigate every page, presentation mode included, using just a keyboard, with a focus indicator you can always see
- listen to the pages using a screen reader: headings, tables, icons and charts are named
- read every chart as text, on the pages and on the slides: each chart has a name, a one-sentence summary and its
  figures as a table beside it

We have also made the text as simple as we can. RAG status is never shown by colour alone: every status carries a
word and a symbol (✔ Green, ▲ Amber, ✖ Red, ○ No target).

[AbilityNet](https://mcmw.abilitynet.org.uk/) has advice on making your device easier to use if you have a disability.

## How accessible this dashboard is

We know some parts of this dashboard are not fully accessible:

- the data grids (for example "The figures" on the Indicator page) are drawn on a canvas: a screen reader reads
  them cell by cell, not as an HTML table. Every chart's figures are also given as an HTML table, and every grid can
  be downloaded as CSV or Excel
- zooming, panning and hovering over a chart for a figure's details need a mouse; the same figures are in the table
  beside each chart
- after some actions Streamlit redraws the page and focus can move to the top of the page rather than staying on the
  control you used; we return focus where Streamlit allows it
- the board pack's PDF is tagged (headings, tables with header cells, each chart a figure with its text
  alternative, the language and the title; no text under 11 pt), and a program checks the part of PDF/UA-1 a
  program can; it does not claim PDF/UA conformance, as its reading order and alternative text have not yet been
  checked by a screen-reader user. The PowerPoint has a title on
  every slide, native charts with alternative text, tables at 18 pt or more and speaker notes
- the six-monthly monitoring report's PDF is tagged in the same way; its Word version (.docx) has real headings
  and tables
- in presentation mode on a screen 320 pixels wide, the Compare areas slide's chart is drawn at projector size, so
  its quartile names overlap; the same chart on the Compare areas page, and the table beside it, read correctly
- signing in uses your organisation's sign-in page, which this statement does not cover

## Feedback and contact information

If you need information on this dashboard in a different format, like accessible PDF, large print, easy read, audio
recording or braille, or if you find any problem not listed on this page or think we are not meeting accessibility
requirements, contact:
"""
    )
    if contact:
        st.markdown(f"- {plain_with_email_links(contact)}")  # an address is a mailto: link
    else:
        st.markdown(
            "- the partnership's performance team, who run this dashboard (the person who sent you its address can "
            "put you in touch)"
        )
    st.markdown(
        """
Say which page you were on, what you were trying to do and what went wrong. We will consider your request and get
back to you within 10 working days.

## Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and
Mobile Applications) (No. 2) Accessibility Regulations 2018 (the "accessibility regulations"). If you are not happy
with how we respond to your complaint, [contact the Equality Advisory and Support Service
(EASS)](https://www.equalityadvisoryservice.com/).

## Technical information about this dashboard's accessibility

The partnership is committed to making its websites accessible, in accordance with the Public Sector Bodies (Websites
and Mobile Applications) (No. 2) Accessibility Regulations 2018.

### Compliance status

This dashboard is partially compliant with the [Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/)
AA standard, due to the non-compliances listed below.

### What meets the standard

- **1.1.1 Non-text content**: every chart, on the pages and on the presentation's slides, has an accessible name, a
  one-sentence summary (the latest value against its target, the direction of travel and the SPC reading) and its
  figures as a table; icons carry their words
- **1.4.1 Use of colour**: RAG is a word and a symbol as well as a colour; red, amber and green bands on charts have
  labelled boundaries; on the Compare areas chart (page and slide) the region's bars carry a circle and the
  statistical neighbours' a triangle, named in the legend by shape
- **1.4.3 and 1.4.11 Contrast**: text and chart text at 4.5:1 or more, chart lines and band boundaries at 3:1 or more
- **1.4.10 Reflow**: at 320 pixels wide nothing scrolls sideways except data tables, which scroll on their own
- **2.4.2 Page titled**: each page's title names the page and, where it shows one, the area
- **2.4.7 and 2.4.11 Focus visible and not obscured**, on every page and slide: a black outline with
  a yellow ring (3:1 or more against what is around it) on the pages' controls and on what opens above them: dialogs
  (such as Deck settings), the highlighted option of every drop-down list, and the main menu. The data grids draw the
  ring round their focused cell themselves, in blue (#1d70b8, 5.2:1 on white), not in this style. No Tab stop is
  invisible or off-screen; nothing focused hides under the header or the sidebar, and a drop-down list's highlighted
  option stays inside the window at 320 × 256 pixels

### Non-accessible content

The content listed below is non-accessible for the following reasons.

**Non-compliance with the accessibility regulations**

- Data grids drawn on a canvas do not expose their cells as a table to every screen reader (1.3.1 Info and
  relationships). The same figures are in the HTML tables beside the charts and in the CSV and Excel downloads.
- Chart zoom, pan and hover details work with a mouse only (2.1.1 Keyboard). The figures they show are in the table
  beside each chart.
- After a rerun Streamlit may redraw the control you used, and focus can then move to the page's first message or
  heading rather than to that control (2.4.3 Focus order).
- At 320 pixels wide, the Compare areas slide of the presentation has overlapping labels on its chart (1.4.10
  Reflow). The Compare areas page draws the same chart to fit, with its table.

We plan to fix these as the components we build on (Streamlit and Plotly) allow, and review this statement each time.

## What we are doing to improve accessibility

Every change to the dashboard runs browser tests, keyboard only, on every page at 1280×900 and 320×256: every
focusable element is visible and inside the window when focused, with a focus indicator of 3:1 or more; the same
checks, and axe-core, with the Deck settings dialog, a drop-down list and the main menu open; each page's
title is distinct; every chart has an accessible name and a linked table; chart text and lines meet their contrast
ratios; nothing scrolls sideways at 320 pixels; and axe-core reports no serious or critical problem, on every page
and on every slide of the presentation at both sizes.

## Preparation of this accessibility statement
"""
    )
    st.markdown(
        f"This statement was prepared in {PREPARED}. The dashboard was last tested in {PREPARED} against the WCAG 2.2 "
        "AA standard, by its developers, with the automated and keyboard-only browser tests described above. It has "
        "not yet been tested with screen reader users or by an independent auditor."
    )


if __name__ == "__main__":
    run_page(statement_page)
