"""The dispatch service: every command a call-taker or dispatcher gives, in one transaction each.

Commands load what they need, ask the pure state machines (incidents.lifecycle,
units.lifecycle, agency.rules) for events, and record them; the events update the current
state in the same transaction. After the commit, `on_commit` is told the last event number
so the live stream can wake up. Services never speak HTTP: they raise emscad.errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from emscad.agency import rules as agency
from emscad.agency.models import Hospital, Station
from emscad.clock import Clock
from emscad.dispatch.ports import Fix, Store
from emscad.dispatch.session import Session
from emscad.errors import Conflict, Contention, InvalidInput, NotFound
from emscad.events import Recorded, to_ms
from emscad.incidents import lifecycle as incidents
from emscad.incidents.events import Triage
from emscad.incidents.models import (
    Caller,
    Caution,
    Disposition,
    Incident,
    IncidentStatus,
    Location,
    Note,
    Person,
    Source,
)
from emscad.units import lifecycle as units
from emscad.units.events import UnitProfile
from emscad.units.models import Unit, UnitStatus

T = TypeVar("T")

MAX_PAST_RECEIVED = timedelta(hours=24)  # a call's start time may be given, within reason
MAX_FUTURE_RECEIVED = timedelta(seconds=60)  # clocks drift a little between systems


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A client's Idempotency-Key and a fingerprint of its request body."""

    key: str
    fingerprint: str

    @staticmethod
    def of(key: str, body: Any) -> Idempotency:
        if not 1 <= len(key) <= 200:
            raise InvalidInput("an Idempotency-Key needs 1 to 200 characters")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
        return Idempotency(key=key, fingerprint=digest.hexdigest())


