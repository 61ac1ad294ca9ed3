"""Small OpenStreetMap files written by the tests: XML text, bzip2-compressed XML and PBF."""

from __future__ import annotations

import bz2
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import osmium

from emscad.regions.model import Region
from emscad.regions.osm import import_osm

LON0, LAT0 = -83.0, 40.0
STEP = 0.001  # about 85 m of longitude and 111 m of latitude here
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
Tags = dict[str, str]


def lonlat(x: float, y: float) -> tuple[float, float]:
    return round(LON0 + x * STEP, 7), round(LAT0 + y * STEP, 7)


@dataclass
class OsmFile:
    """An OSM document built node by node; grid coordinates are in STEP units."""

    nodes: dict[int, tuple[float, float, Tags]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], Tags]] = field(default_factory=dict)
    relations: dict[int, tuple[list[tuple[str, int, str]], Tags]] = field(default_factory=dict)

    def node(self, id: int, x: float, y: float, tags: Tags | None = None) -> int:
        lon, lat = lonlat(x, y)
        self.nodes[id] = (lon, lat, tags or {})
        return id

    def way(self, id: int, refs: list[int], tags: Tags | None = None) -> int:
        self.ways[id] = (refs, tags or {})
        return id

    def road(self, id: int, refs: list[int], name: str, **tags: str) -> int:
        """A residential road unless `highway` says otherwise."""
        return self.way(id, refs, {"highway": "residential", "name": name, **tags})

    def relation(
        self, id: int, members: list[tuple[str, int, str]], tags: Tags | None = None
    ) -> int:
        self.relations[id] = (members, tags or {})
        return id

    def xml(self) -> str:
        out = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']

        def tag_lines(tags: Tags) -> list[str]:
            return [f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]

        for id, (lon, lat, tags) in sorted(self.nodes.items()):
            out.append(f' <node id="{id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
            out += [*tag_lines(tags), " </node>"]
        for id, (refs, tags) in sorted(self.ways.items()):
            out.append(f' <way id="{id}" version="1">')
            out += [f'  <nd ref="{r}"/>' for r in refs]
            out += [*tag_lines(tags), " </way>"]
        for id, (members, tags) in sorted(self.relations.items()):
            out.append(f' <relation id="{id}" version="1">')
            out += [
                f'  <member type="{t}" ref="{r}" role={quoteattr(role)}/>' for t, r, role in members
            ]
            out += [*tag_lines(tags), " </relation>"]
        out.append("</osm>")
        return "\n".join(out) + "\n"

    def write(self, path: Path) -> Path:
        """Write as .osm, .osm.bz2 or .osm.pbf, chosen by the file name."""
        text = self.xml()
        name = path.name
        if name.endswith(".osm.bz2"):
            path.write_bytes(bz2.compress(text.encode()))
        elif name.endswith(".pbf"):
            xml = path.with_name(name + ".source.osm")
            xml.write_text(text)
            with osmium.SimpleWriter(str(path), overwrite=True) as writer:
                for obj in osmium.FileProcessor(str(xml)):
                    writer.add(obj)
            xml.unlink()
        else:
            path.write_text(text)
        return path


def import_file(
    path: Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    factor: float = 1.25,
) -> Region:
    return import_osm(path, "test", bbox=bbox, lights_sirens_factor=factor, created_at=CREATED)


def segment_names(region: Region) -> list[str]:
    return sorted(region.string(int(i)) for i in region.network.seg_name)


def segments_named(region: Region, name: str) -> list[int]:
    net = region.network
    return [s for s in range(net.n_segments) if region.string(int(net.seg_name[s])) == name]


def node_at(region: Region, x: float, y: float) -> int:
    """The graph node at grid position (x, y)."""
    lon, lat = lonlat(x, y)
    net = region.network
    found = np.flatnonzero(
        (np.abs(net.node_lon - lon) < 1e-9) & (np.abs(net.node_lat - lat) < 1e-9)
    )
    assert len(found) == 1, f"no single node at ({x}, {y})"
    return int(found[0])


def ring_town() -> OsmFile:
    """A two-way ring road through corners (0,0) (10,0) (10,10) (0,10), nodes 1 to 4.

    Tests hang roads on it: a road between two ring corners stays in the connected network
    whatever its direction, and a two-way spur from a corner to a dead end stays too.
    """
    osm = OsmFile()
    for id, (x, y) in enumerate([(0, 0), (10, 0), (10, 10), (0, 10)], start=1):
        osm.node(id, x, y)
    osm.road(1, [1, 2, 3, 4, 1], "Ring Rd", highway="tertiary")
    return osm
