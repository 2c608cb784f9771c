"""Sign-in settings, checked so that a mistake closes the dashboard instead of opening it: is sign-in set up
(an [auth] section in Streamlit's secrets), is it set up correctly, may local mode be served on this address,
and has the provider verified the e-mail address a person signs in with."""

from __future__ import annotations

import difflib
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OPEN_LOCAL_ENV = "KPI_ALLOW_OPEN_LOCAL_MODE"
# What st.login() (the default provider, which is the one the dashboard's button uses) reads from [auth].
SHARED_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
OPTIONAL_KEYS = ("client_kwargs", "expose_tokens")
# Section names someone meaning [auth] might write; Streamlit reads only [auth], so any of these would
# otherwise leave the dashboard in local mode without a word.
AUTH_LOOKALIKES = (
    "oauth",
    "oauth2",
    "oidc",
    "openid",
    "authentication",
    "authorization",
    "login",
    "signin",
    "sign_in",
    "sso",
    "auth0",
)
OPEN_LOCAL_BANNER = "Local mode on a network address: anyone who can reach this server may change figures."


def listens_on_loopback(address: str | None) -> bool:
    """True when Streamlit's server.address is this computer only. No address at all binds every interface."""
    if not address or not address.strip():
        return False
    a = address.strip().strip("[]").lower()
    if a == "localhost":
        return True
    try:
        return ipaddress.ip_address(a).is_loopback
    except ValueError:  # a host name other than localhost: it may resolve to a network interface
        return False


def address_text(address: str | None) -> str:
    return f"`{address}`" if address and address.strip() else "no address (which listens on every network interface)"


