"""Escort requests: request, escalate while nobody takes it, accept, complete, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import DomainEvent
from emscad.safety.escorts import (
    Escort,
    EscortPhase,
    accept_escort,
    apply_escort,
    cancel_escort,
    complete_escort,
    escalate_escort,
    request_escort,
)
from emscad.safety.events import EscortAccepted
from emscad.safety.models import DISPATCHERS, ON_DUTY, SUPERVISORS, Position
from tests.unit.safety.factories import (
    DANA,
    DISPATCHER,
    HER,
    OTHER_DISPATCHER,
    SUPERVISOR,
    SYSTEM,
    T0,
    rec,
)

M = timedelta(minutes=1)


def fold(events: list[DomainEvent], e: Escort | None = None) -> Escort:
    for event in events:
        e = apply_escort(e, rec(event))
    assert e is not None
    return e


def requested() -> Escort:
    event = request_escort(
        escort_id="e1",
        staff_user=DANA,
        now=T0,
        place="Station One, back door",
        note="leaving at 19:00",
        position=Position(-92.2896, 34.7465),
    )
    return fold([event])


def test_a_request_waits_for_someone_to_accept() -> None:
    e = requested()
    assert (e.phase, e.place, e.note) == (
        EscortPhase.REQUESTED,
        "Station One, back door",
        "leaving at 19:00",
    )
    assert e.open
    with pytest.raises(InvalidInput, match="where to meet is required"):
        request_escort(escort_id="e2", staff_user=DANA, now=T0, place=" ")


def test_an_unanswered_request_escalates_to_everyone_on_duty() -> None:
    e = requested()
    (step0,) = escalate_escort(e, T0)
    assert step0.targets == (DISPATCHERS, SUPERVISORS)
    e = fold([step0], e)
    assert escalate_escort(e, T0 + 4 * M) == []
    (step1,) = escalate_escort(e, T0 + 5 * M)
    assert step1.targets == (ON_DUTY,)
    assert fold([step1], e).level == 1


def test_accepting_stops_the_escalation() -> None:
    e = requested()
    accepted = accept_escort(e, DISPATCHER, T0 + M)
    assert isinstance(accepted, EscortAccepted)
    e = fold([accepted], e)
    assert (e.phase, e.accepted_by) == (EscortPhase.ACCEPTED, "u-disp")
    assert escalate_escort(e, T0 + 60 * M) == []
    with pytest.raises(Conflict):
        accept_escort(e, OTHER_DISPATCHER, T0 + 2 * M)


def test_the_requester_and_systems_cannot_accept() -> None:
    for who in (HER, SYSTEM):
        with pytest.raises(Forbidden):
            accept_escort(requested(), who, T0)


def test_completing_is_for_the_escort_the_requester_or_a_supervisor() -> None:
    e = fold([accept_escort(requested(), DISPATCHER, T0)], requested())
    with pytest.raises(Forbidden):
        complete_escort(e, OTHER_DISPATCHER, T0 + M)
    for who in (DISPATCHER, HER, SUPERVISOR):
        assert complete_escort(e, who, T0 + M).by == who.user
    e = fold([complete_escort(e, HER, T0 + 3 * M)], e)
    assert (e.phase, e.ended_by, e.ended_at) == (EscortPhase.COMPLETED, DANA, T0 + 3 * M)
    assert not e.open
    with pytest.raises(Conflict):
        complete_escort(e, HER, T0)
    with pytest.raises(Conflict):
        complete_escort(requested(), HER, T0)


def test_cancelling_is_for_the_requester_or_a_supervisor() -> None:
    e = requested()
    with pytest.raises(Forbidden):
        cancel_escort(e, DISPATCHER, T0)
    assert cancel_escort(e, SUPERVISOR, T0, "she left with a colleague").by == "u-sup"
    e = fold([cancel_escort(e, HER, T0 + M, "got a ride")], e)
    assert (e.phase, e.reason) == (EscortPhase.CANCELLED, "got a ride")
    with pytest.raises(Conflict):
        cancel_escort(e, HER, T0)


def test_foreign_events_are_ignored() -> None:
    e = requested()
    other = EscortAccepted(escort="e2", by="u", at=T0)
    assert fold([other], e) is e
    assert apply_escort(None, rec(other)) is None
    from emscad.safety.events import CheckInCancelled

    assert fold([CheckInCancelled(checkin="e1", at=T0)], e) is e
