"""Reminders of returns through a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS, login): the right people get the
templates for exactly what they owe, a second run sends nothing new, a failed send is reported and tried again."""

import datetime as dt
import io

import openpyxl
import pytest

from indicators import access, cli, owed, remind, store, uploads
from tests.conftest import lead
from tests.smtp_server import SmtpServer

TODAY = "2026-11-22"  # the sample holds the SALT, ASD, NEET and EHC series to August or 2026-27 Q1


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    with SmtpServer(tmp_path) as server:
        monkeypatch.setenv("KPI_SMTP_URL", server.url())
        yield server


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["remind", "--today", TODAY, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def attached_rows(msg, day: str = TODAY) -> list[list]:
    (part,) = [p for p in msg.iter_attachments()]
    assert part.get_filename() == f"return-due-{day}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(part.get_content()))
    assert wb.sheetnames == ["figures", "notes", "lists"] and wb["figures"].freeze_panes == "A2"
    return [[c.value for c in row][:5:] for row in wb["figures"].iter_rows(min_row=2)]


def test_remind_sends_each_owner_the_template_for_what_they_owe_and_the_team_one_summary(db_path, smtp, capsys):
    code, out, err = run(capsys)
    assert code == 0, err
    assert out.splitlines()[-1] == "5 sent, 0 failed."
    assert all(tls for _, _, tls in smtp.box.messages) and smtp.box.logins and all(smtp.box.logins)
    assert sorted(r for rcpt, _, _ in smtp.box.messages for r in rcpt) == [
        "asd.service@nhs.net",
        "durhamworks@durham.gov.uk",
        "performance.admin@durham.gov.uk",
        "salt.lead@nhs.net",
        "send.casework@durham.gov.uk",
    ]
    (salt,) = smtp.box.to("salt.lead@nhs.net")
    assert salt["Subject"] == "SEND dashboard: 2 return(s) overdue" and salt["From"] == "send-dashboard@durham.gov.uk"
    body = salt.get_body(("plain",)).get_content()
    assert (
        "- SALT routine referrals seen and assessed within 6 weeks, County Durham, September 2026: was due on 30 October "
        "2026 and is overdue" in body
    )
    assert "upload it at http://localhost:8501/upload" in body
    # The template holds exactly what this lead owes: their two indicators, September 2026, nothing else.
    assert attached_rows(salt) == [
        ["salt_seen_6wk", "SALT routine referrals seen and assessed within 6 weeks", "%", "E06000047", "2026-09"],
        ["salt_treated_12wk", "SALT treated within 12 weeks of assessment", "%", "E06000047", "2026-09"],
    ]
    (casework,) = smtp.box.to("send.casework@durham.gov.uk")
    assert [r[0] for r in attached_rows(casework)] == ["ehcp_20wk", "ehc_requests"]
    (summary,) = smtp.box.to("performance.admin@durham.gov.uk")
    assert summary["Subject"] == "SEND returns, 22 November 2026: 9 missing, 0 late, 20 due"
    text = summary.get_body(("plain",)).get_content()
    assert "  Children's SALT provider (NHS foundation trust) (salt.lead@nhs.net):" in text
    assert "    ✖ Missing: SALT treated within 12 weeks of assessment, September 2026 (due 30 October 2026)" in text
    assert not list(summary.iter_attachments())

    # Run again (cron twice the same day): nothing new is sent.
    code, out, _ = run(capsys)
    assert (code, out.strip()) == (0, "Nothing to send: every reminder due has been sent already.")
    assert len(smtp.box.messages) == 5

    # A week on, October's returns are due within the reminder's seven days: only those are sent.
    code = cli.main(["remind", "--today", "2026-11-24"])
    capsys.readouterr()
    assert code == 0
    later = smtp.box.to("salt.lead@nhs.net")[1]
    assert later["Subject"] == "SEND dashboard: 2 return(s) due soon"
    assert [r[4] for r in attached_rows(later, "2026-11-24")] == ["2026-10", "2026-10"]


def test_a_failed_send_is_reported_kept_and_sent_on_the_next_run(db_path, smtp, capsys):
    smtp.box.refuse = {"salt.lead@nhs.net"}
    code, out, err = run(capsys)
    assert code == 1
    assert out.splitlines()[-1] == "4 sent, 1 failed."
    assert err.startswith("Not sent to salt.lead@nhs.net: SEND dashboard: 2 return(s) overdue: SMTPRecipientsRefused:")
    assert "It will be tried again on the next run." in err
    conn = store.connect(db_path)
    try:
        failed = remind.failed_before(conn)
        assert failed[["recipient", "indicator_id", "period"]].values.tolist() == [
            ["salt.lead@nhs.net", "salt_seen_6wk", "2026-09"],
            ["salt.lead@nhs.net", "salt_treated_12wk", "2026-09"],
        ]
        assert "550" in failed["detail"].iloc[0]
    finally:
        conn.close()
    smtp.box.refuse = set()
    code, out, _ = run(capsys)
    assert code == 0 and out.splitlines() == [
        "Sent to salt.lead@nhs.net: SEND dashboard: 2 return(s) overdue",
        "1 sent, 0 failed.",
    ]


def test_a_wrong_password_or_no_server_is_reported_and_nothing_is_lost(db_path, smtp, capsys, monkeypatch):
    monkeypatch.setenv("KPI_SMTP_URL", smtp.url(password="wrong"))
    code, out, err = run(capsys)
    assert code == 1 and out.splitlines()[-1] == "0 sent, 5 failed."
    assert "cannot reach or sign in to 127.0.0.1" in err and "SMTPAuthenticationError" in err
    assert smtp.box.messages == []
    monkeypatch.setenv("KPI_SMTP_URL", smtp.url())
    code, out, _ = run(capsys)
    assert code == 0 and out.splitlines()[-1] == "5 sent, 0 failed."


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(db_path, smtp, capsys):
    code, out, _ = run(capsys, "--dry-run")
    assert code == 0
    assert "Would send to salt.lead@nhs.net: SEND dashboard: 2 return(s) overdue; attached: return-due-2026-11-22.xlsx" in out
    assert (
        "  - SALT treated within 12 weeks of assessment, County Durham, September 2026: was due on 30 October 2026 and is overdue"
        in out
    )
    assert out.splitlines()[-1] == "Dry run: 5 e-mail(s) would be sent; nothing was sent or logged."
    assert smtp.box.messages == []
    code, out, _ = run(capsys)
    assert out.splitlines()[-1] == "5 sent, 0 failed."


def test_smtp_url_is_checked_before_anything_is_sent(db_path, capsys, monkeypatch):
    monkeypatch.delenv("KPI_SMTP_URL", raising=False)
    code, _, err = run(capsys)
    assert code == 1 and err.startswith("KPI_SMTP_URL is not set; set it to the mail server")
    monkeypatch.setenv("KPI_SMTP_URL", "http://mail.example.org")
    code, _, err = run(capsys)
    assert code == 1 and 'not "http://…"' in err
    assert remind.smtp_settings("smtp://mail.example.org").port == 25
    s = remind.smtp_settings("smtp://u%40x:p%3Aw@mail.example.org:2525?starttls=true")
    assert (s.user, s.password, s.port, s.starttls) == ("u@x", "p:w", 2525, True)


def test_an_owner_email_that_is_not_an_address_is_refused(tmp_path):
    from indicators import config

    text = (
        (config.DEFAULT_CONFIG)
        .read_text(encoding="utf-8")
        .replace(
            "    owner: Children's SALT provider (NHS foundation trust)\n",
            "    owner: Children's SALT provider (NHS foundation trust)\n    owner_email: salt lead at nhs\n",
            1,
        )
    )
    with pytest.raises(config.ConfigError) as e:
        config.parse_text(text)
    assert '"salt lead at nhs" is not an e-mail address; write it like salt.lead@nhs.net' in str(e.value)


def test_returns_status_says_due_received_late_and_missing_by_owner(conn, cfg):
    roles = access.load_roles(cfg)
    salt = lead("salt_seen_6wk", name="salt.lead@nhs.net")
    p = uploads.check(
        conn,
        cfg,
        b"indicator,area,period,value\nsalt_seen_6wk,E06000047,2026-09,80\n",
        "s.csv",
        salt,
        today=dt.date(2026, 11, 22),
    )
    uploads.commit(conn, p, salt)  # uploaded today, after its due date (30 October 2026)
    st = owed.returns_status(conn, cfg, "E06000047", roles, dt.date(2026, 11, 22)).set_index(["indicator_id", "period"])
    assert st.loc[("salt_seen_6wk", "2026-09"), "state"] == "late"
    assert st.loc[("salt_seen_6wk", "2026-08"), "state"] == "received"
    assert st.loc[("salt_treated_12wk", "2026-09"), "state"] == "missing"
    assert st.loc[("salt_seen_6wk", "2026-10"), ["state", "due"]].tolist() == ["due", dt.date(2026, 11, 30)]
    assert st.loc[("salt_seen_6wk", "2026-10"), "contacts"] == "salt.lead@nhs.net"


def test_reminders_on_postgresql_are_logged_there_and_reach_the_servers_copy(pg_url, cfg, smtp, tmp_path):
    from indicators.sample import load_sample

    conn = store.open_store(cfg, pg_url, load_sample=lambda c: load_sample(c, cfg, with_official_data=False))
    try:
        roles = access.load_roles(cfg)
        cur = conn.cursor()  # a page run: reads this server's local copy
        planned = remind.plan(cur, cfg, roles, dt.date(2026, 11, 22))
        outcome = remind.send(cur, planned, roles.reminders.sender, remind.smtp_settings(smtp.url()))
        assert len(outcome.sent) == 5 and not outcome.failed
        cur.close()
        sent = "SELECT recipient, kind, indicator_id, period, status FROM reminders_sent ORDER BY 1, 2, 3, 4"
        in_postgresql = conn.execute(sent).fetchall()  # the connection itself reads PostgreSQL
        assert ("salt.lead@nhs.net", "overdue", "salt_seen_6wk", "2026-09", "sent") in in_postgresql
        cur = conn.cursor()  # the next page run sees the log in the copy, so a second run plans nothing
        assert cur.execute(sent).fetchall() == in_postgresql
        assert remind.plan(cur, cfg, roles, dt.date(2026, 11, 22)) == []
        cur.close()
    finally:
        conn.close()
