"""Sign-in fails closed: a misspelt or incomplete [auth] section, secrets that are not TOML, local mode on a network
address and an unverified e-mail address are each refused with a message naming the section or key and what would be
accepted. (Pages: the AppTests below; the real server and provider: tests/browser/test_browser_signin*.py.)"""

import pytest
from streamlit.testing.v1 import AppTest

from indicators import access, signin
from tests.conftest import ROOT

GOOD = {
    "redirect_uri": "https://dash.example.gov.uk/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}


@pytest.mark.parametrize(
    "address, loopback",
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        (" LOCALHOST ", True),
        (None, False),
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("dashboard.example.gov.uk", False),
    ],
)
def test_only_loopback_addresses_count_as_this_computer(address, loopback):
    assert signin.listens_on_loopback(address) is loopback


def test_a_good_auth_section_and_no_secrets_at_all_are_both_fine():
    assert signin.auth_problems({"auth": GOOD}) == []
    assert signin.auth_problems({}) == []
    assert signin.auth_problems({"database": {"password": "x"}}) == []  # other secrets are not sign-in settings


@pytest.mark.parametrize(
    "secrets, problem",
    [
        (
            {"oauth": GOOD},
            "section [oauth]: Streamlit reads sign-in settings only from a section named [auth] (lower case); "
            "rename [oauth] to [auth]",
        ),
        (
            {"Auth": GOOD},
            "section [Auth]: Streamlit reads sign-in settings only from a section named [auth] (lower case); "
            "rename [Auth] to [auth]",
        ),
        (
            {"authentication": GOOD},
            "section [authentication]: Streamlit reads sign-in settings only from a section named [auth] "
            "(lower case); rename [authentication] to [auth]",
        ),
        (
            {"auht": GOOD},
            "section [auht]: Streamlit reads sign-in settings only from a section named [auth] (lower case); "
            "rename [auht] to [auth]",
        ),
        (
            {"client_id": "id", "redirect_uri": "https://x/oauth2callback"},
            "key client_id is at the top level of the secrets; it belongs inside the [auth] section (write it under a line [auth])",
        ),
        ({"auth": {k: v for k, v in GOOD.items() if k != "redirect_uri"}}, "section [auth] is missing the key redirect_uri"),
        ({"auth": {k: v for k, v in GOOD.items() if k != "cookie_secret"}}, "section [auth] is missing the key cookie_secret"),
        (
            {"auth": {k: v for k, v in GOOD.items() if k != "server_metadata_url"}},
            "section [auth] is missing the key server_metadata_url",
        ),
        ({"auth": {**GOOD, "client_secret": ""}}, "section [auth], key client_secret: must be a non-empty text in quotes"),
        (
            {"auth": {**GOOD, "redirect_uri": "https://dash.example.gov.uk/callback"}},
            'section [auth], key redirect_uri: "https://dash.example.gov.uk/callback" must end with /oauth2callback, e.g. '
            '"https://send-dashboard.example.gov.uk/oauth2callback"',
        ),
        (
            {"auth": {**GOOD, "redirect_url": "x"}},
            'section [auth], key redirect_url: not a setting Streamlit reads; did you mean "redirect_uri"? (it reads redirect_uri, '
            "cookie_secret, client_id, client_secret, server_metadata_url, client_kwargs, expose_tokens)",
        ),
        (
            {"auth": "on"},
            "auth is a single value; it must be a section: [auth] followed by redirect_uri, cookie_secret, client_id, "
            "client_secret and server_metadata_url",
        ),
    ],
)
def test_a_misspelt_or_incomplete_auth_section_is_an_error_not_local_mode(secrets, problem):
    assert problem in signin.auth_problems(secrets), signin.auth_problems(secrets)


def test_secrets_that_are_not_toml_are_an_error(tmp_path):
    bad = tmp_path / "secrets.toml"
    bad.write_text('[auth]\nredirect_uri = "https://x/oauth2callback\ncookie_secret = "y"\n', encoding="utf-8")
    merged, found, problems = signin.read_secrets([str(tmp_path / "absent.toml"), str(bad)])
    assert found == [str(bad)] and merged == {}
    assert problems == [
        f"{bad} is not valid TOML: Illegal character '\\n' (at line 2, column 41). Fix the file (or remove it "
        "to run in local mode on this computer only)"
    ]


