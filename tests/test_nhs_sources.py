"""NHS England's autism statistics and community health services (CHS) waiting-list workbooks through the one official
import: the real files as published, a workbook of a month not shipped (built here from the real one, its layout
changed as NHS England changes it), and a workbook that cannot be read, refused with nothing loaded."""

import hashlib
import io

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from indicators import store, uploads
from indicators.config import ROOT
from pages.common import unplain
from tests.conftest import ADMIN
from tests.harness import run_cli
from tests.xlsx_edit import with_cells

NHS = ROOT / "data" / "official" / "nhs"
AUTISM = NHS / "AutismStatsDec22_subICB.csv.gz"
CHS_MARCH = NHS / "community_health_2023-03-01.xlsx"
CHS_AUGUST = NHS / "community_health_2023-08-01.xlsx"
OFFICIAL_MODE = "Official statistics (DfE open data; NHS England autism statistics or community health waiting lists)"


@pytest.fixture
def bare(empty_conn):
    return empty_conn


def figure(conn, indicator, area, period):
    return conn.execute(
        "SELECT value, numerator, denominator, marker, figure_type, release FROM observations "
        "WHERE indicator_id = ? AND area_code = ? AND period = ?",
        [indicator, area, period],
    ).fetchone()


def load(conn, cfg, data: bytes, name: str):
    preview, written = uploads.load_file(conn, cfg, data, name, ADMIN, kind="official")
    assert preview.result.ok, [str(p) for p in preview.result.problems]
    return preview, written


def refused(conn, cfg, data: bytes, name: str) -> list[str]:
    before = store.table_snapshot(conn)
    preview, written = uploads.load_file(conn, cfg, data, name, ADMIN, kind="official")
    assert written is None and not preview.result.ok
    assert store.table_snapshot(conn) == before  # nothing half-loaded
    return [str(p) for p in preview.result.problems]


def test_the_shipped_nhs_files_are_byte_for_byte_as_published():
    # SHA-256 of the files as NHS England published them (/work/shared/official-data/nhs/ when they were copied in).
    published = {
        AUTISM: "b6c886e5dfc9014ac7656c84dcab4b3d626fb5459e10f894e45492b34992834b",
        CHS_MARCH: "af9dc21de025cf5a7abe26dc046f585cbec28620e93bb5472ab98c173ecf9b8c",
        CHS_AUGUST: "f66eeca8f9ab326bda778fd559a86cc764c91a68c4096663d73e48dc7d633b16",
    }
    for path, digest in published.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path.name


def test_autism_statistics_county_durham_july_2022(bare, cfg):
    preview, written = load(bare, cfg, AUTISM.read_bytes(), AUTISM.name)
    value, num, den, marker, kind, release = figure(bare, "nhs_asd_waiting_over_13wk", "84H", "2022-07")
    assert (num, den, marker, kind, release) == (1800, 1975, None, "published", "2022-09")
    assert f"{value:.1f}" == "91.1"
    lines = uploads.summary_lines(preview, written)
    assert lines[0] == (
        "AutismStatsDec22_subICB.csv.gz: NHS England Autism Statistics, Autism Statistics by sub-ICB location (long CSV), "
        "read with the mapping autism-subicb; months 2022-07, 2022-08 and 2022-09."
    )
    assert (
        "Skipped 147,339 rows of other breakdowns (only CCG or Sub ICB Location - GP Practice or Residence, the totals, are read)."
        in lines
    )
    # Tees Valley (Redcar and Cleveland's sub-ICB location), and the ICB and England as sums of the locations.
    assert figure(bare, "nhs_asd_waiting_over_13wk", "16C", "2022-07")[1:3] == (2165, 2990)
    assert figure(bare, "nhs_asd_waiting_over_13wk", "QHM", "2022-07")[1:3] == (6665, 8370)
    england = bare.execute(
        "SELECT numerator, denominator, source FROM observations WHERE indicator_id = 'nhs_asd_waiting_over_13wk' "
        "AND area_code = 'E92000001' AND period = '2022-07'"
    ).fetchone()
    assert england == (
        64495,
        76170,
        'NHS England "Autism Statistics", the sum of its sub-ICB locations\' published counts (3 suppressed count(s) left out)',
    )
    # * is a suppressed value: kept as missing with its marker.
    assert bare.execute(
        "SELECT count(*) FROM observations WHERE indicator_id = 'nhs_asd_waiting_over_13wk' AND marker = '*' AND value IS NULL"
    ).fetchone() == (6,)


