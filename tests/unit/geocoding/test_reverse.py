"""Reverse geocoding: the nearest address, the road under a point and its cross streets."""

from __future__ import annotations

import pytest

from emscad.errors import InvalidInput
from emscad.geocoding import GeocodeIndex, MatchType
from tests.factories.regions import LAT0, LON0, STEP


def test_nearest_address_and_the_road_with_its_cross_streets(block_index: GeocodeIndex) -> None:
    result = block_index.reverse(LON0 + 0.22 * STEP, LAT0 - 0.05 * STEP)
    assert result.address is not None
    assert result.address.label == "120 Elm St, Riverton 72201"
    assert result.address.match_type is MatchType.ADDRESS_POINT
    assert result.address_distance_m == pytest.approx(11.4, abs=1)
    assert result.street == "Elm St"
    assert result.street_distance_m == pytest.approx(5.6, abs=0.5)
    assert result.cross_streets == ("Ash St", "Oak St")


def test_reverse_on_a_synthetic_city(index: GeocodeIndex) -> None:
    result = index.reverse(-92.3142357, 34.7292115)  # 1036 W 25th St
    assert result.address is not None
    assert result.address.label == "1036 W 25th St, Riverton 72203"
    assert result.address_distance_m == pytest.approx(0.0, abs=0.01)
    assert result.street == "W 25th St"
    assert len(result.cross_streets) == 2
    assert "W 25th St" not in result.cross_streets
    assert result.to_json()["cross_streets"] == list(result.cross_streets)


def test_without_roads_the_street_is_the_nearest_addresss(points_only: GeocodeIndex) -> None:
    result = points_only.reverse(-92.3142357, 34.7292115)
    assert result.street == "W 25th St"
    assert result.cross_streets == ()


@pytest.mark.parametrize(("lon", "lat"), [(200.0, 34.0), (-92.0, 95.0), (float("nan"), 1.0)])
def test_coordinates_out_of_range_are_refused(
    block_index: GeocodeIndex, lon: float, lat: float
) -> None:
    with pytest.raises(InvalidInput):
        block_index.reverse(lon, lat)
