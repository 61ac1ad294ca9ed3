"""Events that change a unit: assignment, status, and the roster."""

from __future__ import annotations

from dataclasses import dataclass

from emscad.events import DomainEvent
from emscad.units.models import UnitStatus, UnitType


@dataclass(frozen=True, kw_only=True)
class UnitAssigned(DomainEvent):
    """The unit was dispatched (NEMSIS eTimes.03, unit notified)."""

    type = "unit.assigned"
    incident: str
    unit: str
    before: UnitStatus


@dataclass(frozen=True, kw_only=True)
class UnitUnassigned(DomainEvent):
    """The assignment was cancelled before the unit finished (NEMSIS eTimes.14)."""

    type = "unit.unassigned"
    incident: str
    unit: str
    before: UnitStatus
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class UnitStatusChanged(DomainEvent):
    """A status change; `incident` is the incident the unit was working, if any."""

    type = "unit.status_changed"
    unit: str
    incident: str | None
    before: UnitStatus
    after: UnitStatus
    destination: str | None = None  # the hospital, when transporting


@dataclass(frozen=True, slots=True)
class UnitProfile:
    """The roster entry: what an administrator edits."""

    call_sign: str
    type: UnitType
    capabilities: tuple[str, ...]
    station: str | None
    crew: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class UnitAdded(DomainEvent):
    type = "unit.added"
    unit: str
    profile: UnitProfile
    status: UnitStatus


@dataclass(frozen=True, kw_only=True)
class UnitEdited(DomainEvent):
    type = "unit.edited"
    unit: str
    before: UnitProfile
    after: UnitProfile


@dataclass(frozen=True, kw_only=True)
class UnitRemoved(DomainEvent):
    type = "unit.removed"
    unit: str