class DispatchService:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        new_id: Callable[[], str],
        timezone: ZoneInfo,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.timezone = timezone
        self.on_commit = on_commit or _ignore

    # -- plumbing --------------------------------------------------------------------------

    def _write(self, actor: str, command: Callable[[Session], T]) -> T:
        """Run a command in a write transaction; retry when a concurrent request got there first."""
        for attempt in range(3):
            try:
                with self.store.write() as tx:
                    session = Session(tx=tx, actor=actor, at=to_ms(self.clock.now()))
                    result = command(session)
                    session.flush()
                break
            except Contention:
                if attempt == 2:
                    raise
        if session.recorded:
            self.on_commit(session.recorded[-1].seq)
        return result

    # -- incidents -------------------------------------------------------------------------

    def create_incident(
        self,
        actor: str,
        *,
        source: Source,
        location: Location,
        triage: Triage,
        caller: Caller | None = None,
        persons: tuple[Person, ...] = (),
        cautions: tuple[Caution, ...] = (),
        received_at: datetime | None = None,
        idempotency: Idempotency | None = None,
    ) -> tuple[Incident, bool]:
        """The new incident, and whether this was a retry answered from the first request."""

        def command(s: Session) -> tuple[Incident, bool]:
            if idempotency is not None:
                seen = s.tx.find_idempotent(actor, idempotency.key)
                if seen is not None:
                    fingerprint, incident_id = seen
                    if fingerprint != idempotency.fingerprint:
                        raise InvalidInput("this Idempotency-Key was used for a different request")
                    return s.incident(incident_id), True
            received = self._received(received_at, s.at)
            incident_id = self.new_id()
            s.record(
                [
                    incidents.create(
                        incident_id=incident_id,
                        number=self._number(s, received),
                        received_at=received,
                        source=source,
                        location=location,
                        triage=triage,
                        caller=caller,
                        persons=persons,
                        cautions=cautions,
                    )
                ]
            )
            if idempotency is not None:
                s.tx.save_idempotent(
                    actor,
                    idempotency.key,
                    fingerprint=idempotency.fingerprint,
                    result=incident_id,
                    at=s.at,
                )
            return s.incident(incident_id), False

        return self._write(actor, command)

    def _received(self, given: datetime | None, now: datetime) -> datetime:
        if given is None:
            return now
        if given.tzinfo is None:
            raise InvalidInput("received_at needs a timezone")
        if not now - MAX_PAST_RECEIVED <= given <= now + MAX_FUTURE_RECEIVED:
            raise InvalidInput("received_at must be within the last 24 hours")
        return to_ms(given)

    def _number(self, s: Session, received: datetime) -> str:
        """Incident numbers run per year of the agency's local calendar: 26-000123."""
        year = received.astimezone(self.timezone).year
        return f"{year % 100:02d}-{s.tx.next_count(f'incident-{year}'):06d}"

    def update_incident(
        self,
        actor: str,
        incident_id: str,
        *,
        expected_version: int | None = None,
        location: Location | None = None,
        triage: Triage | None = None,
        caller: Caller | None = None,
        persons: tuple[Person, ...] | None = None,
        cautions: tuple[Caution, ...] | None = None,
    ) -> Incident:
        def command(s: Session) -> Incident:
            incident = s.incident(incident_id)
            _expect(incident.version, expected_version, f"incident {incident.number}")
            s.record(
                incidents.update(
                    incident,
                    location=location,
                    triage=triage,
                    caller=caller,
                    persons=persons,
                    cautions=cautions,
                )
            )
            return s.incident(incident_id)

        return self._write(actor, command)

    def set_destination(self, actor: str, incident_id: str, hospital_id: str | None) -> Incident:
        def command(s: Session) -> Incident:
            if hospital_id is not None and s.hospital(hospital_id) is None:
                raise NotFound(f"no hospital {hospital_id!r}")
            s.record(incidents.set_destination(s.incident(incident_id), hospital_id))
            return s.incident(incident_id)

        return self._write(actor, command)

    def add_note(self, actor: str, incident_id: str, text: str) -> Note:
        def command(s: Session) -> Note:
            note = Note(id=self.new_id(), at=s.at, author=actor, text=text)
            s.record([incidents.add_note(s.incident(incident_id), note)])
            return note

        return self._write(actor, command)

    def close_incident(self, actor: str, incident_id: str, disposition: Disposition) -> Incident:
        def command(s: Session) -> Incident:
            s.record([incidents.close(s.incident(incident_id), disposition)])
            return s.incident(incident_id)

        return self._write(actor, command)

    def reopen_incident(self, actor: str, incident_id: str, reason: str) -> Incident:
        def command(s: Session) -> Incident:
            s.record([incidents.reopen(s.incident(incident_id), reason)])
            return s.incident(incident_id)

        return self._write(actor, command)

    # -- units on incidents ----------------------------------------------------------------

    def assign(
        self, actor: str, incident_id: str, unit_id: str, *, unit_version: int | None = None
    ) -> tuple[Incident, Unit]:
        def command(s: Session) -> tuple[Incident, Unit]:
            incident = s.incident(incident_id)
            unit = s.unit(unit_id)
            _expect(unit.version, unit_version, unit.call_sign)
            if incident.status is IncidentStatus.CLOSED:
                raise _closed(incident)
            s.record(units.assign(unit, incident.id))
            return s.incident(incident_id), s.unit(unit_id)

        return self._write(actor, command)

    def unassign(
        self, actor: str, incident_id: str, unit_id: str, *, reason: str = ""
    ) -> tuple[Incident, Unit]:
        def command(s: Session) -> tuple[Incident, Unit]:
            s.incident(incident_id)
            s.record([units.unassign(s.unit(unit_id), incident_id, reason=reason[:200])])
            return s.incident(incident_id), s.unit(unit_id)

        return self._write(actor, command)

    def change_status(
        self,
        actor: str,
        unit_id: str,
        status: UnitStatus,
        *,
        destination: str | None = None,
        unit_version: int | None = None,
    ) -> Unit:
        def command(s: Session) -> Unit:
            unit = s.unit(unit_id)
            _expect(unit.version, unit_version, unit.call_sign)
            target = destination
            if status is UnitStatus.TRANSPORTING and target is None and unit.incident:
                target = s.incident(unit.incident).destination  # the dispatcher's choice
            if target is not None and s.hospital(target) is None:
                raise NotFound(f"no hospital {target!r}")
            s.record(units.change_status(unit, status, destination=target))
            return s.unit(unit_id)

        return self._write(actor, command)

    def report_positions(self, fixes: Sequence[Fix]) -> int:
        """Store AVL fixes; unknown units make the whole batch fail (nothing half-stored)."""
        for attempt in range(3):
            try:
                with self.store.write() as tx:
                    unknown = tx.unknown_units([f.unit for f in fixes])
                    if unknown:
                        raise NotFound(f"unknown units: {', '.join(unknown[:10])}")
                    return tx.record_fixes(fixes, received_at=to_ms(self.clock.now()))
            except Contention:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the roster, stations and hospitals --------------------------------------------------

    def add_unit(
        self, actor: str, unit_id: str, profile: UnitProfile, *, status: UnitStatus
    ) -> Unit:
        agency.check_id(unit_id, "unit")

        def command(s: Session) -> Unit:
            if s.tx.find_unit(unit_id) is not None:
                raise InvalidInput(f"a unit with id {unit_id!r} already exists")
            self._check_station(s, profile.station)
            s.record([units.add(unit_id, profile, status=status)])
            return s.unit(unit_id)

        return self._write(actor, command)

    def edit_unit(self, actor: str, unit_id: str, profile: UnitProfile) -> Unit:
        def command(s: Session) -> Unit:
            self._check_station(s, profile.station)
            s.record(units.edit(s.unit(unit_id), profile))
            return s.unit(unit_id)

        return self._write(actor, command)

    def remove_unit(self, actor: str, unit_id: str) -> Unit:
        def command(s: Session) -> Unit:
            s.record([units.remove(s.unit(unit_id))])
            return s.unit(unit_id)

        return self._write(actor, command)

    @staticmethod
    def _check_station(s: Session, station_id: str | None) -> None:
        if station_id is not None and s.station(station_id) is None:
            raise NotFound(f"no station {station_id!r}")

    def save_station(self, actor: str, station: Station) -> Station:
        def command(s: Session) -> Station:
            s.record(agency.save_station(s.station(station.id), station))
            saved = s.station(station.id)
            assert saved is not None
            return saved

        return self._write(actor, command)

    def remove_station(self, actor: str, station_id: str) -> None:
        def command(s: Session) -> None:
            station = s.station(station_id)
            if station is None:
                raise NotFound(f"no station {station_id!r}")
            homed = [u.call_sign for u in s.tx.list_units() if u.station == station_id]
            if homed:
                raise InvalidInput(f"units still call this station home: {', '.join(homed)}")
            s.record([agency.remove_station(station)])

        self._write(actor, command)

    def save_hospital(self, actor: str, hospital: Hospital) -> Hospital:
        def command(s: Session) -> Hospital:
            s.record(agency.save_hospital(s.hospital(hospital.id), hospital))
            saved = s.hospital(hospital.id)
            assert saved is not None
            return saved

        return self._write(actor, command)

    def set_diversion(
        self, actor: str, hospital_id: str, diversion: bool, reason: str = ""
    ) -> Hospital:
        def command(s: Session) -> Hospital:
            hospital = s.hospital(hospital_id)
            if hospital is None:
                raise NotFound(f"no hospital {hospital_id!r}")
            s.record(agency.set_diversion(hospital, diversion, reason))
            saved = s.hospital(hospital_id)
            assert saved is not None
            return saved

        return self._write(actor, command)

    def remove_hospital(self, actor: str, hospital_id: str) -> None:
        def command(s: Session) -> None:
            hospital = s.hospital(hospital_id)
            if hospital is None:
                raise NotFound(f"no hospital {hospital_id!r}")
            s.record([agency.remove_hospital(hospital)])

        self._write(actor, command)

    # -- reads -----------------------------------------------------------------------------

    def incident(self, incident_id: str) -> Incident:
        with self.store.read() as tx:
            found = tx.find_incident(incident_id)
        if found is None:
            raise NotFound(f"no incident {incident_id!r}")
        return found

    def incidents(self, statuses: Sequence[IncidentStatus], *, limit: int = 500) -> list[Incident]:
        with self.store.read() as tx:
            return tx.list_incidents(statuses=statuses, limit=limit)

    def incident_events(self, incident_id: str) -> list[Recorded]:
        with self.store.read() as tx:
            if tx.find_incident(incident_id) is None:
                raise NotFound(f"no incident {incident_id!r}")
            return tx.events_for_incident(incident_id)

    def unit(self, unit_id: str) -> Unit:
        with self.store.read() as tx:
            found = tx.find_unit(unit_id)
        if found is None:
            raise NotFound(f"no unit {unit_id!r}")
        return found

    def units(self, *, include_removed: bool = False) -> list[Unit]:
        with self.store.read() as tx:
            return tx.list_units(include_removed=include_removed)

    def stations(self) -> list[Station]:
        with self.store.read() as tx:
            return tx.list_stations()

    def hospitals(self) -> list[Hospital]:
        with self.store.read() as tx:
            return tx.list_hospitals()

    def hospital(self, hospital_id: str) -> Hospital:
        with self.store.read() as tx:
            found = tx.find_hospital(hospital_id)
        if found is None:
            raise NotFound(f"no hospital {hospital_id!r}")
        return found

    def board(
        self, statuses: Sequence[IncidentStatus], *, limit: int = 500
    ) -> tuple[int, list[Incident], list[Unit], list[Station], list[Hospital]]:
        """Everything a console starts from, read in one transaction, with the number of the
        last event it includes: the live stream resumes right after it, so nothing that
        happens in between is missed or applied twice."""
        with self.store.read() as tx:
            return (
                tx.last_seq(),
                tx.list_incidents(statuses=statuses, limit=limit),
                tx.list_units(),
                tx.list_stations(),
                tx.list_hospitals(),
            )

    def situation(
        self, incident_id: str
    ) -> tuple[Incident, list[Unit], list[Station], list[Hospital]]:
        """An incident with the board around it, read in one consistent transaction."""
        with self.store.read() as tx:
            incident = tx.find_incident(incident_id)
            if incident is None:
                raise NotFound(f"no incident {incident_id!r}")
            return incident, tx.list_units(), tx.list_stations(), tx.list_hospitals()

    def events_after(self, seq: int, *, limit: int = 1000) -> list[Recorded]:
        with self.store.read() as tx:
            return tx.events_after(seq, limit=limit)

    def last_seq(self) -> int:
        with self.store.read() as tx:
            return tx.last_seq()


def _ignore(seq: int) -> None:
    pass


def _expect(actual: int, expected: int | None, what: str) -> None:
    if expected is not None and expected != actual:
        raise Conflict(f"{what} has changed since you loaded it (version {actual}); reload")


def _closed(incident: Incident) -> Exception:
    return Conflict(f"incident {incident.number} is closed; reopen it first")
