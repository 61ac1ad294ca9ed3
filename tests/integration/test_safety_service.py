"""The safety service on real databases (SQLite and PostgreSQL): orders and cautions, watch
feeds, staff SOS and its ladder, check-in timers, SOS texts, and who the alerts reach."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emscad.accounts.models import User
from emscad.accounts.permissions import Role
from emscad.accounts.service import AccountService
from emscad.agency.models import Station, StationKind
from emscad.clock import FixedClock
from emscad.dispatch.intake import IntakeService, TextLines
from emscad.dispatch.safety.base import SYSTEM_WHO, Who
from emscad.dispatch.safety.orders import OrderCautions
from emscad.dispatch.safety.policy import SafetyPolicy
from emscad.dispatch.safety.service import SafetyService
from emscad.dispatch.safety.staff import NoEntry
from emscad.dispatch.service import DispatchService
from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.events import Recorded
from emscad.incidents.events import Triage
from emscad.incidents.models import (
    Caller,
    Confidence,
    Disposition,
    Incident,
    IncidentStatus,
    Location,
    Person,
    PersonRole,
    Severity,
    Source,
)
from emscad.intake.sms import DEFAULT_SOS_KEYWORDS, InboundText, Provider, RecordingGateway
from emscad.notify.models import ChannelKind, Notification, Status
from emscad.safety.checkins import CheckInPhase
from emscad.safety.escalation import DEFAULT_LADDER
from emscad.safety.events import SosEscalated, SosSource, WatchAlerted
from emscad.safety.feeds import GpsEvent, GpsEventKind, PlateRead
from emscad.safety.models import Position
from emscad.safety.offers import EscortAdvice
from emscad.safety.orders import (
    Condition,
    Descriptors,
    ProtectedPerson,
    ProtectiveOrder,
    Respondent,
    StayAwayZone,
    Vehicle,
    VerificationStatus,
    ZoneKind,
)
from emscad.safety.sos import Sos, SosPhase
from emscad.safety.staff import Shift, StaffRecord
from emscad.safety.watch import OutcomeKind
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.db import Database
from emscad.storage.notify_sql import SqlOutbox
from emscad.storage.sql import SqlStore
from tests.factories.safety import cheap_hasher, ids, on_shift

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)  # 17:20 in Little Rock
S = timedelta(seconds=1)
LINES = {"main": "+15015550100", "sos": "+15015550199"}

STATION_ONE = (-92.2896, 34.7465)
STATION_TWO = (-92.3700, 34.7900)
POLICE_HQ = (-92.2500, 34.7000)  # a police station: not one of the protected places
HOME = (-92.3412, 34.7601)
FAR_AWAY = (-92.2000, 34.6500)  # a street across town, in no zone
DANA_MOBILE = "(501) 555-0142"  # as typed on her staff record, not in E.164
RESPONDENT_PHONE = "(501) 555-0199"

# username -> role; who is on shift at T0 is set by their staff records below
PEOPLE = {
    "dana": Role.DISPATCHER,  # the protected dispatcher
    "dave": Role.DISPATCHER,
    "sue": Role.SUPERVISOR,  # on shift
    "sid": Role.SUPERVISOR,  # off shift
    "cal": Role.CALL_TAKER,
    "sam": Role.STAFF,
    "ada": Role.ADMIN,
}


@dataclass
class Env:
    database: Database
    clock: FixedClock
    dispatch: DispatchService
    safety: SafetyService
    intake: IntakeService
    accounts: AccountService
    outbox: SqlOutbox
    users: dict[str, User]
    wakes: list[int]

    def uid(self, username: str) -> str:
        return self.users[username].id

    def who(self, username: str, *, human: bool = True) -> Who:
        user = self.users[username]
        return Who(name=username, user=user.id, roles=frozenset(user.roles), human=human)

    def at(self, offset: timedelta) -> None:
        self.clock.set(T0 + offset)

    def open_incidents(self) -> list[Incident]:
        return self.dispatch.incidents((IncidentStatus.PENDING, IncidentStatus.ACTIVE))

    def events(self, kind: str = "") -> list[Recorded]:
        return [r for r in self.dispatch.events_after(0) if r.event.type.startswith(kind)]


@pytest.fixture
def env(database: Database) -> Env:
    clock = FixedClock(T0)
    new_id = ids()
    policy = SafetyPolicy()
    dispatch = DispatchService(
        SqlStore(database),
        clock=clock,
        new_id=new_id,
        timezone=ZoneInfo("America/Chicago"),
        caution_sources=[OrderCautions(policy)],
    )
    wakes: list[int] = []
    safety = SafetyService(
        dispatch,
        policy=policy,
        new_id=new_id,
        on_alert=lambda: wakes.append(1),
        hasher=cheap_hasher(),
    )
    intake = IntakeService(
        dispatch,
        gateway=RecordingGateway(),
        lines=TextLines(
            numbers=LINES, sos_lines=frozenset({"sos"}), sos_keywords=DEFAULT_SOS_KEYWORDS
        ),
        on_text=safety.sos_by_text,
    )
    accounts = AccountService(SqlAccountStore(database), clock=clock, new_id=new_id)
    for station in (
        Station("st-1", "Station One", *STATION_ONE),
        Station("st-2", "Station Two", *STATION_TWO),
        Station("pd-1", "Police HQ", *POLICE_HQ, kind=StationKind.POLICE),
    ):
        dispatch.save_station("seed", station)
    users = {
        name: accounts.create_user(name, roles=[role], display_name=name.title())
        for name, role in PEOPLE.items()
    }
    e = Env(database, clock, dispatch, safety, intake, accounts, SqlOutbox(database), users, wakes)
    shift = on_shift(T0)
    yesterday = (Shift(T0 - timedelta(hours=30), T0 - timedelta(hours=22)),)
    records = [
        StaffRecord(
            user=e.uid("dana"),
            name="Dana Whitfield",
            station="st-1",
            mobile_phone=DANA_MOBILE,
            email="dana@example.org",
            schedule=shift,
            confidential=True,
        ),
        StaffRecord(
            user=e.uid("dave"),
            name="Dave Dispatcher",
            mobile_phone="+15015550150",
            email="dave@example.org",
            schedule=shift,
        ),
        StaffRecord(user=e.uid("sue"), name="Sue Super", email="sue@example.org", schedule=shift),
        StaffRecord(user=e.uid("sid"), name="Sid Super", schedule=yesterday),
        StaffRecord(user=e.uid("cal"), name="Cal Taker", schedule=shift),
        StaffRecord(
            user=e.uid("sam"), name="Sam Staff", mobile_phone="+15015550160", schedule=shift
        ),
    ]
    for record in records:
        safety.save_staff_record(e.who("sue"), record, expected_version=0)
    return e


def order_for(env: Env, **changes: Any) -> ProtectiveOrder:
    """Dana protected from Mark Whitfield: her home and Station One, no contact, no guns."""
    o = ProtectiveOrder(
        id="po-1",
        number="23-DR-1234",
        court="Pulaski County Circuit Court",
        issued=T0 - timedelta(days=30),
        expires=T0 + timedelta(days=335),
        conditions=(
            Condition.NO_ABUSE,
            Condition.STAY_AWAY,
            Condition.NO_CONTACT,
            Condition.NO_FIREARMS,
        ),
        protected=(
            ProtectedPerson(
                name="Dana Whitfield", phones=(DANA_MOBILE,), staff_user=env.uid("dana")
            ),
        ),
        respondent=Respondent(
            name="Mark Whitfield",
            descriptors=Descriptors(sex="male", height_in=71, hair="brown"),
            photo_ref="photo:mw-1",
            phones=(RESPONDENT_PHONE,),
            vehicles=(
                Vehicle("ABC-1234", "AR", "Ford", "F-150", "black"),
                Vehicle("XYZ789", "AR", "Honda", "Civic", "silver"),
            ),
            devices=("GPS-77",),
        ),
        source="copy of the order from the protected person",
        zones=(
            StayAwayZone("z-home", "Her home", *HOME, kind=ZoneKind.RESIDENCE),
            StayAwayZone(
                "z-st1", "Station One", *STATION_ONE, kind=ZoneKind.WORKPLACE, place="st-1"
            ),
        ),
    )
    return replace(o, **changes)


def enter_order(env: Env, **changes: Any) -> ProtectiveOrder:
    return env.safety.create_order(env.who("sue"), order_for(env, **changes))


def call(
    env: Env,
    *,
    at: tuple[float, float] | None = FAR_AWAY,
    caller: Caller | None = None,
    persons: tuple[Person, ...] = (),
) -> Incident:
    lon, lat = at if at is not None else (None, None)
    incident, _ = env.dispatch.create_incident(
        "cal",
        source=Source.PHONE,
        location=Location(
            text="a call",
            lon=lon,
            lat=lat,
            confidence=Confidence.ADDRESS if at else Confidence.UNVERIFIED,
        ),
        triage=Triage(chief_complaint="fall", priority=3, determinant=""),
        caller=caller or Caller(name="Ann Other", phone="+15015550111"),
        persons=persons,
    )
    return incident


def order_cautions(incident: Incident, order_id: str = "po-1") -> list[Any]:
    return [c for c in incident.cautions if c.source == f"protective-order:{order_id}"]


def plate_read(
    plate: str = "ABC1234", *, at: tuple[float, float] = STATION_ONE, camera: str = "st1-lot"
) -> PlateRead:
    return PlateRead(
        plate=plate,
        state="AR",
        camera=camera,
        position=Position(*at),
        at=T0,
        confidence=0.93,
        image="alpr/123.jpg",
    )


FEED = Who(name="alpr", user="alpr", roles=frozenset({Role.ADMIN}), human=False)


def notes(env: Env, alarm: str) -> list[Notification]:
    return env.outbox.for_alarm(alarm)


def reached(env: Env, alarm: str, step: int | None = None) -> Counter[tuple[str, str]]:
    """(recipient name, channel) of the alarm's notifications, of one ladder step if given."""
    found = [
        n for n in notes(env, alarm) if step is None or n.dedupe_key.split("|")[1] == str(step)
    ]
    return Counter((n.recipient.name, n.channel.value) for n in found)


