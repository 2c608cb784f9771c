"""The store's read-only queries: areas, the figures the read model and pages draw, uploads and commentary."""

from __future__ import annotations

import datetime as dt

import pandas as pd

# ---------------------------------------------------------------- queries that feed pages


def areas(conn) -> pd.DataFrame:
    return conn.execute("""
        SELECT code, name, level, la_code, region FROM areas
        ORDER BY CASE level WHEN 'local_authority' THEN 0 WHEN 'regional' THEN 1 ELSE 2 END, name""").df()


def area_row(conn, area_code: str) -> tuple | None:
    """(code, name, level, region code, region name) of one area."""
    return conn.execute(
        """SELECT a.code, a.name, a.level, a.region, r.name FROM areas a LEFT JOIN areas r ON r.code = a.region
                           WHERE a.code = ?""",
        [area_code],
    ).fetchone()


def area_names(conn, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(conn.execute(f"SELECT code, name FROM areas WHERE code IN ({', '.join('?' * len(codes))})", codes).fetchall())


def neighbour_rows(conn, area_code: str) -> list[tuple]:
    """(code, name, closeness) of an area's statistical neighbours, closest first."""
    return conn.execute(
        """
        SELECT n.neighbour_code, coalesce(a.name, n.neighbour_code), n.closeness FROM neighbours n
        LEFT JOIN areas a ON a.code = n.neighbour_code WHERE n.area_code = ? ORDER BY n.rank""",
        [area_code],
    ).fetchall()


def area_observations(conn, area_code: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of one area (up to the end date `as_of`), every indicator at once, in period order."""
    df = conn.execute(
        """
        SELECT o.indicator_id, o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator, o.marker,
               o.note, o.figure_type, o.source, o.release, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.area_code = $area AND ($as_of IS NULL OR o.period_end <= $as_of)
        ORDER BY o.indicator_id, o.period_start""",
        {"area": area_code, "as_of": as_of},
    ).df()
    return _plain(df, dates=("period_start", "period_end"))


def observations_of(conn, codes: list[str], indicator_ids: list[str], as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of some areas on some indicators (a council's NHS partners on the NHS indicators), as
    area_observations gives them with the area's code."""
    df = conn.execute(
        f"""
        SELECT o.area_code, o.indicator_id, o.period, o.period_start, o.period_end, o.value, o.numerator, o.denominator,
               o.marker, o.note, o.figure_type, o.source, o.release, u.file_name AS upload_file
        FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id
        WHERE o.area_code IN ({", ".join("?" * len(codes))}) AND o.indicator_id IN ({", ".join("?" * len(indicator_ids))})
          AND (? IS NULL OR o.period_end <= ?)
        ORDER BY o.indicator_id, o.period_start""",
        [*codes, *indicator_ids, as_of, as_of],
    ).df()
    return _plain(df, dates=("period_start", "period_end"))


def _plain(df: pd.DataFrame, dates=()) -> pd.DataFrame:
    """Plain Python strings and dates: pandas 3 would make Arrow strings and timestamps, slow to walk one by one."""
    for c in df.columns:
        if c in dates:
            df[c] = pd.to_datetime(df[c]).dt.date
        elif pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].astype(object)
    return df


def comparator_values(conn, codes: list[str], exclude: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every figure of the comparator areas (England, the region, neighbours…), every indicator at once."""
    if not codes:
        return pd.DataFrame(columns=["indicator_id", "area_code", "area_name", "period", "period_start", "value"])
    return (
        conn.execute(
            f"""
        SELECT o.indicator_id, o.area_code, a.name AS area_name, o.period, o.period_start, o.value FROM observations o
        JOIN areas a ON a.code = o.area_code
        WHERE o.area_code IN ({", ".join("?" * len(codes))}) AND o.value IS NOT NULL AND o.area_code <> ?
          AND (? IS NULL OR o.period_end <= ?)""",
            [*codes, exclude, as_of, as_of],
        )
        .df()
        .pipe(_plain, dates=("period_start",))
    )


def standing_among_las(conn, area_code: str, pairs: pd.DataFrame, exclude: list[str] = ()) -> pd.DataFrame:
    """For each (indicator_id, period) in `pairs`: how many local authorities have a figure, and how many are above
    and below this area's (for a competition ranking in either direction). With a `decimals` column in `pairs`, the
    figures are compared as published: rounded half-up to that many decimals (in decimal arithmetic). Areas in
    `exclude` take no part."""
    if pairs.empty:
        return pd.DataFrame(columns=["indicator_id", "period", "n_las", "rank_high", "rank_low"])
    if "decimals" not in pairs.columns:
        pairs = pairs.assign(decimals=12)
    pairs = pairs.assign(decimals=pairs["decimals"].astype("int64"))
    skip = list(exclude) or [""]
    conn.register("wanted_pairs", pairs)
    try:
        return conn.execute(
            f"""
            WITH la AS (
                SELECT o.indicator_id, o.period, o.area_code,
                       CASE w.decimals {" ".join(f"WHEN {d} THEN CAST(round(CAST(o.value AS DECIMAL(38, 12)), {d}) AS DECIMAL(38, 12))" for d in range(5))}
                            ELSE CAST(o.value AS DECIMAL(38, 12)) END AS value FROM observations o
                JOIN wanted_pairs w USING (indicator_id, period) JOIN areas a ON a.code = o.area_code
                WHERE a.level = 'local_authority' AND o.value IS NOT NULL
                  AND o.area_code NOT IN ({", ".join("?" for _ in skip)})),
            mine AS (SELECT indicator_id, period, value AS mine FROM la WHERE area_code = ?)
            SELECT indicator_id, period, count(*) AS n_las,
                   count(*) FILTER (WHERE value > mine) + 1 AS rank_high, count(*) FILTER (WHERE value < mine) + 1 AS rank_low
            FROM la JOIN mine USING (indicator_id, period) GROUP BY ALL""",
            [*skip, area_code],
        ).df()
    finally:
        conn.unregister("wanted_pairs")


def la_figures(conn, indicator_id: str, period: str) -> pd.DataFrame:
    """Every local authority's figure for one indicator and period, with its region."""
    return conn.execute(
        """
        SELECT o.area_code AS code, a.name, a.region, r.name AS region_name, o.value, o.marker
        FROM observations o JOIN areas a ON a.code = o.area_code LEFT JOIN areas r ON r.code = a.region
        WHERE o.indicator_id = ? AND o.period = ? AND a.level = 'local_authority'""",
        [indicator_id, period],
    ).df()


def value_at(conn, indicator_id: str, area_code: str, period: str) -> float | None:
    """One figure (None when there is none): England's, say, for the year a league table shows."""
    row = conn.execute(
        "SELECT value FROM observations WHERE indicator_id = ? AND area_code = ? AND period = ?",
        [indicator_id, area_code, period],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def la_periods(conn, indicator_id: str) -> list[str]:
    """The periods for which local authorities have figures for an indicator, newest first."""
    return [
        r[0]
        for r in conn.execute(
            """
        SELECT o.period FROM observations o JOIN areas a ON a.code = o.area_code
        WHERE o.indicator_id = ? AND a.level = 'local_authority' AND o.value IS NOT NULL
        GROUP BY o.period ORDER BY min(o.period_start) DESC""",
            [indicator_id],
        ).fetchall()
    ]


def areas_with_data(conn, indicator_id: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT area_code FROM observations WHERE indicator_id = ? ORDER BY 1", [indicator_id]
        ).fetchall()
    ]


def commentary_versions(conn, indicator_id: str, area_code: str, period: str | None = None) -> pd.DataFrame:
    """Every version, newest first; for one period, or for all periods of the indicator and area."""
    where, params = "indicator_id = ? AND area_code = ?", [indicator_id, area_code]
    if period is not None:
        where += " AND period = ?"
        params.append(period)
    return conn.execute(f"SELECT * FROM commentary WHERE {where} ORDER BY id DESC", params).df()


def latest_commentary(conn, area_code: str) -> pd.DataFrame:
    """The current commentary for every indicator and period of one area."""
    return conn.execute(
        """
        SELECT * FROM commentary WHERE area_code = ?
        QUALIFY row_number() OVER (PARTITION BY indicator_id, period ORDER BY id DESC) = 1""",
        [area_code],
    ).df()


def uploads(conn) -> pd.DataFrame:
    """Every upload, newest first, with who, when, what changed and whether it was rolled back."""
    return conn.execute("""
        SELECT id, kind, file_name, content_hash, user_name, created_at, rows_new, rows_changed, rows_unchanged,
               note, rolled_back_by
        FROM uploads ORDER BY id DESC""").df()


def upload_figures(conn, upload_id: int) -> pd.DataFrame:
    """The figures one upload added or changed, as it wrote them (even those replaced since), with the figure each
    replaced: indicator_id, area_code, period, period_start, value, marker, old_value, old_marker, change."""
    return conn.execute(
        """
        WITH mine AS (
            SELECT indicator_id, area_code, period, period_start, value, marker FROM observations WHERE upload_id = $1
            UNION ALL
            SELECT indicator_id, area_code, period, period_start, value, marker FROM observation_history WHERE upload_id = $1),
        replaced AS (
            SELECT indicator_id, area_code, period, any_value(value) AS old_value, any_value(marker) AS old_marker
            FROM observation_history WHERE replaced_by = $1 GROUP BY ALL)
        SELECT m.*, r.old_value, r.old_marker,
               CASE WHEN r.indicator_id IS NULL THEN 'new' ELSE 'changed' END AS change
        FROM mine m LEFT JOIN replaced r USING (indicator_id, area_code, period)
        ORDER BY m.indicator_id, m.area_code, m.period_start""",
        [int(upload_id)],
    ).df()


def upload_with_hash(conn, content_hash: str) -> tuple | None:
    return conn.execute(
        "SELECT id, file_name, created_at FROM uploads WHERE content_hash = ? ORDER BY id DESC LIMIT 1", [content_hash]
    ).fetchone()
