"""Who may see and change what: the roles file, and checks made on the server for every write."""

import datetime as dt

import pytest
import yaml

from indicators import access, store, uploads
from tests.conftest import ADMIN, ROOT, sample_last, sample_next

TODAY = dt.date(2026, 11, 22)
# New figures for the month and quarter after the sample's latest.
SALT = f"indicator,area,period,value\nsalt_seen_6wk,E06000047,{sample_next('salt_seen_6wk').label},80\n".encode()
NEET = f"send_neet,E06000047,{sample_next('send_neet').label},12\n".encode()


@pytest.fixture(scope="module")
def roles(cfg):
    return access.load_roles(cfg, ROOT / "config" / "roles.yaml")


def test_roles_by_email_domain_and_group(roles):
    salt = access.access_for("Salt.Lead@NHS.net", roles)
    assert (salt.viewer, salt.admin, sorted(salt.upload_ids)) == (True, False, ["salt_seen_6wk", "salt_treated_12wk"])
    viewer = access.access_for("someone@nhs.net", roles)
    assert (viewer.viewer, viewer.can_upload, viewer.admin) == (True, False, False)
    admin = access.access_for("performance.admin@durham.gov.uk", roles)
    assert admin.admin and admin.may_upload("send_neet")
    stranger = access.access_for("someone@gmail.com", roles)
    assert not stranger.viewer and not stranger.can_upload
    assert not access.access_for(None, roles).viewer


def test_local_mode_is_one_person_with_every_right():
    a = access.local_access("analyst")
    assert a.local and a.admin and a.may_upload("anything")


def test_bad_roles_file_names_the_field(cfg, tmp_path):
    raw = yaml.safe_load((ROOT / "config" / "roles.yaml").read_text())
    raw["uploaders"]["salt.lead@nhs.net"] = ["salt", "salt_seen_6wkk"]
    raw["admins"] = ["not-an-email"]
    path = tmp_path / "roles.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(access.RolesError) as info:
        access.load_roles(cfg, path)
    text = "\n".join(info.value.problems)
    assert '"not-an-email" is neither an e-mail address nor an @domain' in text
    raw["admins"] = []
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(access.RolesError) as info:
        access.load_roles(cfg, path)
    assert info.value.problems == [
        'field uploaders.salt.lead@nhs.net: "salt_seen_6wkk" is neither an indicator id nor a group; did you mean "salt_seen_6wk"?'
    ]


def test_uploader_may_only_write_their_own_indicators(conn, cfg, roles):
    salt = access.access_for("salt.lead@nhs.net", roles)
    before = store.table_snapshot(conn)
    p = uploads.check(conn, cfg, SALT + NEET, "mixed.csv", ADMIN, today=TODAY)
    with pytest.raises(access.Forbidden, match="salt.lead@nhs.net may not upload figures for send_neet"):
        uploads.commit(conn, p, salt)
    assert store.table_snapshot(conn) == before
    ok = uploads.check(conn, cfg, SALT, "salt.csv", ADMIN, today=TODAY)
    assert ok.counts["new"] == 1
    s = uploads.commit(conn, ok, salt)
    assert conn.execute("SELECT user_name FROM uploads WHERE id = ?", [s.upload_id]).fetchone()[0] == "salt.lead@nhs.net"


def test_only_admins_roll_back_and_only_owners_write_commentary(conn, cfg, roles):
    salt = access.access_for("salt.lead@nhs.net", roles)
    admin = access.access_for("performance.admin@durham.gov.uk", roles)
    s = uploads.commit(conn, uploads.check(conn, cfg, SALT, "s.csv", ADMIN, today=TODAY), salt)
    with pytest.raises(access.Forbidden, match="Only an administrator may roll back an upload"):
        uploads.rollback(conn, s.upload_id, salt)
    rb = uploads.rollback(conn, s.upload_id, admin)
    assert (
        conn.execute("SELECT user_name FROM uploads WHERE id = ?", [rb.upload_id]).fetchone()[0]
        == "performance.admin@durham.gov.uk"
    )
    with pytest.raises(access.Forbidden):
        uploads.save_commentary(conn, salt, "send_neet", "E06000047", sample_last("send_neet")[0].label, "x", "y", None)
    cid = uploads.save_commentary(
        conn, salt, "salt_seen_6wk", "E06000047", sample_last("salt_seen_6wk")[0].label, "Better", "Keep going", None
    )
    assert conn.execute("SELECT author FROM commentary WHERE id = ?", [cid]).fetchone()[0] == "salt.lead@nhs.net"


def test_local_mode_banner_and_every_page_offered(db_path):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "Local mode" in at.sidebar.info[0].value


def test_a_key_written_twice_in_the_roles_file_names_the_file_and_line(cfg, tmp_path):
    """PyYAML keeps the last of two keys: a second `admins:` added at the end would silently empty the first."""
    text = (ROOT / "config" / "roles.yaml").read_text(encoding="utf-8") + "admins: []\n"
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    first = text.splitlines().index("admins: [performance.admin@durham.gov.uk]") + 1
    with pytest.raises(access.RolesError) as info:
        access.load_roles(cfg, path)
    assert info.value.path == str(path)
    assert info.value.problems == [
        f"the file is not valid YAML: line {len(text.splitlines())}: the key admins is written twice in the same "
        f"mapping (first on line {first}); only one would be kept, so write it once"
    ]