# -- protective orders and cautions ------------------------------------------------------------


def test_entering_an_order_puts_its_caution_on_every_open_incident_it_touches(env: Env) -> None:
    in_zone = call(env, at=STATION_ONE)
    by_name = call(env, caller=Caller(name="Mark Whitfeld", phone="+15015550111"))
    by_phone = call(env, caller=Caller(name="Anon", phone="+15015550199"))
    by_plate = call(
        env,
        persons=(
            Person(
                name="unknown man",
                role=PersonRole.SUSPECT,
                description="left in a black pickup, plate abc 1234? no: ABC1234",
            ),
        ),
    )
    unrelated = call(env)
    order = enter_order(env)
    by_id = {i.id: i for i in env.open_incidents()}
    for incident in (in_zone, by_name, by_phone, by_plate):
        [caution] = order_cautions(by_id[incident.id], order.id)
        assert "Verify with the court or NCIC" in caution.text
        assert "Dana" not in caution.text  # never the protected person on a crew's screen
    assert order_cautions(by_id[in_zone.id])[0].severity is Severity.LOW  # a zone alone
    for incident in (by_name, by_phone, by_plate):
        assert order_cautions(by_id[incident.id])[0].severity is Severity.HIGH
    assert order_cautions(by_id[unrelated.id]) == []


def test_a_new_incident_touching_an_order_gets_its_caution_when_it_is_taken(env: Env) -> None:
    enter_order(env)
    assert len(order_cautions(call(env, at=HOME))) == 1
    assert len(order_cautions(call(env, caller=Caller(name="Whitfield, Mark")))) == 1
    assert order_cautions(call(env, caller=Caller(name="Mike Whitman"))) == []


def test_a_withdrawn_order_stops_matching_and_its_cautions_leave_open_incidents(
    env: Env,
) -> None:
    enter_order(env)
    incident = call(env, at=STATION_ONE)
    assert order_cautions(env.dispatch.incident(incident.id))
    withdrawn = env.safety.withdraw_order(env.who("sue"), "po-1", "vacated by the court")
    assert withdrawn.withdrawn_at == T0
    assert order_cautions(env.dispatch.incident(incident.id)) == []
    assert order_cautions(call(env, at=STATION_ONE)) == []
    assert env.safety.orders(active_only=True) == []
    assert [o.id for o in env.safety.orders()] == ["po-1"]  # kept, for the audit
    result = env.safety.plate_read(FEED, plate_read())
    assert result.outcome.kind is OutcomeKind.NO_MATCH
    assert result.incident is None


def test_verifying_an_order_updates_its_cautions_on_open_incidents(env: Env) -> None:
    enter_order(env)
    incident = call(env, at=STATION_ONE)
    [before] = order_cautions(env.dispatch.incident(incident.id))
    assert "(unverified)" in before.text
    env.at(60 * S)
    verified = env.safety.verify_order(
        env.who("sue"), "po-1", VerificationStatus.NCIC, expected_version=1
    )
    assert verified.verification.by == "sue"
    [after] = order_cautions(env.dispatch.incident(incident.id))
    assert "(verified via NCIC on 2026-07-06)" in after.text
    with pytest.raises(Conflict):  # a stale version
        env.safety.verify_order(
            env.who("sue"), "po-1", VerificationStatus.COURT, expected_version=1
        )


