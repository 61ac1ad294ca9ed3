"""Real OSM extracts (Portland, Columbus), compared with osmnx's graphs; skipped without the data.

The reference figures come from osmnx 2.1.1 on the same files (see each extract's SOURCE.md):
its "drive" filter leaves out service roads and private roads, and its simplification joins
ways whatever their names or speeds. emscad keeps service and private roads (an ambulance
drives them) and ends a segment where the name or speed changes, so it has more nodes; with
service roads left out and attributes ignored, the two should agree closely.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from emscad.progress import no_progress
from emscad.regions.build import build_network
from emscad.regions.osm._reader import read_osm
from emscad.regions.osm.assemble import assemble_roads, road_way
from emscad.regions.roads import RoadClass
from emscad.regions.strings import StringPool
from tests.unit.regions.osm.osmfile import import_file

DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data"
PORTLAND = DATA / "osm-portland-central" / "portland-central-filtered.osm.pbf"
COLUMBUS = DATA / "osm-columbus-oh" / "columbus.osm.pbf"

# osmnx: nodes and edges in the largest strongly connected component of the simplified graph
OSMNX_SCC = {PORTLAND: (3829, 10370), COLUMBUS: (13437, 37483)}
CASES = [
    pytest.param(
        PORTLAND, marks=pytest.mark.skipif(not PORTLAND.is_file(), reason="no Portland data")
    ),
    pytest.param(
        COLUMBUS, marks=pytest.mark.skipif(not COLUMBUS.is_file(), reason="no Columbus data")
    ),
]


@pytest.mark.parametrize("path", CASES)
def test_real_extract_imports_fast_with_plausible_counts(path: Path) -> None:
    start = time.perf_counter()
    region = import_file(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 30.0
    nodes, edges = OSMNX_SCC[path]
    counts = region.manifest.counts
    # service and private roads add a quarter to a half more junctions and dead ends
    assert nodes < counts["nodes"] < 1.6 * nodes
    assert edges < counts["edges"] < 1.6 * edges
    dropped = region.manifest.dropped
    assert dropped.components > 1
    assert dropped.nodes < 0.05 * counts["nodes"]
    region.validate()


@pytest.mark.parametrize("path", CASES)
def test_junctions_and_chains_match_osmnx_on_its_own_terms(path: Path) -> None:
    data = read_osm(path, "pbf", progress=no_progress)
    ways = [
        replace(w, name="", speed_kph=30.0, road_class=RoadClass.ROAD, zip_left="", zip_right="")
        for w in map(road_way, data.roads)
        if w is not None and w.road_class is not RoadClass.SERVICE
    ]
    assembly = assemble_roads(ways, bbox=None, pool=StringPool())
    network, _ = build_network(
        assembly.node_lon, assembly.node_lat, assembly.segments, lights_sirens_factor=1.25
    )
    nodes, edges = OSMNX_SCC[path]
    assert network.n_nodes == pytest.approx(nodes, rel=0.03)
    assert network.n_edges == pytest.approx(edges, rel=0.03)


@pytest.mark.skipif(not PORTLAND.is_file(), reason="no Portland data")
def test_portland_segments_carry_tiger_zip_codes() -> None:
    region = import_file(PORTLAND)
    zips = {region.string(int(i)) for i in region.network.seg_zip_left if i >= 0}
    assert "97214" in zips
    assert all(len(z) == 5 and z.isdigit() for z in zips)


@pytest.mark.skipif(not COLUMBUS.is_file(), reason="no Columbus data")
def test_columbus_hospitals_stations_and_addresses() -> None:
    region = import_file(COLUMBUS)
    counts = region.manifest.counts
    assert counts["hospitals"] == 5
    assert counts["stations"] == 3
    assert counts["addresses"] > 100
    names = {p.name for p in region.places}
    assert "Grant Medical Center" in names
    west, south, east, north = region.manifest.bbox
    for place in region.places:
        assert west - 0.05 < place.lon < east + 0.05
        assert south - 0.05 < place.lat < north + 0.05
