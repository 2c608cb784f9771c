"""Property-based tests (hypothesis): whatever the input, the period parser and the CSV loader either
accept it correctly or say what is wrong with a row and column — never an unhandled exception — and a
refused file leaves the database exactly as it was."""

import csv
import datetime as dt
import io

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from indicators import periods, store, uploads
from tests.conftest import ADMIN

TYPES = st.sampled_from(periods.PERIOD_TYPES)
LABELISH = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\A(19|20)\d\d[-/ ](\d\d|\d\d\d\d)( ?[Qq][0-9])?\Z"),
    st.from_regex(r"\A[Qq][0-9] (19|20)\d\d[-/]\d\d\Z"),
    st.from_regex(r"\A(Jan|Feb|Mar|Sept|June|jun|Foo) (19|20)\d\d\Z"),
    st.from_regex(r"\A(19|20)\d\d(-\d{1,2}(-\d\d)?)?\Z"),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(label=LABELISH, ptype=TYPES)
def test_period_parser_accepts_with_round_trip_or_explains(label, ptype):
    try:
        p = periods.parse(label, ptype)
    except periods.PeriodError as e:
        assert str(e)  # a message, never an empty error
        return
    assert p.start <= p.end and p.period_type == ptype
    assert periods.parse(p.label, ptype) == p  # the canonical label reads back as the same period
    assert periods.shift(periods.shift(p, 3), -3) == p


INDICATORS = st.sampled_from(["ehcp_20wk", "send_neet", "ehc_requests", "salt_seen_6wk", "nope", ""])
AREAS = st.sampled_from(["E06000047", "County Durham", "807", "Durham", ""])
PERIODS = st.sampled_from(["2019-20 Q1", "Q2 2019/20", "2019-06", "Jun 2019", "2019", "2030-31 Q1", "x"])
VALUES = st.one_of(
    st.floats(min_value=-50, max_value=150, allow_nan=False).map(lambda f: f"{f:.2f}"),
    st.integers(min_value=-5, max_value=5000).map(str),
    st.sampled_from(["91%", "1,234", "c", "x", "..", "low", "", "abc", "1e3", "-0"]),
    st.text(max_size=8),
)
ROWS = st.lists(
    st.tuples(
        INDICATORS,
        AREAS,
        PERIODS,
        VALUES,
        st.sampled_from(["", "3", "10", "x"]),
        st.sampled_from(["", "10", "0"]),
        st.text(max_size=10),
    ),
    min_size=0,
    max_size=12,
)

# Rows a lead could really send (known indicators, areas and periods, numbers as people write them), so that a good
# share of examples is accepted and reaches the comparison with what the rows say, not only the refusals.
KINDS = {
    "ehcp_20wk": (["2019-20 Q1", "Q2 2019/20", "2020-21 Q3"], ["12.5", "91%", " 40 ", "0", "100", "c", "x", ".."]),
    "send_neet": (["2019-20 Q1", "Q2 2019/20"], ["4.75", "12%", "low", "z"]),
    "ehc_requests": (["2019-20 Q1", "2020-21 Q3"], ["1,234", "17", "0", "c", "u"]),
    "salt_seen_6wk": (["2019-06", "Jul 2019", "June 2020"], ["81", "55.5%", "x"]),
}
GOOD_ROW = st.sampled_from(sorted(KINDS)).flatmap(
    lambda ind: st.tuples(
        st.just(ind),
        AREAS.filter(bool),
        st.sampled_from(KINDS[ind][0]),
        st.sampled_from(KINDS[ind][1]),
        st.just(""),
        st.just(""),
        st.text(max_size=10),
    )
)
GOOD_ROWS = st.lists(GOOD_ROW, min_size=1, max_size=8, unique_by=lambda r: (r[0], r[2]))


def _csv(rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["indicator", "area", "period", "value", "numerator", "denominator", "note"])
    w.writerows(rows)
    return buf.getvalue().encode()


@SETTINGS
@given(rows=st.one_of(ROWS, GOOD_ROWS), bom=st.booleans())
# Found by a full run on 7 December 2026: a row repeated exactly is accepted and stored once (validate._check_repeats).
@example(rows=[("ehcp_20wk", "E06000047", "2019-20 Q1", "0.00", "", "", "")] * 2, bom=False)
def test_loader_loads_exactly_or_lists_row_and_column_problems(empty_conn, cfg, rows, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + _csv(rows)
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "fuzz.csv", ADMIN, today=dt.date(2026, 11, 22))
    if not preview.result.ok:
        for p in preview.result.problems:
            assert p.message
            assert p.row is None or p.row >= 1
        assert store.table_snapshot(empty_conn) == before
        return
    tidy = preview.result.rows
    if tidy.empty or preview.nothing_to_do:
        return
    event("accepted with figures")  # --hypothesis-show-statistics: how many examples reach the comparison below
    empty_conn.execute("BEGIN TRANSACTION")  # round trip inside a transaction we throw away, to keep examples independent
    try:
        empty_conn.register("tidy_in", tidy[store.OBS_COLUMNS])
        empty_conn.execute(f"INSERT INTO observations ({', '.join(store.STORED_COLUMNS)}) SELECT *, 0 FROM tidy_in")
        back = empty_conn.execute(
            "SELECT indicator_id, area_code, period, value, marker, note FROM observations ORDER BY ALL"
        ).fetchall()
    finally:
        empty_conn.execute("ROLLBACK")
        empty_conn.unregister("tidy_in")
    # What was stored is what the file said, worked out from the input rows here, not from the loader's own output.
    assert sorted(back, key=repr) == sorted(what_the_rows_say(rows, cfg), key=repr)


AREA_CODES = {"E06000047": "E06000047", "County Durham": "E06000047", "Durham": "E06000047", "807": "E06000003"}
MARKERS = {"c", "x", "z", "low", "u", "..", "~", ":"}  # the suppression markers the README lists


def what_the_rows_say(rows, cfg) -> list[tuple]:
    """The figures an accepted file holds, read from the rows as a person reads them: an area by code, name or the
    DfE's three-digit LA number, a period in the indicator's own kind, "91%" is 91 and "1,234" is 1234, a marker is kept with no
    value, the note trimmed; a row with no value, numerator or denominator holds no figure; a row repeated exactly (the
    same indicator, area and period with the same figure) is one figure, as the loader keeps it (a different figure for
    the same key is refused, so an accepted file repeats only the same one)."""
    said, seen = [], set()
    for indicator, area, period, value, numerator, denominator, note in rows:
        if not (value.strip() or numerator.strip() or denominator.strip()):
            continue
        text = value.strip()
        if text.lower() in MARKERS:
            number, marker = None, text.lower()
        else:
            number, marker = float(text.removesuffix("%").strip().replace(",", "")), None
        label = periods.parse(period, cfg.by_id[indicator].period_type).label
        key = (indicator, AREA_CODES[area], label)
        if key not in seen:
            seen.add(key)
            said.append((*key, number, marker, note.strip() or None))
    return said


@SETTINGS
@given(data=st.binary(max_size=300))
def test_loader_never_crashes_on_arbitrary_bytes(empty_conn, cfg, data):
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "random.csv", ADMIN)
    # Random bytes are never a return: refused, with a message for every problem and a row number where there is one.
    assert not preview.result.ok and preview.result.problems, f"random bytes accepted: {data!r}"
    for p in preview.result.problems:
        assert p.message.strip() and (p.row is None or p.row >= 1), p
    assert store.table_snapshot(empty_conn) == before
