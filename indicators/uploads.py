"""The upload workflow shared by the Upload page and the CLI: check, preview, commit, history, rollback,
templates and data completeness."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from indicators import ingest, periods, rag, store
from indicators.access import Access
from indicators.config import Config, Indicator


PREVIEW_ROWS = 1000  # of each kind; the counts always cover the whole file


@dataclass
class Preview:
    """What an upload would do, before anything is written."""
    result: ingest.IngestResult
    file_name: str
    content_hash: str
    counts: dict[str, int]       # new / changed / unchanged
    table: pd.DataFrame          # figures with change = new / changed / unchanged (up to PREVIEW_ROWS of each)
    same_file: tuple | None      # (upload id, file name, when) if this exact file was uploaded before

    @property
    def nothing_to_do(self) -> bool:
        return self.result.ok and self.counts["new"] == 0 and self.counts["changed"] == 0

    def summary(self) -> str:
        c = self.counts
        return f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged"


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def check(conn, config: Config, data: bytes, file_name: str, **kwargs) -> Preview:
    """Validate a file and compare it with what is stored. Writes nothing."""
    result = ingest.read_file(data, file_name, config, store.areas(conn), **kwargs)
    digest = hashlib.sha256(data).hexdigest()
    if not result.ok:
        return Preview(result, file_name, digest, {"new": 0, "changed": 0, "unchanged": 0}, pd.DataFrame(columns=["change"]), None)
    counts, table = store.diff(conn, result.rows, limit=PREVIEW_ROWS)
    return Preview(result, file_name, digest, counts, table, store.upload_with_hash(conn, digest))


def change_table(preview: Preview, config: Config, kinds=("new", "changed"), limit: int | None = PREVIEW_ROWS) -> pd.DataFrame:
    """Rows of the preview for people to read: old → new value and the RAG status each would have."""
    t = preview.table[preview.table["change"].isin(kinds)]
    if limit is not None:
        t = t.head(limit)
    out = []
    for r in t.itertuples(index=False):
        ind = config.by_id[r.indicator_id]
        p = periods.parse(r.period, ind.period_type)
        new_status = rag.status(ind, p, _clean(r.value))
        row = {
            "change": r.change, "indicator": r.indicator_id, "area": r.area_code, "period": p.display,
            "old value": rag.format_value(ind, _clean(r.old_value), _clean(r.old_marker)) if r.change != "new" else "",
            "new value": rag.format_value(ind, _clean(r.value), _clean(r.marker)),
            "old RAG": rag.BADGES[rag.status(ind, p, _clean(r.old_value))].text if r.change != "new" else "",
            "new RAG": rag.BADGES[new_status].text,
        }
        out.append(row)
    return pd.DataFrame(out, columns=["change", "indicator", "area", "period", "old value", "new value", "old RAG", "new RAG"])


def commit(conn, preview: Preview, user_name: str | None, access: Access | None = None) -> store.WriteSummary:
    """Write a checked file in one transaction. Refuses a preview with problems, and figures for indicators
    the person may not upload (checked here, on the server, whatever the page showed)."""
    if not preview.result.ok:
        raise store.StoreError(f"{preview.file_name} has {len(preview.result.problems)} problem(s); nothing was written.")
    if access is not None:
        access.require_upload(set(preview.result.rows["indicator_id"]))
    try:
        return store.write_observations(conn, preview.result.rows, kind="upload", file_name=preview.file_name,
                                        content_hash=preview.content_hash, user_name=user_name)
    except duckdb.Error as e:
        raise disk_error(e) from None


class DiskError(store.StoreError):
    """The write failed on the disk; nothing was written. The connection must be opened again before use
    (DuckDB stops a database after a failed write to disk)."""


def disk_error(e: Exception) -> Exception:
    """A failed write explained: full disk or read-only disk, with nothing written; anything else as it was."""
    text = str(e)
    if "No space left on device" in text:
        return DiskError("The disk holding the database is full, so the upload was not written: nothing changed and "
                         "every figure is as it was. Free some space (or move KPI_DB to a larger disk) and upload again.")
    if "Read-only file system" in text or "Permission denied" in text:
        return DiskError("The database file cannot be written (the disk or the file is read-only), so the upload was not "
                         "written: nothing changed. Ask whoever runs the dashboard to make KPI_DB writable.")
    return e


def rollback(conn, upload_id: int, access: Access) -> store.WriteSummary:
    """Roll back an upload: administrators only, recorded under their name."""
    access.require_admin("roll back an upload")
    return store.rollback(conn, upload_id, access.user)


def save_commentary(conn, access: Access, indicator_id: str, area_code: str, period: str, data_shows: str,
                    actions: str, next_review) -> int:
    """Commentary may be written by the indicator's uploaders and by administrators."""
    access.require_upload([indicator_id])
    return store.save_commentary(conn, indicator_id, area_code, period, data_shows, actions, next_review, access.user)


