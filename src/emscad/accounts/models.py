"""Users, machine tokens and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emscad.accounts.permissions import Permission, Role


@dataclass(frozen=True, slots=True)
class SecurityKey:
    """A registered WebAuthn credential (a security key or a platform authenticator)."""

    credential_id: str  # base64url
    public_key: str  # base64url, COSE
    sign_count: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    roles: tuple[Role, ...]
    created_at: datetime
    password_hash: str = ""  # empty: no password login (a device account)
    totp_secret: str = ""  # sealed (see secretbox); empty until the user enrols
    totp_last_step: int = 0  # the last TOTP time step accepted: a code works once
    security_keys: tuple[SecurityKey, ...] = ()
    disabled: bool = False
    locked: bool = False  # too many failed logins: an administrator must unlock
    failed_logins: tuple[datetime, ...] = ()  # recent failures, for the lockout window
    unit: str | None = None  # a field unit's device account acts for this unit
    version: int = 0

    @property
    def mfa_enrolled(self) -> bool:
        return bool(self.totp_secret) or bool(self.security_keys)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A scoped, revocable credential for a device or an integration."""

    id: str
    user_id: str
    name: str
    secret_hash: str  # sha256 of the secret; the secret itself is shown once
    scopes: tuple[Permission, ...]  # empty: everything the user's roles allow
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A browser session. The cookie holds a random token; only its hash is stored."""

    id: str
    user_id: str
    token_hash: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute limit
    csrf: str  # sent back in X-CSRF-Token on every state-changing request
    mfa_done: bool = False
    pending_totp: str = ""  # a sealed secret offered during enrolment
    challenge: str = ""  # base64url: the WebAuthn challenge this session was given
    revoked_at: datetime | None = None
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as, and what it may do."""

    user_id: str
    username: str
    roles: frozenset[Role]
    permissions: frozenset[Permission]
    via: str  # "token:<id>" or "session:<id>"
    unit: str | None = None
    csrf: str | None = None  # for sessions: the token state-changing requests must carry

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def actor(self) -> str:
        """How the event log names this principal."""
        return self.username
