"""Tag rules: which ways an ambulance may drive, which way, how fast, and under what name."""

from __future__ import annotations

import pytest

from emscad.regions.osm.tags import (
    ROAD_CLASSES,
    Direction,
    direction,
    exclusion,
    is_drivable,
    parse_maxspeed,
    road_class,
    speed_kph,
    street_name,
    tiger_zip,
)
from emscad.regions.roads import DEFAULT_SPEED_KPH, MPH, RoadClass


@pytest.mark.parametrize(
    ("text", "kph"),
    [
        ("50", 50.0),
        ("30.5", 30.5),
        ("50 km/h", 50.0),
        ("50km/h", 50.0),
        ("50 kmh", 50.0),
        ("50 kph", 50.0),
        ("35 mph", 35 * MPH),
        ("35mph", 35 * MPH),
        ("35 MPH", 35 * MPH),
        (" 25 mph ", 25 * MPH),
        ("10 knots", 18.52),
        ("60;50", 50.0),
        ("35 mph;40 mph", 35 * MPH),
        ("none;50", 50.0),
    ],
)
def test_maxspeed_with_a_number_gives_km_per_hour(text: str, kph: float) -> None:
    assert parse_maxspeed(text) == pytest.approx(kph)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "none",
        "walk",
        "signals",
        "variable",
        "US:urban",
        "RU:urban",
        "DE:rural",
        "0",
        "-20",
        "999",
        "fast",
        "50 furlongs",
        "50,5",
    ],
)
def test_maxspeed_without_a_usable_number_gives_none(text: str | None) -> None:
    assert parse_maxspeed(text) is None


def test_road_without_usable_maxspeed_runs_at_its_class_default() -> None:
    for value in (None, "none", "walk", "US:urban"):
        tags = {"highway": "residential"} | ({"maxspeed": value} if value else {})
        assert speed_kph(tags, RoadClass.RESIDENTIAL, Direction.BOTH) == pytest.approx(25 * MPH)
    assert DEFAULT_SPEED_KPH[RoadClass.MOTORWAY] == pytest.approx(65 * MPH)


def test_posted_limit_wins_over_the_class_default() -> None:
    tags = {"highway": "primary", "maxspeed": "35 mph"}
    assert speed_kph(tags, RoadClass.PRIMARY, Direction.BOTH) == pytest.approx(35 * MPH)


def test_directional_limits_apply_to_the_direction_driven() -> None:
    tags = {"maxspeed:forward": "40", "maxspeed:backward": "30"}
    assert speed_kph(tags, RoadClass.PRIMARY, Direction.FORWARD) == 40.0
    assert speed_kph(tags, RoadClass.PRIMARY, Direction.BACKWARD) == 30.0
    assert speed_kph(tags, RoadClass.PRIMARY, Direction.BOTH) == 30.0
    only_backward = {"maxspeed:backward": "30"}
    default = DEFAULT_SPEED_KPH[RoadClass.PRIMARY]
    assert speed_kph(only_backward, RoadClass.PRIMARY, Direction.FORWARD) == default


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"oneway": "yes"}, Direction.FORWARD),
        ({"oneway": "true"}, Direction.FORWARD),
        ({"oneway": "1"}, Direction.FORWARD),
        ({"oneway": "-1"}, Direction.BACKWARD),
        ({"oneway": "reverse"}, Direction.BACKWARD),
        ({"oneway": "no"}, Direction.BOTH),
        ({"oneway": "false"}, Direction.BOTH),
        ({"oneway": "0"}, Direction.BOTH),
        ({"oneway": "reversible"}, Direction.BOTH),
        ({"oneway": "alternating"}, Direction.BOTH),
        ({}, Direction.BOTH),
        ({"oneway": "Yes"}, Direction.FORWARD),
        ({"junction": "roundabout"}, Direction.FORWARD),
        ({"junction": "circular"}, Direction.FORWARD),
        ({"junction": "roundabout", "oneway": "no"}, Direction.BOTH),
        ({"junction": "roundabout", "oneway": "-1"}, Direction.BACKWARD),
        ({"highway": "motorway"}, Direction.FORWARD),
        ({"highway": "motorway", "oneway": "no"}, Direction.BOTH),
        ({"highway": "motorway_link"}, Direction.BOTH),
        ({"oneway": "unknown"}, Direction.BOTH),
        ({"highway": "motorway", "oneway": "yes;no"}, Direction.FORWARD),
    ],
)
def test_oneway_tags_set_the_driving_direction(tags: dict[str, str], expected: Direction) -> None:
    assert direction({"highway": "residential", **tags}) is expected


