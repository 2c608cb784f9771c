"""The improvement plan in the store: areas for improvement, actions, the indicators each action should move with their
milestones, and progress updates. Every write is one transaction that starts with `store._begin_write`, is recorded
as a plan change (who, when, what), keeps every row it replaces or removes in plan_history, and bumps the data version
(so every cached view, and each app server's local copy of a PostgreSQL store, sees it). All the plan's SQL is here."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from indicators import store
from indicators.access import Access, Forbidden

# The delivery status of an action: how its work is going, which is not the RAG of any figure.
STATUSES = ("not started", "on track", "at risk", "off track", "complete")
AFI_FIELDS = ("title", "detail")
ACTION_FIELDS = ("afi_ref", "title", "owner", "owner_email", "lead_org", "start_date", "due_date", "status")
MAX_TEXT = 4000


@dataclass
class PlanWrite:
    """What one plan write did: its change id (None when nothing changed) and counts of rows added, changed, removed."""

    change_id: int | None
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    what: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.change_id is None:
            return f"Nothing changed: the plan already holds all of it ({self.unchanged} unchanged)."
        return f"Plan change {self.change_id}: {self.new} added, {self.changed} changed, {self.removed} removed, {self.unchanged} unchanged."


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _json(row: dict) -> str:
    return json.dumps(row, default=str, sort_keys=True)


def _rows(conn, sql: str, params: list) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _same(a, b) -> bool:
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    if a in ("", None) and b in ("", None):
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return a == b


def _keep(conn, table: str, area: str, key: str, old: dict, change_id: int, now: dt.datetime) -> None:
    """Move the stored row to plan_history, replaced by `change_id`."""
    conn.execute(
        "INSERT INTO plan_history VALUES (?, ?, ?, ?, ?, ?, ?)", [table, area, key, _json(old), old["change_id"], change_id, now]
    )


def _replace_row(conn, table: str, fields, area: str, row: dict, old: dict | None, change, out) -> bool | None:
    """An area for improvement or action as the plan now has it: None when the stored one is the same (counted
    unchanged); otherwise the stored one, if any, moved to plan_history and deleted (counted changed, or new), and
    the row's `illustrative` flag returned for the caller's INSERT under `change()`'s id."""
    illustrative = row.get("illustrative", old["illustrative"] if old else False)
    if old and all(_same(row.get(f), old[f]) for f in fields) and illustrative == old["illustrative"]:
        out.unchanged += 1
        return None
    cid, now = change()
    if old:
        _keep(conn, table, area, row["ref"], old, cid, now)
        conn.execute(f"DELETE FROM {table} WHERE area_code = ? AND ref = ?", [area, row["ref"]])
        out.changed += 1
    else:
        out.new += 1
    return illustrative


def _start(conn, access: Access, area: str, kind: str, file_name: str | None, note: str | None) -> tuple[int, dt.datetime]:
    change_id = store._next_id(conn, "plan_change_id_seq")
    now = _now()
    conn.execute(
        "INSERT INTO plan_changes VALUES (?, ?, ?, ?, ?, ?, ?)", [change_id, area, kind, access.user, now, file_name, note]
    )
    return int(change_id), now


def _check_text(what: str, text) -> None:
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise store.StoreError(f"{what} is {len(text):,} characters; keep it under {MAX_TEXT:,}. Nothing was changed.")


def write_plan(
    conn,
    access: Access,
    area_code: str,
    *,
    afis: list[dict] = (),
    actions: list[dict] = (),
    links: dict[str, list[tuple[str, list[tuple[dt.date, float]]]]] | None = None,
    kind: str = "edit",
    file_name: str | None = None,
    note: str | None = None,
    dry_run: bool = False,
) -> PlanWrite:
    """Add or change areas for improvement and actions, and set the indicators and milestones of the actions named in
    `links` (action ref → [(indicator id, [(due, value), …])]; an indicator or milestone left out is removed), all in one
    transaction, or nothing. Administrators only. Rows the plan already holds exactly are left alone; when nothing
    would change, nothing is written (no plan change, no new data version); `dry_run` counts and writes nothing."""
    access.require_admin("change the improvement plan")
    for a in afis:
        _check_text(f"Area for improvement {a['ref']}", a.get("detail"))
    for a in actions:
        _check_text(f"Action {a['ref']}", a.get("title"))
        if a["status"] not in STATUSES:
            raise store.StoreError(f'"{a["status"]}" is not a delivery status; use one of: {", ".join(STATUSES)}.')
    store._begin_write(conn)
    try:
        result = _write_plan(conn, access, area_code, list(afis), list(actions), links or {}, kind, file_name, note)
        if result.change_id is None or dry_run:
            conn.execute("ROLLBACK")
        else:
            store._bump_and_commit(conn)
    except BaseException as e:
        store._rollback_quietly(conn)
        store._raise_if_busy(e)
        raise
    return result


