"""Watch feeds: plate reads and monitoring events assessed against active orders."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import Conflict, Forbidden, InvalidInput
from emscad.incidents.models import Confidence, PersonRole, Severity, Source
from emscad.safety.events import (
    Feed,
    ProtectionDegraded,
    ProtectionRestored,
    WatchAcknowledged,
    WatchAlerted,
)
from emscad.safety.feeds import GpsEvent, GpsEventKind, PlateRead
from emscad.safety.models import SUPERVISORS, Position, Target
from emscad.safety.orders import StayAwayZone
from emscad.safety.watch import (
    DEFAULT_DEDUPE_WINDOW,
    OutcomeKind,
    WatchLog,
    acknowledge_alert,
    apply_watch,
    assess,
    restore_protection,
)
from tests.unit.safety.factories import (
    ADMIN,
    DANA,
    FAR_AWAY,
    HOME,
    STATION_ONE,
    SUPERVISOR,
    SYSTEM,
    T0,
    order,
    protected,
    rec,
)

LOT = Position(STATION_ONE.lon + 0.0005, STATION_ONE.lat)  # about 46 m east: the staff lot
PLACES = [STATION_ONE]


def read(plate: str = "abc 1234", *, at: Position = LOT, state: str = "AR") -> PlateRead:
    return PlateRead(
        plate=plate,
        state=state,
        camera="cam-lot",
        position=at,
        at=T0,
        confidence=0.97,
        image="img:991",
    )


def gps(kind: GpsEventKind, **changes: object) -> GpsEvent:
    return replace(GpsEvent(kind=kind, device="GPS-77", at=T0), **changes)  # type: ignore[arg-type]


# -- plate reads -------------------------------------------------------------------------------


def test_a_plate_read_in_a_zone_is_a_high_alert_with_an_incident() -> None:
    out = assess(read(), [order()], PLACES, T0)
    assert out.kind is OutcomeKind.ALERT
    assert out.key == "plate:ABC1234:cam-lot"
    (alert,) = out.alerts
    assert alert.severity is Severity.HIGH
    assert alert.targets == (Target.user(DANA), SUPERVISORS)
    assert alert.respondent.startswith("Marcus Reed")
    assert [v.plate for v in alert.vehicles] == ["ABC-1234", "XYZ 789"]
    assert alert.photo_ref == "photo:po-1"
    assert "stay-away zone 'Station One'" in alert.reason
    req = out.incident
    assert req is not None
    assert (req.source, req.complaint, req.priority) == (Source.WATCH, "watch_alert", 1)
    assert (req.location.lon, req.location.lat) == (LOT.lon, LOT.lat)
    assert req.location.confidence is Confidence.COORDINATES
    assert req.location.text == "Plate reader cam-lot at Station One"
    assert req.persons[0].role is PersonRole.SUSPECT
    assert "Marcus Reed" in req.cautions[0].text
    assert "Police response" in req.note
    assert "image img:991" in req.note
    assert "Verify with the court or NCIC" in req.note
    (event,) = out.events
    assert isinstance(event, WatchAlerted)
    assert (event.order, event.severity, event.feed) == ("po-1", Severity.HIGH, Feed.PLATE)
    assert event.incident_key == req.key


def test_a_residence_zone_is_never_named_in_the_incident() -> None:
    out = assess(read(at=Position(*HOME)), [order()], PLACES, T0)
    assert out.kind is OutcomeKind.ALERT
    assert out.incident is not None
    assert out.incident.location.text == "Plate reader cam-lot"
    assert "Her home" not in out.incident.note


def test_a_plate_read_elsewhere_is_informational() -> None:
    out = assess(read(at=Position(*FAR_AWAY)), [order()], PLACES, T0)
    assert out.kind is OutcomeKind.INFO
    assert out.incident is None
    (alert,) = out.alerts
    assert alert.severity is Severity.LOW
    assert "outside every stay-away zone" in alert.reason
    (event,) = out.events
    assert isinstance(event, WatchAlerted)
    assert event.incident_key is None


def test_unknown_plates_and_other_states_do_not_alert() -> None:
    assert assess(read("QQQ111"), [order()], PLACES, T0).kind is OutcomeKind.NO_MATCH
    assert assess(read(state="TX"), [order()], PLACES, T0).kind is OutcomeKind.NO_MATCH
    assert assess(read(state=""), [order()], PLACES, T0).kind is OutcomeKind.ALERT


def test_expired_order_stops_alerting_on_plates() -> None:
    expired = order(expires=T0 - timedelta(days=1))
    out = assess(read(), [expired], PLACES, T0)
    assert out.kind is OutcomeKind.NO_MATCH
    assert out.events == ()


def test_one_plate_on_two_orders_makes_one_incident() -> None:
    other = order(id="po-2", protected=(protected(staff_user="u-kim", name="Kim Lane"),))
    out = assess(read(), [order(), other], PLACES, T0)
    assert [a.order for a in out.alerts] == ["po-1", "po-2"]
    assert out.reason == "2 orders list this plate"
    assert out.incident is not None
    assert len(out.incident.cautions) == 2
    assert "po-1, po-2" in out.incident.note


def test_repeated_reads_at_one_camera_alert_once_per_window() -> None:
    first = assess(read(), [order()], PLACES, T0)
    log = WatchLog()
    for e in first.events:
        log = apply_watch(log, rec(e))
    again = assess(read(), [order()], PLACES, T0 + timedelta(minutes=4), recent=log.last_alert)
    assert again.kind is OutcomeKind.DUPLICATE
    assert again.orders == ("po-1",)
    assert again.events == ()
    later = T0 + DEFAULT_DEDUPE_WINDOW
    assert assess(read(), [order()], PLACES, later, recent=log.last_alert).kind is OutcomeKind.ALERT
    other_camera = replace(read(), camera="cam-gate")
    out = assess(other_camera, [order()], PLACES, T0, recent=log.last_alert)
    assert out.kind is OutcomeKind.ALERT


@given(st.integers(min_value=0, max_value=3600))
def test_deduplication_follows_the_injected_clock(seconds: int) -> None:
    recent = {"plate:ABC1234:cam-lot": T0}
    now = T0 + timedelta(seconds=seconds)
    out = assess(read(), [order()], PLACES, now, recent=recent)
    expected = OutcomeKind.DUPLICATE if seconds < 300 else OutcomeKind.ALERT
    assert out.kind is expected


def test_malformed_reads_are_refused() -> None:
    with pytest.raises(InvalidInput, match="confidence"):
        assess(replace(read(), confidence=1.5), [order()], PLACES, T0)
    with pytest.raises(InvalidInput, match="a plate read needs a plate"):
        assess(read("--"), [order()], PLACES, T0)
    with pytest.raises(InvalidInput, match="the camera id is required"):
        assess(replace(read(), camera=""), [order()], PLACES, T0)
    with pytest.raises(InvalidInput, match="the camera position"):
        assess(read(at=Position(0, 95)), [order()], PLACES, T0)


# -- offender monitoring -----------------------------------------------------------------------


def test_a_zone_entry_is_a_high_alert_at_the_device_position() -> None:
    ev = gps(GpsEventKind.ZONE_ENTRY, position=Position(*HOME, 8.0), zone="z-home")
    out = assess(ev, [order()], PLACES, T0)
    assert out.kind is OutcomeKind.ALERT
    (alert,) = out.alerts
    assert "entered stay-away zone 'Her home'" in alert.reason
    assert out.incident is not None
    loc = out.incident.location
    assert (loc.lon, loc.lat, loc.uncertainty_m) == (*HOME, 8.0)
    assert loc.text == "Offender monitor GPS-77"
    (event,) = out.events
    assert isinstance(event, WatchAlerted)
    assert event.feed is Feed.GPS


def test_a_zone_entry_without_a_position_uses_the_zone() -> None:
    out = assess(gps(GpsEventKind.ZONE_ENTRY, zone="z-st1"), [order()], PLACES, T0)
    assert out.incident is not None
    loc = out.incident.location
    assert (loc.lon, loc.lat) == (STATION_ONE.lon, STATION_ONE.lat)
    assert loc.uncertainty_m == pytest.approx(304.8)
    assert loc.text == "Stay-away zone at Station One (monitor sent no position)"


def test_a_proximity_alert_without_any_position_asks_for_the_vendor() -> None:
    out = assess(gps(GpsEventKind.PROXIMITY), [order()], PLACES, T0)
    assert out.kind is OutcomeKind.ALERT
    assert out.incident is not None
    assert not out.incident.location.has_point
    assert "call the vendor" in out.incident.location.text
    assert "is near the protected person" in out.reason


def test_a_zone_exit_is_informational() -> None:
    out = assess(gps(GpsEventKind.ZONE_EXIT, zone="z-home"), [order()], PLACES, T0)
    assert out.kind is OutcomeKind.INFO
    assert out.incident is None
    assert out.alerts[0].severity is Severity.LOW


@pytest.mark.parametrize(
    "kind",
    [
        GpsEventKind.TAMPER,
        GpsEventKind.BATTERY_LOW,
        GpsEventKind.SIGNAL_LOST,
        GpsEventKind.DEVICE_SEPARATION,
    ],
)
def test_monitor_faults_degrade_protection_and_are_never_deduplicated(kind: GpsEventKind) -> None:
    ev = gps(kind)
    recent = {f"gps:GPS-77:{kind.value}:": T0}
    out = assess(ev, [order()], PLACES, T0, recent=recent)
    assert out.kind is OutcomeKind.DEGRADED
    assert "Protection degraded" in out.reason
    (event,) = out.events
    assert isinstance(event, ProtectionDegraded)
    assert event.cause is kind
    assert out.alerts[0].targets == (Target.user(DANA), SUPERVISORS)


def test_unknown_devices_and_expired_orders_do_not_alert() -> None:
    assert assess(gps(GpsEventKind.ZONE_ENTRY, device="GPS-1"), [order()], PLACES, T0).kind is (
        OutcomeKind.NO_MATCH
    )
    expired = order(expires=T0)
    assert assess(gps(GpsEventKind.TAMPER), [expired], PLACES, T0).kind is OutcomeKind.NO_MATCH


def test_repeated_zone_entries_are_deduplicated() -> None:
    recent = {"gps:GPS-77:zone_entry:z-home": T0 - timedelta(minutes=1)}
    out = assess(gps(GpsEventKind.ZONE_ENTRY, zone="z-home"), [order()], PLACES, T0, recent=recent)
    assert out.kind is OutcomeKind.DUPLICATE


def test_malformed_monitoring_events_are_refused() -> None:
    with pytest.raises(InvalidInput, match="the device id is required"):
        assess(gps(GpsEventKind.TAMPER, device=""), [order()], PLACES, T0)
    with pytest.raises(InvalidInput, match="the device position"):
        assess(gps(GpsEventKind.TAMPER, position=Position(200, 0)), [order()], PLACES, T0)


def test_a_zone_the_order_does_not_know_is_not_named() -> None:
    zone = StayAwayZone("z-x", "X", *FAR_AWAY)
    o = order(zones=(zone,))
    out = assess(gps(GpsEventKind.ZONE_ENTRY, zone="vendor-9"), [o], [], T0)
    assert "entered stay-away zone at" in out.reason


# -- the watch log -----------------------------------------------------------------------------


def test_the_log_keeps_last_alerts_and_open_degradations() -> None:
    log = WatchLog()
    for e in assess(read(), [order()], PLACES, T0).events:
        log = apply_watch(log, rec(e))
    for e in assess(read(at=Position(*FAR_AWAY)), [order()], PLACES, T0).events:
        log = apply_watch(log, rec(e))
    assert log.last_high == {"po-1": T0}
    for e in assess(gps(GpsEventKind.SIGNAL_LOST), [order()], PLACES, T0).events:
        log = apply_watch(log, rec(e))
    assert set(log.degraded) == {"po-1"}
    restored = restore_protection(log, "po-1", SUPERVISOR, T0, "vendor confirms fix")
    assert isinstance(restored, ProtectionRestored)
    log = apply_watch(log, rec(restored))
    assert log.degraded == {}
    assert apply_watch(log, rec(restored)) == log
    from emscad.safety.events import OrderWithdrawn

    assert apply_watch(log, rec(OrderWithdrawn(order="po-1", at=T0, reason="x"))) is log


def test_only_a_supervisor_restores_protection() -> None:
    fault = ProtectionDegraded(order="po-1", device="d", cause=GpsEventKind.TAMPER, at=T0)
    log = WatchLog(degraded={"po-1": fault})
    for who in (ADMIN, SYSTEM):
        with pytest.raises(Forbidden):
            restore_protection(log, "po-1", who, T0, "ok")
    with pytest.raises(Conflict):
        restore_protection(WatchLog(), "po-1", SUPERVISOR, T0, "ok")
    with pytest.raises(InvalidInput):
        restore_protection(log, "po-1", SUPERVISOR, T0, " ")


def test_a_high_alert_is_acknowledged_once_by_a_person_at_a_console() -> None:
    high = WatchAlerted(
        order="po-1",
        severity=Severity.HIGH,
        feed=Feed.PLATE,
        key="plate:XYZ789:cam",
        reason="r",
        at=T0,
        incident_key="watch:plate:XYZ789:cam:2026-07-06T12:00:00.000Z",
    )
    (ack,) = acknowledge_alert(high, [high], SUPERVISOR, T0 + timedelta(seconds=3))
    assert isinstance(ack, WatchAcknowledged)
    assert (ack.alarm, ack.by, ack.subject) == (high.incident_key, SUPERVISOR.user, high.subject)
    assert acknowledge_alert(high, [high, ack], SUPERVISOR, T0) == []  # the first one stands
    for who in (ADMIN, SYSTEM):
        with pytest.raises(Forbidden):
            acknowledge_alert(high, [high], who, T0)
    with pytest.raises(Conflict):  # a low alert raises no alarm
        acknowledge_alert(replace(high, incident_key=None), [], SUPERVISOR, T0)
