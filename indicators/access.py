"""Who may see and change what: config/roles.yaml → validated roles, and the checks every write makes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indicators import yamlfile
from indicators.config import ROOT, Config
from indicators.problems import suggest

DEFAULT_ROLES = ROOT / "config" / "roles.yaml"


class RolesError(Exception):
    def __init__(self, path, problems: list[str]):
        self.path, self.problems = str(path), problems
        super().__init__(path, problems)  # picklable: the arguments as given

    def __str__(self) -> str:
        return f"The roles file {self.path} has {len(self.problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in self.problems)


class Forbidden(Exception):
    """A write that the signed-in person's role does not allow; the message says who may do it."""


def _who(value: str) -> str:
    v = value.strip().lower()
    if not v:
        raise ValueError("an empty entry; give an e-mail address or @domain")
    if v.startswith("@"):
        if "." not in v[1:]:
            raise ValueError(f'"{value}" is not a domain; write it like @durham.gov.uk')
    elif "@" not in v or "." not in v.split("@")[-1]:
        raise ValueError(f'"{value}" is neither an e-mail address nor an @domain')
    return v


class Reminders(BaseModel):
    """Who is reminded of returns, when, and where the e-mails point (`python -m indicators remind`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    days_before: int = Field(default=7, ge=0, le=90)  # a reminder this many days before a return is due
    performance_team: list[str] = []  # e-mail addresses that get the one summary of every return
    dashboard_url: str = "http://localhost:8501"  # the link in each e-mail is this plus /upload
    sender: str = "send-dashboard@localhost"  # the From address
    areas: list[str] = []  # ONS codes whose returns are chased (default: the indicators file's default_area)

    @field_validator("performance_team")
    @classmethod
    def _addresses(cls, v):
        out = []
        for x in v:
            x = _who(x)
            if x.startswith("@"):
                raise ValueError(f'"{x}" is a domain; reminders need e-mail addresses')
            out.append(x)
        return out

    @field_validator("sender")
    @classmethod
    def _sender(cls, v):
        v = _who(v)
        if v.startswith("@"):
            raise ValueError(f'"{v}" is a domain; the sender must be an e-mail address')
        return v

    @field_validator("dashboard_url")
    @classmethod
    def _url(cls, v):
        if not v.startswith(("https://", "http://")):
            raise ValueError(f'"{v}" is not a web address; write it like https://send-dashboard.durham.gov.uk')
        return v.rstrip("/")


class Roles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    reminders: Reminders = Reminders()
    groups: dict[str, list[str]] = {}
    viewers: list[str] = []
    uploaders: dict[str, list[str]] = {}
    admins: list[str] = []
    # Providers whose e-mail addresses are trusted without an email_verified claim (Microsoft Entra ID sends none):
    # their issuer exactly as in the ID token's iss claim, e.g. https://login.microsoftonline.com/<tenant>/v2.0
    unverified_email_issuers: list[str] = []

    @field_validator("unverified_email_issuers")
    @classmethod
    def _issuers(cls, v):
        for x in v:
            if not isinstance(x, str) or not x.startswith(("https://", "http://")):
                raise ValueError(
                    f'"{x}" is not an issuer; write it as the provider\'s iss claim, e.g. '
                    '"https://login.microsoftonline.com/<tenant-id>/v2.0"'
                )
        return [x.strip() for x in v]

    @field_validator("viewers", "admins")
    @classmethod
    def _people(cls, v):
        return [_who(x) for x in v]

    @field_validator("uploaders")
    @classmethod
    def _uploaders(cls, v):
        return {_who(k): list(ids) for k, ids in v.items()}


@dataclass(frozen=True)
class Access:
    """What one person may do. Local mode (no sign-in configured) is one person on their own machine: everything."""

    user: str
    local: bool = False
    viewer: bool = False
    admin: bool = False
    upload_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def can_upload(self) -> bool:
        return self.admin or bool(self.upload_ids)

    def may_upload(self, indicator_id: str) -> bool:
        return self.admin or indicator_id in self.upload_ids

    def require_upload(self, indicator_ids) -> None:
        refused = sorted({i for i in indicator_ids if not self.may_upload(i)})
        if refused:
            raise Forbidden(
                f"{self.user} may not upload figures for {', '.join(refused)}; ask an administrator to add them "
                "to your indicators in config/roles.yaml. Nothing was written."
            )

    def require_admin(self, action: str) -> None:
        if not self.admin:
            raise Forbidden(f"Only an administrator may {action}; {self.user} is not one. Nothing was changed.")


def roles_path() -> Path:
    return Path(os.environ.get("KPI_ROLES") or DEFAULT_ROLES)


def load_roles(config: Config, path: Path | str | None = None) -> Roles:
    path = Path(path) if path else roles_path()
    try:
        raw = yamlfile.load(path, "the roles file", missing_hint="sign-in needs it to know who may do what") or {}
    except yamlfile.YamlError as e:
        raise RolesError(path, e.problems) from None
    try:
        roles = Roles.model_validate(raw)
    except ValidationError as e:
        raise RolesError(
            path,
            [f"field {'.'.join(str(p) for p in err['loc'])}: {err['msg'].removeprefix('Value error, ')}" for err in e.errors()],
        ) from None
    problems = []
    ids = set(config.by_id)
    for name, members in roles.groups.items():
        for i in members:
            if i not in ids:
                problems.append(f'field groups.{name}: "{i}" is not an indicator id{suggest(i, ids)}')
    for who, items in roles.uploaders.items():
        for i in items:
            if i not in ids and i not in roles.groups:
                problems.append(
                    f'field uploaders.{who}: "{i}" is neither an indicator id nor a group{suggest(i, ids | set(roles.groups))}'
                )
    codes = {a.code for a in config.areas}
    for code in roles.reminders.areas:
        if code not in codes:
            problems.append(f'field reminders.areas: "{code}" is not an area in the indicators file{suggest(code, codes)}')
    if problems:
        raise RolesError(path, problems)
    return roles


def _matches(email: str, entries) -> bool:
    email = email.lower()
    return any(email == e or (e.startswith("@") and email.endswith(e)) for e in entries)


def access_for(email: str | None, roles: Roles) -> Access:
    """A signed-in person's rights; nobody is anything unless the roles file says so."""
    if not email:
        return Access(user="(not signed in)")
    email = email.lower()
    ids: set[str] = set()
    for who, items in roles.uploaders.items():
        if _matches(email, [who]):
            for item in items:
                ids |= set(roles.groups.get(item, [item]))
    admin = _matches(email, roles.admins)
    viewer = admin or bool(ids) or _matches(email, roles.viewers)
    return Access(user=email, viewer=viewer, admin=admin, upload_ids=frozenset(ids))


def local_access(user: str) -> Access:
    return Access(user=user, local=True, viewer=True, admin=True)


def system_access(name: str) -> Access:
    """The dashboard itself writing (the sample data and the official figures a first start loads): everything."""
    return Access(user=name, viewer=True, admin=True)


def cli_access(user: str) -> Access:
    """The command line is for administrators on the server (it opens the database file directly)."""
    return Access(user=user, local=True, viewer=True, admin=True)