def _write_plan(conn, access, area, afis, actions, links, kind, file_name, note) -> PlanWrite:
    out = PlanWrite(None)
    if conn.execute("SELECT count(*) FROM areas WHERE code = ?", [area]).fetchone()[0] == 0:
        raise store.StoreError(
            f'"{area}" is not an area the dashboard knows; use an ONS code such as E06000047. Nothing was changed.'
        )
    ids: list = []  # the change id, made when the first row changes

    def change() -> tuple[int, dt.datetime]:
        if not ids:
            ids.extend(_start(conn, access, area, kind, file_name, note))
        return ids[0], ids[1]

    held_afis = {r["ref"]: r for r in _rows(conn, "SELECT * FROM plan_afis WHERE area_code = ?", [area])}
    for a in afis:
        illustrative = _replace_row(conn, "plan_afis", AFI_FIELDS, area, a, held_afis.get(a["ref"]), change, out)
        if illustrative is not None:
            conn.execute(
                "INSERT INTO plan_afis VALUES (?, ?, ?, ?, ?, ?)",
                [area, a["ref"], a["title"], a.get("detail") or None, illustrative, change()[0]],
            )
        held_afis[a["ref"]] = {"ref": a["ref"]}
    held_actions = {r["ref"]: r for r in _rows(conn, "SELECT * FROM plan_actions WHERE area_code = ?", [area])}
    for a in actions:
        if a["afi_ref"] not in held_afis:
            raise store.StoreError(
                f"Action {a['ref']} belongs to area for improvement {a['afi_ref']}, which the plan does not hold; "
                "add the area for improvement first. Nothing was changed."
            )
        illustrative = _replace_row(conn, "plan_actions", ACTION_FIELDS, area, a, held_actions.get(a["ref"]), change, out)
        if illustrative is None:
            continue
        conn.execute(
            "INSERT INTO plan_actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [area, a["ref"], a["afi_ref"], a["title"], a.get("owner") or None, (a.get("owner_email") or "").lower() or None,
             a.get("lead_org") or None, a.get("start_date"), a.get("due_date"), a["status"], illustrative, change()[0]],
        )  # fmt: skip
        held_actions[a["ref"]] = a
    for action_ref, wanted in links.items():
        if action_ref not in held_actions:
            raise store.StoreError(f"There is no action {action_ref} in the plan to link indicators to. Nothing was changed.")
        _set_links(conn, area, action_ref, wanted, change, out)
    if ids:
        out.change_id = ids[0]
    return out


