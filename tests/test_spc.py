"""SPC (Making Data Count XmR): limits, special-cause rules for both polarities, rebasing, baselines, icons, chart, CLI.

Every expected mean, limit and flagged point below was worked out by hand; the arithmetic is in the comments.
Limits are mean ± 2.66 × MR̄; "close to a limit" is beyond mean ± (2/3)(2.66 × MR̄) = mean ± 1.7733… × MR̄.
"""

import argparse
import json
import math
from dataclasses import fields
from pathlib import Path

import pytest

from indicators import charts, cli, spc

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "spc"


def months(n, start_year=2017, start_month=9):
    """Month labels from September 2017 (the ASD series' shape), e.g. 2017-09, 2017-10, …"""
    out = []
    for i in range(n):
        m = start_month - 1 + i
        out.append(f"{start_year + m // 12}-{m % 12 + 1:02d}")
    return out


def run(values, **kw):
    kw.setdefault("improvement", "increase")
    return spc.analyse(values, months(len(values)), **kw)


def variations(result):
    return [p.variation for p in result.points]


def flagged(result):
    """1-based positions of special-cause points."""
    return [i for i, p in enumerate(result.points, start=1) if p.variation not in (None, "common_cause")]


# ---------------------------------------------------------------- limits

FLAT = [10, 12, 11, 13] * 3


def test_limits_of_a_flat_series_and_all_common_cause():
    # FLAT = 10,12,11,13 three times. Sum 46 × 3 = 138; mean 138 / 12 = 11.5.
    # Moving ranges: 2,1,2,3 | 2,1,2,3 | 2,1,2 → 11 of them, sum 8 + 8 + 5 = 21; MR̄ = 21/11 = 1.909…
    # UPL = 11.5 + 2.66 × 21/11 = 11.5 + 55.86/11 = 16.578…; LPL = 11.5 − 55.86/11 = 6.421…
    # Near the limits: 11.5 ± (2/3)(55.86/11) = 11.5 ± 3.385… → nothing beyond 14.89 or below 8.11.
    # Sides alternate below/above (10 < 11.5 < 12) and rises alternate with falls, so no run or trend.
    r = run(FLAT)
    (seg,) = r.segments
    assert seg.mean == pytest.approx(11.5, abs=1e-9)
    assert seg.mr_bar == pytest.approx(21 / 11, abs=1e-9)
    assert seg.upl == pytest.approx(11.5 + 55.86 / 11, abs=1e-9)
    assert seg.lpl == pytest.approx(11.5 - 55.86 / 11, abs=1e-9)
    assert (seg.start, seg.end, seg.n_for_limits, seg.n_values, seg.trial_limits) == ("2017-09", "2018-08", 12, 12, False)
    assert set(variations(r)) == {"common_cause"}
    assert all(p.rule is None and p.rules == () for p in r.points)
    assert r.variation == r.variation_icon == "common_cause"
    assert r.variation_text == spc.VARIATION_TEXT["common_cause"]
    assert r.assurance is None


# 10,14 five times, then 10 and 34.
SPIKE = [10, 14] * 5 + [10, 34]


def spike_limits():
    # Sum = 6 × 10 + 5 × 14 + 34 = 60 + 70 + 34 = 164; mean = 164/12 = 41/3 = 13.667 (so 10 is below, 14 above).
    # Moving ranges: ten of 4 (the alternation) and |34 − 10| = 24 → sum 64 over 11; MR̄ = 64/11 = 5.818…
    # UPL = 41/3 + 2.66 × 64/11 = 41/3 + 170.24/11 = 29.143…; LPL = 41/3 − 170.24/11 = −1.810…
    mean, mr = 41 / 3, 64 / 11
    return mean, mr, mean + 2.66 * mr, mean - 2.66 * mr


def test_a_point_beyond_the_upper_limit_is_improvement_when_higher_is_better():
    mean, mr, upl, lpl = spike_limits()
    r = run(SPIKE, improvement="increase")
    seg = r.segments[0]
    assert (seg.mean, seg.mr_bar, seg.upl, seg.lpl) == pytest.approx((mean, mr, upl, lpl), abs=1e-9)
    # 34 > 29.143: beyond the limit. Close to the upper limit means above 41/3 + (2/3)(170.24/11) = 23.98: only 34.
    # Every window of three holds a 10, below the mean, so two-of-three cannot fire; runs and trends are length 2.
    assert flagged(r) == [12]
    last = r.points[-1]
    assert (last.variation, last.rule, last.rules, last.level) == (
        "special_cause_improvement",
        "beyond_limits",
        ("beyond_limits",),
        "high",
    )
    assert r.variation_icon == "special_cause_improvement_high"
    assert r.variation_text == "Special cause variation: improving, higher values"


def test_the_same_point_is_concern_when_lower_is_better():
    r = run(SPIKE, improvement="decrease")
    assert flagged(r) == [12]
    assert (r.points[-1].variation, r.points[-1].rule) == ("special_cause_concern", "beyond_limits")
    assert r.variation_icon == "special_cause_concern_high"


def test_a_neutral_indicator_reports_special_cause_neither():
    r = run(SPIKE, improvement=None, target=5)
    assert (r.points[-1].variation, r.variation_icon) == ("special_cause_neither", "special_cause_neither_high")
    assert r.assurance is None  # no polarity, so no pass or fail


