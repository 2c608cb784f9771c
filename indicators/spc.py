"""Statistical process control for one series: Making Data Count XmR limits and special-cause rules (the names,
words and icons are in spc_terms, the settings in spc_settings, the chart in charts.py, the command in cli.py).

The method follows NHS England's "Making Data Count" (MDC) guidance and its Excel SPC tool.

Limits
    Centre line: the mean of the values used for limits. Mean moving range (MR̄): the mean of
    |x[i] - x[i-1]| over consecutive periods that both have a value. Process limits: mean ± 2.66 × MR̄
    (2.66 = 3 / 1.128, three sigma for moving ranges of two).

Settings (`SpcSettings`; per indicator in config/indicators.yaml under `spc:`)
    run_length (7)
        A run ("shift") is this many or more consecutive values all above, or all below, the mean.
        MDC: "7 or more consecutive points above or below the mean". A value exactly on the mean
        ends a run (it is on neither side), as in NHSRplotthedots.
    trend_length (6)
        A trend is this many or more consecutive values each higher than the one before (or each
        lower). Counted in points, not steps: 6 points are 5 rises. Two equal values in a row end a
        trend. MDC's Excel tool lets you choose 6 or 7; NHSRplotthedots uses 7.
    two_of_three (True)
        Two or three of three consecutive values in the outer third (beyond mean ± 2/3 of the
        distance to a limit, including values beyond the limit), with all three on the same side of
        the mean. Only the values in the outer third are flagged. This is the MDC tool's rule since
        its 2023 update.
    screen_moving_ranges (False)
        When true, moving ranges of at least 3.267 × MR̄ (the upper limit of the moving-range chart)
        are dropped and MR̄ is computed again once, so a one-off spike does not widen the limits.
        The MDC Excel tool does not screen. NHSRplotthedots screens by default (Nelson 1982;
        Provost & Murray 2011), so set it to true to match that package.
    min_points (12)
        Fewer usable values than this and no chart is drawn (`NotEnoughPoints`). A segment (after
        rebasing, or a baseline) with fewer values than this for its limits still gets limits, but
        they are marked as trial limits.

Rebasing and baselines
    `rebase_at` names periods where a new process starts, such as the new ASD service in September 2018.
    The period named starts a new segment, and each segment gets its own mean and limits. Rules are
    tested within a segment only. `baseline=N` fixes each segment's mean and limits from the first N
    values in that segment (as NHSRplotthedots' `fix_after_n_points` does). Later values in the segment
    are judged against those fixed limits.

Missing values, gaps and breaks
    A missing value (None or NaN: a suppressed figure, or a period with no figure at all) keeps its place,
    with variation None. It is left out of the mean. No moving range is taken across it, because a gap of
    two periods is not a one-step moving range. Runs, trends and two-of-three carry on across a gap of up to
    `max_gap` periods (default 1): the values on either side are still consecutive observations. A longer
    gap starts a new segment, and so does a break (a change of definition, such as SEN2 becoming a
    person-level collection in 2023): each segment says why it starts (`SpcSegment.reason`). A segment with
    fewer than 2 values has no limits; its points have no variation (too few figures since it started).

Sustained shifts (when to recalculate the limits)
    Making Data Count advises recalculating the limits when the process has shifted and stayed shifted: a run of
    `run_length` (7) or more values on one side of the mean that does not start with its segment (a segment that
    starts high is its starting level, not a shift), and long enough (`min_points`, 12) for limits of its own. One set of limits across such a shift describes neither
    process: its mean sits between them and the latest points can read as "common cause" while the series fell
    from 80% to 2% and rose again. `SpcResult.shifts` lists the first shift in each segment; the suggested rebase
    point is where its run starts, offered to an administrator (as a `rebase_at` line) rather than applied, because
    Making Data Count asks for the cause to be understood first. `if_rebased` is the latest point's reading with
    every suggested rebase applied, so a headline can say what the latest points show.

Variation of a point
    The rules are `beyond_limits`, `two_of_three`, `run` and `trend`. `rules` lists every rule that
    fired, in that priority order. `rule` is the highest-priority rule behind the point's variation.
    Improvement or concern comes from the direction of the signal and the indicator's polarity. A
    point above the mean, or in a rising trend, is "high". A trend takes the trend's direction, not
    the side of the mean (as the MDC tool does). When one point has both an improving and a concerning
    signal, it is shown as improvement, as the MDC tool does. Without a polarity (neutral
    indicators) a special cause is `special_cause_neither`.

Assurance (target in the last segment)
    If the whole range between the process limits passes the target, the assurance is
    `consistently_pass`. If the whole range fails it, it is `consistently_fail`. If the target lies
    between the limits (or on one), it is `inconsistent` ("hit and miss"). It is None when there is
    no target or no polarity. A per-period target uses its value at the latest period.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from indicators.spc_settings import (  # noqa: F401  (re-exported: spc is where the settings are looked for)
    MDC_MIN_POINTS,
    OPTION_NAMES,
    SETTING_NAMES,
    SpcSettingError,
    SpcSettings,
    _whole_number,
    options_from_mapping,
    settings_from_mapping,
)
from indicators.spc_terms import (  # noqa: F401  (re-exported: every SPC name and icon, as spc.COMMON_CAUSE, spc.variation_icon_svg…)
    ASSURANCE_COLOURS,
    ASSURANCE_TEXT,
    ASSURANCES,
    BEYOND_LIMITS,
    COLOURS,
    COMMON_CAUSE,
    CONCERN,
    DECREASE,
    FAIL,
    FONT,
    HIGH,
    IMPROVEMENT,
    INCONSISTENT,
    INCREASE,
    LOW,
    NEITHER,
    PASS,
    POINT_WORDS,
    RULE_PRIORITY,
    RULE_WORDS,
    RUN,
    SYMBOLS,
    TREND,
    TWO_OF_THREE,
    VALUE_LINE,
    VARIATION_TEXT,
    VARIATIONS,
    _badge,
    _letter,
    assurance_icon_svg,
    contrast_ratio,
    variation_icon_svg,
)

LIMIT_FACTOR = 2.66  # 3 / d2, with d2 = 1.128 for moving ranges of two points
SCREEN_FACTOR = 3.267  # D4 for n = 2: the upper limit of the moving-range chart
NEAR_FRACTION = 2 / 3  # "close to a limit" = the outer third between the mean and a limit


class NotEnoughPoints(ValueError):
    """Too few values to compute process limits; `have` and `needed` say how many."""

    def __init__(self, message: str, have: int, needed: int):
        super().__init__(message)
        self.have = have
        self.needed = needed


def improvement_for(polarity: str) -> str | None:
    """The indicator's polarity (config words) → the SPC improvement direction; neutral → None."""
    return {"higher_is_better": INCREASE, "lower_is_better": DECREASE}.get(polarity)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class SpcSegment:
    index: int
    start: str  # first period of the segment (label)
    end: str  # last period of the segment (label)
    mean: float | None  # None: fewer than 2 values, so no limits
    lpl: float | None  # lower process limit
    upl: float | None  # upper process limit
    mr_bar: float | None  # mean moving range used for the limits
    n_for_limits: int  # values the mean and limits were computed from
    n_values: int  # values in the segment
    trial_limits: bool  # fewer than min_points values behind the limits
    reason: str = "start"  # why the segment starts: the series' start, a rebase, a break or a gap

    @property
    def has_limits(self) -> bool:
        return self.mean is not None


