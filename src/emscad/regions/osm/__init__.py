"""Import drivable roads, hospitals, stations and addresses from OpenStreetMap files."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from emscad.errors import DataError, InvalidInput, NotFound
from emscad.progress import ProgressFn, no_progress
from emscad.regions.build import build_network, make_region
from emscad.regions.model import Region
from emscad.regions.osm._reader import file_format, read_osm
from emscad.regions.osm.assemble import assemble_roads, road_way
from emscad.regions.osm.places import places_and_addresses
from emscad.regions.strings import StringPool

BBox = tuple[float, float, float, float]


def import_osm(
    path: Path,
    name: str,
    *,
    bbox: BBox | None,
    lights_sirens_factor: float,
    created_at: datetime,
    progress: ProgressFn = no_progress,
) -> Region:
    """Build a region from an OSM file (.osm.pbf, .osm or .osm.bz2); see docs/osm-import.md."""
    fmt = _check_file(path)
    digest = _sha256(path)
    data = read_osm(path, fmt, progress=progress)

    progress("joining roads", 0.0)
    pool = StringPool()
    ways = [w for w in map(road_way, data.roads) if w is not None]
    assembly = assemble_roads(ways, bbox=bbox, pool=pool)
    where = f"{path.name} inside the box {_format_bbox(bbox)}" if bbox else path.name
    if len(assembly.segments.u) == 0:
        raise DataError(f"no drivable roads in {where}")
    progress("joining roads", 1.0)

    progress("building road network", 0.0)
    network, dropped = build_network(
        assembly.node_lon,
        assembly.node_lat,
        assembly.segments,
        lights_sirens_factor=lights_sirens_factor,
    )
    if network.n_segments == 0:
        raise DataError(f"the drivable roads in {where} do not form a connected network")
    progress("building road network", 1.0)

    progress("hospitals, stations, addresses", 0.0)
    places, addresses = places_and_addresses(data.features, bbox=bbox, pool=pool)
    region = make_region(
        name,
        network,
        addresses=addresses,
        places=places,
        strings=pool.freeze(),
        source={
            "kind": "osm",
            "file": path.name,
            "sha256": digest,
            "bbox": list(bbox) if bbox is not None else None,
        },
        dropped=dropped,
        settings={"lights_sirens_factor": lights_sirens_factor},
        created_at=created_at,
    )
    progress("hospitals, stations, addresses", 1.0)
    return region


def _check_file(path: Path) -> str:
    if not path.exists():
        raise NotFound(f"no such file: {path}")
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file")
    fmt = file_format(path)
    if fmt is None:
        raise InvalidInput(
            f"{path.name}: unsupported file type; use an OpenStreetMap .osm.pbf, .osm or .osm.bz2"
        )
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is not a readable OpenStreetMap file: the file is empty")
    return fmt


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise DataError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _format_bbox(bbox: BBox) -> str:
    return ",".join(f"{v:g}" for v in bbox)


__all__ = ["import_osm"]