def test_chs_workbook_june_2023_england_icb_and_provider(bare, cfg):
    preview, written = load(bare, cfg, CHS_AUGUST.read_bytes(), CHS_AUGUST.name)
    assert figure(bare, "nhs_salt_waiting_list", "E92000001", "2023-06")[0] == 72071
    assert figure(bare, "nhs_salt_waiting_list", "QHM", "2023-06")[0] == 4403
    assert figure(bare, "nhs_salt_waiting_list", "RTR", "2023-06")[0] == 309
    value, num, den, *_ = figure(bare, "nhs_salt_over_18wk", "QHM", "2023-06")
    assert (num, den) == (1702, 4403) and f"{value:.1f}" == "38.7"
    # County Durham and Darlington NHS FT's cell is blank (no submission): nothing is stored for it.
    assert figure(bare, "nhs_salt_waiting_list", "RXP", "2023-06") is None
    lines = uploads.summary_lines(preview, written)
    assert "Release 2023-06; indicators fed: nhs_salt_over_18wk, nhs_salt_waiting_list." in lines
    assert '"Total waiting list by service, June 2023" (sheet Table 4, header row 5)' in lines[0]


def test_chs_workbook_of_january_2023_with_its_older_layout(bare, cfg):
    # Unheaded organisation columns, the type written once per group, "Organisation" for providers, and the service
    # in lower case: read by structure all the same.
    load(bare, cfg, CHS_MARCH.read_bytes(), CHS_MARCH.name)
    assert figure(bare, "nhs_salt_waiting_list", "E92000001", "2023-01")[0] == 67774
    assert figure(bare, "nhs_salt_waiting_list", "QHM", "2023-01")[0] == 2736


def _variant(src, month: str) -> bytes:
    """The real workbook as NHS England might publish another month: the month in every title changed, an extra
    title row above each table, the organisation columns renamed in another case and moved to the right, the CYP
    speech and language column moved and in lower case, the provider rows before the ICB rows, and the sheets in
    another order."""
    wb = openpyxl.load_workbook(src, read_only=True)  # streamed: the values are all this needs
    out = openpyxl.Workbook(write_only=True)
    for ws in reversed(wb.worksheets):
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        new = out.create_sheet(ws.title.replace("Table", "Tbl"))
        if rows and rows[0] and str(rows[0][0]).startswith(("Total waiting", "Number waiting")):
            rows[0][0] = str(rows[0][0]).replace("June 2023", month)
            header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Organisation Type" or r and r[0] == "level")
            header = rows[header_at]
            salt = [str(h or "").lower() for h in header].index("(cyp) therapy interventions: speech and language")
            body = [r for r in rows[header_at + 1 :] if any(v is not None for v in r)]
            providers = [r for r in body if r[0] == "Provider"]
            others = [r for r in body if r[0] != "Provider"]

            def reshape(r, head=False, salt=salt):
                rest = [v for j, v in enumerate(r[2:], start=2) if j != salt]
                if head:
                    return rest[:3] + [r[salt].lower()] + rest[3:] + ["ORGANISATION TYPE", "organisation name"]
                return rest[:3] + [r[salt]] + rest[3:] + [r[0], r[1]]

            rows = (
                [["Community Health Services SitRep"], *rows[:header_at]]
                + [reshape(header, head=True)]
                + [reshape(r) for r in others[:1] + providers + others[1:]]
            )
        for r in rows:
            new.append(list(r))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_a_chs_workbook_of_a_month_not_shipped_imports_without_a_code_change(bare, cfg):
    data = _variant(CHS_AUGUST, "September 2023")
    preview, written = load(bare, cfg, data, "community_health_2023-11-01.xlsx")
    assert preview.release == "2023-09"
    assert figure(bare, "nhs_salt_waiting_list", "E92000001", "2023-09")[0] == 72071
    assert figure(bare, "nhs_salt_waiting_list", "QHM", "2023-09")[0] == 4403
    assert figure(bare, "nhs_salt_waiting_list", "RTR", "2023-09")[0] == 309
    assert figure(bare, "nhs_salt_over_18wk", "RTR", "2023-09")[1:3] == (15, 309)


