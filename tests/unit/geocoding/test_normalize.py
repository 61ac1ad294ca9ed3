"""Address text to match keys: USPS abbreviations, ordinals, units, typo repair."""

from __future__ import annotations

import pytest

from emscad.geocoding.normalize import (
    correct,
    fold,
    house_number,
    key_parts,
    street_key,
    unit_key,
    variants,
    words,
)
from emscad.geocoding.usps import spell_ordinal


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("W 7th St", "W 7 ST"),
        ("West Seventh Street", "W 7 ST"),
        ("west 7 st.", "W 7 ST"),
        ("W. 7th Str", "W 7 ST"),
        ("E Twenty-First Ave", "E 21 AVE"),
        ("e twenty first avenue", "E 21 AVE"),
        ("Highway 365 South", "HWY 365 S"),
        ("Hwy 365 S", "HWY 365 S"),
        ("N Rodney Parham Road", "N RODNEY PARHAM RD"),
        ("Chenal Pky", "CHENAL PKWY"),
        ("Chenal Parkway", "CHENAL PKWY"),
        ("Lake Shore Drive", "LAKE SHORE DR"),
        ("County Road 12", "COUNTY RD 12"),
        ("Children's Way", "CHILDRENS WAY"),
        ("Peña Blvd", "PENA BLVD"),
    ],
)
def test_street_spellings_share_one_key(typed: str, key: str) -> None:
    assert street_key(typed) == key


def test_a_name_made_of_a_suffix_word_is_not_abbreviated_away() -> None:
    # "Center" alone is a street name, not a suffix: there is nothing before it.
    assert street_key("Center") == "CENTER"
    assert street_key("W Center St") == "W CENTER ST"


def test_words_fold_case_accents_and_apostrophes_and_split_unit_marks() -> None:
    assert fold("Children’s") == "CHILDRENS"
    assert words("1200 W 7th St #4") == ["1200", "W", "7TH", "ST", "#", "4"]
    assert words("12 1/2 Main") == ["12", "1/2", "MAIN"]


@pytest.mark.parametrize(
    ("token", "number"),
    [("1200", 1200), ("12B", 12), ("12-14", 12), ("N123W456", 123), ("7TH", None), ("ST", None)],
)
def test_house_numbers_keep_their_leading_integer(token: str, number: int | None) -> None:
    assert house_number(token) == number


@pytest.mark.parametrize(("unit", "key"), [("Apt 4", "4"), ("#4", "4"), ("unit b", "B")])
def test_units_match_on_their_identifier(unit: str, key: str) -> None:
    assert unit_key(unit) == key


def test_shortened_forms_cost_what_was_dropped() -> None:
    forms = dict(variants(["W", "7", "ST"]))
    assert forms["W 7 ST"] == 0
    assert forms["7 ST"] > 0
    assert forms["W 7"] > 0
    assert forms["7"] > forms["7 ST"]


def test_a_lone_directional_or_suffix_is_never_a_form() -> None:
    forms = dict(variants(["N", "ST"]))  # "N Street"
    assert set(forms) == {"N ST"}


def test_key_parts_abbreviate_suffix_words_inside_a_name() -> None:
    parts = key_parts(["E", "ASH", "GROVE", "ST"])
    assert (parts.lead, parts.suffix) == ("E", "ST")
    assert "GRV" in parts.words
    assert key_parts(["W", "7", "ST"]).numbers == ("7",)


def test_typos_in_suffix_and_ordinal_words_are_repaired_at_a_cost() -> None:
    fixed, cost = correct(["W", "THIRTY", "FRIST", "STRET"], (), partial=False)
    assert fixed == ["W", "THIRTY", "FIRST", "STREET"]
    assert cost > 0


def test_words_the_region_uses_are_never_repaired() -> None:
    fixed, cost = correct(["STRAND"], ("STRAND",), partial=False)
    assert fixed == ["STRAND"]
    assert cost == 0


def test_an_unfinished_last_word_is_completed_only_as_a_suffix() -> None:
    assert correct(["OAK", "STRE"], ("OAK",), partial=True)[0] == ["OAK", "STREET"]
    assert correct(["MAGN"], ("MAGNOLIA",), partial=True)[0] == ["MAGN"]


def test_ordinals_are_spelled_as_people_say_them() -> None:
    assert spell_ordinal(7) == "Seventh"
    assert spell_ordinal(21) == "Twenty-First"
    assert spell_ordinal(150) is None
