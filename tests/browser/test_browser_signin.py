"""Real sign-in, end to end: a local OpenID Connect provider (oidc-provider-mock), Streamlit's st.login with a
temporary secrets file, and a temporary roles file. A viewer cannot reach the upload or rollback actions even by
URL; an uploader may upload only to their own indicators (a refused file writes nothing to the database file);
an administrator may open the upload history. Everything runs on localhost.

How a person signs in here, step by step: the dashboard shows only a "Sign in" button; st.login sends the browser
to /auth/login, which redirects to the provider's /oauth2/authorize; the person types their subject into the
provider's form and presses Authorize; the provider redirects to /oauth2callback with a code, Streamlit exchanges
it for an ID token (client id and secret from the registration, nonce checked) and sets its signed identity
cookie; the app reads the e-mail claim from st.user and looks it up in the roles file."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser.conftest import ROOT, UI, _free_port
from tests.browser.signin_support import (
    PEOPLE,
    ROLES,
    UNVERIFIED_ADMIN,
    Dashboard,
    identity_provider,
    register_client,
    secrets_toml,
)
from tests.conftest import sample_next, snapshot

DURHAM = "E06000047"
# New figures: the month and the quarter after the sample's latest.
SALT_MONTH, NEET_QUARTER = sample_next("salt_seen_6wk").label, sample_next("send_neet").label
OWN = f"indicator,area,period,value\nsalt_seen_6wk,E06000047,{SALT_MONTH},81\n"
MIXED = OWN + f"send_neet,E06000047,{NEET_QUARTER},12\n"


@pytest.fixture(scope="module")
def signin(oidc_mock, chromium_path, sample_db_template, tmp_path_factory):
    """The provider and the dashboard, with the dashboard registered as a client; stopped at the end of the module."""
    tmp = tmp_path_factory.mktemp("signin")
    db = tmp / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    (tmp / "roles.yaml").write_text(ROLES, encoding="utf-8")
    with identity_provider(oidc_mock) as issuer:
        port = _free_port()
        client_id, client_secret = register_client(issuer, f"http://localhost:{port}/oauth2callback")
        (tmp / "secrets.toml").write_text(secrets_toml(port, issuer, client_id, client_secret), encoding="utf-8")
        app = Dashboard(tmp, port, db, tmp / "secrets.toml", tmp / "roles.yaml", issuer)
        app.before = snapshot(db)  # the database as the app first opens it
        app.start()
        try:
            yield app
        finally:
            app.stop()


@pytest.fixture
def person(tab, signin):
    """sign_in(email): a browser of that person's own (a kept tab with no cookies, tests/browser/conftest.py Tabs),
    signed in through the provider's own form; with admitted=False the dashboard is expected to turn them away. A
    failing test leaves a picture of every browser it opened in test-artifacts/failures/."""

    def sign_in(email: str, admitted: bool = True, sub: str | None = None) -> UI:
        ui = UI(tab(1366, 768), signin.url)
        page = ui.page
        page.goto(signin.url + "/")
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{signin.issuer}/oauth2/authorize?*", timeout=30_000)
        page.locator("input[name=sub]").fill(sub or PEOPLE[email])
        page.get_by_role("button", name="Authorize", exact=True).click()
        page.wait_for_url(f"{signin.url}/**", timeout=30_000)
        if admitted:
            signed_in(ui, email)
        return ui

    return sign_in


def signed_in(ui: UI, email: str) -> None:
    # The address is shown as text: an invisible word joiner before the @ keeps Streamlit from making it a mailto: link.
    name, domain = email.split("@")
    shown = re.compile(rf"^Signed in as {re.escape(name)}\u2060?@{re.escape(domain)}$")
    ui.page.get_by_test_id("stSidebar").get_by_text(shown).wait_for(timeout=60_000)
    ui.idle()


def nav(ui: UI) -> str:
    return ui.page.get_by_test_id("stSidebarNav").inner_text()


def open_by_url(ui: UI, path: str, email: str):
    """Type a page's address into the browser, as someone trying to get round the navigation would."""
    ui.page.goto(ui.base_url + path)
    signed_in(ui, email)
    return ui.page


