"""The registry of ways in (indicators/sources.py and indicators/official.py): each kind of upload has its reader and
its words, the official sources are found in one place with DfE open data asked last, one MappingError is raised
for any source's broken mapping, and an official import is for administrators whatever the caller asks."""

import pytest

from indicators import official, returns, sources, uploads
from indicators.ees_mapping import MAX_BYTES as DFE_MAX_BYTES
from indicators.problems import MappingError
from tests.conftest import ADMIN, ROOT, lead

OFFICIAL = ROOT / "data" / "official"
CHS = OFFICIAL / "nhs" / "community_health_2023-08-01.xlsx"
AUTISM = OFFICIAL / "nhs" / "AutismStatsDec22_subICB.csv.gz"
NEET = OFFICIAL / "neet" / "neet_participation_la_2025.csv"


def test_each_kind_of_upload_is_registered_with_its_files_limit_and_words():
    assert list(sources.KINDS) == ["return", "official"]
    ret, off = sources.KINDS["return"], sources.KINDS["official"]
    assert (ret.types, ret.max_mb, ret.admin_only, ret.detects) == (("csv", "xlsx"), returns.MAX_BYTES // 2**20, False, False)
    assert (off.types, off.max_mb, off.admin_only, off.detects) == (
        ("zip", "csv", "gz", "xlsx"),
        DFE_MAX_BYTES // 2**20,
        True,
        True,
    )
    for k in sources.KINDS.values():
        assert k.choice and k.file_label and k.refused_advice and f"Up to {k.max_mb} MB" in k.help, k.name


def test_an_unknown_kind_of_upload_is_refused_naming_the_kinds():
    with pytest.raises(ValueError, match='"officials" is not a kind of upload; the kinds are return, official'):
        sources.kind("officials")


def test_a_lead_is_offered_a_return_only_and_an_administrator_both():
    assert [k.name for k in sources.offered(lead("salt_seen_6wk"))] == ["return"]
    assert [k.name for k in sources.offered(ADMIN)] == ["return", "official"]


def test_a_lead_asking_for_an_official_import_is_refused_before_any_reader_runs(cfg, empty_conn):
    """Not even read: bytes no reader could take get the same one sentence, and nothing is written."""
    preview = uploads.check(empty_conn, cfg, b"\x00\x01 not a file", "x.zip", lead("salt_seen_6wk"), kind="official")
    assert [p.kind for p in preview.result.problems] == ["kind_admin_only"]
    assert preview.to_write.empty


def test_the_registry_lists_every_official_mapping_with_its_layout(cfg):
    layouts = official.mapping_layouts(cfg)
    assert {"sen2-mi", "sen2-timeliness", "neet-participation", "chs-cyp-salt", "autism-subicb"} <= set(layouts)
    assert layouts["chs-cyp-salt"] == "Community health services waiting-list workbook (.xlsx)"
    assert official.mapping_names() == sorted(layouts)


@pytest.mark.parametrize(
    "path, source",
    [(CHS, "nhs_chs"), (AUTISM, "nhs_autism"), (NEET, "ees")],
    ids=["chs-workbook", "autism-csv-gz", "dfe-csv"],
)
def test_each_published_file_goes_to_its_own_reader_and_dfe_is_asked_last(cfg, empty_conn, path, source):
    from indicators import ees_mapping, nhs_autism, nhs_chs, store

    table = official.read(path.read_bytes(), path.name, cfg, store.areas(empty_conn))
    assert table.source == {"nhs_chs": nhs_chs.SOURCE, "nhs_autism": nhs_autism.SOURCE, "ees": ees_mapping.SOURCE}[source]
    assert table.official and len(table.cells) > 0


def test_a_broken_mapping_of_either_kind_of_source_raises_the_one_mapping_error(cfg, tmp_path, monkeypatch):
    from indicators import ees

    (tmp_path / "broken.yaml").write_text("name: broken\nreader: nhs_chs\n", encoding="utf-8")
    monkeypatch.setenv(official.SOURCES_ENV, str(tmp_path))
    with pytest.raises(MappingError, match="The mapping .*broken.yaml has"):
        official.mapping_layouts(cfg)
    with pytest.raises(MappingError, match='there is no EES mapping "nope"'):
        ees.load_mapping("nope", cfg)
    assert ees.MappingError is official.MappingError is MappingError
