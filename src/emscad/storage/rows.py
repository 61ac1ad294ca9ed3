"""Row helpers shared by the SQL repositories: JSON data columns and version-checked saves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
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
    """Insert (expected 0) or update only if nobody changed the row since it was read."""
    if expected == 0:
        exists = conn.execute(sa.select(table.c.id).where(table.c.id == key)).first()
        if exists is not None:
            raise Conflict(f"a {what} with id {key!r} already exists")
        conn.execute(table.insert().values(id=key, **values))
        return
    result = conn.execute(
        table.update().where(table.c.id == key, table.c.version == expected).values(**values)
    )
    if result.rowcount != 1:
        raise Conflict(f"the {what} was changed by someone else; reload and try again")