def test_editing_an_order_moves_its_cautions(env: Env) -> None:
    order = enter_order(env)
    at_home = call(env, at=HOME)
    at_station = call(env, at=STATION_TWO)
    assert order_cautions(env.dispatch.incident(at_home.id))
    without_home = replace(order, zones=order.zones[1:])
    env.safety.update_order(env.who("sue"), "po-1", without_home, expected_version=order.version)
    assert order_cautions(env.dispatch.incident(at_home.id)) == []
    # Any EMS station stays a zone while the order protects staff.
    assert order_cautions(env.dispatch.incident(at_station.id))


def test_an_expired_order_stops_matching_and_leaves_an_incident_when_it_next_changes(
    env: Env,
) -> None:
    enter_order(env, expires=T0 + timedelta(hours=1))
    incident = call(env, at=STATION_ONE)
    assert order_cautions(env.dispatch.incident(incident.id))
    env.at(timedelta(hours=1))  # the expiry is exclusive
    assert order_cautions(call(env, at=STATION_ONE)) == []
    assert env.safety.plate_read(FEED, plate_read()).outcome.kind is OutcomeKind.NO_MATCH
    updated = env.dispatch.update_incident(
        "cal", incident.id, caller=Caller(name="Ann Other", phone="+15015550112")
    )
    assert order_cautions(updated) == []


def test_an_order_that_lapses_or_comes_into_force_moves_its_cautions_by_the_clock(
    env: Env,
) -> None:
    enter_order(env, expires=T0 + timedelta(hours=1))
    incident = call(env, at=STATION_ONE)
    assert order_cautions(env.dispatch.incident(incident.id))
    assert env.dispatch.expire_cautions() == 0  # the first look: all current
    env.at(timedelta(hours=1))
    assert env.dispatch.expire_cautions() == 1
    assert order_cautions(env.dispatch.incident(incident.id)) == []
    # A renewed order, in force from tomorrow: on the open incident once it is.
    enter_order(env, id="po-2", issued=T0 + timedelta(days=1), expires=T0 + timedelta(days=400))
    assert order_cautions(env.dispatch.incident(incident.id), "po-2") == []
    env.at(timedelta(days=1) - timedelta(milliseconds=1))
    assert env.dispatch.expire_cautions() == 0
    env.at(timedelta(days=1))
    assert env.dispatch.expire_cautions() == 1
    assert order_cautions(env.dispatch.incident(incident.id), "po-2")


# -- watch feeds ---------------------------------------------------------------------------------


def test_a_plate_read_inside_a_zone_raises_one_high_alert_and_one_police_incident(
    env: Env,
) -> None:
    enter_order(env)
    env.wakes.clear()
    result = env.safety.plate_read(FEED, plate_read())
    assert result.outcome.kind is OutcomeKind.ALERT
    assert result.outcome.orders == ("po-1",)
    [alerted] = [r.event for r in env.events("watch.")]
    assert isinstance(alerted, WatchAlerted)
    assert alerted.severity is Severity.HIGH
    incident = result.incident
    assert incident is not None
    assert [i.id for i in env.open_incidents()] == [incident.id]
    assert (incident.priority, incident.chief_complaint, incident.source) == (
        1,
        "watch_alert",
        Source.WATCH,
    )
    assert incident.location.text == "Plate reader st1-lot at Station One"
    assert (incident.location.lon, incident.location.lat) == STATION_ONE
    [suspect] = incident.persons
    assert (suspect.name, suspect.role) == ("Mark Whitfield", PersonRole.SUSPECT)
    assert "ABC-1234" in suspect.description
    [caution] = order_cautions(incident)
    assert caution.severity is Severity.HIGH
    assert "Mark Whitfield" in caution.text
    assert "F-150" in caution.text
    assert "Her home" not in str(incident)  # a residence is never put on an incident
    linked = [r.event for r in env.events("safety.incident_linked")]
    assert [(e.alarm, e.incident) for e in linked] == [(alerted.incident_key, incident.id)]  # type: ignore[attr-defined]
    # The protected dispatcher and the on-duty supervisor, on every channel they have.
    assert alerted.incident_key is not None
    assert reached(env, alerted.incident_key) == Counter(
        {
            ("dana", "console"): 1,
            ("dana", "sms"): 1,
            ("dana", "email"): 1,
            ("sue", "console"): 1,
            ("sue", "email"): 1,
        }
    )
    dana_sms = next(n for n in notes(env, alerted.incident_key) if n.channel is ChannelKind.SMS)
    assert dana_sms.recipient.address == "+15015550142"
    assert dana_sms.severity is Severity.HIGH
    assert "Mark Whitfield" in dana_sms.body
    assert "ABC-1234" in dana_sms.body
    assert incident.number in dana_sms.body
    assert env.wakes == [1]  # the outbox was woken once, after the commit


def test_a_plate_read_at_any_ems_station_alerts_when_the_order_protects_staff(env: Env) -> None:
    enter_order(env)
    result = env.safety.plate_read(FEED, plate_read(at=STATION_TWO, camera="st2-gate"))
    assert result.outcome.kind is OutcomeKind.ALERT
    assert result.incident is not None
    assert result.incident.location.text == "Plate reader st2-gate at Station Two"


def test_a_plate_read_outside_every_zone_is_information_only(env: Env) -> None:
    enter_order(env)
    for where, camera in ((FAR_AWAY, "i30-exit"), (POLICE_HQ, "pd-lot")):
        result = env.safety.plate_read(FEED, plate_read("XYZ 789", at=where, camera=camera))
        assert result.outcome.kind is OutcomeKind.INFO
        assert result.incident is None
    assert [e.event.severity for e in env.events("watch.alert")] == [Severity.LOW] * 2  # type: ignore[attr-defined]
    assert env.open_incidents() == []
    assert env.outbox.recent() == []
    # A low alert is no reason to urge an escort at shift end.
    offer = env.safety.shift_end_offer(env.who("dana"))
    assert offer is not None
    assert offer.escort is EscortAdvice.OFFERED


def test_the_same_plate_within_the_dedupe_window_is_a_duplicate_without_an_incident(
    env: Env,
) -> None:
    enter_order(env)
    first = env.safety.plate_read(FEED, plate_read())
    env.at(4 * 60 * S)
    again = env.safety.plate_read(FEED, plate_read())
    assert again.outcome.kind is OutcomeKind.DUPLICATE
    assert again.incident is None
    assert len(env.open_incidents()) == 1
    assert len(env.events("watch.alert")) == 1
    # Another camera is another sighting; after the window the same camera alerts again.
    other = env.safety.plate_read(FEED, plate_read(camera="st1-door"))
    assert other.outcome.kind is OutcomeKind.ALERT
    env.at(5 * 60 * S)
    later = env.safety.plate_read(FEED, plate_read())
    assert later.outcome.kind is OutcomeKind.ALERT
    assert first.incident is not None
    assert later.incident is not None
    assert len({i.id for i in env.open_incidents()}) == 3


