"""Fixtures shared by every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from emscad.cli import main
from emscad.cli._common import settings
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade


@pytest.fixture
def emscad_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh EMSCAD_HOME for CLI tests."""
    home = tmp_path / "home"
    monkeypatch.setenv("EMSCAD_HOME", str(home))
    settings.cache_clear()
    yield home
    settings.cache_clear()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(emscad_home: Path, capsys: pytest.CaptureFixture[str]) -> object:
    """Run the `emscad` CLI in-process: cli("region", "info", "x") -> CliResult."""

    def run(*args: str) -> CliResult:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code=code, out=captured.out, err=captured.err)

    return run


# -- databases: every storage test runs on SQLite and on PostgreSQL ----------------------------

POSTGRES_URL = os.environ.get("EMSCAD_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'emscad.db'}")
        upgrade(db)
        yield db
        db.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("EMSCAD_TEST_POSTGRES_URL is not set (scripts/test sets it)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(url.render_as_string(hide_password=False))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
