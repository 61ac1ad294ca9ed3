"""The demo simulator on real databases: generated calls, auto-dispatch, crews, hand-overs."""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from emscad.agency.models import Hospital, Station
from emscad.clock import Clock, FixedClock, SystemClock
from emscad.dispatch.service import DispatchService
from emscad.errors import Conflict
from emscad.geo import haversine_m
from emscad.incidents.events import Triage
from emscad.incidents.models import (
    Caller,
    Confidence,
    Incident,
    IncidentStatus,
    Location,
    Source,
)
from emscad.incidents.times import unit_responses
from emscad.recommend.plan import load_plan
from emscad.recommend.service import Recommender
from emscad.regions.model import PlaceKind, Region
from emscad.routing import Router, Snapper
from emscad.simulation import SimulationConfig, Simulator, fast_forward, start_simulation
from emscad.storage.db import Database
from emscad.storage.sql import SqlStore
from emscad.units.events import UnitProfile, UnitStatusChanged
from emscad.units.models import DEFAULT_CAPABILITIES, UnitStatus, UnitType
from tests.factories.api import small_region

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
S = UnitStatus
# Coarser ticks than the demo's keep the database round trips (and the test) short.
FAST = {"poll_interval_s": 10.0, "fix_interval_s": 10.0}


@functools.cache
def _routing() -> tuple[Router, Snapper]:
    network = small_region().network
    return Router(network), Snapper(network)


@dataclass
class World:
    """A dispatch service on a real database, a roster, and a simulator factory."""

    dispatch: DispatchService
    clock: FixedClock
    recommender: Recommender
    region: Region

    def simulator(self, seed: int = 1, **settings: Any) -> Simulator:
        return Simulator(
            self.dispatch,
            recommender=self.recommender,
            region=self.region,
            clock=self.clock,
            rng=np.random.default_rng(seed),
            config=SimulationConfig(**{"rate_per_hour": 0.0, **FAST, **settings}),
        )

    def call(self, complaint: str = "chest_pain", *, at: int = 100) -> Incident:
        """A call taken by a human call-taker at the region's address point number `at`."""
        a = self.region.addresses
        text = (
            f"{self.region.string(int(a.housenumber[at]))} {self.region.string(int(a.street[at]))}"
        )
        plan = self.recommender.plan.complaint(complaint)
        assert plan is not None
        incident, _ = self.dispatch.create_incident(
            "calltaker",
            source=Source.PHONE,
            location=Location(
                text=text,
                lon=float(a.lon[at]),
                lat=float(a.lat[at]),
                confidence=Confidence.ADDRESS,
            ),
            triage=Triage(chief_complaint=complaint, priority=plan.priority, determinant=""),
            caller=Caller(name="Ann", phone="+15015550100"),
        )
        return incident

    def run(self, sim: Simulator, seconds: float) -> None:
        fast_forward(sim, self.clock, self.clock.now() + timedelta(seconds=seconds))

    def run_until(
        self, sim: Simulator, done: Callable[[], bool], *, step_s: float = 5.0, limit_s: float
    ) -> None:
        """Advance in small steps until `done()`; fail if it takes longer than `limit_s`."""
        end = self.clock.now() + timedelta(seconds=limit_s)
        while not done():
            assert self.clock.now() < end, "the simulation did not get there in time"
            self.run(sim, step_s)

    def statuses(self, incident_id: str, unit_id: str) -> list[UnitStatus]:
        return [
            r.event.after
            for r in self.dispatch.incident_events(incident_id)
            if isinstance(r.event, UnitStatusChanged) and r.event.unit == unit_id
        ]


def _ids() -> Callable[[], str]:
    counter = itertools.count(1)
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"id{next(counter):06d}"

    return new_id


def _seed(dispatch: DispatchService, region: Region) -> None:
    stations = [p for p in region.places_of(PlaceKind.STATION) if "ems" in p.capabilities]
    for p in stations:
        dispatch.save_station("admin", Station(id=p.id, name=p.name, lon=p.lon, lat=p.lat))
    for p in region.places_of(PlaceKind.HOSPITAL):
        caps = ("emergency", *p.capabilities)
        dispatch.save_hospital(
            "admin", Hospital(id=p.id, name=p.name, lon=p.lon, lat=p.lat, capabilities=caps)
        )
    roster = [("m1", "Medic 1", UnitType.ALS), ("m2", "Medic 2", UnitType.ALS)]
    roster.append(("b1", "Basic 1", UnitType.BLS))
    for i, (unit_id, call_sign, kind) in enumerate(roster):
        profile = UnitProfile(
            call_sign=call_sign,
            type=kind,
            capabilities=DEFAULT_CAPABILITIES[kind],
            station=stations[i % len(stations)].id,
        )
        dispatch.add_unit("admin", unit_id, profile, status=S.AVAILABLE_AT_STATION)