def test_a_chs_workbook_it_cannot_read_is_refused_naming_the_table_and_row(bare, cfg):
    renamed = with_cells(
        CHS_AUGUST,
        {"Table 4f": {"=(CYP) Therapy interventions: Speech and language": "(CYP) Speech and language therapy"}},
    )
    problems = refused(bare, cfg, renamed, "community_health_2023-12-01.xlsx")
    assert problems == [
        'community_health_2023-12-01.xlsx, row 2: table "Number waiting >18-52 weeks (127-364 days) by service, June 2023" '
        '(sheet Table 4f): no header row with the column "(CYP) Therapy interventions: Speech and language" in rows 2–30; '
        "the header row is expected under the title and notes, with a column per service. If NHS England renamed the "
        "service, change service in config/nhs/chs-cyp-salt.yaml"
    ]
    retitled = with_cells(CHS_AUGUST, {"Table 4g": {"A1": "Waiting over a year, by service, June 2023"}})
    (problem,) = refused(bare, cfg, retitled, "renamed.xlsx")
    assert problem.startswith(
        'renamed.xlsx: renamed.xlsx has no table titled "Number waiting over 52 weeks …, <month> <year>" (the mapping '
        'chs-cyp-salt reads it); the titles found are: "Community Health Services Waiting Lists'
    ) or problem.startswith('renamed.xlsx: renamed.xlsx has no table titled "Number waiting over 52 weeks')
    assert problem.endswith("change tables.over_52 in config/nhs/chs-cyp-salt.yaml")


def test_a_workbook_whose_tables_disagree_on_the_month_is_refused(bare, cfg):
    mixed = with_cells(CHS_AUGUST, {"Table 4f": {"A1": "Number waiting >18-52 weeks (127-364 days) by service, May 2023"}})
    (problem,) = refused(bare, cfg, mixed, "mixed.xlsx")
    assert problem.startswith("mixed.xlsx: the tables of mixed.xlsx are for different months (")


def test_an_autism_file_missing_a_column_is_refused_naming_it(bare, cfg):
    data = b"REPORTING_PERIOD_START,BREAKDOWN,PRIMARY_LEVEL,PRIMARY_LEVEL_DESCRIPTION,METRIC,VALUE\n01/07/2022,x,84H,y,ASD16b,5\n"
    (problem,) = refused(bare, cfg, data, "autism.csv")
    assert problem.startswith(
        "autism.csv, row 1: autism.csv has no METRIC_VALUE column, which the mapping autism-subicb reads (Autism "
        "Statistics by sub-ICB location (long CSV)); the columns are"
    )


def test_an_oversized_gzip_is_refused_before_it_is_unpacked(bare, cfg, monkeypatch):
    from indicators import nhs_autism

    monkeypatch.setattr(nhs_autism, "MAX_UNPACKED", 1024 * 1024)
    (problem,) = refused(bare, cfg, AUTISM.read_bytes(), AUTISM.name)
    assert problem == (
        "AutismStatsDec22_subICB.csv.gz unpacks to more than 1 MB; files over that are refused. Import the CSV files you "
        "need one by one."
    )


# ---------------------------------------------------------------- the command line and the Upload page


def run(*args, db):
    return run_cli(*args, env={"KPI_DB": str(db), "PATH": "/usr/bin:/bin"}, inherit=False, timeout=180)


def test_cli_import_official_reads_both_nhs_sources_with_dry_runs(tmp_path, cfg):
    db = tmp_path / "k.duckdb"
    store.open_store(cfg, db).close()
    out = run("import-official", str(AUTISM), "--dry-run", db=db)
    assert out.returncode == 0, out.stderr
    assert "Dry run: 324 new, 0 changed, 0 unchanged; nothing was written." in out.stdout
    out = run("import-official", str(AUTISM), db=db)
    assert out.returncode == 0 and "Loaded as upload 1: 324 new, 0 changed, 0 unchanged." in out.stdout, out.stderr
    out = run("import-ees", str(CHS_AUGUST), "--dry-run", db=db)  # the earlier name does the same
    assert out.returncode == 0 and "Dry run: 20 new, 0 changed, 0 unchanged; nothing was written." in out.stdout
    out = run("import-official", str(CHS_AUGUST), db=db)
    assert "Loaded as upload 2: 20 new, 0 changed, 0 unchanged." in out.stdout, out.stdout + out.stderr
    conn = duckdb.connect(str(db))
    assert conn.execute(
        "SELECT value, numerator, denominator FROM observations WHERE indicator_id='nhs_asd_waiting_over_13wk' "
        "AND area_code='84H' AND period='2022-07'"
    ).fetchone()[1:] == (1800, 1975)
    assert conn.execute(
        "SELECT value FROM observations WHERE indicator_id='nhs_salt_waiting_list' AND area_code='RTR' AND period='2023-06'"
    ).fetchone() == (309,)
    conn.close()


