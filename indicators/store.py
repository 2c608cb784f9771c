"""The store: writing figures (one transaction, one definition of new / changed / unchanged), rolling an upload
back, commentary, and opening the store for the app and the CLI; every other store function is re-exported here.

The store is a DuckDB file (the default) or, for several app servers, a PostgreSQL database that DuckDB
reaches through its postgres extension (`KPI_DB=postgresql://...`). DuckDB runs every query either way;
where PostgreSQL needs something else (sequences, the writers' lock, backups, each app server's local copy
for reading) the code branches on `is_postgres(conn)`. The rest lives beside it: store_schema (tables,
migrations, errors), store_connect (opening a file or PostgreSQL), store_postgres (the second backend),
store_queries (read-only queries) and store_backups (backup and restore)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from indicators.access import Access, Forbidden
from indicators.bounds import MAX_NAME_CHARS
from indicators.config import Config
from indicators.store_backups import (  # noqa: F401  (re-exported: indicators.store is the store's one public face)
    BACKUP_KEEP,
    _backup_postgres,
    _restore_postgres,
    backup,
    backup_dir,
    latest_backup_time,
    restore,
    timed_backup,
)
from indicators.store_commit import (  # noqa: F401
    CHECKPOINT_AFTER_BYTES,
    WriteSummary,
    _bump_and_commit,
    _checkpoint_soon,
    _checkpoints,
    _rollback_quietly,
    os_user,
    wait_for_checkpoints,
)
from indicators.store_connect import (  # noqa: F401  (re-exported: indicators.store is the store's one public face)
    CHECKPOINT_THRESHOLD,
    connect,
    migrate,
)
from indicators.store_postgres import (  # noqa: F401  (re-exported: indicators.store is the store's one public face)
    COPY_DIR_ENV,
    DEFAULT_COPY_DIR,
    POSTGRES_ALIAS,
    POSTGRES_LOCK_WAIT_SECONDS,
    POSTGRES_PACKAGE,
    PostgresConnection,
    _begin_write,
    _connect_postgres,
    _drop_tables,
    _drop_unused_postgres_store,
    _migration_statement,
    _new_postgres_instance,
    _next_id,
    _pg_execute,
    _PostgresInstance,
    _prepare_postgres,
    _raise_if_busy,
    _refresh_catalog,
    _sql_text,
    copy_dir,
    db_label,
    is_postgres,
    postgres_extension_file,
)
from indicators.store_queries import (  # noqa: F401  (re-exported: indicators.store is the store's one public face)
    _plain,
    area_names,
    area_observations,
    area_row,
    areas,
    areas_with_data,
    commentary_versions,
    comparator_values,
    la_figures,
    la_periods,
    latest_commentary,
    neighbour_rows,
    observations_of,
    standing_among_las,
    upload_figures,
    upload_with_hash,
    uploads,
    value_at,
)
from indicators.store_rollback import (  # noqa: F401
    ROLLBACK_RACE,
    SAMPLE_CONFIRMATION,
    RollbackPlan,
    _Conflict,
    _refusal,
    _rollback_once,
    rollback,
    rollback_plan,
)

# Re-exported: indicators.store is the store's one public face, whichever module a function lives in.
from indicators.store_schema import (  # noqa: F401
    OBS_COLUMNS,
    PAUSE_ENV,
    SAMPLE_CSV,
    SCHEMA_VERSION,
    STORED_COLUMNS,
    StaleWrite,
    StoreBusy,
    StoreError,
    _target,
    data_version,
    db_path,
    is_postgres_url,
    schema_version,
    table_counts,
    table_snapshot,
)


def sync_areas(conn, config: Config) -> None:
    """Areas named in the config are inserted or renamed; areas added by imports are kept."""
    rows = [(a.code, a.name, a.level, a.la_code, a.region) for a in config.areas]
    # Only what differs: on PostgreSQL each row is a round trip (1.3 s for the 163 national areas at every start).
    held = set(conn.execute("SELECT code, name, level, la_code, region FROM areas").fetchall())
    rows = [r for r in rows if r not in held]
    if not rows:
        return
    conn.executemany(
        """INSERT INTO areas VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
             la_code = excluded.la_code, region = excluded.region""",
        rows,
    )


def add_areas(conn, rows: list[tuple[str, str, str, str | None, str | None]]) -> int:
    """Add areas not yet known (code, name, level, la_code, region); existing areas are left as they are.
    Returns how many were added. Runs inside the caller's transaction when there is one."""
    if not rows:
        return 0
    # The readers refuse longer names with the row (indicators/bounds.py); this is the last guard for any other way in.
    too_long = [r[0] for r in rows if len(str(r[1])) > MAX_NAME_CHARS]
    if too_long:
        raise StoreError(
            f"The name of {too_long[0]} is over {MAX_NAME_CHARS} characters long; names that long are refused. Nothing was written."
        )
    before = conn.execute("SELECT count(*) FROM areas").fetchone()[0]
    # One statement over a registered frame: executemany runs a statement per row (seconds for a national release).
    conn.register("new_areas", pd.DataFrame(rows, columns=["code", "name", "level", "la_code", "region"], dtype=object))
    try:
        conn.execute("INSERT INTO areas SELECT * FROM new_areas ON CONFLICT (code) DO NOTHING")
    finally:
        conn.unregister("new_areas")
    return conn.execute("SELECT count(*) FROM areas").fetchone()[0] - before


