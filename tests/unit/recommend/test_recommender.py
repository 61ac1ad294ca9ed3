"""The recommender on a synthetic city: exact nearest units, explanations, hospital choice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emscad.agency.models import Hospital, Station
from emscad.errors import InvalidInput
from emscad.incidents.models import Incident, IncidentStatus, Location, Source
from emscad.recommend.plan import load_plan
from emscad.recommend.scoring import PositionSource
from emscad.recommend.service import Recommender
from emscad.regions.model import PlaceKind
from emscad.regions.synthetic import generate_region
from emscad.routing import Mode, Router, Snapper
from emscad.units.models import DEFAULT_CAPABILITIES, Position, Unit, UnitStatus, UnitType

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
REGION = generate_region("t", seed=5, nodes=3000, lights_sirens_factor=1.25, created_at=NOW)
NET = REGION.network
ROUTER = Router(NET)
SNAPPER = Snapper(NET)
STATIONS = [
    Station(id=p.id, name=p.name, lon=p.lon, lat=p.lat) for p in REGION.places_of(PlaceKind.STATION)
]
HOSPITALS = [
    Hospital(
        id=p.id, name=p.name, lon=p.lon, lat=p.lat, capabilities=("emergency", *p.capabilities)
    )
    for p in REGION.places_of(PlaceKind.HOSPITAL)
]
RECOMMENDER = Recommender(router=ROUTER, snapper=SNAPPER, plan=load_plan(), max_snap_m=500)


def _incident(lon: float, lat: float, complaint: str = "chest_pain", priority: int = 1) -> Incident:
    return Incident(
        id="i1",
        number="26-000001",
        status=IncidentStatus.PENDING,
        received_at=NOW,
        source=Source.PHONE,
        location=Location(text="here", lon=lon, lat=lat),
        chief_complaint=complaint,
        priority=priority,
    )


def _unit(i: int, kind: UnitType, status: UnitStatus, *, fix: Position | None = None) -> Unit:
    return Unit(
        id=f"u{i}",
        call_sign=f"{kind.value.upper()} {i}",
        type=kind,
        capabilities=DEFAULT_CAPABILITIES[kind],
        station=STATIONS[i % len(STATIONS)].id,
        status=status,
        position=fix,
    )


def _node_point(rng: np.random.Generator) -> tuple[float, float]:
    n = int(rng.integers(0, NET.n_nodes))
    return float(NET.node_lon[n]), float(NET.node_lat[n])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_first_unit_is_the_fastest_qualified_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    units = []
    for i in range(12):
        kind = [UnitType.ALS, UnitType.BLS, UnitType.POLICE][i % 3]
        moving = rng.random() < 0.5
        fix = None
        status = UnitStatus.AVAILABLE_AT_STATION
        if moving:
            lon, lat = _node_point(rng)
            fix = Position(lon=lon, lat=lat, at=NOW - timedelta(seconds=30))
            status = UnitStatus.AVAILABLE
        units.append(_unit(i, kind, status, fix=fix))
    lon, lat = _node_point(rng)
    result = RECOMMENDER.recommend(
        _incident(lon, lat), units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW
    )
    # Brute force: every ALS unit's exact ETA from where the recommender placed it.
    target = SNAPPER.snap(lon, lat, max_distance_m=500)
    truth = {}
    for u in units:
        if "als" not in u.capabilities:
            continue
        if u.position is not None:
            start = SNAPPER.snap(u.position.lon, u.position.lat, max_distance_m=500)
        else:
            st_ = next(s for s in STATIONS if s.id == u.station)
            start = SNAPPER.snap(st_.lon, st_.lat, max_distance_m=500)
        truth[u.id] = ROUTER.travel_times_to(target, [start], mode=Mode.LIGHTS_SIRENS)[0]
    assert {r.unit for r in result.units} == set(truth)
    best = min(truth.values())
    assert result.units[0].eta_s == pytest.approx(best, rel=1e-9, abs=1e-6)
    for rec in result.units[:4]:
        if rec.eta_s is not None:
            assert rec.eta_s == pytest.approx(truth[rec.unit], rel=1e-9, abs=1e-6)


def test_every_rank_is_explained() -> None:
    stale = Position(lon=STATIONS[0].lon, lat=STATIONS[0].lat, at=NOW - timedelta(minutes=10))
    units = [
        _unit(1, UnitType.ALS, UnitStatus.AVAILABLE, fix=stale),
        _unit(2, UnitType.ALS, UnitStatus.AVAILABLE_AT_STATION),
        _unit(3, UnitType.BLS, UnitStatus.AVAILABLE_AT_STATION),  # not qualified for P1 chest pain
        _unit(4, UnitType.ALS, UnitStatus.EN_ROUTE),  # busy
    ]
    h = HOSPITALS[0]
    result = RECOMMENDER.recommend(
        _incident(h.lon, h.lat), units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW
    )
    by_unit = {r.unit: r for r in result.units}
    assert set(by_unit) == {"u1", "u2"}
    assert by_unit["u1"].stale
    assert by_unit["u1"].source is PositionSource.AVL
    assert any("stale" in reason for reason in by_unit["u1"].reasons)
    assert by_unit["u2"].source is PositionSource.STATION
    first = result.units[0]
    assert "by road with lights and sirens" in first.reasons[0]
    assert first.distance_m is not None
    assert "km" in first.reasons[0]
    assert "qualified: ALS" in first.reasons


def test_a_clearing_unit_is_flagged_and_pays_a_penalty() -> None:
    h = HOSPITALS[0]
    clearing = replace(
        _unit(1, UnitType.ALS, UnitStatus.AT_HOSPITAL), destination=h.id, incident="old"
    )
    result = RECOMMENDER.recommend(
        _incident(h.lon, h.lat), units=[clearing], stations=STATIONS, hospitals=HOSPITALS, now=NOW
    )
    (rec,) = result.units
    assert rec.clearing
    assert rec.source is PositionSource.HOSPITAL
    assert rec.eta_s is not None
    assert rec.eta_s < 60  # it is right there


def test_the_hospital_suggested_is_the_nearest_capable_one_not_on_diversion() -> None:
    stroke = [h for h in HOSPITALS if "stroke" in h.capabilities]
    assert stroke
    target = stroke[0]
    hospitals = [*HOSPITALS]
    result = RECOMMENDER.recommend(
        _incident(target.lon, target.lat, "stroke"),
        units=[],
        stations=STATIONS,
        hospitals=hospitals,
        now=NOW,
    )
    assert result.hospitals[0].suggested
    assert result.hospitals[0].hospital == target.id
    diverted = [replace(h, diversion=True) if h.id == target.id else h for h in hospitals]
    result = RECOMMENDER.recommend(
        _incident(target.lon, target.lat, "stroke"),
        units=[],
        stations=STATIONS,
        hospitals=diverted,
        now=NOW,
    )
    assert result.hospitals[0].hospital != target.id or not result.hospitals[0].suggested
    flagged = next(o for o in result.hospitals if o.hospital == target.id)
    assert flagged.diversion
    assert not flagged.suggested


def test_an_incident_without_coordinates_cannot_be_recommended() -> None:
    incident = replace(_incident(0, 0), location=Location(text="somewhere"))
    with pytest.raises(InvalidInput, match="no coordinates"):
        RECOMMENDER.recommend(incident, units=[], stations=STATIONS, hospitals=HOSPITALS, now=NOW)


def test_a_moved_station_or_hospital_keeps_one_tree_the_new_one() -> None:
    rec = Recommender(router=ROUTER, snapper=SNAPPER, plan=load_plan(), max_snap_m=500)
    station, elsewhere = STATIONS[0], STATIONS[1]
    first = rec.station_tree(station)
    for _ in range(3):  # back and forth: never more than one tree for the station
        moved = replace(station, lon=elsewhere.lon, lat=elsewhere.lat)
        assert rec.station_tree(moved) is not first
        assert rec.station_tree(station) is not None
    assert len(rec._station_trees) == 1
    assert len(rec._landmarks) == 1
    assert rec.station_tree(station) is rec._landmarks[0]  # cached, and it is the landmark
    hospital = HOSPITALS[0]
    rec.hospital_tree(hospital)
    rec.hospital_tree(replace(hospital, lon=HOSPITALS[1].lon, lat=HOSPITALS[1].lat))
    assert len(rec._hospital_trees) == 1
    assert rec.hospital_tree(HOSPITALS[1]) is not None
    assert len(rec._hospital_trees) == 2  # a different hospital has its own


def _fleet(rng: np.random.Generator) -> list[Unit]:
    units = []
    for i in range(12):
        kind = [UnitType.ALS, UnitType.BLS, UnitType.POLICE][i % 3]
        lon, lat = _node_point(rng)
        moving = rng.random() < 0.6
        fix = Position(lon=lon, lat=lat, at=NOW) if moving else None
        status = UnitStatus.AVAILABLE if moving else UnitStatus.AVAILABLE_AT_STATION
        units.append(_unit(i, kind, status, fix=fix))
    return units


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_an_answer_from_a_kept_search_matches_a_fresh_one(seed: int) -> None:
    """The console asks again as the board moves: the incident's search is kept, and an
    answer for another layout of the fleet is the same as if nothing had been kept."""
    rng = np.random.default_rng(seed)
    incident = _incident(*_node_point(rng))
    warm = Recommender(router=ROUTER, snapper=SNAPPER, plan=load_plan(), max_snap_m=500)
    warm.recommend(incident, units=_fleet(rng), stations=STATIONS, hospitals=HOSPITALS, now=NOW)
    assert len(warm.targets) <= 1
    units = _fleet(rng)
    fresh = Recommender(router=ROUTER, snapper=SNAPPER, plan=load_plan(), max_snap_m=500)
    want = fresh.recommend(incident, units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW)
    got = warm.recommend(incident, units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW)
    # The nearest five are exact either way; a kept search that reached farther may time
    # more units beyond them, and every time it gives is exact too.
    assert [u.to_json() for u in got.units[:5]] == [u.to_json() for u in want.units[:5]]
    target = SNAPPER.snap(incident.location.lon, incident.location.lat, max_distance_m=500)  # type: ignore[arg-type]
    for rec in got.units:
        if rec.eta_s is not None and rec.source is PositionSource.AVL:
            unit = next(u for u in units if u.id == rec.unit)
            assert unit.position is not None
            start = SNAPPER.snap(unit.position.lon, unit.position.lat, max_distance_m=500)
            truth = ROUTER.travel_times_to(target, [start], mode=Mode.LIGHTS_SIRENS)[0]
            assert rec.eta_s == pytest.approx(truth, rel=1e-9, abs=1e-6)


def test_asking_again_for_an_incident_searches_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    units = _fleet(rng)
    incident = _incident(*_node_point(rng))
    rec = Recommender(router=ROUTER, snapper=SNAPPER, plan=load_plan(), max_snap_m=500)
    rec.warm(STATIONS, HOSPITALS)
    first = rec.recommend(incident, units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW)
    assert len(rec.targets) == 1
    searches = []
    real = Router.tree_to

    def counted(self: Router, *args: object, **kwargs: object) -> object:
        searches.append(kwargs.get("limit_s"))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Router, "tree_to", counted)
    again = rec.recommend(incident, units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW)
    assert searches == []
    assert again.to_json() == first.to_json()
    # Another incident is a new search.
    rec.recommend(
        _incident(*_node_point(rng)), units=units, stations=STATIONS, hospitals=HOSPITALS, now=NOW
    )
    assert len(searches) >= 1