def test_an_unverified_email_is_refused_unless_its_provider_is_trusted():
    claims = {"iss": "https://idp.example.org", "email": "admin@example.org", "email_verified": False}
    assert signin.email_problem(claims, []) == (
        "Your sign-in provider (https://idp.example.org) says it has not verified that you own the e-mail address "
        "admin@example.org, so the dashboard cannot use it to look you up in the roles file. Verify the address with your "
        "provider and sign in again. (An administrator can trust every address from a provider that never sends "
        "email_verified, such as Microsoft Entra ID, by adding its issuer to unverified_email_issuers in config/roles.yaml.)"
    )
    assert signin.email_problem({**claims, "email_verified": "true"}, []) is not None  # a string is not True
    assert signin.email_problem({k: v for k, v in claims.items() if k != "email_verified"}, []).startswith(
        "Your sign-in provider (https://idp.example.org) does not say whether you own the e-mail address admin@example.org"
    )
    assert signin.email_problem({**claims, "email_verified": True}, []) is None
    assert signin.email_problem(claims, ["https://idp.example.org"]) is None
    assert signin.email_problem(claims, ["https://other.example.org"]) is not None


def test_the_roles_file_takes_the_trusted_issuers_and_checks_them(tmp_path, cfg):
    path = tmp_path / "roles.yaml"
    path.write_text("admins: [a@example.org]\nunverified_email_issuers: [https://login.microsoftonline.com/t/v2.0]\n")
    assert access.load_roles(cfg, path).unverified_email_issuers == ["https://login.microsoftonline.com/t/v2.0"]
    path.write_text("admins: [a@example.org]\nunverified_email_issuers: [microsoft]\n")
    with pytest.raises(access.RolesError) as e:
        access.load_roles(cfg, path)
    assert e.value.problems == [
        'field unverified_email_issuers: "microsoft" is not an issuer; write it as the provider\'s iss '
        'claim, e.g. "https://login.microsoftonline.com/<tenant-id>/v2.0"'
    ]


def run_app(monkeypatch, *, address="localhost", secrets=None, tmp_path=None, env=None):
    """app.py headless with server.address and the secrets files set as a server would have them."""
    from streamlit import config as st_config

    files = []
    if secrets is not None:
        files = [str(tmp_path / "secrets.toml")]
        (tmp_path / "secrets.toml").write_text(secrets, encoding="utf-8")
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    old = st_config.get_option("server.address"), st_config.get_option("secrets.files")
    st_config.set_option("server.address", address)
    st_config.set_option("secrets.files", files)
    try:
        return at.run()
    finally:
        st_config.set_option("server.address", old[0])
        st_config.set_option("secrets.files", old[1])


def test_local_mode_refuses_a_network_address(db_path, monkeypatch):
    at = run_app(monkeypatch, address="0.0.0.0")
    assert not at.exception
    assert [e.value for e in at.error] == [signin.local_mode_refusal("0.0.0.0")]
    assert not at.html and not at.dataframe and not at.sidebar.info  # no scorecard, no local-mode notice


def test_local_mode_on_a_network_address_when_allowed_carries_a_red_banner(db_path, monkeypatch):
    at = run_app(monkeypatch, address="0.0.0.0", env={signin.OPEN_LOCAL_ENV: "1"})
    assert at.error[0].value.startswith(f"**{signin.OPEN_LOCAL_BANNER}**")
    assert not any("listens on this computer only" in i.value for i in at.sidebar.info)
    assert at.title[0].value == "SEND scorecard — County Durham"


def test_a_misspelt_auth_section_serves_nothing(db_path, monkeypatch, tmp_path):
    at = run_app(monkeypatch, secrets='[oauth]\nclient_id = "x"\n', tmp_path=tmp_path)
    assert at.error[0].value.startswith("**Sign-in is set up wrongly, so the dashboard will not open.**")
    assert "rename \\[oauth\\] to \\[auth\\]" in at.markdown[0].value
    assert not at.html and not at.dataframe


@pytest.mark.parametrize(
    "headers, peer, why",
    [
        ({}, None, None),
        ({"Host": "localhost:8501"}, "127.0.0.1", None),
        ({}, "::1", None),
        ({}, "::ffff:127.0.0.1", None),
        ({}, "127.0.0.2", None),
        (
            {"x-forwarded-for": "10.1.2.3"},
            None,
            "it was passed on by a proxy or load balancer, whose X-Forwarded-For header says 10.1.2.3",
        ),
        (
            {"Forwarded": "for=192.0.2.60;proto=https"},
            None,
            "it was passed on by a proxy or load balancer, whose Forwarded header says for=192.0.2.60;proto=https",
        ),
        ({"X-Real-IP": "10.0.0.1"}, None, "it was passed on by a proxy or load balancer, whose X-Real-IP header says 10.0.0.1"),
        ({}, "10.0.0.7", "it came from 10.0.0.7, not from this computer"),
    ],
)
def test_local_mode_serves_only_requests_from_this_computer(headers, peer, why):
    assert signin.request_from_elsewhere(headers, peer) == why
