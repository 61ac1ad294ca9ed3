"""Geocoding benchmark cases with known answers: intersections and held-out house numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from emscad.geo import haversine_m
from emscad.geocoding import GeocodeIndex, MatchType
from emscad.geocoding.importer import select_rows
from emscad.geocoding.normalize import street_key
from emscad.geocoding.usps import DIRECTIONAL, SUFFIX
from emscad.regions.model import NO_STRING, AddressTable, Region, RoadNetwork

FOUND_M = 25.0


def crossing_pairs(
    region: Region, rng: np.random.Generator, k: int
) -> list[tuple[str, str, list[int]]]:
    """`k` random pairs of differently named streets that meet, with every node they meet at."""
    net = region.network
    key_of = {i: street_key(region.strings[i]) for i in np.unique(net.seg_name).tolist() if i >= 0}
    at_node: dict[int, dict[str, str]] = {}
    for seg in range(net.n_segments):
        name = int(net.seg_name[seg])
        if name == NO_STRING:
            continue
        for node in (int(net.seg_u[seg]), int(net.seg_v[seg])):
            at_node.setdefault(node, {})[key_of[name]] = region.strings[name]
    meets: dict[tuple[str, str], list[int]] = {}
    labels: dict[str, str] = {}
    for node, names in at_node.items():
        keys = sorted(names)
        labels.update({key: names[key] for key in keys})
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if _core(a) != _core(b):  # "W 7th St" meeting "E 7th St" is no crossing
                    meets.setdefault((a, b), []).append(node)
    pairs = sorted(meets)
    picked = rng.choice(len(pairs), size=min(k, len(pairs)), replace=False)
    out = []
    for i in picked.tolist():
        a, b = pairs[i]
        if rng.random() < 0.5:
            a, b = b, a
        out.append((labels[a], labels[b], meets[pairs[i]]))
    return out


def _core(key: str) -> str:
    return " ".join(w for w in key.split() if w not in DIRECTIONAL)


def _short(label: str) -> str:
    """How a dispatcher says a street: "W 7th St" -> "7th"."""
    words = label.split()
    while len(words) > 1 and words[0].upper() in DIRECTIONAL:
        words = words[1:]
    if len(words) > 1 and words[-1].upper() in SUFFIX:
        words = words[:-1]
    return " ".join(words)


def crossing_accuracy(
    index: GeocodeIndex,
    region: Region,
    pairs: list[tuple[str, str, list[int]]],
) -> dict[str, Any]:
    """Each pair as "A & B", "A and B", "7th and Chester": distance to the nearest meeting."""
    net = region.network
    forms: dict[str, Callable[[str, str], str]] = {
        "A & B": lambda a, b: f"{a} & {b}",
        "A and B": lambda a, b: f"{a} and {b}",
        "short names": lambda a, b: f"{_short(a)} and {_short(b)}",
    }
    out: dict[str, Any] = {}
    for name, form in forms.items():
        errors: list[float] = []
        top5 = 0
        for a, b, nodes in pairs:
            found = index.search(form(a, b), limit=5)
            crossings = [c for c in found if c.match_type is MatchType.INTERSECTION]
            lon, lat = net.node_lon[nodes], net.node_lat[nodes]
            dists = [float(np.min(haversine_m(c.lon, c.lat, lon, lat))) for c in crossings]
            first_ok = bool(found) and found[0].match_type is MatchType.INTERSECTION
            errors.append(dists[0] if first_ok and dists else float("inf"))
            top5 += any(d <= FOUND_M for d in dists)
        out[name] = _errors(errors) | {"top5": round(top5 / max(len(pairs), 1), 4)}
    return out


def _errors(errors: list[float]) -> dict[str, Any]:
    arr = np.asarray(errors)
    n = max(len(arr), 1)
    found = arr[np.isfinite(arr)]
    return {
        "n": len(arr),
        "found": round(len(found) / n, 4),
        "top1": round(float((arr <= FOUND_M).sum()) / n, 4),
        "within_50m": round(float((arr <= 50).sum()) / n, 4),
        "median_error_m": round(float(np.median(found)), 1) if len(found) else None,
        "p90_error_m": round(float(np.percentile(found, 90)), 1) if len(found) else None,
    }


def held_out_numbers(
    addresses: AddressTable,
    strings: tuple[str, ...],
    rng: np.random.Generator,
    k: int,
    *,
    network: RoadNetwork | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    """Remove `k` address points, then geocode them: how close does interpolation get?"""
    a = addresses
    single = np.flatnonzero(a.unit == NO_STRING)
    held = rng.choice(single, size=min(k, len(single)), replace=False)
    keep = np.ones(len(a), bool)
    keep[held] = False
    index = GeocodeIndex.build(select_rows(a, keep), strings, network=network, bbox=bbox)
    errors: list[float] = []
    kinds: Counter[str] = Counter()
    for p in held.tolist():
        text = f"{strings[int(a.housenumber[p])]} {strings[int(a.street[p])]}"
        found = index.search(text, limit=1)
        if not found or found[0].match_type in (MatchType.STREET, MatchType.PLACE):
            errors.append(float("inf"))
            kinds[found[0].match_type.value if found else "none"] += 1
            continue
        kinds[found[0].match_type.value] += 1
        errors.append(float(haversine_m(found[0].lon, found[0].lat, a.lon[p], a.lat[p])))
    return _errors(errors) | {"match_types": dict(kinds)}


def midpoint_baseline(region: Region, pairs: list[tuple[str, str, list[int]]]) -> dict[str, Any]:
    """The simplest estimate from address points, for comparison: the closest pair's midpoint."""
    a = region.addresses
    by_name: dict[str, list[int]] = {}
    for p, s in enumerate(a.street.tolist()):
        if s >= 0:
            by_name.setdefault(region.strings[s], []).append(p)
    net = region.network
    errors: list[float] = []
    for name_a, name_b, nodes in pairs:
        pa, pb = by_name.get(name_a, []), by_name.get(name_b, [])
        if not pa or not pb:
            errors.append(float("inf"))
            continue
        lon_a, lat_a, lon_b, lat_b = a.lon[pa], a.lat[pa], a.lon[pb], a.lat[pb]
        d = haversine_m(lon_a[:, None], lat_a[:, None], lon_b[None, :], lat_b[None, :])
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)
        if d[i, j] > 1000:
            errors.append(float("inf"))
            continue
        lon, lat = (lon_a[i] + lon_b[j]) / 2, (lat_a[i] + lat_b[j]) / 2
        errors.append(
            float(np.min(haversine_m(lon, lat, net.node_lon[nodes], net.node_lat[nodes])))
        )
    return _errors(errors)