def history(conn) -> pd.DataFrame:
    df = store.uploads(conn)
    df["status"] = df["rolled_back_by"].apply(lambda r: f"rolled back by upload {int(r)}" if pd.notna(r) else "")
    return df


# ---------------------------------------------------------------- what is due: completeness and templates

def expected_period(ind: Indicator, today: dt.date) -> periods.Period:
    """The latest period whose figure is due by `today` (it ended more than `due_days` ago)."""
    p = periods.current(ind.period_type, today)
    while p.end + dt.timedelta(days=ind.due_days) >= today:
        p = periods.shift(p, -1)
    return p


def completeness(conn, config: Config, area_code: str, today: dt.date | None = None) -> pd.DataFrame:
    """Per indicator, for one area: the latest period held, the latest period due, and in / overdue."""
    today = today or dt.date.today()
    held = dict(conn.execute(
        "SELECT indicator_id, max(period_start) FROM observations WHERE area_code = ? GROUP BY 1", [area_code]).fetchall())
    rows = []
    for ind in config.indicators:
        due = expected_period(ind, today)
        last = held.get(ind.id)
        last = last.date() if isinstance(last, dt.datetime) else last
        if last is None:
            status, missing = "no data", None
        elif last >= due.start:
            status, missing = "in", 0
        else:
            p, missing = periods.parse(due.label, ind.period_type), 0
            while p.start > last:
                missing += 1
                p = periods.shift(p, -1)
            status = "overdue"
        rows.append({"indicator_id": ind.id, "latest_due": due.label, "latest_due_display": due.display,
                     "status": status, "periods_missing": missing})
    return pd.DataFrame(rows)


def completeness_text(status: str, missing, due_display: str) -> str:
    if status == "in":
        return "✔ Up to date"
    if status == "overdue":
        return f"⚠ Overdue: {int(missing)} missing"
    return "– No figures"


TEMPLATE_COLUMNS = ["indicator", "area", "period", "value", "numerator", "denominator", "note"]


def template_rows(conn, config: Config, area_code: str, indicator_id: str | None = None,
                  today: dt.date | None = None, max_periods: int = 12) -> pd.DataFrame:
    """Rows to fill in: for one indicator, every period due since the last one held (the latest
    `max_periods`); for all indicators (indicator_id None), just the latest period due for each."""
    today = today or dt.date.today()
    held = dict(conn.execute(
        "SELECT indicator_id, max(period_start) FROM observations WHERE area_code = ? GROUP BY 1", [area_code]).fetchall())
    out = []
    for ind in config.indicators:
        if indicator_id and ind.id != indicator_id:
            continue
        due = expected_period(ind, today)
        if indicator_id is None:
            labels = [due.label]
        else:
            labels, p = [], due
            last = held.get(ind.id)
            last = last.date() if isinstance(last, dt.datetime) else last
            while len(labels) < max_periods and (last is None or p.start > last):
                labels.append(p.label)
                p = periods.shift(p, -1)
            labels = labels[::-1] or [due.label]
        out += [{"indicator": ind.id, "area": area_code, "period": label, "value": "", "numerator": "",
                 "denominator": "", "note": ""} for label in labels]
    return pd.DataFrame(out, columns=TEMPLATE_COLUMNS)


def template_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\r\n")  # CRLF: opens cleanly in Excel on Windows


def template_xlsx(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        df.to_excel(xl, index=False, sheet_name="figures")
    return buf.getvalue()
