"""The figures every view needs for one area, built once per data version by a fixed number of queries (however many
indicators there are): each indicator's series over its expected periods (gaps included), its latest figure against
the period immediately before and a year earlier, RAG, SPC, comparators (England, the region, statistical
neighbours), its rank among local authorities, and what is due. Pages, slides, the board pack and the command line
all read this; none of them runs its own SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from indicators import health, periods, rag, spc, store
from indicators.cells import clean, missing
from indicators.config import Break, Config, Indicator

ENGLAND = "E92000001"
LOCAL_AUTHORITY = "local_authority"
MIN_AREAS_FOR_QUARTILES = 8  # fewer local authorities than this and a rank or quartile would mislead
# As LAIT: the neighbours' figure is the average of those with a figure, and none is given from fewer than three.
MIN_NEIGHBOURS = 3
# As LAIT and the DfE's own rankings: the Isles of Scilly and the City of London are too small to rank (a single
# plan is 0% or 100%); they keep their figures but take no place among local authorities.
NOT_RANKED = {"E06000053": "the Isles of Scilly", "E09000001": "the City of London"}
NEIGHBOURS_LABEL = {"mean": "Statistical neighbours (average)", "median": "Statistical neighbours (median)"}
RANK_METHOD = (
    "Ranks are among local authorities with a figure, on the figures as published (rounded to {decimals} "
    "decimal place(s), half up), 1 = best; equal figures share a rank (the next rank is skipped); the Isles of "
    "Scilly and the City of London are not ranked, as in LAIT."
)
NEIGHBOURS_METHOD = (
    "Statistical neighbours: the average of the DfE model's neighbours that have a figure that year, as LAIT gives it, "
    "with how many of them had one; no average is given from fewer than 3."
)
SPARK_POINTS = 12
QUARTILE_WORDS = {1: "top quartile", 2: "second quartile", 3: "third quartile", 4: "bottom quartile"}
# Sort orders for the scorecard's "worst first" views.
RAG_ORDER = {rag.RED: 0, rag.AMBER: 1, rag.GREEN: 2, rag.NO_TARGET: 3, rag.NO_DATA: 4}
VARIATION_ORDER = {
    "special_cause_concern": 0,
    "special_cause_neither": 1,
    "common_cause": 2,
    "special_cause_improvement": 3,
    None: 4,
}
ASSURANCE_ORDER = {"consistently_fail": 0, "inconsistent": 1, "consistently_pass": 2, None: 3}
# A series row: an observation's own columns (without its keys), where it came from, and whether it is held at all.
SERIES_COLUMNS = [
    "period",
    *(c for c in store.OBS_COLUMNS if c not in ("indicator_id", "area_code", "period")),
    "upload_file",
    "held",
]


@dataclass(frozen=True)
class AreaInfo:
    code: str
    name: str
    level: str
    region: str | None
    region_name: str | None
    neighbours: tuple[tuple[str, str, str | None], ...]  # (code, name, closeness), closest first


@dataclass
class IndicatorFigures:
    """One indicator for one area."""

    ind: Indicator
    series: pd.DataFrame  # every period from the first held to the last held; held=False where none is held
    spc: spc.SpcResult | None
    comparators: dict[str, pd.DataFrame]  # label → period, period_start, value, n_areas
    ranks: pd.DataFrame  # period → rank (1 = best), n_las, quartile; periods with enough local authorities
    breaks: list[Break]
    latest: dict  # the scorecard row
    area_code: str = ""
    # NHS statistics: the NHS area whose figures stand for the council, and what it covers (None: the area's own).
    stand_in: health.StandIn | None = None

    def shown_as(self, area_name: str) -> str:
        """Whose series this is, as charts and tables name it."""
        return self.stand_in.name if self.stand_in else area_name

    @property
    def held(self) -> pd.DataFrame:
        """The periods with a figure (kept for the series it was taken from: the scorecard row, the comparison and
        the pages each ask for it)."""
        kept = self.__dict__.get("_held")
        if kept is None or kept[0] is not self.series:
            kept = self.__dict__["_held"] = (self.series, self.series[self.series["held"]])
        return kept[1]


@dataclass
class AreaFigures:
    area: AreaInfo
    indicators: dict[str, IndicatorFigures]  # config order; indicators with figures for the area
    scorecard: pd.DataFrame  # one row per indicator with figures, config order
    due: pd.DataFrame  # per indicator: latest due, status (in, overdue, no data), periods missing
    commentary: pd.DataFrame  # the current commentary per indicator and period
    today: dt.date
    as_of: dt.date | None = None
    config: Config | None = field(default=None, repr=False)

    # ---- what every screen says about the figures' age and provenance

    def latest_period(self, ids: list[str] | None = None) -> tuple[dt.date, str] | None:
        """(end, display) of the newest period shown: of the partnership's own figures where any are shown (official
        statistics lag a year and would make the page look older than it is), else of the official ones."""
        chosen = [f for i, f in self.indicators.items() if ids is None or i in ids]
        rows = [f.latest for f in chosen if f.ind.kind == "local"] or [f.latest for f in chosen]
        if not rows:
            return None
        newest = max(rows, key=lambda r: r["period_end"])
        return newest["period_end"], newest["period_display"]

    def figures_up_to(self, ids: list[str] | None = None) -> str:
        newest = self.latest_period(ids)
        return f"Figures up to {newest[1]}" if newest else "No figures yet"

    def illustrative_shown(self, ids: list[str] | None = None) -> bool:
        """Whether any figure shown (the latest of each indicator, and its series) is illustrative sample data."""
        chosen = [f for i, f in self.indicators.items() if ids is None or i in ids]
        return any((f.held["figure_type"] == "illustrative").any() for f in chosen)

    def overdue(self, ids: list[str] | None = None) -> pd.DataFrame:
        d = self.due[self.due["status"] == "overdue"]
        return d if ids is None else d[d["indicator_id"].isin(ids)]

    def _overdue_counts(self, ids: list[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(indicators with a period due, those of them overdue): what the summary and the list's heading count."""
        shown = self.due if ids is None else self.due[self.due["indicator_id"].isin(ids)]
        shown = shown[shown["status"] != "no data"]
        return shown, shown[shown["status"] == "overdue"]

    def overdue_summary(self, ids: list[str] | None = None) -> str:
        shown, late = self._overdue_counts(ids)
        if len(shown) == 1:
            r = shown.iloc[0]
            if late.empty:
                return f"Up to date: the latest period due ({r['latest_due_display']}) is in."
            return f"Overdue: figures up to {r['latest_due_display']} were due; {_periods(r['periods_missing'])} missing."
        if late.empty:
            return f"All {len(shown)} indicators are up to date."
        return f"{len(late)} of {len(shown)} indicators have figures overdue."

    def overdue_heading(self, ids: list[str] | None = None) -> str:
        """The heading of the list under the summary, counting what the summary counted (one rule): the periods
        missing where one indicator is shown, the indicators overdue where several are."""
        shown, late = self._overdue_counts(ids)
        if len(shown) == 1:
            return f"Which figures are overdue ({_periods(late['periods_missing'].sum())} missing)"
        return f"Which figures are overdue ({len(late)} {'indicator' if len(late) == 1 else 'indicators'})"


