"""Searching what a dispatcher types: address points, typos, places, coordinates, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from emscad.errors import InvalidInput
from emscad.geo import haversine_m
from emscad.geocoding import Candidate, GeocodeIndex, MatchType
from emscad.geocoding.importer import Columns, import_rows
from emscad.geocoding.model import MAX_QUERY_CHARS
from emscad.regions.model import NO_STRING, AddressTable, Region


def _near(c: Candidate, lon: float, lat: float, metres: float = 25.0) -> bool:
    return float(haversine_m(c.lon, c.lat, lon, lat)) <= metres


def _address(city: Region, i: int) -> tuple[str, float, float]:
    a = city.addresses
    parts = [city.string(int(a.housenumber[i])), city.string(int(a.street[i]))]
    if a.unit[i] != NO_STRING:
        parts.append(city.string(int(a.unit[i])))
    return " ".join(parts), float(a.lon[i]), float(a.lat[i])


def test_exact_address_points_come_first_at_their_own_coordinates(
    city: Region, index: GeocodeIndex
) -> None:
    rng = np.random.default_rng(1)
    for i in rng.choice(len(city.addresses), 40, replace=False).tolist():
        text, lon, lat = _address(city, i)
        first = index.search(text)[0]
        assert first.match_type is MatchType.ADDRESS_POINT, text
        assert (first.lon, first.lat) == (lon, lat), text
        assert first.score == pytest.approx(1.0)


def test_candidate_labels_are_the_regions_spelling_not_the_typed_text(
    index: GeocodeIndex,
) -> None:
    text = "2529 west thirty-first street"
    first = index.search(text)[0]
    assert first.label == "2529 W 31st St, Riverton 72203"
    assert first.street == "W 31st St"
    assert text == "2529 west thirty-first street"


@pytest.mark.parametrize(
    "typed",
    [
        "2529 W 31st Stret",  # a typo in the suffix
        "2529 W Thirty-Frist St",  # a typo in a spelled-out ordinal
        "2529 West 31st Street",  # spelled out
        "2529 w 31 st",  # lower case, bare number
        "2529 W 31st St, Riverton, AR 72203",
    ],
)
def test_variants_of_an_address_find_the_same_point(index: GeocodeIndex, typed: str) -> None:
    first = index.search(typed)[0]
    assert first.match_type is MatchType.ADDRESS_POINT
    assert first.label.startswith("2529 W 31st St")


def test_a_typo_in_the_name_ranks_the_right_street_first(index: GeocodeIndex) -> None:
    first, *rest = index.search("1151 W Vermnt St")
    assert first.label.startswith("1151 W Vermont St")
    assert all(c.score < first.score for c in rest)


def test_a_dropped_directional_prefers_the_street_that_has_the_number(
    index: GeocodeIndex,
) -> None:
    found = index.search("2529 31st St")
    assert found[0].label.startswith("2529 W 31st St")
    assert found[0].match_type is MatchType.ADDRESS_POINT


def test_type_ahead_finds_the_address_before_it_is_finished(index: GeocodeIndex) -> None:
    first = index.search("2529 W 31")[0]
    assert first.label.startswith("2529 W 31st St")
    assert first.score < 1.0  # not yet what was typed in full


def test_a_conflicting_directional_or_number_is_not_a_typo(index: GeocodeIndex) -> None:
    found = {c.street: c.score for c in index.search("2529 W 31st St", limit=10)}
    assert found["W 31st St"] > found.get("E 31st St", 0) + 0.1
    assert found["W 31st St"] > found.get("W 1st St", 0) + 0.2


def test_units_pick_the_units_point_and_keep_a_unit_the_data_lacks(
    city: Region, index: GeocodeIndex
) -> None:
    first = index.search("2543 E 17th St #3")[0]
    assert first.unit == "Apt 3"
    assert first.match_type is MatchType.ADDRESS_POINT
    missing = index.search("2529 W 31st St Apt 9")[0]
    assert missing.unit == "Apt 9"
    assert missing.label.startswith("2529 W 31st St Apt 9")


def test_without_a_unit_typed_an_apartment_building_is_one_candidate(
    index: GeocodeIndex,
) -> None:
    found = index.search("2543 E 17th St", limit=10)
    buildings = [c for c in found if c.label.startswith("2543 E 17th St")]
    assert len(buildings) == 1
    assert buildings[0].label == "2543 E 17th St, Riverton 72202"
    assert buildings[0].unit == ""
    assert buildings[0].detail.endswith("units")


def test_a_known_city_that_disagrees_lowers_the_score(index: GeocodeIndex) -> None:
    right = index.search("2529 W 31st St, Riverton")[0]
    wrong = index.search("2529 W 31st St, North Riverton")[0]
    assert right.score > wrong.score


def test_a_street_without_a_number_is_a_street_candidate(index: GeocodeIndex) -> None:
    first = index.search("W 7th St")[0]
    assert first.match_type is MatchType.STREET
    assert first.label == "W 7th St"
    assert first.detail.startswith("numbers ")


def test_a_number_the_street_lacks_still_offers_the_street_lower(index: GeocodeIndex) -> None:
    first = index.search("99999 W 7th St")[0]
    assert first.match_type is MatchType.STREET
    assert first.score <= 0.75
    assert "99999" in first.detail


def test_the_typed_street_beats_a_different_street_that_has_the_number() -> None:
    """What users of open CADs complain of: the geocoder "fixing" the road to another one."""
    rows = [
        (2, ["201 Markham Center Dr", "-92.300", "34.750"]),
        (3, ["306 Markham Center Dr", "-92.298", "34.750"]),
        (4, ["100 Markhaven Dr", "-92.250", "34.700"]),
    ]
    table = import_rows(
        ["address", "lon", "lat"], rows, Columns(), base=AddressTable.empty(), strings=()
    )
    index = GeocodeIndex.build(table.addresses, table.strings)
    first = index.search("100 Markham Center Dr")[0]
    assert first.match_type is MatchType.STREET
    assert first.label == "Markham Center Dr"
    assert "no 100 known" in first.detail


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Station One", "Station 1"),
        ("station 1", "Station 1"),
        ("Children's Hospital", "Children's Hospital"),
        ("childrens hosp", "Children's Hospital"),
        ("RGH", "Riverton General Hospital"),
        ("the zoo", "Riverton Zoo"),
        ("Riverton Genral Hospital", "Riverton General Hospital"),
    ],
)
def test_places_by_name_alias_and_typo(index: GeocodeIndex, typed: str, name: str) -> None:
    first = index.search(typed)[0]
    assert first.match_type is MatchType.PLACE
    assert first.label == name
    assert first.place_id


def test_an_alias_match_says_which_alias(index: GeocodeIndex) -> None:
    first = index.search("Station One")[0]
    assert "Station One" in first.detail
    assert first.score < 1.0 <= index.search("Station 1 ")[0].score + 1e-9


@pytest.mark.parametrize("typed", ["34.7465, -92.2896", "-92.2896,34.7465", "34.7465 -92.2896"])
def test_typed_coordinates_override_in_either_order(index: GeocodeIndex, typed: str) -> None:
    (only,) = index.search(typed)
    assert only.match_type is MatchType.COORDINATES
    assert (only.lon, only.lat) == (-92.2896, 34.7465)
    assert only.score == 1.0


def test_map_pick_is_a_coordinates_candidate(index: GeocodeIndex) -> None:
    pick = index.coordinates(-92.3, 34.75)
    assert pick.match_type is MatchType.COORDINATES
    assert pick.to_json()["lon"] == -92.3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_QUERY_CHARS + 1), "too long"),
        ("134.7, 192.2", "out of range"),
        ("95.0, 95.0", "out of range"),
    ],
)
def test_bad_input_is_one_clear_line(index: GeocodeIndex, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        index.search(text)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("limit", [0, 51])
def test_limit_out_of_range_is_refused(index: GeocodeIndex, limit: int) -> None:
    with pytest.raises(InvalidInput, match="limit"):
        index.search("Main", limit=limit)


def test_results_are_ranked_limited_and_serialisable(index: GeocodeIndex) -> None:
    found = index.search("W 1", limit=3)
    assert len(found) <= 3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    data = found[0].to_json()
    assert set(data) >= {"match_type", "label", "lon", "lat", "score"}


def test_same_text_same_answer(index: GeocodeIndex) -> None:
    assert index.search("Main") == index.search("Main")