@dataclass(frozen=True)
class SpcPoint:
    period: str
    value: float | None
    segment: int
    variation: str | None  # None for a missing value
    rule: str | None  # the rule behind `variation`; None for common cause
    rules: tuple[str, ...]  # every rule that fired, in priority order
    level: str | None  # "high" or "low": which way the chosen signal points
    target: float | None
    conflict: bool = False  # improving and concerning signals at once: shown as improvement (the MDC tool's rule)


@dataclass(frozen=True)
class Shift:
    """A sustained shift: a run of values on one side of its segment's mean, long enough to recalculate limits."""

    start: str  # the run's first period: the suggested rebase point
    end: str  # the run's last period
    length: int  # values in the run
    side: str  # "above" or "below" the mean
    segment: int
    mean: float  # the segment's mean the run is measured against

    def text(self) -> str:
        return (
            f"a sustained shift: {self.length} points in a row {self.side} the mean ({self.mean:,.1f}) from {self.start} "
            f"to {self.end}, so one set of limits spans two processes"
        )


def _icon_key(variation: str | None, level: str | None) -> str | None:
    if variation is None:
        return None
    return variation if variation == COMMON_CAUSE else f"{variation}_{level}"


@dataclass(frozen=True)
class SpcResult:
    segments: tuple[SpcSegment, ...]
    points: tuple[SpcPoint, ...]
    improvement: str | None
    settings: SpcSettings
    baseline: int | None
    rebase_at: tuple[str, ...]
    target: float | None  # the target at the latest period, the one assurance is judged against
    assurance: str | None
    max_gap: int = 1
    warnings: tuple[str, ...] = ()
    shifts: tuple[Shift, ...] = ()  # sustained shifts found on these limits (see the module's docstring)
    if_rebased: str | None = None  # the latest point's icon key with every suggested rebase applied

    @property
    def suggested_rebase(self) -> tuple[str, ...]:
        """Where to rebase so that no segment's limits span a shift: the start of each shift's run."""
        return tuple(s.start for s in self.shifts)

    @property
    def shift_text(self) -> str:
        """What the SPC tab, scorecard and pack say about a shift ("" when none): where it is, and what the latest
        points show once rebased there."""
        if not self.shifts:
            return ""
        first = self.shifts[0]
        words = f"Shift found: {first.text()}"
        if len(self.shifts) > 1:
            words += "; and " + "; and ".join(s.text().removeprefix("a sustained shift: ") for s in self.shifts[1:])
        words += f". Suggested rebase at {', '.join(self.suggested_rebase)} (Making Data Count: recalculate the limits from a sustained shift)"
        if self.if_rebased:
            words += f"; rebased there, the latest point shows {VARIATION_TEXT[self.if_rebased][0].lower()}{VARIATION_TEXT[self.if_rebased][1:]}"
        return words

    @property
    def headline(self) -> str:
        """The reading in one sentence about the latest points: the variation, or where limits span a shift, that and
        what the latest point shows once rebased."""
        if not self.shifts:
            return self.variation_text
        first = self.shifts[0]
        reads = self.variation_text[0].lower() + self.variation_text[1:]
        words = (
            f"Shift found: {first.length} points in a row {first.side} the mean from {first.start}, so these limits "
            f"span two processes and on them the latest point reads {reads}"
        )
        if self.if_rebased:
            shows = VARIATION_TEXT[self.if_rebased]
            words += f"; rebased at {', '.join(self.suggested_rebase)}, it shows {shows[0].lower()}{shows[1:]}"
        return words

    @property
    def latest(self) -> SpcPoint:
        """The latest point with a value: the variation icon describes it."""
        return next(p for p in reversed(self.points) if p.value is not None)

    @property
    def current_segment(self) -> SpcSegment:
        return self.segments[self.latest.segment]

    @property
    def variation(self) -> str | None:
        """The latest point's variation; None when its segment is too short for limits."""
        return self.latest.variation

    @property
    def variation_level(self) -> str | None:
        return self.latest.level

    @property
    def variation_icon(self) -> str | None:
        """Key into VARIATION_TEXT and `variation_icon_svg`, e.g. "special_cause_improvement_high"."""
        return _icon_key(self.latest.variation, self.latest.level)

    @property
    def variation_text(self) -> str:
        if self.variation_icon is None:
            return f"No SPC reading yet: too few figures since {self.current_segment.reason}"
        return VARIATION_TEXT[self.variation_icon]

    @property
    def assurance_text(self) -> str | None:
        return ASSURANCE_TEXT.get(self.assurance)

    def as_dict(self) -> dict:
        """The CLI's JSON structure, as plain Python data."""
        return {
            "improvement": self.improvement,
            "settings": self.settings.as_dict(),
            "rebase_at": list(self.rebase_at),
            "baseline": self.baseline,
            "max_gap": self.max_gap,
            "warnings": list(self.warnings),
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "reason": s.reason,
                    "mean": s.mean,
                    "lower_process_limit": s.lpl,
                    "upper_process_limit": s.upl,
                    "moving_range_mean": s.mr_bar,
                    "points_for_limits": s.n_for_limits,
                    "trial_limits": s.trial_limits,
                }
                for s in self.segments
            ],
            "points": [
                {
                    "period": p.period,
                    "value": p.value,
                    "segment": p.segment,
                    "variation": p.variation,
                    "rule": p.rule,
                    "rules": list(p.rules),
                    "conflict": p.conflict,
                }
                for p in self.points
            ],
            "variation": self.variation,
            "variation_icon": self.variation_icon,
            "shifts": [
                {"start": x.start, "end": x.end, "length": x.length, "side": x.side, "segment": x.segment} for x in self.shifts
            ],
            "suggested_rebase_at": list(self.suggested_rebase),
            "variation_if_rebased": self.if_rebased,
            "target": self.target,
            "assurance": self.assurance,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), indent=indent, ensure_ascii=False)


