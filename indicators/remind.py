"""Reminders of returns due: each indicator's contacts get an e-mail a set number of days before a return is due and
when it becomes overdue, with the template for exactly what is owed attached and a link to the upload page; the
performance team gets one summary a day. Sent through SMTP (KPI_SMTP_URL); every reminder sent is logged in the
store (reminders_sent), so a second run sends nothing new, and a failed send is logged as failed and tried again."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage

import pandas as pd

from indicators import owed, store
from indicators.config import Config

SMTP_ENV = "KPI_SMTP_URL"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReminderError(Exception):
    """A setting that stops reminders being sent (e.g. KPI_SMTP_URL missing or malformed); nothing was sent."""


@dataclass
class Reminder:
    """One e-mail: to whom, what it says, its attachment, and the log keys (kind, area, indicator, period) it covers."""

    to: str
    subject: str
    body: str
    keys: list[tuple[str, str, str, str]]
    attachment: tuple[str, bytes] | None = None
    items: list[str] = field(default_factory=list)


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _sent(conn) -> set[tuple]:
    return {
        tuple(r)
        for r in conn.execute(
            "SELECT recipient, kind, area_code, indicator_id, period FROM reminders_sent WHERE status = 'sent'"
        ).fetchall()
    }


def plan(conn, config: Config, roles, today: dt.date | None = None, days_before: int | None = None) -> list[Reminder]:
    """Every e-mail a run would send now, leaving out what the log says was sent already."""
    today = today or dt.date.today()
    settings = roles.reminders
    days = settings.days_before if days_before is None else days_before
    areas = settings.areas or [config.default_area]
    names = dict(conn.execute("SELECT code, name FROM areas").fetchall())
    sent = _sent(conn)
    url = f"{settings.dashboard_url}/upload"
    per_person: dict[str, list[tuple[str, str, object]]] = {}  # person → (kind, area, status row)
    summaries = []
    for area in areas:
        status = owed.returns_status(conn, config, area, roles, today)
        summaries.append((area, status))
        for r in status.itertuples(index=False):
            if r.state == "missing":
                kind = "overdue"
            elif r.state == "due" and (r.due - today).days <= days:
                kind = "before"
            else:
                continue
            for person in owed.contacts(config, roles, r.indicator_id):
                if (person, kind, area, r.indicator_id, r.period) not in sent:
                    per_person.setdefault(person, []).append((kind, area, r))
    out = []
    for person, items in sorted(per_person.items()):
        items.sort(key=lambda x: (x[1], x[2].due, x[2].indicator))
        lines, rows = [], []
        for kind, area, r in items:
            when = f"was due on {_date(r.due)} and is overdue" if kind == "overdue" else f"is due by {_date(r.due)}"
            lines.append(f"- {r.indicator}, {names.get(area, area)}, {r.period_name}: {when}")
            ind = config.by_id[r.indicator_id]
            rows.append(
                {
                    "indicator": ind.id,
                    "indicator_name": ind.name,
                    "unit": owed.UNITS[ind.unit],
                    "area": area,
                    "period": r.period,
                    "period_name": r.period_name,
                    "value": "",
                    "numerator": "",
                    "denominator": "",
                    "note": "",
                }
            )
        overdue = sum(1 for k, *_ in items if k == "overdue")
        subject = (
            f"SEND dashboard: {overdue} return(s) overdue"
            + (f", {len(items) - overdue} due soon" if len(items) > overdue else "")
            if overdue
            else f"SEND dashboard: {len(items)} return(s) due soon"
        )
        body = (
            "Hello,\n\nThese figures are owed to the SEND performance dashboard:\n\n"
            + "\n".join(lines)
            + f"\n\nThe attached template lists exactly these; fill in the values and upload it at {url}\n"
            "(rows left empty are skipped). If a figure is not available, reply to the performance team.\n\n"
            "This reminder is sent by the dashboard; you get one when a return is due soon and one when it is overdue.\n"
        )
        template = pd.DataFrame(rows, columns=_template_columns())
        attachment = (f"return-due-{today.isoformat()}.xlsx", owed.template_xlsx(template, config, _local_areas(config)))
        keys = [(kind, area, r.indicator_id, r.period) for kind, area, r in items]
        out.append(Reminder(person, subject, body, keys, attachment, lines))
    for person in settings.performance_team:
        key = ("summary", ",".join(areas), "", today.isoformat())
        if (person, *key) in sent:
            continue
        out.append(_summary(person, summaries, names, key, url, today))
    return out


def _template_columns() -> list[str]:
    from indicators.uploads import TEMPLATE_COLUMNS  # the one template layout (uploads imports this package lazily)

    return TEMPLATE_COLUMNS


def _local_areas(config: Config) -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in config.areas if a.level == "local_authority"]


def _summary(person: str, summaries, names, key, url: str, today: dt.date) -> Reminder:
    lines = []
    counts = {"missing": 0, "late": 0, "due": 0, "received": 0}
    for area, status in summaries:
        lines.append(f"{names.get(area, area)}")
        for owner, group in status.groupby("owner", sort=True):
            open_ = group[group["state"].isin(["missing", "due", "late"])]
            for state in counts:
                counts[state] += int((group["state"] == state).sum())
            if open_.empty:
                lines.append(f"  {owner}: every return in")
                continue
            lines.append(f"  {owner} ({group['contacts'].iloc[0] or 'no contact address'}):")
            for r in open_.itertuples(index=False):
                lines.append(f"    {owed.STATES[r.state]}: {r.indicator}, {r.period_name} (due {_date(r.due)})")
    subject = f"SEND returns, {_date(today)}: {counts['missing']} missing, {counts['late']} late, {counts['due']} due"
    body = (
        f"Every return of the partnership's own indicators over the last two years, by owner, on {_date(today)}:\n\n"
        + "\n".join(lines)
        + f"\n\n{counts['received']} received. The Returns page of the dashboard shows the same: {url.rsplit('/', 1)[0]}/returns\n"
    )
    return Reminder(person, subject, body, [key], None, lines)


# ---------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    cafile: str | None
    timeout: float = 20.0


def smtp_settings(url: str | None = None) -> SmtpSettings:
    """KPI_SMTP_URL → how to reach the mail server: smtp://[user:password@]host[:port] (plain), with STARTTLS when
    the scheme is smtp+starttls:// or the query says ?starttls=true; ?cafile=PATH trusts that CA as well as the
    system's (for a server with a certificate of the organisation's own). Password characters are %-encoded."""
    url = url if url is not None else os.environ.get(SMTP_ENV, "")
    if not url:
        raise ReminderError(
            f"{SMTP_ENV} is not set; set it to the mail server, e.g. smtp+starttls://user:password@smtp.example.org:587. "
            "Nothing was sent (use --dry-run to see what would be)."
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+starttls") or not parts.hostname:
        raise ReminderError(
            f"{SMTP_ENV} must look like smtp://host:25 or smtp+starttls://user:password@host:587, not "
            f'"{parts.scheme}://…". Nothing was sent.'
        )
    query = urllib.parse.parse_qs(parts.query)
    starttls = parts.scheme == "smtp+starttls" or query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
    try:
        port = parts.port or (587 if starttls else 25)
    except ValueError:
        raise ReminderError(f"{SMTP_ENV} has a port that is not a number. Nothing was sent.") from None
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return SmtpSettings(parts.hostname, port, starttls, user, password, query.get("cafile", [None])[0])


def _message(r: Reminder, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, r.to, r.subject
    msg.set_content(r.body)
    if r.attachment:
        name, data = r.attachment
        maintype, subtype = XLSX.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _log(conn, r: Reminder, status: str, detail: str | None) -> None:
    now = dt.datetime.now().replace(microsecond=0)
    store._begin_write(conn)
    try:
        for kind, area, indicator_id, period in r.keys:
            conn.execute(
                "INSERT OR REPLACE INTO reminders_sent VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [r.to, kind, area, indicator_id, period, status, now, detail],
            )
        store._bump_and_commit(conn)
    except BaseException:
        store._rollback_quietly(conn)
        raise


@dataclass
class Outcome:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)


def send(conn, reminders: list[Reminder], sender: str, settings: SmtpSettings) -> Outcome:
    """Send each reminder on one SMTP session and log it: sent, or failed with the reason (tried again next run)."""
    out = Outcome()
    if not reminders:
        return out
    try:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.starttls:
                context = ssl.create_default_context()
                if settings.cafile:
                    context.load_verify_locations(settings.cafile)
                server.starttls(context=context)
            if settings.user:
                server.login(settings.user, settings.password or "")
        except BaseException:
            server.close()
            raise
    except (OSError, smtplib.SMTPException) as e:
        reason = f"cannot reach or sign in to {settings.host}:{settings.port} ({type(e).__name__}: {e})"
        for r in reminders:
            _log(conn, r, "failed", reason)
            out.failed.append((r, reason))
        return out
    try:
        for r in reminders:
            try:
                refused = server.send_message(_message(r, sender))
                if refused:
                    raise smtplib.SMTPRecipientsRefused(refused)
            except (OSError, smtplib.SMTPException) as e:
                reason = f"{type(e).__name__}: {e}"
                _log(conn, r, "failed", reason)
                out.failed.append((r, reason))
                continue
            _log(conn, r, "sent", None)
            out.sent.append(r)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return out


def failed_before(conn) -> pd.DataFrame:
    """Reminders whose last attempt failed (they are tried again on the next run)."""
    return conn.execute(
        "SELECT recipient, kind, area_code, indicator_id, period, attempted_at, detail FROM reminders_sent "
        "WHERE status = 'failed' ORDER BY attempted_at"
    ).df()
