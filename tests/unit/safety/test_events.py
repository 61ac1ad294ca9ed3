"""Every safety event is a registered DomainEvent whose payload round-trips through JSON."""

from __future__ import annotations

import json
from datetime import timedelta

from emscad.events import DomainEvent, event_types
from emscad.incidents.models import Severity
from emscad.safety import events as safety_events
from emscad.safety.events import (
    AlertIncidentLinked,
    CheckInAcknowledged,
    CheckInCancelled,
    CheckInEscalated,
    CheckInExtended,
    CheckInMissed,
    CheckInResolved,
    CheckInSafe,
    CheckInStarted,
    EscortAccepted,
    EscortCancelled,
    EscortCompleted,
    EscortEscalated,
    EscortRequested,
    Feed,
    OrderCreated,
    OrderUpdated,
    OrderVerified,
    OrderWithdrawn,
    ProtectionDegraded,
    ProtectionRestored,
    SosAcknowledged,
    SosCleared,
    SosEscalated,
    SosLocationUpdated,
    SosRaised,
    SosSource,
    WatchAcknowledged,
    WatchAlerted,
)
from emscad.safety.feeds import GpsEventKind
from emscad.safety.models import CONSOLES, Position, Target
from emscad.safety.orders import Verification, VerificationStatus
from tests.unit.safety.factories import T0, order

P = Position(-92.29, 34.75, 12.5)
V = Verification(VerificationStatus.NCIC, "u-sup", T0)
ALL: list[DomainEvent] = [
    OrderCreated(order="po-1", record=order(verification=V, expires=None)),
    OrderUpdated(order="po-1", before=order(), after=order(misc="m")),
    OrderVerified(order="po-1", before=Verification(), after=V),
    OrderWithdrawn(order="po-1", at=T0, reason="vacated"),
    WatchAlerted(
        order="po-1",
        severity=Severity.HIGH,
        feed=Feed.PLATE,
        key="plate:ABC1234:cam",
        reason="r",
        at=T0,
        position=P,
        targets=(Target.user("u-dana"), CONSOLES),
        incident_key="watch:k",
    ),
    WatchAcknowledged(alarm="watch:k", by="u-sup", at=T0),
    ProtectionDegraded(order="po-1", device="GPS-77", cause=GpsEventKind.TAMPER, at=T0),
    ProtectionRestored(order="po-1", by="u-sup", at=T0, reason="fixed"),
    AlertIncidentLinked(alarm="sos:s1", incident="i-1"),
    SosRaised(
        sos="s1", staff_user="u-dana", source=SosSource.DURESS_PIN, at=T0, position=P, silent=True
    ),
    SosEscalated(sos="s1", level=1, targets=(CONSOLES,), at=T0, silent=True, except_user="u-dana"),
    SosAcknowledged(sos="s1", by="u-disp", at=T0, human=True),
    SosCleared(sos="s1", by="u-sup", at=T0, reason="safe"),
    SosLocationUpdated(sos="s1", position=Position(-92, 34), at=T0),
    CheckInStarted(
        checkin="c1",
        staff_user="u-dana",
        at=T0,
        deadline=T0 + timedelta(minutes=5),
        note="car",
        position=P,
    ),
    CheckInExtended(checkin="c1", before=T0, after=T0 + timedelta(minutes=1)),
    CheckInSafe(checkin="c1", at=T0, late=True, position=P),
    CheckInCancelled(checkin="c1", at=T0),
    CheckInMissed(checkin="c1", at=T0, deadline=T0),
    CheckInEscalated(checkin="c1", level=2, targets=(CONSOLES,), at=T0),
    CheckInAcknowledged(checkin="c1", by="u-disp", at=T0, human=False),
    CheckInResolved(checkin="c1", by="u-sup", at=T0, reason="ok"),
    EscortRequested(escort="e1", staff_user="u-dana", at=T0, place="door", note="n", position=P),
    EscortEscalated(escort="e1", level=0, targets=(CONSOLES,), at=T0),
    EscortAccepted(escort="e1", by="u-disp", at=T0),
    EscortCompleted(escort="e1", by="u-disp", at=T0),
    EscortCancelled(escort="e1", by="u-dana", at=T0, reason="ride"),
]


def test_every_safety_event_type_is_covered_here() -> None:
    defined = {
        cls.type
        for cls in vars(safety_events).values()
        if isinstance(cls, type) and issubclass(cls, DomainEvent) and cls.type
    }
    assert {e.type for e in ALL} == defined
    registry = event_types()
    assert all(registry[t].__module__ == "emscad.safety.events" for t in defined)


def test_payloads_round_trip_through_json() -> None:
    for event in ALL:
        text = json.dumps(event.payload())
        assert DomainEvent.from_payload(event.type, json.loads(text)) == event, event.type


def test_only_the_incident_link_lands_on_an_incident_timeline() -> None:
    on_incident = [e.type for e in ALL if e.incident_id is not None]
    assert on_incident == ["safety.incident_linked"]
    assert all(e.unit_id is None for e in ALL)
