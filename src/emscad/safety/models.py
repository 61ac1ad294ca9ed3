"""Value types shared across the safety layer: positions, targets, actors, incident requests."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from emscad.accounts.permissions import Role
from emscad.errors import InvalidInput
from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Caution, Confidence, Location, Person, Source

MAX_SHORT = 200
MAX_TEXT = 4000
MAX_UNCERTAINTY_M = 1_000_000.0


def short(value: str, what: str) -> str:
    if len(value) > MAX_SHORT:
        raise InvalidInput(f"{what} is longer than {MAX_SHORT} characters")
    return value


def required(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidInput(f"{what} is required")
    return short(value, what)


def aware(when: datetime, what: str) -> datetime:
    if when.tzinfo is None:
        raise InvalidInput(f"{what} needs a timezone")
    return when


def hms(when: datetime) -> str:
    """'22:20:05 UTC': alert texts carry UTC; the console shows them in the agency's zone."""
    return when.astimezone(UTC).strftime("%H:%M:%S UTC")


def check_lonlat(lon: float, lat: float, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput(f"{what}: coordinates must be finite numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{what}: longitude must be within ±180 and latitude within ±90")


@dataclass(frozen=True, slots=True)
class Position:
    """A point with its uncertainty (a phone's reported accuracy, a GPS fix's error)."""

    lon: float
    lat: float
    uncertainty_m: float | None = None

    def check(self, what: str = "a position") -> Position:
        check_lonlat(self.lon, self.lat, what)
        u = self.uncertainty_m
        if u is not None and not (math.isfinite(u) and 0 <= u <= MAX_UNCERTAINTY_M):
            raise InvalidInput(f"{what}: uncertainty must be between 0 and 1,000,000 m")
        return self

    def location(self, text: str, confidence: Confidence = Confidence.DEVICE) -> Location:
        """An incident location at this point (a device fix by default), uncertainty kept."""
        return Location(
            text=text[:MAX_SHORT],
            lon=self.lon,
            lat=self.lat,
            confidence=confidence,
            uncertainty_m=self.uncertainty_m,
        )


class Audience(StrEnum):
    """Who an alert goes to. The notify layer resolves these to people and delivers."""

    USER = "user"  # one named user (`Target.id` is the user id)
    ROLE = "role"  # every on-duty user holding a role (`Target.id` is the role)
    CONSOLES = "consoles"  # every console screen in the center, as an alarm
    ON_DUTY = "on_duty"  # every on-duty member of staff, whatever their role


@dataclass(frozen=True, slots=True)
class Target:
    audience: Audience
    id: str = ""

    @staticmethod
    def user(user_id: str) -> Target:
        return Target(Audience.USER, user_id)

    @staticmethod
    def role(role: Role) -> Target:
        return Target(Audience.ROLE, role.value)

    def __str__(self) -> str:
        return f"{self.audience.value}:{self.id}" if self.id else self.audience.value


CONSOLES = Target(Audience.CONSOLES)
ON_DUTY = Target(Audience.ON_DUTY)
DISPATCHERS = Target.role(Role.DISPATCHER)
SUPERVISORS = Target.role(Role.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting on a safety record, as the domain rules need to know them.

    `human` is False for automatic actions (a gateway's delivery receipt, a device's own
    acknowledgement): those are recorded but never count as a person having seen an alarm.
    """

    user: str
    roles: frozenset[Role] = frozenset()
    human: bool = True

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


@dataclass(frozen=True, slots=True)
class IncidentRequest:
    """An incident the caller should create (through the dispatch service) for an alert.

    `key` is an idempotency key: one alert makes one incident however often it is retried.
    """

    key: str
    source: Source
    complaint: str  # a response-plan complaint code: staff_sos, watch_alert, welfare_check
    priority: int
    location: Location
    caller: Caller = field(default_factory=Caller)
    persons: tuple[Person, ...] = ()
    cautions: tuple[Caution, ...] = ()
    note: str = ""  # the first note: what the dispatcher must do

    @property
    def triage(self) -> Triage:
        return Triage(chief_complaint=self.complaint, priority=self.priority, determinant="")


def no_location(text: str) -> Location:
    """An incident location with no point: the text says why, so the dispatcher asks."""
    return Location(text=text[:MAX_SHORT], confidence=Confidence.UNVERIFIED)


@dataclass(frozen=True, slots=True)
class AuditNeed:
    """A read the caller must write to the audit log (R6.5, R7.3): who saw what of whom.

    Returned by every view of restricted safety data; the web layer records it before it
    answers, and answers nothing if recording fails.
    """

    viewer: str
    subject: str  # "staff:<user id>", "order:<id>"
    fields: tuple[str, ...]  # what was shown
    withheld: tuple[str, ...] = ()  # what was hidden from this viewer
    reason: str = ""