def _world(database: Database, clock: Clock) -> tuple[DispatchService, Recommender]:
    dispatch = DispatchService(
        SqlStore(database), clock=clock, new_id=_ids(), timezone=ZoneInfo("America/Chicago")
    )
    router, snapper = _routing()
    recommender = Recommender(router=router, snapper=snapper, plan=load_plan(), max_snap_m=500)
    _seed(dispatch, small_region())
    return dispatch, recommender


@pytest.fixture
def world(database: Database) -> World:
    clock = FixedClock(T0)
    dispatch, recommender = _world(database, clock)
    return World(dispatch=dispatch, clock=clock, recommender=recommender, region=small_region())


# -- the call generator --------------------------------------------------------------------


def test_the_first_call_can_come_at_a_set_time_and_the_next_at_the_rate(world: World) -> None:
    sim = world.simulator(seed=4, rate_per_hour=40.0, first_call_s=5.0, auto_dispatch=False)
    world.run(sim, 4.9)
    assert world.dispatch.incidents([IncidentStatus.PENDING]) == []
    world.run(sim, 0.2)
    [first] = world.dispatch.incidents([IncidentStatus.PENDING])
    assert first.received_at == T0 + timedelta(seconds=5)


def test_calls_arrive_at_the_configured_rate_at_addresses_in_the_region(world: World) -> None:
    # With nobody dispatching there is nothing to poll for: a rare poll keeps the test quick.
    sim = world.simulator(seed=4, rate_per_hour=120.0, auto_dispatch=False, poll_interval_s=900)
    world.run(sim, 3600)
    found = world.dispatch.incidents([IncidentStatus.PENDING])
    # 120 expected; a Poisson count stays within about four standard deviations (±44).
    assert 76 <= len(found) <= 164
    assert sim.counts["calls"] == len(found)
    west, south, east, north = world.region.manifest.bbox
    for incident in found:
        loc = incident.location
        assert incident.source is Source.GENERATED
        assert loc.text
        assert loc.label
        assert loc.confidence in (Confidence.ADDRESS, Confidence.PLACE)
        assert loc.lon is not None
        assert loc.lat is not None
        assert west - 0.002 <= loc.lon <= east + 0.002
        assert south - 0.002 <= loc.lat <= north + 0.002
        assert incident.chief_complaint not in ("staff_sos", "watch_alert")
        assert incident.caller.phone.startswith("+150155501")
    actors = {r.actor for r in world.dispatch.incident_events(found[0].id)}
    assert actors == {"simulator"}


# -- automatic dispatch --------------------------------------------------------------------


def test_a_waiting_call_gets_the_recommended_unit_and_hospital_after_the_wait(
    world: World,
) -> None:
    incident = world.call("chest_pain")
    expected = world.recommender.recommend(
        incident,
        units=world.dispatch.units(),
        stations=world.dispatch.stations(),
        hospitals=world.dispatch.hospitals(),
        now=world.clock.now(),
    )
    sim = world.simulator(dispatch_after_s=20.0, poll_interval_s=5.0)
    world.run(sim, 15)
    assert world.dispatch.incident(incident.id).units == ()  # a human still has time
    world.run(sim, 10)
    after = world.dispatch.incident(incident.id)
    assert after.units == (expected.units[0].unit,)
    suggested = next(h.hospital for h in expected.hospitals if h.suggested)
    assert after.destination == suggested
    assigned = [
        r for r in world.dispatch.incident_events(incident.id) if r.event.type == "unit.assigned"
    ]
    assert [r.actor for r in assigned] == ["simulator"]
    assert assigned[0].at - incident.received_at >= timedelta(seconds=20)


def test_with_auto_dispatch_off_calls_wait_for_a_human(world: World) -> None:
    incident = world.call("fall")
    sim = world.simulator(auto_dispatch=False)
    world.run(sim, 600)
    assert world.dispatch.incident(incident.id).status is IncidentStatus.PENDING


# -- field crews ---------------------------------------------------------------------------