def open_local_allowed(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get(OPEN_LOCAL_ENV, "").strip() == "1"


# Headers a proxy or load balancer adds when it passes a request on (the shipped HAProxy sets X-Forwarded-For).
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")


def request_from_elsewhere(headers: Mapping[str, str], peer: str | None) -> str | None:
    """Why a request is not from this computer, though the server listens on a loopback address: a proxy passed it
    on (one of PROXY_HEADERS), or the connection's peer is not a loopback address. None when it is local."""
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    for name in PROXY_HEADERS:
        if name.lower() in lower:
            value = lower[name.lower()]
            value = value if len(value) <= 60 else value[:60] + "…"
            return f"it was passed on by a proxy or load balancer, whose {name} header says {value}"
    if peer:
        try:
            local = ipaddress.ip_address(peer.strip("[]").split("%")[0])
            local = local.is_loopback or bool(getattr(local, "ipv4_mapped", None) and local.ipv4_mapped.is_loopback)
        except ValueError:
            local = False
        if not local:
            return f"it came from {peer}, not from this computer"
    return None


def local_request_refusal(why: str) -> str:
    """What a page says to a request in local mode that did not come from this computer (`why` as made safe to show)."""
    return (
        f"**The dashboard will not open: no sign-in is set up, and this request did not come from this computer "
        f"({why}).** Without sign-in (local mode) whoever reaches the dashboard may change figures, so local mode is "
        "served only to a browser on this computer, never through a proxy or load balancer. Behind a proxy (such as "
        "`deploy/haproxy.cfg`) set up sign-in: an `[auth]` section in `.streamlit/secrets.toml` (see the README, "
        "section Security). Or open the dashboard on this computer at its own address (`http://localhost:8501`, with "
        "the port it runs on). To serve "
        f"local mode to the network anyway, knowing that anyone who can reach it may change figures, set the "
        f"environment variable {OPEN_LOCAL_ENV}=1."
    )


def local_mode_refusal(address: str | None) -> str:
    """What every page says when local mode would be served to the network."""
    return (
        f"**The dashboard will not open: no sign-in is set up and it listens on {address_text(address)}.** "
        "Without sign-in (local mode) whoever reaches the dashboard may change figures, so local mode is served "
        "only on this computer. Either set up sign-in: an `[auth]` section in `.streamlit/secrets.toml` (see the "
        'README, section Security); or listen on this computer only: `address = "localhost"` under `[server]` in '
        "`.streamlit/config.toml`, or `streamlit run app.py --server.address localhost`. To serve local mode to the "
        f"network anyway, knowing that anyone who can reach it may change figures, set the environment variable "
        f"{OPEN_LOCAL_ENV}=1."
    )


def read_secrets(paths: list[str] | tuple[str, ...]) -> tuple[dict[str, Any], list[str], list[str]]:
    """Streamlit's secrets as Streamlit reads them (each existing path in turn, later ones overriding top-level keys):
    (the merged secrets, the paths found, problems). A file that is not valid TOML is a problem, not "no secrets"."""
    merged: dict[str, Any] = {}
    found: list[str] = []
    problems: list[str] = []
    for raw in paths or ():
        path = Path(raw).expanduser()
        if path.is_dir():
            found.append(str(path))
            for sub in sorted(p for p in path.iterdir()):
                if not sub.is_dir():
                    problems.append(f"{path}: {sub.name} is not a folder; a secrets directory holds one folder per secret")
                    continue
                values = {f.name: f.read_text(encoding="utf-8").strip() for f in sorted(sub.iterdir()) if f.is_file()}
                merged[sub.name] = next(iter(values.values())) if len(values) == 1 else values
        elif path.is_file():
            found.append(str(path))
            try:
                merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
            except UnicodeDecodeError as e:
                problems.append(f"{path} is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8")
            except tomllib.TOMLDecodeError as e:
                problems.append(
                    f"{path} is not valid TOML: {e}. Fix the file (or remove it to run in local mode on this computer only)"
                )
    return merged, found, problems


def _nearest(word: str, choices) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def _looks_like_auth(name: str) -> bool:
    """A section name that was probably meant to be [auth]: a known alternative, or a typo of it (aut, auht)."""
    return name in AUTH_LOOKALIKES or (len(name) <= 5 and difflib.SequenceMatcher(None, name, "auth").ratio() >= 0.75)


def auth_problems(secrets: Mapping[str, Any]) -> list[str]:
    """Everything wrong with the sign-in settings, each naming the section or key and what Streamlit expects.
    An empty list means: either a usable [auth] section, or no sign-in settings at all (local mode)."""
    problems = []
    for key, value in secrets.items():
        low = key.lower()
        if key == "auth":
            continue
        if low == "auth" or (isinstance(value, Mapping) and _looks_like_auth(low)):
            problems.append(
                f"section [{key}]: Streamlit reads sign-in settings only from a section named [auth] "
                f"(lower case); rename [{key}] to [auth]"
            )
        elif low in SHARED_KEYS + PROVIDER_KEYS + OPTIONAL_KEYS:
            problems.append(
                f"key {key} is at the top level of the secrets; it belongs inside the [auth] section "
                f"(write it under a line [auth])"
            )
    if "auth" not in secrets:
        return problems
    auth = secrets["auth"]
    if not isinstance(auth, Mapping):
        return problems + [
            "auth is a single value; it must be a section: [auth] followed by redirect_uri, cookie_secret, "
            "client_id, client_secret and server_metadata_url"
        ]
    allowed = SHARED_KEYS + PROVIDER_KEYS + OPTIONAL_KEYS
    for key, value in auth.items():
        if key not in allowed and not isinstance(value, Mapping):
            problems.append(
                f"section [auth], key {key}: not a setting Streamlit reads{_nearest(key, allowed)} "
                f"(it reads {', '.join(allowed)})"
            )
    for key in SHARED_KEYS + PROVIDER_KEYS:
        value = auth.get(key)
        if value is None:
            problems.append(f"section [auth] is missing the key {key}")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"section [auth], key {key}: must be a non-empty text in quotes")
    uri = auth.get("redirect_uri")
    if isinstance(uri, str) and uri.strip() and not uri.rstrip().endswith("/oauth2callback"):
        problems.append(
            f'section [auth], key redirect_uri: "{uri}" must end with /oauth2callback, e.g. '
            '"https://send-dashboard.example.gov.uk/oauth2callback"'
        )
    url = auth.get("server_metadata_url")
    if isinstance(url, str) and url.strip() and not url.startswith(("https://", "http://")):
        problems.append(
            f'section [auth], key server_metadata_url: "{url}" must be the provider\'s address, e.g. '
            '"https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration"'
        )
    return problems


def email_problem(claims: Mapping[str, Any], unverified_email_issuers) -> str | None:
    """Why the e-mail address in a person's ID token cannot be trusted for the roles file, or None.

    The provider must say email_verified: true; a provider that never sends the claim (Microsoft Entra ID) or whose
    addresses are all its own can be trusted by listing its issuer in roles.yaml (unverified_email_issuers)."""
    email = claims.get("email")
    issuer = claims.get("iss") or "(no issuer)"
    if not email:
        return (
            f"Your sign-in provider ({issuer}) did not send an e-mail address, and the roles file names people by "
            "e-mail address. Ask an administrator to have the provider send the email claim."
        )
    if claims.get("email_verified") is True:
        return None
    if issuer in set(unverified_email_issuers or ()):
        return None
    said = "does not say whether" if "email_verified" not in claims else "says it has not verified that"
    return (
        f"Your sign-in provider ({issuer}) {said} you own the e-mail address {email}, so the dashboard cannot use "
        "it to look you up in the roles file. Verify the address with your provider and sign in again. (An "
        "administrator can trust every address from a provider that never sends email_verified, such as Microsoft "
        "Entra ID, by adding its issuer to unverified_email_issuers in config/roles.yaml.)"
    )
