"""House numbers with no address point: along the road's ranges, or between neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from emscad.geo import LocalPlane, haversine_m
from emscad.geocoding import GeocodeIndex, MatchType
from emscad.geocoding.importer import select_rows
from emscad.geocoding.network import SETBACK_M
from emscad.regions.model import NO_STRING, Region
from tests.factories.regions import LAT0, LON0, STEP


def _xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = LocalPlane(LON0, LAT0).to_xy(lon, lat)
    return float(x), float(y)


def test_odd_number_lands_on_the_left_side_part_way_along(block_index: GeocodeIndex) -> None:
    first = block_index.search("151 Elm St")[0]
    assert first.match_type is MatchType.INTERPOLATED
    assert first.label == "151 Elm St, Riverton"  # no ZIP on the roads: the city is nearby
    x, y = _xy(first.lon, first.lat)
    block_m = _xy(LON0 + STEP, LAT0)[0]
    # Left of Elm St travelling east is north; 151 is half-way through 101..199.
    assert y == pytest.approx(SETBACK_M, abs=0.5)
    assert x == pytest.approx(block_m * (151 - 101) / (199 - 101), abs=0.5)


def test_even_number_lands_on_the_right_side(block_index: GeocodeIndex) -> None:
    first = block_index.search("150 Elm St")[0]
    assert first.match_type is MatchType.INTERPOLATED
    assert _xy(first.lon, first.lat)[1] == pytest.approx(-SETBACK_M, abs=0.5)


def test_the_next_segment_takes_the_next_hundred(block_index: GeocodeIndex) -> None:
    first = block_index.search("251 Elm St")[0]
    x, _ = _xy(first.lon, first.lat)
    assert x > _xy(LON0 + STEP, LAT0)[0]


def test_an_address_point_beats_interpolation(block_index: GeocodeIndex) -> None:
    first = block_index.search("125 Elm St")[0]
    assert first.match_type is MatchType.ADDRESS_POINT
    assert (first.lon, first.lat) == pytest.approx((LON0 + 0.25 * STEP, LAT0 + 0.15 * STEP))


def test_a_number_past_every_range_is_not_invented(block_index: GeocodeIndex) -> None:
    first = block_index.search("951 Elm St")[0]
    assert first.match_type is MatchType.STREET


def test_without_roads_numbers_fall_between_neighbours_on_their_own_side(
    city: Region,
) -> None:
    """Hold some houses out, then find them from their neighbours' positions alone."""
    a = city.addresses
    rng = np.random.default_rng(5)
    held = rng.choice(np.flatnonzero(a.unit == NO_STRING), 60, replace=False)
    keep = np.ones(len(a), bool)
    keep[held] = False
    index = GeocodeIndex.build(select_rows(a, keep), city.strings, bbox=city.manifest.bbox)
    errors = []
    for p in held.tolist():
        text = f"{city.string(int(a.housenumber[p]))} {city.string(int(a.street[p]))}"
        first = index.search(text)[0]
        if first.match_type is MatchType.INTERPOLATED:
            errors.append(float(haversine_m(first.lon, first.lat, a.lon[p], a.lat[p])))
    assert len(errors) >= 50
    assert np.median(errors) < 25
