"""The load workflow shared by the Upload page, the command line and the first start: read a file (a lead's return
or a DfE release), validate it, compare it with what is stored, preview, commit; history, rollback, templates and
the period a template asks for (expected_period, by readmodel.due_status's rule)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import threading
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from indicators import bounds, owed, periods, rag, slips, sources, store, tables
from indicators.access import Access
from indicators.cells import half_up
from indicators.config import Config, Indicator
from indicators.problems import Problem
from indicators.validate import Result, refused, validate

GUESSED = "guessed"  # the start of a release basis that nothing published named (indicators.ees.GUESSED)

PREVIEW_ROWS = 1000  # of each kind; the counts always cover the whole file
# Files that unpack to more than this are read and checked in a worker process, so one person's big file never holds
# up the pages other people are reading (the checks are Python and would otherwise take the server's time).
OFFLOAD_BYTES = bounds.OFFLOAD_BYTES
offload_wanted = bounds.offload_wanted  # decided on what the file unpacks to: a 58 KB zip may hold 390 MB
CHANGE_WORDS = {"new": "new", "changed": "changed", "unchanged": "unchanged", "kept": "kept"}
# How an official figure that is already stored differs from the one in the release.
HOW_REVISED, HOW_PRECISE, HOW_CONFIRMED = "revised", "more precise", "confirmed"


@dataclass
class Preview:
    """What a load would do, before anything is written."""

    result: Result
    file_name: str
    content_hash: str
    counts: dict[str, int]  # new / changed / unchanged / kept
    table: pd.DataFrame  # figures with `change` (and `how`), up to PREVIEW_ROWS of each kind
    same_file: tuple | None  # (upload id, file name, when) if this exact file was loaded before
    to_write: pd.DataFrame = field(default_factory=pd.DataFrame)  # the new and changed figures, with their notes
    how: dict[str, int] = field(default_factory=dict)  # official: revised / more precise / confirmed
    slips: list = field(default_factory=list)  # slips.Slip: figures that look mistyped, to be confirmed before Confirm
    config: Config | None = None  # the indicators it was checked against (the store checks slips with them again)

    @property
    def warnings(self) -> list:
        """The slips as Problems (row, column, message), as the page and the command line list them."""
        return [s.problem for s in self.slips]

    @property
    def official(self) -> bool:
        return self.result.table.official

    @property
    def release(self) -> str | None:
        return self.result.table.release

    @property
    def nothing_to_do(self) -> bool:
        return self.result.ok and self.counts["new"] == 0 and self.counts["changed"] == 0

    def summary(self) -> str:
        c = self.counts
        changed = f"{c['changed']} changed"
        if any(self.how.values()):
            changed += " (" + ", ".join(f"{n} {k}" for k, n in self.how.items() if n) + ")"
        kept = f", {c['kept']} kept (a newer release already holds them)" if c.get("kept") else ""
        return f"{c['new']} new, {changed}, {c['unchanged']} unchanged{kept}"


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _missing(x) -> bool:
    return x is None or bool(pd.isna(x))


def _decimals(x: float) -> int:
    """Decimal places written in a figure (49.2 → 1, 49.166 → 3, 68.0 → 0)."""
    text = repr(float(x))
    return 0 if "e" in text or text.endswith(".0") else len(text.split(".")[1])


def published_places(x: float, whole: int = 0) -> int:
    """The precision a figure was published at: the decimals written in it; a whole number is read at `whole`, the
    indicator's published decimals, because the DfE writes a rate of 18.0 as "18" (129 of the 970 rates in the 2025
    SEN2 timeliness file are written so), not as a figure rounded to the nearest whole number."""
    return _decimals(x) or whole


at_places = half_up  # x rounded half-up to `places` decimals in decimal arithmetic, as the DfE rounds


def same_figure(new, old, whole: int = 0) -> bool:
    """The same figure at the coarser of the two published precisions (49.166 and 49.2; 29.2 and 29.228; 31.25 and
    31.3), each a whole number read at `whole` decimals (18 and 18.3 differ when rates are published to 1 decimal)."""
    if _missing(new) or _missing(old):
        return _missing(new) and _missing(old)
    places = min(published_places(new, whole), published_places(old, whole))
    return at_places(new, places) == at_places(old, places)


# ---------------------------------------------------------------- reading and validating (may run in a worker)


def read_and_validate(
    data: bytes,
    file_name: str,
    config: Config,
    areas_df: pd.DataFrame,
    access: Access,
    *,
    kind: str = "return",
    mapping: str | None = None,
    release: str | None = None,
    today: dt.date | None = None,
    default_figure_type: str = "submitted",
    sheet: str | None = None,
) -> Result:
    """The file → the reader of its kind of upload (indicators/sources.py) → its table → the one validator. Pure: no
    database, so it can run in another process. `sheet` is the workbook sheet the person picked (default: the one
    holding the header)."""
    chosen = sources.kind(kind)
    if chosen.admin_only and not access.admin:
        table = refused(chosen.choice, [Problem.of("kind_admin_only", user=access.user, what=chosen.choice)])
    else:
        table = chosen.read(data, file_name, config, areas_df, mapping=mapping, release=release, sheet=sheet)
    return validate(table, config, areas_df, access, today=today, default_figure_type=default_figure_type)


_pool = None  # concurrent.futures.ProcessPoolExecutor, started for the first big file
_pool_lock = threading.Lock()


def _worker_start() -> None:
    os.nice(10)  # the pages people are reading come first
    _end_with_parent()


def _end_with_parent() -> None:
    """The worker ends when the app server does, even when it is killed (kill -9 runs no clean-up): a thread waits on
    the pipe the spawning parent holds open, which the system closes when the parent dies."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="kpi-end-with-parent", daemon=True).start()