def _periods(n) -> str:
    return f"{int(n)} period" if int(n) == 1 else f"{int(n)} periods"


# ---------------------------------------------------------------- building it


def area_info(conn, area_code: str, config: Config) -> AreaInfo:
    row = store.area_row(conn, area_code)
    if row is None:
        raise KeyError(area_code)
    configured = next((a for a in config.areas if a.code == area_code), None)
    if configured is not None and configured.neighbours:  # a list in the config replaces the DfE model's
        names = store.area_names(conn, list(configured.neighbours))
        neighbours = tuple((c, names.get(c, c), None) for c in configured.neighbours)
    else:
        neighbours = tuple(store.neighbour_rows(conn, area_code))
    return AreaInfo(row[0], row[1], row[2], row[3], row[4], neighbours)


def _expected(ind: Indicator, held: pd.DataFrame) -> pd.DataFrame:
    """The held rows with a row added for every period between the first and the last that has no figure."""
    if held.empty:
        return held.assign(held=[])
    p = periods.parse(held["period"].iloc[0], ind.period_type)
    last_label = held["period"].iloc[-1]
    expected = [p]
    while p.label != last_label and len(expected) < 5000:
        p = periods.shift(p, 1)
        expected.append(p)
    if len(expected) == len(held):  # no period missing (most series): the held rows as they are
        return held.assign(held=True)[SERIES_COLUMNS]
    out = held.assign(held=True).set_index("period").reindex([q.label for q in expected])
    gap = out["held"].isna().to_numpy()
    if gap.any():  # periods with no figure: their dates, and nothing else
        out.loc[gap, "period_start"] = [q.start for q, g in zip(expected, gap) if g]
        out.loc[gap, "period_end"] = [q.end for q, g in zip(expected, gap) if g]
        out["held"] = ~gap
    out = out.reset_index().rename(columns={"index": "period"})
    out["held"] = out["held"].astype(bool)
    return out[SERIES_COLUMNS]


