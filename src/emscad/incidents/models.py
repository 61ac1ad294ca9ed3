"""Incident values: what a call for service holds at a moment in time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class IncidentStatus(StrEnum):
    PENDING = "pending"  # taken, no unit assigned yet
    ACTIVE = "active"  # one or more units assigned
    CLOSED = "closed"


class Source(StrEnum):
    """How the incident reached the center."""

    PHONE = "phone"
    TEXT = "text"
    DEVICE = "device"  # a device location or alarm feed
    RADIO = "radio"  # a field unit reported it
    WALK_IN = "walk_in"
    STAFF_SOS = "staff_sos"
    WATCH = "watch"  # a watch feed: plate reader, offender monitoring
    API = "api"  # another system
    GENERATED = "generated"  # the demo call generator


class Confidence(StrEnum):
    """How the incident's coordinates were obtained, most trusted first."""

    CONFIRMED = "confirmed"  # a dispatcher confirmed it (map pick, verified with the caller)
    ADDRESS = "address"  # an address point
    INTERPOLATED = "interpolated"  # along a street's house-number range
    INTERSECTION = "intersection"
    PLACE = "place"  # a named place
    COORDINATES = "coordinates"  # typed coordinates
    DEVICE = "device"  # the caller's device (has an uncertainty)
    STREET = "street"  # the street only
    UNVERIFIED = "unverified"  # text with no match: the typed text is all there is


# The words emscad itself writes into a location it has no point for (an SOS text, a
# sign-in under duress, a missed check-in without a fix). Not the dispatcher's words: once a
# point is confirmed they would be wrong, so confirming a device location replaces them.
LOCATION_UNKNOWN = "location unknown"


@dataclass(frozen=True, slots=True)
class Location:
    """Where the incident is. `text` is what the dispatcher typed and is never rewritten."""

    text: str = ""
    lon: float | None = None
    lat: float | None = None
    confidence: Confidence = Confidence.UNVERIFIED
    uncertainty_m: float | None = None
    label: str = ""  # the geocoder's label for the chosen candidate, if any

    @property
    def has_point(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True, slots=True)
class Caller:
    name: str = ""
    phone: str = ""


class PersonRole(StrEnum):
    """EIDO personIncidentRoleRegistryText values emscad uses."""

    CALLER = "Caller"
    PATIENT = "Patient"
    VICTIM = "Victim"
    SUSPECT = "Suspect"
    WITNESS = "Witness"
    INVOLVED = "InvolvedPerson"


@dataclass(frozen=True, slots=True)
class Person:
    name: str = ""
    role: PersonRole = PersonRole.PATIENT
    age: int | None = None
    sex: str = ""
    description: str = ""  # patient details: shown only to roles that need them


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Caution:
    """A warning shown on the incident: "dog", "violent history", a protective order."""

    kind: str
    text: str
    severity: Severity = Severity.MEDIUM
    source: str = ""  # where it came from: premise history, a protective order, a dispatcher


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    at: datetime
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class Disposition:
    code: str  # e.g. "transported", "treated_released", "refused", "cancelled"
    text: str = ""


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    number: str  # human number, e.g. "26-000123"
    status: IncidentStatus
    received_at: datetime
    source: Source
    location: Location
    chief_complaint: str = ""
    priority: int = 3  # 1 most urgent (life threat) .. 4 non-urgent
    determinant: str = ""  # e.g. an EMD determinant code "26C1"
    caller: Caller = field(default_factory=Caller)
    persons: tuple[Person, ...] = ()
    notes: tuple[Note, ...] = ()
    cautions: tuple[Caution, ...] = ()
    units: tuple[str, ...] = ()  # units currently assigned
    destination: str | None = None  # hospital id
    served: bool = False  # a unit has reached the scene
    disposition: Disposition | None = None
    closed_at: datetime | None = None
    version: int = 0
