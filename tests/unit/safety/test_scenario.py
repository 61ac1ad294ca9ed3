"""The issue's scenario, walked at the domain level on a fixed clock.

A dispatcher is protected by an order against a former employee: stay away from her home
and Station One, no contact; his photo and two vehicles are on file. (a) At 17:20 a plate
reader at the Station One lot reads one of his plates. (b) She starts a 5-minute check-in
walking to her car and misses it. (c) She raises an SOS from each source, and by duress PIN.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emscad.clock import FixedClock
from emscad.incidents import lifecycle as incidents
from emscad.incidents.models import Confidence, PersonRole, Severity, Source
from emscad.recommend.plan import load_plan
from emscad.safety import board as boards
from emscad.safety.checkins import CheckInPhase, start_checkin, welfare_incident
from emscad.safety.escalation import DEFAULT_LADDER
from emscad.safety.events import (
    CheckInEscalated,
    CheckInMissed,
    SosEscalated,
    SosSource,
    WatchAlerted,
)
from emscad.safety.feeds import PlateRead
from emscad.safety.matching import match_call
from emscad.safety.models import (
    CONSOLES,
    DISPATCHERS,
    ON_DUTY,
    SUPERVISORS,
    IncidentRequest,
    Position,
    Target,
)
from emscad.safety.offers import EscortAdvice, offers_at_shift_end
from emscad.safety.orders import Condition, VerificationStatus
from emscad.safety.registry import create_order, verify_order
from emscad.safety.sos import Reply, acknowledge_sos, raise_sos
from emscad.safety.watch import OutcomeKind, assess
from tests.unit.safety.factories import (
    DANA,
    DISPATCHER,
    STATION_ONE,
    STATION_TWO,
    SYSTEM,
    Log,
    order,
    staff,
)

CDT = timezone(timedelta(hours=-5))  # Little Rock in August
LOT = Position(STATION_ONE.lon + 0.0004, STATION_ONE.lat - 0.0002)  # the staff parking lot
HER_PHONE = Position(STATION_ONE.lon + 0.0006, STATION_ONE.lat - 0.0003, 18.0)
PLACES = [STATION_ONE, STATION_TWO]
S = timedelta(seconds=1)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 8, 14, hh, mm, ss, tzinfo=CDT)


def the_order() -> Log:
    """The order as the supervisor enters it from her copy, then verifies it via NCIC."""
    log = Log()
    o = order(issued=at(9, 0) - timedelta(days=20), expires=at(9, 0) + timedelta(days=345))
    assert o.conditions == (
        Condition.NO_ABUSE,
        Condition.STAY_AWAY,
        Condition.NO_CONTACT,
        Condition.NO_FIREARMS,
    )
    assert o.respondent.photo_ref
    assert len(o.respondent.vehicles) == 2
    assert {z.label for z in o.zones} == {"Her home", "Station One"}
    log.record(create_order(o), at=at(9, 0))
    log.record(
        *verify_order(log.board.orders["po-1"], VerificationStatus.NCIC, by="u-sup", at=at(9, 5))
    )
    return log


def creates_an_incident(req: IncidentRequest, when: datetime) -> None:
    """The request passes the incident state machine's own validation unchanged."""
    incidents.create(
        incident_id="i-x",
        number="26-000001",
        received_at=when,
        source=req.source,
        location=req.location,
        triage=req.triage,
        caller=req.caller,
        persons=req.persons,
        cautions=req.cautions,
    )


def respondent_shown(req: IncidentRequest) -> None:
    (suspect,) = [p for p in req.persons if p.role is PersonRole.SUSPECT]
    assert suspect.name == "Marcus Reed"
    (caution,) = [c for c in req.cautions if c.kind == "protective-order"]
    assert caution.severity is Severity.HIGH
    for shown in ("Marcus Reed", "5 ft 11 in", "photo on file", "ABC-1234", "XYZ 789", "ref po-1"):
        assert shown in caution.text
    assert "verified via NCIC" in caution.text
    assert "Verify with the court or NCIC before acting." in caution.text


