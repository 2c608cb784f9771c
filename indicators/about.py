"""The indicators file described for people: one escaped HTML section per indicator."""

from __future__ import annotations

import html

from indicators import periods, rag
from indicators.config import POLARITY_WORDS, UNIT_WORDS, Config, Indicator

CSS = """<style>
section.ind {border-top: 1px solid #b1b4b6; padding: 8px 0 12px 0;}
section.ind h2 {font-size: 1.4rem; margin: 0.4rem 0;}
section.ind dl {display: grid; grid-template-columns: 14rem 1fr; gap: 4px 16px; margin: 0;}
section.ind dt {font-weight: 700;}
section.ind dd {margin: 0;}
section.ind code {background: #f3f2f1; padding: 0 4px;}
section.ind dd, section.ind code {overflow-wrap: anywhere; min-width: 0;}
/* At 320 px (400% zoom) the terms sit above their definitions, so nothing scrolls sideways (WCAG 1.4.10). */
@media (max-width: 40rem) {section.ind dl {grid-template-columns: minmax(0, 1fr);} section.ind dd {margin-bottom: 6px;}}
</style>"""


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


def fields(ind: Indicator, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return [
        ("Id", ind.id),
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
    ]


def about_html(cfg: Config) -> str:
    parts = [CSS]
    names = {a.code: a.name for a in cfg.areas}
    for ind in cfg.indicators:
        rows = "".join(
            f"<dt>{html.escape(k)}</dt><dd>{'<code>' + html.escape(v) + '</code>' if k == 'Id' else html.escape(v)}</dd>"
            for k, v in fields(ind, names)
        )
        parts.append(f"<section class='ind' id='{html.escape(ind.id)}'><h2>{html.escape(ind.name)}</h2><dl>{rows}</dl></section>")
    return "".join(parts)