def test_the_longest_camera_device_and_zone_ids_still_raise_their_alerts(env: Env) -> None:
    device = "D" * 100  # the API's limits: 100 characters for a camera or device, 60 a zone
    zone = "Z" * 60
    enter_order(
        env,
        respondent=replace(order_for(env).respondent, devices=(device,)),
        zones=(StayAwayZone(zone, "Station One", *STATION_ONE, place="st-1"),),
    )
    read = env.safety.plate_read(FEED, plate_read(camera="C" * 100))
    assert read.incident is not None
    event = GpsEvent(kind=GpsEventKind.ZONE_ENTRY, device=device, at=T0, zone=zone)
    entered = env.safety.gps_event(FEED, event)
    assert entered.incident is not None
    fault = replace(event, kind=GpsEventKind.DEVICE_SEPARATION, zone="")
    assert env.safety.gps_event(FEED, fault).outcome.kind is OutcomeKind.DEGRADED
    assert any(n.alarm.startswith("degraded:po-1:DDD") for n in env.outbox.recent(limit=500))
    assert entered.incident.location.uncertainty_m == pytest.approx(304.8)
    for alerted in (r.event for r in env.events("watch.alert")):
        assert isinstance(alerted, WatchAlerted)
        assert alerted.incident_key is not None
        assert ("dana", "console") in reached(env, alerted.incident_key)
        on_timeline = [
            r.event
            for r in env.dispatch.incident_events(
                entered.incident.id if alerted.feed.value == "gps" else read.incident.id
            )
        ]
        assert alerted in on_timeline


def test_a_plate_on_no_order_is_nothing(env: Env) -> None:
    enter_order(env)
    result = env.safety.plate_read(FEED, plate_read("NOPE42"))
    assert result.outcome.kind is OutcomeKind.NO_MATCH
    assert env.events("watch.") == []


def test_a_monitor_entering_a_zone_raises_an_alert_at_the_device(env: Env) -> None:
    enter_order(env)
    event = GpsEvent(
        kind=GpsEventKind.ZONE_ENTRY,
        device="GPS-77",
        at=T0,
        position=Position(*STATION_ONE, uncertainty_m=10),
        zone="z-st1",
    )
    result = env.safety.gps_event(FEED, event)
    assert result.outcome.kind is OutcomeKind.ALERT
    incident = result.incident
    assert incident is not None
    assert incident.priority == 1
    assert incident.location.uncertainty_m == 10
    assert "Station One" in incident.location.text
    [alerted] = [r.event for r in env.events("watch.alert")]
    assert isinstance(alerted, WatchAlerted)
    assert alerted.incident_key is not None
    assert ("dana", "console") in reached(env, alerted.incident_key)
    # The same event again at once: a duplicate, no second incident.
    again = env.safety.gps_event(FEED, event)
    assert again.outcome.kind is OutcomeKind.DUPLICATE
    assert len(env.open_incidents()) == 1


def test_monitor_faults_degrade_protection_every_time_until_a_supervisor_restores_it(
    env: Env,
) -> None:
    enter_order(env)
    assert env.safety.shift_end_offer(env.who("dana")).escort is EscortAdvice.OFFERED  # type: ignore[union-attr]
    kinds = [GpsEventKind.TAMPER, GpsEventKind.TAMPER, GpsEventKind.BATTERY_LOW]
    kinds.append(GpsEventKind.SIGNAL_LOST)
    for i, kind in enumerate(kinds):
        env.at(i * S)
        result = env.safety.gps_event(FEED, GpsEvent(kind=kind, device="GPS-77", at=T0 + i * S))
        assert result.outcome.kind is OutcomeKind.DEGRADED, kind
        assert result.incident is None
    assert len(env.events("watch.degraded")) == 4  # never deduplicated
    [degraded] = env.safety.degraded()
    assert (degraded.order, degraded.cause) == ("po-1", GpsEventKind.SIGNAL_LOST)
    # Every fault reaches the protected dispatcher and the supervisor on shift.
    assert degraded_alerts(env, "sue") == 4
    assert degraded_alerts(env, "dana") == 4
    offer = env.safety.shift_end_offer(env.who("dana"))
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED
    assert offer.degraded == ("po-1",)
    for who in ("dave", "ada"):
        with pytest.raises(Forbidden):
            env.safety.restore_protection(env.who(who), "po-1", "vendor says it works")
    with pytest.raises(InvalidInput):
        env.safety.restore_protection(env.who("sue"), "po-1", " ")
    env.safety.restore_protection(env.who("sue"), "po-1", "vendor confirmed the device works")
    assert env.safety.degraded() == []
    assert env.safety.shift_end_offer(env.who("dana")).escort is EscortAdvice.OFFERED  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        env.safety.restore_protection(env.who("sue"), "po-1", "again")
    # The next fault is a new alarm: the supervisors hear of it again.
    env.at(3600 * S)
    env.safety.gps_event(
        FEED, GpsEvent(kind=GpsEventKind.SIGNAL_LOST, device="GPS-77", at=T0 + 3600 * S)
    )
    assert [d.order for d in env.safety.degraded()] == ["po-1"]
    assert degraded_alerts(env, "sue") == 5


def degraded_alerts(env: Env, name: str) -> int:
    """How many degraded-protection alarms reached this person's console."""
    return sum(
        1
        for n in env.outbox.recent(limit=1000)
        if n.alarm.startswith("degraded:po-1:GPS-77:")
        and (n.recipient.name, n.channel) == (name, ChannelKind.CONSOLE)
    )


def test_a_high_watch_alert_makes_the_shift_end_escort_strongly_recommended(env: Env) -> None:
    enter_order(env)
    assert env.safety.shift_end_offer(env.who("dave")) is None  # no order protects him
    env.safety.plate_read(FEED, plate_read())
    offer = env.safety.shift_end_offer(env.who("dana"))
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED
    assert offer.alerts == ("po-1",)
    assert offer.timer == timedelta(minutes=5)
    env.at(timedelta(hours=12, seconds=1))
    later = env.safety.shift_end_offer(env.who("dana"))
    assert later is not None
    assert later.escort is EscortAdvice.OFFERED


# -- offboarding ------------------------------------------------------------------------------


