"""Hostile input is refused with a clear message, in bounded time and memory, and nothing is written:
zip bombs, a million columns, a 10 MB line, huge cells, exploding YAML, HTML and script in data."""

import datetime as dt
import io
import time
import tracemalloc
import zipfile

import pytest

from indicators import config, returns, store, uploads
from tests.conftest import ADMIN, as_user

SECONDS = 20  # a generous bound for a shared 2-core machine: a hang or blow-up fails, noise does not
PEAK_BYTES = 300e6


def refused_within_bounds(conn, cfg, data: bytes, name: str) -> list[str]:
    before = store.table_snapshot(conn)
    tracemalloc.start()
    t = time.perf_counter()
    p = uploads.check(conn, cfg, data, name, ADMIN)
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not p.result.ok
    assert elapsed < SECONDS and peak < PEAK_BYTES, (elapsed, peak)
    assert store.table_snapshot(conn) == before
    return [str(x) for x in p.result.problems]


def test_zip_bomb_renamed_xlsx(empty_conn, cfg):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))  # 300 MB of zeros, ~300 KB zipped
    (p,) = refused_within_bounds(empty_conn, cfg, buf.getvalue(), "figures.xlsx")
    assert "would unpack to 315 MB" in p and "Save the sheet as CSV instead" in p


def test_a_million_columns(empty_conn, cfg):
    data = ("indicator,area,period,value" + ",x" * 1_000_000 + "\n").encode()
    (p,) = refused_within_bounds(empty_conn, cfg, data, "wide.csv")
    assert p == "row 1: the header row has 1,000,004 columns; at most 500 are accepted (one per indicator in the wide layout)"


def test_a_10_mb_single_line(empty_conn, cfg):
    data = b"indicator" + b"a" * (10 * 1024 * 1024)
    (p,) = refused_within_bounds(empty_conn, cfg, data, "line.csv")
    assert (
        p
        == "row 1: the line is 10,485,769 characters long; lines over 100,000 characters are refused. Check the file is a CSV of figures."
    )


def test_a_huge_cell_is_quoted_shortened(empty_conn, cfg):
    data = b"indicator,area,period,value\nehcp_20wk,E06000047,2024-25 Q1," + b"9" * 50 + b"x" * 90_000 + b"\n"
    (p,) = refused_within_bounds(empty_conn, cfg, data, "cell.csv")
    assert p.startswith('row 2, column value: "99999') and "…" in p and len(p) < 600


def test_file_over_the_size_limit_is_refused_before_reading(empty_conn, cfg):
    (p,) = refused_within_bounds(empty_conn, cfg, b"a" * (returns.MAX_BYTES + 1), "big.csv")
    assert "files over 21 MB are refused" in p


def test_yaml_with_exponential_anchors_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 12)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    t = time.perf_counter()
    with pytest.raises(config.ConfigError) as info:
        config.load(path)
    assert time.perf_counter() - t < SECONDS
    assert "aliases (*name) are not allowed" in info.value.problems[0]


def test_html_and_script_in_a_csv_cell_are_stored_as_text_and_escaped_on_pages(db_path, cfg):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT, sample_next

    conn = store.open_store(cfg, db_path)
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))"
    nxt = sample_next("ehcp_20wk").label  # a new quarter, after the sample's latest
    p = uploads.check(
        conn,
        cfg,
        f'indicator,area,period,value,note\nehcp_20wk,E06000047,{nxt},61,"{hostile}"\n'.encode(),
        "x.csv",
        ADMIN,
        today=dt.date(2026, 11, 22),
    )
    assert p.result.ok and p.counts["new"] == 1
    uploads.commit(conn, p, as_user("x"))
    conn.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["indicator"] = "ehcp_20wk"
    at.switch_page("pages/indicator_page.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Period" in d.value.columns)
    assert hostile in table["Note"].tolist()  # shown as the text it is, in a data grid (never as HTML)
    for h in at.html:
        assert "<script" not in h.proto.body and "onerror=alert" not in h.proto.body.replace("&lt;", "")
