"""Row helpers shared by the SQL repositories: JSON data columns and version-checked saves."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from emscad.errors import Conflict
from emscad.serial import to_json


def data_of(value: Any) -> dict[str, Any]:
    """A value's JSON for a `data` column; its version lives in its own column."""
    data = to_json(value)
    assert isinstance(data, dict)
    data.pop("version", None)
    return data


def save_versioned(
    conn: Connection,
    table: sa.Table,
    key: str,
    values: dict[str, Any],
    expected: int,
    *,
    what: str,
) -> None:
    """Insert (expected 0) or update only if nobody changed the row since it was read.

    One statement either way, built once per table: every write saves at least one row.
    """
    if expected == 0:
        inserted = conn.execute(_insert_new(conn.dialect.name, table), {"id": key, **values})
        if inserted.rowcount != 1:
            raise Conflict(f"a {what} with id {key!r} already exists")
        return
    result = conn.execute(_update_if_version(table), {"key_": key, "expected_": expected, **values})
    if result.rowcount != 1:
        raise Conflict(f"the {what} was changed by someone else; reload and try again")


def dialect_insert(dialect: str) -> Any:
    """The dialect's INSERT, the one with ON CONFLICT (SQLite and PostgreSQL both have it)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@cache
def _insert_new(dialect: str, table: sa.Table) -> Any:
    """INSERT .. ON CONFLICT (id) DO NOTHING: a row that exists is left alone (rowcount 0)."""
    stmt = dialect_insert(dialect)(table).on_conflict_do_nothing(index_elements=[table.c.id])
    return stmt.execution_options(preserve_rowcount=True)  # psycopg forgets it otherwise


@cache
def _update_if_version(table: sa.Table) -> Any:
    """UPDATE .. WHERE id = :key_ AND version = :expected_; the SET clause is the columns the
    execution's parameters name."""
    return table.update().where(
        table.c.id == sa.bindparam("key_"), table.c.version == sa.bindparam("expected_")
    )
