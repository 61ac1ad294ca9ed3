"""Read an OSM file with pyosmium and copy out the roads and features the importer needs."""

from __future__ import annotations

import math
from pathlib import Path

import osmium
import osmium.osm
from osmium.filter import KeyFilter

from emscad.errors import DataError
from emscad.progress import ProgressFn
from emscad.regions.osm.elements import Line, OsmData, OsmFeature, OsmWay
from emscad.regions.osm.places import FEATURE_KEYS, is_feature
from emscad.regions.osm.tags import ROAD_CLASSES

NAN = float("nan")

# File suffix -> libosmium format name. Giving the format explicitly means the file's own
# name (upper case, several dots) cannot confuse libosmium's guess.
FORMATS = {
    ".osm.pbf": "pbf",
    ".pbf": "pbf",
    ".osm": "osm",
    ".osm.bz2": "osm.bz2",
    ".osm.gz": "osm.gz",
}


def file_format(path: Path) -> str | None:
    """The libosmium format for a file name, None when its suffix is not one we read."""
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return FORMATS[suffix]
    return None


def read_osm(path: Path, fmt: str, *, progress: ProgressFn) -> OsmData:
    """Every way with a road class, and every node, way and multipolygon that is a feature."""
    try:
        return _read(path, fmt, progress)
    # libosmium reports format and I/O problems as RuntimeError; tags that are not UTF-8 fail
    # when pybind11 decodes them.
    except (RuntimeError, UnicodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path.name} is not a readable OpenStreetMap file: {reason}") from None


def _read(path: Path, fmt: str, progress: ProgressFn) -> OsmData:
    stage = "reading OpenStreetMap file"
    progress(stage, 0.0)
    # Multipolygon relations come after their member ways in a file, so a first, cheap pass
    # over the relations alone finds which ways' geometry to keep.
    relations: list[tuple[int, dict[str, str], list[int]]] = []
    wanted_ways: set[int] = set()
    relation_reader = osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.RELATION)
    for rel in relation_reader.with_filter(KeyFilter(*FEATURE_KEYS)):
        if not isinstance(rel, osmium.osm.Relation):
            continue
        tags = {t.k: t.v for t in rel.tags}
        if tags.get("type") != "multipolygon" or not is_feature(tags):
            continue
        members = [m.ref for m in rel.members if m.type == "w" and m.role in ("outer", "")]
        relations.append((rel.id, tags, members))
        wanted_ways.update(members)
    progress(stage, 0.1)

    data = OsmData()
    member_lines: dict[int, Line] = {}
    # Untagged nodes only feed the location cache; only nodes with feature keys reach Python.
    node_filter = KeyFilter(*FEATURE_KEYS)
    node_filter.enable_for(osmium.osm.NODE)
    processor = (
        osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(node_filter)
    )
    seen_way = False
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            tags = {t.k: t.v for t in obj.tags}
            if is_feature(tags) and obj.location.valid():
                point = ((obj.location.lon, obj.location.lat),)
                data.features.append(OsmFeature("n", obj.id, tags, (point,)))
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        if not seen_way:
            seen_way = True
            progress(stage, 0.5)
        way_tags = obj.tags
        is_road = way_tags.get("highway") in ROAD_CLASSES
        feature = any(k in way_tags for k in FEATURE_KEYS)
        if not (is_road or feature or obj.id in wanted_ways):
            continue
        refs, lon, lat = _nodes(obj)
        if is_road or feature:
            tags = {t.k: t.v for t in way_tags}
            if is_road:
                data.roads.append(OsmWay(obj.id, tags, refs, lon, lat))
            if feature and is_feature(tags):
                data.features.append(OsmFeature("w", obj.id, tags, (_line(lon, lat),)))
        if obj.id in wanted_ways:
            member_lines[obj.id] = _line(lon, lat)
    for rel_id, tags, members in relations:
        parts = tuple(member_lines[m] for m in members if m in member_lines)
        if parts:
            data.features.append(OsmFeature("r", rel_id, tags, parts))
    progress(stage, 1.0)
    return data


def _nodes(way: osmium.osm.Way) -> tuple[tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    for node in way.nodes:
        refs.append(node.ref)
        location = node.location
        if location.valid():
            lon.append(location.lon)
            lat.append(location.lat)
        else:  # the node is not in the file (an extract cut through the way)
            lon.append(NAN)
            lat.append(NAN)
    return tuple(refs), tuple(lon), tuple(lat)


def _line(lon: tuple[float, ...], lat: tuple[float, ...]) -> Line:
    return tuple(
        (x, y) for x, y in zip(lon, lat, strict=True) if math.isfinite(x) and math.isfinite(y)
    )