@pytest.mark.parametrize(
    "path, indicator, area, period, expected",
    [
        (AUTISM, "nhs_asd_waiting_over_13wk", "84H", "2022-07", (1800, 1975)),
        (CHS_AUGUST, "nhs_salt_waiting_list", "E92000001", "2023-06", (72071, None)),
    ],
)
def test_upload_page_imports_each_nhs_file_for_an_administrator(
    tmp_path, cfg, monkeypatch, path, indicator, area, period, expected
):
    from indicators.sample import load_sample

    db = tmp_path / "k.duckdb"
    store.open_store(cfg, db, load_sample=lambda c: load_sample(c, cfg, with_official_data=False)).close()
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.yaml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/upload_page.py").run()
    at.radio(key="upload_mode").set_value(OFFICIAL_MODE).run()
    at.file_uploader[0].upload(path.name, path.read_bytes(), "application/octet-stream")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "nothing is written until you confirm" in unplain(at.info[0].value)
    at.button(key="confirm").click().run()
    assert unplain(at.success[0].value).startswith(f"Loaded {path.name} as upload ")
    conn = duckdb.connect(str(db))
    row = conn.execute(
        "SELECT value, numerator, denominator FROM observations WHERE indicator_id = ? AND area_code = ? AND period = ?",
        [indicator, area, period],
    ).fetchone()
    assert (row[1], row[2]) == expected if expected[1] else row[0] == expected[0]
    conn.close()


# ---------------------------------------------------------------- the board pack


def test_board_pack_gives_the_nhs_series_a_page_after_the_local_measure(conn, cfg):
    from indicators import export

    # The default pack (exceptions and headline indicators): each NHS counterpart's page follows its local measure's.
    pack = export.build(conn, cfg, "E06000047")
    pages = [(s.title, s.subtitle.split(" · ")[0]) for s in pack.slides if s.kind == "indicator"]
    for local, nhs, shown in [
        (
            "SALT routine referrals seen and assessed within 6 weeks",
            "CYP speech and language therapy, waiting over 18 weeks (NHS England)",
            "NHS North East and North Cumbria ICB",
        ),
        (
            "Children waiting more than 13 weeks for an autism assessment",
            "Autism referrals open 13 weeks or more, aged 0–17 (NHS England)",
            "County Durham sub-ICB location (84H)",
        ),
    ]:
        at = pages.index((local, "County Durham"))
        assert pages[at + 1] == (nhs, shown)
    # A pack of chosen indicators has exactly those.
    chosen = export.build(conn, cfg, "E06000047", indicator_ids=["asd_waiting_over_13wk", "salt_seen_6wk"])
    assert len([s for s in chosen.slides if s.kind == "indicator"]) == 2
    local = next(s for s in pack.slides if s.title == "Children waiting more than 13 weeks for an autism assessment")
    assert (
        "Compared (Autism referrals open 13 weeks or more, aged 0–17 (NHS England)): County Durham sub-ICB location "
        "(84H), September 2022 92.4%; NHS North East and North Cumbria ICB 84.5%; England 88.9%. County Durham sub-ICB "
        "location (84H) covers the same area as County Durham."
    ) in local.comparison
    salt = next(s for s in pack.slides if s.title == "SALT routine referrals seen and assessed within 6 weeks")
    assert "County Durham and Darlington NHS Foundation Trust submitted no figure (blank)." in salt.comparison
    nhs = next(s for s in pack.slides if s.title.startswith("Autism referrals open"))
    names = [t.get("name") for t in nhs.charts[0].figure["data"]]
    assert "England" in names and "NHS North East and North Cumbria ICB" in names
