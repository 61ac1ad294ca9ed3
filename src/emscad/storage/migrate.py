"""Schema migrations (Alembic), run by `emscad db upgrade` and at server start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from emscad.storage.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def upgrade(database: Database, revision: str = "head") -> None:
    cfg = _config()
    with database.transaction(write=True) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(database: Database) -> str | None:
    with database.transaction(write=False) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg
