"""The indicators file: the shipped one is valid, and every kind of mistake is named by indicator id and field."""

from __future__ import annotations

import copy

import pytest
import yaml

from indicators import config
from tests.conftest import ROOT

SHIPPED = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text())
REQUIRED_IDS = {
    "ehcp_20wk",
    "salt_seen_6wk",
    "salt_treated_12wk",
    "asd_waiting_list",
    "asd_avg_wait_weeks",
    "send_neet",
    "ehc_requests",
}


def problems_for(mutate) -> list[str]:
    raw = copy.deepcopy(SHIPPED)
    mutate(raw)
    with pytest.raises(config.ConfigError) as info:
        config.parse_text(yaml.safe_dump(raw, sort_keys=False), "test.yaml")
    return info.value.problems


def ind(raw, indicator_id):
    return next(i for i in raw["indicators"] if i["id"] == indicator_id)


def test_shipped_config_is_valid_and_has_the_fixed_ids(cfg):
    ids = {i.id for i in cfg.indicators}
    assert REQUIRED_IDS <= ids
    expected = {
        "ehcp_20wk": ("percent", "fy_quarter"),
        "salt_seen_6wk": ("percent", "month"),
        "salt_treated_12wk": ("percent", "month"),
        "asd_waiting_list": ("count", "month"),
        "asd_avg_wait_weeks": ("weeks", "month"),
        "send_neet": ("percent", "fy_quarter"),
        "ehc_requests": ("count", "fy_quarter"),
    }
    for i, (unit, ptype) in expected.items():
        assert (cfg.by_id[i].unit, cfg.by_id[i].period_type) == (unit, ptype)
    assert {a.code for a in cfg.areas} >= {"E06000047", "E06000003", "E92000001", "E12000001"}


def test_asd_wait_target_is_a_trajectory_reaching_12_weeks_by_july_2019(cfg):
    points = cfg.by_id["asd_avg_wait_weeks"].trajectory_periods()
    assert points[-1][0].label == "2019-07" and points[-1][1] == 12


def test_unknown_key_is_named_with_indicator_and_field():
    def m(raw):
        ind(raw, "send_neet")["colour"] = "blue"

    assert problems_for(m) == [
        'indicator "send_neet", field colour: is not a known field (check the spelling; see the About the indicators page for the fields)'
    ]


def test_missing_field_is_named():
    def m(raw):
        del ind(raw, "ehc_requests")["unit"]

    assert problems_for(m) == ['indicator "ehc_requests", field unit: is required but missing']


def test_bad_choice_lists_what_is_accepted():
    def m(raw):
        ind(raw, "ehcp_20wk")["period_type"] = "quarter"

    (p,) = problems_for(m)
    assert p.startswith("indicator \"ehcp_20wk\", field period_type: is 'quarter'; accepted:")
    assert "'fy_quarter'" in p


def test_amber_above_green_when_higher_is_better():
    def m(raw):
        ind(raw, "ehcp_20wk")["rag"] = {"basis": "absolute", "green": 90, "amber": 95}

    assert problems_for(m) == [
        'indicator "ehcp_20wk", field rag.amber: amber threshold 95 is above green 90; when higher is better amber must be at or below green'
    ]


def test_amber_below_green_when_lower_is_better():
    def m(raw):
        ind(raw, "send_neet")["rag"] = {"basis": "absolute", "green": 10, "amber": 8}

    assert problems_for(m) == [
        'indicator "send_neet", field rag.amber: amber threshold 8 is below green 10; when lower is better amber must be at or above green'
    ]


def test_rag_relative_to_target_needs_a_target():
    def m(raw):
        ind(raw, "salt_seen_6wk")["rag"] = {"basis": "target", "green": 0, "amber": 5}

    (p,) = problems_for(m)
    assert p.startswith('indicator "salt_seen_6wk", field rag.basis: is "target" but the indicator has no target')


def test_neutral_indicator_cannot_have_rag():
    def m(raw):
        ind(raw, "ehc_requests")["rag"] = {"green": 1, "amber": 2}

    (p,) = problems_for(m)
    assert p.startswith('indicator "ehc_requests", field rag: a neutral indicator')


def test_trajectory_period_of_the_wrong_type():
    def m(raw):
        ind(raw, "asd_avg_wait_weeks")["target"]["trajectory"][1]["period"] = "2019-20 Q2"

    (p,) = problems_for(m)
    assert p.startswith(
        'indicator "asd_avg_wait_weeks", field target.trajectory[1].period: "2019-20 Q2" is a financial-year quarter'
    )


def test_duplicate_id():
    def m(raw):
        raw["indicators"].append(copy.deepcopy(ind(raw, "ehcp_20wk")))

    (p,) = problems_for(m)
    assert p.startswith('indicator "ehcp_20wk", field id: duplicate id')


def test_every_problem_is_reported_at_once():
    def m(raw):
        del ind(raw, "ehc_requests")["unit"]
        ind(raw, "send_neet")["colour"] = "blue"

    assert len(problems_for(m)) == 2


def test_bad_yaml_gives_line_and_column():
    with pytest.raises(config.ConfigError) as info:
        config.parse_text("default_area: E06000047\nindicators:\n  - id: x\n   name: [unclosed\n", "bad.yaml")
    (p,) = info.value.problems
    assert p.startswith("the file is not valid YAML: line ")


def test_yaml_aliases_are_refused_so_anchors_cannot_explode():
    text = "a: &x [1, 2]\nb: [*x, *x]\n"
    with pytest.raises(config.ConfigError) as info:
        config.parse_text(text, "bomb.yaml")
    assert "aliases (*name) are not allowed" in info.value.problems[0]


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(config.ConfigError) as info:
        config.load(tmp_path / "nope.yaml")
    assert "does not exist" in info.value.problems[0]


