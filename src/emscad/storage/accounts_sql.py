"""The SQL implementation of the account ports (emscad.accounts.ports)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import ApiToken, Session, User
from emscad.errors import Conflict
from emscad.serial import from_json, to_json
from emscad.storage import tables as t
from emscad.storage.audit_sql import append_audit
from emscad.storage.db import Database
from emscad.storage.sql import transient

# Built once: every signed-in request reads its user (a browser's session) or its token
# and user together (a bearer token, below).
_FIND_USER = sa.select(t.users.c.data, t.users.c.version).where(t.users.c.id == sa.bindparam("id"))
_FIND_TOKEN = sa.select(t.api_tokens.c.data).where(t.api_tokens.c.id == sa.bindparam("id"))
# Both in one statement: on PostgreSQL every statement is a network round trip.
_FIND_TOKEN_WITH_USER = (
    sa.select(
        t.api_tokens.c.data.label("token"),
        t.users.c.data.label("data"),
        t.users.c.version.label("version"),
    )
    .select_from(t.api_tokens.outerjoin(t.users, t.users.c.id == t.api_tokens.c.user_id))
    .where(t.api_tokens.c.id == sa.bindparam("id"))
)


class SqlAccountTransaction:
    def __init__(self, conn: Connection, *, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    def _user(self, row: Any) -> User:
        user: User = from_json(User, row.data)
        return replace(user, version=row.version)

    def find_user(self, user_id: str) -> User | None:
        row = self.conn.execute(_FIND_USER, {"id": user_id}).first()
        return None if row is None else self._user(row)

    def find_user_by_name(self, username: str) -> User | None:
        row = self.conn.execute(
            sa.select(t.users.c.data, t.users.c.version).where(t.users.c.username == username)
        ).first()
        return None if row is None else self._user(row)

    def save_user(self, user: User, *, expected_version: int) -> None:
        data = to_json(user)
        data.pop("version", None)
        values = {
            "username": user.username,
            "disabled": user.disabled,
            "data": data,
            "version": user.version,
        }
        if expected_version == 0:
            self.conn.execute(t.users.insert().values(id=user.id, **values))
            return
        result = self.conn.execute(
            t.users.update()
            .where(t.users.c.id == user.id, t.users.c.version == expected_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict("the user was changed by someone else; reload and try again")

    def list_users(self) -> list[User]:
        rows = self.conn.execute(
            sa.select(t.users.c.data, t.users.c.version).order_by(t.users.c.username)
        )
        return [self._user(r) for r in rows]

    def find_token(self, token_id: str) -> ApiToken | None:
        row = self.conn.execute(_FIND_TOKEN, {"id": token_id}).first()
        return None if row is None else from_json(ApiToken, row.data)

    def find_token_with_user(self, token_id: str) -> tuple[ApiToken | None, User | None]:
        """The token and the user it belongs to (None for either that does not exist)."""
        row = self.conn.execute(_FIND_TOKEN_WITH_USER, {"id": token_id}).first()
        if row is None:
            return None, None
        token: ApiToken = from_json(ApiToken, row.token)
        return token, None if row.data is None else self._user(row)

    def save_token(self, token: ApiToken) -> None:
        values = {"user_id": token.user_id, "revoked_at": token.revoked_at, "data": to_json(token)}
        updated = self.conn.execute(
            t.api_tokens.update().where(t.api_tokens.c.id == token.id).values(**values)
        )
        if updated.rowcount == 0:
            self.conn.execute(t.api_tokens.insert().values(id=token.id, **values))

    def tokens_of(self, user_id: str) -> list[ApiToken]:
        rows = self.conn.execute(
            sa.select(t.api_tokens.c.data).where(t.api_tokens.c.user_id == user_id)
        )
        return [from_json(ApiToken, r.data) for r in rows]

    def revoke_tokens_of(self, user_id: str, *, at: datetime) -> int:
        count = 0
        for token in self.tokens_of(user_id):
            if token.revoked_at is None:
                self.save_token(replace(token, revoked_at=at))
                count += 1
        return count

    # -- sessions ----------------------------------------------------------------------------

    def find_session(self, token_hash: str) -> Session | None:
        row = self.conn.execute(
            sa.select(t.sessions.c.data).where(t.sessions.c.token_hash == token_hash)
        ).first()
        return None if row is None else from_json(Session, row.data)

    def save_session(self, session: Session) -> None:
        values = {
            "user_id": session.user_id,
            "token_hash": session.token_hash,
            "revoked_at": session.revoked_at,
            "data": to_json(session),
        }
        updated = self.conn.execute(
            t.sessions.update().where(t.sessions.c.id == session.id).values(**values)
        )
        if updated.rowcount == 0:
            self.conn.execute(t.sessions.insert().values(id=session.id, **values))

    def revoke_sessions_of(self, user_id: str, *, at: datetime) -> list[str]:
        rows = self.conn.execute(
            sa.select(t.sessions.c.data).where(
                t.sessions.c.user_id == user_id, t.sessions.c.revoked_at.is_(None)
            )
        )
        revoked = []
        for row in rows.all():
            session: Session = from_json(Session, row.data)
            self.save_session(replace(session, revoked_at=at))
            revoked.append(session.id)
        return revoked

    # -- the audit trail -------------------------------------------------------------------

    def audit(self, entries: Sequence[AuditEntry]) -> None:
        append_audit(self.conn, self.dialect, entries)


class SqlAccountStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._dialect = database.url.get_backend_name()

    @contextmanager
    def write(self) -> Iterator[SqlAccountTransaction]:
        try:
            with self.database.transaction(write=True) as conn:
                yield SqlAccountTransaction(conn, dialect=self._dialect)
        except sa.exc.DBAPIError as exc:
            raise transient(exc) from exc

    @contextmanager
    def read(self) -> Iterator[SqlAccountTransaction]:
        with self.database.transaction(write=False) as conn:
            yield SqlAccountTransaction(conn, dialect=self._dialect)
