"""The improvement plan in a real browser with real sign-in (oidc-provider-mock, st.login, a roles file): an
administrator creates an area for improvement and an action linked to ehcp_20wk with a milestone; the action's owner,
signed in as an uploader, posts an update; a viewer cannot; the Indicator page lists the action and draws the
milestone; the Improvement plan page orders the areas for improvement by need. Screenshots of each page go to
test-artifacts/screenshots/."""

from __future__ import annotations

from tests.browser.test_browser_signin import open_by_url, person, signin  # noqa: F401 (fixtures)
from tests.conftest import snapshot

OWNER = "salt.lead@example.org"  # an uploader in the test's roles file (of other indicators: owning the action is enough)
AFI_TITLE = "Browser test: EHC plans on time"
ACTION_TITLE = "Weekly panel for every assessment past 16 weeks"


def shot(ui, name: str) -> None:
    """The screen and the whole page at 1366×768, in test-artifacts/screenshots/."""
    ui.screenshots(name, 1366, 768)


def expander(page, label: str):
    box = page.get_by_test_id("stExpander").filter(has_text=label)
    box.locator("summary").click()
    return box


def choose(ui, scope, label: str, option: str) -> None:
    box = scope.get_by_test_id("stSelectbox").filter(has=ui.page.get_by_text(label, exact=True))
    box.evaluate("e => e.scrollIntoView({block: 'start'})")  # room below it for the list
    box.click()
    ui.page.keyboard.type(option[:10])  # as a person narrows a long list; the list is redrawn as they type
    wanted = ui.page.get_by_role("option", name=option, exact=True)
    try:
        wanted.wait_for(timeout=10_000)
    except Exception:  # the list closed while the page settled: open it again from the keyboard
        ui.page.keyboard.press("ArrowDown")
        wanted.wait_for(timeout=20_000)
    ui.page.keyboard.press("Enter")
    assert box.locator("input").first.input_value() == option


def saved(ui, text: str) -> str:
    ok = ui.page.get_by_test_id("stAlertContentSuccess").filter(has_text=text)
    ok.wait_for(timeout=60_000)
    ui.idle()
    return ok.inner_text()


