"""The figures every view needs for one area, built once per data version by a fixed number of queries (however many
indicators there are): each indicator's series over its expected periods (gaps included), its latest figure against
the period immediately before and a year earlier, RAG, SPC, comparators (England, the region, statistical
neighbours), its rank among local authorities, and what is due. Pages, slides, the board pack and the command line
all read this; none of them runs its own SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators import periods, rag, spc
from indicators.cells import clean, missing
from indicators.config import Break, Config, Indicator

ENGLAND = "E92000001"
LOCAL_AUTHORITY = "local_authority"
MIN_AREAS_FOR_QUARTILES = 8  # fewer local authorities than this and a rank or quartile would mislead
SPARK_POINTS = 12
QUARTILE_WORDS = {1: "top quartile", 2: "second quartile", 3: "third quartile", 4: "bottom quartile"}
SERIES_COLUMNS = [
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "marker",
    "note",
    "figure_type",
    "source",
    "release",
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

    @property
    def held(self) -> pd.DataFrame:
        return self.series[self.series["held"]]


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

    def latest_local_period(self) -> tuple[dt.date, str] | None:
        """(end, display) of the newest period of the partnership's own figures shown; official statistics lag a year."""
        local = [f.latest for f in self.indicators.values() if f.ind.kind == "local"] or [
            f.latest for f in self.indicators.values()
        ]
        if not local:
            return None
        newest = max(local, key=lambda r: r["period_end"])
        return newest["period_end"], newest["period_display"]

    def figures_up_to(self) -> str:
        newest = self.latest_local_period()
        return f"Figures up to {newest[1]}" if newest else "No figures yet"

    def illustrative_shown(self, ids: list[str] | None = None) -> bool:
        """Whether any figure shown (the latest of each indicator, and its series) is illustrative sample data."""
        chosen = [f for i, f in self.indicators.items() if ids is None or i in ids]
        return any((f.held["figure_type"] == "illustrative").any() for f in chosen)

    def overdue(self, ids: list[str] | None = None) -> pd.DataFrame:
        d = self.due[self.due["status"] == "overdue"]
        return d if ids is None else d[d["indicator_id"].isin(ids)]

    def overdue_summary(self, ids: list[str] | None = None) -> str:
        shown = self.due if ids is None else self.due[self.due["indicator_id"].isin(ids)]
        shown = shown[shown["status"] != "no data"]
        late = shown[shown["status"] == "overdue"]
        if late.empty:
            return f"All {len(shown)} indicators are up to date."
        return f"{len(late)} of {len(shown)} indicators have figures overdue."


# ---------------------------------------------------------------- building it


def area_info(conn, area_code: str, config: Config) -> AreaInfo:
    row = conn.execute(
        """SELECT a.code, a.name, a.level, a.region, r.name FROM areas a LEFT JOIN areas r ON r.code = a.region
                          WHERE a.code = ?""",
        [area_code],
    ).fetchone()
    if row is None:
        raise KeyError(area_code)
    configured = next((a for a in config.areas if a.code == area_code), None)
    if configured is not None and configured.neighbours:
        codes = list(configured.neighbours)
        names = dict(
            conn.execute(f"SELECT code, name FROM areas WHERE code IN ({', '.join('?' * len(codes))})", codes).fetchall()
        )
        neighbours = tuple((c, names.get(c, c), None) for c in codes)
    else:
        neighbours = tuple(
            conn.execute(
                """
            SELECT n.neighbour_code, coalesce(a.name, n.neighbour_code), n.closeness FROM neighbours n
            LEFT JOIN areas a ON a.code = n.neighbour_code WHERE n.area_code = ? ORDER BY n.rank""",
                [area_code],
            ).fetchall()
        )
    return AreaInfo(row[0], row[1], row[2], row[3], row[4], neighbours)