def _set_links(conn, area, action_ref, wanted, change, out: PlanWrite) -> None:
    held = {
        r["indicator_id"]: r
        for r in _rows(conn, "SELECT * FROM plan_links WHERE area_code = ? AND action_ref = ?", [area, action_ref])
    }
    marks = {
        (r["indicator_id"], r["due"]): r
        for r in _rows(conn, "SELECT * FROM plan_milestones WHERE area_code = ? AND action_ref = ?", [area, action_ref])
    }
    want_ids = [i for i, _ in wanted]
    want_marks = {(i, d): v for i, ms in wanted for d, v in ms}
    for ind in want_ids:
        if ind in held:
            out.unchanged += 1
            continue
        cid, _ = change()
        conn.execute("INSERT INTO plan_links VALUES (?, ?, ?, ?)", [area, action_ref, ind, cid])
        out.new += 1
    for ind, old in held.items():
        if ind not in want_ids:
            cid, now = change()
            _keep(conn, "plan_links", area, f"{action_ref}|{ind}", old, cid, now)
            conn.execute(
                "DELETE FROM plan_links WHERE area_code = ? AND action_ref = ? AND indicator_id = ?", [area, action_ref, ind]
            )
            out.removed += 1
    for (ind, due), old in marks.items():
        if (ind, due) not in want_marks or not _same(want_marks[(ind, due)], old["value"]):
            cid, now = change()
            _keep(conn, "plan_milestones", area, f"{action_ref}|{ind}|{due}", old, cid, now)
            conn.execute(
                "DELETE FROM plan_milestones WHERE area_code = ? AND action_ref = ? AND indicator_id = ? AND due = ?",
                [area, action_ref, ind, due],
            )
            if (ind, due) in want_marks:
                conn.execute(
                    "INSERT INTO plan_milestones VALUES (?, ?, ?, ?, ?, ?)",
                    [area, action_ref, ind, due, want_marks[(ind, due)], cid],
                )
                out.changed += 1
            else:
                out.removed += 1
        else:
            out.unchanged += 1
    for (ind, due), value in want_marks.items():
        if (ind, due) not in marks:
            cid, _ = change()
            conn.execute("INSERT INTO plan_milestones VALUES (?, ?, ?, ?, ?, ?)", [area, action_ref, ind, due, value, cid])
            out.new += 1


def remove_action(conn, access: Access, area_code: str, action_ref: str) -> PlanWrite:
    """Take an action out of the plan (kept in plan_history with its indicators and milestones). Administrators only."""
    access.require_admin("change the improvement plan")
    store._begin_write(conn)
    try:
        old = _rows(conn, "SELECT * FROM plan_actions WHERE area_code = ? AND ref = ?", [area_code, action_ref])
        if not old:
            raise store.StoreError(f"There is no action {action_ref} in the plan. Nothing was changed.")
        cid, now = _start(conn, access, area_code, "remove", None, f"Removed action {action_ref}")
        n = 1
        _keep(conn, "plan_actions", area_code, action_ref, old[0], cid, now)
        for table, key in (("plan_links", "indicator_id"), ("plan_milestones", "indicator_id")):
            for r in _rows(conn, f"SELECT * FROM {table} WHERE area_code = ? AND action_ref = ?", [area_code, action_ref]):
                _keep(conn, table, area_code, f"{action_ref}|{r[key]}|{r.get('due', '')}", r, cid, now)
                n += 1
            conn.execute(f"DELETE FROM {table} WHERE area_code = ? AND action_ref = ?", [area_code, action_ref])
        conn.execute("DELETE FROM plan_actions WHERE area_code = ? AND ref = ?", [area_code, action_ref])
        store._bump_and_commit(conn)
    except BaseException as e:
        store._rollback_quietly(conn)
        store._raise_if_busy(e)
        raise
    return PlanWrite(cid, removed=n)


def may_update(access: Access, owner_email: str | None) -> bool:
    """An administrator, or the action's owner: a signed-in uploader whose e-mail address the action names."""
    if access.admin:
        return True
    return bool(access.can_upload and owner_email and access.user.lower() == owner_email.lower())


def post_update(
    conn,
    access: Access,
    area_code: str,
    action_ref: str,
    *,
    update_date: dt.date,
    status: str,
    progress: str,
    evidence: str = "",
) -> int:
    """Add a dated progress update to an action, setting its delivery status; returns the update's id. Only an
    administrator or the action's owner may (checked here, inside the transaction, whatever the page showed)."""
    if status not in STATUSES:
        raise store.StoreError(f'"{status}" is not a delivery status; use one of: {", ".join(STATUSES)}. Nothing was changed.')
    if not (progress or "").strip():
        raise store.StoreError("The update says nothing; write what progress has been made. Nothing was changed.")
    _check_text("The progress", progress)
    _check_text("The evidence", evidence)
    if update_date > dt.date.today():
        raise store.StoreError(f"The update is dated {update_date:%-d %B %Y}, which is in the future. Nothing was changed.")
    store._begin_write(conn)
    try:
        rows = _rows(conn, "SELECT * FROM plan_actions WHERE area_code = ? AND ref = ?", [area_code, action_ref])
        if not rows:
            raise store.StoreError(f"There is no action {action_ref} in the plan. Nothing was changed.")
        old = rows[0]
        if not may_update(access, old["owner_email"]):
            raise Forbidden(
                f"Only an administrator or the owner of action {action_ref} ({old['owner_email'] or 'no owner e-mail given'}) "
                f"may post its updates; {access.user} is neither. Nothing was changed."
            )
        cid, now = _start(conn, access, area_code, "update", None, f"Update on action {action_ref}: {status}")
        uid = store._next_id(conn, "plan_update_id_seq")
        conn.execute(
            "INSERT INTO plan_updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                uid,
                area_code,
                action_ref,
                update_date,
                status,
                progress.strip(),
                (evidence or "").strip() or None,
                access.user,
                now,
                cid,
            ],
        )
        if old["status"] != status:
            _keep(conn, "plan_actions", area_code, action_ref, old, cid, now)
            conn.execute(
                "UPDATE plan_actions SET status = ?, change_id = ? WHERE area_code = ? AND ref = ?",
                [status, cid, area_code, action_ref],
            )
        store._bump_and_commit(conn)
    except BaseException as e:
        store._rollback_quietly(conn)
        store._raise_if_busy(e)
        raise
    return int(uid)


