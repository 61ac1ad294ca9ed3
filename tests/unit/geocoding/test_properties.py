"""Properties over every address point of a city, drawn by hypothesis."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emscad.errors import InvalidInput
from emscad.geo import haversine_m
from emscad.geocoding import GeocodeIndex, MatchType
from emscad.regions.model import Region

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data())
def test_every_point_searched_by_its_own_label_comes_back_first(
    city: Region, index: GeocodeIndex, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(city.addresses) - 1))
    lon, lat = float(city.addresses.lon[i]), float(city.addresses.lat[i])
    reverse = index.reverse(lon, lat)
    assert reverse.address is not None
    first = index.search(reverse.address.label)[0]
    assert first.match_type is MatchType.ADDRESS_POINT
    assert float(haversine_m(first.lon, first.lat, lon, lat)) <= 25.0


@SETTINGS
@given(text=st.text(max_size=80))
def test_any_text_gives_ranked_candidates_or_one_clear_error(
    index: GeocodeIndex, text: str
) -> None:
    try:
        found = index.search(text)
    except InvalidInput as exc:
        message = str(exc)
        found = []
    else:
        message = ""
    assert "\n" not in message
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