# ---------------------------------------------------------------- analysis


def _as_value(v, label: str) -> float | None:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f'period "{label}": value {v!r} is not a number') from None
    if math.isinf(x):
        raise ValueError(f'period "{label}": value {v!r} is infinite')
    return x


def _targets(target, n: int, labels: list[str]) -> list[float | None]:
    if target is None:
        return [None] * n
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        return [_as_value(target, labels[-1])] * n
    target = list(target)
    if len(target) != n:
        raise ValueError(f"target has {len(target)} values but the series has {n} periods; give one target or one per period")
    return [_as_value(t, label) for t, label in zip(target, labels)]


def _segment_bounds(
    labels: list[str], vals: list[float | None], rebase_at: Sequence[str], breaks: Sequence[tuple[str, str]], max_gap: int
) -> list[tuple[int, int, str]]:
    """(first, end, reason) of each segment: the start, every rebase and break, and the first value after a run of
    more than `max_gap` missing periods."""
    where = {label: i for i, label in enumerate(labels)}
    starts = {0: "start"}
    for r in rebase_at:
        if str(r) not in where:
            raise ValueError(
                f'rebase period "{r}" is not one of the series\' periods ({labels[0]} to {labels[-1]}); use a period label exactly as it appears in the series'
            )
        starts[where[str(r)]] = f"rebased at {r}"
    for label, reason in breaks:
        if str(label) in where and where[str(label)] > 0:  # a break outside the series' span does not concern it
            starts[where[str(label)]] = f"a break in the series at {label}: {reason}"
    missing_from = None
    for i, v in enumerate(vals):
        if v is None:
            missing_from = i if missing_from is None else missing_from
            continue
        if missing_from is not None and i - missing_from > max_gap and missing_from > 0:
            n = i - missing_from
            starts.setdefault(i, f"a gap of {n} periods with no figure ({labels[missing_from]} to {labels[i - 1]})")
        missing_from = None
    order = sorted(starts)
    return [(a, b, starts[a]) for a, b in zip(order, order[1:] + [len(labels)])]


