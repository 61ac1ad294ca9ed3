"""The dispatch service: every command a call-taker or dispatcher gives, in one transaction each.

Commands load what they need, ask the pure state machines (incidents.lifecycle,
units.lifecycle, agency.rules) for events, and record them; the events update the current
state in the same transaction. After the commit, `on_commit` is told the last event number
so the live stream can wake up. Services never speak HTTP: they raise emscad.errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from emscad.agency.models import Hospital, Station
from emscad.clock import Clock
from emscad.dispatch.cautions import CautionQuery, CautionSource, merge
from emscad.dispatch.idempotency import Idempotency, remember, replayed
from emscad.dispatch.ports import Fix, Store
from emscad.dispatch.roster import RosterCommands
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
from emscad.intake.phone import normalize_number
from emscad.units import lifecycle as units
from emscad.units.models import Unit, UnitStatus

T = TypeVar("T")

OPEN_STATUSES = (IncidentStatus.PENDING, IncidentStatus.ACTIVE)
SYSTEM_CAUTIONS = "system:cautions"  # the actor of cautions changed by the clock
# expire_cautions looks again this far back: an incident written just before a date passed
# may commit after the refresh read the open incidents (PostgreSQL reads what is committed),
# and a caution saved during the look may end within it. A repeat refresh writes nothing.
CAUTIONS_RECHECK = timedelta(seconds=5)
MAX_PAST_RECEIVED = timedelta(hours=24)  # a call's start time may be given, within reason
MAX_FUTURE_RECEIVED = timedelta(seconds=60)  # clocks drift a little between systems


class DispatchService(RosterCommands):
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        new_id: Callable[[], str],
        timezone: ZoneInfo,
        on_commit: Callable[[int], None] | None = None,
        caution_sources: Sequence[CautionSource] = (),
        on_notify: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.timezone = timezone
        self.on_commit = on_commit or _ignore
        self.caution_sources = tuple(caution_sources)
        self.on_notify = on_notify or (lambda: None)  # wake the outbox: alerts were queued
        # Until when the managed cautions of open incidents are known to be current (see
        # expire_cautions); None: not since this process started.
        self._cautions_current_at: datetime | None = None

    # -- plumbing --------------------------------------------------------------------------

    def run(self, actor: str, command: Callable[[Session], T]) -> T:
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
        if session.notified:
            self.on_notify()
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
            return self.open_incident(
                s,
                source=source,
                location=location,
                triage=triage,
                caller=caller,
                persons=persons,
                cautions=cautions,
                received_at=received_at,
                idempotency=idempotency,
            )

        return self.run(actor, command)

    def open_incident(
        self,
        s: Session,
        *,
        source: Source,
        location: Location,
        triage: Triage,
        caller: Caller | None = None,
        persons: tuple[Person, ...] = (),
        cautions: tuple[Caution, ...] = (),
        received_at: datetime | None = None,
        idempotency: Idempotency | None = None,
        trusted: bool = False,
    ) -> tuple[Incident, bool]:
        """Create an incident inside a command's session (see create_incident).

        `trusted` is for incidents the system itself raises (an SOS, a watch alert): their
        cautions are kept as given, even ones a caution source manages, since they were
        written for this alarm; the sources add what they know beside them.
        """
        seen = replayed(s, idempotency)
        if seen is not None:
            return s.incident(seen), True
        received = self._received(received_at, s.at)
        incident_id = s.new_incident(self.new_id())
        caller_ = _e164(caller)
        query = CautionQuery(
            location=location, caller=caller_ or Caller(), persons=persons, at=s.at
        )
        all_cautions = merge(cautions, self.caution_sources, s.tx, query, keep_given=trusted)
        s.record(
            [
                incidents.create(
                    incident_id=incident_id,
                    number=self._number(s, received),
                    received_at=received,
                    source=source,
                    location=location,
                    triage=triage,
                    caller=caller_,
                    persons=persons,
                    cautions=all_cautions,
                )
            ]
        )
        remember(s, idempotency, incident_id)
        return s.incident(incident_id), False

    def refresh_cautions(self, s: Session) -> None:
        """Recompute the managed cautions of every open incident, after a caution source's
        records changed (a premise caution saved, a protective order entered)."""
        if not self.caution_sources:
            return
        for incident in s.tx.list_incidents(statuses=OPEN_STATUSES, limit=5000):
            query = CautionQuery(
                location=incident.location,
                caller=incident.caller,
                persons=incident.persons,
                at=s.at,
            )
            fresh = merge(incident.cautions, self.caution_sources, s.tx, query)
            s.record(incidents.update(s.incident(incident.id), cautions=fresh))

    def expire_cautions(self) -> int:
        """Bring open incidents' managed cautions up to date when a premise caution or a
        protective order has come into force or lapsed since the last call; on the first
        call always, since records may have lapsed while the server was down. Returns how
        many incidents changed. The server's ticker calls it every few seconds."""
        if not self.caution_sources:
            return 0
        since, now = self._cautions_current_at, self.clock.now()
        if since is not None:
            with self.store.read() as tx:
                stale = any(src.changes_between(tx, since, now) for src in self.caution_sources)
            if not stale:
                self._cautions_current_at = now - CAUTIONS_RECHECK
                return 0

        def command(s: Session) -> tuple[int, datetime]:
            self.refresh_cautions(s)
            return len({r.event.incident_id for r in s.recorded}), s.at

        changed, at = self.run(SYSTEM_CAUTIONS, command)
        self._cautions_current_at = min(at, now) - CAUTIONS_RECHECK
        return changed

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
            caller_ = _e164(caller)
            new_cautions = cautions
            changes = (location, caller_, persons, cautions)
            if self.caution_sources and any(c is not None for c in changes):
                query = CautionQuery(
                    location=location or incident.location,
                    caller=caller_ or incident.caller,
                    persons=incident.persons if persons is None else persons,
                    at=s.at,
                )
                given = incident.cautions if cautions is None else cautions
                new_cautions = merge(given, self.caution_sources, s.tx, query)
            s.record(
                incidents.update(
                    incident,
                    location=location,
                    triage=triage,
                    caller=caller_,
                    persons=persons,
                    cautions=new_cautions,
                )
            )
            return s.incident(incident_id)

        return self.run(actor, command)

    def set_destination(self, actor: str, incident_id: str, hospital_id: str | None) -> Incident:
        def command(s: Session) -> Incident:
            if hospital_id is not None and s.hospital(hospital_id) is None:
                raise NotFound(f"no hospital {hospital_id!r}")
            s.record(incidents.set_destination(s.incident(incident_id), hospital_id))
            return s.incident(incident_id)

        return self.run(actor, command)

    def add_note(self, actor: str, incident_id: str, text: str) -> Note:
        def command(s: Session) -> Note:
            note = Note(id=self.new_id(), at=s.at, author=actor, text=text)
            s.record([incidents.add_note(s.incident(incident_id), note)])
            return note

        return self.run(actor, command)

    def close_incident(self, actor: str, incident_id: str, disposition: Disposition) -> Incident:
        def command(s: Session) -> Incident:
            s.record([incidents.close(s.incident(incident_id), disposition)])
            return s.incident(incident_id)

        return self.run(actor, command)

    def reopen_incident(self, actor: str, incident_id: str, reason: str) -> Incident:
        def command(s: Session) -> Incident:
            s.record([incidents.reopen(s.incident(incident_id), reason)])
            return s.incident(incident_id)

        return self.run(actor, command)

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

        return self.run(actor, command)

    def unassign(
        self, actor: str, incident_id: str, unit_id: str, *, reason: str = ""
    ) -> tuple[Incident, Unit]:
        def command(s: Session) -> tuple[Incident, Unit]:
            s.incident(incident_id)
            s.record([units.unassign(s.unit(unit_id), incident_id, reason=reason[:200])])
            return s.incident(incident_id), s.unit(unit_id)

        return self.run(actor, command)

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

        return self.run(actor, command)

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
        """The incident's events and those of the text threads and alarms linked to it."""
        with self.store.read() as tx:
            if tx.find_incident(incident_id) is None:
                raise NotFound(f"no incident {incident_id!r}")
            own = tx.events_for_incident(incident_id)
            linked = tx.events_for_subjects(tx.linked_subjects(incident_id))
        merged = {r.seq: r for r in (*own, *linked)}
        return [merged[seq] for seq in sorted(merged)]

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
            return incident, *tx.roster()

    def events_after(self, seq: int, *, limit: int = 1000) -> list[Recorded]:
        with self.store.read() as tx:
            return tx.events_after(seq, limit=limit)

    def last_seq(self) -> int:
        with self.store.read() as tx:
            return tx.last_seq()


def _ignore(seq: int) -> None:
    pass


def _e164(caller: Caller | None) -> Caller | None:
    """The caller with the number in E.164 when it is one ("(501) 555-0123" ->
    "+15015550123"), so history by number and replies by text find it."""
    if caller is None:
        return None
    return replace(caller, phone=normalize_number(caller.phone))


def _expect(actual: int, expected: int | None, what: str) -> None:
    if expected is not None and expected != actual:
        raise Conflict(f"{what} has changed since you loaded it (version {actual}); reload")


def _closed(incident: Incident) -> Exception:
    return Conflict(f"incident {incident.number} is closed; reopen it first")