def test_a_no_entry_watch_linked_to_an_order_describes_him_as_the_order_does(env: Env) -> None:
    order = enter_order(env)
    mark = env.accounts.create_user("mark", roles=[Role.STAFF], display_name="Mark Whitfield")
    entry = NoEntry(
        photo_ref="photo:badge-17",
        vehicles=(Vehicle("ABC 1234", "AR", "Ford"), Vehicle("NEW-1", "AR", "Kia")),
        linked_order=order.id,
    )
    watch = env.safety.no_entry_watch(env.who("ada"), mark, entry)
    r = watch.respondent
    assert (r.name, r.descriptors, r.photo_ref) == (
        "Mark Whitfield",
        order.respondent.descriptors,
        "photo:badge-17",
    )
    assert [v.plate for v in r.vehicles] == ["ABC 1234", "NEW-1", "XYZ789"]
    assert r.phones == (RESPONDENT_PHONE,)
    assert r.devices == ()  # the court order's monitor alerts through the court order
    assert watch.staff_users == (env.uid("dana"),)
    assert {z.place for z in watch.zones} == {"st-1", "st-2"}  # EMS stations, not police
    result = env.safety.plate_read(FEED, plate_read("XYZ789", at=STATION_TWO))
    assert set(result.outcome.orders) == {order.id, watch.id}
    assert result.incident is not None
    for caution in (
        *order_cautions(result.incident, order.id),
        *order_cautions(result.incident, watch.id),
    ):
        assert "5 ft 11 in" in caution.text


def test_a_no_entry_watch_alone_alerts_the_supervisors_at_every_station(env: Env) -> None:
    mark = env.accounts.create_user("mark", roles=[Role.STAFF], display_name="Mark Whitfield")
    env.safety.save_staff_record(
        env.who("sue"),
        StaffRecord(
            user=mark.id, name="Mark Whitfield", mobile_phone="501-555-0199", schedule=on_shift(T0)
        ),
        expected_version=0,
    )
    env.safety.end_schedule(env.who("ada"), mark.id)
    assert env.safety.staff_record(mark.id)[0].schedule == ()
    watch = env.safety.no_entry_watch(
        env.who("ada"), mark, NoEntry(vehicles=(Vehicle("MW-2", "AR"),))
    )
    assert watch.court == "Agency (not a court order)"
    assert watch.respondent.phones == ("501-555-0199",)
    assert order_cautions(call(env, caller=Caller(name="Anon", phone="+15015550199")), watch.id)
    result = env.safety.plate_read(FEED, plate_read("MW2", at=STATION_TWO))
    assert result.outcome.kind is OutcomeKind.ALERT
    [alerted] = [r.event for r in env.events("watch.alert")]
    assert isinstance(alerted, WatchAlerted)
    assert alerted.incident_key is not None
    assert {name for name, _ in reached(env, alerted.incident_key)} == {"sue"}


# -- staff SOS -----------------------------------------------------------------------------------


def raise_sos(env: Env, who: str = "dana", position: Position | None = None, **kwargs: Any) -> Sos:
    answer = env.safety.raise_sos(
        env.who(who),
        staff_user=env.uid(who),
        source=SosSource.APP,
        position=position or Position(*STATION_ONE, uncertainty_m=18),
        **kwargs,
    )
    return answer.sos


def test_an_sos_opens_a_priority_one_incident_at_the_phone_with_the_order_on_it(
    env: Env,
) -> None:
    enter_order(env)
    env.wakes.clear()
    answer = env.safety.raise_sos(
        env.who("dana"),
        staff_user=env.uid("dana"),
        source=SosSource.APP,
        position=Position(*STATION_ONE, uncertainty_m=18),
    )
    assert answer.message
    assert answer.reply.value == "confirm"
    incident = answer.incident
    assert incident is not None
    assert answer.sos.incident == incident.id  # linked
    assert (incident.priority, incident.chief_complaint, incident.source) == (
        1,
        "staff_sos",
        Source.STAFF_SOS,
    )
    assert (incident.location.lon, incident.location.lat) == STATION_ONE
    assert incident.location.uncertainty_m == 18
    assert "(±18 m)" in incident.location.text
    assert incident.caller.phone == ""  # she is confidential: her number is not on it
    assert [(p.name, p.role) for p in incident.persons] == [
        ("Dana Whitfield", PersonRole.VICTIM),
        ("Mark Whitfield", PersonRole.SUSPECT),
    ]
    assert any("ABC-1234" in c.text for c in order_cautions(incident))
    assert answer.sos.level == 0
    # Step 0: every console, and the dispatchers; never Dana, though she is a dispatcher.
    assert reached(env, answer.sos.key) == Counter(
        {
            ("every console", "console"): 1,
            ("dave", "console"): 1,
            ("dave", "sms"): 1,
            ("dave", "email"): 1,
        }
    )
    assert env.wakes == [1]
    assert env.safety.alarm(answer.sos.key) == answer.sos


def test_the_respondents_description_stays_on_an_alarms_incident_when_it_is_edited(
    env: Env,
) -> None:
    enter_order(env)
    sos = raise_sos(env)
    watch = env.safety.plate_read(FEED, plate_read()).incident
    assert watch is not None
    for incident_id in (sos.incident, watch.id):
        assert incident_id is not None
        edited = env.dispatch.update_incident(
            "dave", incident_id, caller=Caller(name="Dave Dispatcher", phone="+15015550150")
        )
        [caution] = order_cautions(edited)
        assert caution.severity is Severity.HIGH
        assert "Mark Whitfield" in caution.text
        assert "ABC-1234 (black Ford F-150)" in caution.text
    # An ordinary call naming him only as the caller gets the plain caution.
    [plain] = order_cautions(call(env, caller=Caller(name="Mark Whitfield")))
    assert "F-150" not in plain.text


def test_an_sos_without_a_usable_location_still_opens_an_incident(env: Env) -> None:
    answer = env.safety.raise_sos(
        env.who("sam"),
        staff_user=env.uid("sam"),
        source=SosSource.APP,
        position=Position(lon=500.0, lat=34.0, uncertainty_m=5),
    )
    assert answer.incident is not None
    assert answer.incident.location.lon is None
    assert "location unknown" in answer.incident.location.text
    assert answer.incident.caller.phone == "+15015550160"  # not confidential
    assert answer.incident.cautions == ()  # no order protects Sam


def test_the_sos_ladder_climbs_to_supervisors_at_60_s_and_everyone_on_duty_at_120_s(
    env: Env,
) -> None:
    sos = raise_sos(env)
    env.at(59 * S)
    assert env.safety.tick() == 0
    env.at(60 * S)
    assert env.safety.tick() == 1
    assert env.safety.alarm(sos.key).level == 1  # type: ignore[union-attr]
    # The supervisor on shift; Sid is off shift.
    assert reached(env, sos.key, 1) == Counter({("sue", "console"): 1, ("sue", "email"): 1})
    env.at(120 * S)
    assert env.safety.tick() == 1
    assert {name for name, _ in reached(env, sos.key, 2)} == {"dave", "sue", "cal", "sam"}
    env.at(3600 * S)
    assert env.safety.tick() == 0  # the top of the ladder
    assert env.safety.alarm(sos.key).level == 2  # type: ignore[union-attr]


