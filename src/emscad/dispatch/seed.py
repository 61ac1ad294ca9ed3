"""Seeding an agency from a region: its stations, hospitals and a starting roster of units."""

from __future__ import annotations

from dataclasses import dataclass

from emscad.agency.models import HOSPITAL_CAPABILITIES, Hospital, Station, StationKind
from emscad.dispatch.service import DispatchService
from emscad.regions.model import PlaceKind, Region
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, UnitStatus, UnitType

ACTOR = "seed"


@dataclass(frozen=True, slots=True)
class SeedReport:
    stations: int
    hospitals: int
    units: int


def seed_from_region(dispatch: DispatchService, region: Region) -> SeedReport:
    """Add what is missing: every station and hospital of the region, and units for them.

    Each EMS or fire station gets a medic (ALS) unit and every other one a BLS unit too; each
    police station two police units; the first two stations a supervisor each. Anything that
    already exists is left alone, so seeding twice changes nothing.
    """
    known_stations = {s.id for s in dispatch.stations()}
    known_hospitals = {h.id for h in dispatch.hospitals()}
    known_units = {u.id for u in dispatch.units(include_removed=True)}
    added = SeedReport(0, 0, 0)
    stations = region.places_of(PlaceKind.STATION)
    for place in stations:
        if place.id in known_stations:
            continue
        station_kind = StationKind.POLICE if place.category == "police" else StationKind.EMS
        dispatch.save_station(
            ACTOR,
            Station(
                id=place.id,
                name=place.name,
                lon=place.lon,
                lat=place.lat,
                kind=station_kind,
                address=place.address,
            ),
        )
        added = SeedReport(added.stations + 1, added.hospitals, added.units)
    for place in region.places_of(PlaceKind.HOSPITAL):
        if place.id in known_hospitals:
            continue
        caps = ("emergency", *(c for c in place.capabilities if c in HOSPITAL_CAPABILITIES))
        dispatch.save_hospital(
            ACTOR,
            Hospital(
                id=place.id,
                name=place.name,
                lon=place.lon,
                lat=place.lat,
                capabilities=tuple(dict.fromkeys(caps)),
                address=place.address,
            ),
        )
        added = SeedReport(added.stations, added.hospitals + 1, added.units)
    medic = ambulance = police = supervisor = 0
    for i, place in enumerate(stations):
        roster: list[tuple[str, str, UnitType]] = []
        if place.category == "police":
            for _ in range(2):
                police += 1
                roster.append((f"p{police}", f"Police {police}", UnitType.POLICE))
        else:
            medic += 1
            roster.append((f"m{medic}", f"Medic {medic}", UnitType.ALS))
            if i % 2 == 0:
                ambulance += 1
                roster.append((f"b{ambulance}", f"Ambulance {ambulance}", UnitType.BLS))
            if supervisor < 2:
                supervisor += 1
                roster.append((f"s{supervisor}", f"EMS {supervisor}", UnitType.SUPERVISOR))
        for unit_id, call_sign, kind in roster:
            if unit_id in known_units:
                continue
            dispatch.add_unit(
                ACTOR,
                unit_id,
                UnitProfile(
                    call_sign=call_sign,
                    type=kind,
                    capabilities=DEFAULT_CAPABILITIES[kind],
                    station=place.id,
                ),
                status=UnitStatus.AVAILABLE_AT_STATION,
            )
            added = SeedReport(added.stations, added.hospitals, added.units + 1)
    return added