def refused_by_url(ui: UI, path: str, email: str) -> str:
    """Open PATH by its URL and check nothing of it is shown; returns how the app said no."""
    page = open_by_url(ui, path, email)
    # Either Streamlit's "Page not found" (the page is not in this person's navigation) or the page's own refusal.
    page.locator("[role=dialog]:visible, [data-testid=stAlertContentError]").first.wait_for(timeout=60_000)
    ui.idle()
    assert page.locator("input[type=file]").count() == 0, f"{path}: a file input is shown to {email}"
    assert page.get_by_role("button", name="Roll back", exact=False).count() == 0, f"{path}: a rollback button is shown"
    assert page.get_by_role("button", name="Confirm", exact=False).count() == 0
    assert (
        page.locator("h1", has_text="Upload figures").count() == 0 and page.locator("h1", has_text="Upload history").count() == 0
    )
    said = page.locator("[role=dialog]:visible, [data-testid=stAlertContentError]").first.inner_text()
    assert "Page not found" in said or "You do not have permission" in said, said
    return said


# What a page with figures on it draws: none of it may appear before sign-in.
DATA = "[data-testid=stDataFrame], [data-testid=stMetric], [data-testid=stTable], .js-plotly-plot, .slide"


def only_sign_in(page, base_url: str, path: str) -> list[str]:
    """Open PATH without signing in; what of the dashboard it shows besides the Sign in button."""
    page.goto(base_url + path)
    # The sign-in page's button, or a page of the dashboard itself (its own title or figures).
    page.locator(f"button:has-text('Sign in'), {DATA}, h1:not(:has-text('SEND performance dashboard'))").first.wait_for(
        timeout=60_000
    )
    UI(page, base_url).idle()
    shown = []
    if page.get_by_role("button", name="Sign in").count() != 1:
        shown.append(f"{path}: no Sign in button")
    if page.locator(DATA).count():
        shown.append(f"{path}: figures ({page.locator(DATA).count()} elements)")
    if page.locator("input[type=file]").count():
        shown.append(f"{path}: a file input")
    if page.get_by_test_id("stSidebarNav").count():
        shown.append(f"{path}: the navigation lists {page.get_by_test_id('stSidebarNav').inner_text().split()}")
    return shown


def test_before_sign_in_only_the_sign_in_button_is_shown(signin, tab):
    page = tab(1280, 720)
    shown = [
        s
        for path in (
            "/",
            "/upload",
            "/history",
            f"/indicator?indicator=ehcp_20wk&area={DURHAM}",
            "/present?slide=3",
            "/upload_page",
            "/history_page",
        )
        for s in only_sign_in(page, signin.url, path)
        if "navigation" not in s
    ]
    assert not shown, shown


def every_address() -> list[str]:
    """/, and each file name in pages/ with and without _page: app.py's addresses and Streamlit's legacy ones."""
    names = sorted({p.stem.removesuffix("_page") for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("__")})
    return ["/"] + [f"/{n}{suffix}" for n in names for suffix in ("", "_page")]


def cold_addresses() -> list[str]:
    """The addresses a newly started server answers by another road than a warm one. Until st.navigation has run in
    the process, Streamlit's legacy pages/ discovery runs the file the address names, without app.py: a shim
    (/upload, /history: pages/upload.py) by hand_over(), a page file (/history_page) by run_page(), which hands over
    in the same way; the same two with a query string (the deck, the indicator). Every file takes one of these two
    roads, the only statement at its top level (tests/test_page_gate.py reads each file), so one of each is the
    first request of a new server here, and / (app.py itself). Every address is checked again on the warm server."""
    return [
        "/",
        "/upload",
        "/history",
        "/history_page",
        "/present_page?slide=3",
        f"/indicator_page?indicator=ehcp_20wk&area={DURHAM}",
    ]


def test_a_fresh_server_shows_no_page_and_no_figures_before_sign_in(signin, tab):
    """Each cold address is the first request a newly started server gets, then every address again on the warm
    server."""
    shown, titles = [], set()
    page = tab(1280, 720)
    for path in cold_addresses():
        with signin.stopped():
            pass  # a new server process: nobody has loaded anything from it yet
        shown += only_sign_in(page, signin.url, path)
        titles |= set(page.locator("h1").all_inner_texts())
    for path in every_address():
        shown += [f"(warm) {s}" for s in only_sign_in(page, signin.url, path)]
        titles |= set(page.locator("h1").all_inner_texts())
    print("\n".join(shown))
    assert not shown, shown
    assert titles == {"SEND performance dashboard"}, titles