def test_a_late_ticker_sends_every_step_that_fell_due_at_once(env: Env) -> None:
    sos = raise_sos(env)
    env.at(300 * S)
    assert env.safety.tick() == 2
    steps = [r.event for r in env.events("sos.escalated")]
    assert [(e.level, e.at) for e in steps] == [  # type: ignore[attr-defined]
        (0, T0),
        (1, T0 + 60 * S),
        (2, T0 + 120 * S),
    ]
    assert reached(env, sos.key, 1)
    assert reached(env, sos.key, 2)


def test_a_person_acknowledging_stops_the_ladder_and_a_system_ack_does_not(env: Env) -> None:
    sos = raise_sos(env)
    env.at(10 * S)
    after_system = env.safety.acknowledge(env.who("dave", human=False), sos.key)
    assert isinstance(after_system, Sos)
    assert after_system.phase is SosPhase.ACTIVE
    assert after_system.system_acks == 1
    pending = [n for n in notes(env, sos.key) if n.status is Status.PENDING]
    assert pending  # a delivery receipt cancels nothing
    env.at(60 * S)
    assert env.safety.tick() == 1  # it climbed
    env.at(70 * S)
    acked = env.safety.acknowledge(env.who("dave"), sos.key)
    assert isinstance(acked, Sos)
    assert (acked.phase, acked.acknowledged_by, acked.acknowledged_at) == (
        SosPhase.ACKNOWLEDGED,
        env.uid("dave"),
        T0 + 70 * S,
    )
    assert acked.open  # acknowledging does not end it
    for n in notes(env, sos.key):
        assert n.status is Status.CANCELLED  # none was sent yet: nobody else need be woken
        assert n.acknowledged_by == "dave"
    env.at(3600 * S)
    assert env.safety.tick() == 0
    assert env.safety.alarm(sos.key).level == 1  # type: ignore[union-attr]
    # A second acknowledgement changes nothing.
    again = env.safety.acknowledge(env.who("sue"), sos.key)
    assert isinstance(again, Sos)
    assert again.acknowledged_by == env.uid("dave")


def test_the_raiser_can_neither_acknowledge_nor_clear_their_own_sos(env: Env) -> None:
    sos = raise_sos(env)
    with pytest.raises(Forbidden):
        env.safety.acknowledge(env.who("dana"), sos.key)
    env.safety.acknowledge(env.who("dave"), sos.key)
    with pytest.raises(Forbidden):
        env.safety.clear(env.who("dana"), sos.key, "it was a mistake")
    # Even as a supervisor she could not (someone may be standing over her).
    with pytest.raises(Forbidden):
        env.safety.clear(
            Who(name="dana", user=env.uid("dana"), roles=frozenset({Role.SUPERVISOR})),
            sos.key,
            "it was a mistake",
        )
    assert env.safety.alarm(sos.key).open


def test_clearing_needs_a_supervisor_or_the_acknowledger_and_a_reason(env: Env) -> None:
    sos = raise_sos(env)
    for who in ("cal", "ada", "sam"):
        with pytest.raises(Forbidden):
            env.safety.clear(env.who(who), sos.key, "all fine")
    with pytest.raises(Forbidden):  # admins manage the system, not emergencies
        env.safety.acknowledge(env.who("ada"), sos.key)
    env.safety.acknowledge(env.who("cal"), sos.key)
    with pytest.raises(Forbidden):
        env.safety.clear(env.who("dave"), sos.key, "all fine")  # he did not acknowledge it
    with pytest.raises(InvalidInput):
        env.safety.clear(env.who("cal"), sos.key, "  ")
    cleared = env.safety.clear(env.who("cal"), sos.key, "police with her, she is safe")
    assert isinstance(cleared, Sos)
    assert (cleared.phase, cleared.cleared_by, cleared.clear_reason) == (
        SosPhase.CLEARED,
        env.uid("cal"),
        "police with her, she is safe",
    )
    assert env.safety.alarms() == []
    with pytest.raises(Conflict):
        env.safety.clear(env.who("sue"), sos.key, "again")
    # A supervisor may clear one nobody acknowledged.
    other = raise_sos(env, "sam")
    assert env.safety.clear(env.who("sue"), other.key, "false alarm, spoke to him").open is False


def test_a_second_press_updates_the_open_sos_rather_than_raising_another(env: Env) -> None:
    first = env.safety.raise_sos(
        env.who("dana"),
        staff_user=env.uid("dana"),
        source=SosSource.APP,
        position=Position(*STATION_ONE, uncertainty_m=40),
    )
    moved = Position(STATION_ONE[0] + 0.001, STATION_ONE[1], uncertainty_m=8)
    env.at(5 * S)
    second = env.safety.raise_sos(
        env.who("dana"), staff_user=env.uid("dana"), source=SosSource.APP, position=moved
    )
    assert second.sos.id == first.sos.id
    assert second.sos.position == moved
    assert second.incident is not None
    assert first.incident is not None
    assert second.incident.id == first.incident.id
    assert len(env.open_incidents()) == 1
    assert len(env.events("sos.raised")) == 1
    assert len(env.events("sos.location_updated")) == 1
    # Only the raiser's device moves it.
    with pytest.raises(Forbidden):
        env.safety.update_sos_location(env.who("dave"), first.sos.id, moved)


def test_a_retried_tick_or_a_second_ticker_creates_no_duplicates(env: Env) -> None:
    raise_sos(env)
    checkin = env.safety.start_checkin(env.who("sam"), duration=timedelta(minutes=1))
    env.at(timedelta(minutes=5))
    first = env.safety.tick()
    assert first > 0
    assert env.safety.tick() == 0
    assert env.safety.tick() == 0
    incidents = env.open_incidents()
    assert sorted(i.chief_complaint for i in incidents) == ["staff_sos", "welfare_check"]
    assert env.safety.alarm(checkin.key).incident is not None  # type: ignore[union-attr]
    assert len(env.events("checkin.missed")) == 1


# -- check-in timers ---------------------------------------------------------------------------


