"""Roster commands: units, stations and hospitals (mixed into DispatchService)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from emscad.agency import rules as agency
from emscad.agency.models import Hospital, Station
from emscad.dispatch.session import Session
from emscad.errors import InvalidInput, NotFound
from emscad.units import lifecycle as units
from emscad.units.events import UnitProfile
from emscad.units.models import Unit, UnitStatus

T = TypeVar("T")


class RosterCommands:
    def run(self, actor: str, command: Callable[[Session], T]) -> T:
        raise NotImplementedError

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

        return self.run(actor, command)

    def edit_unit(self, actor: str, unit_id: str, profile: UnitProfile) -> Unit:
        def command(s: Session) -> Unit:
            self._check_station(s, profile.station)
            s.record(units.edit(s.unit(unit_id), profile))
            return s.unit(unit_id)

        return self.run(actor, command)

    def remove_unit(self, actor: str, unit_id: str) -> Unit:
        def command(s: Session) -> Unit:
            s.record([units.remove(s.unit(unit_id))])
            return s.unit(unit_id)

        return self.run(actor, command)

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

        return self.run(actor, command)

    def remove_station(self, actor: str, station_id: str) -> None:
        def command(s: Session) -> None:
            station = s.station(station_id)
            if station is None:
                raise NotFound(f"no station {station_id!r}")
            homed = [u.call_sign for u in s.tx.list_units() if u.station == station_id]
            if homed:
                raise InvalidInput(f"units still call this station home: {', '.join(homed)}")
            s.record([agency.remove_station(station)])

        self.run(actor, command)

    def save_hospital(self, actor: str, hospital: Hospital) -> Hospital:
        def command(s: Session) -> Hospital:
            s.record(agency.save_hospital(s.hospital(hospital.id), hospital))
            saved = s.hospital(hospital.id)
            assert saved is not None
            return saved

        return self.run(actor, command)

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

        return self.run(actor, command)

    def remove_hospital(self, actor: str, hospital_id: str) -> None:
        def command(s: Session) -> None:
            hospital = s.hospital(hospital_id)
            if hospital is None:
                raise NotFound(f"no hospital {hospital_id!r}")
            s.record([agency.remove_hospital(hospital)])

        self.run(actor, command)
