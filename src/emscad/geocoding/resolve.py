"""From a parsed query to candidates: address points, interpolation, streets, intersections."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from emscad.geocoding.crossing import approximate_crossing
from emscad.geocoding.model import Candidate, MatchType
from emscad.geocoding.normalize import fold, unit_key
from emscad.geocoding.query import Query
from emscad.geocoding.streets import StreetMatch
from emscad.geocoding.tables import Tables, city_key

# Score factors (a candidate's score is the street similarity, 0..1, times these).
EXACT = 1.0
SAME_INTEGER = 0.97  # "12" typed, "12 1/2" found (or the reverse)
UNIT_MISSING = 0.98  # the typed unit is not in the data: the building is still right
RANGE = 0.95  # placed along a road segment's house-number range
BETWEEN_POINTS = 0.93  # placed between the neighbouring numbers on the street
NEAR_END = 0.9  # just past the last known number on the street
STREET_ONLY = 0.9  # a street typed without a number
NUMBER_NOT_FOUND = 0.75  # a number typed that the street does not have
LOCALITY_MISMATCH = 0.9  # a known city or ZIP typed that the candidate is not in
# An intersection estimated from address points (no road network): 0.95 when both streets
# have houses within 100 m of each other, falling to 0.75 as that gap grows to 1 km.
APPROXIMATE_CROSSING = 0.95
APPROXIMATE_CROSSING_FAR = 0.75

STREETS_RESOLVED = 30  # candidate streets looked at for a house number
SAME_SPOT_M = 30.0  # answers closer than this are one answer
# Interpolate between neighbouring numbers at most this far apart in numbering and in
# distance (rural roads have long gaps); farther apart they are likely different places
# that share a street name.
MAX_GAP_NUMBERS = 2000
MAX_GAP_M = 3000.0
NEAR_END_NUMBERS = 20  # or a tenth of the street's number span, past its last known number
CROSSING_MAX_M = 1000.0  # address points of two streets this close suggest the streets meet
_CROSSING_NEAR_M = 100.0
_CROSS_FIRST, _CROSS_SECOND = 12, 30  # candidate streets per side of an intersection


def address_candidates(t: Tables, q: Query) -> list[Candidate]:
    assert q.number is not None
    having = t.numbers.streets_with(q.number)
    matches = t.streets.match(q.street, partial=q.partial, having=having)
    # Half the streets looked at are the best names, half the best names that have the
    # number: a short prefix ("1200 M") fits thousands of names, the number far fewer.
    half = STREETS_RESOLVED // 2
    chosen = matches[:half] + [m for m in matches[half:] if m.street in having][:half]
    out: list[Candidate] = []
    for m in chosen:
        out += _at_number(t, q, m)
    return out


def street_candidates(t: Tables, q: Query, *, limit: int) -> list[Candidate]:
    out = []
    for m in t.streets.match(q.street, partial=q.partial)[: limit * 2]:
        spot = _street_spot(t, m.street)
        if spot is None:
            continue
        span = t.numbers.number_range(m.street)
        out.append(
            Candidate(
                match_type=MatchType.STREET,
                label=t.streets.labels[m.street],
                lon=spot[0],
                lat=spot[1],
                score=m.similarity / 100 * STREET_ONLY,
                street=t.streets.labels[m.street],
                detail=f"numbers {span[0]}–{span[1]}" if span else "",
            )
        )
    return out


def intersection_candidates(t: Tables, q: Query) -> list[Candidate]:
    first = t.streets.match(q.street, partial=False)[:_CROSS_FIRST]
    second = t.streets.match(q.cross, partial=q.partial)[:_CROSS_SECOND]
    sim_a = {m.street: m.similarity for m in first}
    sim_b = {m.street: m.similarity for m in second}
    out: list[Candidate] = []
    if t.crossings is not None:
        for a, b, node in t.crossings.find(list(sim_a), list(sim_b)):
            lon, lat = t.crossings.node_lonlat(node)
            out.append(_crossing(t, a, b, lon, lat, sim_a[a] * sim_b[b] / 1e4))
        return _one_per_spot(t, sorted(out, key=lambda c: -c.score))
    for a in list(sim_a)[:4]:
        for b in list(sim_b)[:8]:
            if t.street_core[a] == t.street_core[b]:
                continue
            spot = _approximate_crossing(t, a, b)
            if spot is not None:
                lon, lat, gap = spot
                far = min(max((gap - _CROSSING_NEAR_M) / (CROSSING_MAX_M - _CROSSING_NEAR_M), 0), 1)
                factor = APPROXIMATE_CROSSING - far * (
                    APPROXIMATE_CROSSING - APPROXIMATE_CROSSING_FAR
                )
                out.append(_crossing(t, a, b, lon, lat, sim_a[a] * sim_b[b] / 1e4 * factor))
    return _one_per_spot(t, sorted(out, key=lambda c: -c.score))


def _at_number(t: Tables, q: Query, m: StreetMatch) -> list[Candidate]:
    assert q.number is not None
    base = m.similarity / 100
    found = _points(t, q, m.street, base)
    if found:
        return found
    if t.segments is not None:
        found = _along_ranges(t, q, m.street, base)
        if found:
            return found
    spot = _between_points(t, q, m.street, base)
    if spot is not None:
        return [spot]
    where = _street_spot(t, m.street)
    if where is None:
        return []
    span = t.numbers.number_range(m.street)
    label = t.streets.labels[m.street]
    return [
        Candidate(
            match_type=MatchType.STREET,
            label=label,
            lon=where[0],
            lat=where[1],
            score=base * NUMBER_NOT_FOUND,
            street=label,
            detail=f"no {q.number} known; numbers {span[0]}–{span[1]}"
            if span
            else f"no {q.number} known",
        )
    ]


def _points(t: Tables, q: Query, sid: int, base: float) -> list[Candidate]:
    assert q.number is not None
    hits = t.numbers.exact(sid, q.number)
    if len(hits) == 0:
        return []
    a = t.addresses
    scored = []
    for p in hits.tolist():
        factor = EXACT if fold(t.string(int(a.housenumber[p]))) == q.housenumber else SAME_INTEGER
        unit = t.string(int(a.unit[p]))
        if q.unit:
            factor *= EXACT if unit_key(unit) == q.unit else UNIT_MISSING
        elif unit:
            factor *= 0.999  # with no unit typed, the building's own point comes first
        factor *= _locality(t, q, int(a.city[p]), int(a.zip[p]))
        scored.append((-factor, p))
    scored.sort()
    out = [_address_point(t, p, base * -neg, q) for neg, p in scored]
    return _one_per_spot(t, out, count_units=not q.unit)


def _address_point(t: Tables, p: int, score: float, q: Query) -> Candidate:
    a = t.addresses
    number = t.string(int(a.housenumber[p]))
    street = t.string(int(a.street[p]))
    unit = t.string(int(a.unit[p]))
    if q.unit and unit_key(unit) != q.unit:
        unit = q.unit_label  # the unit is not in the data; keep what was typed, tidied
    return Candidate(
        match_type=MatchType.ADDRESS_POINT,
        label=address_label(
            number, street, unit, t.string(int(a.city[p])), t.string(int(a.zip[p]))
        ),
        lon=float(a.lon[p]),
        lat=float(a.lat[p]),
        score=score,
        street=street,
        housenumber=number,
        unit=unit,
        city=t.string(int(a.city[p])),
        zip=t.string(int(a.zip[p])),
    )


def _along_ranges(t: Tables, q: Query, sid: int, base: float) -> list[Candidate]:
    assert q.number is not None
    assert t.segments is not None
    out = []
    label = t.streets.labels[sid]
    for seg, left, fraction in t.segments.locate(sid, q.number):
        lon, lat = t.segments.position(seg, fraction, left=left)
        zip_code = t.string(t.segments.zip_of(seg, left=left))
        city = _nearby_city(t, lon, lat, sid)
        score = base * RANGE * _locality_text(t, q, city, zip_code)
        out.append(_interpolated(q, label, lon, lat, score, city, zip_code))
    return _one_per_spot(t, sorted(out, key=lambda c: -c.score))


def _between_points(t: Tables, q: Query, sid: int, base: float) -> Candidate | None:
    assert q.number is not None
    n = q.number
    below, n_below, above, n_above = t.numbers.bracket(sid, n)
    a = t.addresses
    label = t.streets.labels[sid]
    if below >= 0 and above >= 0 and n_above - n_below <= MAX_GAP_NUMBERS:
        gap = math.hypot(t.point_x[above] - t.point_x[below], t.point_y[above] - t.point_y[below])
        if gap <= MAX_GAP_M:
            r = (n - n_below) / (n_above - n_below)
            lon = float(a.lon[below] + r * (a.lon[above] - a.lon[below]))
            lat = float(a.lat[below] + r * (a.lat[above] - a.lat[below]))
            near = below if r < 0.5 else above
            city, zip_code = t.string(int(a.city[near])), t.string(int(a.zip[near]))
            score = base * BETWEEN_POINTS * _locality_text(t, q, city, zip_code)
            return _interpolated(q, label, lon, lat, score, city, zip_code)
    span = t.numbers.number_range(sid)
    slack = max(NEAR_END_NUMBERS, (span[1] - span[0]) // 10) if span else NEAR_END_NUMBERS
    for p, pn in ((below, n_below), (above, n_above)):
        if p >= 0 and abs(pn - n) <= slack:
            city, zip_code = t.string(int(a.city[p])), t.string(int(a.zip[p]))
            score = base * NEAR_END * _locality_text(t, q, city, zip_code)
            return _interpolated(q, label, float(a.lon[p]), float(a.lat[p]), score, city, zip_code)
    return None


def _interpolated(
    q: Query, street: str, lon: float, lat: float, score: float, city: str, zip_code: str
) -> Candidate:
    number = q.housenumber or str(q.number)
    return Candidate(
        match_type=MatchType.INTERPOLATED,
        label=address_label(number, street, q.unit_label, city, zip_code),
        lon=lon,
        lat=lat,
        score=score,
        street=street,
        housenumber=number,
        unit=q.unit_label,
        city=city,
        zip=zip_code,
    )


def _crossing(t: Tables, a: int, b: int, lon: float, lat: float, score: float) -> Candidate:
    la, lb = t.streets.labels[a], t.streets.labels[b]
    return Candidate(
        match_type=MatchType.INTERSECTION,
        label=f"{la} & {lb}",
        lon=lon,
        lat=lat,
        score=score,
        street=la,
        cross_street=lb,
    )


def _approximate_crossing(t: Tables, a: int, b: int) -> tuple[float, float, float] | None:
    """Where two streets meet, from their address points alone (no road network)."""
    box_a, box_b = t.street_box[a], t.street_box[b]
    if np.isnan(box_a[0]) or np.isnan(box_b[0]):
        return None
    m = CROSSING_MAX_M
    if (
        box_a[0] > box_b[2] + m
        or box_b[0] > box_a[2] + m
        or box_a[1] > box_b[3] + m
        or box_b[1] > box_a[3] + m
    ):
        return None
    pa, pb = t.numbers.points(a), t.numbers.points(b)
    spot = approximate_crossing(
        t.point_x[pa], t.point_y[pa], t.point_x[pb], t.point_y[pb], max_gap_m=CROSSING_MAX_M
    )
    if spot is None:
        return None
    lon, lat = t.plane.to_lonlat(spot[0], spot[1])
    return float(lon), float(lat), spot[2]


def _street_spot(t: Tables, sid: int) -> tuple[float, float] | None:
    p = t.numbers.middle(sid)
    if p >= 0:
        return float(t.addresses.lon[p]), float(t.addresses.lat[p])
    return t.segments.middle(sid) if t.segments is not None else None


def _nearby_city(t: Tables, lon: float, lat: float, sid: int) -> str:
    """The city of the nearest address point on the same street, if one is close."""
    if t.point_tree is None:
        return ""
    x, y = t.plane.to_xy(lon, lat)
    k = min(8, len(t.point_x))
    dist, idx = t.point_tree.query([float(x), float(y)], k=k, distance_upper_bound=500.0)
    for d, i in zip(np.atleast_1d(dist).tolist(), np.atleast_1d(idx).tolist(), strict=True):
        if math.isfinite(d) and int(t.point_street[i]) == sid:
            return t.string(int(t.addresses.city[i]))
    return ""


def _locality(t: Tables, q: Query, city: int, zip_id: int) -> float:
    if not q.city and not q.zip:
        return 1.0
    return _locality_text(t, q, t.string(city), t.string(zip_id))


def _locality_text(t: Tables, q: Query, city: str, zip_code: str) -> float:
    """Agreement with a typed city or ZIP; a city the region does not know is ignored."""
    factor = 1.0
    if q.city and tuple(q.city.split()) in t.cities and city and city_key(city) != q.city:
        factor *= LOCALITY_MISMATCH
    if q.zip and zip_code and zip_code != q.zip:
        factor *= LOCALITY_MISMATCH
    return factor


def _one_per_spot(
    t: Tables, candidates: list[Candidate], *, count_units: bool = False
) -> list[Candidate]:
    """Drop candidates within SAME_SPOT_M of a better one (units of one building, say).

    `count_units`: no unit was typed, so a building's points stand for the building: its
    label loses the unit and its detail says how many units share the spot.
    """
    kept: list[tuple[float, float, Candidate, int]] = []
    for c in candidates:
        x, y = t.plane.to_xy(c.lon, c.lat)
        fx, fy = float(x), float(y)
        for k, (kx, ky, _, n) in enumerate(kept):
            if math.hypot(fx - kx, fy - ky) <= SAME_SPOT_M:
                kept[k] = (kx, ky, kept[k][2], n + (1 if c.unit else 0))
                break
        else:
            kept.append((fx, fy, c, 1 if c.unit else 0))
    out = []
    for _, _, c, units in kept:
        if count_units and c.unit:
            c = replace(
                c,
                label=address_label(c.housenumber, c.street, "", c.city, c.zip),
                unit="",
                detail=f"{units} units" if units > 1 else f"unit {c.unit}",
            )
        out.append(c)
    return out


def address_label(number: str, street: str, unit: str, city: str, zip_code: str) -> str:
    """ "1200 W 7th St Apt 4, Riverton 72201"."""
    head = " ".join(p for p in (number, street, _unit_shown(unit)) if p)
    tail = " ".join(p for p in (city, zip_code) if p)
    return f"{head}, {tail}" if tail else head


def _unit_shown(unit: str) -> str:
    # A bare unit ("4", "B") reads better with a "#" in front of it.
    return f"#{unit}" if unit and " " not in unit and not unit.startswith("#") else unit