def test_a_missed_check_in_raises_a_welfare_incident_and_climbs_the_ladder(env: Env) -> None:
    enter_order(env)
    started = env.safety.start_checkin(
        env.who("dana"),
        duration=timedelta(minutes=5),
        note="walking to my car",
        position=Position(*STATION_ONE, uncertainty_m=12),
    )
    with pytest.raises(Conflict):  # one timer at a time
        env.safety.start_checkin(env.who("dana"), duration=timedelta(minutes=5))
    env.at(timedelta(minutes=6) - S)  # the deadline, plus not quite the grace
    assert env.safety.tick() == 0
    env.at(timedelta(minutes=6))
    assert env.safety.tick() == 2  # missed, then the ladder's first step
    c = env.safety.alarm(started.key)
    assert c.phase is CheckInPhase.MISSED  # type: ignore[union-attr]
    incident = env.dispatch.incident(c.incident)  # type: ignore[union-attr, arg-type]
    assert (incident.chief_complaint, incident.priority) == ("welfare_check", 1)
    assert (incident.location.lon, incident.location.lat) == STATION_ONE
    assert [p.role for p in incident.persons] == [PersonRole.VICTIM, PersonRole.SUSPECT]
    assert "walking to my car" in incident.notes[0].text
    assert {name for name, _ in reached(env, started.key, 0)} == {"every console", "dave"}
    env.at(timedelta(minutes=7))
    assert env.safety.tick() == 1
    assert reached(env, started.key, 1) == Counter({("sue", "console"): 1, ("sue", "email"): 1})
    with pytest.raises(Conflict):  # a missed timer can no longer be cancelled
        env.safety.cancel_checkin(env.who("dana"), started.id)


def test_a_missed_check_in_of_staff_no_order_protects_is_priority_two(env: Env) -> None:
    started = env.safety.start_checkin(env.who("sam"), duration=timedelta(minutes=1))
    env.at(timedelta(minutes=2))
    env.safety.tick()
    incident = env.dispatch.incident(env.safety.alarm(started.key).incident)  # type: ignore[union-attr, arg-type]
    assert incident.priority == 2
    assert incident.location.lon is None  # no location given: the dispatcher must find him


def test_a_safe_check_in_on_time_ends_the_timer_with_no_alert(env: Env) -> None:
    started = env.safety.start_checkin(env.who("sam"), duration=timedelta(minutes=5))
    extended = env.safety.extend_checkin(env.who("sam"), started.id, timedelta(minutes=5))
    assert extended.deadline == T0 + timedelta(minutes=10)
    with pytest.raises(Forbidden):  # only the owner
        env.safety.check_in_safe(env.who("dave"), started.id)
    env.at(timedelta(minutes=10, seconds=30))  # late, but inside the grace
    safe = env.safety.check_in_safe(env.who("sam"), started.id)
    assert safe.phase is CheckInPhase.SAFE
    env.at(timedelta(hours=1))
    assert env.safety.tick() == 0
    assert env.open_incidents() == []
    assert env.outbox.recent() == []


def test_a_late_safe_stops_the_escalation_but_the_alert_stays_until_resolved(
    env: Env,
) -> None:
    started = env.safety.start_checkin(env.who("sam"), duration=timedelta(minutes=1))
    env.at(timedelta(minutes=2))
    env.safety.tick()
    env.at(timedelta(minutes=2, seconds=30))
    late = env.safety.check_in_safe(env.who("sam"), started.id)
    assert late.phase is CheckInPhase.MISSED
    assert late.safe_at is not None
    assert late.open
    env.at(timedelta(hours=1))
    assert env.safety.tick() == 0  # no more steps
    assert env.safety.alarm(started.key).level == 0  # type: ignore[union-attr]
    with pytest.raises(Forbidden):  # not his to resolve
        env.safety.clear(env.who("sam"), started.key, "I am fine")
    with pytest.raises(Forbidden):  # a dispatcher who did not acknowledge it
        env.safety.clear(env.who("dave"), started.key, "spoke to him")
    env.safety.acknowledge(env.who("dave"), started.key)
    resolved = env.safety.clear(env.who("dave"), started.key, "spoke to him, he is home")
    assert resolved.phase is CheckInPhase.RESOLVED  # type: ignore[union-attr]
    assert not resolved.open


def test_the_duress_pin_at_check_in_raises_a_silent_sos_at_the_timers_position(
    env: Env,
) -> None:
    enter_order(env)
    with pytest.raises(InvalidInput):
        env.safety.set_duress_pin(env.who("dana"), "12a4")
    env.safety.set_duress_pin(env.who("dana"), "4711")
    assert env.safety.is_duress_pin(env.uid("dana"), "4711")
    assert not env.safety.is_duress_pin(env.uid("dana"), "4712")
    assert not env.safety.is_duress_pin(env.uid("dave"), "4711")
    where = Position(*STATION_ONE, uncertainty_m=15)
    started = env.safety.start_checkin(
        env.who("dana"), duration=timedelta(minutes=5), position=where
    )
    env.at(30 * S)
    safe = env.safety.check_in_safe(env.who("dana"), started.id, duress=True)
    assert safe.phase is CheckInPhase.SAFE  # what her screen shows: a normal check-in
    [sos] = [a for a in env.safety.alarms() if isinstance(a, Sos)]
    assert sos.silent
    assert sos.source is SosSource.DURESS_PIN
    assert sos.position == where
    assert env.safety.my_alarms(env.who("dana")) == []
    incident = env.dispatch.incident(sos.incident)  # type: ignore[arg-type]
    assert incident.priority == 1
    assert incident.cautions[0].kind == "silent-duress"
    assert any("Mark Whitfield" in c.text for c in order_cautions(incident))
    assert ("dana", "console") not in reached(env, sos.key)
    assert all("SILENT DURESS" in n.body for n in notes(env, sos.key))
    # Her ordinary alarms are still hers to see.
    escort = env.safety.request_escort(env.who("dana"), place="Station One, back door")
    assert [a.id for a in env.safety.my_alarms(env.who("dana"))] == [escort.id]


def test_a_duress_sign_in_raises_a_silent_sos_without_a_location(env: Env) -> None:
    env.safety.duress_sign_in(env.uid("dana"))
    [sos] = env.safety.alarms()
    assert isinstance(sos, Sos)
    assert sos.silent
    assert sos.position is None
    # A second duress sign-in while it is open raises no second one.
    env.safety.duress_sign_in(env.uid("dana"))
    assert len(env.safety.alarms()) == 1
    assert len(env.open_incidents()) == 1


# -- SOS texts -----------------------------------------------------------------------------------


def text(sender: str, body: str = "SOS", *, line: str = "sos", sid: str = "SM1") -> InboundText:
    return InboundText(
        provider=Provider.TWILIO,
        message_id=sid,
        from_number=sender,
        to_number=LINES[line],
        body=body,
        media=(),
        received_at=T0,
    )


def test_an_sos_text_from_a_staff_phone_raises_their_sos_with_the_thread_attached(
    env: Env,
) -> None:
    enter_order(env)
    received = env.intake.receive_text(text("+15015550142"), line="sos")
    [sos] = env.safety.alarms()
    assert isinstance(sos, Sos)
    assert (sos.staff_user, sos.source, sos.silent) == (env.uid("dana"), SosSource.SMS, False)
    assert sos.incident is not None
    assert received.thread.incident == sos.incident
    assert env.intake.thread(received.thread.id).incident == sos.incident
    incident = env.dispatch.incident(sos.incident)
    assert incident.chief_complaint == "staff_sos"
    assert reached(env, sos.key, 0)[("dave", "console")] == 1
    # The provider delivering the same text again raises nothing new.
    env.intake.receive_text(text("+15015550142"), line="sos")
    assert len(env.events("sos.raised")) == 1
    # Another SOS text while it is open: the same alarm.
    env.intake.receive_text(text("+15015550142", "sos still here", sid="SM2"), line="sos")
    assert len(env.safety.alarms()) == 1
    assert len(env.open_incidents()) == 1