def test_every_road_class_is_drivable_by_default() -> None:
    for value, klass in ROAD_CLASSES.items():
        assert is_drivable({"highway": value})
        assert road_class({"highway": value}) is klass


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "footway"},
        {"highway": "cycleway"},
        {"highway": "path"},
        {"highway": "track"},
        {"highway": "pedestrian"},
        {"highway": "steps"},
        {"highway": "construction", "construction": "residential"},
        {"highway": "proposed", "proposed": "primary"},
        {"highway": "abandoned"},
        {"railway": "rail"},
        {"highway": "residential", "area": "yes"},
        {"highway": "service", "service": "parking_aisle"},
        {"highway": "service", "service": "drive-through"},
        {"highway": "service", "service": "drive_through"},
        {"highway": "residential", "construction": "yes"},
        {"highway": "residential", "disused": "yes"},
        {"highway": "residential", "impassable": "yes"},
        {"highway": "residential", "status": "impassable"},
        {"highway": "residential", "smoothness": "impassable"},
        {"highway": "residential", "access": "no"},
        {"highway": "residential", "access": "agricultural"},
        {"highway": "residential", "access": "forestry"},
        {"highway": "residential", "access": "No"},
        {"highway": "residential", "vehicle": "no"},
        {"highway": "residential", "motor_vehicle": "no"},
        {"highway": "residential", "motorcar": "no"},
        {"highway": "residential", "motor_vehicle": "psv"},
        {"highway": "residential", "access": "bus"},
        {"highway": "residential", "access": "yes", "motorcar": "no"},
        {"highway": "residential", "motor_vehicle": "yes", "motorcar": "no"},
        {"highway": "residential", "emergency": "no"},
        # emergency=yes opens closed roads, not parking aisles or building sites
        {"highway": "service", "service": "parking_aisle", "emergency": "yes"},
        {"highway": "footway", "emergency": "yes"},
    ],
)
def test_ways_an_ambulance_cannot_use_are_excluded(tags: dict[str, str]) -> None:
    assert not is_drivable(tags)
    assert exclusion(tags)


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "residential", "access": "private"},
        {"highway": "residential", "access": "destination"},
        {"highway": "residential", "access": "customers"},
        {"highway": "residential", "access": "permissive"},
        {"highway": "residential", "access": "delivery"},
        {"highway": "residential", "access": "designated"},
        {"highway": "residential", "access": "yes"},
        {"highway": "residential", "access": "unknown"},
        {"highway": "residential", "motor_vehicle": "emergency"},
        {"highway": "service", "service": "driveway"},
        {"highway": "service", "service": "alley"},
        {"highway": "service", "access": "private"},
        {"highway": "residential", "construction": "minor"},
        {"highway": "primary", "proposed": "lane"},
        # the most specific access key decides
        {"highway": "residential", "access": "no", "motor_vehicle": "yes"},
        {"highway": "residential", "access": "no", "vehicle": "private"},
        {"highway": "residential", "motor_vehicle": "no", "motorcar": "yes"},
        # emergency vehicles may use what others may not
        {"highway": "residential", "access": "no", "emergency": "yes"},
        {"highway": "residential", "access": "no", "emergency": "designated"},
        {"highway": "residential", "motor_vehicle": "no", "emergency": "yes"},
        {"highway": "residential", "motorcar": "no", "emergency": "designated"},
        {"highway": "service", "service": "emergency_access", "access": "no"},
    ],
)
def test_roads_an_ambulance_may_use_are_kept(tags: dict[str, str]) -> None:
    assert is_drivable(tags), exclusion(tags)


def test_emergency_no_closes_an_emergency_access_road() -> None:
    tags = {"highway": "service", "service": "emergency_access", "emergency": "no"}
    assert not is_drivable(tags)


def test_street_name_is_name_else_ref() -> None:
    assert street_name({"name": "W Broad St", "ref": "US 40"}) == "W Broad St"
    assert street_name({"ref": "I 70"}) == "I 70"
    assert street_name({"name": "  "}) == ""
    assert street_name({}) == ""


def test_tiger_zip_keeps_the_first_of_several_codes() -> None:
    assert tiger_zip("97214") == "97214"
    assert tiger_zip("97060:97232") == "97060"
    assert tiger_zip("43215;43206") == "43215"
    assert tiger_zip(None) == ""
