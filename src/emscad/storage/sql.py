"""The SQL implementation of the dispatch ports (emscad.dispatch.ports)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Importing the event modules registers their event types for reading the log back.
import emscad.agency.events
import emscad.incidents.events
import emscad.intake.device
import emscad.intake.premises
import emscad.intake.threads
import emscad.safety.events
import emscad.units.events  # noqa: F401
from emscad.accounts.audit import AuditEntry
from emscad.agency.models import Hospital, Station
from emscad.dispatch.ports import Fix
from emscad.errors import Conflict, Contention
from emscad.events import DomainEvent, Recorded
from emscad.incidents.models import Incident, IncidentStatus
from emscad.intake.history import location_key
from emscad.intake.phone import normalize_number
from emscad.intake.threads import thread_subject
from emscad.safety.events import WatchAcknowledged, WatchAlerted
from emscad.serial import from_json
from emscad.storage import tables as t
from emscad.storage.audit_sql import append_audit, bump, counter
from emscad.storage.db import Database
from emscad.storage.decoded import decoded, json_text, unit_of
from emscad.storage.intake_sql import IntakeRows
from emscad.storage.rows import data_of, save_versioned
from emscad.storage.safety_sql import AlertRows, SafetyRows
from emscad.units.models import Unit

EVENTS = "events"
_T = TypeVar("_T", Station, Hospital)


# The statements every write or every live event runs, built once (building a statement
# costs more than SQLite takes to run these).
_FIND_INCIDENT = sa.select(t.incidents.c.data, t.incidents.c.version).where(
    t.incidents.c.id == sa.bindparam("id")
)
_FIND_IDEMPOTENT = sa.select(t.idempotency.c.fingerprint, t.idempotency.c.result).where(
    t.idempotency.c.actor == sa.bindparam("actor"), t.idempotency.c.key == sa.bindparam("key")
)
_UNIT_COLUMNS = (
    json_text(t.units.c.data),
    t.units.c.version,
    t.units.c.lon,
    t.units.c.lat,
    t.units.c.position_at,
    t.units.c.accuracy_m,
    t.units.c.speed_mps,
    t.units.c.heading_deg,
)
_FIND_UNIT = sa.select(*_UNIT_COLUMNS).where(t.units.c.id == sa.bindparam("id"))
_UNITS = sa.select(*_UNIT_COLUMNS).order_by(t.units.c.call_sign)
_ACTIVE_UNITS = _UNITS.where(t.units.c.active)


def _roster_query(table: sa.Table) -> sa.Select[Any]:
    """A station's or hospital's stored JSON and version."""
    return sa.select(json_text(table.c.data), table.c.version)


def _places(kind: str, table: sa.Table) -> sa.Select[Any]:
    """A station's or hospital's row shaped like a unit's, for `_ROSTER`."""
    blank = [sa.cast(sa.null(), col.type).label(col.name) for col in _UNIT_COLUMNS[2:]]
    return _roster_query(table).add_columns(
        *blank, sa.literal(kind).label("kind"), table.c.id.label("sort")
    )


# The active units, the stations and the hospitals in one round trip: every recommendation
# reads all three, and on PostgreSQL each statement is a trip over the network.
_ROSTER = sa.union_all(
    _ACTIVE_UNITS.add_columns(
        sa.literal("u").label("kind"), t.units.c.call_sign.label("sort")
    ).order_by(None),
    _places("s", t.stations),
    _places("h", t.hospitals),
).order_by(sa.text("kind"), sa.text("sort"))
_EVENTS_AFTER = (
    t.events.select()
    .where(t.events.c.seq > sa.bindparam("after"))
    .order_by(t.events.c.seq)
    .limit(sa.bindparam("limit"))
)


def _subject(event: DomainEvent) -> str:
    for kind in ("incident", "unit", "station", "hospital"):
        value = getattr(event, kind, None)
        if isinstance(value, str):
            return f"{kind}:{value}"
    return (event.subject or "")[:100]