# Compares incoming rows (alias i) with stored ones (alias o): the one definition of new / changed / unchanged.
_CHANGE_SQL = """
    CASE WHEN o.indicator_id IS NULL THEN 'new'
         WHEN i.value IS NOT DISTINCT FROM o.value AND i.numerator IS NOT DISTINCT FROM o.numerator
          AND i.denominator IS NOT DISTINCT FROM o.denominator AND i.marker IS NOT DISTINCT FROM o.marker
          AND i.note IS NOT DISTINCT FROM o.note AND i.figure_type = o.figure_type
          AND i.source IS NOT DISTINCT FROM o.source AND i.release IS NOT DISTINCT FROM o.release THEN 'unchanged'
         ELSE 'changed' END"""


def _incoming(rows: pd.DataFrame, seq: bool = False):
    """Tidy rows as an Arrow table of the stored column types, to register with DuckDB: scanning Arrow is many times
    faster than scanning a frame of Python objects (100,000 rows: milliseconds, not a third of a second). `seq`
    numbers the rows in file order, for a preview that shows them in that order."""
    import pyarrow as pa  # only loads need it

    frame = rows[OBS_COLUMNS]
    try:
        table = pa.Table.from_pandas(frame, schema=_arrow_schema(), preserve_index=False, nthreads=1)
    except (pa.ArrowException, TypeError, ValueError):
        return frame.assign(seq=range(len(frame))) if seq else frame  # anything Arrow will not take: DuckDB reads the frame
    return table.append_column("seq", pa.array(range(len(frame)), pa.int64())) if seq else table


@functools.cache
def _arrow_schema():
    import pyarrow as pa

    kind = {"period_start": pa.date32(), "period_end": pa.date32()}
    kind.update(dict.fromkeys(("value", "numerator", "denominator"), pa.float64()))
    return pa.schema([(c, kind.get(c, pa.string())) for c in OBS_COLUMNS])


def _stored_for(conn, rows: pd.DataFrame) -> str:
    """The stored observations a comparison with `rows` can touch, as a query. DuckDB joins the whole table by hash
    (100,500 rows against 782,400 stored: 0.12 s, against 0.24-0.5 s when first filtered by lists of indicators and
    areas); PostgreSQL is sent those lists, so that it does not send its whole table back."""

    def listed(values) -> str:
        return ", ".join(_sql_text(str(v)) for v in sorted(pd.unique(values)))

    if rows.empty:
        return "(SELECT * FROM observations WHERE false)"
    if not is_postgres(conn):
        return "observations"
    return (
        f"(SELECT * FROM observations WHERE indicator_id IN ({listed(rows['indicator_id'])}) "
        f"AND area_code IN ({listed(rows['area_code'])}))"
    )


def diff(conn, rows: pd.DataFrame, limit: int | None = None) -> tuple[dict[str, int], pd.DataFrame]:
    """Compare tidy rows with what is stored: counts of new / changed / unchanged, and the rows with their
    old values (at most `limit` of each kind, so previewing a huge file does not copy it all back)."""
    conn.register("incoming", _incoming(rows, seq=True))
    try:
        # The comparison keeps only each row's number and what it is compared with; the rows shown are joined back.
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE compared AS
            SELECT i.seq, o.value AS old_value, o.marker AS old_marker, o.figure_type AS old_figure_type,
                   o.release AS old_release, o.numerator AS old_numerator, o.denominator AS old_denominator,
                   o.note AS old_note, o.source AS old_source, {_CHANGE_SQL} AS change
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        counts = dict(conn.execute("SELECT change, count(*) FROM compared GROUP BY 1").fetchall())
        where = "" if limit is None else f"QUALIFY row_number() OVER (PARTITION BY change ORDER BY seq) <= {int(limit)}"
        table = conn.execute(f"""
            SELECT i.* EXCLUDE (seq), c.* EXCLUDE (seq) FROM (SELECT * FROM compared {where}) c
            JOIN incoming i USING (seq) ORDER BY i.seq""").df()
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.compared")
        conn.unregister("incoming")
    return {k: int(counts.get(k, 0)) for k in ("new", "changed", "unchanged")}, table


class UnconfirmedSlips(StoreError):
    """Figures that look mistyped (indicators.slips) were not confirmed by the person; nothing was written."""

    def __init__(self, slips):
        self.slips = slips
        listed = "; ".join(f"{s.indicator_id}, {s.area_code}, {s.period}: {s.value:g}" for s in slips[:5])
        more = f" and {len(slips) - 5} more" if len(slips) > 5 else ""
        super().__init__(
            f"{len(slips)} figure(s) look mistyped and were not confirmed ({listed}{more}). Nothing was written: "
            "correct them, or confirm each one in the preview (on the command line: load --confirm-warnings)."
        )


