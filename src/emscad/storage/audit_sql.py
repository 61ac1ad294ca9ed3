"""Counters and the audit trail in SQL: shared by the dispatch and account stores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from emscad.accounts.audit import GENESIS, AuditEntry, AuditRecord, Verdict, link, verify
from emscad.storage import tables as t
from emscad.storage.db import Database
from emscad.storage.rows import dialect_insert

AUDIT = "audit"
_HASH_OF = sa.select(t.audit.c.hash).where(t.audit.c.seq == sa.bindparam("seq"))


def bump(conn: Connection, dialect: str, name: str, n: int = 1) -> int:
    """Add n to a named counter (created at n) and return its new value, in one statement.

    The upsert locks the counter's row until the transaction ends, so writers that share a
    counter take turns: numbers become visible in the order they were handed out.
    """
    value = conn.execute(_bump_statement(dialect), {"name": name, "n": n}).scalar_one()
    return int(value)


@cache
def _bump_statement(dialect: str) -> Any:
    """INSERT .. ON CONFLICT DO UPDATE .. RETURNING, built once per dialect: the hot path
    of every write (the event log's and the audit trail's numbers)."""
    stmt = dialect_insert(dialect)(t.counters).values(
        name=sa.bindparam("name"), value=sa.bindparam("n")
    )
    return stmt.on_conflict_do_update(
        index_elements=[t.counters.c.name],
        set_={"value": t.counters.c.value + stmt.excluded.value},
    ).returning(t.counters.c.value)


def counter(conn: Connection, name: str) -> int:
    value = conn.execute(sa.select(t.counters.c.value).where(t.counters.c.name == name)).scalar()
    return int(value or 0)


def append_audit(conn: Connection, dialect: str, entries: Sequence[AuditEntry]) -> None:
    """Chain the entries onto the audit trail, in this transaction."""
    if not entries:
        return
    last = bump(conn, dialect, AUDIT, len(entries))
    first = last - len(entries) + 1
    # The counter's lock means record first-1 is committed (or this is the first): read it.
    prev = conn.execute(_HASH_OF, {"seq": first - 1}).scalar()
    prev_hash = str(prev) if prev is not None else GENESIS
    rows = []
    for i, entry in enumerate(entries):
        record = link(first + i, entry, prev_hash)
        prev_hash = record.hash
        rows.append(
            {
                "seq": record.seq,
                "at": entry.at,
                "actor": entry.actor[:100],
                "action": entry.action[:60],
                "subject": entry.subject[:100],
                "detail": entry.detail,
                "ip": entry.ip[:60],
                "prev_hash": record.prev_hash,
                "hash": record.hash,
            }
        )
    conn.execute(t.audit.insert(), rows)


def read_audit(conn: Connection, *, after: int = 0, limit: int = 1000) -> list[AuditRecord]:
    rows = conn.execute(
        t.audit.select().where(t.audit.c.seq > after).order_by(t.audit.c.seq).limit(limit)
    ).mappings()
    return [_record(r) for r in rows]


def iter_audit(database: Database, *, batch: int = 5000) -> Iterator[AuditRecord]:
    """Every audit record in order, in batches (for verification)."""
    after = 0
    while True:
        with database.transaction(write=False) as conn:
            records = read_audit(conn, after=after, limit=batch)
        if not records:
            return
        yield from records
        after = records[-1].seq


def audit_length(database: Database) -> int:
    with database.transaction(write=False) as conn:
        return counter(conn, AUDIT)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        seq=row["seq"],
        entry=AuditEntry(
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            subject=row["subject"],
            detail=row["detail"],
            ip=row["ip"],
        ),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class SqlAuditLog:
    """The audit trail as the server uses it: record an entry, read a page, verify the chain."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._dialect = database.url.get_backend_name()

    def record(self, *entries: AuditEntry) -> None:
        with self.database.transaction(write=True) as conn:
            append_audit(conn, self._dialect, entries)

    def read(self, *, after: int = 0, limit: int = 1000) -> list[AuditRecord]:
        with self.database.transaction(write=False) as conn:
            return read_audit(conn, after=after, limit=limit)

    def verify(self) -> Verdict:
        return verify(iter_audit(self.database), expected_last=audit_length(self.database))
