"""What makes the board pack a board paper: the cover sheet (meeting, date, author, purpose), key messages drafted from
the figures and the plan (what improved, what worsened, what is in exception, what is off track, what is overdue) for
the author to edit, what changed since the last meeting (figures, RAG and actions), the action log (overdue and at
risk first) and recommendations. Plain data (text and table rows); indicators.export lays it out as pages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from indicators import plan, rag, readmodel
from indicators.config import Config
from indicators.problems import join_words

PURPOSES = ("For assurance", "For decision")
DEFAULT_MEETING = "SEND and AP Partnership Board"
SINCE_DAYS = 91  # "since the last meeting" when no date is chosen: a quarter, as boards meet


@dataclass
class Paper:
    """The author's choices; what is left as None is drafted from the figures and the plan."""

    meeting: str = DEFAULT_MEETING
    date: dt.date | None = None  # of the meeting; default the day the pack is made
    author: str = ""
    purpose: str = PURPOSES[0]
    since: dt.date | None = None  # the last meeting; default SINCE_DAYS before the figures' cut-off or today
    key_messages: list[str] | None = None
    recommendations: list[str] | None = None

    def cover_lines(self, area_name: str, as_of_text: str, produced: str) -> str:
        when = f"{self.date:%-d %B %Y}" if self.date else produced
        return "\n".join(
            [
                f"{self.meeting}, {when}",
                area_name,
                f"Purpose: {self.purpose}",
                f"Author: {self.author or 'not given'}",
                f"{as_of_text} · Produced {produced}",
            ]
        )


def _names(rows, limit: int = 5) -> str:
    names = [r for r in rows]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return join_words(names) if names else ""


def draft_key_messages(af: readmodel.AreaFigures, view: plan.PlanView, ex: pd.DataFrame, ids: list[str]) -> list[str]:
    """One line each: improved, worsened, in exception, off track (actions and milestones), overdue (actions and figures)."""
    card = af.scorecard[af.scorecard["indicator_id"].isin(ids)] if not af.scorecard.empty else af.scorecard
    out = []
    better = [r.indicator for r in card.itertuples() if r.direction_prev == rag.IMPROVING]
    worse = [r.indicator for r in card.itertuples() if r.direction_prev == rag.WORSENING]
    out.append(f"Improved on the period before: {_names(better)}." if better else "No indicator improved on the period before.")
    out.append(f"Worsened on the period before: {_names(worse)}." if worse else "No indicator worsened on the period before.")
    if len(ex):
        out.append(f"In exception ({len(ex)}), worst first: {_names(list(ex['indicator']))}.")
    off = [a for a in view.actions if a.status == "off track"]
    missed = [m for m in (m for a in view.actions for m in a.measures) if m.state == plan.MISSED]
    if view.afis:
        bits = []
        if off:
            bits.append("action(s) " + join_words([f"{a.ref} ({a.title})" for a in off]))
        if missed:
            bits.append(
                "milestone(s) missed: "
                + join_words([f"{m.ind.name} {m.latest_text} against {m.milestone_text} (action {m.action_ref})" for m in missed])
            )
        out.append(("Off track: " + "; ".join(bits) + ".") if bits else "No action is off track and no milestone was missed.")
        late = [a for a in view.actions if a.overdue]
        out.append(
            f"Overdue actions (past their due date, not complete): {join_words([a.ref for a in late])}."
            if late
            else "No action is past its due date."
        )
    out.append(f"Figures: {af.overdue_summary(ids)}")
    return out


def draft_recommendations(purpose: str, view: plan.PlanView, ex: pd.DataFrame) -> list[str]:
    attention = [a.ref for a in view.action_log() if a.overdue or a.status in ("off track", "at risk")]
    out = []
    if purpose == "For decision":
        if attention:
            out.append(f"The board is asked to decide on recovery plans for action(s) {join_words(attention)}.")
        out.append("The board is asked to agree the key messages and the improvement plan's next steps.")
    else:
        out.append("The board is asked to note the key messages, the exceptions and the progress of the improvement plan.")
        if attention:
            out.append(
                f"The board is asked to seek assurance from the owners of action(s) {join_words(attention)} on how they "
                "will be brought back on track, by the next meeting."
            )
    if len(ex):
        out.append("The board is asked to note what each service is doing about the indicators in exception (pages follow).")
    return out


def since_figures(
    conn, config: Config, af: readmodel.AreaFigures, since: dt.date, ids: list[str]
) -> tuple[list[list[str]], list[str]]:
    """Each indicator whose latest figure or RAG is not what it was at the last meeting (its figures then: those whose
    period had ended by `since`): [indicator, then, now, RAG then → now]. Returns the rows and each row's RAG status now."""
    before = readmodel.figures(conn, config, af.area.code, today=since + dt.timedelta(days=1), as_of=since)
    then = {r.indicator_id: r for r in before.scorecard.itertuples()} if not before.scorecard.empty else {}
    rows, statuses = [], []
    for r in af.scorecard.itertuples() if not af.scorecard.empty else []:
        if r.indicator_id not in ids:
            continue
        old = then.get(r.indicator_id)
        if old is not None and old.period == r.period and old.value_text == r.value_text and old.status == r.status:
            continue
        was = f"{old.value_text} ({old.period_display})" if old is not None else "No figure"
        now = rag.BADGES[r.status].text
        if old is None:
            moved = f"{now} (new)"
        elif old.status == r.status:
            moved = f"{now} (unchanged)"
        else:
            moved = f"{rag.BADGES[old.status].text} → {now}"
        rows.append([r.indicator, was, f"{r.value_text} ({r.period_display})", moved])
        statuses.append(r.status)
    return rows, statuses


def since_actions(view: plan.PlanView, since: dt.date) -> list[list[str]]:
    """Each action with a progress update after `since`: [ref, action, status then → now, latest update]."""
    rows = []
    for a in sorted(view.actions, key=lambda a: plan._ref_key(a.ref)):
        ups = a.updates
        if ups.empty or not (ups["update_date"] > since).any():
            continue
        earlier = ups[ups["update_date"] <= since]
        then = plan.status_text(earlier.iloc[0]["status"]) if not earlier.empty else "No update before"
        last = ups.iloc[0]
        rows.append(
            [
                a.ref,
                a.title,
                f"{then} → {plan.status_text(a.status)}",
                f"{last['update_date']:%-d %B %Y}: {_first(last['progress'])}",
            ]
        )
    return rows


def action_log(view: plan.PlanView) -> list[list[str]]:
    """Every action not complete, overdue and off track first: [ref, action, owner, due, delivery status, latest update]."""
    rows = []
    for a in view.action_log():
        last = a.latest_update
        said = f"{last['update_date']:%-d %B %Y}: {_first(last['progress'])}" if last else "No update yet"
        rows.append([a.ref, a.title, a.owner or "–", a.due_text, a.status_text, said])
    return rows


def _first(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def file_name(area_name: str, fmt: str, day: dt.date) -> str:
    """e.g. board-pack-county-durham-2026-11-22.pdf: the area and the date, as a board's papers are filed."""
    slug = re.sub(r"[^a-z0-9]+", "-", area_name.lower()).strip("-") or "area"
    return f"board-pack-{slug}-{day.isoformat()}.{fmt}"