def test_a_dispatched_unit_transports_returns_home_and_the_incident_closes(world: World) -> None:
    incident = world.call("stroke")
    world.dispatch.assign("dispatcher", incident.id, "m1")  # a human dispatches
    sim = world.simulator(speed=10.0, auto_dispatch=False, transport_rates={"stroke": 1.0})
    world.run_until(
        sim,
        lambda: world.dispatch.unit("m1").status is S.AVAILABLE_AT_STATION,
        step_s=60,
        limit_s=3 * 3600,
    )
    assert world.statuses(incident.id, "m1") == [
        S.EN_ROUTE,
        S.ON_SCENE,
        S.AT_PATIENT,
        S.TRANSPORTING,
        S.AT_HOSPITAL,
        S.TRANSFERRED,
        S.AVAILABLE,
    ]
    closed = world.dispatch.incident(incident.id)
    assert closed.status is IncidentStatus.CLOSED
    assert closed.disposition is not None
    assert closed.disposition.code == "transported"
    (response,) = unit_responses(world.dispatch.incident_events(incident.id), incident.id)
    stamps = [
        response.psap_call,
        response.notified,
        response.en_route,
        response.on_scene,
        response.at_patient,
        response.left_scene,
        response.at_destination,
        response.transfer_of_care,
        response.back_in_service,
    ]
    assert None not in stamps
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert len(set(stamps[1:])) == len(stamps) - 1  # every step takes time
    assert response.destination is not None
    # The unit drove home: its last fix is at its station.
    unit = world.dispatch.unit("m1")
    station = next(s for s in world.dispatch.stations() if s.id == unit.station)
    assert unit.position is not None
    assert haversine_m(unit.position.lon, unit.position.lat, station.lon, station.lat) < 300
    assert sim.crews() == {}


def test_a_patient_treated_on_scene_is_not_transported(world: World) -> None:
    incident = world.call("fall")
    world.dispatch.assign("dispatcher", incident.id, "b1")
    sim = world.simulator(seed=2, speed=10.0, auto_dispatch=False, transport_rates={"fall": 0.0})
    world.run_until(
        sim,
        lambda: world.dispatch.incident(incident.id).status is IncidentStatus.CLOSED,
        step_s=60,
        limit_s=2 * 3600,
    )
    assert world.statuses(incident.id, "b1") == [S.EN_ROUTE, S.ON_SCENE, S.AT_PATIENT, S.AVAILABLE]
    disposition = world.dispatch.incident(incident.id).disposition
    assert disposition is not None
    assert disposition.code in ("treated_released", "refused_care")