def _with_rag(ind: Indicator, df: pd.DataFrame) -> pd.DataFrame:
    """Each period's target, thresholds, RAG and the value as people read it."""
    ps = [periods.parse(label, ind.period_type) for label in df["period"]]
    limits = [rag.thresholds_for(ind, p) for p in ps]
    held, values = df["held"].tolist(), df["value"].tolist()
    status = [rag.status(ind, p, clean(v)) if h else rag.NO_DATA for p, v, h in zip(ps, values, held)]
    added = {
        "period_display": [p.display for p in ps],
        "target": [rag.target_for(ind, p) for p in ps],
        "green": [lim[0] if lim else None for lim in limits],
        "amber": [lim[1] if lim else None for lim in limits],
        "status": status,
        "rag_text": [rag.BADGES[s].text for s in status],
        "value_text": [
            rag.format_value(ind, clean(v), clean(m)) if h else "no figure" for v, m, h in zip(values, df["marker"], held)
        ],
    }
    return pd.concat([df, pd.DataFrame(added, index=df.index)], axis=1)  # one step: a column at a time copies each time


def _spc(ind: Indicator, df: pd.DataFrame, area: str) -> spc.SpcResult | None:
    if df.empty:
        return None
    options = ind.spc_options(area)
    held = set(df["period"])
    # A board pack cut off at an earlier period may end before a rebase: a rebase outside the series does not apply.
    options["rebase_at"] = [r for r in options["rebase_at"] if r in held]
    try:
        return spc.analyse(
            [clean(v) for v in df["value"]],
            df["period"].tolist(),
            improvement=spc.improvement_for(ind.polarity),
            target=df["target"].tolist(),
            **options,
        )
    except spc.NotEnoughPoints:
        return None


