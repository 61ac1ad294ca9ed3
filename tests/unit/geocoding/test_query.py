"""Taking typed text apart: numbers, units, cities, ZIP codes, intersections, coordinates."""

from __future__ import annotations

import pytest

from emscad.geocoding.query import parse_coordinates, parse_query

CITIES = {("RIVERTON",), ("NORTH", "RIVERTON")}


def test_address_with_unit_city_state_and_zip() -> None:
    q = parse_query("1200 W 7th St Apt 4, Riverton, AR 72201", cities=CITIES)
    assert (q.housenumber, q.number) == ("1200", 1200)
    assert q.street == ("W", "7TH", "ST")
    assert (q.unit, q.unit_label) == ("4", "Apt 4")
    assert (q.city, q.zip) == ("RIVERTON", "72201")


@pytest.mark.parametrize(
    "text",
    [
        "1200 W 7th St Riverton",
        "1200 W 7th St North Riverton AR",
        "1200 W 7th St 72201",
        "1200 W 7th St Little Rock",
    ],
)
def test_city_state_and_zip_are_stripped_without_commas(text: str) -> None:
    q = parse_query(text, cities=CITIES)
    assert q.street == ("W", "7TH", "ST")


@pytest.mark.parametrize(("text", "unit"), [("12 Oak St #3", "3"), ("12 Oak St Unit B", "B")])
def test_unit_forms(text: str, unit: str) -> None:
    q = parse_query(text)
    assert q.street == ("OAK", "ST")
    assert q.unit == unit


def test_fractions_and_hundred_blocks() -> None:
    assert parse_query("12 1/2 Main St").housenumber == "12 1/2"
    q = parse_query("1100 block of E Roosevelt Rd")
    assert q.number == 1100
    assert q.street == ("E", "ROOSEVELT", "RD")


@pytest.mark.parametrize(
    "text", ["W 7th St & S Chester St", "7th and Chester", "7th / Chester", "7th at Chester"]
)
def test_intersection_separators(text: str) -> None:
    q = parse_query(text)
    assert q.is_intersection
    assert q.street[-2 if len(q.street) > 1 else 0].startswith("7")
    assert "CHESTER" in q.cross


def test_a_leading_house_number_is_an_address_not_an_intersection() -> None:
    assert not parse_query("1200 W 7th St & more").is_intersection


def test_half_typed_intersection_searches_the_first_street() -> None:
    q = parse_query("7th and ")
    assert not q.is_intersection
    assert q.street == ("7TH",)


def test_partial_is_whether_the_last_word_may_still_grow() -> None:
    assert parse_query("1200 W 7").partial
    assert not parse_query("1200 W 7 ").partial


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("34.7465, -92.2896", (34.7465, -92.2896)),
        ("-92.2896,34.7465", (-92.2896, 34.7465)),
        ("(34.7465 -92.2896)", (34.7465, -92.2896)),
    ],
)
def test_coordinates_are_two_decimal_numbers(text: str, pair: tuple[float, float]) -> None:
    assert parse_coordinates(text) == pair


@pytest.mark.parametrize("text", ["1200 7", "1200 W 7th St", "34.7, Main"])
def test_addresses_are_not_coordinates(text: str) -> None:
    assert parse_coordinates(text) is None