def recent_ranges(conn, todo: str = "todo", rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each new or changed figure in the table `todo` (with a `change` column), its series' recent range: how
    many of the last slips.RECENT stored figures before its period there are (n), their lowest and highest."""
    from indicators.slips import RECENT

    stored = _stored_for(conn, rows) if rows is not None else "observations"
    return conn.execute(f"""
        WITH cand AS (
            SELECT t.indicator_id, t.area_code, t.period, t.value, o.value AS v,
                   row_number() OVER (PARTITION BY t.indicator_id, t.area_code, t.period ORDER BY o.period_start DESC) AS k
            FROM {todo} t JOIN {stored} o
              ON o.indicator_id = t.indicator_id AND o.area_code = t.area_code AND o.period_start < t.period_start
            WHERE t.change IN ('new', 'changed') AND t.value IS NOT NULL AND o.value IS NOT NULL)
        SELECT indicator_id, area_code, period, any_value(value) AS value, count(*) AS n, min(v) AS lo, max(v) AS hi
        FROM cand WHERE k <= {int(RECENT)} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""").df()


def slip_ranges(conn, rows: pd.DataFrame) -> pd.DataFrame:
    """recent_ranges for tidy rows not yet written (the preview): each compared with what is stored first."""
    conn.register("incoming", _incoming(rows))
    try:
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE slip_todo AS
            SELECT i.indicator_id, i.area_code, i.period, i.period_start, i.value, {_CHANGE_SQL} AS change
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        return recent_ranges(conn, "temp.slip_todo", rows)
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.slip_todo")
        conn.unregister("incoming")


def write_observations(
    conn,
    rows: pd.DataFrame,
    *,
    access: Access,
    kind: str,
    file_name: str | None = None,
    content_hash: str | None = None,
    note: str | None = None,
    new_areas: list[tuple] | None = None,
    expected: tuple[int, int] | None = None,
    config: Config | None = None,
    confirmed: frozenset | set = frozenset(),
) -> WriteSummary:
    """Write tidy rows in one transaction: all of them or, on any failure, none.

    `access` is who is writing: checked here, whatever a page or command checked before (their own indicators;
    published figures, official series and figures for England and the regions only for an administrator).
    The comparison with stored figures is made again inside the transaction, so a preview that went stale
    (someone else loaded in between) can never write a wrong "changed" count or lose a figure; with `expected`
    (new, changed) as the preview showed them, a write that would now do anything else is refused.
    A lead's upload (`kind` "upload"; `config` defaults to KPI_CONFIG's) is refused if a figure looks mistyped (indicators.slips: 0.8 for
    80%, a count ten times out) and its key is not among `confirmed`; the check runs here, inside the transaction.
    """
    _require_write(conn, access, rows, new_areas)
    conn.register("incoming", _incoming(rows))
    _begin_write(conn)
    try:
        if new_areas:  # areas first named by this file (e.g. a DfE release) go in with its figures, or not at all
            add_areas(conn, new_areas)
        # What each row would do, with the figure it replaces (kept in the history), in one join.
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE todo AS
            SELECT i.*, {_CHANGE_SQL} AS change, {", ".join(f"o.{c} AS old_{c}" for c in STORED_COLUMNS[3:])}
            FROM incoming i LEFT JOIN {_stored_for(conn, rows)} o USING (indicator_id, area_code, period)""")
        new, changed, unchanged = conn.execute(
            "SELECT count(*) FILTER (change = 'new'), count(*) FILTER (change = 'changed'), "
            "count(*) FILTER (change = 'unchanged') FROM todo"
        ).fetchone()
        if expected is not None and (new, changed) != tuple(expected):
            raise StaleWrite(
                f"The figures changed since this file was checked (someone else loaded or rolled back figures): it would "
                f"now add {new} and change {changed}, not {expected[0]} and {expected[1]} as the preview said. Nothing was "
                "written; check the file again and confirm the new preview."
            )
        if new == 0 and changed == 0:
            conn.execute("ROLLBACK")
            return WriteSummary(None, 0, 0, int(unchanged))
        if kind == "upload":
            from indicators import config as config_mod
            from indicators import slips  # the check any write of a lead's figures passes, whoever called

            config = config or config_mod.load()  # not skipped by leaving the indicators out
            found = slips.find(recent_ranges(conn, "temp.todo", rows), config)
            unconfirmed = [s for s in found if s.key not in confirmed]
            if unconfirmed:
                raise UnconfirmedSlips(unconfirmed)
        upload_id = _next_id(conn, "upload_id_seq")
        now = dt.datetime.now().replace(microsecond=0)
        conn.execute(
            "INSERT INTO uploads (id, kind, file_name, content_hash, user_name, created_at, rows_new, "
            "rows_changed, rows_unchanged, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [upload_id, kind, file_name, content_hash, access.user, now, new, changed, unchanged, note],
        )
        if changed:
            conn.execute(
                f"""
                INSERT INTO observation_history ({", ".join(STORED_COLUMNS)}, replaced_by, replaced_at)
                SELECT {", ".join(STORED_COLUMNS[:3] + [f"old_{c}" for c in STORED_COLUMNS[3:]])}, ?, ?
                FROM todo WHERE change = 'changed'""",
                [upload_id, now],
            )
            if is_postgres(conn):
                # DuckDB's postgres scanner runs an UPDATE a row at a time (10 s for 90,000 figures); its INSERT …
                # ON CONFLICT goes in batches, three times faster.
                conn.execute(
                    f"""
                    INSERT INTO observations ({", ".join(STORED_COLUMNS)})
                    SELECT {", ".join(OBS_COLUMNS)}, ? FROM todo WHERE change = 'changed'
                    ON CONFLICT (indicator_id, area_code, period) DO UPDATE SET
                      {", ".join(f"{c} = excluded.{c}" for c in OBS_COLUMNS[3:] + ["upload_id"])}""",
                    [upload_id],
                )
            else:
                # Changed figures are updated in place, joined by key; new ones below are plain inserts. (ON CONFLICT
                # for all of them looks each row up in the primary-key index one at a time.)
                conn.execute(
                    f"""
                    UPDATE observations SET {", ".join(f"{c} = t.{c}" for c in OBS_COLUMNS[3:])}, upload_id = ?
                    FROM todo t
                    WHERE t.change = 'changed' AND observations.indicator_id = t.indicator_id
                      AND observations.area_code = t.area_code AND observations.period = t.period""",
                    [upload_id],
                )
        if new:
            conn.execute(
                f"""
                INSERT INTO observations ({", ".join(STORED_COLUMNS)})
                SELECT {", ".join(OBS_COLUMNS)}, ? FROM todo WHERE change = 'new'""",
                [upload_id],
            )
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # after a failed write the database may refuse even this
            conn.execute("DROP TABLE IF EXISTS temp.todo")
            conn.unregister("incoming")
    return WriteSummary(int(upload_id), int(new), int(changed), int(unchanged))


