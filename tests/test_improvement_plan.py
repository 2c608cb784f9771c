"""The improvement plan in the store: who may change it, its history, its spreadsheet (all-or-nothing, round trip),
and the view every page reads (milestones judged, worst first)."""

import datetime as dt

import pytest

from indicators import plan, plan_store, readmodel, store
from indicators.access import Access, Forbidden
from tests.conftest import ADMIN, SAMPLE_AS_AT, lead

AREA = "E06000003"  # Redcar and Cleveland: the sample plan is County Durham's
OWNER = "owner@durham.gov.uk"
VIEWER = Access(user="viewer@durham.gov.uk", viewer=True)


def _plan(conn, access=ADMIN, status="on track", milestone=(dt.date(2026, 3, 31), 60.0)):
    return plan_store.write_plan(
        conn,
        access,
        AREA,
        afis=[{"ref": "AFI1", "title": "EHC plan quality and timeliness", "detail": "Intensify work on EHC plans."}],
        actions=[
            {
                "ref": "1.1",
                "afi_ref": "AFI1",
                "title": "Clear the assessment backlog",
                "owner": "Head of SEND",
                "owner_email": OWNER,
                "lead_org": "Durham County Council",
                "start_date": dt.date(2024, 10, 1),
                "due_date": dt.date(2026, 3, 31),
                "status": status,
            }
        ],
        links={"1.1": [("ehcp_20wk", [milestone])]},
    )


def test_an_administrator_creates_the_plan_and_every_change_keeps_who_and_when(conn):
    v0 = store.data_version(conn)
    w = _plan(conn)
    assert (w.new, w.changed, w.removed) == (4, 0, 0)  # area for improvement, action, link, milestone
    assert store.data_version(conn) == v0 + 1
    again = _plan(conn)
    assert again.change_id is None and again.summary.startswith("Nothing changed")
    assert store.data_version(conn) == v0 + 1  # nothing written, no new version
    w2 = _plan(conn, status="at risk", milestone=(dt.date(2026, 3, 31), 65.0))
    assert (w2.changed, w2.new) == (2, 0)
    hist = plan_store.plan_history(conn, AREA)
    assert set(hist["table_name"]) == {"plan_actions", "plan_milestones"}
    assert set(hist["user_name"]) == {ADMIN.user}
    assert '"status": "on track"' in hist[hist["table_name"] == "plan_actions"]["row_json"].iloc[0]
    changes = plan_store.plan_changes(conn, AREA)
    assert list(changes["user_name"]) == [ADMIN.user, ADMIN.user]


def test_only_an_administrator_changes_the_plan(conn):
    with pytest.raises(Forbidden) as e:
        _plan(conn, access=lead("ehcp_20wk", name=OWNER))
    assert str(e.value) == (f"Only an administrator may change the improvement plan; {OWNER} is not one. Nothing was changed.")
    assert plan_store.plan_tables(conn, AREA)["afis"].empty


