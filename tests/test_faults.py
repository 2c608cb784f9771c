"""Faults: a full or read-only disk gives a clear message and no partial write; the database reopens unchanged."""

import subprocess
import uuid

import pytest

from indicators import config, store, uploads
from indicators.sample import load_sample
from tests.conftest import ADMIN, ROOT, as_user
from tests.harness import hold_database, missing, needs, run_cli


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB file system of its own (tmpfs), so the disk really fills up: room for the local sample (with the plan and the
    provider scorecard), not for the big upload as well."""
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    needs("tmpfs")  # skipped on a developer's machine without root; CI runs as root, so a refusal there fails
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)], capture_output=True, text=True)
    if made.returncode != 0:
        missing(f"cannot mount a small file system here ({made.stderr.strip() or 'mount refused'}); needs root")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def big_upload(areas_n=150, months=134) -> bytes:
    lines = ["indicator,area,period,value"]
    for i in range(areas_n):
        for m in range(months):
            lines.append(f"salt_seen_6wk,E069{i:05d},{2015 + m // 12}-{m % 12 + 1:02d},{(m * 7 + i) % 90 + 5}")
    return ("\n".join(lines) + "\n").encode()


def test_full_disk_refuses_the_upload_cleanly_and_loses_nothing(small_disk):
    cfg = config.load(ROOT / "config" / "indicators.yaml")
    path = small_disk / "kpi.duckdb"
    # The local sample only: the disk is small on purpose, and the official releases would fill it before the upload.
    conn = store.open_store(cfg, path, load_sample=lambda c: load_sample(c, cfg, with_official_data=False))
    # Far more than the disk has room for (about 80,000 figures), so the test does not hang on the exact free space.
    store.add_areas(conn, [(f"E069{i:05d}", f"Area {i}", "local_authority", None, "E12000001") for i in range(600)])
    conn.execute("CHECKPOINT")
    before = store.table_snapshot(conn)
    preview = uploads.check(conn, cfg, big_upload(areas_n=600), "big.csv", ADMIN)
    assert preview.result.ok
    with pytest.raises(
        uploads.DiskError, match="The disk holding the database is full, so the upload was not written: nothing changed"
    ):
        uploads.commit(conn, preview, as_user("lead"))
    conn.close()
    again = store.connect(path)  # DuckDB stops the database after the failed write; opening it again works
    assert store.table_snapshot(again) == before
    again.close()


def test_read_only_disk_says_so(small_disk):
    cfg = config.load(ROOT / "config" / "indicators.yaml")
    path = small_disk / "kpi.duckdb"
    store.open_store(cfg, path, load_sample=lambda c: load_sample(c, cfg, with_official_data=False)).close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    out = run_cli("list", env={"KPI_DB": str(path)})
    assert out.returncode == 3
    assert "Read-only file system" in out.stderr and "Traceback" not in out.stderr


def test_a_second_dashboard_on_the_same_file_says_it_is_in_use(db_path):
    """The second app process cannot open the file while the first holds it, and says so plainly."""
    with hold_database(db_path):
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert not at.exception
        assert "is in use by another program" in at.error[0].value
