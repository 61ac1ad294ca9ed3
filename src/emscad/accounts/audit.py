"""The audit trail's records and hash chain (pure).

Each record's hash covers its content and the previous record's hash, so editing any record
changes its hash and breaks every link after it, and removing one leaves a gap in the
numbering or a link that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emscad.serial import iso_ms

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened: who did what to what, from where, with the details."""

    at: datetime
    actor: str
    action: str  # e.g. "logon.success", "read.patient", "incident.created"
    subject: str = ""  # what it concerned, e.g. "incident:ab12..." or "user:dana"
    detail: dict[str, Any] = field(default_factory=dict)  # before/after for writes
    ip: str = ""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def canonical(seq: int, entry: AuditEntry, prev_hash: str) -> bytes:
    body = {
        "seq": seq,
        "at": iso_ms(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
        "ip": entry.ip,
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def link(seq: int, entry: AuditEntry, prev_hash: str) -> AuditRecord:
    digest = hashlib.sha256(canonical(seq, entry, prev_hash)).hexdigest()
    return AuditRecord(seq=seq, entry=entry, prev_hash=prev_hash, hash=digest)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    records: int
    head: str  # the last good hash: operators may note it to detect a cut-off tail later
    broken_at: int | None = None
    reason: str = ""


def verify(records: Iterable[AuditRecord], *, expected_last: int | None = None) -> Verdict:
    """Walk the chain from the start; name the first record that does not fit."""
    prev_hash, expected, count = GENESIS, 1, 0
    for rec in records:
        if rec.seq != expected:
            reason = (
                f"record {expected} is missing" if rec.seq > expected else "records out of order"
            )
            return Verdict(False, count, prev_hash, expected, reason)
        if rec.prev_hash != prev_hash:
            return Verdict(
                False, count, prev_hash, rec.seq, "its link to the previous record is broken"
            )
        if link(rec.seq, rec.entry, rec.prev_hash).hash != rec.hash:
            return Verdict(False, count, prev_hash, rec.seq, "its content was changed")
        prev_hash, expected, count = rec.hash, expected + 1, count + 1
    if expected_last is not None and count < expected_last:
        return Verdict(
            False,
            count,
            prev_hash,
            count + 1,
            f"records {count + 1} to {expected_last} are missing",
        )
    return Verdict(True, count, prev_hash)
