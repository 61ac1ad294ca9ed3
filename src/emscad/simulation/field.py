"""Simulated field crews: every committed unit driven through the rest of its response.

A crew is driven only while the unit is where the simulator left it (same status, same
incident). Every step re-reads the unit and changes it under the version it read, so a
dispatcher who cancels, reassigns or moves a unit in between simply takes it over; the next
poll picks the unit up again from whatever state the dispatcher left it in.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from emscad.agency.models import Hospital
from emscad.clock import Clock
from emscad.dispatch.ports import Fix
from emscad.dispatch.service import DispatchService
from emscad.errors import EmscadError
from emscad.incidents.models import Disposition, Incident, IncidentStatus
from emscad.recommend.service import Recommender
from emscad.routing import Mode
from emscad.simulation.agenda import Action, Agenda
from emscad.simulation.calls import transport_rate
from emscad.simulation.config import SimulationConfig
from emscad.simulation.crews import Crew, Dwell
from emscad.simulation.navigation import Navigator, Point
from emscad.simulation.trips import Trip
from emscad.units.models import Unit, UnitStatus

log = logging.getLogger("emscad.simulation")

S = UnitStatus
DISPOSITIONS = {
    "transported": Disposition("transported", "Patient transported (simulated)"),
    "treated_released": Disposition("treated_released", "Treated on scene (simulated)"),
    "refused_care": Disposition("refused_care", "Patient refused care (simulated)"),
}
TRANSPORTED = DISPOSITIONS["transported"]


class _Superseded(Exception):
    """The unit is no longer where the simulator left it: someone else is in charge now."""


class FieldCrews:
    def __init__(
        self,
        dispatch: DispatchService,
        *,
        recommender: Recommender,
        agenda: Agenda,
        clock: Clock,
        dwell: Dwell,
        config: SimulationConfig,
        counts: Counter[str],
    ) -> None:
        self.dispatch = dispatch
        self.recommender = recommender
        self.agenda = agenda
        self.clock = clock
        self.dwell = dwell
        self.config = config
        self.counts = counts
        self.nav = Navigator(recommender, drive_speed=config.drive_speed)
        self.crews: dict[str, Crew] = {}
        self.closing: dict[str, Disposition] = {}  # incidents to close once their units clear

    @property
    def actor(self) -> str:
        return self.config.actor

    def guarded(self, action: Action) -> None:
        """Run `action`; a lost race or a vanished record is logged, not raised."""
        try:
            action()
        except EmscadError as exc:
            self.counts["errors"] += 1
            log.warning("simulation: %s", exc)

    # -- what the poll and the AVL tick ask ------------------------------------------------

    def follow(self, units: list[Unit], now: datetime) -> None:
        """Compare the board with the crews: hand over units humans changed, adopt new ones."""
        present = {u.id for u in units}
        for unit_id in [u for u in self.crews if u not in present]:
            self.drop(unit_id)  # removed from the roster
        for unit in units:
            crew = self.crews.get(unit.id)
            if crew is not None and (
                unit.status is not crew.status or unit.incident != crew.incident
            ):
                log.info("simulation: %s was changed by someone else", unit.call_sign)
                self.counts["taken_over"] += 1
                self.drop(unit.id)
                if crew.incident and unit.status is S.AVAILABLE and unit.incident is None:
                    # Cancelled or cleared by a dispatcher: the crew heads back to quarters.
                    start = _point_of(unit)
                    self.guarded(functools.partial(self._return, unit, now, start=start))
                crew = None
            if crew is None and unit.active and unit.status.committed and unit.incident:
                self.guarded(functools.partial(self.adopt, unit, now))

    def fixes(self, now: datetime) -> list[Fix]:
        """Where every driving unit is now."""
        return [
            fix
            for crew in self.crews.values()
            if crew.trip is not None and (fix := crew.trip.fix(crew.unit, now)) is not None
        ]

    def adopt(self, unit: Unit, now: datetime) -> None:
        """Take a committed unit through the rest of its response, from wherever it is."""
        self.drop(unit.id)
        crew = Crew(unit=unit.id, incident=unit.incident, status=unit.status)
        status = unit.status
        if status is S.DISPATCHED:
            self._next(crew, self.dwell.turnout(), self._en_route)
        elif status is S.EN_ROUTE:
            self._drive_to_scene(crew, unit, now)
        elif status is S.ON_SCENE:
            self._next(crew, self.dwell.to_patient(), self._at_patient)
        elif status is S.AT_PATIENT:
            self._next(crew, self.dwell.on_scene(), self._leave_scene)
        elif status is S.TRANSPORTING:
            if unit.incident is not None:
                self.closing.setdefault(unit.incident, TRANSPORTED)
            end = self._hospital_point(unit.destination)
            trip = self.nav.trip(
                _point_of(unit), end, mode=Mode.NORMAL, now=now, arrive=S.AT_HOSPITAL
            )
            self._drive(crew, trip, self._at_hospital)
        elif status is S.AT_HOSPITAL:
            self._next(crew, self.dwell.to_transfer(), self._transferred)
        elif status is S.TRANSFERRED:
            self._next(crew, self.dwell.to_clear(), self._clear)

    def drop(self, unit_id: str) -> None:
        self.crews.pop(unit_id, None)

    def try_close(self, incident_id: str) -> None:
        """Close an incident the crews finished, once no unit is left on it."""
        disposition = self.closing.get(incident_id)
        if disposition is None:
            return
        incident = self.dispatch.incident(incident_id)
        if incident.status is IncidentStatus.CLOSED:
            del self.closing[incident_id]  # a human closed it first
            return
        if incident.units or not incident.served:
            return  # someone is still working it (a human may have sent another unit)
        self.dispatch.close_incident(self.actor, incident_id, disposition)
        del self.closing[incident_id]
        self.counts["closed"] += 1

    # -- scheduling ------------------------------------------------------------------------

    def _next(self, crew: Crew, after_s: float, step: Callable[[Crew], None]) -> None:
        """Make `crew` current and run `step` for it after `after_s` seconds."""
        self.crews[crew.unit] = crew
        self.agenda.at(self.clock.now() + timedelta(seconds=after_s), self._bound(crew, step))

    def _drive(self, crew: Crew, trip: Trip, step: Callable[[Crew], None]) -> None:
        crew = Crew(unit=crew.unit, incident=crew.incident, status=crew.status, trip=trip)
        self.crews[crew.unit] = crew
        self.agenda.at(trip.end, self._bound(crew, step))

    def _bound(self, crew: Crew, step: Callable[[Crew], None]) -> Action:
        def run() -> None:
            if self.crews.get(crew.unit) is not crew:
                return  # superseded: a human took over, or the unit was sent elsewhere
            try:
                step(crew)
            except _Superseded:
                self.drop(crew.unit)
            except BaseException:
                # Drop the crew so the next poll adopts the unit afresh from its real state.
                self.drop(crew.unit)
                raise

        return run

    def _check(self, crew: Crew) -> Unit:
        unit = self.dispatch.unit(crew.unit)
        if unit.status is not crew.status or unit.incident != crew.incident:
            log.info("simulation: %s was changed by someone else", unit.call_sign)
            self.counts["taken_over"] += 1
            raise _Superseded
        return unit

    def _set(self, unit: Unit, status: UnitStatus, *, destination: str | None = None) -> Unit:
        return self.dispatch.change_status(
            self.actor, unit.id, status, destination=destination, unit_version=unit.version
        )

    def _final_fix(self, crew: Crew) -> None:
        if crew.trip is not None and (fix := crew.trip.fix(crew.unit, crew.trip.end)) is not None:
            self.dispatch.report_positions([fix])

    # -- the steps of a response -----------------------------------------------------------

    def _en_route(self, crew: Crew) -> None:
        unit = self._set(self._check(crew), S.EN_ROUTE)
        self._drive_to_scene(_crew_of(unit), unit, self.clock.now())

    def _drive_to_scene(self, crew: Crew, unit: Unit, now: datetime) -> None:
        scene = self._scene(unit.incident)
        start = _point_of(unit) or self._station_point(unit)
        trip = self.nav.trip(start, scene, mode=Mode.LIGHTS_SIRENS, now=now, arrive=S.ON_SCENE)
        self._drive(crew, trip, self._on_scene)

    def _on_scene(self, crew: Crew) -> None:
        unit = self._check(crew)
        self._final_fix(crew)
        unit = self._set(unit, S.ON_SCENE)
        self._next(_crew_of(unit), self.dwell.to_patient(), self._at_patient)

    def _at_patient(self, crew: Crew) -> None:
        unit = self._set(self._check(crew), S.AT_PATIENT)
        self._next(_crew_of(unit), self.dwell.on_scene(), self._leave_scene)

    def _leave_scene(self, crew: Crew) -> None:
        unit = self._check(crew)
        incident = self.dispatch.incident(crew.incident or "")
        rate = transport_rate(incident.chief_complaint, self.config.transport_rates)
        # One ambulance carries the patient; a second unit on the call clears on scene.
        already = self.closing.get(incident.id) == TRANSPORTED
        if "transport" in unit.capabilities and not already and self.dwell.transports(rate):
            hospital = self._destination(incident)
            if hospital is not None:
                self._transport(unit, incident, hospital)
                return
        kind = "refused_care" if self.dwell.refusal() else "treated_released"
        self.closing.setdefault(incident.id, DISPOSITIONS[kind])
        cleared = self._set(unit, S.AVAILABLE)
        self.guarded(lambda: self.try_close(incident.id))
        self._return(cleared, self.clock.now(), start=_point_of(unit) or _location(incident))

    def _destination(self, incident: Incident) -> Hospital | None:
        """The dispatcher's choice of hospital, or the nearest suitable one."""
        hospitals = self.dispatch.hospitals()
        chosen = next((h for h in hospitals if h.id == incident.destination), None)
        if chosen is None:
            needs = self.recommender.requirement(incident).hospital
            chosen = self.nav.nearest_hospital(_location(incident), hospitals, needs)
        return chosen

    def _transport(self, unit: Unit, incident: Incident, hospital: Hospital) -> None:
        moving = self._set(unit, S.TRANSPORTING, destination=hospital.id)
        self.closing[incident.id] = TRANSPORTED
        trip = self.nav.trip(
            _point_of(unit) or _location(incident),
            (hospital.lon, hospital.lat),
            mode=Mode.NORMAL,
            now=self.clock.now(),
            arrive=S.AT_HOSPITAL,
        )
        self._drive(_crew_of(moving), trip, self._at_hospital)

    def _at_hospital(self, crew: Crew) -> None:
        unit = self._check(crew)
        self._final_fix(crew)
        unit = self._set(unit, S.AT_HOSPITAL)
        self._next(_crew_of(unit), self.dwell.to_transfer(), self._transferred)

    def _transferred(self, crew: Crew) -> None:
        unit = self._set(self._check(crew), S.TRANSFERRED)
        self._next(_crew_of(unit), self.dwell.to_clear(), self._clear)

    def _clear(self, crew: Crew) -> None:
        before = self._check(crew)
        unit = self._set(before, S.AVAILABLE)
        if crew.incident is not None:
            incident_id = crew.incident
            self.guarded(lambda: self.try_close(incident_id))
        start = _point_of(before) or self._hospital_point(before.destination)
        self._return(unit, self.clock.now(), start=start)

    def _return(self, unit: Unit, now: datetime, *, start: Point | None) -> None:
        """Back in service: drive home to quarters, reporting fixes on the way."""
        home = self._station_point(unit)
        if home is None or unit.status is not S.AVAILABLE:
            self.drop(unit.id)  # nowhere to go: it stays available where it is
            return
        trip = self.nav.trip(
            start or home, home, mode=Mode.NORMAL, now=now, arrive=S.AVAILABLE_AT_STATION
        )
        self._drive(Crew(unit=unit.id, incident=None, status=unit.status), trip, self._home)

    def _home(self, crew: Crew) -> None:
        unit = self._check(crew)
        self._final_fix(crew)
        self._set(unit, S.AVAILABLE_AT_STATION)
        self.drop(crew.unit)

    # -- where things are ------------------------------------------------------------------

    def _scene(self, incident_id: str | None) -> Point | None:
        return None if incident_id is None else _location(self.dispatch.incident(incident_id))

    def _hospital_point(self, hospital_id: str | None) -> Point | None:
        if hospital_id is None:
            return None
        h = self.dispatch.hospital(hospital_id)
        return h.lon, h.lat

    def _station_point(self, unit: Unit) -> Point | None:
        station = next((s for s in self.dispatch.stations() if s.id == unit.station), None)
        return None if station is None else (station.lon, station.lat)


def _crew_of(unit: Unit) -> Crew:
    return Crew(unit=unit.id, incident=unit.incident, status=unit.status)


def _point_of(unit: Unit) -> Point | None:
    return None if unit.position is None else (unit.position.lon, unit.position.lat)


def _location(incident: Incident) -> Point | None:
    loc = incident.location
    return None if loc.lon is None or loc.lat is None else (loc.lon, loc.lat)
