"""Account management and authentication of machine tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import ApiToken, Principal, User
from emscad.accounts.passwords import check_password
from emscad.accounts.permissions import Permission, Role, permissions_of
from emscad.accounts.ports import AccountStore
from emscad.clock import Clock
from emscad.errors import Conflict, InvalidInput, NotFound, Unauthenticated

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
TOKEN = re.compile(r"emscad_([A-Za-z0-9]{8,40})_([A-Za-z0-9_-]{20,100})")
_BAD_TOKEN = "invalid or revoked token"


def _entry(at: datetime, by: str, action: str, username: str, detail: dict[str, Any]) -> AuditEntry:
    return AuditEntry(at=at, actor=by, action=action, subject=f"user:{username}", detail=detail)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountService:
    def __init__(
        self,
        store: AccountStore,
        *,
        clock: Clock,
        new_id: Callable[[], str],
        hasher: PasswordHasher | None = None,
        on_revoke: Callable[[str, tuple[str, ...]], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.hasher = hasher or PasswordHasher()
        self.on_revoke = on_revoke

    # -- users -----------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        *,
        roles: Sequence[Role],
        display_name: str = "",
        password: str | None = None,
        unit: str | None = None,
        by: str = "system",
    ) -> User:
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise InvalidInput(
                "a username needs 1 to 40 lower-case letters, digits, '.', '_' or '-'"
            )
        if not roles:
            raise InvalidInput("a user needs at least one role")
        if password is not None:
            check_password(password, username=username)
        password_hash = self.hasher.hash(password) if password else ""
        user = User(
            id=self.new_id(),
            username=username,
            display_name=display_name.strip()[:100] or username,
            roles=tuple(dict.fromkeys(roles)),
            created_at=self.clock.now(),
            password_hash=password_hash,
            unit=unit,
            version=1,
        )
        with self.store.write() as tx:
            if tx.find_user_by_name(username) is not None:
                raise Conflict(f"user {username!r} already exists")
            tx.save_user(user, expected_version=0)
            tx.audit(
                [
                    _entry(
                        user.created_at,
                        by,
                        "user.created",
                        username,
                        {"roles": [r.value for r in user.roles], "unit": unit},
                    )
                ]
            )
        return user

    def user(self, username: str) -> User:
        with self.store.read() as tx:
            found = tx.find_user_by_name(username.strip().lower())
        if found is None:
            raise NotFound(f"no user {username!r}")
        return found

    def users(self) -> list[User]:
        with self.store.read() as tx:
            return tx.list_users()

    def set_disabled(self, username: str, disabled: bool, *, by: str = "system") -> User:
        """Disabling a user revokes every session and token at once, open streams included."""
        now = self.clock.now()
        sessions: list[str] = []
        with self.store.write() as tx:
            user = tx.find_user_by_name(username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            updated = replace(user, disabled=disabled, version=user.version + 1)
            tx.save_user(updated, expected_version=user.version)
            if disabled:
                tx.revoke_tokens_of(user.id, at=now)
                sessions = tx.revoke_sessions_of(user.id, at=now)
            action = "user.disabled" if disabled else "user.enabled"
            tx.audit([_entry(now, by, action, username, {})])
        if disabled and self.on_revoke is not None:
            self.on_revoke(user.id, tuple(sessions))
        return updated

    # -- machine tokens --------------------------------------------------------------------

    def create_token(
        self,
        username: str,
        *,
        name: str,
        scopes: Sequence[Permission] = (),
        expires_at: datetime | None = None,
        by: str = "system",
    ) -> tuple[ApiToken, str]:
        """A new token and its secret, which is shown once and never stored."""
        user = self.user(username)
        allowed = permissions_of(set(user.roles))
        beyond = [s for s in scopes if s not in allowed]
        if beyond:
            raise InvalidInput(f"{username}'s roles do not allow: {', '.join(beyond)}")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        token = ApiToken(
            id=token_id,
            user_id=user.id,
            name=name.strip()[:100] or "token",
            secret_hash=_digest(secret),
            scopes=tuple(scopes),
            created_at=self.clock.now(),
            expires_at=expires_at,
        )
        with self.store.write() as tx:
            tx.save_token(token)
            detail = {"token": token_id, "name": token.name, "scopes": [p.value for p in scopes]}
            tx.audit([_entry(token.created_at, by, "token.created", username, detail)])
        return token, f"emscad_{token_id}_{secret}"

    def revoke_token(self, token_id: str, *, by: str = "system") -> None:
        now = self.clock.now()
        with self.store.write() as tx:
            token = tx.find_token(token_id)
            if token is None:
                raise NotFound(f"no token {token_id!r}")
            if token.revoked_at is None:
                tx.save_token(replace(token, revoked_at=now))
                user = tx.find_user(token.user_id)
                name = user.username if user else token.user_id
                tx.audit([_entry(now, by, "token.revoked", name, {"token": token_id})])
        if self.on_revoke is not None:
            self.on_revoke(token.user_id, ())

    def revoke_tokens_named(self, username: str, name: str) -> int:
        """Revoke a user's tokens that carry this name (e.g. the demo's)."""
        user = self.user(username)
        count = 0
        with self.store.write() as tx:
            for token in tx.tokens_of(user.id):
                if token.name == name and token.revoked_at is None:
                    tx.save_token(replace(token, revoked_at=self.clock.now()))
                    count += 1
        return count

    def authenticate_token(self, raw: str) -> Principal:
        match = TOKEN.fullmatch(raw.strip())
        if match is None:
            raise Unauthenticated(_BAD_TOKEN)
        token_id, secret = match.groups()
        with self.store.read() as tx:
            token, user = tx.find_token_with_user(token_id)
        if token is None or user is None:
            raise Unauthenticated(_BAD_TOKEN)
        # Compare digests in constant time so timing does not leak how much of a guess is right.
        if not hmac.compare_digest(token.secret_hash, _digest(secret)):
            raise Unauthenticated(_BAD_TOKEN)
        now = self.clock.now()
        if token.revoked_at is not None or user.disabled:
            raise Unauthenticated(_BAD_TOKEN)
        if token.expires_at is not None and token.expires_at <= now:
            raise Unauthenticated("the token has expired")
        granted = permissions_of(set(user.roles))
        if token.scopes:
            granted = frozenset({*token.scopes, Permission.PUBLIC, Permission.SELF}) & granted
        return Principal(
            user_id=user.id,
            username=user.username,
            roles=frozenset(user.roles),
            permissions=granted,
            via=f"token:{token.id}",
            unit=user.unit,
        )
