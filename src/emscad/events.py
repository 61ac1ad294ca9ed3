"""Typed domain events: every change to incidents, units and the agency's set-up is one of these.

The event log is append-only. Current state, the incident timeline, NEMSIS times, the live
stream and the audit trail all read the same events. An event records *what* changed
(its type and payload, with before/after where a value is replaced); the log adds *when*
(server time, UTC, milliseconds), *who* (the actor) and a sequence number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from emscad.errors import DataError
from emscad.serial import fields_of, iso_ms, type_hints
from emscad.serial import from_json as _from_json
from emscad.serial import to_json as _to_json

_REGISTRY: dict[str, type[DomainEvent]] = {}


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. Subclasses set `type` and may name an incident and a unit."""

    type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type:
            if cls.type in _REGISTRY:
                raise TypeError(f"duplicate event type {cls.type}")
            _REGISTRY[cls.type] = cls

    @property
    def incident_id(self) -> str | None:
        return getattr(self, "incident", None)

    @property
    def unit_id(self) -> str | None:
        return getattr(self, "unit", None)

    @property
    def subject(self) -> str | None:
        """What else the event is about ("thread:<id>"), when neither incident nor unit."""
        return None

    def payload(self) -> dict[str, Any]:
        return {f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @staticmethod
    def from_payload(type_: str, payload: dict[str, Any]) -> DomainEvent:
        cls = _REGISTRY.get(type_)
        if cls is None:
            raise DataError(f"unknown event type {type_!r}")
        hints = type_hints(cls)
        try:
            values = {
                f.name: _from_json(hints[f.name], payload[f.name])
                for f in fields_of(cls)
                if f.name in payload
            }
            return cls(**values)
        except (TypeError, ValueError, KeyError) as exc:
            raise DataError(f"event {type_} has a malformed payload: {exc}") from exc


def event_types() -> dict[str, type[DomainEvent]]:
    return dict(_REGISTRY)


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event as stored: its place in the log, server time and actor."""

    seq: int
    at: datetime
    actor: str
    event: DomainEvent

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.seq,
            "type": self.event.type,
            "at": iso_ms(self.at),
            "actor": self.actor,
            "incident": self.event.incident_id,
            "unit": self.event.unit_id,
            "data": self.event.payload(),
        }


def to_ms(when: datetime) -> datetime:
    """Drop precision below a millisecond: the log keeps milliseconds."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


__all__ = ["DomainEvent", "Recorded", "event_types", "iso_ms", "to_ms"]
