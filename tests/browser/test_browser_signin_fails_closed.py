"""Sign-in fails closed, on real servers: local mode (no [auth]) started with --server.address 0.0.0.0 serves only a
refusal at every address (the test connects through 127.0.0.1 only, and reads what the process bound with ss);
with KPI_ALLOW_OPEN_LOCAL_MODE=1 every page carries a red banner; secrets that are not TOML or that misspell [auth]
serve only a message naming the file, section or key."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from indicators import signin
from tests.browser.conftest import UI, streamlit_server
from tests.browser.test_browser_signin import DATA, every_address


@pytest.fixture
def db(sample_db_template, tmp_path):
    path = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, path)
    return path


def bound(port: int) -> list[str]:
    """The local addresses listening on PORT, from ss (the kernel's own list of listening sockets)."""
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return sorted({line.split()[3].rsplit(":", 1)[0] for line in out.splitlines() if line.strip()})


def words(ui: UI) -> str:
    return ui.page.get_by_test_id("stMain").inner_text().replace("\u2060", "")


def nothing_but(ui: UI, path: str, expected_error: str) -> list[str]:
    """Open PATH; what it shows besides the one error."""
    page = ui.page
    page.goto(ui.base_url + path)
    page.get_by_test_id("stAlertContentError").first.wait_for(timeout=60_000)
    ui.idle()
    wrong = []
    errors = [e.replace("\u2060", "") for e in page.get_by_test_id("stAlertContentError").all_inner_texts()]
    if len(errors) != 1 or expected_error not in errors[0]:
        wrong.append(f"{path}: errors {errors}")
    for what, sel in (
        ("figures", DATA),
        ("a file input", "input[type=file]"),
        ("the navigation", "[data-testid=stSidebarNav]"),
        ("a button", "[data-testid=stMain] button"),
    ):
        if page.locator(sel).count():
            wrong.append(f"{path}: {what}")
    if page.locator("h1").all_inner_texts() != ["SEND performance dashboard"]:
        wrong.append(f"{path}: headings {page.locator('h1').all_inner_texts()}")
    return wrong


def test_local_mode_on_every_interface_serves_only_a_refusal(db, tmp_path, tab):
    with streamlit_server(db, tmp_path, args=("--server.address", "0.0.0.0"), host="127.0.0.1") as server:
        assert bound(server.port) == ["0.0.0.0"], bound(server.port)  # every interface: the operator's slip, reproduced
        ui = UI(tab(1366, 900), server.url)
        wrong = [
            w
            for path in every_address() + ["/history", "/upload"]
            for w in nothing_but(ui, path, "The dashboard will not open: no sign-in is set up and it listens on 0.0.0.0")
        ]
        assert not wrong, wrong
        said = words(ui)
        assert "KPI_ALLOW_OPEN_LOCAL_MODE=1" in said and 'address = "localhost"' in said and "[auth]" in said
        ui.screenshots("local-mode-refused", 1366, 900)


def test_open_local_mode_when_allowed_says_so_in_red_on_every_page(db, tmp_path, tab):
    with streamlit_server(
        db, tmp_path, args=("--server.address", "0.0.0.0"), host="127.0.0.1", env={signin.OPEN_LOCAL_ENV: "1"}
    ) as server:
        ui = UI(tab(1366, 900), server.url)
        for path in (
            "/",
            "/indicator?indicator=ehcp_20wk&area=E06000047",
            "/exceptions",
            "/present",
            "/pack",
            "/upload",
            "/history",
            "/about",
        ):
            page = ui.open(path)
            banner = (
                page.get_by_test_id("stMain").get_by_test_id("stAlertContentError").first.get_by_test_id("stMarkdownContainer")
            )
            assert banner.inner_text().replace("\u2060", "").startswith(signin.OPEN_LOCAL_BANNER), path
            sidebar = page.get_by_test_id("stSidebar").inner_text()
            assert "listens on this computer only" not in sidebar and "Local mode on the network" in sidebar, sidebar
        ui.open("/")
        ui.screenshots("local-mode-open-banner", 1366, 900)


@pytest.mark.parametrize(
    "secrets, said",
    [
        (
            '[auth]\nredirect_uri = "http://localhost/oauth2callback\ncookie_secret = "y"\n',
            "is not valid TOML: Illegal character",
        ),
        (
            '[oauth]\nredirect_uri = "http://localhost/oauth2callback"\ncookie_secret = "y"\nclient_id = "a"\n',
            "section [oauth]: Streamlit reads sign-in settings only from a section named [auth] (lower case); rename [oauth] to [auth]",
        ),
        (
            'client_id = "a"\nclient_secret = "b"\n[auth]\nredirect_uri = "http://localhost/oauth2callback"\n',
            "key client_id is at the top level of the secrets; it belongs inside the [auth] section",
        ),
    ],
)
def test_wrong_secrets_serve_only_what_is_wrong(db, tmp_path, tab, secrets, said):
    path = tmp_path / "secrets.toml"
    path.write_text(secrets, encoding="utf-8")
    with streamlit_server(db, tmp_path, args=("--secrets.files", str(path))) as server:
        ui = UI(tab(1366, 900), server.url)
        wrong = [
            w
            for p in ("/", "/scorecard_page", "/history", "/upload")
            for w in nothing_but(ui, p, "Sign-in is set up wrongly, so the dashboard will not open.")
        ]
        assert not wrong, wrong
        assert said in words(ui), words(ui)
        if "TOML" in said:
            assert re.search(rf"{re.escape(str(path))} is not valid TOML", words(ui))
            ui.screenshots("signin-secrets-not-toml", 1366, 900)