def _offloaded(*args, **kwargs) -> Result:
    """read_and_validate in the one worker process (started on first use, kept for the next file)."""
    global _pool
    import atexit
    import concurrent.futures
    import multiprocessing  # imported here: only files that unpack to over OFFLOAD_BYTES are checked in a worker

    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start
            )
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        pool = _pool
    return pool.submit(read_and_validate, *args, **kwargs).result()


def check(conn, config: Config, data: bytes, file_name: str, access: Access, *, offload: bool = False, **options) -> Preview:
    """Read and validate a file and compare it with what is stored. Writes nothing. `options` are read_and_validate's:
    `kind` names the kind of upload in indicators/sources.py, "return" (a lead's return, the default) or "official"
    (a DfE or NHS England file), with its `mapping` and `release`; `sheet`, `today`, `default_figure_type`. `offload`
    checks it in the worker process (the pages ask for that when offload_wanted(data): it unpacks to over
    OFFLOAD_BYTES, so that other people's pages are not held up)."""
    args = (data, file_name, config, store.areas(conn), access)
    result = _offloaded(*args, **options) if offload else read_and_validate(*args, **options)
    digest = hashlib.sha256(data).hexdigest()
    empty = {"new": 0, "changed": 0, "unchanged": 0, "kept": 0}
    if not result.ok:
        return Preview(result, file_name, digest, empty, pd.DataFrame(columns=["change"]), None, result.rows)
    how: dict[str, int] = {}
    if not result.table.official:
        # A lead's return: the counts cover the file, the table shows the first rows of each kind, and the writer
        # skips what is unchanged itself, so the whole file is handed on (100,000 rows never come back to Python).
        counts, shown = store.diff(conn, result.rows, limit=PREVIEW_ROWS)
        counts["kept"] = 0
        shown["how"] = np.where(shown["change"] == "changed", "changed", "")
        ranges = store.slip_ranges(conn, result.rows)
        names = store.area_names(conn, sorted(set(ranges["area_code"])))
        found = slips.find(ranges, config, names, result.row_of(), wide=result.layout == "wide")
        same = store.upload_with_hash(conn, digest)
        return Preview(result, file_name, digest, counts, shown, same, result.rows, how, found, config)
    _, table = store.diff(conn, result.rows)
    table, how = _classify_official(table, result.table.release, config)
    counts = {k: int((table["change"] == k).sum()) for k in ("new", "changed", "unchanged", "kept")}
    if counts["kept"] and result.table.release_basis.startswith(GUESSED):
        # A guessed release older than one stored would have its figures kept unread: ask which release it is.
        stored = str(max(str(x) for x in table.loc[table["change"] == "kept", "old_release"]))
        problem = Problem.of("release_unknown", name=file_name, guess=result.table.release, stored=stored)
        refused = Result(result.rows.iloc[0:0], [problem], result.table)
        return Preview(refused, file_name, digest, empty, pd.DataFrame(columns=["change"]), None, refused.rows)
    key = ["indicator_id", "area_code", "period"]
    decided = table.loc[table["change"].isin(["new", "changed"]), key + ["note"]]
    # The rows to write come from the file's own rows (Python dates, not what DuckDB hands back), by key.
    to_write = result.rows.drop(columns="note").merge(decided, on=key, how="inner")[store.OBS_COLUMNS]
    shown = table.groupby("change", sort=False).head(PREVIEW_ROWS).reset_index(drop=True)
    return Preview(result, file_name, digest, counts, shown, store.upload_with_hash(conn, digest), to_write, how)


