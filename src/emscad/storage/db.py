"""The database: an engine for SQLite (embedded, WAL, durable commits) or PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from emscad.errors import EmscadError, InvalidInput


def default_url(home: Path) -> str:
    return f"sqlite:///{home / 'emscad.db'}"


class Database:
    """Owns the engine; hands out read and write transactions."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        try:
            self.url: URL = make_url(url)
        except ArgumentError:
            raise InvalidInput(f"invalid database URL {url!r}") from None
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.pool_size = pool_size
        # Writers in this process take turns (see `transaction`).
        self._writers = threading.RLock()
        if self.is_sqlite:
            self.engine = self._sqlite_engine()
        elif self.url.get_backend_name() == "postgresql":
            if self.url.drivername == "postgresql":
                self.url = self.url.set(drivername="postgresql+psycopg")
            self.engine = sa.create_engine(self.url, **self._pool())
        else:
            raise InvalidInput("the database must be sqlite:///PATH or postgresql://...")

    def _pool(self) -> dict[str, Any]:
        # Both pools hand out the connection returned last (LIFO): a quiet stretch runs on
        # one or two warm connections (SQLite's page cache, PostgreSQL's plans and prepared
        # statements are per connection) rather than rotating through all of them.
        return {"pool_size": self.pool_size, "max_overflow": self.pool_size, "pool_use_lifo": True}

    def _sqlite_engine(self) -> Engine:
        database = self.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            self.url,
            **self._pool(),
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged commit is on disk and survives a crash or power loss.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A writer takes the write lock up front, so two writers never both read a row
            # and then race to change it; readers run concurrently from WAL snapshots.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """A transaction; a write one waits for this process's other writers first.

        Under load, letting every thread contend in the database was slow on both backends:
        SQLite's busy handler sleeps between tries in steps of up to 100 ms, so queued
        writers convoyed (100 creates/s had a p50 of 250 ms); on PostgreSQL a writer holding
        the incident counter's or the audit chain's row lock competed for the GIL with every
        waiting thread, and each wait stretched. Taking turns here hands the lock straight
        on. Other processes (the CLI, a second server) still meet the database's own
        locking. Re-entrant: a thread that writes inside its own write is as before.
        """
        with self._writers if write else nullcontext(), self.engine.connect() as conn:
            conn.info["write"] = write
            if not write and not self.is_sqlite:
                # Under READ COMMITTED each statement reads its own snapshot, so BEGIN and
                # COMMIT around reads buy no consistency, only two network round trips.
                # (SQLite's reads do share one WAL snapshot; they keep their BEGIN.)
                conn.execution_options(isolation_level="AUTOCOMMIT")
            with conn.begin():
                yield conn

    def open_pool(self) -> None:
        """Open the pool's connections now rather than on the first requests.

        A PostgreSQL connection costs a TCP connect and an authentication, several
        milliseconds each; opened lazily, that cost falls on the first burst of calls.
        SQLite's connections are a file open: nothing to gain.
        """
        if self.is_sqlite:
            return
        held = []
        try:
            for _ in range(self.pool_size):
                held.append(self.engine.connect())
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "?"
            raise EmscadError(f"cannot connect to the database: {reason}") from None
        finally:
            for conn in held:
                conn.close()

    def dispose(self) -> None:
        self.engine.dispose()