def _limits(values: list[float | None], positions: list[int], settings: SpcSettings, seg_name: str) -> tuple[float, float]:
    """(mean, MR̄) from the values at `positions`; moving ranges only between consecutive periods."""
    mean = math.fsum(values[p] for p in positions) / len(positions)
    mrs = [abs(values[q] - values[p]) for p, q in zip(positions, positions[1:]) if q == p + 1]
    if not mrs:
        raise NotEnoughPoints(f"{seg_name} has no two consecutive periods with values, so no moving range can be computed", 0, 1)
    mr_bar = math.fsum(mrs) / len(mrs)
    if settings.screen_moving_ranges and mr_bar > 0:
        kept = [m for m in mrs if m < SCREEN_FACTOR * mr_bar]
        mr_bar = math.fsum(kept) / len(kept)
    return mean, mr_bar


def _side(v: float, mean: float) -> int:
    return (v > mean) - (v < mean)


def _runs_of(keys: list[int]) -> list[tuple[int, int, int]]:
    """Maximal stretches of equal non-zero keys as (first index, last index, key)."""
    out, i = [], 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and keys[j + 1] == keys[i]:
            j += 1
        if keys[i] != 0:
            out.append((i, j, keys[i]))
        i = j + 1
    return out


def _signals(seq: list[tuple[int, float]], seg: SpcSegment, settings: SpcSettings) -> dict[int, list[tuple[str, str]]]:
    """Every (rule, high/low) that fires, by series position, for the values of one segment in order."""
    found: dict[int, list[tuple[str, str]]] = {}

    def flag(pos: int, rule: str, direction: int) -> None:
        found.setdefault(pos, []).append((rule, HIGH if direction > 0 else LOW))

    for pos, v in seq:
        if v > seg.upl or v < seg.lpl:
            flag(pos, BEYOND_LIMITS, _side(v, seg.mean))

    sides = [_side(v, seg.mean) for _, v in seq]
    for i, j, side in _runs_of(sides):
        if j - i + 1 >= settings.run_length:
            for k in range(i, j + 1):
                flag(seq[k][0], RUN, side)

    # steps[k] is the direction from value k to value k+1; equal values (0) end a trend.
    steps = [_side(b, a) for (_, a), (_, b) in zip(seq, seq[1:])]
    for i, j, direction in _runs_of(steps):
        if j - i + 2 >= settings.trend_length:  # k rises in a row span k + 1 points
            for k in range(i, j + 2):
                flag(seq[k][0], TREND, direction)

    if settings.two_of_three:
        near_hi = seg.mean + NEAR_FRACTION * (seg.upl - seg.mean)
        near_lo = seg.mean - NEAR_FRACTION * (seg.mean - seg.lpl)
        near = [1 if v > near_hi else -1 if v < near_lo else 0 for _, v in seq]
        for i in range(len(seq) - 2):
            side = sides[i]
            if side != 0 and sides[i + 1] == side and sides[i + 2] == side:
                close = [k for k in range(i, i + 3) if near[k] == side]
                if len(close) >= 2:
                    for k in close:
                        if (TWO_OF_THREE, HIGH if side > 0 else LOW) not in found.get(seq[k][0], []):
                            flag(seq[k][0], TWO_OF_THREE, side)
    return found


