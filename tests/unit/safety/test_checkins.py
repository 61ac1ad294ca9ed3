"""Check-in timers: start, extend, check in, cancel, miss with grace, and the welfare alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import DomainEvent
from emscad.incidents.models import PersonRole
from emscad.safety.checkins import (
    DEFAULT_GRACE,
    CheckIn,
    CheckInPhase,
    acknowledge_checkin,
    apply_checkin,
    cancel_checkin,
    check_in,
    extend_checkin,
    link_incident,
    resolve_checkin,
    start_checkin,
    tick_checkin,
    welfare_incident,
)
from emscad.safety.events import (
    AlertIncidentLinked,
    CheckInEscalated,
    CheckInMissed,
    CheckInSafe,
    SosCleared,
)
from emscad.safety.models import CONSOLES, DISPATCHERS, ON_DUTY, SUPERVISORS, Position
from tests.unit.safety.factories import (
    ADMIN,
    DANA,
    DISPATCHER,
    HER,
    OTHER_DISPATCHER,
    SUPERVISOR,
    SYSTEM,
    T0,
    order,
    rec,
    staff,
)

S = timedelta(seconds=1)
M = timedelta(minutes=1)
DOOR = Position(-92.2896, 34.7465, 15.0)


def fold(events: list[DomainEvent], c: CheckIn | None = None) -> CheckIn:
    for e in events:
        c = apply_checkin(c, rec(e))
    assert c is not None
    return c


def started(minutes: int = 5, position: Position | None = DOOR) -> CheckIn:
    event = start_checkin(
        checkin_id="c1",
        staff_user=DANA,
        now=T0,
        duration=minutes * M,
        note="walking to my car",
        position=position,
    )
    return fold([event])


def missed() -> CheckIn:
    c = started()
    return fold(tick_checkin(c, T0 + 6 * M), c)


def test_a_timer_runs_until_its_deadline() -> None:
    c = started()
    assert (c.phase, c.deadline, c.note) == (CheckInPhase.RUNNING, T0 + 5 * M, "walking to my car")
    assert c.alarm is None
    assert c.open


@pytest.mark.parametrize("minutes", [0, 721])
def test_a_timer_runs_one_minute_to_twelve_hours(minutes: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 minute and 12 hours"):
        started(minutes)


def test_checking_in_on_time_ends_it() -> None:
    c = started()
    safe = check_in(c, T0 + 4 * M, DOOR)
    assert not safe.late
    c = fold([safe], c)
    assert c.phase is CheckInPhase.SAFE
    assert not c.open
    assert tick_checkin(c, T0 + 60 * M) == []
    with pytest.raises(Conflict):
        check_in(c, T0 + 5 * M)


def test_cancelling_ends_it() -> None:
    c = fold([cancel_checkin(started(), T0 + M)], started())
    assert c.phase is CheckInPhase.CANCELLED
    with pytest.raises(Conflict, match="cancelled"):
        cancel_checkin(c, T0 + 2 * M)


def test_extending_pushes_the_deadline() -> None:
    c = started()
    ext = extend_checkin(c, T0 + 2 * M, 5 * M)
    assert (ext.before, ext.after) == (T0 + 5 * M, T0 + 10 * M)
    c = fold([ext], c)
    assert c.deadline == T0 + 10 * M
    # Inside the grace period the extension counts from now.
    late = extend_checkin(c, T0 + 10 * M + 30 * S, 2 * M)
    assert late.after == T0 + 12 * M + 30 * S
    with pytest.raises(InvalidInput, match="12 hours ahead"):
        extend_checkin(fold([extend_checkin(c, T0, 12 * 60 * M)], c), T0, 12 * 60 * M)


def test_grace_then_the_welfare_alert_goes_out() -> None:
    c = started()
    assert tick_checkin(c, T0 + 5 * M + 59 * S) == []
    events = tick_checkin(c, T0 + 5 * M + DEFAULT_GRACE)
    miss, step0 = events
    assert isinstance(miss, CheckInMissed)
    assert (miss.at, miss.deadline) == (T0 + 6 * M, T0 + 5 * M)
    assert isinstance(step0, CheckInEscalated)
    assert step0.targets == (CONSOLES, DISPATCHERS)
    c = fold(events, c)
    assert c.phase is CheckInPhase.MISSED
    assert c.missed_at == T0 + 6 * M


def test_an_unacknowledged_welfare_alert_escalates_the_same_ladder() -> None:
    c = missed()
    steps = tick_checkin(c, T0 + 8 * M)
    assert [(e.level, e.targets) for e in steps if isinstance(e, CheckInEscalated)] == [
        (1, (SUPERVISORS,)),
        (2, (ON_DUTY,)),
    ]
    c = fold(steps, c)
    assert c.level == 2
    assert tick_checkin(c, T0 + 60 * M) == []


def test_a_late_ticker_dates_the_miss_when_it_fell_due() -> None:
    events = tick_checkin(started(), T0 + 30 * M)
    assert isinstance(events[0], CheckInMissed)
    assert events[0].at == T0 + 6 * M
    assert [e.level for e in events if isinstance(e, CheckInEscalated)] == [0, 1, 2]


def test_a_missed_timer_cannot_be_cancelled_or_extended() -> None:
    c = missed()
    with pytest.raises(Conflict, match="check in as safe"):
        cancel_checkin(c, T0 + 7 * M)
    with pytest.raises(Conflict):
        extend_checkin(c, T0 + 7 * M, 5 * M)


def test_a_late_check_in_stops_the_escalation_but_leaves_the_alert_open() -> None:
    c = missed()
    safe = check_in(c, T0 + 6 * M + 20 * S, Position(-92.3, 34.75))
    assert isinstance(safe, CheckInSafe)
    assert safe.late
    c = fold([safe], c)
    assert c.phase is CheckInPhase.MISSED
    assert c.position == Position(-92.3, 34.75)
    assert c.alarm is not None
    assert not c.alarm.escalating
    assert tick_checkin(c, T0 + 60 * M) == []
    with pytest.raises(Conflict):
        check_in(c, T0 + 7 * M)
    c = fold([resolve_checkin(c, SUPERVISOR, T0 + 8 * M, "spoke to her by phone")], c)
    assert c.phase is CheckInPhase.RESOLVED
    assert not c.open


def test_acknowledging_a_welfare_alert() -> None:
    c = missed()
    with pytest.raises(Forbidden, match="check in as safe"):
        acknowledge_checkin(c, HER, T0)
    with pytest.raises(Forbidden, match="call-taker, dispatcher or supervisor"):
        acknowledge_checkin(c, ADMIN, T0)
    (system,) = acknowledge_checkin(c, SYSTEM, T0 + 6 * M)
    c = fold([system], c)
    assert c.acknowledged_by is None
    (ack,) = acknowledge_checkin(c, DISPATCHER, T0 + 6 * M + 10 * S)
    c = fold([ack], c)
    assert c.acknowledged_by == "u-disp"
    assert acknowledge_checkin(c, OTHER_DISPATCHER, T0 + 7 * M) == []
    assert tick_checkin(c, T0 + 60 * M) == []
    with pytest.raises(Conflict, match="no welfare alert"):
        acknowledge_checkin(started(), DISPATCHER, T0)


def test_resolving_a_welfare_alert_is_for_a_supervisor_or_the_acknowledger() -> None:
    c = fold(acknowledge_checkin(missed(), DISPATCHER, T0 + 7 * M), missed())
    for who in (HER, OTHER_DISPATCHER, SYSTEM, ADMIN):
        with pytest.raises(Forbidden):
            resolve_checkin(c, who, T0 + 8 * M, "ok")
    assert resolve_checkin(c, DISPATCHER, T0 + 8 * M, "found her safe").by == "u-disp"
    with pytest.raises(InvalidInput, match="the reason is required"):
        resolve_checkin(c, SUPERVISOR, T0 + 8 * M, "")
    with pytest.raises(Conflict):
        resolve_checkin(started(), SUPERVISOR, T0, "x")


def test_the_welfare_incident_for_a_protected_staff_member_is_top_priority() -> None:
    c = missed()
    req = welfare_incident(c, staff(), orders=[order()])
    assert (req.key, req.complaint, req.priority) == ("checkin:c1", "welfare_check", 1)
    assert (req.location.lon, req.location.lat) == (DOOR.lon, DOOR.lat)
    assert "Dana Whitfield did not check in by 12:05:00 UTC (walking to my car)" in req.note
    assert [p.role for p in req.persons] == [PersonRole.VICTIM, PersonRole.SUSPECT]
    assert "Marcus Reed" in req.cautions[0].text


def test_the_welfare_incident_for_anyone_else_is_a_welfare_check() -> None:
    c = fold(tick_checkin(started(position=None), T0 + 6 * M), started(position=None))
    req = welfare_incident(c, staff(name=""))
    assert req.priority == 2
    assert req.cautions == ()
    assert not req.location.has_point
    assert req.location.text == "Missed check-in by u-dana: location unknown, find them"
    assert welfare_incident(started(), staff()).priority == 2


def test_linking_and_foreign_events() -> None:
    c = started()
    c = fold([link_incident(c, "i-3")], c)
    assert c.incident == "i-3"
    assert fold([AlertIncidentLinked(alarm="sos:c1", incident="i-4")], c) is c
    assert fold([SosCleared(sos="c1", by="u", at=T0, reason="x")], c) is c
    assert fold([CheckInMissed(checkin="c2", at=T0, deadline=T0)], c) is c
    assert apply_checkin(None, rec(CheckInMissed(checkin="c2", at=T0, deadline=T0))) is None


@given(
    duration=st.integers(min_value=1, max_value=30),
    safe_after=st.one_of(st.none(), st.integers(min_value=0, max_value=40 * 60)),
    tick_after=st.integers(min_value=0, max_value=40 * 60),
)
def test_a_timer_is_missed_when_the_clock_passes_deadline_plus_grace_before_a_check_in(
    duration: int, safe_after: int | None, tick_after: int
) -> None:
    c = started(duration)
    checked_in_first = safe_after is not None and safe_after < tick_after
    if safe_after is not None and checked_in_first:
        c = fold([check_in(c, T0 + safe_after * S)], c)
    c = fold(tick_checkin(c, T0 + tick_after * S), c)
    due = T0 + duration * M + DEFAULT_GRACE
    expect_missed = T0 + tick_after * S >= due and not checked_in_first
    assert (c.phase is CheckInPhase.MISSED) == expect_missed
    assert (c.phase is CheckInPhase.SAFE) == checked_in_first
