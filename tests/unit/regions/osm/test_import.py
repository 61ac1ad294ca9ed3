"""Importing OSM files end to end: formats, road rules, junctions, places, the box, the manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from emscad.geo import haversine_m
from emscad.regions import files
from emscad.regions.model import NO_STRING, AddressSource, PlaceKind
from emscad.regions.osm import import_osm
from emscad.regions.roads import MPH
from tests.unit.regions.osm.osmfile import (
    CREATED,
    OsmFile,
    import_file,
    lonlat,
    node_at,
    ring_town,
    segment_names,
    segments_named,
)


def town_with_spur(**tags: str) -> OsmFile:
    """The ring town with a two-way spur from corner (10,0) to a dead end at (12,0)."""
    osm = ring_town()
    osm.node(10, 12, 0)
    osm.road(10, [2, 10], "Spur", **tags)
    return osm


def town_with_chord(**tags: str) -> OsmFile:
    """The ring town with a road across it from corner (0,0) to corner (10,10) through (5,5)."""
    osm = ring_town()
    osm.node(20, 5, 5)
    osm.road(20, [1, 20, 3], "Chord", **tags)
    return osm


def test_pbf_xml_and_bzip2_files_give_the_same_region(tmp_path: Path) -> None:
    osm = town_with_chord(oneway="yes", maxspeed="30 mph")
    regions = [
        import_file(osm.write(tmp_path / name))
        for name in ("town.osm", "town.osm.bz2", "town.osm.pbf")
    ]
    first = regions[0]
    assert first.network.n_segments > 0
    for other in regions[1:]:
        assert other.manifest.counts == first.manifest.counts
        assert other.strings == first.strings
        for column in first.network.__dataclass_fields__:
            np.testing.assert_array_equal(
                getattr(other.network, column), getattr(first.network, column)
            )


@pytest.mark.parametrize(
    ("tags", "kept"),
    [
        ({}, True),
        ({"access": "private"}, True),
        ({"access": "destination"}, True),
        ({"access": "customers"}, True),
        ({"access": "permissive"}, True),
        ({"access": "no"}, False),
        ({"access": "agricultural"}, False),
        ({"motor_vehicle": "no"}, False),
        ({"motorcar": "no"}, False),
        ({"access": "no", "motor_vehicle": "private"}, True),
        ({"access": "no", "emergency": "yes"}, True),
        ({"motor_vehicle": "no", "emergency": "designated"}, True),
        ({"emergency": "no"}, False),
        ({"highway": "service"}, True),
        ({"highway": "service", "service": "driveway"}, True),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "service", "service": "drive-through"}, False),
        ({"highway": "footway"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "proposed"}, False),
        ({"area": "yes"}, False),
        ({"impassable": "yes"}, False),
    ],
)
def test_access_rules_decide_which_ways_become_roads(
    tmp_path: Path, tags: dict[str, str], kept: bool
) -> None:
    region = import_file(town_with_spur(**tags).write(tmp_path / "town.osm.pbf"))
    assert ("Spur" in segment_names(region)) is kept


def chord_edges(tmp_path: Path, **tags: str) -> list[tuple[str, str]]:
    region = import_file(town_with_chord(**tags).write(tmp_path / "town.osm"))
    net = region.network
    (seg,) = segments_named(region, "Chord")
    edges = np.flatnonzero(net.edge_seg == seg)
    a, b = node_at(region, 0, 0), node_at(region, 10, 10)
    names: dict[int, str] = {a: "A", b: "B"}
    return sorted((names[int(net.edge_src[e])], names[int(net.edge_dst[e])]) for e in edges)


@pytest.mark.parametrize(
    ("tags", "edges"),
    [
        ({}, [("A", "B"), ("B", "A")]),
        ({"oneway": "yes"}, [("A", "B")]),
        ({"oneway": "true"}, [("A", "B")]),
        ({"oneway": "1"}, [("A", "B")]),
        ({"oneway": "-1"}, [("B", "A")]),
        ({"oneway": "reverse"}, [("B", "A")]),
        ({"oneway": "no"}, [("A", "B"), ("B", "A")]),
        ({"oneway": "false"}, [("A", "B"), ("B", "A")]),
        ({"oneway": "0"}, [("A", "B"), ("B", "A")]),
        ({"oneway": "reversible"}, [("A", "B"), ("B", "A")]),
        ({"oneway": "alternating"}, [("A", "B"), ("B", "A")]),
        ({"junction": "roundabout"}, [("A", "B")]),
        ({"junction": "circular"}, [("A", "B")]),
        ({"junction": "roundabout", "oneway": "no"}, [("A", "B"), ("B", "A")]),
        ({"highway": "motorway"}, [("A", "B")]),
        ({"highway": "motorway", "oneway": "no"}, [("A", "B"), ("B", "A")]),
    ],
)
def test_oneway_tags_decide_which_way_a_road_is_driven(
    tmp_path: Path, tags: dict[str, str], edges: list[tuple[str, str]]
) -> None:
    assert chord_edges(tmp_path, **tags) == edges


def test_reverse_one_way_geometry_runs_the_way_it_is_driven(tmp_path: Path) -> None:
    osm = town_with_chord(oneway="-1", **{"tiger:zip_left": "43201", "tiger:zip_right": "43202"})
    region = import_file(osm.write(tmp_path / "town.osm"))
    net = region.network
    (seg,) = segments_named(region, "Chord")
    assert net.seg_u[seg] == node_at(region, 10, 10)
    lon, lat = net.segment_shape(seg)
    assert [(lon[i], lat[i]) for i in range(3)] == [lonlat(10, 10), lonlat(5, 5), lonlat(0, 0)]
    # the way's left side is the segment's right side once it runs the other way
    assert region.string(int(net.seg_zip_left[seg])) == "43202"
    assert region.string(int(net.seg_zip_right[seg])) == "43201"


def test_roundabout_ring_is_a_one_way_loop(tmp_path: Path) -> None:
    osm = ring_town()
    for id, (x, y) in enumerate([(5, 4), (6, 5), (5, 6), (4, 5)], start=30):
        osm.node(id, x, y)
    osm.road(30, [30, 31, 32, 33, 30], "Circle", junction="roundabout")
    osm.road(31, [1, 30], "In")
    osm.road(32, [32, 3], "Out")
    region = import_file(osm.write(tmp_path / "town.osm"))
    net = region.network
    circle = segments_named(region, "Circle")
    assert len(circle) == 2  # cut where In and Out join
    assert all(net.seg_oneway[s] for s in circle)
    assert int(np.isin(net.edge_seg, circle).sum()) == 2
    assert region.manifest.dropped.nodes == 0


def speed_of(region_tags: dict[str, str], tmp_path: Path) -> float:
    region = import_file(town_with_chord(**region_tags).write(tmp_path / "town.osm"))
    net = region.network
    (seg,) = segments_named(region, "Chord")
    e = int(np.flatnonzero(net.edge_seg == seg)[0])
    return float(net.edge_length_m[e] / net.edge_time_s[e] * 3.6)


@pytest.mark.parametrize(
    ("tags", "kph"),
    [
        ({"maxspeed": "35 mph"}, 35 * MPH),
        ({"maxspeed": "50"}, 50.0),
        ({"maxspeed": "60;50"}, 50.0),
        ({"maxspeed": "none"}, 25 * MPH),
        ({"maxspeed": "US:urban"}, 25 * MPH),
        ({}, 25 * MPH),
        ({"highway": "primary"}, 45 * MPH),
        ({"highway": "service"}, 15 * MPH),
    ],
)
def test_travel_times_follow_maxspeed_else_the_class_default(
    tmp_path: Path, tags: dict[str, str], kph: float
) -> None:
    assert speed_of(tags, tmp_path) == pytest.approx(kph, rel=1e-4)


def test_lights_and_sirens_factor_speeds_up_and_is_recorded(tmp_path: Path) -> None:
    region = import_file(town_with_chord().write(tmp_path / "town.osm"), factor=1.2)
    net = region.network
    assert np.all(net.edge_time_ls_s < net.edge_time_s)
    assert region.manifest.settings == {"lights_sirens_factor": 1.2}


def test_ways_in_a_row_with_the_same_tags_make_one_segment(tmp_path: Path) -> None:
    osm = ring_town()
    osm.node(20, 3, 3)
    osm.node(21, 6, 6)
    osm.road(20, [1, 20], "Chord")
    osm.road(21, [20, 21], "Chord")
    osm.road(22, [21, 3], "Chord")
    region = import_file(osm.write(tmp_path / "town.osm"))
    (seg,) = segments_named(region, "Chord")
    assert len(region.network.segment_shape(seg)[0]) == 4
    # the ring is cut only where the chord meets it, keeping every point
    ring = segments_named(region, "Ring Rd")
    assert [len(region.network.segment_shape(s)[0]) for s in ring] == [3, 3]
    assert region.network.n_nodes == 2


def test_a_change_of_speed_limit_ends_a_segment(tmp_path: Path) -> None:
    osm = ring_town()
    osm.node(20, 3, 3)
    osm.node(21, 6, 6)
    osm.road(20, [1, 20], "Chord")
    osm.road(21, [20, 21], "Chord", maxspeed="15 mph")
    osm.road(22, [21, 3], "Chord")
    region = import_file(osm.write(tmp_path / "town.osm"))
    assert len(segments_named(region, "Chord")) == 3


def test_parallel_roads_between_the_same_junctions_are_both_kept(tmp_path: Path) -> None:
    osm = town_with_chord()
    osm.node(21, 6, 4)
    osm.road(21, [1, 21, 3], "Service Dr", highway="service")
    region = import_file(osm.write(tmp_path / "town.osm"))
    net = region.network
    (chord,) = segments_named(region, "Chord")
    (other,) = segments_named(region, "Service Dr")
    assert {net.seg_u[chord], net.seg_v[chord]} == {net.seg_u[other], net.seg_v[other]}
    assert net.seg_length_m[chord] != net.seg_length_m[other]


def test_detached_roads_are_dropped_and_reported(tmp_path: Path) -> None:
    osm = ring_town()
    osm.node(50, 30, 30)
    osm.node(51, 31, 30)
    osm.road(50, [50, 51], "Island Rd")
    osm.node(52, 12, 0)
    osm.road(51, [2, 52], "One Way Out", oneway="yes")
    region = import_file(osm.write(tmp_path / "town.osm"))
    assert "Island Rd" not in segment_names(region)
    assert "One Way Out" not in segment_names(region)
    dropped = region.manifest.dropped
    # three strongly connected parts: the town, the island, and the one-way's dead end
    assert (dropped.components, dropped.nodes, dropped.segments, dropped.edges) == (3, 3, 2, 3)
    assert region.manifest.counts["nodes"] == region.network.n_nodes


def test_way_reaching_a_node_missing_from_the_extract_is_kept_up_to_the_gap(
    tmp_path: Path,
) -> None:
    osm = town_with_spur()
    osm.node(11, 14, 0)
    osm.road(11, [10, 11, 999], "Spur")  # node 999 is not in the file
    region = import_file(osm.write(tmp_path / "town.osm.pbf"))
    (spur,) = segments_named(region, "Spur")
    assert len(region.network.segment_shape(spur)[0]) == 3


def poi_town() -> OsmFile:
    osm = ring_town()
    osm.node(
        100,
        2,
        2,
        {
            "amenity": "hospital",
            "name": "General",
            "emergency": "yes",
            "addr:housenumber": "100",
            "addr:street": "Ring Rd",
        },
    )
    for id, (x, y) in enumerate([(6, 6), (8, 6), (8, 8), (6, 8)], start=110):
        osm.node(id, x, y)
    osm.way(110, [110, 111, 112, 113, 110], {"healthcare": "hospital", "name": "Clinic"})
    for id, (x, y) in enumerate([(2, 6), (4, 6), (4, 8), (2, 8)], start=120):
        osm.node(id, x, y)
    osm.way(120, [120, 121, 122])
    osm.way(121, [122, 123, 120])
    osm.relation(
        130,
        [("w", 120, "outer"), ("w", 121, "outer")],
        {"type": "multipolygon", "amenity": "hospital", "name": "Campus", "emergency": "no"},
    )
    osm.node(140, 1, 9, {"amenity": "fire_station"})
    osm.node(141, 9, 1, {"emergency": "ambulance_station", "name": "Medic 1"})
    osm.node(142, 9, 9, {"amenity": "police", "name": "Precinct 3"})
    osm.node(
        150,
        3,
        1,
        {"addr:housenumber": "12B", "addr:street": "Elm St", "addr:unit": "2",
         "addr:city": "Town", "addr:postcode": "43215"},
    )  # fmt: skip
    osm.node(151, 3, 2, {"addr:housenumber": "14"})  # no street: not an address
    for id, (x, y) in enumerate([(1, 3), (2, 3), (2, 4), (1, 4)], start=160):
        osm.node(id, x, y)
    osm.way(
        160,
        [160, 161, 162, 163, 160],
        {"building": "house", "addr:housenumber": "7", "addr:street": "Oak Ave"},
    )
    return osm


def test_hospitals_stations_and_addresses_are_imported(tmp_path: Path) -> None:
    region = import_file(poi_town().write(tmp_path / "town.osm.pbf"))
    hospitals = {p.id: p for p in region.places_of(PlaceKind.HOSPITAL)}
    assert set(hospitals) == {"osm-n100", "osm-w110", "osm-r130"}
    assert hospitals["osm-n100"].capabilities == ("emergency",)
    assert hospitals["osm-n100"].address == "100 Ring Rd"
    assert hospitals["osm-r130"].capabilities == ()
    campus = hospitals["osm-r130"]
    west, south = lonlat(2, 6)
    east, north = lonlat(4, 8)
    assert west < campus.lon < east
    assert south < campus.lat < north
    stations = {
        p.id: (p.name, p.category, p.capabilities) for p in region.places_of(PlaceKind.STATION)
    }
    assert stations == {
        "osm-n140": ("Fire station (unnamed)", "fire", ("fire",)),
        "osm-n141": ("Medic 1", "ems", ("ems",)),
        "osm-n142": ("Precinct 3", "police", ("police",)),
    }
    counts = region.manifest.counts
    assert (counts["hospitals"], counts["stations"], counts["addresses"]) == (3, 3, 3)

    table = region.addresses
    rows = {
        region.string(int(table.housenumber[i])): (
            region.string(int(table.street[i])),
            int(table.number[i]),
            region.string(int(table.unit[i])),
            region.string(int(table.city[i])),
            region.string(int(table.zip[i])),
        )
        for i in range(len(table))
    }
    assert rows == {
        "100": ("Ring Rd", 100, "", "", ""),
        "12B": ("Elm St", 12, "2", "Town", "43215"),
        "7": ("Oak Ave", 7, "", "", ""),
    }
    assert set(table.source.tolist()) == {AddressSource.OSM.code}
    house = next(i for i in range(len(table)) if region.string(int(table.housenumber[i])) == "7")
    x0, y0 = lonlat(1, 3)
    x1, y1 = lonlat(2, 4)
    assert x0 < table.lon[house] < x1
    assert y0 < table.lat[house] < y1


def test_box_keeps_only_roads_places_and_addresses_inside(tmp_path: Path) -> None:
    osm = OsmFile()
    # two streets along y=0 and y=2 with nodes every unit, joined at x=0, 5 and 10
    for x in range(11):
        osm.node(100 + x, x, 0)
        osm.node(200 + x, x, 2)
    osm.road(1, [100 + x for x in range(11)], "South St")
    osm.road(2, [200 + x for x in range(11)], "North St")
    for x in (0, 5, 10):
        osm.node(300 + x, x, 1)
        osm.road(10 + x, [100 + x, 300 + x, 200 + x], f"Cross {x}")
    osm.node(400, 3, 1, {"amenity": "fire_station", "addr:housenumber": "1",
                         "addr:street": "South St"})  # fmt: skip
    osm.node(401, 9, 1, {"amenity": "hospital", "addr:housenumber": "9",
                         "addr:street": "South St"})  # fmt: skip
    path = osm.write(tmp_path / "streets.osm.pbf")
    west, south = lonlat(-0.5, -0.5)
    east, north = lonlat(7.5, 2.5)
    region = import_file(path, bbox=(west, south, east, north))
    net = region.network
    assert net.node_lon.max() <= east
    assert net.shape_lon.max() <= east
    assert "Cross 10" not in segment_names(region)
    assert {"Cross 0", "Cross 5"} <= set(segment_names(region))
    assert [p.id for p in region.places] == ["osm-n400"]
    assert len(region.addresses) == 1
    assert region.manifest.source["bbox"] == [west, south, east, north]
    # streets run to the last node inside the box: x = 7
    assert net.node_lon.max() == pytest.approx(lonlat(7, 0)[0])
    whole = import_file(path)
    assert whole.network.n_segments > net.n_segments


def test_manifest_records_the_source_file_and_settings(tmp_path: Path) -> None:
    path = town_with_chord().write(tmp_path / "town.osm.pbf")
    region = import_file(path)
    source = region.manifest.source
    assert source == {
        "kind": "osm",
        "file": "town.osm.pbf",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "bbox": None,
    }
    assert region.manifest.settings == {"lights_sirens_factor": 1.25}
    assert region.name == "test"


def test_street_names_fall_back_to_ref(tmp_path: Path) -> None:
    osm = ring_town()
    osm.node(20, 5, 5)
    osm.way(20, [1, 20, 3], {"highway": "primary", "ref": "OH 315"})
    osm.node(21, 6, 4)
    osm.way(21, [1, 21, 3], {"highway": "service"})
    region = import_file(osm.write(tmp_path / "town.osm"))
    assert "OH 315" in segment_names(region)
    assert NO_STRING in region.network.seg_name.tolist()


def test_segment_lengths_follow_the_whole_shape(tmp_path: Path) -> None:
    region = import_file(town_with_chord().write(tmp_path / "town.osm"))
    (seg,) = segments_named(region, "Chord")
    half = float(haversine_m(*lonlat(0, 0), *lonlat(5, 5)))
    other = float(haversine_m(*lonlat(5, 5), *lonlat(10, 10)))
    assert region.network.seg_length_m[seg] == pytest.approx(half + other, rel=1e-6)


def test_progress_is_reported_by_stage(tmp_path: Path) -> None:
    calls: list[tuple[str, float]] = []
    import_osm(
        town_with_chord().write(tmp_path / "town.osm"),
        "t",
        bbox=None,
        lights_sirens_factor=1.25,
        created_at=CREATED,
        progress=lambda stage, fraction: calls.append((stage, fraction)),
    )
    stages = list(dict.fromkeys(stage for stage, _ in calls))
    assert len(stages) >= 3
    assert all(0.0 <= f <= 1.0 for _, f in calls)
    for stage in stages:
        assert (stage, 1.0) in calls


def test_imported_region_saves_and_loads_back_identical(tmp_path: Path) -> None:
    region = import_file(poi_town().write(tmp_path / "town.osm.pbf"))
    files.write_region(tmp_path / "regions", region)
    loaded = files.read_region(tmp_path / "regions", "test")
    assert loaded.places == region.places
    assert loaded.strings == region.strings
    for column in region.addresses.__dataclass_fields__:
        np.testing.assert_array_equal(
            getattr(loaded.addresses, column), getattr(region.addresses, column)
        )
    for column in region.network.__dataclass_fields__:
        np.testing.assert_array_equal(
            getattr(loaded.network, column), getattr(region.network, column)
        )
