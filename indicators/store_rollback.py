"""Rolling back one upload exactly, as a new upload that records what it removed and restored; refused, with
nothing done, whenever that would silently lose a later upload's figures."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import duckdb

from indicators.access import Access
from indicators.store_commit import WriteSummary, _bump_and_commit, _rollback_quietly, os_user
from indicators.store_postgres import _begin_write, _next_id, _raise_if_busy
from indicators.store_schema import STORED_COLUMNS, StoreError

# Typed on the Upload history page before the sample data may be rolled back there (the CLI needs only the id).
SAMPLE_CONFIRMATION = "roll back the sample data"
ROLLBACK_RACE = (
    "Someone else changed the upload history at the same moment; nothing was done. Look at the history again and choose."
)


@dataclass(frozen=True)
class RollbackPlan:
    """What rolling back one upload would do, as the page shows it; the rollback refuses if it no longer holds."""

    upload_id: int
    kind: str
    file_name: str | None
    user_name: str | None
    created_at: dt.datetime
    remove: int  # figures the upload added, which go
    restore: int  # figures the upload changed, which get their earlier values back
    rolled_back_by: int | None
    blocked_by: tuple[int, ...]  # later uploads, still standing, that changed some of the same figures

    @property
    def described(self) -> str:
        """e.g. "upload 2 (q.csv, loaded by lead on 3 June 2026 at 10:15)"."""
        when = f"{self.created_at:%-d %B %Y at %H:%M}" if self.created_at else "an unknown time"
        return f"upload {self.upload_id} ({self.file_name or 'no file name'}, loaded by {self.user_name or 'unknown'} on {when})"

    @property
    def effect(self) -> str:
        return f"{self.remove:,} figure(s) removed, {self.restore:,} restored to their earlier values"


def rollback_plan(conn, upload_id: int) -> RollbackPlan:
    """What rolling back UPLOAD_ID would do now; StoreError if there is no such upload."""
    row = conn.execute(
        "SELECT kind, file_name, user_name, created_at, rolled_back_by FROM uploads WHERE id = ?", [upload_id]
    ).fetchone()
    if row is None:
        raise StoreError(
            f"There is no upload {upload_id}; the Upload history page (or `python -m indicators history`) "
            "lists them. Nothing was done."
        )
    kind, file_name, user_name, created_at, done_by = row
    current = conn.execute("SELECT count(*) FROM observations WHERE upload_id = ?", [upload_id]).fetchone()[0]
    restored = conn.execute("SELECT count(*) FROM observation_history WHERE replaced_by = ?", [upload_id]).fetchone()[0]
    # Later uploads that replaced this one's figures and still stand (not themselves undone).
    later = tuple(
        int(r[0])
        for r in conn.execute(
            """
        SELECT DISTINCT h.replaced_by FROM observation_history h JOIN uploads u ON u.id = h.replaced_by
        WHERE h.upload_id = ? AND u.kind <> 'rollback' AND u.rolled_back_by IS NULL ORDER BY 1""",
            [upload_id],
        ).fetchall()
    )
    return RollbackPlan(
        int(upload_id),
        kind,
        file_name,
        user_name,
        created_at,
        int(current - restored),
        int(restored),
        None if done_by is None else int(done_by),
        later,
    )


def _refusal(plan: RollbackPlan, conn, expected: RollbackPlan | None, confirm_sample: str | None) -> str | None:
    """Why this rollback must not happen now, or None. Checked inside the write transaction."""
    n = plan.upload_id
    if plan.rolled_back_by is not None:
        by = conn.execute("SELECT user_name, created_at FROM uploads WHERE id = ?", [plan.rolled_back_by]).fetchone()
        who = f" ({by[0]}, {by[1]:%-d %B %Y at %H:%M})" if by else ""
        return f"Upload {n} was already rolled back by upload {plan.rolled_back_by}{who}; nothing was done."
    if plan.kind == "rollback":
        return f"Upload {n} is itself a rollback; to put those figures back, upload the file again. Nothing was done."
    if plan.blocked_by:
        return (
            f"Upload {n} cannot be rolled back on its own: upload(s) {', '.join(map(str, plan.blocked_by))} changed "
            "some of the same figures afterwards. Roll those back first, newest first. Nothing was done."
        )
    if plan.kind == "sample" and confirm_sample != SAMPLE_CONFIRMATION:
        return (
            f"Upload {n} is the sample data ({plan.remove + plan.restore} figures); rolling it back removes every sample "
            f'figure and cannot itself be undone. To do it, type "{SAMPLE_CONFIRMATION}" on the Upload history page, '
            f"or run `python -m indicators rollback {n}`. Nothing was done."
        )
    if expected is not None:
        if expected.upload_id != n:
            return f"The rollback asked for upload {n} but was shown upload {expected.upload_id}; nothing was done."
        if (expected.remove, expected.restore) != (plan.remove, plan.restore):
            return (
                f"Upload {n} changed since it was shown: rolling it back would now mean {plan.effect}, not "
                f"{expected.effect} as shown; nothing was done. Look at the history again and choose."
            )
    return None


class _Conflict(Exception):
    """DuckDB refused this rollback's transaction because another committed the same rows first."""