def _require_write(conn, access: Access, rows: pd.DataFrame, new_areas: list[tuple] | None) -> None:
    """Refuse (Forbidden, nothing written) figures this person may not write."""
    access.require_upload(set(rows["indicator_id"]))
    if access.admin:
        return
    if (rows["figure_type"] != "submitted").any():
        raise Forbidden(
            f"{access.user} may load only submitted figures; published and illustrative figures are loaded by "
            "an administrator or the official import. Nothing was written."
        )
    levels = dict(conn.execute("SELECT code, level FROM areas").fetchall())
    levels.update({a[0]: a[2] for a in new_areas or []})
    wide = sorted({c for c in rows["area_code"] if levels.get(c) not in ("local_authority", "provider")})
    if wide:
        raise Forbidden(
            f"{access.user} may not load figures for {', '.join(wide)}: figures for England and the regions "
            "are loaded by an administrator or the official import. Nothing was written."
        )


def replace_neighbours(conn, rows: list[tuple], access: Access) -> int:
    """Replace the statistical neighbours with a new model (area_code, rank, neighbour_code, closeness, source),
    in one transaction. Administrators only. Returns how many rows are stored."""
    access.require_admin("replace the statistical neighbours")
    _begin_write(conn)
    try:
        conn.execute("DELETE FROM neighbours")
        conn.register(
            "new_neighbours", pd.DataFrame(rows, columns=["area_code", "rank", "neighbour_code", "closeness", "source"])
        )
        try:
            conn.execute("INSERT INTO neighbours SELECT * FROM new_neighbours")
        finally:
            conn.unregister("new_neighbours")
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    return len(rows)


# ---------------------------------------------------------------- opening the store for the app and the CLI


def open_store(
    config: Config, path: Path | str | None = None, *, on_wait=None, load_sample: Callable | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating on first use) the database, migrate it, sync areas, and fill a brand-new one with the
    sample data through `load_sample(conn)`. A PostgreSQL store is new when it has no dashboard tables yet."""
    path = _target(path)
    pg = isinstance(path, str)
    is_new = not pg and not path.exists()
    conn = connect(path, on_wait=on_wait)
    try:
        if pg:
            is_new = schema_version(conn) == 0
        migrate(conn)
        if pg:
            _prepare_postgres(conn)
        sync_areas(conn, config)
        if is_new and load_sample is not None:
            load_sample(conn)
    except BaseException:
        if pg and is_new:  # never leave a half-made database for the next start to trust
            _drop_unused_postgres_store(conn)
        conn.close()
        if is_new and not pg:
            for p in (path, Path(str(path) + ".wal")):
                p.unlink(missing_ok=True)
        raise
    return conn


# ---------------------------------------------------------------- commentary

COMMENTARY_MAX_CHARS = 4000


def save_commentary(
    conn, indicator_id: str, area_code: str, period: str, data_shows: str, actions: str, next_review: dt.date | None, author: str
) -> int:
    """Store a new version of the commentary (earlier versions are kept); returns its id."""
    for name, text in (("What the data shows", data_shows), ("Actions", actions)):
        if len(text) > COMMENTARY_MAX_CHARS:
            raise StoreError(f"{name} is {len(text):,} characters; keep each part under {COMMENTARY_MAX_CHARS:,}.")
    if not (data_shows.strip() or actions.strip()):
        raise StoreError("The commentary is empty; write what the data shows, the actions, or both.")
    _begin_write(conn)
    try:
        cid = _next_id(conn, "commentary_id_seq")
        conn.execute(
            "INSERT INTO commentary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cid,
                indicator_id,
                area_code,
                period,
                data_shows.strip(),
                actions.strip(),
                next_review,
                author,
                dt.datetime.now().replace(microsecond=0),
            ],
        )
        _bump_and_commit(conn)
    except BaseException as e:
        _rollback_quietly(conn)
        _raise_if_busy(e)
        raise
    return int(cid)