def test_the_owner_posts_an_update_and_a_viewer_or_another_lead_cannot(conn):
    _plan(conn)
    before = store.table_snapshot(conn)
    for who in (VIEWER, lead("ehcp_20wk", name="someone.else@durham.gov.uk")):
        with pytest.raises(Forbidden) as e:
            plan_store.post_update(conn, who, AREA, "1.1", update_date=dt.date(2025, 1, 10), status="off track", progress="No.")
        assert str(e.value) == (
            f"Only an administrator or the owner of action 1.1 ({OWNER}) may post its updates; {who.user} is neither. "
            "Nothing was changed."
        )
    assert store.table_snapshot(conn) == before
    owner = lead("ehcp_20wk", name=OWNER)
    plan_store.post_update(
        conn, owner, AREA, "1.1", update_date=dt.date(2025, 1, 10), status="at risk",
        progress="Backlog down from 420 to 260.", evidence="Weekly tracker, 10 January 2025",
    )  # fmt: skip
    t = plan_store.plan_tables(conn, AREA)
    assert t["actions"]["status"].iloc[0] == "at risk"
    u = t["updates"].iloc[0]
    assert (u["author"], u["status"], u["progress"], u["evidence"]) == (
        OWNER, "at risk", "Backlog down from 420 to 260.", "Weekly tracker, 10 January 2025"
    )  # fmt: skip
    changes = plan_store.status_changes_since(conn, AREA, dt.date(2025, 1, 1))
    assert changes[["action_ref", "status_before", "status_now"]].values.tolist() == [["1.1", "on track", "at risk"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_plan_spreadsheet_round_trips(conn, cfg, fmt):
    _plan(conn)
    data = plan.export_bytes(conn, AREA, fmt)
    before = store.table_snapshot(conn)
    w, problems = plan.import_file(conn, ADMIN, cfg, AREA, data, f"plan.{fmt}")
    assert problems == []
    assert w.change_id is None and (w.new, w.changed, w.removed) == (0, 0, 0)
    assert store.table_snapshot(conn) == before
    # and into an empty area it makes the same plan
    plan.import_file(conn, ADMIN, cfg, "E06000001", data, f"plan.{fmt}")
    assert plan.frame(conn, "E06000001").equals(plan.frame(conn, AREA))


def test_a_bad_plan_row_is_refused_by_row_and_column_and_nothing_changes(conn, cfg):
    _plan(conn)
    csv = (
        "Area for improvement ref,Area for improvement,Action ref,Action,Owner e-mail,Start,Due,Delivery status,Indicators,Milestones\n"
        "AFI1,EHC plan quality and timeliness,1.1,Clear the backlog,owner@durham.gov.uk,2024-10-01,2026-03-31,on track,ehcp_20wk,ehcp_20wk: 60 by 2026-03-31\n"
        "AFI1,EHC plans,1.2,Audit plans,not-an-address,31/02/2025,2024-01-01,going well,ehcp_20wkk,send_neet: 12 by March 2026\n"
    )
    before = store.table_snapshot(conn)
    w, problems = plan.import_file(conn, ADMIN, cfg, AREA, csv.encode(), "plan.csv")
    assert w is None
    assert [str(p) for p in problems] == [
        'row 3, column Area for improvement: area for improvement AFI1 is "EHC plans" here but "EHC plan quality and '
        'timeliness" on row 2; give it the same text on every row',
        'row 3, column Delivery status: "going well" is not a delivery status; use one of: not started, on track, '
        "at risk, off track, complete",
        'row 3, column Owner e-mail: "not-an-address" is not an e-mail address; give the owner\'s sign-in address '
        "(e.g. name@durham.gov.uk) or leave it empty",
        'row 3, column Start: "31/02/2025" is not a date; write it as 2025-04-01 or 1 April 2025',
        'row 3, column Indicators: "ehcp_20wkk" is not a known indicator id; did you mean "ehcp_20wk"? (see the About '
        "the indicators page for the ids)",
        "row 3, column Milestones: send_neet has a milestone but is not in the Indicators column; add it there or "
        "remove the milestone",
    ]
    assert store.table_snapshot(conn) == before


def test_the_plan_view_judges_milestones_and_puts_the_greatest_need_first(conn, cfg):
    _plan(conn)
    plan_store.write_plan(
        conn, ADMIN, AREA,
        afis=[{"ref": "AFI2", "title": "Waits for CAMHS and neurodevelopmental pathways"}],
        actions=[{"ref": "2.1", "afi_ref": "AFI2", "title": "Autism assessment capacity", "status": "off track",
                  "start_date": dt.date(2024, 10, 1), "due_date": dt.date(2025, 3, 31)},
                 {"ref": "2.2", "afi_ref": "AFI2", "title": "No dates yet", "status": "not started"}],
        links={"2.1": [("asd_avg_wait_weeks", [(dt.date(2025, 3, 31), 10.0)])]},
    )  # fmt: skip
    af = readmodel.figures(conn, cfg, AREA, today=SAMPLE_AS_AT)
    v = plan.view(conn, cfg, af, today=SAMPLE_AS_AT)
    assert [f.ref for f in v.afis] == ["AFI2", "AFI1"]
    a2 = v.action("2.1")
    assert a2.overdue and a2.status_text == "⊘ Off track"
    m = a2.measures[0]
    assert m.state == plan.MISSED and m.milestone_text == "10 weeks by March 2025"
    assert v.afis[0].need_text.startswith("1 action(s) off track, 1 milestone(s) missed, 1 action(s) overdue")
    assert v.milestones_for("ehcp_20wk") == [(dt.date(2026, 3, 31), 60.0, "1.1")]
    ehcp = v.action("1.1").measures[0]
    f = af.indicators["ehcp_20wk"]
    assert ehcp.latest_text == f.latest["value_text"] and ehcp.baseline_period
    assert [a.ref for a in v.action_log()] == ["2.1", "1.1", "2.2"]  # overdue first (both), then by status
    assert (v.action("2.2").start, v.action("2.2").due, v.action("2.2").overdue) == (None, None, False)
    assert v.afis[0].detail == "" and "nan" not in plan.frame(conn, AREA).to_csv()


def _cli(*args):
    from tests.harness import run_cli

    return run_cli(*args, timeout=300)


def test_the_plan_commands_export_import_and_report(db_path, tmp_path):
    from tests.conftest import snapshot

    out = tmp_path / "plan.xlsx"
    r = _cli("plan-export", "--area", "County Durham", "-o", str(out))
    assert r.returncode == 0 and r.stdout == f"Wrote {out}: 9 row(s), one per action.\n"
    before = snapshot(db_path)
    r = _cli("plan-import", str(out), "--area", "E06000047")
    assert (r.returncode, r.stdout) == (0, "Nothing changed: the plan already holds all of it (33 unchanged).\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Area for improvement ref,Area for improvement,Action ref,Action,Delivery status,Due\nAFI1,EHC plans,1.1,X,done,soon\n"
    )
    r = _cli("plan-import", str(bad))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{bad}: 2 problem(s); nothing was changed.",
        'row 2, column Delivery status: "done" is not a delivery status; use one of: not started, on track, at risk, '
        "off track, complete",
        'row 2, column Due: "soon" is not a date; write it as 2025-04-01 or 1 April 2025',
    ]
    assert snapshot(db_path) == before
    doc = tmp_path / "report.docx"
    r = _cli("plan-report", "--from", "2026-04-01", "-o", str(doc))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"Wrote {doc}: County Durham, 1 April 2026 to 30 September 2026, 4 area(s) for improvement.\n"
    import docx

    assert docx.Document(str(doc)).paragraphs[0].text == "Six-monthly progress report on the SEND strategic plan: County Durham"