def _quartile(rank: int, n: int) -> int:
    return min(4, int((rank - 1) * 4 // n) + 1)


def _ranks(conn, config: Config, area_code: str, pairs: pd.DataFrame) -> pd.DataFrame:
    """For each (indicator, period) asked: how many local authorities have a figure and where this area stands
    (competition ranking on the published figures, rounded to the indicator's decimals: equal figures share a rank;
    1 = best through the indicator's polarity), the Isles of Scilly and the City of London left out (RANK_METHOD)."""
    if area_code in NOT_RANKED or pairs.empty:
        return pd.DataFrame(columns=["indicator_id", "period", "n_las", "rank", "quartile"])
    pairs = pairs.assign(decimals=[config.by_id[i].decimals if i in config.by_id else 1 for i in pairs["indicator_id"]])
    got = store.standing_among_las(conn, area_code, pairs, exclude=list(NOT_RANKED))
    out = []
    for r in got.itertuples(index=False):
        ind = config.by_id.get(r.indicator_id)
        if ind is None or ind.polarity == "neutral" or r.n_las < MIN_AREAS_FOR_QUARTILES:
            continue
        rank = int(r.rank_high if ind.polarity == "higher_is_better" else r.rank_low)
        out.append(
            {
                "indicator_id": r.indicator_id,
                "period": r.period,
                "n_las": int(r.n_las),
                "rank": rank,
                "quartile": _quartile(rank, int(r.n_las)),
            }
        )
    return pd.DataFrame(out, columns=["indicator_id", "period", "n_las", "rank", "quartile"])


class _Comparators:
    """Every comparator line for one area, built from the comparator areas' figures in one pass over them (not a
    group-by per indicator): each area's series per indicator, and the neighbours' median (or mean) per period."""

    def __init__(self, values: pd.DataFrame, area: AreaInfo, stat: str):
        self.lines: dict[tuple[str, str], pd.DataFrame] = {}
        self.names: dict[str, str] = {}
        self.neighbours: dict[str, pd.DataFrame] = {}
        if values.empty:
            return
        self.names = dict(zip(values["area_code"], values["area_name"]))
        ordered = values.sort_values("period_start", kind="stable")
        for key, rows in ordered.groupby(["indicator_id", "area_code"], sort=False):
            self.lines[key] = rows[["period", "period_start", "value"]].assign(n_areas=1).reset_index(drop=True)
        near = ordered[ordered["area_code"].isin([c for c, *_ in area.neighbours])]
        if near.empty:
            return
        grouped = near.groupby(["indicator_id", "period"], sort=False)
        count = grouped["value"].count()
        enough = count >= MIN_NEIGHBOURS
        mean, median = grouped["value"].mean().where(enough), grouped["value"].median().where(enough)
        line = pd.DataFrame(
            {
                "period_start": grouped["period_start"].min(),
                "value": median if stat == "median" else mean,
                "n_areas": count,
                "n_neighbours": len(area.neighbours),
                "average": mean,
                "median": median,
            }
        ).reset_index()
        for ind_id, rows in line.groupby("indicator_id", sort=False):
            self.neighbours[ind_id] = rows.drop(columns="indicator_id").sort_values("period_start").reset_index(drop=True)

    def england_value(self, ind_id: str, period: str) -> float | None:
        line = self.lines.get((ind_id, ENGLAND))
        if line is None:
            return None
        hit = line["value"][line["period"] == period]
        return None if hit.empty else float(hit.iloc[0])


def _comparator_lines(
    ind: Indicator, config: Config, area: AreaInfo, known: _Comparators, stand: health.StandIn | None = None
) -> dict[str, pd.DataFrame]:
    """England, the region, the neighbours' median (or mean), named areas, and for NHS statistics the ICB and NHS
    region of the area standing for the council, as configured: each a series."""
    wanted = (
        ind.comparators
        if ind.comparators is not None
        else (["england", "region", "neighbours"] if ind.kind == "official" else ["england", "region"])
    )
    out: dict[str, pd.DataFrame] = {}
    for item in wanted:
        if item == "neighbours":
            if ind.id in known.neighbours:
                out[NEIGHBOURS_LABEL[config.neighbour_stat]] = known.neighbours[ind.id]
            continue
        if item in ("icb", "nhs_region"):
            code = None if stand is None else stand.icb if item == "icb" else stand.nhs_region
        else:
            code = ENGLAND if item == "england" else area.region if item == "region" else item
        if not code or code == area.code or (ind.id, code) not in known.lines:
            continue
        label = "England" if item == "england" else (area.region_name or code) if item == "region" else known.names[code]
        out[label] = known.lines[(ind.id, code)]
    return out


def due_date(ind: Indicator, p: periods.Period) -> dt.date:
    """The day a period's figure is due: `due_days` after the period ends (the one place this rule is written)."""
    return p.end + dt.timedelta(days=ind.due_days)


def due_status(ind: Indicator, last_held_start: dt.date | None, today: dt.date) -> dict:
    """Whether the latest period due by `today` is held: in, overdue (with how many periods are missing) or no data."""
    due = periods.current(ind.period_type, today)
    while due_date(ind, due) >= today:
        due = periods.shift(due, -1)
    base = {"indicator_id": ind.id, "indicator": ind.name, "latest_due": due.label, "latest_due_display": due.display}
    if last_held_start is None:
        return base | {"status": "no data", "periods_missing": None}
    if last_held_start >= due.start:
        return base | {"status": "in", "periods_missing": 0}
    p, n = due, 0
    while p.start > last_held_start:
        n += 1
        p = periods.shift(p, -1)
    return base | {"status": "overdue", "periods_missing": n}


def figures(conn, config: Config, area_code: str, *, today: dt.date | None = None, as_of: dt.date | None = None) -> AreaFigures:
    """Everything the views show for one area (up to the end date `as_of`, for a board pack of an earlier period)."""
    today = today or dt.date.today()
    area = area_info(conn, area_code, config)
    # Four queries, however many indicators: the area's own figures, the comparators' figures, the commentary,
    # and (below) where the area stands among local authorities.
    own = store.area_observations(conn, area_code, as_of)
    # NHS statistics are published for the council's NHS partners, not the council: one more query when it has any.
    stands: dict[str, health.StandIn] = {}
    nhs = {i.id: health.candidates(config, area_code, i) for i in config.indicators}
    nhs = {k: v for k, v in nhs.items() if v}
    if nhs:
        theirs = store.observations_of(conn, sorted({c for v in nhs.values() for c in v}), list(nhs), as_of)
        for ind_id in nhs:
            rows = theirs[theirs["indicator_id"] == ind_id]
            stand = health.stand_in(config, area_code, config.by_id[ind_id], set(rows["area_code"]))
            if stand is not None:
                stands[ind_id] = stand
                own = pd.concat([own, rows[rows["area_code"] == stand.code].drop(columns="area_code")], ignore_index=True)
    codes = [ENGLAND] + ([area.region] if area.region else []) + [c for c, *_ in area.neighbours]
    codes += [c for s in stands.values() for c in (s.icb, s.nhs_region) if c]
    codes += [c for ind in config.indicators for c in (ind.comparators or []) if c not in ("england", "region", "neighbours")]
    values = store.comparator_values(conn, codes, area_code, as_of)
    commentary = store.latest_commentary(conn, area_code)
    by_indicator = {k: g.drop(columns="indicator_id").reset_index(drop=True) for k, g in own.groupby("indicator_id", sort=False)}
    known = _Comparators(values, area, config.neighbour_stat)
    built: dict[str, IndicatorFigures] = {}
    due_rows = []
    for ind in config.indicators:
        held = by_indicator.get(ind.id)
        due_rows.append(due_status(ind, held["period_start"].iloc[-1] if held is not None else None, today))
        if held is None:
            continue
        series = _with_rag(ind, _expected(ind, held))
        built[ind.id] = IndicatorFigures(
            ind,
            series,
            _spc(ind, series, area_code),
            _comparator_lines(ind, config, area, known, stands.get(ind.id)),
            pd.DataFrame(),
            [b for b in ind.breaks_for(area_code) if series["period"].iloc[0] < b.period <= series["period"].iloc[-1]],
            {},
            area_code,
            stands.get(ind.id),
        )
    # 4. Ranks among local authorities: every period of official statistics, and the latest period of the rest.
    pairs = pd.DataFrame(
        [(i, p) for i, f in built.items() for p in (f.held["period"] if f.ind.kind == "official" else f.held["period"].tail(1))],
        columns=["indicator_id", "period"],
    )
    ranks = _ranks(conn, config, area_code, pairs)
    for i, g in ranks.groupby("indicator_id"):
        order = {label: k for k, label in enumerate(built[i].series["period"])}
        built[i].ranks = g.drop(columns="indicator_id").sort_values("period", key=lambda s: s.map(order)).reset_index(drop=True)
    due = pd.DataFrame(due_rows)
    due_by = due.set_index("indicator_id")
    for ind_id, f in built.items():
        f.latest = _latest_row(f, due_by.loc[ind_id], built, known)
    card = pd.DataFrame([f.latest for f in built.values()])
    return AreaFigures(area, built, card, due, commentary, today, as_of, config)


def _previous(f: IndicatorFigures, steps: int):
    """The row `steps` periods before the latest held one, whether or not it is held (None before the series).
    A series ends at its latest held period (_expected), so that is its last row."""
    at = len(f.series) - 1 - steps
    return f.series.iloc[at] if at >= 0 else None


def _latest_row(f: IndicatorFigures, due, built: dict[str, IndicatorFigures], known: _Comparators) -> dict:
    ind = f.ind
    last = f.series.iloc[-1]  # the latest held period (_previous)
    p = periods.parse(last["period"], ind.period_type)
    value = clean(last["value"])
    prev = _previous(f, 1)
    if prev is None:
        d_prev, d_prev_text = rag.NOT_COMPARABLE, rag.DIRECTION_TEXT[rag.NOT_COMPARABLE]
    elif not prev["held"] or missing(prev["value"]):
        d_prev, d_prev_text = rag.NOT_COMPARABLE, f"– No figure for {prev['period_display']}"
    else:
        d_prev = rag.direction(ind, value, clean(prev["value"]))
        d_prev_text = rag.DIRECTION_TEXT[d_prev]
    d_year = d_year_text = None
    if periods.PER_YEAR[ind.period_type] > 1:
        year = _previous(f, periods.PER_YEAR[ind.period_type])
        if year is None or not year["held"] or missing(year["value"]):
            d_year, d_year_text = (
                rag.NOT_COMPARABLE,
                ("– No figure a year earlier" if year is None else f"– No figure for {year['period_display']}"),
            )
        else:
            d_year = rag.direction(ind, value, clean(year["value"]))
            d_year_text = rag.DIRECTION_TEXT[d_year]
    spark = [clean(v) for v in f.series["value"].tail(SPARK_POINTS)]
    reading = f.spc
    row = {
        "indicator_id": ind.id,
        "indicator": ind.name,
        "unit": ind.unit,
        "kind": ind.kind,
        "period": last["period"],
        "period_display": p.display,
        "period_end": last["period_end"],
        "value": value,
        "value_text": last["value_text"],
        "figure_type": last["figure_type"],
        "source": clean(last["source"]),
        "target_text": rag.format_target(ind, p),
        "status": last["status"],
        "rag_text": last["rag_text"],
        "threshold_text": threshold_text(ind, p),
        "previous_period": None if prev is None else prev["period"],
        "previous_status": None if prev is None or not prev["held"] else prev["status"],
        "direction_prev": d_prev,
        "direction_prev_text": d_prev_text,
        "direction_year": d_year,
        "direction_year_text": d_year_text or "",
        "spark": spark,
        "strategy_area": ind.strategy_area,
        "inspection_area": ind.inspection_area,
        "due_status": due["status"],
        "periods_missing": due["periods_missing"],
        "latest_due_display": due["latest_due_display"],
        "variation": reading.variation if reading else None,
        "variation_icon": reading.variation_icon if reading else None,
        "variation_text": reading.variation_text if reading else f"Fewer than {spc.MDC_MIN_POINTS} figures: no SPC reading",
        "assurance": reading.assurance if reading else None,
        "assurance_text": (reading.assurance_text or "No target: no assurance") if reading else "",
        "spc_segment_reason": reading.current_segment.reason if reading else None,
        "spc_shift_text": reading.shift_text if reading else "",
        "spc_rebase_config": rebase_config(ind, f.area_code, reading) if reading else "",
        "spc_note": spc_note(reading, d_prev, prev),
        "spc_shift_at": ", ".join(reading.suggested_rebase) if reading else "",
    }
    row.update(_versus_england(f, built, known))
    return row


def spc_note(reading: spc.SpcResult | None, d_prev: str, prev) -> str:
    """What the scorecard says beside the SPC icons when the icons alone would mislead: an icon that contradicts the
    direction of travel says why (the icon judges the point against limits set over the whole segment, the arrow
    against the period before), and a sustained shift says where it is and where to rebase."""
    if reading is None:
        return ""
    notes = []
    latest = reading.latest
    against = (reading.variation == spc.CONCERN and d_prev == rag.IMPROVING) or (
        reading.variation == spc.IMPROVEMENT and d_prev == rag.WORSENING
    )
    if against and latest.rule:
        seg = reading.current_segment
        kind = "Concern" if reading.variation == spc.CONCERN else "Improvement"
        better = "better" if d_prev == rag.IMPROVING else "worse"
        notes.append(
            f"{kind} though {better} than {prev['period_display']}: {spc.rule_text(latest.rule, reading.settings)}, "
            f"against limits set over {seg.start} to {seg.end}"
        )
    if reading.shifts:
        first = reading.shifts[0]
        notes.append(
            f"Shift found: {first.length} points {first.side} the mean from {first.start}; "
            f"suggested rebase at {', '.join(reading.suggested_rebase)}"
        )
    return ". ".join(notes)


def rebase_config(ind: Indicator, area_code: str, reading: spc.SpcResult) -> str:
    """The lines an administrator adds under the indicator in config/indicators.yaml to confirm a suggested rebase
    (for this area only), or "" when there is none."""
    if not reading.shifts:
        return ""
    lines = [f"  - id: {ind.id}", "    spc:", "      rebase_at:"]
    for x in reading.shifts:
        why = f"sustained shift: {x.length} points {x.side} the mean from {x.start} to {x.end}"
        lines.append(f'        - {{period: "{x.start}", areas: [{area_code}], reason: "{why}"}}')
    return "\n".join(lines)


def threshold_text(ind: Indicator, p: periods.Period) -> str:
    """What the RAG is judged against, in words: a target is named as such; thresholds the documents do not set are
    called illustrative (never "no target" when there is a RAG)."""
    illustrative = ind.rag is not None and ind.rag.illustrative
    if ind.target is not None:
        return f"target {rag.format_target(ind, p)}" + ("; thresholds illustrative" if illustrative else "")
    if ind.rag is None:
        return "no target"
    return f"threshold {rag.format_value(ind, ind.rag.green)}" + (" (illustrative)" if illustrative else "")


def _versus_england(f: IndicatorFigures, built: dict[str, IndicatorFigures], known: _Comparators) -> dict:
    """The comparison the scorecard shows: for a local measure with an official counterpart, the counterpart's latest
    year; otherwise the indicator's own latest period. England's figure, the difference read through polarity, and
    the area's rank among local authorities."""
    ind = f.ind
    basis = built.get(ind.official) if ind.official else f
    out = {
        "comparison_indicator": None,
        "comparison_label": "",
        "comparison_period": None,
        "comparison_period_display": "",
        "comparison_value_text": "",
        "england_text": "–",
        "vs_england_text": "–",
        "rank": None,
        "n_las": None,
        "quartile": None,
        "quartile_text": "",
    }
    if basis is None or basis.series.empty:
        return out
    b_ind = basis.ind
    last = basis.series.iloc[-1]  # the latest held period (_previous)
    e = known.england_value(b_ind.id, last["period"])
    # Whose statistics these are: the DfE's, or NHS England's (for the NHS area that stands for the council, named
    # where it is not the council itself, e.g. the ICB when the trust submitted nothing).
    label = "DfE" if b_ind.nhs_geography is None else "NHS England"
    if basis.stand_in is not None:
        label += f" ({basis.stand_in.name})"
    out.update(
        comparison_indicator=b_ind.id,
        comparison_label=label,
        comparison_period=last["period"],
        comparison_period_display=periods.parse(last["period"], b_ind.period_type).display,
        comparison_value_text=last["value_text"],
    )
    value = clean(last["value"])
    if e is not None:
        out["england_text"] = rag.format_value(b_ind, e)
        # A count (e.g. requests) is not comparable with England's total; rates and waits are.
        if value is not None and b_ind.unit != "count":
            d = value - e
            word = ""
            if b_ind.polarity != "neutral" and abs(d) >= 0.5 * 10 ** (-b_ind.decimals):
                word = " (better)" if (d > 0) == (b_ind.polarity == "higher_is_better") else " (worse)"
            unit = "pts" if b_ind.unit == "percent" else b_ind.unit if b_ind.unit in ("weeks", "days") else ""
            out["vs_england_text"] = f"{d:+,.{b_ind.decimals}f} {unit}".rstrip() + word
    r = basis.ranks[basis.ranks["period"] == last["period"]] if not basis.ranks.empty else basis.ranks
    if not r.empty:
        rank, n, q = int(r["rank"].iloc[0]), int(r["n_las"].iloc[0]), int(r["quartile"].iloc[0])
        out.update(rank=rank, n_las=n, quartile=q, quartile_text=f"{ordinal(rank)} of {n} LAs ({QUARTILE_WORDS[q]})")
    return out


def ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def series_download(f: IndicatorFigures) -> pd.DataFrame:
    """One indicator's series for one area as the downloads and `python -m indicators series` give it: each period
    held with its figures, RAG and provenance, then a column per comparator (England, the region, the neighbours)
    and, where enough local authorities report, the area's rank among them."""
    held = f.held
    out = pd.DataFrame(
        {
            "period": held["period"],
            "period_start": held["period_start"].astype(str),
            "period_end": held["period_end"].astype(str),
            "value": held["value"],
            "numerator": held["numerator"],
            "denominator": held["denominator"],
            "marker": held["marker"],
            "rag": held["status"],
            "figure_type": held["figure_type"],
            "source": held["source"],
            "note": held["note"],
        }
    )
    methods = []
    for label, comp in f.comparators.items():
        by_period = comp.set_index("period")
        out[label] = out["period"].map(by_period["value"])
        if "n_neighbours" in by_period.columns:  # the neighbours: how many had a figure, and the median beside
            out["neighbours_with_a_figure"] = out["period"].map(by_period["n_areas"]).astype("Int64")
            out["neighbours_in_the_model"] = out["period"].map(by_period["n_neighbours"]).astype("Int64")
            out["neighbours_median"] = out["period"].map(by_period["median"])
            methods.append(NEIGHBOURS_METHOD)
    if not f.ranks.empty:
        ranks = f.ranks.set_index("period")
        out["rank_among_las"] = out["period"].map(ranks["rank"]).astype("Int64")
        out["las_with_a_figure"] = out["period"].map(ranks["n_las"]).astype("Int64")
        out["quartile"] = out["period"].map(ranks["quartile"]).astype("Int64")
        methods.append(rank_method(f.ind))
    if methods:
        out["comparison_method"] = " ".join(methods)
    return out.reset_index(drop=True)


def rank_method(ind: Indicator) -> str:
    return RANK_METHOD.format(decimals=ind.decimals)


def neighbours_text(f: IndicatorFigures, period: str) -> str | None:
    """The neighbours' figure for one period as the page says it: "66.4% (average of 10 of 10 neighbours with a
    figure; median 71.8%)", or why there is none ("only 1 of 10 neighbours has a figure: too few for an average")."""
    line = next((c for label, c in f.comparators.items() if "n_neighbours" in c.columns), None)
    if line is None:
        return None
    at = line[line["period"] == period]
    if at.empty:
        return None
    r = at.iloc[0]
    n, of = int(r["n_areas"]), int(r["n_neighbours"])
    if missing(r["value"]):
        return f"none: only {n} of {of} neighbours {'has' if n == 1 else 'have'} a figure, too few (at least {MIN_NEIGHBOURS} needed)"
    return (
        f"{rag.format_value(f.ind, float(r['average']))} (average of the {n} of {of} neighbours with a figure; "
        f"median {rag.format_value(f.ind, float(r['median']))})"
    )