def test_a_plate_read_at_the_station_lot_alerts_her_and_every_supervisor() -> None:
    log = the_order()
    clock = FixedClock(at(17, 20))
    before = offers_at_shift_end(DANA, log.board.orders.values(), clock.now())
    assert before is not None
    assert before.escort is EscortAdvice.OFFERED

    read = PlateRead(
        plate="xyz-789",
        state="AR",
        camera="st1-lot-east",
        position=LOT,
        at=clock.now(),
        confidence=0.94,
        image="alpr:55120",
    )
    out = assess(
        read, log.board.orders.values(), PLACES, clock.now(), recent=log.board.watch.last_alert
    )
    assert out.kind is OutcomeKind.ALERT
    (alert,) = out.alerts
    assert alert.severity is Severity.HIGH
    assert alert.targets == (Target.user(DANA), SUPERVISORS)  # her, and every on-duty supervisor
    assert alert.respondent.startswith("Marcus Reed (aka Marc Reed); male")
    assert [v.describe() for v in alert.vehicles] == [
        "AR ABC-1234 (black Ford F-150)",
        "AR XYZ 789 (silver Honda Civic)",
    ]
    assert "XYZ 789" in alert.reason
    assert alert.photo_ref == "photo:po-1"

    req = out.incident
    assert req is not None
    assert (req.source, req.complaint, req.priority) == (Source.WATCH, "watch_alert", 1)
    assert (req.location.lon, req.location.lat) == (LOT.lon, LOT.lat)
    assert req.location.text == "Plate reader st1-lot-east at Station One"
    assert req.note.startswith("Police response")
    respondent_shown(req)
    creates_an_incident(req, clock.now())
    assert load_plan().requirement(req.complaint, req.priority).capabilities == ("police",)

    log.record(*out.events, at=clock.now())
    (event,) = out.events
    assert isinstance(event, WatchAlerted)

    # The camera reads him again a minute later: no second alert, no second incident.
    clock.advance(60 * S)
    again = assess(
        read, log.board.orders.values(), PLACES, clock.now(), recent=log.board.watch.last_alert
    )
    assert again.kind is OutcomeKind.DUPLICATE

    # Her shift ends at 17:30: the offer now insists on an escort.
    clock.set(at(17, 30))
    offer = offers_at_shift_end(
        DANA,
        log.board.orders.values(),
        clock.now(),
        last_alerts=log.board.watch.last_high,
        degraded=log.board.watch.degraded.keys(),
    )
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED
    assert offer.alerts == ("po-1",)
    assert "escort" in offer.message


def test_a_missed_check_in_raises_a_welfare_alert_that_escalates() -> None:
    log = the_order()
    clock = FixedClock(at(17, 35))
    log.record(
        start_checkin(
            checkin_id="c1",
            staff_user=DANA,
            now=clock.now(),
            duration=timedelta(minutes=5),
            note="walking to my car",
            position=HER_PHONE,
        ),
        at=clock.now(),
    )
    clock.set(at(17, 40, 30))  # past the deadline, inside the grace
    assert boards.tick(log.board, clock.now()) == []

    clock.set(at(17, 41))
    due = boards.tick(log.board, clock.now())
    miss, first = due
    assert isinstance(miss, CheckInMissed)
    assert isinstance(first, CheckInEscalated)
    assert first.targets == (CONSOLES, DISPATCHERS)
    log.record(*due, at=clock.now())
    c = log.board.checkins["c1"]
    assert c.phase is CheckInPhase.MISSED

    req = welfare_incident(c, staff(), orders=log.board.orders.values())
    assert (req.complaint, req.priority) == ("welfare_check", 1)
    assert (req.location.lon, req.location.lat, req.location.uncertainty_m) == (
        HER_PHONE.lon,
        HER_PHONE.lat,
        18.0,
    )
    respondent_shown(req)
    creates_an_incident(req, clock.now())

    reached = []
    for minute in (42, 43, 50):
        clock.set(at(17, minute))
        steps = boards.tick(log.board, clock.now())
        log.record(*steps, at=clock.now())
        reached += [e.targets for e in steps if isinstance(e, CheckInEscalated)]
    assert reached == [(SUPERVISORS,), (ON_DUTY,)]
    assert log.board.checkins["c1"].level == DEFAULT_LADDER.top


