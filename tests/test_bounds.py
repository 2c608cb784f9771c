"""Every file that comes in is held to the same bounds (indicators/bounds.py), checked while it is streamed: a small
zip that unpacks to hundreds of megabytes, a zip of 30,000 files, a zip whose directory understates a file, a
50 MB area name. Each is refused with a message saying what and where, nothing is written, and the app server's
process stays small."""

from __future__ import annotations

import io
import json
import resource
import struct
import subprocess
import sys
import time
import zipfile

import pytest

from indicators import store, uploads
from tests.conftest import ADMIN, ROOT

HEADER = (
    b"time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
    b"new_la_code,la_name,old_la_code,inreq_ehc,tot_inc_exc_ehc\n"
)
ROW = b"2024,Calendar year,Local authority,E92000001,England,E12000001,North East,E06000047,County Durham,840,1234,567\n"


def release_zip(rows: list[bytes] | bytes, name: str = "data/sen2_mi.csv", method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr(name, HEADER + (rows if isinstance(rows, bytes) else b"".join(rows)))
    return buf.getvalue()


def build_lzma_bomb(path):
    """58 KB: an LZMA zip holding a 390 MB CSV of 2.46 million rows in the layout a mapping reads (built by the
    tests, not committed: about 12 s)."""
    row = b"2024,Calendar year,Local authority,E92000001,England,E12000001,North East,E06000047,County Durham and a long padding name to make the row long,840,1234,567\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_LZMA) as z, z.open("data/sen2_mi.csv", "w", force_zip64=True) as f:
        f.write(HEADER)
        block = row * 10_000
        for _ in range(246):
            f.write(block)
    return path


@pytest.fixture(scope="session")
def lzma_bomb(tmp_path_factory):
    return build_lzma_bomb(tmp_path_factory.mktemp("bomb") / "release.zip")


def _limit_memory():  # the stand-in server may not take the machine down if the bound fails: 4 GB of address space
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_a_58_kb_lzma_zip_of_a_390_mb_csv_is_refused_and_the_server_stays_small(lzma_bomb, tmp_path, cfg):
    assert lzma_bomb.stat().st_size < 60_000
    db = tmp_path / "kpi.duckdb"
    store.open_store(cfg, db).close()
    out = subprocess.run(
        [sys.executable, "-m", "tests.upload_memory", str(db), str(lzma_bomb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["problems"] == [
        "data/sen2_mi.csv: data/sen2_mi.csv in release.zip has more than 500,000 rows; a DfE or NHS file with more "
        "is refused (the largest real one, SEN2 caseload.csv, has about 25,000). Download the data set filtered to "
        "national, regional and local authority level."
    ]
    assert got["peak_rss_mb"] <= 1000, got
    assert got["seconds"] < 30, got
    assert got["longest_pause_s"] < 1.0, got  # other people's pages keep drawing
    assert got["unchanged"]


def test_the_worker_is_chosen_by_what_a_file_unpacks_to(lzma_bomb):
    assert uploads.offload_wanted(lzma_bomb.read_bytes())
    assert not uploads.offload_wanted(release_zip([ROW]))
    assert uploads.offload_wanted(b"x" * (uploads.OFFLOAD_BYTES + 1))


def test_a_zip_of_30000_files_is_refused_in_one_short_line_quickly(empty_conn, cfg):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(30_000):
            z.writestr(f"data/file{i}.csv", b"a,b\n1,2\n")
    t = time.perf_counter()
    preview = uploads.check(empty_conn, cfg, buf.getvalue(), "many.zip", ADMIN, kind="official")
    assert time.perf_counter() - t < 5
    assert [str(p) for p in preview.result.problems] == [
        "many.zip holds 30,000 files; a release zip holds a few dozen, and zips of more than 1,000 files are refused. "
        "Import the CSV files you need one by one."
    ]


def test_files_the_mappings_do_not_read_are_counted_and_listed_in_summary(empty_conn, cfg):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data/sen2_mi.csv", HEADER + ROW)
        for i in range(500):
            z.writestr(f"supporting-files/extra{i}.csv", b"a,b\n1,2\n")
    preview = uploads.check(empty_conn, cfg, buf.getvalue(), "release.zip", ADMIN, kind="official")
    assert preview.result.ok, preview.result.problems
    (line,) = [x for x in uploads.summary_lines(preview) if "no mapping reads" in x]
    named = ", ".join(f"extra{i}.csv" for i in range(15))
    assert line == f"Skipped 500 files in the zip that no mapping reads ({named} and 485 more)."


def _understate(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size in the central directory (and its local header) set to `size`."""
    out = bytearray(data)
    name = member.encode()
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = out.find(sig + b"")
        while at != -1:
            n_len = struct.unpack_from("<H", out, at + (28 if sig == b"PK\x01\x02" else 26))[0]
            start = at + (46 if sig == b"PK\x01\x02" else 30)
            if bytes(out[start : start + n_len]) == name:
                struct.pack_into("<I", out, at + offset, size)
            at = out.find(sig, at + 4)
    return bytes(out)


def test_a_zip_whose_directory_understates_a_file_is_a_message_not_a_traceback(empty_conn, cfg):
    data = _understate(release_zip([ROW] * 50), "data/sen2_mi.csv", 100)
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "release.zip", ADMIN, kind="official")
    assert [str(p) for p in preview.result.problems] == [
        "data/sen2_mi.csv: data/sen2_mi.csv in release.zip cannot be unpacked (it unpacks to more than the 100 bytes "
        'its directory says): the zip is damaged. Download the release again ("Download all data") and use the .zip '
        "as it comes."
    ]
    assert store.table_snapshot(empty_conn) == before


def _new_area_zip(name: bytes) -> bytes:
    row = b"2024,Calendar year,Local authority,E92000001,England,E12000001,North East,E06999999," + name + b",999,12,34\n"
    return release_zip([ROW, row])


def test_a_51_kb_zip_with_a_50_mb_area_name_is_refused_and_nothing_is_stored(empty_conn, cfg):
    data = _new_area_zip(b"A" * (50 * 1024 * 1024))
    assert len(data) < 60_000
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "release.zip", ADMIN, kind="official")
    assert [str(p) for p in preview.result.problems] == [
        "data/sen2_mi.csv, row 3: the line is more than 100,000 characters long; lines over 100,000 characters are "
        "refused. Check the file is a CSV of figures."
    ]
    assert store.table_snapshot(empty_conn) == before


def test_an_area_name_over_200_characters_is_refused_with_its_row(empty_conn, cfg):
    data = _new_area_zip(b"B" * 201)
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "release.zip", ADMIN, kind="official")
    assert [str(p) for p in preview.result.problems] == [
        'data/sen2_mi.csv, row 3, column la_name: the area name is 201 characters long ("' + "B" * 60 + '…"); '
        "names over 200 characters are refused. Give the area name as published, e.g. County Durham."
    ]
    assert store.table_snapshot(empty_conn) == before
    ok = uploads.check(empty_conn, cfg, _new_area_zip(b"C" * 200), "release.zip", ADMIN, kind="official")
    assert ok.result.ok and ok.result.new_areas[0][1] == "C" * 200


def test_the_store_refuses_a_name_over_200_characters_from_any_reader(empty_conn, cfg):
    rows = uploads.check(empty_conn, cfg, _new_area_zip(b"C" * 200), "release.zip", ADMIN, kind="official").to_write
    before = store.table_snapshot(empty_conn)
    with pytest.raises(store.StoreError) as info:
        store.write_observations(
            empty_conn,
            rows,
            access=ADMIN,
            kind="import",
            file_name="other-reader.csv",
            content_hash="x",
            new_areas=[("E06999999", "D" * 201, "local_authority", None, None)],
        )
    assert str(info.value) == (
        "The name of E06999999 is over 200 characters long; names that long are refused. Nothing was written."
    )
    assert store.table_snapshot(empty_conn) == before


def test_an_indicator_or_area_name_in_the_indicators_file_is_bounded_too():
    from tests.test_config import ind, problems_for

    def m(raw):
        ind(raw, "send_neet")["name"] = "N" * 201

    assert problems_for(m) == ['indicator "send_neet", field name: String should have at most 200 characters']


def _rezip(data: bytes, method) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
    return buf.getvalue()


def test_a_lead_s_xlsx_whose_directory_understates_its_sheet_is_a_message(empty_conn, cfg):
    from tests.test_hostile_input import sheet, xlsx_with

    data = _understate(xlsx_with(sheet(3, "A1:D4")), "xl/worksheets/sheet1.xml", 200)
    before = store.table_snapshot(empty_conn)
    preview = uploads.check(empty_conn, cfg, data, "return.xlsx", ADMIN)
    assert [str(p) for p in preview.result.problems] == [
        "return.xlsx cannot be read as an Excel workbook (BadZipFile); save it again as .xlsx or as CSV"
    ]
    assert store.table_snapshot(empty_conn) == before


def test_a_lead_s_xlsx_compressed_with_lzma_is_refused_before_it_is_unpacked(empty_conn, cfg):
    """Excel writes stored or deflated parts only; an LZMA part would be unpacked whole by openpyxl's zipfile."""
    from tests.test_hostile_input import sheet, xlsx_with

    data = _rezip(xlsx_with(sheet(3, "A1:D4")), zipfile.ZIP_LZMA)
    preview = uploads.check(empty_conn, cfg, data, "return.xlsx", ADMIN)
    assert [str(p) for p in preview.result.problems] == [
        "return.xlsx is not a valid Excel .xlsx file; open it in Excel and save it again as .xlsx or as CSV"
    ]


def test_a_gzip_file_is_unpacked_within_the_same_bounds():
    """For readers of .csv.gz files (NHS England publishes some): 2.46 million rows in 1 MB of gzip are refused
    while streaming, a damaged file is a message, a real-sized one reads whole; and a .gz is checked in the worker."""
    import gzip

    from indicators import bounds

    bomb = gzip.compress(HEADER + ROW * 2_460_000, compresslevel=9)
    assert len(bomb) < 1_000_000 and uploads.offload_wanted(bomb)
    data, problems = bounds.read_gzip(bomb, "autism.csv.gz", max_bytes=400 << 20)
    assert data is None and [str(p) for p in problems] == [
        "autism.csv.gz has more than 500,000 rows; a DfE or NHS file with more is refused (the largest real one, "
        "SEN2 caseload.csv, has about 25,000). Download the data set filtered to national, regional and local "
        "authority level."
    ]
    small = HEADER + ROW * 1000
    cut = gzip.compress(small)
    _, problems = bounds.read_gzip(cut[: len(cut) // 2], "cut.csv.gz", max_bytes=400 << 20)
    assert [str(p) for p in problems] == [
        "cut.csv.gz cannot be unpacked (Compressed file ended before the end-of-stream marker was reached): the .gz "
        "file is damaged. Download it again and use it as it comes."
    ]
    assert bounds.read_gzip(gzip.compress(small), "ok.csv.gz", max_bytes=400 << 20) == (small, [])


def test_one_file_in_a_release_that_unpacks_past_150_mb_is_refused_while_streaming(empty_conn, cfg):
    long_row = ROW[:-1] + b"," + b"x" * 300 + b"\n"  # under the line and row limits: only the bytes stop it
    data = release_zip(long_row * 400_000)
    assert len(data) < 2_000_000
    preview = uploads.check(empty_conn, cfg, data, "release.zip", ADMIN, kind="official")
    assert [str(p) for p in preview.result.problems] == [
        "data/sen2_mi.csv: data/sen2_mi.csv in release.zip unpacks to more than 150 MB; files over that are refused. "
        "Import the CSV files you need one by one."
    ]
