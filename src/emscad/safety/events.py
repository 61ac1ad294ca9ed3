"""Events of the safety layer. Each is a `DomainEvent`, so the event log stores and replays it.

Times the rules depend on (a deadline, when an alarm started) are carried in the events
themselves, truncated to the millisecond the log keeps, so a replay rebuilds exactly the
state the rules saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from emscad.events import DomainEvent
from emscad.incidents.models import Severity
from emscad.safety.feeds import GpsEventKind
from emscad.safety.models import Position, Target
from emscad.safety.orders import ProtectiveOrder, Verification


class SafetyEvent(DomainEvent):
    """A safety event names what it is about in the log's subject column ("sos:<id>",
    "order:<id>"...), so an alarm's whole story can be read back with its incident."""

    @property
    def subject(self) -> str | None:
        alarm = getattr(self, "alarm", None)
        if isinstance(alarm, str):
            return alarm
        for kind in ("sos", "checkin", "escort", "order"):
            value = getattr(self, kind, None)
            if isinstance(value, str):
                return f"{kind}:{value}"
        return None


# -- protective orders -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderCreated(SafetyEvent):
    type = "order.created"
    order: str
    record: ProtectiveOrder


@dataclass(frozen=True, kw_only=True)
class OrderUpdated(SafetyEvent):
    type = "order.updated"
    order: str
    before: ProtectiveOrder
    after: ProtectiveOrder


@dataclass(frozen=True, kw_only=True)
class OrderVerified(SafetyEvent):
    type = "order.verified"
    order: str
    before: Verification
    after: Verification


@dataclass(frozen=True, kw_only=True)
class OrderWithdrawn(SafetyEvent):
    type = "order.withdrawn"
    order: str
    at: datetime
    reason: str


# -- watch feeds -------------------------------------------------------------------------------


class Feed(StrEnum):
    PLATE = "plate"
    GPS = "gps"


@dataclass(frozen=True, kw_only=True)
class WatchAlerted(SafetyEvent):
    type = "watch.alert"
    order: str
    severity: Severity
    feed: Feed
    key: str  # the deduplication key: feed, plate or device, camera or zone
    reason: str
    at: datetime
    position: Position | None = None
    targets: tuple[Target, ...] = ()
    incident_key: str | None = None  # the incident request's key, for a high alert

    @property
    def subject(self) -> str | None:
        """A high alert is the alarm its incident was raised for ("watch:<key>:<time>"), so
        the alert itself is on that incident's timeline; a low one concerns its order."""
        return self.incident_key or f"order:{self.order}"


@dataclass(frozen=True, kw_only=True)
class WatchAcknowledged(SafetyEvent):
    """A person at a console has a high watch alert: every console stops sounding it. The
    alert's incident goes on in the queue; `alarm` is the alert's incident key."""

    type = "watch.acknowledged"
    alarm: str
    by: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProtectionDegraded(SafetyEvent):
    type = "watch.degraded"
    order: str
    device: str
    cause: GpsEventKind
    at: datetime
    position: Position | None = None


@dataclass(frozen=True, kw_only=True)
class ProtectionRestored(SafetyEvent):
    type = "watch.restored"
    order: str
    by: str
    at: datetime
    reason: str


# -- alarms: the fields every escalating alarm shares ------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AlertIncidentLinked(SafetyEvent):
    """The incident the caller created for an alarm (an SOS, a missed check-in, a watch alert)."""

    type = "safety.incident_linked"
    alarm: str  # "sos:<id>", "checkin:<id>", "watch:<key>"
    incident: str


# -- staff SOS ---------------------------------------------------------------------------------


class SosSource(StrEnum):
    APP = "app"  # one tap in the app, with the browser's geolocation
    SMS = "sms"  # a keyword texted to the agency's number
    BUTTON = "button"  # the API: a hardware panic button or another system
    DURESS_PIN = "duress_pin"  # the duress PIN at sign-in: always silent


@dataclass(frozen=True, kw_only=True)
class SosRaised(SafetyEvent):
    type = "sos.raised"
    sos: str
    staff_user: str
    source: SosSource
    at: datetime
    position: Position | None
    silent: bool


@dataclass(frozen=True, kw_only=True)
class SosEscalated(SafetyEvent):
    type = "sos.escalated"
    sos: str
    level: int
    targets: tuple[Target, ...]
    at: datetime
    silent: bool = False
    # A silent alarm never reaches the raiser's own screens: someone may be watching them.
    except_user: str | None = None


@dataclass(frozen=True, kw_only=True)
class SosAcknowledged(SafetyEvent):
    type = "sos.acknowledged"
    sos: str
    by: str
    at: datetime
    human: bool


@dataclass(frozen=True, kw_only=True)
class SosCleared(SafetyEvent):
    type = "sos.cleared"
    sos: str
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class SosLocationUpdated(SafetyEvent):
    type = "sos.location_updated"
    sos: str
    position: Position
    at: datetime


# -- check-in timers ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckInStarted(SafetyEvent):
    type = "checkin.started"
    checkin: str
    staff_user: str
    at: datetime
    deadline: datetime
    note: str = ""
    position: Position | None = None


@dataclass(frozen=True, kw_only=True)
class CheckInExtended(SafetyEvent):
    type = "checkin.extended"
    checkin: str
    before: datetime
    after: datetime


@dataclass(frozen=True, kw_only=True)
class CheckInSafe(SafetyEvent):
    type = "checkin.safe"
    checkin: str
    at: datetime
    late: bool = False  # after the welfare alert went out
    position: Position | None = None


@dataclass(frozen=True, kw_only=True)
class CheckInCancelled(SafetyEvent):
    type = "checkin.cancelled"
    checkin: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CheckInMissed(SafetyEvent):
    type = "checkin.missed"
    checkin: str
    at: datetime  # when the welfare alert went out: deadline plus grace, or later
    deadline: datetime


@dataclass(frozen=True, kw_only=True)
class CheckInEscalated(SafetyEvent):
    type = "checkin.escalated"
    checkin: str
    level: int
    targets: tuple[Target, ...]
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CheckInAcknowledged(SafetyEvent):
    type = "checkin.acknowledged"
    checkin: str
    by: str
    at: datetime
    human: bool


@dataclass(frozen=True, kw_only=True)
class CheckInResolved(SafetyEvent):
    type = "checkin.resolved"
    checkin: str
    by: str
    at: datetime
    reason: str


# -- escorts -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EscortRequested(SafetyEvent):
    type = "escort.requested"
    escort: str
    staff_user: str
    at: datetime
    place: str  # where to meet: "Station One, back door"
    note: str = ""
    position: Position | None = None


@dataclass(frozen=True, kw_only=True)
class EscortEscalated(SafetyEvent):
    type = "escort.escalated"
    escort: str
    level: int
    targets: tuple[Target, ...]
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EscortAccepted(SafetyEvent):
    type = "escort.accepted"
    escort: str
    by: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EscortCompleted(SafetyEvent):
    type = "escort.completed"
    escort: str
    by: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EscortCancelled(SafetyEvent):
    type = "escort.cancelled"
    escort: str
    by: str
    at: datetime
    reason: str = ""