@pytest.mark.parametrize(
    "source", [SosSource.APP, SosSource.SMS, SosSource.BUTTON, SosSource.DURESS_PIN]
)
def test_her_sos_escalates_until_a_person_acknowledges(source: SosSource) -> None:
    log = the_order()
    clock = FixedClock(at(17, 44))
    out = raise_sos(
        sos_id=f"sos-{source.value}",
        staff=staff(),
        source=source,
        now=clock.now(),
        position=HER_PHONE,
        orders=log.board.orders.values(),
    )
    log.record(*out.events, at=clock.now())
    sos_id = out.sos.id

    req = out.incident
    assert (req.source, req.complaint, req.priority) == (Source.STAFF_SOS, "staff_sos", 1)
    loc = req.location
    assert (loc.lon, loc.lat, loc.uncertainty_m, loc.confidence) == (
        HER_PHONE.lon,
        HER_PHONE.lat,
        18.0,
        Confidence.DEVICE,
    )
    assert "(±18 m)" in loc.text
    assert "at 22:44:00 UTC" in req.note  # 17:44 in Little Rock
    respondent_shown(req)
    creates_an_incident(req, clock.now())
    # The order also shows up as a caution when the call is matched like any other.
    (match,) = match_call(
        log.board.orders.values(), clock.now(), point=(HER_PHONE.lon, HER_PHONE.lat), places=PLACES
    )
    assert match.order.id == "po-1"

    silent = source is SosSource.DURESS_PIN
    assert out.sos.silent is silent
    if silent:
        assert out.reply is Reply.AS_IF_NOTHING_HAPPENED
        assert out.instruction.startswith("Respond to the user as if nothing happened")
        assert out.user_message == ""
        assert req.cautions[0].kind == "silent-duress"
    else:
        assert out.reply is Reply.CONFIRM
        assert out.user_message

    def targets() -> list[tuple[Target, ...]]:
        return [
            r.event.targets
            for r in log.events
            if isinstance(r.event, SosEscalated) and r.event.sos == sos_id
        ]

    assert targets() == [(CONSOLES, DISPATCHERS)]
    # The SMS gateway's delivery receipt is not a person: escalation goes on.
    log.record(*acknowledge_sos(log.board.sos[sos_id], SYSTEM, clock.now() + 5 * S))
    clock.advance(60 * S)
    log.record(*boards.tick(log.board, clock.now()), at=clock.now())
    assert targets() == [(CONSOLES, DISPATCHERS), (SUPERVISORS,)]

    # A dispatcher acknowledges at 70 s: nobody else is paged, however long it runs.
    clock.advance(10 * S)
    log.record(*acknowledge_sos(log.board.sos[sos_id], DISPATCHER, clock.now()), at=clock.now())
    clock.advance(600 * S)
    assert boards.tick(log.board, clock.now()) == []
    assert targets() == [(CONSOLES, DISPATCHERS), (SUPERVISORS,)]
    escalations = [r.event for r in log.events if isinstance(r.event, SosEscalated)]
    assert all(e.silent is silent for e in escalations)
    assert all(e.except_user == (DANA if silent else None) for e in escalations)

    # Acknowledged is not cleared: the alarm stays on the board.
    assert log.board.sos[sos_id].open
    assert boards.open_sos_for(log.board, DANA) is not None


def test_an_unacknowledged_sos_reaches_everyone_on_duty() -> None:
    log = the_order()
    clock = FixedClock(at(17, 44))
    out = raise_sos(
        sos_id="s", staff=staff(), source=SosSource.APP, now=clock.now(), position=HER_PHONE
    )
    log.record(*out.events, at=clock.now())
    clock.advance(125 * S)
    log.record(*boards.tick(log.board, clock.now()), at=clock.now())
    assert log.board.sos["s"].targets == (CONSOLES, DISPATCHERS, SUPERVISORS, ON_DUTY)
    assert log.board.sos["s"].level == DEFAULT_LADDER.top