def test_error_text_lists_every_problem():
    err = config.ConfigError("x.yaml", ["one", "two"])
    assert str(err) == "The indicators file x.yaml has 2 problem(s):\n  - one\n  - two"


def test_spc_settings_are_validated_with_the_field_named():
    def m(raw):
        ind(raw, "send_neet")["spc"] = {"run_lenght": 7}

    (p,) = problems_for(m)
    assert p.startswith('indicator "send_neet", field spc.run_lenght: is not a known SPC setting')

    def m2(raw):
        ind(raw, "send_neet")["spc"] = {"rebase_at": ["2018-09"]}

    (p,) = problems_for(m2)
    assert p.startswith('indicator "send_neet", field spc.rebase_at[0]: "2018-09" is a month')


def test_asd_wait_is_rebased_where_the_new_service_started_only(cfg):
    ind = cfg.by_id["asd_avg_wait_weeks"]
    assert ind.spc_options("E06000047")["rebase_at"] == ["2018-09"]  # County Durham's new service, September 2018
    assert ind.spc_options("E06000003")["rebase_at"] == []  # Redcar and Cleveland's process did not change then


def test_sen2_series_carry_the_2022_break_for_every_area(cfg):
    # The 2023 collection became person-level and reports calendar 2022: the break falls between 2021 and 2022.
    for ind_id in ("dfe_ehcp_20wk", "dfe_ehcp_20wk_inc", "dfe_ehc_requests", "dfe_ehc_plans_issued"):
        assert cfg.by_id[ind_id].spc_options("E06000003")["breaks"] == [
            (
                "2022",
                "SEN2 became a person-level collection in 2023, and the 2023 collection reports calendar 2022: "
                "2022 on is counted from individual records, earlier years from council totals",
            )
        ]


@pytest.mark.parametrize(
    "change, message",
    [
        ("  - id: ehc_requests\n", 'indicator "ehc_requests", field rag.basis: is "target" on a neutral indicator'),
        ("  - id: ehcp_20wk\n", "field breaks[0].period"),
        (
            "  - id: send_neet\n",
            'indicator "send_neet", field official: "dfe_neet_ehcpp" is not an indicator id; did you mean "dfe_neet_ehcp"?',
        ),
    ],
)
def test_new_fields_are_checked(tmp_path, change, message):
    text = (ROOT / "config" / "indicators.yaml").read_text()
    extra = {
        "  - id: ehc_requests\n": "    target: 100\n    rag: {basis: target, green: 0, amber: 5}\n",
        "  - id: ehcp_20wk\n": "    breaks: [{period: '2024-06', reason: x}]\n",
        "  - id: send_neet\n": "    official: dfe_neet_ehcpp\n",
    }[change]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(change, change + extra, 1))
    with pytest.raises(config.ConfigError) as e:
        config.load(bad)
    assert any(message in p for p in e.value.problems), e.value.problems


def test_rule_text_for_a_percentage_is_in_percentage_points(cfg):
    from indicators import rag

    assert rag.rule_text(cfg.by_id["salt_treated_12wk"]) == (
        "Green when the target is met; amber up to 5 percentage points below the target; red further below it."
    )
    assert rag.rule_text(cfg.by_id["ehcp_20wk"]).endswith("These thresholds are illustrative.")


def test_asd_waiting_over_13wk_is_defined_as_the_standards_define_it(cfg):
    i = cfg.by_id["asd_waiting_over_13wk"]
    assert (i.unit, i.polarity, i.period_type, i.decimals) == ("percent", "lower_is_better", "month", 1)
    # Per child, from referral, over 13 weeks: NICE QS51 statement 1 (3 months) as NHS England's statistics count it.
    for words in (
        "more than 13 weeks since referral",
        "numerator",
        "denominator",
        "asd_waiting_list",
        "QS51",
        "statement 1",
        "3 months",
        "NHS England",
    ):
        assert words in i.definition, words
    assert i.target.value == 0 and "QS51" in i.target.note and "13 weeks" in i.target.note
    assert (i.rag.basis, i.rag.green, i.rag.amber) == ("absolute", 10, 25) and "illustrative" in i.notes
    asd = cfg.by_id["asd_waiting_list"]
    assert (i.strategy_area, i.inspection_area, i.owner, i.source) == (
        asd.strategy_area,
        asd.inspection_area,
        asd.owner,
        asd.source,
    )
    ids = [x.id for x in cfg.indicators]
    assert ids.index("asd_waiting_over_13wk") == ids.index("asd_avg_wait_weeks") + 1  # with the other ASD measures


def test_send_neet_has_thresholds_of_its_own_and_says_how_it_differs_from_the_dfe_measure(cfg):
    neet, dfe = cfg.by_id["send_neet"], cfg.by_id["dfe_neet_ehcp"]
    # Not England's (10.1%) and the North East's (13.2%) 16–17 EHC plan rates: another population and measure.
    assert (neet.rag.basis, neet.rag.green, neet.rag.amber) == ("absolute", 12, 16.1)
    assert "Illustrative thresholds" in neet.notes and "16.1%" in neet.notes
    for words in (
        "dfe_neet_ehcp",
        "16 to 24",
        "16 to 17",
        "EHC plan",
        "everyone with SEND",
        "not known",
        "December to February",
        "end of each quarter",
    ):
        assert words in neet.definition, words
    assert "16 and 17 year olds with an EHC plan" in dfe.definition and "December to February" in dfe.definition