def test_someone_the_roles_file_does_not_name_is_turned_away(person):
    ui = person("stranger@example.org", admitted=False)
    said = ui.page.get_by_test_id("stAlertContentError").get_by_test_id("stMarkdownContainer")
    said.wait_for(timeout=60_000)
    ui.idle()
    # (the address is shown as text: an invisible word joiner keeps Streamlit from making it a mailto: link)
    assert said.inner_text().replace("\u2060", "") == (
        "You are signed in as stranger@example.org, but the roles file does not give you access. Ask an administrator."
    )
    assert ui.page.locator(DATA).count() == 0 and ui.page.locator("input[type=file]").count() == 0
    for path in ("/upload", "/history"):
        ui.page.goto(ui.base_url + path)
        ui.page.get_by_text("the roles file does not give you access").wait_for(timeout=60_000)
        ui.idle()
        assert ui.page.locator(DATA).count() == 0 and ui.page.locator("input[type=file]").count() == 0


def test_an_unverified_email_address_does_not_sign_in_even_as_the_admin(person, signin):
    """The provider says email_verified: false for this account's admin@example.org: refused at every page, until an
    administrator trusts the provider's addresses (its issuer in unverified_email_issuers in the roles file)."""
    ui = person("admin@example.org", admitted=False, sub=UNVERIFIED_ADMIN)
    said = ui.page.get_by_test_id("stAlertContentError").get_by_test_id("stMarkdownContainer")
    said.wait_for(timeout=60_000)
    ui.idle()
    assert said.inner_text().replace("\u2060", "") == (
        f"Your sign-in provider ({signin.issuer}) says it has not verified that you own the e-mail address admin@example.org, "
        "so the dashboard cannot use it to look you up in the roles file. Verify the address with your provider and sign "
        "in again. (An administrator can trust every address from a provider that never sends email_verified, such as "
        "Microsoft Entra ID, by adding its issuer to unverified_email_issuers in config/roles.yaml.)"
    )
    for path in ("/history", "/upload", "/scorecard_page", "/history_page"):
        ui.page.goto(ui.base_url + path)
        ui.page.get_by_text("says it has not verified that you own the e-mail address").wait_for(timeout=60_000)
        ui.idle()
        assert ui.page.locator(DATA).count() == 0 and ui.page.locator("input[type=file]").count() == 0, path
        assert ui.page.get_by_test_id("stSidebarNav").count() == 0, path
    ui.screenshots("signin-unverified-email", 1366, 768)

    roles = signin.folder / "roles.yaml"
    before = roles.read_text(encoding="utf-8")
    roles.write_text(before + f"unverified_email_issuers: [{signin.issuer}]\n", encoding="utf-8")
    try:
        page = open_by_url(ui, "/history", "admin@example.org")
        page.locator("h1", has_text="Upload history").wait_for(timeout=60_000)
    finally:
        roles.write_text(before, encoding="utf-8")


def test_deep_links_work_after_sign_in_on_a_fresh_server(person, signin):
    ui = person("viewer@example.org")
    for path, ready, heading in (
        (
            f"/indicator?indicator=send_neet&area={DURHAM}",
            "h1",
            "Young people with SEND not in education, employment or training (NEET)",
        ),
        ("/scorecard", "h1", "SEND scorecard — County Durham"),
        ("/present?slide=3", ".slide h1", "New EHC plans issued within 20 weeks"),
    ):
        with signin.stopped():
            pass  # a new server process; the sign-in cookie outlives it
        page = ui.open(path, ready=ready)
        assert page.locator(ready).first.inner_text() == heading, path


def test_a_viewer_cannot_reach_uploads_or_rollback_even_by_url(person, signin):
    ui = person("viewer@example.org")
    assert "Scorecard" in nav(ui) and "Presentation mode" in nav(ui)
    assert "Upload figures" not in nav(ui) and "Upload history" not in nav(ui)
    for path in ("/upload", "/history"):
        said = refused_by_url(ui, path, "viewer@example.org")
        print(f"viewer at {path}: {said!r}")
    # Signing out goes through the provider's end-session page and back to the sign-in button.
    ui.page.goto(signin.url + "/")
    signed_in(ui, "viewer@example.org")
    ui.page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    ui.page.wait_for_url(f"{signin.issuer}/oauth2/end_session?*", timeout=30_000)
    ui.page.get_by_role("button", name="End session").click()
    ui.page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    ui.page.goto(signin.url + "/upload")
    ui.page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    assert ui.page.locator("input[type=file]").count() == 0