# ---------------------------------------------------------------- runs

LOW_START = [8, 12, 8, 12, 8, 12, 8]


def test_a_run_of_seven_above_the_mean_is_flagged():
    values = LOW_START + [12, 13, 12, 13, 12, 13, 12]
    # Sum = (4 × 8 + 3 × 12) + (4 × 12 + 3 × 13) = 68 + 87 = 155; mean = 155/14 = 11.071.
    # MRs: six of 4 in the start, |12 − 8| = 4, six of 1 in the run → 34/13 = 2.615.
    # UPL = 11.071 + 6.957 = 18.03; close above 15.71 or below 6.43: none. Longest rise: 8,12,13 (3 points).
    # Points 8–14 are 12 or 13 > 11.071: a run of 7 (point 7 is 8, below).
    r = run(values)
    assert r.segments[0].mean == pytest.approx(155 / 14, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(34 / 13, abs=1e-9)
    assert flagged(r) == list(range(8, 15))
    assert {(p.variation, p.rule, p.level) for p in r.points[7:]} == {("special_cause_improvement", "run", "high")}
    # Lower is better: the same run is a concern.
    r = run(values, improvement="decrease")
    assert {p.variation for p in r.points[7:]} == {"special_cause_concern"}
    assert set(variations(r)[:7]) == {"common_cause"}


def test_a_run_of_six_is_not_flagged():
    values = LOW_START + [12, 13, 12, 13, 12, 13]
    # Sum = 68 + 75 = 143; mean = 143/13 = 11. MRs 24 + 4 + 5 = 33 over 12 → 2.75; UPL = 11 + 7.315 = 18.315;
    # close above 15.88 or below 6.12: none. Points 8–13 above the mean: a run of 6 < 7.
    r = run(values)
    assert r.segments[0].mean == pytest.approx(11.0, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(2.75, abs=1e-9)
    assert flagged(r) == []


def test_run_length_is_a_setting():
    values = LOW_START + [12, 13, 12, 13, 12, 13]  # the run of 6 above
    r = run(values, settings=spc.SpcSettings(run_length=6))
    assert flagged(r) == list(range(8, 14))


def test_a_point_exactly_on_the_mean_ends_a_run():
    values = [8, 11, 8, 12, 8, 12, 8] + [12, 13, 12, 11, 12, 13, 12, 13]
    # Sum = 67 + 98 = 165 over 15 values: the mean is exactly 11. Points 8–15 are 12,13,12,[11],12,13,12,13:
    # seven above the mean with point 11 on it. On the mean ends a run: runs of 3 and 4, nothing flagged.
    # (MRs 3,3,4,4,4,4 + 4 + seven of 1 = 33 over 14 = 2.357; UPL 17.27; close above 15.18 / below 6.82: none.)
    r = run(values)
    assert r.segments[0].mean == 11.0
    assert flagged(r) == []


# ---------------------------------------------------------------- trends


def test_a_trend_of_six_rising_points_is_flagged_even_below_the_mean():
    values = [10, 14, 10, 14, 10, 14, 9, 10, 11, 12, 13, 14, 10, 14]
    # Sum = 72 + 69 + 24 = 165; mean = 165/14 = 11.786. MRs: 5 × 4 + 5 + 5 × 1 + 4 + 4 = 38 over 13 = 2.923.
    # UPL = 11.786 + 7.775 = 19.56; close above 16.97 / below 6.60: none. Longest run on one side: 3.
    # Points 7–12 (9,10,11,12,13,14) rise five times in a row: a trend of 6. The trend's direction decides:
    # 9, 10 and 11 are below the mean but part of a rising trend, so they are improvement when higher is better.
    r = run(values)
    assert r.segments[0].mean == pytest.approx(165 / 14, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(38 / 13, abs=1e-9)
    assert flagged(r) == [7, 8, 9, 10, 11, 12]
    assert {(p.variation, p.rule, p.level) for p in r.points[6:12]} == {("special_cause_improvement", "trend", "high")}
    r = run(values, improvement="decrease")
    assert {p.variation for p in r.points[6:12]} == {"special_cause_concern"}


def test_a_trend_of_five_is_not_flagged():
    values = [10, 14, 10, 14, 10, 14, 9, 10, 11, 12, 13, 10, 14, 10]
    # Sum = 72 + 55 + 34 = 161; mean 11.5. MRs 20 + 5 + 4 + 3 + 4 + 4 = 40 over 13 = 3.077; UPL 19.68;
    # close above 16.96 / below 6.04: none. 9..13 is five points: not a trend.
    r = run(values)
    assert r.segments[0].mean == pytest.approx(11.5, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(40 / 13, abs=1e-9)
    assert flagged(r) == []


def test_equal_values_in_a_row_end_a_trend():
    values = [10, 14, 10, 14, 10, 14, 9, 10, 11, 11, 12, 13, 14, 10]
    # 9,10,11,11,12,13,14: six different rising values, but 11 = 11 ends the trend: 3 points, then 4.
    # Sum = 72 + 80 + 10 = 162; mean 11.571; MRs 20 + 5 + 5 + 4 = 34 over 13 = 2.615; UPL 18.53;
    # close above 16.21 / below 6.93: none. Below the mean: 9,10,11,11 (4 points); above: 12,13,14 (3).
    r = run(values)
    assert flagged(r) == []


# ---------------------------------------------------------------- two of three close to a limit

NEAR = [10, 14, 10, 14, 10, 14, 10, 14, 15, 22, 22, 10, 14, 10]


def test_two_of_three_points_close_to_the_upper_limit():
    # Sum = 96 + 15 + 44 + 34 = 189; mean = 13.5.
    # MRs: seven of 4 = 28; |15−14| = 1; |22−15| = 7; 0; |10−22| = 12; 4; 4 → 56 over 13; MR̄ = 56/13 = 4.308.
    # UPL = 13.5 + 2.66 × 56/13 = 24.958 (22 is inside); close above 13.5 + (2/3)(2.66 × 56/13) = 21.139.
    # Window of points 9–11 (15, 22, 22): all above the mean, two close to the limit → points 10 and 11 flagged;
    # point 9 (15) is not close to the limit, so it is not flagged. Window 10–12 holds 10, below the mean.
    # Longest rise: 10,14,15,22 (points 7–10, 4 points); longest run above: points 8–11 (4).
    r = run(NEAR)
    seg = r.segments[0]
    assert seg.mean == pytest.approx(13.5, abs=1e-9)
    assert seg.mr_bar == pytest.approx(56 / 13, abs=1e-9)
    assert seg.upl == pytest.approx(13.5 + 2.66 * 56 / 13, abs=1e-9)
    assert flagged(r) == [10, 11]
    assert {(p.variation, p.rule) for p in r.points[9:11]} == {("special_cause_improvement", "two_of_three")}
    assert run(NEAR, improvement="decrease").points[9].variation == "special_cause_concern"
    assert flagged(run(NEAR, settings=spc.SpcSettings(two_of_three=False))) == []


def test_two_close_points_with_one_across_the_mean_between_them_are_not_flagged():
    values = [10, 14, 10, 14, 10, 14, 10, 14, 22, 10, 22, 10, 14, 10]
    # Sum = 96 + 22 + 10 + 22 + 34 = 184; mean = 13.143. MRs: 28 + 8 + 12 + 12 + 12 + 4 + 4 = 80 over 13 = 6.154.
    # UPL = 13.143 + 16.37 = 29.51; close above 13.143 + 10.91 = 24.06: 22 is not even close here,
    # and every window with both 22s holds the 10 between them, below the mean. Nothing is flagged.
    r = run(values)
    assert r.segments[0].mr_bar == pytest.approx(80 / 13, abs=1e-9)
    assert flagged(r) == []


# ---------------------------------------------------------------- conflicts


def test_when_one_point_is_both_improving_and_concerning_improvement_is_shown():
    values = [6, 18, 6, 18, 6, 18, 6, 21, 20, 19, 18, 17, 16, 15]
    # Sum = (4 × 6 + 3 × 18) + (21 + 20 + … + 15) = 78 + 126 = 204; mean = 204/14 = 14.571 (6 below, 18 above).
    # MRs: six of 12, |21 − 6| = 15, six of 1 → 93 over 13 = 7.154; UPL = 14.571 + 19.03 = 33.60;
    # close above 27.26 / below 1.89: none.
    # Points 8–14 (21 down to 15) are all above the mean: a run of 7 (high) and a falling trend of 7 (low).
    # Higher is better: the run is improving, the trend concerning → improvement (MDC's tool), rule "run".
    r = run(values)
    assert r.segments[0].mean == pytest.approx(204 / 14, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(93 / 13, abs=1e-9)
    assert flagged(r) == list(range(8, 15))
    assert {(p.variation, p.rule, p.rules) for p in r.points[7:]} == {("special_cause_improvement", "run", ("run", "trend"))}
    # Lower is better: now the trend is the improving signal.
    r = run(values, improvement="decrease")
    assert {(p.variation, p.rule, p.level) for p in r.points[7:]} == {("special_cause_improvement", "trend", "low")}
    assert r.variation_icon == "special_cause_improvement_low"


# ---------------------------------------------------------------- rebasing and baselines


def test_rebasing_gives_each_segment_its_own_mean_and_limits():
    values = [10, 14] * 6 + [30, 34] * 6
    labels = months(24)  # 2017-09 … 2019-08; the new service starts in September 2018
    # Segment 1 (2017-09 … 2018-08): mean (6×10 + 6×14)/12 = 12; eleven MRs of 4 → MR̄ 4; limits 12 ± 10.64.
    # Segment 2 (2018-09 … 2019-08): mean 32; MR̄ 4; limits 32 ± 10.64. The jump 14 → 30 is not a moving
    # range of either segment. Within each segment values alternate around its mean: all common cause.
    r = spc.analyse(values, labels, improvement="increase", rebase_at=["2018-09"])
    a, b = r.segments
    assert (a.start, a.end, b.start, b.end) == ("2017-09", "2018-08", "2018-09", "2019-08")
    assert (a.mean, a.mr_bar, a.lpl, a.upl) == pytest.approx((12, 4, 1.36, 22.64), abs=1e-9)
    assert (b.mean, b.mr_bar, b.lpl, b.upl) == pytest.approx((32, 4, 21.36, 42.64), abs=1e-9)
    assert [p.segment for p in r.points] == [0] * 12 + [1] * 12
    assert flagged(r) == []

    # Without rebasing: mean 22; MRs 22 × 4 + 16 = 104 over 23 → limits 22 ± 12.03. The first twelve are all
    # below 22 (a run of 12: concern when higher is better) and the last twelve all above (improvement).
    whole = spc.analyse(values, labels, improvement="increase")
    assert whole.segments[0].mean == pytest.approx(22, abs=1e-9)
    assert whole.segments[0].mr_bar == pytest.approx(104 / 23, abs=1e-9)
    assert variations(whole) == ["special_cause_concern"] * 12 + ["special_cause_improvement"] * 12


def test_a_baseline_fixes_the_limits_from_the_first_n_points():
    values = [10, 14] * 6 + [24, 20, 24, 20]
    # Baseline 12: mean 12, MR̄ 4 (eleven MRs of 4), limits 12 ± 10.64 = 1.36 … 22.64, close above 19.09,
    # kept for all 16 points. 24 > 22.64: beyond the limit. 20 > 19.09 and points 13–15, 14–16 are all above 12
    # with at least two close (24 counts as close too): two of three. Run above: points 12–16 = 5 < 7.
    r = run(values, baseline=12)
    (seg,) = r.segments
    assert (seg.mean, seg.mr_bar, seg.lpl, seg.upl) == pytest.approx((12, 4, 1.36, 22.64), abs=1e-9)
    assert (seg.n_for_limits, seg.n_values) == (12, 16)
    assert flagged(r) == [13, 14, 15, 16]
    assert [p.rule for p in r.points[12:]] == ["beyond_limits", "two_of_three", "beyond_limits", "two_of_three"]
    assert r.points[12].rules == ("beyond_limits", "two_of_three")

    # Limits from all 16 instead: mean (144 + 88)/16 = 14.5; MRs 44 + 10 + 4 + 4 + 4 = 66 over 15 = 4.4;
    # UPL = 14.5 + 11.704 = 26.2: the 24s are no longer beyond it (only two of three close, above 22.30).
    r = run(values)
    assert r.segments[0].mean == pytest.approx(14.5, abs=1e-9)
    assert r.segments[0].mr_bar == pytest.approx(4.4, abs=1e-9)
    assert [p.rule for p in r.points[12:]] == ["two_of_three", None, "two_of_three", None]


def test_baseline_applies_within_each_segment_and_short_ones_are_trial_limits():
    values = [10, 14] * 6 + [30, 34] * 6
    # Baseline 6 in each segment: segment 1 from 10,14,10,14,10,14 → mean 12, MR̄ 4; segment 2 from
    # 30,34,… → mean 32, MR̄ 4. Six values is below the minimum of 12, so both are trial limits.
    r = run(values, baseline=6, rebase_at=["2018-09"])
    assert [(s.mean, s.mr_bar, s.n_for_limits, s.trial_limits) for s in r.segments] == [(12, 4, 6, True), (32, 4, 6, True)]


# ---------------------------------------------------------------- screening (a published series, our arithmetic)

# The series NHSRplotthedots uses to show screening ("Deviations from Excel defaults" vignette).
DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_screening_drops_the_huge_moving_ranges():
    # 18 values: nine 1s, eight 2s and a 10 → sum 9 + 16 + 10 = 35; mean 35/18 = 1.944…
    # MRs (17): 1, 1, 1, |10−2| = 8, |1−10| = 9, then twelve of 1 → sum 32; MR̄ = 32/17 = 1.882.
    # Unscreened (the MDC Excel tool): limits 35/18 ± 2.66 × 32/17 = 1.944 ± 5.007.
    # Screened: 3.267 × 32/17 = 6.150, so 8 and 9 go; fifteen MRs of 1 remain → MR̄ = 1; limits 1.944 ± 2.66.
    plain = run(DEVIATIONS)
    screened = run(DEVIATIONS, settings=spc.SpcSettings(screen_moving_ranges=True))
    assert plain.segments[0].mean == screened.segments[0].mean == pytest.approx(35 / 18, abs=1e-9)
    assert plain.segments[0].mr_bar == pytest.approx(32 / 17, abs=1e-9)
    assert plain.segments[0].upl == pytest.approx(35 / 18 + 2.66 * 32 / 17, abs=1e-9)
    assert screened.segments[0].mr_bar == pytest.approx(1.0, abs=1e-9)
    assert (screened.segments[0].lpl, screened.segments[0].upl) == pytest.approx((35 / 18 - 2.66, 35 / 18 + 2.66), abs=1e-9)
    # 10 is beyond either upper limit (6.95 unscreened, 4.60 screened); the rest sit between 1 and 2.
    assert flagged(plain) == flagged(screened) == [5]


# ---------------------------------------------------------------- assurance


@pytest.mark.parametrize(
    "improvement, target, expected",
    [
        # FLAT's limits are 6.42 … 16.58.
        ("increase", 5, "consistently_pass"),  # even the lower limit is above the target
        ("increase", 20, "consistently_fail"),  # even the upper limit is below it
        ("increase", 12, "inconsistent"),  # the target lies between the limits
        ("decrease", 20, "consistently_pass"),
        ("decrease", 5, "consistently_fail"),
        ("decrease", 12, "inconsistent"),
        ("increase", None, None),
    ],
)
def test_assurance_against_the_target(improvement, target, expected):
    r = run(FLAT, improvement=improvement, target=target)
    assert r.assurance == expected
    assert r.assurance_text == spc.ASSURANCE_TEXT.get(expected)


def test_assurance_uses_the_target_at_the_latest_period_and_the_last_segment():
    r = run(FLAT, target=[None] * 11 + [5])
    assert (r.target, r.assurance) == (5, "consistently_pass")
    # Rebased: segment 2 (mean 32, limits 21.36 … 42.64) decides, whatever segment 1 did.
    r = run([10, 14] * 6 + [30, 34] * 6, target=25, rebase_at=["2018-09"])
    assert r.assurance == "inconsistent"
    r = run([10, 14] * 6 + [30, 34] * 6, target=20, rebase_at=["2018-09"])
    assert r.assurance == "consistently_pass"


# ---------------------------------------------------------------- missing values and bad input


def test_missing_values_keep_their_place_and_are_left_out_of_the_limits():
    values = [10, 14, 10, 14, 10, 14, None, 14, 10, 14, 10, 14, 10]
    # Twelve values: six 10s and six 14s → mean 12. MRs only between neighbouring periods with values:
    # five of 4 before the gap and five of 4 after it → MR̄ 4 (the 14 … 14 across the gap would add a 0
    # and give 40/11). Limits 12 ± 10.64.
    r = run(values)
    assert (r.segments[0].mean, r.segments[0].mr_bar) == pytest.approx((12, 4), abs=1e-9)
    gap = r.points[6]
    assert (gap.period, gap.value, gap.variation, gap.rule) == ("2018-03", None, None, None)
    assert len(r.points) == 13 and flagged(r) == []
    assert run([math.nan if v is None else v for v in values]).points[6].value is None


def test_the_latest_value_decides_the_icon_when_the_last_period_is_suppressed():
    r = run(SPIKE + [None])
    assert r.latest.period == "2018-08" and r.variation_icon == "special_cause_improvement_high"


def test_not_enough_points_says_how_many_there_are_and_how_many_are_needed():
    with pytest.raises(spc.NotEnoughPoints) as e:
        run([10, 14] * 5 + [10, None])
    assert str(e.value) == (
        "an SPC chart needs at least 12 values (Making Data Count's minimum); "
        "this series has 11 (1 more period is missing or suppressed)"
    )
    assert (e.value.have, e.value.needed) == (11, 12)


def test_numpy_and_pandas_inputs_are_accepted():
    import numpy as np
    import pandas as pd

    r = spc.analyse(
        pd.Series(FLAT, dtype="Float64"), pd.Index(months(12)), improvement="increase", target=np.int64(5), rebase_at="2017-09"
    )
    assert (r.segments[0].mean, r.assurance) == (11.5, "consistently_pass")
    values = pd.Series([10.0, 14.0] * 6 + [None], dtype="Float64")  # pd.NA for the missing month
    assert spc.analyse(values, months(13), improvement="increase").points[-1].value is None


def test_a_rebase_leaving_one_value_shows_it_without_limits_and_says_so():
    r = run(FLAT, rebase_at=["2018-08"])
    last = r.segments[-1]
    assert (last.start, last.has_limits, last.n_values, last.reason) == ("2018-08", False, 1, "rebased at 2018-08")
    assert r.points[-1].variation is None and r.variation_icon is None and r.assurance is None
    assert r.variation_text == "No SPC reading yet: too few figures since rebased at 2018-08"
    assert (
        'the segment starting at "2018-08" (rebased at 2018-08) has 1 value(s) and no two in a row: too few for process limits'
        in r.warnings
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rebase_at": ["2030-01"]}, 'rebase period "2030-01" is not one of the series'),
        ({"improvement": "up"}, "improvement is 'up'"),
        ({"baseline": 1}, "baseline: must be at least 2"),
        ({"target": [1, 2]}, "target has 2 values but the series has 12 periods"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(FLAT, **kwargs)


def test_mismatched_or_repeated_labels_are_refused():
    with pytest.raises(ValueError, match="12 values but 11 period labels"):
        spc.analyse(FLAT, months(11), improvement="increase")
    with pytest.raises(ValueError, match='period "2017-09" appears twice'):
        spc.analyse(FLAT, ["2017-09"] * 12, improvement="increase")


# ---------------------------------------------------------------- settings


def test_settings_defaults_are_making_data_counts():
    s = spc.SpcSettings()
    assert (s.run_length, s.trend_length, s.two_of_three, s.screen_moving_ranges, s.min_points) == (7, 6, True, False, 12)


def test_settings_from_yaml_mapping():
    assert spc.settings_from_mapping(None) == spc.SpcSettings()
    assert spc.settings_from_mapping({"trend_length": 7, "screen_moving_ranges": True}) == spc.SpcSettings(
        trend_length=7, screen_moving_ranges=True
    )
    with pytest.raises(spc.SpcSettingError) as e:
        spc.settings_from_mapping({"run_lenght": 7})
    assert e.value.field == "run_lenght" and "accepted: run_length, trend_length" in str(e.value)
    for bad, field in [
        ({"run_length": "7"}, "run_length"),
        ({"trend_length": 2}, "trend_length"),
        ({"two_of_three": "yes"}, "two_of_three"),
        ({"min_points": True}, "min_points"),
    ]:
        with pytest.raises(spc.SpcSettingError) as e:
            spc.settings_from_mapping(bad)
        assert e.value.field == field and str(e.value).startswith(f"{field}: ")


def test_options_from_mapping_feed_analyse():
    opts = spc.options_from_mapping({"rebase_at": "2018-09", "baseline": 6, "run_length": 8})
    assert opts == {"settings": spc.SpcSettings(run_length=8), "rebase_at": ("2018-09",), "baseline": 6, "max_gap": 1}
    r = spc.analyse([10, 14] * 6 + [30, 34] * 6, months(24), improvement="increase", **opts)
    assert [s.start for s in r.segments] == ["2017-09", "2018-09"]
    with pytest.raises(spc.SpcSettingError, match="baseline: must be a whole number"):
        spc.options_from_mapping({"baseline": "twelve"})
    with pytest.raises(spc.SpcSettingError, match="rebase_at"):
        spc.options_from_mapping({"rebase_at": {"a": 1}})


def test_every_setting_is_documented_in_the_module():
    for f in fields(spc.SpcSettings):
        assert f"    {f.name} (" in spc.__doc__, f.name


def test_improvement_follows_the_indicator_polarity():
    assert [spc.improvement_for(p) for p in ("higher_is_better", "lower_is_better", "neutral")] == ["increase", "decrease", None]


# ---------------------------------------------------------------- JSON, icons, chart


def test_json_structure():
    data = json.loads(run(SPIKE, target=20).to_json())
    assert set(data) == {
        "improvement",
        "settings",
        "rebase_at",
        "baseline",
        "max_gap",
        "warnings",
        "segments",
        "points",
        "variation",
        "variation_icon",
        "shifts",
        "suggested_rebase_at",
        "variation_if_rebased",
        "target",
        "assurance",
    }
    assert set(data["segments"][0]) == {
        "start",
        "end",
        "reason",
        "mean",
        "lower_process_limit",
        "upper_process_limit",
        "moving_range_mean",
        "points_for_limits",
        "trial_limits",
    }
    assert set(data["points"][0]) == {"period", "value", "segment", "variation", "rule", "rules", "conflict"}
    assert data["points"][-1] == {
        "period": "2018-08",
        "value": 34.0,
        "segment": 0,
        "variation": "special_cause_improvement",
        "rule": "beyond_limits",
        "rules": ["beyond_limits"],
        "conflict": False,
    }
    assert data["settings"] == {
        "run_length": 7,
        "trend_length": 6,
        "two_of_three": True,
        "screen_moving_ranges": False,
        "min_points": 12,
    }
    assert (data["variation"], data["assurance"]) == ("special_cause_improvement", "inconsistent")


def test_icon_colours_carry_white_text_at_aa_contrast():
    for colour in {*spc.COLOURS.values(), *spc.ASSURANCE_COLOURS.values()}:
        assert spc.contrast_ratio("#ffffff", colour) >= 4.5, colour
    assert spc.contrast_ratio("#ffffff", "#ed8b00") < 4.5  # why NHS orange itself is not used


def test_icons_are_labelled_svg():
    for key, text in spc.VARIATION_TEXT.items():
        svg = spc.variation_icon_svg(key)
        assert svg.startswith("<svg") and f'aria-label="{text}"' in svg and f"<title>{text}</title>" in svg
    assert ">H</text>" in spc.variation_icon_svg("special_cause_improvement_high")
    assert ">L</text>" in spc.variation_icon_svg("special_cause_concern_low")
    for kind, letter in [("consistently_pass", "P"), ("consistently_fail", "F"), ("inconsistent", "?")]:
        svg = spc.assurance_icon_svg(kind)
        assert f">{letter}</text>" in svg and spc.ASSURANCE_TEXT[kind] in svg
    with pytest.raises(ValueError, match="unknown variation icon"):
        spc.variation_icon_svg("special_cause_improvement")


def test_chart_draws_each_segment_and_marks_variation_by_shape_as_well_as_colour():
    values = [10, 14] * 6 + [30, 34] * 6
    r = run(values, target=25)  # not rebased: concern (first 12) and improvement (last 12)
    fig = charts.spc_chart(r, "ASD assessments", "weeks")
    names = [t.name for t in fig.data]
    assert names.count("Mean") == 1 and "Process limits" in names and "Target" in names
    marks = {t.name: t.marker for t in fig.data if t.mode == "markers"}
    assert marks["Special cause: improvement"].symbol != marks["Special cause: concern"].symbol
    assert marks["Special cause: improvement"].color != marks["Special cause: concern"].color

    rebased = charts.spc_chart(run(values, rebase_at=["2018-09"]), "ASD", "weeks", font_size=18)
    means = [t for t in rebased.data if t.name == "Mean"]
    assert [list(t.x) for t in means] == [["2017-09", "2018-08"], ["2018-09", "2019-08"]]
    assert [t.showlegend for t in means] == [True, False]
    assert rebased.layout.font.size == 18


# ---------------------------------------------------------------- the command line


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m indicators spc")
    cli.spc_arguments(parser)
    return parser.parse_args(argv)


def test_cli_prints_the_json(capsys):
    code = cli.run_spc(parse([str(FIXTURES / "beyond_limit.csv"), "--improvement", "decrease", "--target", "20"]))
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    data = json.loads(out.out)
    mean, mr, upl, lpl = spike_limits()  # the file holds SPIKE
    seg = data["segments"][0]
    assert (seg["mean"], seg["lower_process_limit"], seg["upper_process_limit"]) == pytest.approx((mean, lpl, upl), abs=1e-9)
    assert [p["period"] for p in data["points"]] == months(12)
    assert data["points"][-1]["variation"] == "special_cause_concern" and data["points"][-1]["rule"] == "beyond_limits"
    assert data["assurance"] == "inconsistent"  # 20 lies between −1.81 and 29.14


def test_cli_options_reach_the_analysis(capsys):
    args = parse(
        [
            str(FIXTURES / "with_suppressed.csv"),
            "--improvement",
            "increase",
            "--screen",
            "--run-length",
            "8",
            "--trend-length",
            "7",
            "--baseline",
            "12",
            "--rebase-at",
            "2018-03",
        ]
    )
    assert cli.run_spc(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["screen_moving_ranges"] is True
    assert (data["settings"]["run_length"], data["settings"]["trend_length"], data["baseline"]) == (8, 7, 12)
    assert [s["start"] for s in data["segments"]] == ["2017-09", "2018-03"]
    assert [s["trial_limits"] for s in data["segments"]] == [True, True]  # 5 and 7 values, under 12
    # "c" in 2017-11 is a suppressed figure: kept in place as null.
    assert data["points"][2] == {
        "period": "2017-11",
        "value": None,
        "segment": 0,
        "variation": None,
        "rule": None,
        "rules": [],
        "conflict": False,
    }


def test_cli_without_screening_and_without_a_target(capsys):
    assert cli.run_spc(parse([str(FIXTURES / "with_suppressed.csv"), "--improvement", "increase", "--no-screen"])) == 0
    data = json.loads(capsys.readouterr().out)
    # 12 values, six 10s and six 14s → mean 12; ten MRs of 4 (none across the suppressed month) → limits 12 ± 10.64.
    assert (data["segments"][0]["mean"], data["segments"][0]["upper_process_limit"]) == pytest.approx((12, 22.64), abs=1e-9)
    assert data["assurance"] is None and data["target"] is None


def test_cli_bad_csv_lists_every_problem_with_its_row(capsys):
    assert cli.run_spc(parse([str(FIXTURES / "bad_value.csv"), "--improvement", "increase"])) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.splitlines() == [
        'row 5, column value: "fourteen" is not a number; write a number such as 62.5 (91% and 1,234 are read too), '
        "or leave it empty or write a suppression marker (c, x, z, low, u or ..)",
        "row 8, column period: the period is empty; every row needs a period label",
    ]


def test_cli_problems_go_to_stderr(capsys, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("period,value\n2024-01,5\n2024-02,6\n")
    assert cli.run_spc(parse([str(short), "--improvement", "increase"])) == 1
    assert "needs at least 12 values" in capsys.readouterr().err

    no_header = tmp_path / "no_header.csv"
    no_header.write_text("month,rate\n2024-01,5\n")
    assert cli.run_spc(parse([str(no_header), "--improvement", "increase"])) == 1
    assert (
        "row 1: the header must name the columns period and value (missing: period, value; found: month, rate)"
        in capsys.readouterr().err
    )

    assert cli.run_spc(parse([str(tmp_path / "nope.csv"), "--improvement", "increase"])) == 1
    assert "cannot be read" in capsys.readouterr().err

    assert cli.run_spc(parse([str(FIXTURES / "beyond_limit.csv"), "--improvement", "increase", "--run-length", "1"])) == 1
    assert capsys.readouterr().err.strip() == "--run-length: must be at least 2, got 1"

    assert cli.run_spc(parse([str(FIXTURES / "beyond_limit.csv"), "--improvement", "increase", "--rebase-at", "2030-01"])) == 1
    assert 'rebase period "2030-01"' in capsys.readouterr().err


def test_cli_requires_an_improvement_direction():
    with pytest.raises(SystemExit):
        parse([str(FIXTURES / "beyond_limit.csv")])


# ---------------------------------------------------------------- gaps, breaks, conflicts (issue 14)


def quarters(n: int, first_year: int = 2016) -> list[str]:
    return [f"{first_year + q // 4}-{str(first_year + q // 4 + 1)[2:]} Q{q % 4 + 1}" for q in range(n)]


def test_a_gap_of_one_period_stays_in_the_segment_without_a_moving_range_across_it():
    # 12 values, then one quarter with no figure, then 3 more: one segment; the missing quarter takes no moving range.
    values = [10.0, 14.0] * 6 + [None] + [12.0, 12.0, 12.0]
    r = spc.analyse(values, quarters(16), improvement="increase")
    assert len(r.segments) == 1 and r.segments[0].n_values == 15
    # Moving ranges: eleven of 4 in the first twelve values, two of 0 after the gap, none across it: 44 / 13.
    assert r.segments[0].mr_bar == pytest.approx(44 / 13)


def test_a_gap_of_26_periods_starts_a_new_segment_and_says_so():
    values = [10.0, 14.0] * 8 + [None] * 26 + [40.0]
    labels = quarters(43)
    r = spc.analyse(values, labels, improvement="increase")
    assert [s.start for s in r.segments] == [labels[0], labels[42]]
    assert r.segments[1].reason == f"a gap of 26 periods with no figure ({labels[16]} to {labels[41]})"
    # The new point is not judged against limits set six years earlier: no reading until the new segment has two values.
    assert r.points[-1].variation is None and r.variation_icon is None
    assert r.variation_text.startswith("No SPC reading yet: too few figures since a gap of 26 periods")
    # The old limits stop where the old figures stop.
    assert r.segments[0].end == labels[41] and r.segments[0].n_values == 16


def test_max_gap_sets_how_long_a_gap_may_be_before_a_new_segment():
    values = [10.0, 14.0] * 6 + [None, None] + [12.0, 11.0, 13.0]
    assert len(spc.analyse(values, quarters(17), improvement="increase").segments) == 2
    assert len(spc.analyse(values, quarters(17), improvement="increase", max_gap=2).segments) == 1


def test_a_break_starts_a_new_segment_with_its_reason():
    values = [50.0, 52.0, 49.0, 51.0, 50.0, 48.0, 52.0, 30.0, 28.0, 31.0]
    labels = [str(y) for y in range(2014, 2024)]
    r = spc.analyse(
        values,
        labels,
        improvement="increase",
        breaks=[("2021", "SEN2 person-level collection from 2023")],
        settings=spc.SpcSettings(min_points=8),
    )
    assert [(s.start, s.reason) for s in r.segments] == [
        ("2014", "start"),
        ("2021", "a break in the series at 2021: SEN2 person-level collection from 2023"),
    ]
    assert r.segments[1].mean == pytest.approx(29.666666, rel=1e-5)
    assert not any(p.variation and p.variation != spc.COMMON_CAUSE for p in r.points[7:])  # the drop is the break, not a signal


def test_a_point_with_improving_and_concerning_signals_is_improvement_and_flagged():
    # Lower is better. A steady fall (a trend of improvement) whose last point is still above the upper limit of the
    # low, flat first part would be concern by itself; with a falling trend at the same point the MDC tool shows improvement.
    values = [20.0, 21.0, 20.0, 21.0, 20.0, 21.0, 20.0, 21.0, 40.0, 38.0, 36.0, 34.0, 32.0, 30.0]
    r = spc.analyse(values, months(14), improvement="decrease", settings=spc.SpcSettings(min_points=12))
    conflicted = [p for p in r.points if p.conflict]
    assert conflicted and all(p.variation == spc.IMPROVEMENT for p in conflicted)
    assert all({spc.TREND} <= set(p.rules) for p in conflicted)


def test_cli_min_points_analyses_a_short_series_with_a_warning(tmp_path, capsys):
    f = tmp_path / "short.csv"
    f.write_text("period,value\n" + "".join(f"2024-{m:02d},{10 + m % 3}\n" for m in range(1, 9)))
    assert cli.run_spc(parse([str(f), "--improvement", "increase"])) == 1
    assert "needs at least 12 values" in capsys.readouterr().err
    assert cli.run_spc(parse([str(f), "--improvement", "increase", "--min-points", "6"])) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["warnings"] == [
        "only 8 values: Making Data Count advises at least 12 before process limits are relied on "
        "(NHSRplotthedots warns the same)"
    ]
    assert "warning: only 8 values" in out.err


# ---------------------------------------------------------------- sustained shifts (issue 23)


def test_a_sustained_shift_is_found_with_the_rebase_point_and_the_reading_once_rebased():
    """Twelve figures near 80, then thirteen near 20 and two near 50: one set of limits spans both processes,
    so the latest points read "common cause"; the shift is found where the low run starts, and rebased there the
    latest point shows the recovery."""
    values = [80, 82, 79, 81, 83, 80, 78, 82, 81, 79, 80, 82] + [20, 18, 22, 19, 21, 20, 18, 22, 21, 19, 21, 20, 19, 50, 52]
    labels = [f"p{i:02d}" for i in range(len(values))]
    r = spc.analyse(values, labels, improvement=spc.INCREASE)
    assert r.variation == spc.COMMON_CAUSE  # 52 sits between the two processes' levels: the bare icon misleads
    assert [(x.start, x.end, x.length, x.side) for x in r.shifts] == [("p12", "p24", 13, "below")]
    assert r.suggested_rebase == ("p12",) and r.if_rebased == "special_cause_improvement_high"
    assert r.shift_text == (
        "Shift found: a sustained shift: 13 points in a row below the mean (49.2) from p12 to p24, so one set of limits "
        "spans two processes. Suggested rebase at p12 (Making Data Count: recalculate the limits from a sustained shift); "
        "rebased there, the latest point shows special cause variation: improving, higher values"
    )
    assert r.as_dict()["suggested_rebase_at"] == ["p12"]
    # Once the rebase is confirmed the segments split there and no shift is left to offer.
    again = spc.analyse(values, labels, improvement=spc.INCREASE, rebase_at=["p12"])
    assert [s.start for s in again.segments] == ["p00", "p12"] and again.shifts == () and again.shift_text == ""
    assert again.variation_icon == "special_cause_improvement_high"


def test_a_run_from_the_start_of_a_segment_or_too_short_for_limits_is_not_a_shift():
    # High for the first 14, then low for 8: the first run is the starting level; the second (8 < 12) is flagged as
    # special cause by the run rule, but too short to set limits of its own, so no rebase is offered.
    values = [80, 82, 79, 81, 83, 80, 78, 82, 81, 79, 80, 82, 81, 80] + [60, 58, 62, 59, 61, 60, 58, 62]
    r = spc.analyse(values, [f"p{i:02d}" for i in range(len(values))], improvement=spc.INCREASE)
    assert r.shifts == () and r.if_rebased is None
    assert r.points[-1].variation == spc.CONCERN