def test_an_sos_text_from_an_unknown_number_opens_a_priority_one_incident_with_the_thread(
    env: Env,
) -> None:
    received = env.intake.receive_text(text("+15015550177", "help me"), line="sos")
    assert env.safety.alarms() == []
    [incident] = env.open_incidents()
    assert (incident.priority, incident.chief_complaint, incident.source) == (
        1,
        "staff_sos",
        Source.TEXT,
    )
    assert incident.caller.phone == "+15015550177"
    assert received.thread.incident == incident.id
    env.intake.receive_text(text("+15015550177", "sos", sid="SM2"), line="sos")
    assert len(env.open_incidents()) == 1  # the same thread, the same incident
    # Closed, then the same number in trouble again: a new incident, with the thread.
    env.dispatch.close_incident("dave", incident.id, Disposition(code="false_alarm"))
    env.at(timedelta(days=2))
    again = env.intake.receive_text(text("+15015550177", "SOS", sid="SM3"), line="sos")
    [second] = env.open_incidents()
    assert second.id != incident.id
    assert (second.priority, second.chief_complaint) == (1, "staff_sos")
    assert again.thread.incident == second.id


def test_an_sos_keyword_on_another_line_raises_nothing(env: Env) -> None:
    env.intake.receive_text(text("+15015550142", line="main"), line="main")
    assert env.safety.alarms() == []
    assert env.open_incidents() == []
    env.intake.receive_text(text("+15015550142", "on my way home", sid="SM2"), line="sos")
    assert env.safety.alarms() == []


# -- escorts -----------------------------------------------------------------------------------


def test_an_escort_request_reaches_dispatchers_and_supervisors_then_everyone(env: Env) -> None:
    escort = env.safety.request_escort(
        env.who("dana"), place="Station One, back door", note="he was seen"
    )
    key = f"escort:{escort.id}"
    assert {name for name, _ in reached(env, key, 0)} == {"dave", "sue"}
    env.at(timedelta(minutes=5))
    assert env.safety.tick() == 1
    assert {name for name, _ in reached(env, key, 1)} == {"dave", "sue", "cal", "sam"}
    with pytest.raises(Forbidden):
        env.safety.acknowledge(env.who("dana"), key)
    accepted = env.safety.acknowledge(env.who("dave"), key)
    assert accepted.accepted_by == env.uid("dave")  # type: ignore[union-attr]
    done = env.safety.clear(env.who("dave"), key, "")
    assert not done.open


# -- who the alerts reach ----------------------------------------------------------------------


def test_a_role_step_reaches_every_holder_when_nobody_holding_it_is_scheduled(env: Env) -> None:
    env.at(timedelta(days=3))  # every shift is over
    sos = raise_sos(env)
    env.at(timedelta(days=3, seconds=60))
    env.safety.tick()
    assert {name for name, _ in reached(env, sos.key, 1)} == {"sue", "sid"}
    env.at(timedelta(days=3, seconds=120))
    env.safety.tick()
    # Nobody is scheduled: everyone at a console or on staff, never the raiser or the admin.
    assert {name for name, _ in reached(env, sos.key, 2)} == {"dave", "sue", "sid", "cal", "sam"}


def test_a_disabled_user_is_never_alerted(env: Env) -> None:
    env.accounts.set_disabled("dave", True, by="ada")
    sos = raise_sos(env, "sam")
    assert {name for name, _ in reached(env, sos.key, 0)} == {"every console", "dana"}


def test_a_mistyped_email_or_phone_drops_that_channel_only(env: Env) -> None:
    record, version = env.safety.staff_record(env.uid("dave"))
    env.safety.save_staff_record(
        env.who("sue"),
        replace(record, email="dave at example dot org", mobile_phone="12"),
        expected_version=version,
    )
    sos = raise_sos(env)
    assert reached(env, sos.key, 0) == Counter(
        {("every console", "console"): 1, ("dave", "console"): 1}
    )


# -- a property: the ladder only climbs, never past its top, and stops at a person's ack ---------


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ticks=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8),
    ack_at=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_the_sos_ladder_never_goes_backwards_or_past_its_top_and_stops_at_an_ack(
    env: Env, ticks: list[int], ack_at: int | None
) -> None:
    start = env.clock.now()
    sos = raise_sos(env)
    seen = [0]
    acked = False
    moments = sorted({*ticks, *([ack_at] if ack_at is not None else [])})
    last_tick_before_ack = 0
    for t in moments:
        env.clock.set(start + t * S)
        if t == ack_at:
            env.safety.acknowledge(env.who("dave"), sos.key)
            acked = True
        if t in ticks:
            env.safety.tick()
            if not acked:
                last_tick_before_ack = t
        level = env.safety.alarm(sos.key).level  # type: ignore[union-attr]
        assert seen[-1] <= level <= DEFAULT_LADDER.top
        seen.append(level)
    expected = max(
        i for i, step in enumerate(DEFAULT_LADDER.steps) if step.after <= last_tick_before_ack * S
    )
    assert seen[-1] == expected
    steps = [
        r.event
        for r in env.dispatch.events_after(0)
        if isinstance(r.event, SosEscalated) and r.event.sos == sos.id
    ]
    assert [e.level for e in steps] == list(range(expected + 1))  # each step once, in order
    # Ready for the next example: the alarm is cleared, the clock moves on.
    env.safety.clear(env.who("sue"), sos.key, "property test")
    env.clock.advance(timedelta(hours=1))


def test_every_step_of_the_ladder_is_one_notification_per_person_and_channel(
    env: Env,
) -> None:
    sos = raise_sos(env)
    env.at(timedelta(minutes=10))
    env.safety.tick()
    env.safety.tick()
    keys = [n.dedupe_key for n in notes(env, sos.key)]
    assert len(keys) == len(set(keys))
    assert {k.split("|")[1] for k in keys} == {"0", "1", "2"}


def test_the_system_actor_is_not_a_person(env: Env) -> None:
    sos = raise_sos(env)
    after = env.safety.acknowledge(SYSTEM_WHO, sos.key)
    assert isinstance(after, Sos)
    assert after.phase is SosPhase.ACTIVE
    with pytest.raises(Forbidden):
        env.safety.clear(SYSTEM_WHO, sos.key, "automatic")
