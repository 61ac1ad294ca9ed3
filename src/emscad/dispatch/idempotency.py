"""Idempotency-Key handling: a retried request gets the first request's result, not a copy."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from emscad.dispatch.session import Session
from emscad.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A client's Idempotency-Key and a fingerprint of its request body."""

    key: str
    fingerprint: str

    @staticmethod
    def of(key: str, body: Any) -> Idempotency:
        if not 1 <= len(key) <= 200:
            raise InvalidInput("an Idempotency-Key needs 1 to 200 characters")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
        return Idempotency(key=key, fingerprint=digest.hexdigest())


def replayed(s: Session, idempotency: Idempotency | None) -> str | None:
    """The first request's result when this is a retry with the same Idempotency-Key."""
    if idempotency is None:
        return None
    seen = s.tx.find_idempotent(s.actor, idempotency.key)
    if seen is None:
        return None
    fingerprint, result = seen
    if fingerprint != idempotency.fingerprint:
        raise InvalidInput("this Idempotency-Key was used for a different request")
    return result


def remember(s: Session, idempotency: Idempotency | None, result: str) -> None:
    if idempotency is not None:
        s.tx.save_idempotent(
            s.actor, idempotency.key, fingerprint=idempotency.fingerprint, result=result, at=s.at
        )