class SqlTransaction(IntakeRows, SafetyRows, AlertRows):
    def __init__(self, conn: Connection, *, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    # -- the event log -----------------------------------------------------------------------

    def append(self, events: Sequence[DomainEvent], *, actor: str, at: datetime) -> list[Recorded]:
        if not events:
            return []
        last = self._bump(EVENTS, len(events))
        first = last - len(events) + 1
        recorded = [
            Recorded(seq=first + i, at=at, actor=actor, event=e) for i, e in enumerate(events)
        ]
        self.conn.execute(
            t.events.insert(),
            [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "actor": actor,
                    "type": r.event.type,
                    "incident_id": r.event.incident_id,
                    "unit_id": r.event.unit_id,
                    "payload": r.event.payload(),
                    "subject": r.event.subject,
                }
                for r in recorded
            ],
        )
        # Every write is also on the audit trail, with its before and after.
        append_audit(
            self.conn,
            self.dialect,
            [
                AuditEntry(
                    at=r.at,
                    actor=actor,
                    action=r.event.type,
                    subject=_subject(r.event),
                    detail=r.event.payload(),
                )
                for r in recorded
            ],
        )
        return recorded

    def events_after(self, seq: int, *, limit: int) -> list[Recorded]:
        rows = self.conn.execute(_EVENTS_AFTER, {"after": seq, "limit": limit}).mappings()
        return [self._recorded(row) for row in rows]

    def events_for_incident(self, incident_id: str) -> list[Recorded]:
        query = (
            t.events.select().where(t.events.c.incident_id == incident_id).order_by(t.events.c.seq)
        )
        return [self._recorded(row) for row in self.conn.execute(query).mappings()]

    def events_for_subjects(self, subjects: Sequence[str]) -> list[Recorded]:
        if not subjects:
            return []
        query = t.events.select().where(t.events.c.subject.in_(subjects)).order_by(t.events.c.seq)
        return [self._recorded(row) for row in self.conn.execute(query).mappings()]

    def open_watch_alerts(self, *, limit: int) -> list[Recorded]:
        """High watch alerts (those with an incident key, their subject) that nobody has
        acknowledged, newest first."""
        e = t.events.c
        acked = t.events.alias("acked")
        query = (
            t.events.select()
            .where(
                e.type == WatchAlerted.type,
                e.subject.like("watch:%"),
                ~sa.exists().where(
                    acked.c.subject == e.subject, acked.c.type == WatchAcknowledged.type
                ),
            )
            .order_by(e.seq.desc())
            .limit(limit)
        )
        return [self._recorded(row) for row in self.conn.execute(query).mappings()]

    def linked_subjects(self, incident_id: str) -> list[str]:
        """Subjects whose events belong on the incident's timeline: its text threads and
        the safety alarms that raised it."""
        threads = self.conn.execute(
            sa.select(t.text_threads.c.id).where(t.text_threads.c.incident_id == incident_id)
        )
        return [thread_subject(r.id) for r in threads] + self.alarm_subjects(incident_id)

    def last_seq(self) -> int:
        return counter(self.conn, EVENTS)

    @staticmethod
    def _recorded(row: Any) -> Recorded:
        return Recorded(
            seq=row["seq"],
            at=row["at"],
            actor=row["actor"],
            event=DomainEvent.from_payload(row["type"], row["payload"]),
        )

    # -- incidents ---------------------------------------------------------------------------

    def find_incident(self, incident_id: str) -> Incident | None:
        row = self.conn.execute(_FIND_INCIDENT, {"id": incident_id}).first()
        return None if row is None else self._incident(row.data, row.version)

    @staticmethod
    def _incident(data: dict[str, Any], version: int) -> Incident:
        incident: Incident = from_json(Incident, data)
        return replace(incident, version=version)

    def save_incident(self, incident: Incident, *, expected_version: int) -> None:
        values = {
            "number": incident.number,
            "status": incident.status.value,
            "priority": incident.priority,
            "received_at": incident.received_at,
            # E.164, so "(501) 555-0123" and "+15015550123" find the same caller's history
            "caller_phone": normalize_number(incident.caller.phone),
            "address_key": location_key(incident.location),
            "location_text": incident.location.text,
            "lon": incident.location.lon,
            "lat": incident.location.lat,
            "data": data_of(incident),
            "version": incident.version,
        }
        self._save(t.incidents, incident.id, values, expected_version, what="incident")

    def list_incidents(self, *, statuses: Sequence[IncidentStatus], limit: int) -> list[Incident]:
        query = (
            sa.select(t.incidents.c.data, t.incidents.c.version)
            .where(t.incidents.c.status.in_([s.value for s in statuses]))
            .order_by(t.incidents.c.priority, t.incidents.c.received_at)
            .limit(limit)
        )
        return [self._incident(r.data, r.version) for r in self.conn.execute(query)]

    def incidents_by_phone(self, phone: str, *, limit: int) -> list[Incident]:
        query = (
            sa.select(t.incidents.c.data, t.incidents.c.version)
            .where(t.incidents.c.caller_phone == normalize_number(phone))
            .order_by(t.incidents.c.received_at.desc())
            .limit(limit)
        )
        return [self._incident(r.data, r.version) for r in self.conn.execute(query)]

    # -- units -------------------------------------------------------------------------------

    def find_unit(self, unit_id: str) -> Unit | None:
        row = self.conn.execute(_FIND_UNIT, {"id": unit_id}).first()
        return None if row is None else self._unit(row)

    @staticmethod
    def _unit(row: Any) -> Unit:
        return unit_of(
            row.data_text,
            row.version,
            row.lon,
            row.lat,
            row.position_at,
            row.accuracy_m,
            row.speed_mps,
            row.heading_deg,
        )

    def save_unit(self, unit: Unit, *, expected_version: int) -> None:
        data = data_of(unit)
        data.pop("position", None)
        values = {
            "call_sign": unit.call_sign,
            "status": unit.status.value,
            "incident_id": unit.incident,
            "active": unit.active,
            "data": data,
            "version": unit.version,
        }
        self._save(t.units, unit.id, values, expected_version, what="unit")

    def list_units(self, *, include_removed: bool = False) -> list[Unit]:
        query = _UNITS if include_removed else _ACTIVE_UNITS
        return [self._unit(r) for r in self.conn.execute(query)]

    def roster(self) -> tuple[list[Unit], list[Station], list[Hospital]]:
        """`list_units()`, `list_stations()` and `list_hospitals()` in one statement."""
        units: list[Unit] = []
        stations: list[Station] = []
        hospitals: list[Hospital] = []
        for r in self.conn.execute(_ROSTER).all():
            if r.kind == "u":
                units.append(self._unit(r))
            elif r.kind == "s":
                stations.append(decoded(Station, r.data_text, r.version))
            else:
                hospitals.append(decoded(Hospital, r.data_text, r.version))
        return units, stations, hospitals

    # -- stations and hospitals --------------------------------------------------------------

    def find_station(self, station_id: str) -> Station | None:
        return self._find_simple(t.stations, Station, station_id)

    def save_station(self, station: Station | None, *, station_id: str, expected: int) -> None:
        self._save_simple(t.stations, station, station_id, expected, what="station")

    def list_stations(self) -> list[Station]:
        return self._list_simple(t.stations, Station)

    def find_hospital(self, hospital_id: str) -> Hospital | None:
        return self._find_simple(t.hospitals, Hospital, hospital_id)

    def save_hospital(self, hospital: Hospital | None, *, hospital_id: str, expected: int) -> None:
        self._save_simple(t.hospitals, hospital, hospital_id, expected, what="hospital")

    def list_hospitals(self) -> list[Hospital]:
        return self._list_simple(t.hospitals, Hospital)

    def _find_simple(self, table: sa.Table, kind: type[_T], key: str) -> _T | None:
        row = self.conn.execute(_roster_query(table).where(table.c.id == key)).first()
        return None if row is None else decoded(kind, row.data_text, row.version)

    def _list_simple(self, table: sa.Table, kind: type[_T]) -> list[_T]:
        rows = self.conn.execute(_roster_query(table).order_by(table.c.id))
        return [decoded(kind, r.data_text, r.version) for r in rows]

    def _save_simple(
        self, table: sa.Table, value: Any, key: str, expected: int, *, what: str
    ) -> None:
        if value is None:
            result = self.conn.execute(
                table.delete().where(table.c.id == key, table.c.version == expected)
            )
            if result.rowcount != 1:
                raise Conflict(f"the {what} was changed by someone else; reload and try again")
            return
        values = {"data": data_of(value), "version": value.version}
        self._save(table, key, values, expected, what=what)

    def _save(
        self, table: sa.Table, key: str, values: dict[str, Any], expected: int, *, what: str
    ) -> None:
        save_versioned(self.conn, table, key, values, expected, what=what)

    # -- AVL ---------------------------------------------------------------------------------

    def unknown_units(self, unit_ids: Sequence[str]) -> list[str]:
        wanted = sorted(set(unit_ids))
        found = {
            r[0] for r in self.conn.execute(sa.select(t.units.c.id).where(t.units.c.id.in_(wanted)))
        }
        return [u for u in wanted if u not in found]

    def record_fixes(self, fixes: Sequence[Fix], *, received_at: datetime) -> int:
        if not fixes:
            return 0
        rows = [
            {
                "unit_id": f.unit,
                "at": f.position.at,
                "received_at": received_at,
                "lon": f.position.lon,
                "lat": f.position.lat,
                "accuracy_m": f.position.accuracy_m,
                "speed_mps": f.position.speed_mps,
                "heading_deg": f.position.heading_deg,
            }
            for f in fixes
        ]
        self.conn.execute(t.positions.insert(), rows)
        # Only a newer fix moves the unit: devices resend old fixes after losing signal.
        latest: dict[str, Fix] = {}
        for f in fixes:
            best = latest.get(f.unit)
            if best is None or f.position.at > best.position.at:
                latest[f.unit] = f
        # Lock unit rows in one order (by id) in every batch, or two batches that touch the
        # same units in different orders deadlock each other.
        ordered = [latest[unit] for unit in sorted(latest)]
        u = t.units.c
        statement = (
            t.units.update()
            .where(
                u.id == sa.bindparam("b_unit"),
                sa.or_(u.position_at.is_(None), u.position_at < sa.bindparam("b_at")),
            )
            .values(
                lon=sa.bindparam("b_lon"),
                lat=sa.bindparam("b_lat"),
                position_at=sa.bindparam("b_at"),
                accuracy_m=sa.bindparam("b_acc"),
                speed_mps=sa.bindparam("b_speed"),
                heading_deg=sa.bindparam("b_heading"),
            )
        )
        self.conn.execute(
            statement,
            [
                {
                    "b_unit": f.unit,
                    "b_at": f.position.at,
                    "b_lon": f.position.lon,
                    "b_lat": f.position.lat,
                    "b_acc": f.position.accuracy_m,
                    "b_speed": f.position.speed_mps,
                    "b_heading": f.position.heading_deg,
                }
                for f in ordered
            ],
        )
        return len(rows)

    # -- counters and idempotency ------------------------------------------------------------

    def next_count(self, name: str) -> int:
        return self._bump(name, 1)

    def _bump(self, name: str, n: int) -> int:
        return bump(self.conn, self.dialect, name, n)

    def find_idempotent(self, actor: str, key: str) -> tuple[str, str] | None:
        row = self.conn.execute(_FIND_IDEMPOTENT, {"actor": actor, "key": key}).first()
        return None if row is None else (row.fingerprint, row.result)

    def save_idempotent(
        self, actor: str, key: str, *, fingerprint: str, result: str, at: datetime
    ) -> None:
        self.conn.execute(
            t.idempotency.insert(),
            {
                "actor": actor,
                "key": key,
                "fingerprint": fingerprint,
                "result": result,
                "created_at": at,
            },
        )

    def finish_idempotent(self, actor: str, key: str, *, result: str) -> None:
        self.conn.execute(
            t.idempotency.update()
            .where(t.idempotency.c.actor == actor, t.idempotency.c.key == key)
            .values(result=result)
        )


