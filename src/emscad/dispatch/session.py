"""A write session: loads aggregates once, records events, saves what changed with version checks.

Aggregates are saved with the version they had when the command's decision was made. If
another request changed one in between, the save fails as a Conflict: exactly one of two
dispatchers assigning the same unit at the same moment wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emscad.agency import rules as agency
from emscad.agency.models import Hospital, Station
from emscad.dispatch.ports import Alarm, Transaction
from emscad.errors import NotFound
from emscad.events import DomainEvent, Recorded
from emscad.incidents import lifecycle as incidents
from emscad.incidents.models import Incident
from emscad.intake import threads
from emscad.intake.threads import TextThread
from emscad.safety.checkins import CheckIn, apply_checkin
from emscad.safety.escorts import Escort, apply_escort
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.registry import apply_order
from emscad.safety.sos import Sos, apply_sos
from emscad.units import lifecycle as units
from emscad.units.models import Unit


@dataclass
class _Tracked:
    original_version: int
    current: Any


@dataclass
class Session:
    tx: Transaction
    actor: str
    at: datetime
    recorded: list[Recorded] = field(default_factory=list)
    notified: int = 0  # notifications queued for the outbox: wake it after the commit
    _incidents: dict[str, _Tracked] = field(default_factory=dict)
    _units: dict[str, _Tracked] = field(default_factory=dict)
    _stations: dict[str, _Tracked] = field(default_factory=dict)
    _hospitals: dict[str, _Tracked] = field(default_factory=dict)
    _threads: dict[str, _Tracked] = field(default_factory=dict)
    _alarms: dict[str, _Tracked] = field(default_factory=dict)  # "sos:<id>", "checkin:<id>"...
    _orders: dict[str, _Tracked] = field(default_factory=dict)

    # -- loading (each aggregate once per session) -----------------------------------------

    def incident(self, incident_id: str) -> Incident:
        found = self._load(self._incidents, incident_id, self.tx.find_incident)
        if found is None:
            raise NotFound(f"no incident {incident_id!r}")
        assert isinstance(found, Incident)
        return found

    def new_incident(self, incident_id: str) -> str:
        """Take a freshly generated id as free, sparing the look-up a first event would make.
        Were it taken after all, the insert at flush finds the row and fails as a Conflict."""
        self._incidents.setdefault(incident_id, _Tracked(0, None))
        return incident_id

    def unit(self, unit_id: str) -> Unit:
        found = self._load(self._units, unit_id, self.tx.find_unit)
        if found is None:
            raise NotFound(f"no unit {unit_id!r}")
        assert isinstance(found, Unit)
        return found

    def station(self, station_id: str) -> Station | None:
        found = self._load(self._stations, station_id, self.tx.find_station)
        assert found is None or isinstance(found, Station)
        return found

    def hospital(self, hospital_id: str) -> Hospital | None:
        found = self._load(self._hospitals, hospital_id, self.tx.find_hospital)
        assert found is None or isinstance(found, Hospital)
        return found

    def thread(self, thread_id: str) -> TextThread | None:
        found = self._load(self._threads, thread_id, self.tx.find_thread)
        assert found is None or isinstance(found, TextThread)
        return found

    def alarm(self, key: str) -> Alarm | None:
        found = self._load(self._alarms, key, self.tx.find_alarm)
        assert found is None or isinstance(found, Sos | CheckIn | Escort)
        return found

    def order(self, order_id: str) -> ProtectiveOrder:
        found = self._load(self._orders, order_id, self.tx.find_order)
        if found is None:
            raise NotFound(f"no protective order {order_id!r}")
        assert isinstance(found, ProtectiveOrder)
        return found

    @staticmethod
    def _load(cache: dict[str, _Tracked], key: str, find: Any) -> Any:
        if key not in cache:
            value = find(key)
            cache[key] = _Tracked(value.version if value is not None else 0, value)
        return cache[key].current

    # -- recording -------------------------------------------------------------------------

    def record(self, events: Sequence[DomainEvent]) -> list[Recorded]:
        recorded = self.tx.append(events, actor=self.actor, at=self.at)
        for rec in recorded:
            e = rec.event
            if e.incident_id is not None:
                self._load(self._incidents, e.incident_id, self.tx.find_incident)
                tracked = self._incidents[e.incident_id]
                tracked.current = incidents.apply(tracked.current, rec)
            if e.unit_id is not None:
                self._load(self._units, e.unit_id, self.tx.find_unit)
                tracked = self._units[e.unit_id]
                tracked.current = units.apply(tracked.current, rec)
            station = getattr(e, "station", None)
            if isinstance(station, str):
                self._load(self._stations, station, self.tx.find_station)
                tracked = self._stations[station]
                tracked.current = agency.apply_station(tracked.current, e)
            hospital = getattr(e, "hospital", None)
            if isinstance(hospital, str):
                self._load(self._hospitals, hospital, self.tx.find_hospital)
                tracked = self._hospitals[hospital]
                tracked.current = agency.apply_hospital(tracked.current, e)
            thread = getattr(e, "thread", None)
            if isinstance(thread, str):
                self._load(self._threads, thread, self.tx.find_thread)
                tracked = self._threads[thread]
                tracked.current = threads.apply(tracked.current, rec)
            self._apply_safety(rec)
        self.recorded.extend(recorded)
        return recorded

    def _apply_safety(self, rec: Recorded) -> None:
        subject = rec.event.subject or ""
        kind, _, ident = subject.partition(":")
        if kind == "order":
            self._load(self._orders, ident, self.tx.find_order)
            tracked = self._orders[ident]
            tracked.current = apply_order(tracked.current, rec)
        elif kind in _ALARM_APPLY:
            self._load(self._alarms, subject, self.tx.find_alarm)
            tracked = self._alarms[subject]
            tracked.current = _ALARM_APPLY[kind](tracked.current, rec)

    def flush(self) -> None:
        """Save every aggregate an event changed, checking nobody else changed it meanwhile.

        Safe to call more than once: what was saved counts as the new original, so a later
        flush saves only what changed after it (a command may need its writes visible to a
        query before it goes on, as an order's before the cautions are refreshed).
        """
        for tracked in self._incidents.values():
            if _changed(tracked):
                self.tx.save_incident(tracked.current, expected_version=tracked.original_version)
                _saved(tracked)
        for tracked in self._units.values():
            if _changed(tracked):
                self.tx.save_unit(tracked.current, expected_version=tracked.original_version)
                _saved(tracked)
        for key, tracked in self._stations.items():
            if _changed(tracked, removable=True):
                self.tx.save_station(
                    tracked.current, station_id=key, expected=tracked.original_version
                )
                _saved(tracked)
        for key, tracked in self._hospitals.items():
            if _changed(tracked, removable=True):
                self.tx.save_hospital(
                    tracked.current, hospital_id=key, expected=tracked.original_version
                )
                _saved(tracked)
        for tracked in self._orders.values():
            if _changed(tracked):
                self.tx.save_order(tracked.current, expected_version=tracked.original_version)
                _saved(tracked)
        for tracked in self._alarms.values():
            if _changed(tracked):
                self.tx.save_alarm(tracked.current, expected_version=tracked.original_version)
                _saved(tracked)
        for tracked in self._threads.values():
            if _changed(tracked):
                self.tx.save_thread(tracked.current, expected_version=tracked.original_version)
                _saved(tracked)


_ALARM_APPLY: dict[str, Callable[[Any, Recorded], Any]] = {
    "sos": apply_sos,
    "checkin": apply_checkin,
    "escort": apply_escort,
}


def _changed(tracked: _Tracked, *, removable: bool = False) -> bool:
    if tracked.current is None:
        return removable and tracked.original_version != 0  # removed
    return bool(tracked.current.version != tracked.original_version)


def _saved(tracked: _Tracked) -> None:
    tracked.original_version = tracked.current.version if tracked.current is not None else 0
