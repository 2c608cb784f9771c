"""The improvement plan as every view reads it (the plan page, the action page, the indicator page, the board pack, the
six-monthly report, the command line): each area for improvement with its actions' delivery status and its impact
measures' latest figures against their milestones, worst first; and the plan's spreadsheet, read all-or-nothing with
every problem by row and column, and written in the same shape, so export → import changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from indicators import periods, plan_store, rag, readmodel, returns, tables
from indicators.cells import clean, missing
from indicators.config import Config, Indicator
from indicators.plan_store import STATUSES
from indicators.problems import Problem, suggest

# Delivery status: a word and a symbol of its own, so it is never read as a figure's RAG (✔ ▲ ✖ ○), nor by colour.
STATUS_SYMBOLS = {"not started": "◌", "on track": "▷", "at risk": "⚑", "off track": "⊘", "complete": "■"}
STATUS_COLOURS = {  # text on white, each at least 4.5:1; never the only sign
    "not started": "#505a5f",
    "on track": "#005ea5",
    "at risk": "#8a4b00",
    "off track": "#a8002e",
    "complete": "#0b0c0c",
}
# Worst first: how much each thing counts towards an area for improvement's need (see `need`).
NEED_WEIGHTS = {"off track": 3, "missed": 3, "overdue": 2, "at risk": 2, "short": 1, "red": 1}

# Milestone states: the latest figure against the milestone in force (see _judge).
MET, SHORT, MISSED, NO_FIGURE, NOT_JUDGED = "met", "short", "missed", "no figure", "not judged"
NO_MILESTONE = "no milestone"
MILESTONE_WORDS = {
    NO_MILESTONE: "No milestone set",
    MET: "Meets milestone",
    SHORT: "Short of milestone (not yet due)",
    MISSED: "Missed milestone",
    NO_FIGURE: "No figure yet",
    NOT_JUDGED: "Not judged (neither higher nor lower is better)",
}


def status_text(status: str) -> str:
    """e.g. "⚑ At risk": the delivery status in a word and its own symbol."""
    return f"{STATUS_SYMBOLS.get(status, '?')} {status.capitalize()}"


def long_date(d: dt.date | None) -> str:
    return f"{d:%-d %B %Y}" if d else "–"


def month_text(d: dt.date | None) -> str:
    return f"{d:%B %Y}" if d else "–"


# ---------------------------------------------------------------- the view


@dataclass
class Measure:
    """One indicator an action should move, with what it stood at, where it is, and the milestone it should reach."""

    action_ref: str
    ind: Indicator
    milestones: list[tuple[dt.date, float]]  # (due, value), earliest first
    baseline_text: str = "–"
    baseline_period: str = ""
    latest_value: float | None = None
    latest_text: str = "–"
    latest_period: str = ""
    latest_end: dt.date | None = None
    rag_status: str = rag.NO_DATA
    rag_text: str = "No data"
    target_text: str = "No target"
    milestone: tuple[dt.date, float] | None = None
    state: str = NO_FIGURE
    comparator_text: str = ""

    @property
    def milestone_text(self) -> str:
        if self.milestone is None:
            return "No milestone"
        return f"{rag.format_value(self.ind, self.milestone[1])} by {month_text(self.milestone[0])}"

    @property
    def state_text(self) -> str:
        return MILESTONE_WORDS[self.state]


@dataclass
class Action:
    ref: str
    afi_ref: str
    title: str
    owner: str
    owner_email: str
    lead_org: str
    start: dt.date | None
    due: dt.date | None
    status: str
    illustrative: bool
    overdue: bool
    measures: list[Measure]
    updates: pd.DataFrame

    @property
    def status_text(self) -> str:
        return status_text(self.status)

    @property
    def due_text(self) -> str:
        return long_date(self.due) + (" (overdue)" if self.overdue else "")

    @property
    def latest_update(self) -> dict | None:
        return None if self.updates.empty else self.updates.iloc[0].to_dict()


@dataclass
class Afi:
    ref: str
    title: str
    detail: str
    illustrative: bool
    actions: list[Action]
    need: int = 0
    need_text: str = ""

    @property
    def measures(self) -> list[Measure]:
        return [m for a in self.actions for m in a.measures]

    def status_counts(self) -> dict[str, int]:
        return {s: sum(a.status == s for a in self.actions) for s in STATUSES}

    @property
    def status_summary(self) -> str:
        counts = self.status_counts()
        return "; ".join(f"{status_text(s)} {n}" for s, n in counts.items() if n) or "No actions yet"


@dataclass
class PlanView:
    area_code: str
    area_name: str
    today: dt.date
    afis: list[Afi]  # worst first
    illustrative: bool = False
    by_indicator: dict[str, list[Measure]] = field(default_factory=dict)

    @property
    def actions(self) -> list[Action]:
        return [a for f in self.afis for a in f.actions]

    def action(self, ref: str) -> Action | None:
        return next((a for a in self.actions if a.ref == ref), None)

    def action_log(self) -> list[Action]:
        """Every action not complete, overdue and off track first, then at risk, then the rest by due date."""
        order = {"off track": 0, "at risk": 1, "not started": 2, "on track": 3, "complete": 4}
        return sorted(
            (a for a in self.actions if a.status != "complete"),
            key=lambda a: (not a.overdue, order[a.status], a.due or dt.date.max, a.ref),
        )

    def milestones_for(self, indicator_id: str) -> list[tuple[dt.date, float, str]]:
        """(due, value, action ref) of every milestone set for one indicator: what its chart draws."""
        return sorted((d, v, m.action_ref) for m in self.by_indicator.get(indicator_id, []) for d, v in m.milestones)


def _judge(ind: Indicator, value: float | None, latest_end: dt.date | None, milestones) -> tuple[tuple | None, str]:
    """The milestone in force and the latest figure against it. In force: the latest milestone whose date the figures
    have reached (the latest figure's period ends on or after it), judged met or missed; before the first one is
    reached, the first, judged met or short (not yet due)."""
    if not milestones:
        return None, NO_MILESTONE
    if value is None or latest_end is None:
        return milestones[0], NO_FIGURE
    passed = [m for m in milestones if m[0] <= latest_end]
    chosen = passed[-1] if passed else milestones[0]
    if ind.polarity == "neutral":
        return chosen, NOT_JUDGED
    met = value >= chosen[1] if ind.polarity == "higher_is_better" else value <= chosen[1]
    if met:
        return chosen, MET
    return chosen, MISSED if passed else SHORT


def _judged_against(text: str) -> str:
    """What a measure's RAG is judged against, as the scorecard says it ("Threshold 80% (illustrative)"), never "No
    target" beside a RAG."""
    return text[:1].upper() + text[1:]


def _measure(af: readmodel.AreaFigures, ind: Indicator, action_ref: str, start: dt.date | None, marks) -> Measure:
    m = Measure(action_ref, ind, marks)
    f = af.indicators.get(ind.id)
    if f is None or f.held.empty:
        m.milestone, m.state = (marks[0] if marks else None), (NO_FIGURE if marks else NO_MILESTONE)
        m.target_text = _judged_against(readmodel.threshold_text(ind, None))
        return m
    held = f.held[f.held["value"].notna()]
    if not held.empty:
        before = held[held["period_end"] <= start] if start else held.iloc[0:0]
        base = before.iloc[-1] if not before.empty else held.iloc[0]
        m.baseline_text = rag.format_value(ind, clean(base["value"]))
        m.baseline_period = periods.parse(base["period"], ind.period_type).display
    latest = f.latest
    m.latest_value = None if missing(latest["value"]) else float(latest["value"])
    m.latest_text, m.latest_period, m.latest_end = latest["value_text"], latest["period_display"], latest["period_end"]
    m.rag_status, m.rag_text = latest["status"], latest["rag_text"]
    m.target_text = _judged_against(latest["threshold_text"])
    m.milestone, m.state = _judge(ind, m.latest_value, m.latest_end, marks)
    if latest.get("comparison_indicator") and latest.get("england_text", "–") != "–":
        basis = af.config.by_id.get(latest["comparison_indicator"]) if af.config else None
        label = basis.name if basis is not None and basis.id != ind.id else "England"
        period = latest.get("comparison_period") or ""
        if basis is not None:
            period = periods.parse(period, basis.period_type).display
        m.comparator_text = f"{label}, {period}: {latest['comparison_value_text']} against England {latest['england_text']}" + (
            f"; {latest['quartile_text']}" if latest.get("quartile_text") else ""
        )
    return m


def view(conn, config: Config, af: readmodel.AreaFigures, today: dt.date | None = None) -> PlanView:
    """The plan of one area as every view shows it, worst first, from the store's plan and the read model's figures."""
    today = today or af.today
    t = plan_store.plan_tables(conn, af.area.code)
    marks: dict[tuple[str, str], list] = {}
    for r in t["milestones"].itertuples():
        marks.setdefault((r.action_ref, r.indicator_id), []).append((r.due, float(r.value)))
    links: dict[str, list[str]] = {}
    for r in t["links"].itertuples():
        links.setdefault(r.action_ref, []).append(r.indicator_id)
    out = PlanView(af.area.code, af.area.name, today, [])
    for r in t["afis"].itertuples():
        out.afis.append(Afi(r.ref, r.title, clean(r.detail) or "", bool(r.illustrative), []))
    by_ref = {f.ref: f for f in out.afis}
    for r in t["actions"].itertuples():
        measures = []
        for ind_id in links.get(r.ref, []):
            ind = config.by_id.get(ind_id)
            if ind is None:  # an indicator taken out of the indicators file: the link is kept, not shown
                continue
            m = _measure(af, ind, r.ref, _date(r.start_date), sorted(marks.get((r.ref, ind_id), [])))
            measures.append(m)
            out.by_indicator.setdefault(ind_id, []).append(m)
        due, start = _date(r.due_date), _date(r.start_date)
        action = Action(
            r.ref, r.afi_ref, r.title, clean(r.owner) or "", clean(r.owner_email) or "", clean(r.lead_org) or "",
            start, due, r.status, bool(r.illustrative),
            bool(due and due < today and r.status != "complete"), measures,
            t["updates"][t["updates"]["action_ref"] == r.ref].reset_index(drop=True),
        )  # fmt: skip
        if r.afi_ref in by_ref:
            by_ref[r.afi_ref].actions.append(action)
    for f in out.afis:
        f.need, f.need_text = need(f)
    out.afis.sort(key=lambda f: (-f.need, _ref_key(f.ref)))
    out.illustrative = any(f.illustrative for f in out.afis) or any(a.illustrative for a in out.actions)
    return out


def _date(x) -> dt.date | None:
    """A stored date, or None for an empty one (NaT, which is a date to isinstance but compares with nothing)."""
    return None if x is None or pd.isna(x) else x


def need(f: Afi) -> tuple[int, str]:
    """How much an area for improvement needs the board's attention, and why in words: actions off track (3 each),
    milestones missed (3), actions overdue (2), at risk (2), milestones not yet met (1), measures red (1)."""
    counts = {
        "off track": sum(a.status == "off track" for a in f.actions),
        "missed": sum(m.state == MISSED for m in f.measures),
        "overdue": sum(a.overdue for a in f.actions),
        "at risk": sum(a.status == "at risk" for a in f.actions),
        "short": sum(m.state == SHORT for m in f.measures),
        "red": sum(m.rag_status == rag.RED for m in f.measures),
    }
    words = {
        "off track": "action(s) off track",
        "missed": "milestone(s) missed",
        "overdue": "action(s) overdue",
        "at risk": "action(s) at risk",
        "short": "milestone(s) not yet met",
        "red": "impact measure(s) red",
    }
    score = sum(NEED_WEIGHTS[k] * n for k, n in counts.items())
    text = ", ".join(f"{n} {words[k]}" for k, n in counts.items() if n) or "nothing off track, overdue or short of a milestone"
    return score, text


def _ref_key(ref: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ref)]