def test_avl_fixes_move_along_the_route_towards_the_incident(world: World) -> None:
    incident = world.call("chest_pain", at=1500)
    world.dispatch.assign("dispatcher", incident.id, "m2")
    sim = world.simulator(auto_dispatch=False, fix_interval_s=5.0)
    world.run_until(sim, lambda: world.dispatch.unit("m2").status is S.EN_ROUTE, limit_s=120)
    assert incident.location.lon is not None
    assert incident.location.lat is not None
    distances: list[float] = []
    while world.dispatch.unit("m2").status is S.EN_ROUTE:
        world.run(sim, 5)
        fix = world.dispatch.unit("m2").position
        assert fix is not None
        distances.append(
            float(haversine_m(fix.lon, fix.lat, incident.location.lon, incident.location.lat))
        )
        assert len(distances) < 500
    assert len(set(distances)) >= 5  # it moved, fix by fix
    assert distances[0] > distances[len(distances) // 2] > distances[-1]
    assert distances[-1] < 150  # arrived: the road in front of the address


# -- humans acting in between --------------------------------------------------------------


def test_a_unit_cancelled_mid_response_is_handed_back_and_drives_home(world: World) -> None:
    incident = world.call("chest_pain")
    world.dispatch.assign("dispatcher", incident.id, "m1")
    sim = world.simulator(auto_dispatch=False)
    world.run_until(sim, lambda: world.dispatch.unit("m1").status is S.EN_ROUTE, limit_s=120)
    world.run(sim, 20)
    world.dispatch.unassign("dispatcher", incident.id, "m1", reason="closer unit")
    world.run_until(
        sim,
        lambda: world.dispatch.unit("m1").status is S.AVAILABLE_AT_STATION,
        step_s=30,
        limit_s=3600,
    )
    assert world.dispatch.incident(incident.id).status is IncidentStatus.PENDING
    assert sim.counts["taken_over"] >= 1
    assert world.statuses(incident.id, "m1") == [S.EN_ROUTE]  # nothing after the cancel


def test_a_cancelled_call_waits_again_before_the_simulator_redispatches(world: World) -> None:
    incident = world.call("chest_pain")
    sim = world.simulator(dispatch_after_s=20.0, poll_interval_s=5.0)
    world.run(sim, 30)
    (first,) = world.dispatch.incident(incident.id).units
    world.dispatch.unassign("dispatcher", incident.id, first, reason="wrong unit")
    world.run(sim, 10)
    assert world.dispatch.incident(incident.id).units == ()  # the dispatcher gets 20 s again
    world.run(sim, 20)
    assert len(world.dispatch.incident(incident.id).units) == 1


def test_a_status_set_by_a_human_is_followed_from_there(world: World) -> None:
    incident = world.call("stroke")
    world.dispatch.assign("dispatcher", incident.id, "m1")
    sim = world.simulator(speed=10.0, auto_dispatch=False, transport_rates={"stroke": 1.0})
    world.run(sim, 1)
    # The crew radios in "on scene" before the simulator got it there.
    world.dispatch.change_status("medic1", "m1", S.ON_SCENE)
    world.run_until(
        sim,
        lambda: world.dispatch.incident(incident.id).status is IncidentStatus.CLOSED,
        step_s=60,
        limit_s=3 * 3600,
    )
    assert world.statuses(incident.id, "m1")[:3] == [S.ON_SCENE, S.AT_PATIENT, S.TRANSPORTING]


class _Flaky(DispatchService):
    """A service whose first status change loses a race, as if a dispatcher got there first."""

    failures = 1

    def change_status(self, actor: str, unit_id: str, status: UnitStatus, **kw: Any) -> Any:
        if actor == "simulator" and self.failures:
            self.failures -= 1
            raise Conflict("Medic 1 has changed since you loaded it (version 3); reload")
        return super().change_status(actor, unit_id, status, **kw)


def test_a_conflict_is_logged_and_the_crew_is_picked_up_again(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(T0)
    plain, recommender = _world(database, clock)
    flaky = _Flaky(plain.store, clock=clock, new_id=_ids(), timezone=plain.timezone)
    w = World(dispatch=flaky, clock=clock, recommender=recommender, region=small_region())
    incident = w.call("fall")
    w.dispatch.assign("dispatcher", incident.id, "b1")
    sim = w.simulator(speed=10.0, auto_dispatch=False)
    with caplog.at_level(logging.WARNING, logger="emscad.simulation"):
        w.run_until(
            sim,
            lambda: w.dispatch.incident(incident.id).status is IncidentStatus.CLOSED,
            step_s=60,
            limit_s=3 * 3600,
        )
    assert any("changed since you loaded it" in r.getMessage() for r in caplog.records)
    assert sim.counts["errors"] == 1
    assert w.statuses(incident.id, "b1")[:2] == [S.EN_ROUTE, S.ON_SCENE]


def test_a_unit_removed_from_the_roster_mid_response_does_not_stop_the_simulation(
    world: World,
) -> None:
    incident = world.call("fall")
    world.dispatch.assign("dispatcher", incident.id, "b1")
    sim = world.simulator(seed=5, rate_per_hour=20.0, speed=10.0)
    world.run_until(sim, lambda: world.dispatch.unit("b1").status is S.EN_ROUTE, limit_s=120)
    world.run(sim, 20)
    assert "b1" in sim.crews()
    world.dispatch.unassign("dispatcher", incident.id, "b1")
    world.dispatch.remove_unit("admin", "b1")
    calls = sim.counts["calls"]
    world.run(sim, 1800)
    assert "b1" not in sim.crews()
    assert sim.counts["calls"] > calls  # still taking calls
    assert sim.counts["dispatched"] >= 1  # and sending the units that remain


# -- the demo's background thread ----------------------------------------------------------


def test_start_simulation_runs_in_a_daemon_thread_until_stopped(database: Database) -> None:
    clock = SystemClock()
    dispatch, recommender = _world(database, clock)

    @dataclass
    class Runtime:
        dispatch: DispatchService
        recommender: Recommender
        region: Region
        clock: Clock

    runtime = Runtime(dispatch, recommender, small_region(), clock)
    handle = start_simulation(runtime, rate_per_hour=36_000.0, auto_dispatch=False, seed=1)
    try:
        deadline = time.monotonic() + 10
        while not dispatch.incidents([IncidentStatus.PENDING]):
            assert time.monotonic() < deadline, "no call was generated"
            time.sleep(0.05)
        assert handle.running
    finally:
        handle.stop()
    assert not handle.running
    assert handle.simulator.counts["calls"] >= 1
