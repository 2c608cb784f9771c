"""RAG status, targets and trajectories, and direction of travel, for both polarities."""

import math

import pytest

from indicators import periods, rag
from indicators.config import Indicator


def make(**kw) -> Indicator:
    base = dict(
        id="x",
        name="X",
        definition="d",
        unit="percent",
        polarity="higher_is_better",
        period_type="fy_quarter",
        owner="o",
        source="s",
        decimals=1,
    )
    base.update(kw)
    return Indicator.model_validate(base)


Q = periods.parse("2024-25 Q1", "fy_quarter")


@pytest.mark.parametrize(
    "value, expected", [(95, "green"), (90, "green"), (89.99, "amber"), (60, "amber"), (59.9, "red"), (0, "red")]
)
def test_higher_is_better_absolute_with_boundaries(value, expected):
    ind = make(rag={"basis": "absolute", "green": 90, "amber": 60})
    assert rag.status(ind, Q, value) == expected


@pytest.mark.parametrize("value, expected", [(5, "green"), (10.1, "green"), (10.2, "amber"), (13.2, "amber"), (13.21, "red")])
def test_lower_is_better_absolute_with_boundaries(value, expected):
    ind = make(polarity="lower_is_better", rag={"basis": "absolute", "green": 10.1, "amber": 13.2})
    assert rag.status(ind, Q, value) == expected


@pytest.mark.parametrize("value, expected", [(90, "green"), (89, "amber"), (85, "amber"), (84.9, "red")])
def test_relative_to_a_fixed_target(value, expected):
    ind = make(target=90, rag={"basis": "target", "green": 0, "amber": 5})
    assert rag.status(ind, Q, value) == expected


def test_no_thresholds_is_no_target_and_missing_is_no_data():
    ind = make()
    assert rag.status(ind, Q, 50) == "no_target"
    assert rag.status(make(rag={"green": 90, "amber": 60}), Q, None) == "no_data"
    assert rag.status(make(rag={"green": 90, "amber": 60}), Q, math.nan) == "no_data"


def traj():
    return make(
        unit="weeks",
        polarity="lower_is_better",
        period_type="month",
        target={"trajectory": [{"period": "2018-12", "value": 45}, {"period": "2019-07", "value": 12}]},
        rag={"basis": "target", "green": 0, "amber": 4},
    )


def m(label):
    return periods.parse(label, "month")


def test_trajectory_interpolates_holds_and_starts():
    ind = traj()
    assert rag.target_for(ind, m("2018-11")) is None
    assert rag.target_for(ind, m("2018-12")) == 45
    assert rag.target_for(ind, m("2019-07")) == 12
    assert rag.target_for(ind, m("2020-03")) == 12
    # 2019-04-01 is 121 of the 212 days from 2018-12-01 to 2019-07-01
    assert rag.target_for(ind, m("2019-04")) == pytest.approx(45 - 33 * 121 / 212)


def test_trajectory_rag_boundaries():
    ind = traj()
    assert rag.status(ind, m("2019-07"), 12) == "green"
    assert rag.status(ind, m("2019-07"), 16) == "amber"
    assert rag.status(ind, m("2019-07"), 16.5) == "red"
    assert rag.status(ind, m("2018-11"), 80) == "no_target"


@pytest.mark.parametrize(
    "polarity, now, before, expected",
    [
        ("higher_is_better", 91, 85, "improving"),
        ("higher_is_better", 80, 85, "worsening"),
        ("lower_is_better", 16.1, 20.2, "improving"),
        ("lower_is_better", 22, 20.2, "worsening"),
        ("neutral", 974, 676, "up"),
        ("neutral", 500, 676, "down"),
        ("higher_is_better", 85.02, 85.0, "no_change"),
        ("higher_is_better", 85, None, "not_comparable"),
    ],
)
def test_direction_respects_polarity(polarity, now, before, expected):
    assert rag.direction(make(polarity=polarity), now, before) == expected


def test_every_badge_has_a_word_and_a_distinct_symbol():
    symbols = {b.symbol for b in rag.BADGES.values()}
    assert len(symbols) == len(rag.BADGES)
    assert all(b.word and b.symbol in b.text for b in rag.BADGES.values())


def _luminance(hex_colour):
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("status", list(rag.BADGES))
def test_badge_text_contrast_meets_wcag_aa(status):
    b = rag.BADGES[status]
    l1, l2 = sorted([_luminance(b.colour), _luminance(b.text_colour)], reverse=True)
    assert (l1 + 0.05) / (l2 + 0.05) >= 4.5


def test_rule_and_value_text():
    ind = make(rag={"green": 90, "amber": 60})
    assert rag.rule_text(ind) == "Green at 90% or above; amber from 60% up to green; red below 60%."
    assert rag.rule_text(traj()) == "Green when the target is met; amber up to 4 weeks above the target; red further above it."
    assert rag.format_value(ind, 91) == "91.0%"
    assert rag.format_value(make(unit="count", decimals=0), 1234) == "1,234"
    assert rag.format_value(ind, None, "c") == "suppressed (c)"