def _classify(signals: list[tuple[str, str]], improvement: str | None) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(variation, rule, level, rules) for one point's signals."""
    if not signals:
        return COMMON_CAUSE, None, None, ()
    rules = tuple(r for r in RULE_PRIORITY if any(s[0] == r for s in signals))

    def first(pool):
        return min(pool, key=lambda s: RULE_PRIORITY.index(s[0]))

    if improvement is None:
        rule, level = first(signals)
        return NEITHER, rule, level, rules
    good = HIGH if improvement == INCREASE else LOW
    improving = [s for s in signals if s[1] == good]
    # The MDC tool shows improvement when one point has both an improving and a concerning signal.
    kind, pool = (IMPROVEMENT, improving) if improving else (CONCERN, signals)
    rule, level = first(pool)
    return kind, rule, level, rules


def _assurance(seg: SpcSegment, target: float | None, improvement: str | None) -> str | None:
    if target is None or improvement is None:
        return None
    if target > seg.upl:
        return FAIL if improvement == INCREASE else PASS
    if target < seg.lpl:
        return PASS if improvement == INCREASE else FAIL
    return INCONSISTENT


def analyse(
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    improvement: str | None,
    target: float | Sequence[float | None] | None = None,
    rebase_at: Sequence[str] = (),
    baseline: int | None = None,
    settings: SpcSettings = SpcSettings(),
    max_gap: int = 1,
    breaks: Sequence[tuple[str, str]] = (),
    _look_for_shifts: bool = True,
) -> SpcResult:
    """XmR analysis of one series in time order (every expected period, None where there is no figure): segments
    with mean and limits, each point's variation, assurance.

    `improvement` is "increase", "decrease" or None (neutral; special causes are then "special_cause_neither").
    `breaks` are (period label, reason) where the series' definition changed. Raises NotEnoughPoints when fewer
    than settings.min_points values are usable, and ValueError for bad input.
    """
    labels = [str(label) for label in labels]
    if isinstance(rebase_at, str):  # one label, not a list of one-character labels
        rebase_at = [rebase_at]
    n = len(labels)
    if len(values) != n:
        raise ValueError(f"{len(values)} values but {n} period labels; give one label per value")
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label in seen:
            raise ValueError(f'period "{label}" appears twice (positions {seen[label] + 1} and {i + 1}); each period once')
        seen[label] = i
    if improvement not in (INCREASE, DECREASE, None):
        raise ValueError(f'improvement is {improvement!r}; use "increase", "decrease" or None for a neutral indicator')
    if baseline is not None:
        _whole_number("baseline", baseline, 2)
    vals = [_as_value(v, label) for v, label in zip(values, labels)]
    targets = _targets(target, n, labels) if n else []

    usable = sum(v is not None for v in vals)
    if usable < settings.min_points:
        missing = n - usable
        extra = f" ({missing} more period{'s are' if missing != 1 else ' is'} missing or suppressed)" if missing else ""
        raise NotEnoughPoints(
            f"an SPC chart needs at least {settings.min_points} values (Making Data Count's minimum); "
            f"this series has {usable}{extra}",
            usable,
            settings.min_points,
        )

    warnings = []
    if usable < MDC_MIN_POINTS:
        warnings.append(
            f"only {usable} values: Making Data Count advises at least {MDC_MIN_POINTS} before process limits "
            "are relied on (NHSRplotthedots warns the same)"
        )
    segments: list[SpcSegment] = []
    points: list[SpcPoint] = []
    for index, (a, b, reason) in enumerate(_segment_bounds(labels, vals, rebase_at, breaks, max_gap)):
        name = f'the segment starting at "{labels[a]}"'
        positions = [p for p in range(a, b) if vals[p] is not None]
        for_limits = positions[:baseline] if baseline else positions
        if not any(q == p + 1 for p, q in zip(for_limits, for_limits[1:])):
            # Too short for a moving range: the values are shown, without limits or a reading.
            segments.append(SpcSegment(index, labels[a], labels[b - 1], None, None, None, None, 0, len(positions), True, reason))
            points += [SpcPoint(labels[p], vals[p], index, None, None, (), None, targets[p]) for p in range(a, b)]
            warnings.append(f"{name} ({reason}) has {len(positions)} value(s) and no two in a row: too few for process limits")
            continue
        mean, mr_bar = _limits(vals, for_limits, settings, name)
        seg = SpcSegment(
            index,
            labels[a],
            labels[b - 1],
            mean,
            mean - LIMIT_FACTOR * mr_bar,
            mean + LIMIT_FACTOR * mr_bar,
            mr_bar,
            len(for_limits),
            len(positions),
            len(for_limits) < settings.min_points,
            reason,
        )
        segments.append(seg)
        if index > 0:
            warnings.append(f"a new segment starts at {labels[a]}: {reason}")
        found = _signals([(p, vals[p]) for p in positions], seg, settings)
        for p in range(a, b):
            if vals[p] is None:
                points.append(SpcPoint(labels[p], None, index, None, None, (), None, targets[p]))
                continue
            signals = found.get(p, [])
            variation, rule, level, rules = _classify(signals, improvement)
            conflict = improvement is not None and len({s[1] for s in signals}) > 1
            points.append(SpcPoint(labels[p], vals[p], index, variation, rule, rules, level, targets[p], conflict))

    latest_target = targets[-1]
    last = segments[next(pt.segment for pt in reversed(points) if pt.value is not None)]
    shifts = _shifts(points, segments, settings)
    if_rebased = None
    if shifts and _look_for_shifts:
        again = analyse(
            values,
            labels,
            improvement=improvement,
            target=target,
            rebase_at=[*rebase_at, *(x.start for x in shifts)],
            baseline=baseline,
            settings=settings,
            max_gap=max_gap,
            breaks=breaks,
            _look_for_shifts=False,
        )
        if_rebased = again.variation_icon
    return SpcResult(
        tuple(segments),
        tuple(points),
        improvement,
        settings,
        baseline,
        tuple(str(r) for r in rebase_at),
        latest_target,
        _assurance(last, latest_target, improvement) if last.has_limits else None,
        max_gap,
        tuple(warnings),
        shifts,
        if_rebased,
    )


def _shifts(points: list[SpcPoint], segments: list[SpcSegment], settings: SpcSettings) -> tuple[Shift, ...]:
    """The first sustained shift in each segment with limits: a run on one side of the mean that does not start with
    the segment and is long enough to set limits of its own (run_length, and at least min_points (12) values, so a
    rebase there does not leave trial limits: a shorter run is flagged as special cause but not offered as a
    rebase)."""
    out = []
    for seg in segments:
        if not seg.has_limits:
            continue
        seq = [p for p in points if p.segment == seg.index and p.value is not None]
        for i, j, side in _runs_of([_side(p.value, seg.mean) for p in seq]):
            if i > 0 and j - i + 1 >= max(settings.run_length, settings.min_points):
                out.append(Shift(seq[i].period, seq[j].period, j - i + 1, "above" if side > 0 else "below", seg.index, seg.mean))
                break
    return tuple(out)


def rule_text(rule: str, settings: SpcSettings = SpcSettings()) -> str:
    """A rule name in words, with the lengths in use."""
    return RULE_WORDS[rule].format(**settings.as_dict())