def test_the_plan_from_the_administrators_form_to_the_owners_update(person, signin):  # noqa: F811
    # An administrator adds an area for improvement and an action linked to ehcp_20wk with a milestone.
    admin = person("admin@example.org")
    page = open_by_url(admin, "/plan?area=E06000047", "admin@example.org")
    page.locator("h1", has_text="Improvement plan").wait_for(timeout=60_000)
    box = expander(page, "Add or change an area for improvement")
    form = box.get_by_test_id("stForm")
    form.get_by_label("Reference").fill("AFI5")
    form.get_by_label("Area for improvement", exact=True).fill(AFI_TITLE)
    form.get_by_role("button", name="Save the area for improvement").click()
    print(saved(admin, "1 added, 0 changed, 0 removed"))

    box = expander(page, "Add or change an action")
    form = box.get_by_test_id("stForm")
    choose(admin, form, "Area for improvement", f"AFI5: {AFI_TITLE}")
    form.get_by_label("Action reference").fill("5.1")
    form.get_by_label("Action", exact=True).fill(ACTION_TITLE)
    form.get_by_label("Owner (name or role)").fill("SEND casework manager")
    form.get_by_label("Owner's sign-in e-mail (they post the updates)").fill(OWNER)
    ms = form.get_by_test_id("stMultiSelect")
    ms.click()
    admin.page.keyboard.type("ehcp_20wk")
    admin.page.get_by_role("option", name="New EHC plans issued within 20 weeks (ehcp_20wk)", exact=False).first.click()
    admin.page.keyboard.press("Escape")
    form.get_by_label("Milestones (indicator: value by date; separate several with ;)").fill("ehcp_20wk: 90 by 2026-03-31")
    form.get_by_role("button", name="Save the action").click()
    print(saved(admin, "3 added, 0 changed, 0 removed"))  # the action, its link to ehcp_20wk and the milestone

    # The plan page orders the areas for improvement by need: the scores it prints, highest first.
    admin.open("/plan?area=E06000047")
    # Each area's need is printed under its heading as the page draws: the new area's waited for (a full run read
    # the page once before any was drawn).
    page.locator("p.need[data-afi='AFI5']").wait_for(timeout=60_000)
    admin.idle()
    needs = page.locator("p.need").evaluate_all("ps => ps.map(p => [p.dataset.afi, p.innerText])")
    refs = [r for r, _ in needs]
    assert "AFI5" in refs
    heads = page.locator("h2").all_inner_texts()
    assert [h.split(":")[0] for h in heads if h.startswith("AFI")] == refs
    assert refs == ["AFI2", "AFI1", "AFI3", "AFI5", "AFI4"], needs  # 12, 4, 4, 3 (the new milestone missed), 0
    assert "Needs attention: 1 milestone(s) missed." in dict(needs)["AFI5"]
    shot(admin, "plan-page-admin")

    # The action's owner, an uploader, posts an update.
    owner = person(OWNER)
    page = open_by_url(owner, "/action?action=5.1&area=E06000047", OWNER)
    page.locator("h1", has_text="Action 5.1").wait_for(timeout=60_000)
    form = page.get_by_test_id("stForm")
    form.get_by_label("Progress since the last update").fill("Panel met four times; 12 plans moved on.")
    form.get_by_label("Evidence (what shows it: a report, an audit, minutes)").fill("Panel minutes, November 2026")
    choose(owner, form, "Delivery status now", "▷ On track")
    form.get_by_role("button", name="Post the update").click()
    assert "Update posted on action 5.1: ▷ On track." in saved(owner, "Update posted").replace("\u2060", "")
    page.get_by_text("Panel met four times; 12 plans moved on.").wait_for(timeout=30_000)
    shot(owner, "action-page-owner")

    # A viewer sees the action and its updates, but no form, and is told who may post.
    viewer = person("viewer@example.org")
    page = open_by_url(viewer, "/action?action=5.1&area=E06000047", "viewer@example.org")
    page.get_by_text("Panel met four times; 12 plans moved on.").wait_for(timeout=60_000)
    viewer.idle()
    assert page.get_by_role("button", name="Post the update").count() == 0
    said = page.get_by_test_id("stAlertContentInfo").inner_text().replace("\u2060", "").removeprefix("lock").strip()
    assert said == f"Only the action's owner ({OWNER}) or an administrator may post its progress updates."
    assert "Change the plan" not in viewer.open("/plan?area=E06000047").locator("h2").all_inner_texts()

    # The Indicator page lists the action and draws its milestone on the chart.
    page = admin.open("/indicator?indicator=ehcp_20wk&area=E06000047")
    row = page.locator("tr[data-action='5.1']")
    row.wait_for(timeout=60_000)
    assert ACTION_TITLE in row.inner_text() and "▷ On track" in row.inner_text()
    chart = page.locator(".st-key-chart_trend_chart .js-plotly-plot")
    chart.wait_for(timeout=60_000)
    svg_text = "els => els.map(e => e.textContent)"  # SVG text has no innerText
    assert "Milestone (improvement plan)" in chart.locator(".legendtext").evaluate_all(svg_text)
    labels = chart.locator(".textpoint text").evaluate_all(svg_text)
    assert "5.1" in labels and "1.1" in labels, labels
    assert chart.locator("path.point").count() > 0
    shot(admin, "indicator-page-milestones")

    # What the browsers did is in the store, with who did it.
    with signin.stopped() as db:
        after = snapshot(db)
    updates = [r for r in after["plan_updates"] if r[2] == "5.1"]
    assert [(r[4], r[5], r[6], r[7]) for r in updates] == [
        ("on track", "Panel met four times; 12 plans moved on.", "Panel minutes, November 2026", OWNER)
    ]
    users = {r[3] for r in after["plan_changes"] if r[0] not in {c[0] for c in signin.before["plan_changes"]}}
    assert users == {"admin@example.org", OWNER}
    milestones = [r for r in after["plan_milestones"] if r[1] == "5.1"]
    assert [(r[2], str(r[3]), r[4]) for r in milestones] == [("ehcp_20wk", "2026-03-31", 90.0)]
