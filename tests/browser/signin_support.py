"""Servers for the sign-in browser tests, all on localhost: a local OpenID Connect provider (oidc-provider-mock)
with a registered client and known people, and the dashboard under `streamlit run` with a temporary secrets file
(its [auth] section turns Streamlit's st.login on) and a temporary roles file (KPI_ROLES)."""

from __future__ import annotations

import json
import secrets
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.harness import start_streamlit, stop

# Each person's subject at the provider differs from their e-mail address, so a passing test shows that the
# dashboard reads the e-mail claim (as the roles file is written) and not the subject.
PEOPLE = {
    "viewer@example.org": "vera-viewer-0001",
    "salt.lead@example.org": "sam-salt-0002",
    "admin@example.org": "ada-admin-0003",
    "stranger@example.org": "sid-stranger-0004",
}
# A second account at the provider with the administrator's address, which the provider has not verified (anyone can
# type any address into many providers' sign-up forms): it must not sign in as the administrator.
UNVERIFIED_ADMIN = "mallory-unverified-0005"
ROLES = """version: 1
viewers: [viewer@example.org]
uploaders:
  salt.lead@example.org: [salt_seen_6wk, salt_treated_12wk]
admins: [admin@example.org]
"""


@contextmanager
def identity_provider(mock):
    """oidc-provider-mock in a thread on a free port: only registered clients, a nonce required, the people above."""
    users = [
        mock.User(sub=sub, claims={"email": email, "email_verified": True, "name": email.split("@")[0]})
        for email, sub in PEOPLE.items()
    ]
    users.append(
        mock.User(sub=UNVERIFIED_ADMIN, claims={"email": "admin@example.org", "email_verified": False, "name": "mallory"})
    )
    with mock.run_server_in_thread(port=0, require_client_registration=True, require_nonce=True, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def register_client(issuer: str, redirect_uri: str) -> tuple[str, str]:
    """OAuth 2.0 dynamic client registration, as an administrator registers the dashboard with the council's provider."""
    request = urllib.request.Request(
        f"{issuer}/oauth2/clients",
        method="POST",
        headers={"Content-Type": "application/json"},
        data=json.dumps({"redirect_uris": [redirect_uri]}).encode(),
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        body = json.load(r)
    return body["client_id"], body["client_secret"]


def secrets_toml(port: int, issuer: str, client_id: str, client_secret: str) -> str:
    return f"""[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "{client_id}"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
"""


class Dashboard:
    """`streamlit run app.py` with sign-in on; stop() and start() again let a test read the database file in between
    (the running app holds it for writing). People stay signed in across a restart: the cookie is signed, not stored."""

    def __init__(self, folder: Path, port: int, db: Path, secrets_file: Path, roles_file: Path, issuer: str):
        self.folder, self.port, self.db, self.issuer = folder, port, db, issuer
        self.before: dict | None = None  # the database's tables before the first start, for "nothing was written"
        self.url = f"http://localhost:{port}"
        self.log = folder / "streamlit.log"
        self.env = {"KPI_ROLES": str(roles_file)}
        self.args = ("--secrets.files", str(secrets_file))
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Started and healthy (harness.start_streamlit), on the same port every time: the provider knows it."""
        self.proc = start_streamlit(self.db, self.folder, env=self.env, args=self.args, port=self.port, log=self.log).proc

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None

    @contextmanager
    def stopped(self):
        """The app stopped, so its database file can be opened; started again afterwards."""
        self.stop()
        try:
            yield self.db
        finally:
            self.start()