# ---------------------------------------------------------------- reading (through indicators.plan, never from pages)


def plan_tables(conn, area_code: str) -> dict[str, pd.DataFrame]:
    """The plan of one area as it stands: afis, actions, links, milestones, updates (newest first)."""
    q = {
        "afis": "SELECT ref, title, detail, illustrative, change_id FROM plan_afis WHERE area_code = ? ORDER BY ref",
        "actions": """SELECT ref, afi_ref, title, owner, owner_email, lead_org, start_date, due_date, status, illustrative,
                             change_id FROM plan_actions WHERE area_code = ? ORDER BY ref""",
        "links": "SELECT action_ref, indicator_id FROM plan_links WHERE area_code = ? ORDER BY action_ref, indicator_id",
        "milestones": """SELECT action_ref, indicator_id, due, value FROM plan_milestones WHERE area_code = ?
                         ORDER BY action_ref, indicator_id, due""",
        "updates": """SELECT id, action_ref, update_date, status, progress, evidence, author, created_at FROM plan_updates
                      WHERE area_code = ? ORDER BY update_date DESC, id DESC""",
    }
    out = {}
    for name, sql in q.items():
        df = conn.execute(sql, [area_code]).df()
        out[name] = store._plain(df, dates=("start_date", "due_date", "due", "update_date"))
    return out


def plan_changes(conn, area_code: str, since: dt.datetime | None = None) -> pd.DataFrame:
    """Every plan change of an area (after `since`, if given), newest first: who, when, what."""
    return conn.execute(
        """SELECT id, kind, user_name, created_at, file_name, note FROM plan_changes
           WHERE area_code = ? AND (CAST(? AS TIMESTAMP) IS NULL OR created_at > ?) ORDER BY id DESC""",
        [area_code, since, since],
    ).df()


def plan_history(conn, area_code: str) -> pd.DataFrame:
    """Every plan row replaced or removed, with the change that did it, newest first."""
    return conn.execute(
        """SELECT h.table_name, h.row_key, h.row_json, h.change_id, h.replaced_by, h.replaced_at, c.user_name
           FROM plan_history h LEFT JOIN plan_changes c ON c.id = h.replaced_by
           WHERE h.area_code = ? ORDER BY h.replaced_by DESC""",
        [area_code],
    ).df()


def status_changes_since(conn, area_code: str, since: dt.date) -> pd.DataFrame:
    """Actions whose delivery status changed after `since`: action ref, status before, status now, when, who."""
    return conn.execute(
        """SELECT h.row_key AS action_ref, json_extract_string(h.row_json, '$.status') AS status_before,
                  a.status AS status_now, c.created_at, c.user_name
           FROM plan_history h JOIN plan_changes c ON c.id = h.replaced_by
           JOIN plan_actions a ON a.area_code = h.area_code AND a.ref = h.row_key
           WHERE h.table_name = 'plan_actions' AND h.area_code = ? AND c.created_at > ?
             AND json_extract_string(h.row_json, '$.status') <> a.status
           QUALIFY row_number() OVER (PARTITION BY h.row_key ORDER BY h.replaced_by) = 1
           ORDER BY h.row_key""",
        [area_code, dt.datetime.combine(since, dt.time.max)],
    ).df()