def test_an_uploader_may_upload_only_their_own_indicators(person, signin, tmp_path):
    email = "salt.lead@example.org"
    ui = person(email)
    # An uploader's history is their own (My uploads), with no rollback: the full history is the administrators'.
    assert "Upload figures" in nav(ui) and "My uploads" in nav(ui) and "Upload history" not in nav(ui)
    page = open_by_url(ui, "/history", email)
    page.locator("h1", has_text="My uploads").wait_for(timeout=60_000)
    ui.idle()
    assert page.get_by_role("button", name="Roll back", exact=False).count() == 0
    assert page.get_by_text(f"{email.replace('@', chr(0x2060) + '@')} has not uploaded any figures yet.").count() == 1

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(MIXED, encoding="utf-8")
    page = open_by_url(ui, "/upload", email)
    page.locator("input[type=file]").set_input_files(str(mixed))
    refused = page.get_by_test_id("stAlertContentError").filter(has_text="may not upload")
    refused.wait_for(timeout=60_000)
    ui.idle()
    text = refused.inner_text()
    text = text.replace("\u2060", "")  # plain() joins words invisibly inside addresses so they are not made links
    assert "send_neet" in text and email in text and "Nothing was loaded" in text
    assert "salt_seen_6wk" not in text  # their own indicator is not the problem
    assert page.get_by_role("button", name="Confirm", exact=False).count() == 0
    with signin.stopped() as db:
        assert snapshot(db) == signin.before, "the refused file changed the database"

    own = tmp_path / "salt.csv"
    own.write_text(OWN, encoding="utf-8")
    page = open_by_url(ui, "/upload", email)  # the cookie outlives the restart: still signed in
    page.locator("input[type=file]").set_input_files(str(own))
    page.get_by_role("tab", name="New (1)").wait_for(timeout=60_000)
    page.get_by_role("button", name="Confirm: load 1 new and 0 changed figure(s)").click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded salt.csv as upload").wait_for(timeout=60_000)

    with signin.stopped() as db:
        after = snapshot(db)
    new_uploads = [u for u in after["uploads"] if u not in signin.before["uploads"]]
    assert len(new_uploads) == 1, new_uploads
    upload = dict(zip(["id", "kind", "file_name", "content_hash", "user_name"], new_uploads[0][:5]))
    assert upload["user_name"] == email and upload["file_name"] == "salt.csv", upload
    new_rows = [r for r in after["observations"] if r not in signin.before["observations"]]
    assert [(r[0], r[1], r[2], r[5]) for r in new_rows] == [("salt_seen_6wk", DURHAM, SALT_MONTH, 81.0)]
    assert not [r for r in new_rows if r[0] == "send_neet"]

    # My uploads: the upload with the figure it added, in names.
    page = open_by_url(ui, "/history", email)
    page.get_by_text("Upload ", exact=False).filter(has_text="salt.csv").first.click()
    table = page.get_by_test_id("stTable").first
    table.wait_for(timeout=60_000)
    ui.idle()
    assert "SALT routine referrals seen and assessed within 6 weeks" in table.inner_text() and "81%" in table.inner_text()
    page.wait_for_timeout(600)  # the expander's opening animation
    ui.screenshots("my-uploads", 1366, 768)


def test_an_admin_may_upload_anything_and_open_the_upload_history(person, tmp_path):
    email = "admin@example.org"
    ui = person(email)
    assert "Upload figures" in nav(ui) and "Upload history" in nav(ui)
    neet = tmp_path / "send-neet.csv"
    neet.write_text(f"indicator,area,period,value\nsend_neet,E06000047,{NEET_QUARTER},12\n", encoding="utf-8")
    page = open_by_url(ui, "/upload", email)
    page.locator("input[type=file]").set_input_files(str(neet))  # the indicator the SALT lead was refused
    page.get_by_role("button", name="Confirm: load", exact=False).click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded send-neet.csv as upload").wait_for(timeout=60_000)

    page = open_by_url(ui, "/history", email)
    page.locator("h1", has_text="Upload history").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Roll back an upload").wait_for(timeout=60_000)
    # Nothing is chosen until the administrator chooses an upload; then its Roll back button appears.
    page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Upload", exact=True)).wait_for(timeout=30_000)
    ui.idle()
    with page.expect_download() as download:  # the table is drawn on a canvas; its CSV is the same rows as text
        page.get_by_role("button", name="Download the history (CSV)").click()
    history = download.value.path().read_text(encoding="utf-8-sig")
    assert any("send-neet.csv" in line and email in line for line in history.splitlines()), history[:2000]
    assert "mixed.csv" not in history  # the SALT lead's refused file (if that test ran first) left no trace
