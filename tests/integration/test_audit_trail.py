"""The audit trail: writes, logons and patient reads are recorded; tampering is detected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from emscad.accounts.permissions import Role
from emscad.accounts.service import AccountService
from emscad.clock import SystemClock
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.audit_sql import SqlAuditLog
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade
from tests.conftest import CliResult


def _fill(database: Database, n: int = 5) -> None:
    ids = iter(range(1_000))
    accounts = AccountService(
        SqlAccountStore(database), clock=SystemClock(), new_id=lambda: f"u{next(ids)}"
    )
    for i in range(n):
        accounts.create_user(f"user{i}", roles=[Role.STAFF], by="test")


def test_an_intact_trail_verifies(emscad_home: Path, cli: Callable[..., CliResult]) -> None:
    database = Database(f"sqlite:///{emscad_home / 'emscad.db'}")
    upgrade(database)
    _fill(database)
    result = cli("audit", "verify")
    assert result.code == 0, result.err
    assert "audit trail intact: 5 records" in result.out
    database.dispose()


def test_an_edited_record_is_named(emscad_home: Path, cli: Callable[..., CliResult]) -> None:
    database = Database(f"sqlite:///{emscad_home / 'emscad.db'}")
    upgrade(database)
    _fill(database)
    with database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit SET actor = 'someone else' WHERE seq = 3"))
    result = cli("audit", "verify")
    assert result.code == 1
    assert "broken at record 3: its content was changed" in result.err
    database.dispose()


def test_a_deleted_record_is_named(emscad_home: Path, cli: Callable[..., CliResult]) -> None:
    database = Database(f"sqlite:///{emscad_home / 'emscad.db'}")
    upgrade(database)
    _fill(database)
    with database.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit WHERE seq = 2"))
    result = cli("audit", "verify")
    assert result.code == 1
    assert "broken at record 2: record 2 is missing" in result.err
    database.dispose()


def test_a_cut_off_tail_is_noticed(emscad_home: Path, cli: Callable[..., CliResult]) -> None:
    database = Database(f"sqlite:///{emscad_home / 'emscad.db'}")
    upgrade(database)
    _fill(database)
    with database.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit WHERE seq >= 4"))
    result = cli("audit", "verify")
    assert result.code == 1
    assert "records 4 to 5 are missing" in result.err
    database.dispose()


def test_the_audit_log_class_verifies_on_postgres_too(database: Database) -> None:
    _fill(database, 3)
    assert SqlAuditLog(database).verify().ok
