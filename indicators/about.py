"""The indicators file described for people: one escaped HTML section per indicator."""

from __future__ import annotations

import html

from indicators import periods, rag
from indicators.config import POLARITY_WORDS, UNIT_WORDS, Config, Indicator


def target_text(ind: Indicator) -> str:
    if ind.target is None:
        return "No target"
    if ind.target.value is not None:
        text = rag.format_value(ind, ind.target.value)
    else:
        steps = ", ".join(f"{rag.format_value(ind, v)} in {p.display}" for p, v in ind.trajectory_periods())
        text = f"Trajectory: {steps}"
    return f"{text}. {ind.target.note}" if ind.target.note else text


KIND_WORDS = {
    "local": "The partnership's own figure, uploaded by service leads",
    "official": "Official statistics (DfE), loaded from the published release; not uploaded by service leads",
}


def breaks_text(ind: Indicator, names: dict[str, str] | None = None) -> str:
    """Every break, where it applies: the chart draws a line there and SPC starts a new segment."""
    if not ind.breaks:
        return "–"
    return "; ".join(
        f"{periods.parse(b.period, ind.period_type).display}: {b.reason}"
        + (f" ({', '.join((names or {}).get(a, a) for a in b.areas)} only)" if b.areas else "")
        for b in ind.breaks
    )


def spc_text(ind: Indicator, names: dict[str, str] | None = None) -> str:
    """Rebases (with the areas they apply to) and a non-default gap limit, in words."""
    spc = ind.spc or {}
    words = []
    for r in spc.get("rebase_at") or []:
        if isinstance(r, dict):
            where = f" for {', '.join((names or {}).get(a, a) for a in r['areas'])} only" if r.get("areas") else ""
            words.append(f"rebased at {r['period']}{where}" + (f": {r['reason']}" if r.get("reason") else ""))
        else:
            words.append(f"rebased at {r}")
    if spc.get("max_gap") is not None:
        words.append(f"a gap of more than {spc['max_gap']} period(s) starts a new segment")
    return "; ".join(words) or "Defaults (a gap of more than 1 period starts a new segment)"


def counterpart_html(ind: Indicator, cfg: Config) -> str:
    """The official counterpart by its name, linked to its own section, with its id (what files and links use)."""
    if not ind.official:
        return "–"
    other = cfg.by_id.get(ind.official)
    code = f"<code>{html.escape(ind.official)}</code>"
    if other is None:
        return code
    return f"<a href='#{html.escape(other.id)}'>{html.escape(other.name)}</a> (id {code})"


def fields(ind: Indicator, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(term, text) for everything the indicators file says about one indicator, in reading order: what it measures
    first, the id it is known by in files and links last."""
    return [
        ("Definition", ind.definition),
        ("Unit", UNIT_WORDS[ind.unit]),
        ("Polarity", POLARITY_WORDS[ind.polarity]),
        ("Reported by", f"{periods.TYPE_NAMES[ind.period_type]}, e.g. {periods.EXAMPLES[ind.period_type]}"),
        ("Target", target_text(ind)),
        ("RAG rule", rag.rule_text(ind)),
        ("Owner", ind.owner),
        ("Data source", ind.source),
        ("Kind", KIND_WORDS[ind.kind]),
        ("Official counterpart", ind.official or "–"),
        ("Breaks in the series", breaks_text(ind, names)),
        ("SPC settings", spc_text(ind, names)),
        ("Strategy area", ind.strategy_area or "–"),
        ("Inspection area", ind.inspection_area or "–"),
        ("Notes", ind.notes or "–"),
        ("Id in upload files and links", ind.id),
    ]


def about_html(cfg: Config) -> str:
    """One section per indicator, headed by its name; its style sheet is pages/about_page.css."""
    parts = []
    names = {a.code: a.name for a in cfg.areas}
    for ind in cfg.indicators:
        rows = []
        for k, v in fields(ind, names):
            if k == "Official counterpart":
                shown = counterpart_html(ind, cfg)
            elif k.startswith("Id"):
                shown = f"<code>{html.escape(v)}</code>"
            else:
                shown = html.escape(v)
            rows.append(f"<dt>{html.escape(k)}</dt><dd>{shown}</dd>")
        parts.append(
            f"<section class='ind' id='{html.escape(ind.id)}'><h2>{html.escape(ind.name)}</h2><dl>{''.join(rows)}</dl></section>"
        )
    return "".join(parts)
