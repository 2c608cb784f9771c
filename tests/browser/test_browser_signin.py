"""Real sign-in: a local OpenID Connect provider (oidc-provider-mock), Streamlit's st.login, and the roles file.
A viewer cannot reach uploads or rollback even by URL; an uploader may upload only their own indicators."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser.conftest import ROOT, _free_port

try:
    from oidc_provider_mock import run_server_in_thread
except ImportError:  # pragma: no cover - depends on the environment
    run_server_in_thread = None

ROLES = """version: 1
viewers: [viewer@example.org]
uploaders:
  salt.lead@example.org: [salt_seen_6wk, salt_treated_12wk]
admins: [admin@example.org]
"""


@pytest.fixture(scope="module")
def signed_app(chromium_path, sample_db_template, tmp_path_factory):
    if run_server_in_thread is None:
        msg = "oidc-provider-mock is not installed: pip install -r requirements-dev.txt"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    tmp = tmp_path_factory.mktemp("signin")
    db = tmp / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    (tmp / "roles.yaml").write_text(ROLES)
    with run_server_in_thread(port=_free_port()) as idp:
        port = _free_port()
        secrets = tmp / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length"
client_id = "kpi-dashboard"
client_secret = "kpi-dashboard-secret"
server_metadata_url = "http://localhost:{idp.server_port}/.well-known/openid-configuration"
""")
        env = {**os.environ, "KPI_DB": str(db), "KPI_ROLES": str(tmp / "roles.yaml"), "KPI_BACKUP_EVERY_HOURS": "0",
               "KPI_CONFIG": str(ROOT / "config" / "indicators.yaml")}
        log = open(tmp / "streamlit.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true", "--secrets.files", str(secrets)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, (tmp / "streamlit.log").read_text()[-2000:]
                time.sleep(0.25)
            yield f"http://localhost:{port}", tmp
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()


@pytest.fixture
def chrome(browser):
    """The session's one Chromium (Playwright's sync API allows one per process); each person gets a new context."""
    return browser


def sign_in(chrome, url: str, email: str):
    """A person's own browser: the dashboard's Sign in button, the provider's form, and back."""
    page = chrome.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(url + "/")
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=sub]").fill(email)  # the mock provider's own form; the e-mail claim follows the subject
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=60_000)
    return page


def nav_text(page) -> str:
    return page.get_by_test_id("stSidebarNav").inner_text()


def test_a_viewer_cannot_reach_uploads_or_rollback_even_by_url(signed_app, chrome):
    url, _ = signed_app
    page = sign_in(chrome, url, "viewer@example.org")
    assert "Scorecard" in nav_text(page)
    assert "Upload figures" not in nav_text(page) and "Upload history" not in nav_text(page)
    for path in ("/upload", "/history"):
        page.goto(url + path)
        page.get_by_text("Signed in as viewer@example.org").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator("input[type=file]").count() == 0
        assert page.get_by_role("button", name="Roll back").count() == 0
        assert page.get_by_text("Upload figures", exact=True).count() == 0
    page.context.close()


def test_an_uploader_may_upload_only_their_own_indicators(signed_app, chrome, tmp_path):
    url, _ = signed_app
    page = sign_in(chrome, url, "salt.lead@example.org")
    assert "Upload figures" in nav_text(page) and "Upload history" not in nav_text(page)
    page.goto(url + "/upload")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("indicator,area,period,value\nsalt_seen_6wk,E06000047,2020-01,81\nsend_neet,E06000047,2020-21 Q1,12\n")
    page.locator("input[type=file]").first.set_input_files(str(mixed))
    refused = page.get_by_text("which salt.lead@example.org may not upload")
    refused.wait_for(timeout=60_000)
    assert "send_neet" in refused.inner_text()
    assert page.get_by_role("button", name="Confirm").count() == 0
    own = tmp_path / "salt.csv"
    own.write_text("indicator,area,period,value\nsalt_seen_6wk,E06000047,2020-01,81\n")
    page.goto(url + "/upload")
    page.locator("input[type=file]").first.set_input_files(str(own))
    page.get_by_role("button", name="Confirm: load 1 new and 0 changed figure(s)").click()
    page.get_by_text("Loaded salt.csv as upload").wait_for(timeout=60_000)
    page.context.close()


def test_an_admin_sees_who_uploaded_and_may_roll_back(signed_app, chrome):
    url, _ = signed_app
    page = sign_in(chrome, url, "admin@example.org")
    assert "Upload history" in nav_text(page)
    page.goto(url + "/history")
    page.get_by_text("Roll back an upload").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    # the grid is drawn on a canvas; its CSV download is the text of the table
    with page.expect_download() as d:
        page.get_by_role("button", name="Download the history (CSV)").click()
    history = open(d.value.path(), encoding="utf-8").read()
    assert "salt.csv" in history and "salt.lead@example.org" in history
    assert "mixed.csv" not in history  # the refused file wrote nothing
    page.context.close()