# ---------------------------------------------------------------- the spreadsheet

COLUMNS = {
    "afi_ref": "Area for improvement ref",
    "afi_title": "Area for improvement",
    "afi_detail": "Area for improvement in full",
    "ref": "Action ref",
    "title": "Action",
    "owner": "Owner",
    "owner_email": "Owner e-mail",
    "lead_org": "Lead organisation",
    "start_date": "Start",
    "due_date": "Due",
    "status": "Delivery status",
    "indicators": "Indicators",
    "milestones": "Milestones",
}
REQUIRED = ("afi_ref", "afi_title", "ref", "title", "status")
_BY_HEADER = {re.sub(r"[\s_-]+", " ", v.lower()): k for k, v in COLUMNS.items()} | {re.sub(r"_", " ", k): k for k in COLUMNS}
_MILESTONE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*:?\s*(-?[\d,]*\.?\d+)\s*%?\s+by\s+(.+?)\s*$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class PlanFile:
    afis: list[dict]
    actions: list[dict]
    links: dict[str, list[tuple[str, list[tuple[dt.date, float]]]]]


def parse_date(text: str) -> dt.date | None:
    """2025-04-01, 1 April 2025, 1 Apr 2025 or 01/04/2025 (day first, as UK spreadsheets write it)."""
    s = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%B %Y"):
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if fmt == "%B %Y":  # a month: its last day
            d = (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date()
        return d
    return None


def _unformula(text: str) -> str:
    """A cell the export protected from spreadsheet formulas (a leading apostrophe) reads as the text it was."""
    return text[1:] if text.startswith("'") and text[1:2] in tables.FORMULA_STARTS else text


def read_file(data: bytes, file_name: str, config: Config) -> tuple[PlanFile | None, list[Problem]]:
    """A plan spreadsheet (.xlsx or CSV, one row per action) → the plan it holds, or every problem by row and column."""
    if file_name.lower().endswith(".xlsx"):
        df, problems, _, _ = returns.read_xlsx(data, file_name)
    else:
        text, problems = returns.decode(data, file_name)
        df, more = (None, []) if text is None else returns.read_csv_text(text, file_name)
        problems += more
    if df is None:
        return None, problems
    return read_frame(df, config)


def read_form(values: dict[str, str], config: Config) -> tuple[PlanFile | None, list[Problem]]:
    """One action (with its area for improvement) as a page's form gives it, keyed as COLUMNS, checked exactly as a
    row of the spreadsheet is; the problems name the form's field (the column) and no row."""
    df = pd.DataFrame([{COLUMNS[k]: values.get(k, "") or "" for k in COLUMNS}], dtype=object)
    read, problems = read_frame(df, config)
    return read, [Problem(p.kind, p.message, None, p.column, p.indicator, p.file) for p in problems]


def read_frame(df: pd.DataFrame, config: Config) -> tuple[PlanFile | None, list[Problem]]:
    """A plan as text cells, headed as COLUMNS names them (in any case and order) → the plan, or every problem."""
    problems: list[Problem] = []
    heads: dict[str, str] = {}
    for h in df.columns:
        key = _BY_HEADER.get(re.sub(r"[\s_-]+", " ", str(h).strip().lower()))
        if key is None:
            if str(h).strip():
                problems.append(
                    Problem.of(
                        "unknown_column", row=1, column=str(h), hint=f"the plan's columns are {', '.join(COLUMNS.values())}"
                    )
                )
            continue
        if key in heads.values():
            problems.append(Problem.of("duplicate_column", row=1, column=str(h), column_name=COLUMNS[key]))
        heads[h] = key
    for k in REQUIRED:
        if k not in heads.values():
            problems.append(
                Problem.of(
                    "missing_column", row=1, column_name=COLUMNS[k], hint=f"the plan's columns are {', '.join(COLUMNS.values())}"
                )
            )
    if problems:
        return None, problems
    df = df.rename(columns=heads)
    for k in COLUMNS:
        if k not in df.columns:
            df[k] = ""
    df = df.fillna("").astype(str).map(lambda s: _unformula(s.strip()))
    out = PlanFile([], [], {})
    afi_seen: dict[str, tuple[int, dict]] = {}
    action_seen: dict[str, int] = {}
    for i, r in enumerate(df.to_dict("records")):
        row = i + 2
        if not any(r.values()):
            continue

        def bad(kind, col, row=row, **kw):
            problems.append(Problem.of(kind, row=row, column=COLUMNS[col], **kw))

        for col in ("afi_title", "afi_detail", "title", "owner", "lead_org"):
            if len(r[col]) > plan_store.MAX_TEXT:
                bad("plan_too_long", col, length=len(r[col]), limit=plan_store.MAX_TEXT)
        if not r["afi_ref"]:
            bad("plan_empty", "afi_ref", hint="give the reference of the area for improvement, e.g. AFI1")
            continue
        afi = {"ref": r["afi_ref"], "title": r["afi_title"], "detail": r["afi_detail"]}
        if r["afi_ref"] in afi_seen:
            first, held = afi_seen[r["afi_ref"]]
            for col in ("title", "detail"):
                if held[col] != afi[col]:
                    bad(
                        "plan_afi_differs",
                        f"afi_{col}",
                        ref=r["afi_ref"],
                        value=afi[col][:60],
                        first_value=held[col][:60],
                        first=first,
                    )
        else:
            if not r["afi_title"]:
                bad("plan_empty", "afi_title", hint="give the area for improvement's title")
            afi_seen[r["afi_ref"]] = (row, afi)
            out.afis.append(afi)
        if not r["ref"]:
            if any(r[c] for c in ("title", "owner", "status", "indicators", "milestones")):
                bad("plan_empty", "ref", hint="give the action's reference, e.g. 1.1")
            continue
        if r["ref"] in action_seen:
            bad("plan_duplicate_action", "ref", ref=r["ref"], first=action_seen[r["ref"]])
            continue
        action_seen[r["ref"]] = row
        if not r["title"]:
            bad("plan_empty", "title", hint="say what the action is")
        status = r["status"].lower()
        if status not in STATUSES:
            bad("plan_bad_status", "status", value=r["status"], statuses=", ".join(STATUSES))
        email = r["owner_email"]
        if email and not _EMAIL.match(email):
            bad("plan_bad_email", "owner_email", value=email)
        dates = {}
        for col in ("start_date", "due_date"):
            dates[col] = parse_date(r[col]) if r[col] else None
            if r[col] and dates[col] is None:
                bad("plan_bad_date", col, value=r[col])
        if dates["start_date"] and dates["due_date"] and dates["due_date"] < dates["start_date"]:
            bad("plan_due_before_start", "due_date", due=long_date(dates["due_date"]), start=long_date(dates["start_date"]))
        linked: list[str] = []
        for word in [w.strip() for w in re.split(r"[;,\n]", r["indicators"]) if w.strip()]:
            if word not in config.by_id:
                bad("unknown_indicator", "indicators", value=word, suggestion=suggest(word, config.by_id))
            elif word not in linked:
                linked.append(word)
        marks: dict[str, list] = {}
        for part in [p for p in re.split(r"[;\n]", r["milestones"]) if p.strip()]:
            m = _MILESTONE.match(part)
            due = parse_date(m.group(3)) if m else None
            if m is None or due is None:
                bad("plan_bad_milestone", "milestones", value=part.strip()[:60])
                continue
            ind_id, value = m.group(1), float(m.group(2).replace(",", ""))
            ind = config.by_id.get(ind_id)
            if ind is None:
                bad("unknown_indicator", "milestones", value=ind_id, suggestion=suggest(ind_id, config.by_id))
                continue
            if ind_id not in linked:
                bad("plan_milestone_unlinked", "milestones", indicator=ind_id)
                continue
            if ind.unit == "percent" and not 0 <= value <= 100:
                bad("out_of_range", "milestones", indicator=ind_id, value=value)
                continue
            marks.setdefault(ind_id, []).append((due, value))
        out.actions.append(
            {
                "ref": r["ref"], "afi_ref": r["afi_ref"], "title": r["title"], "owner": r["owner"],
                "owner_email": email.lower(), "lead_org": r["lead_org"], "start_date": dates["start_date"],
                "due_date": dates["due_date"], "status": status,
            }
        )  # fmt: skip
        out.links[r["ref"]] = [(i, sorted(marks.get(i, []))) for i in linked]
    if not out.afis and not problems:
        problems.append(Problem.of("no_figures"))
    return (None, problems) if problems else (out, [])


def import_file(conn, access, config: Config, area_code: str, data: bytes, file_name: str, *, dry_run: bool = False):
    """Read a plan spreadsheet and write it in one transaction, or nothing: (PlanWrite | None, problems). Actions the
    plan holds that the file does not name are kept (a file may carry one area for improvement)."""
    read, problems = read_file(data, file_name, config)
    if problems:
        return None, problems
    return plan_store.write_plan(
        conn, access, area_code, afis=read.afis, actions=read.actions, links=read.links, kind="import",
        file_name=file_name, dry_run=dry_run,
    ), []  # fmt: skip


def _number(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else repr(x)


def _date_cell(d) -> str:
    return "" if _date(d) is None else d.isoformat()


def frame(conn, area_code: str) -> pd.DataFrame:
    """The plan of one area in its spreadsheet shape: one row per action (an area for improvement with no actions
    yet has a row of its own), headed as COLUMNS names them."""
    t = plan_store.plan_tables(conn, area_code)
    links = t["links"].groupby("action_ref")["indicator_id"].apply(list).to_dict() if not t["links"].empty else {}
    marks: dict[str, list[str]] = {}
    for r in t["milestones"].itertuples():
        marks.setdefault(r.action_ref, []).append(f"{r.indicator_id}: {_number(float(r.value))} by {r.due.isoformat()}")
    rows = []
    for f in sorted(t["afis"].itertuples(), key=lambda f: _ref_key(f.ref)):
        acts = t["actions"][t["actions"]["afi_ref"] == f.ref]
        base = {"afi_ref": f.ref, "afi_title": f.title, "afi_detail": clean(f.detail) or ""}
        if acts.empty:
            rows.append(base)
        for a in sorted(acts.itertuples(), key=lambda a: _ref_key(a.ref)):
            rows.append(
                base
                | {
                    "ref": a.ref, "title": a.title, "owner": clean(a.owner) or "", "owner_email": clean(a.owner_email) or "",
                    "lead_org": clean(a.lead_org) or "", "start_date": _date_cell(a.start_date), "due_date": _date_cell(a.due_date),
                    "status": a.status, "indicators": "; ".join(links.get(a.ref, [])), "milestones": "; ".join(marks.get(a.ref, [])),
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS)).fillna("").rename(columns=COLUMNS)


def export_bytes(conn, area_code: str, fmt: str) -> bytes:
    """The plan as CSV (UTF-8, CRLF, as Excel opens it) or .xlsx."""
    df = frame(conn, area_code)
    if fmt == "xlsx":
        return tables.to_xlsx(df, "improvement plan")
    return tables.to_csv(df).encode("utf-8")


def file_name(area_code: str, area_name: str, fmt: str, today: dt.date | None = None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", area_name.lower()).strip("-") or area_code
    return f"improvement-plan-{slug}-{(today or dt.date.today()).isoformat()}.{fmt}"


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)
