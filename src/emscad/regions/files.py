"""Region files on disk: columnar .npz tables plus a manifest, written atomically, checked on load.

Layout of `$EMSCAD_HOME/regions/NAME/`:

    manifest.json   format version, source, bbox, counts, what was dropped, file checksums
    nodes.npz       lon_e7, lat_e7 (int32, 1e-7 degree)
    segments.npz    u, v, shape offsets and points, length, class, name, one-way, addresses
    edges.npz       src, dst, seg, forward, length_m, time_s, time_ls_s (float32)
    addresses.npz   lon_e7, lat_e7 and string columns
    strings.npz     every string once: UTF-8 bytes and offsets
    places.json     landmarks, stations and hospitals
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emscad.errors import DataError, InvalidInput, NotFound
from emscad.geo import E7, to_e7
from emscad.regions.model import (
    FORMAT_VERSION,
    AddressTable,
    Manifest,
    Place,
    Region,
    RoadNetwork,
)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # so the same data always gives the same bytes


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or name.endswith("."):
        raise InvalidInput(
            f"invalid region name {name!r}: use up to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def region_dir(root: Path, name: str) -> Path:
    return root / check_name(name)


def list_regions(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if not p.name.startswith(".") and (p / "manifest.json").is_file()
    )


def write_region(root: Path, region: Region) -> Manifest:
    """Write (or replace) a region. Readers see either the old region or the new one, whole."""
    target = region_dir(root, region.name)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{region.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        for filename, payload in _encode(region).items():
            files[filename] = {"sha256": hashlib.sha256(payload).hexdigest(), "bytes": len(payload)}
            _write_durably(tmp / filename, payload)
        manifest = Manifest(**{**_manifest_fields(region.manifest), "files": files})
        text = json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n"
        _write_durably(tmp / "manifest.json", text.encode())
        _fsync_dir(tmp)
        old = None
        if target.exists():
            old = root / f".{region.name}.old-{uuid.uuid4().hex[:12]}"
            target.rename(old)
        tmp.rename(target)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return manifest


def read_manifest(root: Path, name: str) -> Manifest:
    path = region_dir(root, name) / "manifest.json"
    if not path.is_file():
        known = ", ".join(list_regions(root)) or "none"
        raise NotFound(f"unknown region {name!r} (regions in {root}: {known})")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"region {name!r}: cannot read its manifest: {exc}") from exc
    if not isinstance(data, dict):
        raise DataError(f"region {name!r}: its manifest is not a JSON object")
    manifest = Manifest.from_json(data)
    if manifest.format_version != FORMAT_VERSION:
        raise DataError(
            f"region {name!r} has format version {manifest.format_version}; this emscad reads "
            f"version {FORMAT_VERSION}: build the region again"
        )
    return manifest


def read_region(root: Path, name: str) -> Region:
    """Load a region, verifying every file against the manifest's checksums."""
    manifest = read_manifest(root, name)
    folder = region_dir(root, name)
    payloads: dict[str, bytes] = {}
    for filename, meta in manifest.files.items():
        try:
            payload = (folder / filename).read_bytes()
        except OSError as exc:
            raise DataError(f"region {name!r}: cannot read {filename}: {exc}") from exc
        if len(payload) != meta.get("bytes") or hashlib.sha256(payload).hexdigest() != meta.get(
            "sha256"
        ):
            raise DataError(f"region {name!r}: {filename} does not match its checksum")
        payloads[filename] = payload
    try:
        region = _decode(manifest, payloads)
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise DataError(f"region {name!r}: its files are malformed: {exc}") from exc
    region.validate()
    return region


def _manifest_fields(m: Manifest) -> dict[str, Any]:
    return {
        "name": m.name,
        "created_at": m.created_at,
        "source": m.source,
        "bbox": m.bbox,
        "counts": m.counts,
        "dropped": m.dropped,
        "settings": m.settings,
        "format_version": m.format_version,
    }