class SqlStore:
    """Hands out transactions on a Database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._dialect = database.url.get_backend_name()

    @contextmanager
    def write(self) -> Iterator[SqlTransaction]:
        try:
            with self.database.transaction(write=True) as conn:
                yield SqlTransaction(conn, dialect=self._dialect)
        except sa.exc.IntegrityError as exc:
            # Two requests inserted the same key at once (say, one Idempotency-Key): the loser
            # rolled back; running it again finds the winner's row.
            raise Contention("a concurrent request wrote the same record") from exc
        except sa.exc.DBAPIError as exc:
            raise transient(exc) from exc

    @contextmanager
    def read(self) -> Iterator[SqlTransaction]:
        try:
            with self.database.transaction(write=False) as conn:
                yield SqlTransaction(conn, dialect=self._dialect)
        except sa.exc.DBAPIError as exc:
            raise transient(exc) from exc


# PostgreSQL codes for failures that a retry of the whole transaction resolves.
_RETRYABLE = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def transient(exc: sa.exc.DBAPIError) -> Exception:
    """A retryable Contention for deadlocks, lost connections and busy databases; else as is."""
    code = getattr(exc.orig, "sqlstate", None)
    busy = "database is locked" in str(exc.orig)
    if exc.connection_invalidated or code in _RETRYABLE or busy:
        return Contention("the database was busy; the request can be retried")
    return exc
