"""Commentary on an indicator (what the data shows, actions, next review), rendered safely from Markdown."""

from __future__ import annotations

import functools
import html
import math

import nh3

_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "code", "pre", "br", "blockquote", "h3", "h4", "h5", "h6"}


@functools.cache
def _markdown():
    """The Markdown parser, made on first use: the scorecard, the first page, shows no commentary and so never loads it.
    Raw HTML in the text is shown as text (html=False); images are off so commentary cannot pull in outside content;
    nh3 (Ammonia) then keeps only _TAGS and only http(s)/mailto links."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).disable("image")


def to_html(text: str) -> str:
    """Markdown → sanitised HTML: no raw HTML, no script, no javascript: links."""
    if not text:
        return ""
    return nh3.clean(
        _markdown().render(text),
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def to_text(text: str) -> str:
    """Markdown → plain text for the board pack (PowerPoint and PDF show text, not HTML)."""
    if not text:
        return ""
    stripped = nh3.clean(_markdown().render(text).replace("</p>", "</p>\n").replace("<li>", "<li>• "), tags=set())
    return html.unescape(stripped).strip()


def latest_for(commentary_df, indicator_id: str, period: str | None = None):
    """The newest commentary row for an indicator (for `period`, or its most recent period), or None."""
    if commentary_df is None or commentary_df.empty:
        return None
    rows = commentary_df[commentary_df["indicator_id"] == indicator_id]
    if period is not None:
        rows = rows[rows["period"] == period]
    if rows.empty:
        return None
    return rows.sort_values("id").iloc[-1]


def review_text(next_review) -> str:
    if next_review is None or (isinstance(next_review, float) and math.isnan(next_review)):
        return ""
    try:
        return f"Next review: {next_review:%-d %B %Y}"
    except (TypeError, ValueError):
        return ""


def block_html(row) -> str:
    """One commentary as an HTML block for the pages (escaped and sanitised)."""
    if row is None:
        return ""
    parts = []
    if row["data_shows"]:
        parts.append(f"<h4>What the data shows</h4>{to_html(row['data_shows'])}")
    if row["actions"]:
        parts.append(f"<h4>What we are doing about it</h4>{to_html(row['actions'])}")
    review = review_text(row["next_review"])
    meta = f"{html.escape(str(row['author']))}, {str(row['created_at'])[:16]}"
    parts.append(f"<p class='commentary-meta'>{html.escape(review)}{' · ' if review else ''}Written by {meta}</p>")
    return "<div class='commentary'>" + "".join(parts) + "</div>"
