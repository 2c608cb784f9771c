"""The improvement plan's pages run headless (AppTest) on the sample database: the plan worst first, an action with its
updates and milestone charts, and the indicator page listing the actions that aim to move it."""

from streamlit.testing.v1 import AppTest

from pages.common import unplain
from tests.conftest import ROOT


def page(path, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def html(at) -> str:
    return "\n".join(h.proto.body for h in at.html)


def test_the_plan_page_lists_areas_for_improvement_worst_first_with_status_words(db_path):
    at = page("pages/plan_page.py")
    assert not at.exception
    assert at.title[0].value == "Improvement plan — County Durham"
    assert [unplain(h.value) for h in at.header][:4] == [
        "AFI2: Delays in accessing CAMHS and neurodevelopmental pathways",
        "AFI1: EHC plan quality and assessment timeliness",
        "AFI3: Easily identifiable needs-led services",
        "AFI4: Monitoring and impact of strategic plans",
    ]
    body = html(at)
    assert "⊘ Off track" in body and "⚑ At risk" in body and "Missed milestone" in body and "✖ Red" in body
    assert "Needs attention: 1 action(s) off track, 2 milestone(s) missed, 1 action(s) overdue" in body
    assert any("illustrative sample data" in w.value for w in at.warning)
    # an administrator (local mode) sees the forms that change the plan
    assert "Change the plan" in [h.value for h in at.header]


def test_the_action_page_shows_updates_evidence_and_milestone_charts(db_path):
    at = page("pages/action_page.py", action="2.1", area="E06000047")
    assert not at.exception
    assert (
        unplain(at.title[0].value)
        == "Action 2.1: Extra autism assessment capacity and one neurodevelopmental pathway for all ages"
    )
    body = html(at)
    assert "Evidence:</strong> ICB board paper 12 June 2026" in body
    assert "45 weeks by March 2026" in body and "Missed milestone" in body
    charts = [c for c in at.get("plotly_chart")]
    assert charts, "no chart on the action page"
    spec = charts[0].proto.spec
    assert "Milestone (improvement plan)" in spec


def test_the_indicator_page_lists_the_actions_that_aim_to_move_it_and_draws_the_milestones(db_path):
    at = page("pages/indicator_page.py", indicator="ehcp_20wk", area="E06000047")
    assert not at.exception
    assert "Actions that aim to move this indicator" in [h.value for h in at.header]
    body = html(at)
    assert "data-action='1.1'" in body and "data-action='1.2'" in body and "75.0% by March 2027" in body
    spec = next(c.proto.spec for c in at.get("plotly_chart"))
    assert "Milestone (improvement plan)" in spec and "Milestone, action 1.1" in spec
