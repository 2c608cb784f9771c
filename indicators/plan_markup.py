"""HTML for the improvement plan: delivery-status badges (a word and a symbol of their own, outlined, so they are never
taken for a figure's RAG), the plan's tables of actions and impact measures, and the key that tells the two apart.
Every piece of text is escaped."""

from __future__ import annotations

import urllib.parse

from indicators import plan
from indicators.markup import SCORECARD_CSS, esc, rag_badge_html

PLAN_CSS = """<style>
.delivery {display: inline-block; padding: 1px 8px; border: 2px solid currentColor; border-radius: 12px; font-weight: 700;
           white-space: nowrap; background: #ffffff;}
.plan-key {font-size: 0.95rem; margin: 4px 0 12px 0;}
.plan-key span {margin-right: 10px;}
.need {font-weight: 700;}
.visually-hidden {position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
                  white-space: nowrap;}
</style>"""


def status_badge_html(status: str) -> str:
    colour = plan.STATUS_COLOURS.get(status, "#0b0c0c")
    return f'<span class="delivery" style="color:{colour}">{esc(plan.status_text(status))}</span>'


def key_html() -> str:
    statuses = "".join(f"<span>{status_badge_html(s)}</span>" for s in plan.STATUSES)
    return (
        PLAN_CSS + "<div class='plan-key'><strong>Delivery status</strong> (how an action's work is going): "
        f"{statuses}<br><strong>RAG</strong> (a figure against its target) is shown as ✔ Green, ▲ Amber, ✖ Red, ○ No "
        "target, and never stands for an action.</div>"
    )


def action_link(area_code: str, ref: str) -> str:
    return "action?" + urllib.parse.urlencode({"action": ref, "area": area_code})


def indicator_link(area_code: str, indicator_id: str) -> str:
    return "indicator?" + urllib.parse.urlencode({"indicator": indicator_id, "area": area_code})


def actions_html(actions: list[plan.Action], area_code: str, label: str) -> str:
    rows = []
    for a in actions:
        last = a.latest_update
        when = f"{last['update_date']:%-d %B %Y}" if last else "No update yet"
        rows.append(
            f"<tr data-action='{esc(a.ref)}'><td><a href='{esc(action_link(area_code, a.ref))}' target='_self'>{esc(a.ref)}</a></td>"
            f"<td>{esc(a.title)}</td><td>{esc(a.owner or '–')}<br><span class='small'>{esc(a.lead_org)}</span></td>"
            f"<td>{esc(a.due_text)}</td><td>{status_badge_html(a.status)}</td><td>{esc(when)}</td></tr>"
        )
    return (
        SCORECARD_CSS + PLAN_CSS + f"<div class='scorecard-wrap' role='region' aria-label='{esc(label)}' tabindex='0'>"
        f"<table class='scorecard'><caption class='visually-hidden'>{esc(label)}</caption><thead><tr>"
        "<th scope='col'>Ref</th><th scope='col'>Action</th><th scope='col'>Owner</th><th scope='col'>Due</th>"
        "<th scope='col'>Delivery status</th><th scope='col'>Latest update</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def measures_html(measures: list[plan.Measure], area_code: str, label: str, *, with_action: bool = True) -> str:
    rows = []
    for m in measures:
        first = f"<td>{esc(m.action_ref)}</td>" if with_action else ""
        rows.append(
            f"<tr data-indicator='{esc(m.ind.id)}'>{first}<td><a href='{esc(indicator_link(area_code, m.ind.id))}' "
            f"target='_self'>{esc(m.ind.name)}</a></td>"
            f"<td class='num'>{esc(m.baseline_text)}<br><span class='period small'>{esc(m.baseline_period)}</span></td>"
            f"<td class='num'>{esc(m.latest_text)}<br><span class='period small'>{esc(m.latest_period)}</span></td>"
            f"<td>{esc(m.milestone_text)}</td><td><strong>{esc(m.state_text)}</strong></td>"
            f"<td>{esc(m.target_text)}</td><td>{rag_badge_html(m.rag_status)}</td></tr>"
        )
    head = "<th scope='col'>Action</th>" if with_action else ""
    return (
        SCORECARD_CSS + PLAN_CSS + f"<div class='scorecard-wrap' role='region' aria-label='{esc(label)}' tabindex='0'>"
        f"<table class='scorecard'><caption class='visually-hidden'>{esc(label)}</caption><thead><tr>{head}"
        "<th scope='col'>Impact measure</th><th scope='col'>Baseline</th><th scope='col'>Latest</th>"
        "<th scope='col'>Milestone</th><th scope='col'>Against milestone</th><th scope='col'>Target</th>"
        "<th scope='col'>RAG</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def updates_html(action: plan.Action) -> str:
    if action.updates.empty:
        return "<p>No progress update has been posted yet.</p>"
    items = []
    for u in action.updates.itertuples():
        evidence = f"<br><strong>Evidence:</strong> {esc(u.evidence)}" if isinstance(u.evidence, str) and u.evidence else ""
        items.append(
            f"<li><strong>{esc(f'{u.update_date:%-d %B %Y}')}</strong> {status_badge_html(u.status)} "
            f"<span class='small'>posted by {esc(u.author)}</span><br>{esc(u.progress)}{evidence}</li>"
        )
    return PLAN_CSS + f"<ol class='plan-updates' reversed>{''.join(items)}</ol>"