def _expected(ind: Indicator, held: pd.DataFrame) -> pd.DataFrame:
    """The held rows with a row added for every period between the first and the last that has no figure."""
    if held.empty:
        return held.assign(held=[])
    first = periods.parse(held["period"].iloc[0], ind.period_type)
    last_label = held["period"].iloc[-1]
    labels, p = [first.label], first
    while p.label != last_label and len(labels) < 5000:
        p = periods.shift(p, 1)
        labels.append(p.label)
    have = held.set_index("period")
    rows = []
    for label in labels:
        if label in have.index:
            rows.append({**have.loc[label].to_dict(), "period": label, "held": True})
        else:
            q = periods.parse(label, ind.period_type)
            rows.append({"period": label, "period_start": q.start, "period_end": q.end, "held": False, "figure_type": None})
    out = pd.DataFrame(rows)
    for c in SERIES_COLUMNS:
        if c not in out:
            out[c] = None
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    out["period_end"] = pd.to_datetime(out["period_end"]).dt.date
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    return out[SERIES_COLUMNS].reset_index(drop=True)


def _with_rag(ind: Indicator, df: pd.DataFrame) -> pd.DataFrame:
    """Each period's target, thresholds, RAG and the value as people read it."""
    ps = [periods.parse(label, ind.period_type) for label in df["period"]]
    limits = [rag.thresholds_for(ind, p) for p in ps]
    df = df.copy()
    df["period_display"] = [p.display for p in ps]
    df["target"] = [rag.target_for(ind, p) for p in ps]
    df["green"] = [lim[0] if lim else None for lim in limits]
    df["amber"] = [lim[1] if lim else None for lim in limits]
    df["status"] = [rag.status(ind, p, clean(v)) if h else rag.NO_DATA for p, v, h in zip(ps, df["value"], df["held"])]
    df["rag_text"] = [rag.BADGES[s].text for s in df["status"]]
    df["value_text"] = [
        rag.format_value(ind, clean(v), clean(m)) if h else "no figure" for v, m, h in zip(df["value"], df["marker"], df["held"])
    ]
    return df


def _spc(ind: Indicator, df: pd.DataFrame, area: str) -> spc.SpcResult | None:
    if df.empty:
        return None
    try:
        return spc.analyse(
            [clean(v) for v in df["value"]],
            df["period"].tolist(),
            improvement=spc.improvement_for(ind.polarity),
            target=df["target"].tolist(),
            **ind.spc_options(area),
        )
    except spc.NotEnoughPoints:
        return None