def _classify_official(table: pd.DataFrame, release: str | None, config: Config) -> tuple[pd.DataFrame, dict[str, int]]:
    """Official figures against what is stored: a figure a newer release already holds is kept; the same figure
    restated (even at another precision) is unchanged when stored as published; otherwise it is written, and its
    note says whether the release revised it, gave it more precisely, or confirmed a figure stored as illustrative.
    "The same" is judged at the precision each was published (`same_figure`): a change visible there is a revision."""
    in_release = f" in release {release}" if release else ""
    whole = [config.by_id[i].decimals if i in config.by_id else 0 for i in table["indicator_id"].tolist()]
    n = len(table)
    change, how, notes = table["change"].tolist(), [""] * n, [None] * n
    cols = zip(
        range(n),
        change,
        table["value"].tolist(),
        table["marker"].tolist(),
        table["old_value"].tolist(),
        table["old_marker"].tolist(),
        table["old_figure_type"].tolist(),
        table["old_release"].tolist(),
    )
    for i, c, value, marker, old_value, old_marker, old_type, old_release in cols:
        if c == "new":
            continue
        old_release = _clean(old_release)
        if old_release and release and str(old_release) > str(release):
            change[i] = "kept"
            continue
        same_marker = (_clean(marker) or None) == (_clean(old_marker) or None)
        same = same_marker and same_figure(value, old_value, whole[i])
        coarser = (
            _missing(value) or _missing(old_value) or published_places(value, whole[i]) <= published_places(old_value, whole[i])
        )
        if old_type == "published" and same and coarser:
            change[i] = "unchanged"  # restated, at the same or a coarser precision: the stored figure stands
            continue
        change[i] = "changed"
        old = _shown(old_value, old_marker)
        if same and old_type == "published":
            how[i], notes[i] = HOW_PRECISE, f"given more precisely{in_release}; previously {old}"
        elif same:
            how[i], notes[i] = HOW_CONFIRMED, f"published{in_release}; previously stored as {old_type}"
        else:
            how[i] = HOW_REVISED
            notes[i] = f"revised{in_release}; previously {old}" + ("" if old_type == "published" else f" ({old_type})")
    table = table.assign(change=change, how=how, note=notes)
    return table, {k: how.count(k) for k in (HOW_REVISED, HOW_PRECISE, HOW_CONFIRMED)}


def _shown(value, marker) -> str:
    if not _missing(marker) and marker:
        return str(marker)
    return "empty" if _missing(value) else f"{value:g}"


def _full(value: float, decimals: int) -> str:
    """A figure with every decimal it has, and at least the indicator's: 83.5 stays 83.5, 91 at one place is 91.0."""
    return f"{value:,.{max(decimals, _decimals(value))}f}"


def shown_value(ind: Indicator, value, marker) -> str:
    """A figure in a preview: at the indicator's precision, and never fewer decimals than it was given with (83.5
    for a whole-number indicator reads "83.5% (shown as 84%)", not a silent 84%)."""
    at_precision = rag.format_value(ind, value, marker)
    if _missing(value) or _decimals(value) <= ind.decimals:
        return at_precision
    full = rag.format_value(ind.model_copy(update={"decimals": _decimals(value)}), value, marker)
    return f"{full} (shown as {at_precision})"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def change_reason(ind: Indicator, r) -> str:
    """Why a stored figure would change, in words: every field that differs, and a value that changes below the
    precision the dashboard shows says where ("changed in the 2nd decimal: 91.04 → 91.0")."""
    why = []
    old, new = _clean(r.old_value), _clean(r.value)
    old_m, new_m = _clean(r.old_marker) or None, _clean(r.marker) or None
    if old_m != new_m:
        why.append(
            f"{'suppressed (' + old_m + ')' if old_m else 'a figure'} → {'suppressed (' + new_m + ')' if new_m else 'a figure'}"
        )
    if old is not None and new is not None and float(old) != float(new):
        if rag.format_value(ind, old) == rag.format_value(ind, new):
            place = next(k for k in range(1, 16) if round(float(old), k) != round(float(new), k))
            why.append(f"changed in the {_ordinal(place)} decimal: {_full(old, ind.decimals)} → {_full(new, ind.decimals)}")
        else:
            why.append(f"value {shown_value(ind, old, None)} → {shown_value(ind, new, None)}")
    elif (old is None) != (new is None) and old_m == new_m:
        why.append(f"value {shown_value(ind, old, None)} → {shown_value(ind, new, None)}")
    for name in ("numerator", "denominator"):
        a, b = _clean(getattr(r, f"old_{name}", None)), _clean(getattr(r, name, None))
        if a != b and not (a is not None and b is not None and float(a) == float(b)):
            why.append(f"{name} {'empty' if a is None else f'{a:g}'} → {'empty' if b is None else f'{b:g}'}")
    a, b = _clean(getattr(r, "old_note", None)) or None, _clean(getattr(r, "note", None)) or None
    if a != b:
        why.append("note added" if a is None else "note removed" if b is None else "note changed")
    a, b = _clean(getattr(r, "old_figure_type", None)), _clean(getattr(r, "figure_type", None))
    if a and b and a != b:
        why.append(f"was {a}, now {b}")
    a, b = _clean(getattr(r, "old_source", None)) or None, _clean(getattr(r, "source", None)) or None
    if a != b and not why:
        why.append("source changed")
    return "; ".join(why) or "stored again as it was"