def _encode(region: Region) -> dict[str, bytes]:
    net, addr = region.network, region.addresses
    f4 = np.float32
    return {
        "nodes.npz": _npz(lon_e7=to_e7(net.node_lon), lat_e7=to_e7(net.node_lat)),
        "segments.npz": _npz(
            u=net.seg_u,
            v=net.seg_v,
            shape_offsets=net.seg_shape_offsets,
            shape_lon_e7=to_e7(net.shape_lon),
            shape_lat_e7=to_e7(net.shape_lat),
            length_m=net.seg_length_m.astype(f4),
            road_class=net.seg_class,
            name=net.seg_name,
            oneway=net.seg_oneway,
            left_from=net.seg_left_from,
            left_to=net.seg_left_to,
            right_from=net.seg_right_from,
            right_to=net.seg_right_to,
            zip_left=net.seg_zip_left,
            zip_right=net.seg_zip_right,
        ),
        "edges.npz": _npz(
            src=net.edge_src,
            dst=net.edge_dst,
            seg=net.edge_seg,
            forward=net.edge_forward,
            length_m=net.edge_length_m.astype(f4),
            time_s=net.edge_time_s.astype(f4),
            time_ls_s=net.edge_time_ls_s.astype(f4),
        ),
        "addresses.npz": _npz(
            lon_e7=to_e7(addr.lon),
            lat_e7=to_e7(addr.lat),
            housenumber=addr.housenumber,
            number=addr.number,
            street=addr.street,
            unit=addr.unit,
            city=addr.city,
            zip=addr.zip,
            source=addr.source,
        ),
        "strings.npz": _npz(**_pack_strings(region.strings)),
        "places.json": (
            json.dumps([p.to_json() for p in region.places], indent=1, sort_keys=True) + "\n"
        ).encode(),
    }


def _decode(manifest: Manifest, payloads: dict[str, bytes]) -> Region:
    nodes = _load_npz(payloads["nodes.npz"])
    segs = _load_npz(payloads["segments.npz"])
    edges = _load_npz(payloads["edges.npz"])
    addr = _load_npz(payloads["addresses.npz"])
    strs = _load_npz(payloads["strings.npz"])
    places_json = json.loads(payloads["places.json"])
    if not isinstance(places_json, list):
        raise ValueError("places.json is not a list")

    def deg(a: NDArray[Any]) -> NDArray[np.float64]:
        return a.astype(np.float64) / E7

    def f8(a: NDArray[Any]) -> NDArray[np.float64]:
        return a.astype(np.float64)

    network = RoadNetwork(
        node_lon=deg(nodes["lon_e7"]),
        node_lat=deg(nodes["lat_e7"]),
        seg_u=segs["u"],
        seg_v=segs["v"],
        seg_shape_offsets=segs["shape_offsets"],
        shape_lon=deg(segs["shape_lon_e7"]),
        shape_lat=deg(segs["shape_lat_e7"]),
        seg_length_m=f8(segs["length_m"]),
        seg_class=segs["road_class"],
        seg_name=segs["name"],
        seg_oneway=segs["oneway"],
        seg_left_from=segs["left_from"],
        seg_left_to=segs["left_to"],
        seg_right_from=segs["right_from"],
        seg_right_to=segs["right_to"],
        seg_zip_left=segs["zip_left"],
        seg_zip_right=segs["zip_right"],
        edge_src=edges["src"],
        edge_dst=edges["dst"],
        edge_seg=edges["seg"],
        edge_forward=edges["forward"],
        edge_length_m=f8(edges["length_m"]),
        edge_time_s=f8(edges["time_s"]),
        edge_time_ls_s=f8(edges["time_ls_s"]),
    )
    addresses = AddressTable(
        lon=deg(addr["lon_e7"]),
        lat=deg(addr["lat_e7"]),
        housenumber=addr["housenumber"],
        number=addr["number"],
        street=addr["street"],
        unit=addr["unit"],
        city=addr["city"],
        zip=addr["zip"],
        source=addr["source"],
    )
    return Region(
        manifest=manifest,
        network=network,
        addresses=addresses,
        places=tuple(Place.from_json(p) for p in places_json),
        strings=_unpack_strings(strs["data"], strs["offsets"]),
    )


def _pack_strings(strings: tuple[str, ...]) -> dict[str, NDArray[Any]]:
    encoded = [s.encode() for s in strings]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return {"data": np.frombuffer(b"".join(encoded), np.uint8), "offsets": offsets}


def _unpack_strings(data: NDArray[Any], offsets: NDArray[Any]) -> tuple[str, ...]:
    blob = data.tobytes()
    return tuple(blob[a:b].decode() for a, b in itertools.pairwise(offsets.tolist()))


def _npz(**arrays: NDArray[Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_FIXED_ZIP_TIME)
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arr), allow_pickle=False)
    return buffer.getvalue()


def _load_npz(payload: bytes) -> dict[str, NDArray[Any]]:
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _write_durably(path: Path, payload: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