def _quartile(rank: int, n: int) -> int:
    return min(4, int((rank - 1) * 4 // n) + 1)


def _ranks(conn, config: Config, area_code: str, pairs: pd.DataFrame) -> pd.DataFrame:
    """For each (indicator, period) asked: how many local authorities have a figure and where this area stands
    (competition ranking: equal values share a rank; 1 = best through the indicator's polarity)."""
    if pairs.empty:
        return pd.DataFrame(columns=["indicator_id", "period", "n_las", "rank", "quartile"])
    conn.register("wanted_pairs", pairs)
    try:
        got = conn.execute(
            """
            WITH la AS (
                SELECT o.indicator_id, o.period, o.area_code, o.value FROM observations o
                JOIN wanted_pairs w USING (indicator_id, period) JOIN areas a ON a.code = o.area_code
                WHERE a.level = 'local_authority' AND o.value IS NOT NULL),
            mine AS (SELECT indicator_id, period, value AS mine FROM la WHERE area_code = ?)
            SELECT indicator_id, period, count(*) AS n_las,
                   count(*) FILTER (WHERE value > mine) + 1 AS rank_high, count(*) FILTER (WHERE value < mine) + 1 AS rank_low
            FROM la JOIN mine USING (indicator_id, period) GROUP BY ALL""",
            [area_code],
        ).df()
    finally:
        conn.unregister("wanted_pairs")
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


def _comparator_lines(ind: Indicator, config: Config, area: AreaInfo, values: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """England, the region, the neighbours' median (or mean) and named areas, as configured: each a series."""
    wanted = (
        ind.comparators
        if ind.comparators is not None
        else (["england", "region", "neighbours"] if ind.kind == "official" else ["england", "region"])
    )
    mine = values[values["indicator_id"] == ind.id]
    out: dict[str, pd.DataFrame] = {}
    for item in wanted:
        if item == "england":
            codes, label = [ENGLAND], "England"
        elif item == "region":
            if not area.region:
                continue
            codes, label = [area.region], area.region_name or area.region
        elif item == "neighbours":
            codes, label = [c for c, *_ in area.neighbours], f"Statistical neighbours ({config.neighbour_stat})"
        else:
            codes, label = (
                [item],
                str(mine.loc[mine["area_code"] == item, "area_name"].iloc[0]) if (mine["area_code"] == item).any() else item,
            )
        if not codes or (codes == [area.code]):
            continue
        rows = mine[mine["area_code"].isin(codes)]
        if rows.empty:
            continue
        stat = "median" if config.neighbour_stat == "median" else "mean"
        line = (
            rows.groupby("period", sort=False)
            .agg(period_start=("period_start", "min"), value=("value", stat), n_areas=("value", "count"))
            .reset_index()
        )
        out[label] = line.sort_values("period_start").reset_index(drop=True)
    return out


def due_status(ind: Indicator, last_held_start: dt.date | None, today: dt.date) -> dict:
    """Whether the latest period due by `today` is held: in, overdue (with how many periods are missing) or no data."""
    due = periods.current(ind.period_type, today)
    while due.end + dt.timedelta(days=ind.due_days) >= today:
        due = periods.shift(due, -1)
    if last_held_start is None:
        return {
            "indicator_id": ind.id,
            "latest_due": due.label,
            "latest_due_display": due.display,
            "status": "no data",
            "periods_missing": None,
        }
    if last_held_start >= due.start:
        return {
            "indicator_id": ind.id,
            "latest_due": due.label,
            "latest_due_display": due.display,
            "status": "in",
            "periods_missing": 0,
        }
    p, n = due, 0
    while p.start > last_held_start:
        n += 1
        p = periods.shift(p, -1)
    return {
        "indicator_id": ind.id,
        "latest_due": due.label,
        "latest_due_display": due.display,
        "status": "overdue",
        "periods_missing": n,
    }


def figures(conn, config: Config, area_code: str, *, today: dt.date | None = None, as_of: dt.date | None = None) -> AreaFigures:
    """Everything the views show for one area (up to the end date `as_of`, for a board pack of an earlier period)."""
    today = today or dt.date.today()
    area = area_info(conn, area_code, config)
    # 1. The area's own figures, every indicator at once.
    own = conn.execute(
        """
        SELECT o.indicator_id, o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator, o.marker,
               o.note, o.figure_type, o.source, o.release, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.area_code = $area AND ($as_of IS NULL OR o.period_end <= $as_of)
        ORDER BY o.indicator_id, o.period_start""",
        {"area": area_code, "as_of": as_of},
    ).df()
    # 2. The comparators' figures: England, the region and the neighbours, every indicator at once.
    codes = [ENGLAND] + ([area.region] if area.region else []) + [c for c, *_ in area.neighbours]
    codes += [c for ind in config.indicators for c in (ind.comparators or []) if c not in ("england", "region", "neighbours")]
    values = conn.execute(
        f"""
        SELECT o.indicator_id, o.area_code, a.name AS area_name, o.period, o.period_start, o.value FROM observations o
        JOIN areas a ON a.code = o.area_code
        WHERE o.area_code IN ({", ".join("?" * len(codes))}) AND o.value IS NOT NULL AND o.area_code <> ?
          AND (? IS NULL OR o.period_end <= ?)""",
        [*codes, area_code, as_of, as_of],
    ).df()
    # 3. Commentary: the current version per indicator and period.
    commentary = conn.execute(
        """
        SELECT * FROM commentary WHERE area_code = ?
        QUALIFY row_number() OVER (PARTITION BY indicator_id, period ORDER BY id DESC) = 1""",
        [area_code],
    ).df()

    for c in ("period_start", "period_end"):  # DuckDB hands dates to pandas as timestamps; periods are dates
        own[c] = pd.to_datetime(own[c]).dt.date
    by_indicator = {k: g.drop(columns="indicator_id").reset_index(drop=True) for k, g in own.groupby("indicator_id", sort=False)}
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
            _comparator_lines(ind, config, area, values),
            pd.DataFrame(),
            ind.breaks_for(area_code),
            {},
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
        f.latest = _latest_row(f, due_by.loc[ind_id], built, values, area)
    card = pd.DataFrame([f.latest for f in built.values()])
    return AreaFigures(area, built, card, due, commentary, today, as_of, config)


def _previous(f: IndicatorFigures, steps: int):
    """The row `steps` periods before the latest held one, whether or not it is held (None before the series)."""
    held = f.series.index[f.series["held"]]
    at = held[-1] - steps
    return f.series.loc[at] if at >= 0 else None


def _latest_row(f: IndicatorFigures, due, built: dict[str, IndicatorFigures], values: pd.DataFrame, area: AreaInfo) -> dict:
    ind = f.ind
    last = f.series[f.series["held"]].iloc[-1]
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
    }
    row.update(_versus_england(f, built, values, area))
    return row


def threshold_text(ind: Indicator, p: periods.Period) -> str:
    """What the RAG is judged against, in words: a target is named as such; thresholds the documents do not set are
    called illustrative (never "no target" when there is a RAG)."""
    illustrative = ind.rag is not None and ind.rag.illustrative
    if ind.target is not None:
        return f"target {rag.format_target(ind, p)}" + ("; thresholds illustrative" if illustrative else "")
    if ind.rag is None:
        return "no target"
    return f"threshold {rag.format_value(ind, ind.rag.green)}" + (" (illustrative)" if illustrative else "")


def _versus_england(f: IndicatorFigures, built: dict[str, IndicatorFigures], values: pd.DataFrame, area: AreaInfo) -> dict:
    """The comparison the scorecard shows: for a local measure with an official counterpart, the counterpart's latest
    year; otherwise the indicator's own latest period. England's figure, the difference read through polarity, and
    the area's rank among local authorities."""
    ind = f.ind
    basis = built.get(ind.official) if ind.official else f
    out = {
        "comparison_indicator": None,
        "comparison_period": None,
        "comparison_value_text": "",
        "england_text": "–",
        "vs_england_text": "–",
        "rank": None,
        "n_las": None,
        "quartile": None,
        "quartile_text": "",
    }
    if basis is None or basis.held.empty:
        return out
    b_ind = basis.ind
    last = basis.held.iloc[-1]
    eng = values[(values["indicator_id"] == b_ind.id) & (values["area_code"] == ENGLAND) & (values["period"] == last["period"])]
    out.update(comparison_indicator=b_ind.id, comparison_period=last["period"], comparison_value_text=last["value_text"])
    value = clean(last["value"])
    if not eng.empty:
        e = float(eng["value"].iloc[0])
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


# ---------------------------------------------------------------- every local authority on one indicator


def league(conn, config: Config, indicator_id: str, period: str) -> pd.DataFrame:
    """Every local authority's figure for one indicator and period, best first through its polarity, with its rank,
    quartile and region: what the Compare areas page and slide draw."""
    ind = config.by_id[indicator_id]
    df = conn.execute(
        """
        SELECT o.area_code AS code, a.name, a.region, r.name AS region_name, o.value, o.marker
        FROM observations o JOIN areas a ON a.code = o.area_code LEFT JOIN areas r ON r.code = a.region
        WHERE o.indicator_id = ? AND o.period = ? AND a.level = 'local_authority'""",
        [indicator_id, period],
    ).df()
    with_value = df[df["value"].notna()].copy()
    ascending = ind.polarity == "lower_is_better"
    with_value = with_value.sort_values(["value", "name"], ascending=[ascending, True]).reset_index(drop=True)
    n = len(with_value)
    if ind.polarity == "neutral":
        with_value["rank"] = np.arange(1, n + 1)
        with_value["quartile"] = None
    else:
        with_value["rank"] = with_value["value"].rank(method="min", ascending=ascending).astype(int)
        with_value["quartile"] = [_quartile(int(r), n) for r in with_value["rank"]] if n else []
    return with_value


def league_periods(conn, indicator_id: str) -> list[str]:
    """The periods for which local authorities have figures, newest first."""
    return [
        r[0]
        for r in conn.execute(
            """
        SELECT o.period FROM observations o JOIN areas a ON a.code = o.area_code
        WHERE o.indicator_id = ? AND a.level = 'local_authority' AND o.value IS NOT NULL
        GROUP BY o.period ORDER BY min(o.period_start) DESC""",
            [indicator_id],
        ).fetchall()
    ]