CHANGE_COLUMNS = [
    "change",
    "indicator",
    "area",
    "period",
    "old value",
    "new value",
    "old RAG",
    "new RAG",
    "why",
    "indicator_id",
    "area_code",
]


def change_table(
    preview: Preview,
    config: Config,
    kinds=("new", "changed"),
    limit: int | None = PREVIEW_ROWS,
    area_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Rows of the preview for people to read: indicator and area by name, old → new value at the indicator's
    precision (never fewer decimals than given), the RAG status each would have, and why a changed row changes.
    indicator_id and area_code are kept last for the command line."""
    t = preview.table[preview.table["change"].isin(kinds)]
    if limit is not None:
        t = t.head(limit)
    names = area_names or {}
    out = []
    for r in t.itertuples(index=False):
        ind = config.by_id[r.indicator_id]
        p = periods.parse(r.period, ind.period_type)
        existed = r.change != "new"
        why = ""
        if r.change == "changed":
            why = _clean(getattr(r, "note", None)) if preview.official else change_reason(ind, r)
        out.append(
            {
                "change": (r.how or r.change) if r.change == "changed" else r.change,
                "indicator": ind.name,
                "area": names.get(r.area_code, r.area_code),
                "period": p.display,
                "old value": shown_value(ind, _clean(r.old_value), _clean(r.old_marker)) if existed else "",
                "new value": shown_value(ind, _clean(r.value), _clean(r.marker)),
                "old RAG": rag.BADGES[rag.status(ind, p, _clean(r.old_value))].text if existed else "",
                "new RAG": rag.BADGES[rag.status(ind, p, _clean(r.value))].text,
                "why": why or "",
                "indicator_id": r.indicator_id,
                "area_code": r.area_code,
            }
        )
    return pd.DataFrame(out, columns=CHANGE_COLUMNS)


def listed_uploads(conn, user: str | None = None, limit: int = 50) -> list[dict]:
    """Uploads (everyone's, or one person's), newest first, as the history lists them."""
    history_df = history(conn)
    if user is not None:
        history_df = history_df[history_df["user_name"].str.lower() == user.lower()]
    return history_df.head(limit).to_dict("records")


FIGURE_COLUMNS = ["change", "indicator", "area", "period", "earlier figure", "figure loaded"]


def figures_of(conn, config: Config, upload: dict) -> pd.DataFrame:
    """The figures one upload added or changed, for people to read: indicator and area names, period, the earlier
    figure and the one the upload wrote (none for a rollback or the sample)."""
    if upload["kind"] not in ("upload", "import"):
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    figs = store.upload_figures(conn, upload["id"])
    names = dict(conn.execute("SELECT code, name FROM areas").fetchall())
    rows = []
    for r in figs.itertuples(index=False):
        ind = config.by_id.get(r.indicator_id)
        if ind is None:
            continue
        rows.append(
            {
                "change": r.change,
                "indicator": ind.name,
                "area": names.get(r.area_code, r.area_code),
                "period": periods.parse(r.period, ind.period_type).display,
                "earlier figure": shown_value(ind, _clean(r.old_value), _clean(r.old_marker)) if r.change == "changed" else "",
                "figure loaded": shown_value(ind, _clean(r.value), _clean(r.marker)),
            }
        )
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def summary_lines(
    preview: Preview, written: store.WriteSummary | None = None, *, dry_run: bool = False, limit: int = 20
) -> list[str]:
    """Plain-text account of a load for the command line and the Upload page: what was read, how, what was skipped,
    added and revised. Without `written` it describes the preview (what Confirm would do); with it, what was written."""
    r = preview.result
    t = r.table
    lines = [f"{preview.file_name}: {t.source}, {t.layout_text}."]
    if t.official:
        basis = f" ({t.release_basis})" if t.release_basis else ""
        lines.append(
            f"Release {preview.release or 'not known'}{basis}; indicators fed: {', '.join(sorted(set(r.rows['indicator_id'])))}."
        )
    markers = r.markers
    kept = ""
    if markers:
        kept = (
            f"; {sum(markers.values())} suppressed cell(s) kept as missing with their marker ("
            + ", ".join(f"{k} ×{n}" for k, n in markers.items())
            + ")"
        )
    lines.append(f"Figures: {len(r.rows):,}{kept}.")
    for reason, n in r.skipped.items():
        lines.append(f"Skipped {n:,} {reason}.")
    lines += t.notes
    new_areas = r.new_areas
    if new_areas:
        verb = "would be added" if dry_run or written is None else "added"
        shown = "; ".join(f"{code} {name}" for code, name, *_ in new_areas[:limit])
        more = f" … and {len(new_areas) - limit} more" if len(new_areas) > limit else ""
        lines.append(f"Areas {verb} ({len(new_areas)}): {shown}{more}.")
    c = preview.counts
    if c.get("kept"):
        lines.append(
            f"Kept as stored: {c['kept']:,} figure(s) that a newer release already holds (an older release never "
            "overwrites a newer one)."
        )
    if dry_run:
        lines.append(f"Dry run: {preview.summary()}; nothing was written.")
    elif written is None and not preview.nothing_to_do:
        lines.append(f"To be written: {preview.summary()}; nothing is written until you confirm.")
    elif written is None or written.upload_id is None:
        again = f" (the same file was loaded as upload {preview.same_file[0]})" if preview.same_file else ""
        lines.append(f"Every figure is already stored ({c['unchanged']:,} unchanged){again}; nothing was written.")
    else:
        lines.append(
            f"Loaded as upload {written.upload_id}: {written.new:,} new, {written.changed:,} changed, "
            f"{c['unchanged']:,} unchanged."
        )
    revised = preview.table[(preview.table["change"] == "changed") & (preview.table["how"] == HOW_REVISED)]
    if not revised.empty:
        lines.append("Revised figures (the earlier figures stay in the history):")
        for row in revised.head(limit).itertuples(index=False):
            lines.append(
                f"  {row.indicator_id}, {row.area_code}, {row.period}: "
                f"{_shown(row.old_value, row.old_marker)} → {_shown(row.value, row.marker)}"
            )
        if len(revised) > limit:
            lines.append(f"  … and {preview.how.get(HOW_REVISED, len(revised)) - limit} more")
    return lines


def commit(conn, preview: Preview, access: Access, *, confirmed: bool | set = False) -> store.WriteSummary:
    """Write a checked file in one transaction, exactly as previewed: refused (nothing written) if it has problems,
    if the person may not write these figures (checked again in the store), if the stored figures changed since
    the preview so that it would now do something else, or if a figure looks mistyped (preview.slips) and was not
    confirmed: `confirmed` is True for every slip the preview showed, or the set of their keys."""
    if not preview.result.ok:
        raise store.StoreError(f"{preview.file_name} has {len(preview.result.problems)} problem(s); nothing was written.")
    if preview.nothing_to_do:
        return store.WriteSummary(None, 0, 0, preview.counts["unchanged"])
    note = None
    if preview.official:
        note = f"{preview.result.file_kind}: {preview.result.layout}" + (
            f", release {preview.release}" if preview.release else ""
        )
        if preview.counts["unchanged"]:
            note += f"; {preview.counts['unchanged']:,} figure(s) restated as already stored"
        if preview.counts.get("kept"):
            note += f"; {preview.counts['kept']:,} kept (a newer release holds them)"
    try:
        return store.write_observations(
            conn,
            preview.to_write,
            access=access,
            kind="import" if preview.official else "upload",
            file_name=preview.file_name,
            content_hash=preview.content_hash,
            note=note,
            new_areas=preview.result.new_areas,
            expected=(preview.counts["new"], preview.counts["changed"]),
            config=preview.config,
            confirmed={s.key for s in preview.slips} if confirmed is True else set(confirmed or ()),
        )
    except duckdb.Error as e:
        raise disk_error(e) from None


class DiskError(store.StoreError):
    """The write failed on the disk; nothing was written. The connection must be opened again before use
    (DuckDB stops a database after a failed write to disk)."""


def disk_error(e: Exception) -> Exception:
    """A failed write explained: full disk or read-only disk, with nothing written; anything else as it was."""
    text = str(e)
    if "No space left on device" in text:
        return DiskError(
            "The disk holding the database is full, so the upload was not written: nothing changed and "
            "every figure is as it was. Free some space (or move KPI_DB to a larger disk) and upload again."
        )
    if "Read-only file system" in text or "Permission denied" in text:
        return DiskError(
            "The database file cannot be written (the disk or the file is read-only), so the upload was not "
            "written: nothing changed. Ask whoever runs the dashboard to make KPI_DB writable."
        )
    return e


def load_file(
    conn, config: Config, data: bytes, file_name: str, access: Access, **kwargs
) -> tuple[Preview, store.WriteSummary | None]:
    """Check and write in one call: (preview, None) when the file has problems and nothing was written."""
    preview = check(conn, config, data, file_name, access, **kwargs)
    if not preview.result.ok:
        return preview, None
    return preview, commit(conn, preview, access)


def rollback(conn, upload_id: int, access: Access, **kwargs) -> store.WriteSummary:
    """Roll back an upload: administrators only (checked in the store), recorded under their name."""
    return store.rollback(conn, upload_id, access, **kwargs)


def save_commentary(
    conn, access: Access, indicator_id: str, area_code: str, period: str, data_shows: str, actions: str, next_review
) -> int:
    """Commentary may be written by the indicator's uploaders and by administrators."""
    access.require_upload([indicator_id])
    return store.save_commentary(conn, indicator_id, area_code, period, data_shows, actions, next_review, access.user)


def history(conn) -> pd.DataFrame:
    df = store.uploads(conn)
    df["status"] = df["rolled_back_by"].apply(lambda r: f"rolled back by upload {int(r)}" if pd.notna(r) else "")
    df["note"] = df["note"].astype(object).where(df["note"].notna(), "")  # an empty note reads blank, not "None"
    return df


# ---------------------------------------------------------------- what is due and templates


def expected_period(ind: Indicator, today: dt.date) -> periods.Period:
    """The latest period whose figure is due by `today`, by the one rule of what is due: readmodel.due_status (through
    owed.latest_due), which the scorecard shows and data/sample/build_sample.py builds the sample to."""
    return owed.latest_due(ind, today)


TEMPLATE_COLUMNS = [
    "indicator",
    "indicator_name",
    "unit",
    "area",
    "period",
    "period_name",
    "value",
    "numerator",
    "denominator",
    "note",
]


def template_rows(
    conn,
    config: Config,
    area_code: str,
    access: Access,
    indicator_id: str | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Rows a lead can fill in: for each local indicator they may upload (or the one chosen), every period whose
    figure fell due in the last two years that the store does not hold yet (owed.missing_periods). The name, unit and
    period name columns are for the person; the loader reads past them."""
    out = [
        {
            "indicator": ind.id,
            "indicator_name": ind.name,
            "unit": owed.UNITS[ind.unit],
            "area": area_code,
            "period": p.label,
            "period_name": p.display,
            "value": "",
            "numerator": "",
            "denominator": "",
            "note": "",
        }
        for ind, p in owed.missing_periods(conn, config, area_code, access, indicator_id, today)
    ]
    return pd.DataFrame(out, columns=TEMPLATE_COLUMNS)


def template_csv(df: pd.DataFrame) -> str:
    return tables.to_csv(df)  # CRLF (opens cleanly in Excel on Windows), formula-like text neutralised


def template_xlsx(df: pd.DataFrame, config: Config | None = None, areas: list[tuple[str, str]] | None = None) -> bytes:
    """The template as an Excel workbook: frozen header, widths, drop-down lists and a notes sheet (owed.template_xlsx)."""
    from indicators import config as config_mod

    config = config or config_mod.load()
    if areas is None:
        areas = [(a.code, a.name) for a in config.areas if a.level == "local_authority"]
    return owed.template_xlsx(df, config, areas)
