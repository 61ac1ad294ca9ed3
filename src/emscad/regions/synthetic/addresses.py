"""Address points along the block faces: numbered houses, a few apartments, and the places."""

from __future__ import annotations

import numpy as np

from emscad.geo import quantize_deg
from emscad.regions.model import I64, NO_STRING, AddressSource, AddressTable
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.faces import Faces
from emscad.regions.synthetic.places import PlacedAddresses
from emscad.regions.synthetic.plan import CITY, NORTH_CITY, CityPlan

ADDRESSES_PER_NODE = 0.85
MAX_PER_FACE = 6
APARTMENT_FRACTION = 0.02  # of houses; each holds 2 to 8 units, one address point per unit
_MEAN_UNITS = 5.0
_NOMINAL_BLOCK_M = 110.0
# Houses keep to the middle of the block: a house near a corner would be as close to the
# cross street as to its own, and reverse geocoding it would be a coin toss.
_FIRST, _SPAN = 0.2, 0.6
_NUMBER_BITS = 20  # house numbers stay below 2**20 (a 2M-node city reaches about 71,000)


def make_addresses(
    plan: CityPlan,
    faces: Faces,
    placed: PlacedAddresses,
    pool: StringPool,
    rng: np.random.Generator,
    *,
    n_nodes: int,
) -> AddressTable:
    """About `ADDRESSES_PER_NODE` points per road node, spread over the faces by length."""
    houses = ADDRESSES_PER_NODE * n_nodes / (1 + APARTMENT_FRACTION * (_MEAN_UNITS - 1))
    houses = max(houses - len(placed.face), 0.0)
    weight = faces.length_m / _NOMINAL_BLOCK_M
    lam = houses * weight / max(float(weight.sum()), 1e-9)
    capacity = np.abs(faces.to - faces.frm) // 2 + 1
    counts = np.minimum(rng.poisson(lam), np.minimum(MAX_PER_FACE, np.maximum(capacity // 3, 1)))

    # Each face is cut into as many equal slots as it has houses, one house per slot, so the
    # numbers on a face are distinct and spread out like real lots.
    face = np.repeat(np.arange(len(faces), dtype=np.int64), counts)
    slot = np.arange(len(face)) - np.repeat(np.cumsum(counts) - counts, counts)
    t = _FIRST + _SPAN * (slot + rng.uniform(0.15, 0.85, len(face))) / counts[face]
    number = faces.number_at(face, t)
    repeat = np.zeros(len(face), bool)
    repeat[1:] = (face[1:] == face[:-1]) & (number[1:] == number[:-1])
    taken = np.isin(_key(face, number), _key(placed.face, placed.number))
    keep = ~repeat & ~taken
    face, number = face[keep], number[keep]
    x, y = faces.position(face, number, rng.uniform(12.0, 20.0, len(face)))

    apartment = rng.random(len(face)) < APARTMENT_FRACTION
    units = np.where(apartment, rng.integers(2, 9, len(face)), 1)
    lettered = rng.random(len(face)) < 0.5
    row = np.repeat(np.arange(len(face)), units)
    rank = np.arange(len(row)) - np.repeat(np.cumsum(units) - units, units)
    apt_ids = np.array([pool.add(f"Apt {i + 1}") for i in range(8)], np.int32)
    letter_ids = np.array([pool.add(f"Unit {chr(ord('A') + i)}") for i in range(8)], np.int32)
    unit = np.where(
        apartment[row], np.where(lettered[row], letter_ids[rank], apt_ids[rank]), NO_STRING
    )

    face_all = np.concatenate([face[row], placed.face])
    number_all = np.concatenate([number[row], placed.number])
    x_all = np.concatenate([x[row], placed.x])
    y_all = np.concatenate([y[row], placed.y])
    unit_all = np.concatenate([unit, np.full(len(placed.face), NO_STRING)]).astype(np.int32)

    distinct, inverse = np.unique(number_all, return_inverse=True)
    number_ids = np.array([pool.add(str(int(n))) for n in distinct], np.int32)
    city_id, north_id = pool.add(CITY), pool.add(NORTH_CITY)
    city = np.where(plan.city_is_north(x_all, y_all), north_id, city_id).astype(np.int32)
    lon, lat = plan.plane.to_lonlat(x_all, y_all)
    return AddressTable(
        lon=quantize_deg(lon),
        lat=quantize_deg(lat),
        housenumber=number_ids[inverse].astype(np.int32),
        number=number_all.astype(np.int32),
        street=faces.street[face_all].astype(np.int32),
        unit=unit_all,
        city=city,
        zip=faces.zip[face_all].astype(np.int32),
        source=np.full(len(face_all), AddressSource.GENERATED.code, np.uint8),
    )


def _key(face: I64, number: I64) -> I64:
    return np.asarray(face << _NUMBER_BITS | number, np.int64)
