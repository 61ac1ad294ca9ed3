"""Hospitals, stations and address points: what the tags make of them and where they sit."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon

from emscad.regions.model import NO_STRING, AddressSource, PlaceKind
from emscad.regions.osm.elements import Line, OsmFeature
from emscad.regions.osm.places import (
    hospital_capabilities,
    is_feature,
    leading_number,
    make_place,
    places_and_addresses,
    postal_address,
    representative_point,
    station_services,
)
from emscad.regions.strings import StringPool

SQUARE: Line = ((0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0))
# a U shape whose vertex mean (about 1.1, 1.3) lies in the notch, outside the building
U_SHAPE: Line = (
    (0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (2.0, 3.0), (2.0, 1.0),
    (1.0, 1.0), (1.0, 3.0), (0.0, 3.0), (0.0, 0.0),
)  # fmt: skip


def node(tags: dict[str, str], x: float = 1.0, y: float = 1.0, id: int = 7) -> OsmFeature:
    return OsmFeature("n", id, tags, (((x, y),),))


def test_hospital_capabilities_come_only_from_tags_that_say_so() -> None:
    assert hospital_capabilities({"emergency": "yes"}) == ("emergency",)
    assert hospital_capabilities({"emergency": "no"}) == ()
    assert hospital_capabilities({}) == ()
    tags = {"emergency": "yes", "healthcare:speciality": "trauma;paediatrics;cardiology"}
    assert hospital_capabilities(tags) == ("emergency", "trauma", "pediatric")


@pytest.mark.parametrize(
    ("tags", "services"),
    [
        ({"emergency": "ambulance_station"}, ("ems",)),
        ({"amenity": "ambulance_station"}, ("ems",)),
        ({"amenity": "fire_station"}, ("fire",)),
        ({"amenity": "police"}, ("police",)),
        ({"amenity": "fire_station", "emergency": "ambulance_station"}, ("ems", "fire")),
        ({"amenity": "school"}, ()),
    ],
)
def test_station_services_follow_the_station_tags(
    tags: dict[str, str], services: tuple[str, ...]
) -> None:
    assert station_services(tags) == services


def test_unnamed_station_gets_a_readable_name_and_a_stable_id() -> None:
    place = make_place(node({"amenity": "fire_station"}, id=42), (1.0, 2.0))
    assert place is not None
    assert place.id == "osm-n42"
    assert place.name == "Fire station (unnamed)"
    assert place.kind is PlaceKind.STATION
    assert place.category == "fire"
    assert place.capabilities == ("fire",)
    assert (place.lon, place.lat) == (1.0, 2.0)


def test_ems_station_is_a_station_with_category_ems() -> None:
    place = make_place(node({"emergency": "ambulance_station", "name": "Medic 7"}), (0, 0))
    assert place is not None
    assert (place.name, place.category, place.capabilities) == ("Medic 7", "ems", ("ems",))


def test_hospital_keeps_name_aliases_and_address() -> None:
    tags = {
        "amenity": "hospital",
        "name": "Grant Medical Center",
        "short_name": "Grant",
        "alt_name": "Grant Hospital;Grant",
        "emergency": "yes",
        "addr:housenumber": "111",
        "addr:street": "S Grant Ave",
        "addr:city": "Columbus",
        "addr:state": "OH",
        "addr:postcode": "43215",
    }
    place = make_place(OsmFeature("w", 9, tags, (SQUARE,)), (1.0, 1.0))
    assert place is not None
    assert place.id == "osm-w9"
    assert place.kind is PlaceKind.HOSPITAL
    assert place.aliases == ("Grant", "Grant Hospital")
    assert place.address == "111 S Grant Ave, Columbus, OH 43215"
    assert place.capabilities == ("emergency",)


def test_healthcare_hospital_without_a_name_is_a_hospital() -> None:
    place = make_place(OsmFeature("r", 3, {"healthcare": "hospital"}, (SQUARE,)), (0, 0))
    assert place is not None
    assert (place.id, place.name) == ("osm-r3", "Hospital (unnamed)")


def test_an_ordinary_address_is_no_place() -> None:
    tags = {"addr:housenumber": "5", "addr:street": "Elm St"}
    assert make_place(node(tags), (0, 0)) is None
    assert is_feature(tags)
    assert not is_feature({"addr:housenumber": "5"})
    assert not is_feature({"amenity": "parking"})


def test_address_line_includes_unit() -> None:
    tags = {"addr:housenumber": "12", "addr:street": "Elm St", "addr:unit": "4B"}
    assert postal_address(tags) == "12 Elm St Unit 4B"
    assert postal_address({}) == ""


def test_point_of_a_node_is_the_node() -> None:
    assert representative_point(node({}, 3.0, 4.0)) == (3.0, 4.0)


def test_point_of_a_closed_way_lies_inside_it_even_when_concave() -> None:
    point = representative_point(OsmFeature("w", 1, {}, (U_SHAPE,)))
    assert point is not None
    assert Polygon(U_SHAPE).contains(Point(point))


def test_point_of_an_open_way_is_its_middle() -> None:
    line: Line = ((0.0, 0.0), (4.0, 0.0))
    assert representative_point(OsmFeature("w", 1, {}, (line,))) == (2.0, 0.0)


def test_point_of_a_multipolygon_lies_inside_its_largest_ring() -> None:
    # the big square is drawn as two member ways; a small square stands apart
    half_a: Line = ((10.0, 0.0), (20.0, 0.0), (20.0, 10.0))
    half_b: Line = ((20.0, 10.0), (10.0, 10.0), (10.0, 0.0))
    feature = OsmFeature("r", 1, {}, (SQUARE, half_a, half_b))
    point = representative_point(feature)
    assert point is not None
    assert 10 < point[0] < 20
    assert 0 < point[1] < 10


def test_broken_multipolygon_falls_back_to_its_points_mean() -> None:
    feature = OsmFeature("r", 1, {}, (((0.0, 0.0), (2.0, 0.0)), ((4.0, 2.0), (6.0, 2.0))))
    assert representative_point(feature) == (3.0, 1.0)


def test_feature_without_coordinates_has_no_point() -> None:
    assert representative_point(OsmFeature("r", 1, {}, ())) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1200", 1200),
        ("12 1/2", 12),
        ("12B", 12),
        (" 7", 7),
        ("N123W456", -1),
        ("", -1),
        ("99999999999", -1),
        ("12;14", 12),
    ],
)
def test_leading_number_of_a_house_number(text: str, number: int) -> None:
    assert leading_number(text) == number


def test_places_and_addresses_inside_the_box() -> None:
    features = [
        node({"amenity": "hospital", "addr:housenumber": "1", "addr:street": "A St"}, 1, 1, 1),
        node({"amenity": "police"}, 1, 1, 2),
        node({"amenity": "fire_station"}, 9, 9, 3),  # outside the box
        node(
            {
                "addr:housenumber": "12 1/2",
                "addr:street": "B St",
                "addr:unit": "3",
                "addr:city": "Town",
                "addr:postcode": "43215",
            },
            2,
            2,
            4,
        ),
        node({"addr:housenumber": "N1W2", "addr:place": "Hamlet"}, 3, 3, 5),
    ]
    pool = StringPool()
    places, table = places_and_addresses(features, bbox=(0, 0, 5, 5), pool=pool)
    assert [p.id for p in places] == ["osm-n1", "osm-n2"]
    strings = pool.freeze()

    def text(i: int) -> str:
        return "" if i == NO_STRING else strings[i]

    assert len(table) == 3
    assert [text(i) for i in table.housenumber] == ["1", "12 1/2", "N1W2"]
    assert table.number.tolist() == [1, 12, -1]
    assert [text(i) for i in table.street] == ["A St", "B St", "Hamlet"]
    assert [text(i) for i in table.unit] == ["", "3", ""]
    assert [text(i) for i in table.city] == ["", "Town", ""]
    assert [text(i) for i in table.zip] == ["", "43215", ""]
    assert set(table.source.tolist()) == {AddressSource.OSM.code}
    table.validate(len(strings))


def test_no_features_give_no_places_and_an_empty_table() -> None:
    places, table = places_and_addresses([], bbox=None, pool=StringPool())
    assert places == ()
    assert len(table) == 0