def rollback(
    conn, upload_id: int, access: Access, *, expected: RollbackPlan | None = None, confirm_sample: str | None = None
) -> WriteSummary:
    """Undo one upload exactly: figures it added are removed, figures it changed get their earlier values back.

    Refused, with nothing done, when the upload was already rolled back, is a rollback, has had some of its figures
    changed by a later upload (roll that back first, so nothing anyone uploaded afterwards is silently lost), is the
    sample data (unless `confirm_sample` is SAMPLE_CONFIRMATION), or no longer does what `expected` (the plan the
    person was shown) said. The rollback is itself recorded as an upload whose note names the file, who loaded it
    and when, and what was removed and restored.
    """
    access.require_admin("roll back an upload")
    for pause in (0.1, 0.3, 1.0):
        try:
            return _rollback_once(conn, upload_id, access.user, expected, confirm_sample)
        except _Conflict:
            # Another rollback (a second tab, another admin) committed first: look again, in a new transaction,
            # where the checks will now say why this one must not happen (or let it, if it still may).
            time.sleep(pause)
    raise StoreError(ROLLBACK_RACE)


def _rollback_once(
    conn, upload_id: int, user_name: str | None, expected: RollbackPlan | None, confirm_sample: str | None
) -> WriteSummary:
    # The checks run inside the write transaction, so two people (or app servers) cannot undo one upload twice.
    _begin_write(conn)
    try:
        plan = rollback_plan(conn, upload_id)
        why = _refusal(plan, conn, expected, confirm_sample)
        if why:
            raise StoreError(why)
        rb_id = _next_id(conn, "upload_id_seq")
        now = dt.datetime.now().replace(microsecond=0)
        note = f"Rolled back {plan.described}: {plan.effect}."
        conn.execute(
            "INSERT INTO uploads (id, kind, file_name, user_name, created_at, rows_new, rows_changed, rows_unchanged, note) "
            "VALUES (?, 'rollback', NULL, ?, ?, 0, ?, 0, ?)",
            [rb_id, user_name or os_user(), now, plan.remove + plan.restore, note],
        )
        cols = ", ".join(STORED_COLUMNS)
        conn.execute(
            f"INSERT INTO observation_history ({cols}, replaced_by, replaced_at) SELECT {cols}, ?, ? FROM observations "
            "WHERE upload_id = ?",
            [rb_id, now, upload_id],
        )
        conn.execute("DELETE FROM observations WHERE upload_id = ?", [upload_id])
        conn.execute(
            f"INSERT INTO observations ({cols}) SELECT {cols} FROM observation_history WHERE replaced_by = ?", [upload_id]
        )
        conn.execute("UPDATE uploads SET rolled_back_by = ? WHERE id = ?", [rb_id, upload_id])
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        if not isinstance(e, StoreError) and (isinstance(e, duckdb.TransactionException) or "conflict" in str(e).lower()):
            raise _Conflict(str(e)) from e
        raise
    return WriteSummary(int(rb_id), 0, int(plan.remove + plan.restore), 0, note)
