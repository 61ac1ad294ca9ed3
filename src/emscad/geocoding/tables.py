"""The geocoder's tables, built once from a region's addresses, roads and places."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from emscad.geo import LocalPlane
from emscad.geocoding.network import Crossings, CrossStreets, StreetSegments
from emscad.geocoding.normalize import fold, words
from emscad.geocoding.places import PlaceTable
from emscad.geocoding.points import StreetNumbers
from emscad.geocoding.streets import StreetTable
from emscad.geocoding.usps import DIRECTIONAL
from emscad.regions.model import NO_STRING, AddressTable, Place, RoadNetwork

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Tables:
    """Everything a search reads. Built by `build_tables`; never changed afterwards."""

    addresses: AddressTable
    strings: tuple[str, ...]
    network: RoadNetwork | None
    bbox: tuple[float, float, float, float]
    plane: LocalPlane
    streets: StreetTable
    point_street: I64  # street id of each address point, -1 where none
    numbers: StreetNumbers
    point_x: F64
    point_y: F64
    point_tree: cKDTree | None
    street_box: F64  # per street: min x, min y, max x, max y of its points (NaN: none)
    cities: frozenset[tuple[str, ...]]  # folded city names, as word tuples
    places: PlaceTable
    segments: StreetSegments | None
    crossings: Crossings | None
    cross_streets: CrossStreets | None
    seg_street: I64 | None
    street_core: list[int]  # per street, an id shared by names differing only in directionals

    def string(self, index: int) -> str:
        return "" if index == NO_STRING else self.strings[index]


def build_tables(
    addresses: AddressTable,
    strings: tuple[str, ...],
    *,
    network: RoadNetwork | None = None,
    places: tuple[Place, ...] = (),
    bbox: tuple[float, float, float, float] | None = None,
) -> Tables:
    name_ids, weights = _street_names(addresses, network)
    streets = StreetTable([strings[i] for i in name_ids.tolist()], weights.tolist())
    street_of_string = np.full(len(strings) + 1, -1, np.int64)  # the extra slot is NO_STRING
    street_of_string[name_ids] = np.asarray(streets.street_of_name, np.int64)
    point_street = street_of_string[addresses.street]
    n_streets = len(streets)
    numbers = StreetNumbers(point_street, addresses.number.astype(np.int64), n_streets)

    box = bbox if bbox is not None else _extent(addresses, network)
    plane = LocalPlane((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    x, y = plane.to_xy(addresses.lon, addresses.lat)
    tree = cKDTree(np.column_stack([x, y])) if len(x) else None

    cities = frozenset(
        tuple(words(strings[i])) for i in np.unique(addresses.city).tolist() if i != NO_STRING
    )
    segments = crossings = cross = seg_street = None
    cores = _cores(streets)
    if network is not None and network.n_segments:
        seg_street = street_of_string[network.seg_name]
        segments = StreetSegments(network, seg_street, n_streets, plane)
        crossings = Crossings(network, seg_street, cores)
        cross = CrossStreets(network, seg_street, cores)
    return Tables(
        addresses=addresses,
        strings=strings,
        network=network,
        bbox=box,
        plane=plane,
        streets=streets,
        point_street=point_street,
        numbers=numbers,
        point_x=x,
        point_y=y,
        point_tree=tree,
        street_box=_street_boxes(point_street, x, y, n_streets),
        cities=frozenset(c for c in cities if c),
        places=PlaceTable(places),
        segments=segments,
        crossings=crossings,
        cross_streets=cross,
        seg_street=seg_street,
        street_core=cores,
    )


def _street_names(
    addresses: AddressTable, network: RoadNetwork | None
) -> tuple[I64, NDArray[np.int64]]:
    """String ids naming a street (in addresses or on roads) and how often each is used."""
    used = [addresses.street.astype(np.int64)]
    if network is not None:
        used.append(network.seg_name.astype(np.int64))
    ids, counts = np.unique(np.concatenate(used), return_counts=True)
    keep = ids != NO_STRING
    return ids[keep], counts[keep].astype(np.int64)


def _extent(
    addresses: AddressTable, network: RoadNetwork | None
) -> tuple[float, float, float, float]:
    lon = [addresses.lon]
    lat = [addresses.lat]
    if network is not None:
        lon.append(network.node_lon)
        lat.append(network.node_lat)
    all_lon, all_lat = np.concatenate(lon), np.concatenate(lat)
    if len(all_lon) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        float(all_lon.min()),
        float(all_lat.min()),
        float(all_lon.max()),
        float(all_lat.max()),
    )


def _street_boxes(street: I64, x: F64, y: F64, n: int) -> F64:
    box = np.full((n, 4), np.nan)
    has = street >= 0
    if not has.any():
        return box
    s = street[has]
    for col, values, fn in ((0, x, np.fmin), (1, y, np.fmin), (2, x, np.fmax), (3, y, np.fmax)):
        out = np.full(n, np.nan)
        fn.at(out, s, values[has])
        box[:, col] = out
    return box


def _cores(streets: StreetTable) -> list[int]:
    """An id per street that ignores directionals, so "W 7th St" and "E 7th St" share one."""
    ids: dict[str, int] = {}
    out = []
    for key in streets.keys:
        core = " ".join(t for t in key.split() if t not in DIRECTIONAL) or key
        out.append(ids.setdefault(core, len(ids)))
    return out


def city_key(text: str) -> str:
    return " ".join(words(fold(text)))
