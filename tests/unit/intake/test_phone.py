"""E.164 normalisation of sender and line numbers."""

from __future__ import annotations

import pytest

from emscad.intake.phone import is_e164, normalize_number, to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+15015550123", "+15015550123"),
        ("(501) 555-0123", "+15015550123"),
        ("501.555.0123", "+15015550123"),
        ("1-501-555-0123", "+15015550123"),
        ("15015550123", "+15015550123"),
        ("tel:+1-501-555-0123", "+15015550123"),
        (" +44 20 7946 0958 ", "+442079460958"),
        ("011 44 20 7946 0958", "+442079460958"),
    ],
)
def test_us_and_international_numbers_become_e164(raw: str, expected: str) -> None:
    assert to_e164(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",  # a short code
        "ACMEBANK",  # an alphanumeric sender id
        "555-0123",  # seven digits: no area code
        "(051) 555-0123",  # an area code cannot start with 0 or 1
        "501-155-0123",  # nor can an exchange
        "+0123456789",
        "+1234567",  # too short for E.164
        "+1234567890123456",  # too long
        "501555012x",
    ],
)
def test_what_is_not_a_dialable_number_is_refused(raw: str) -> None:
    assert to_e164(raw) is None


def test_another_default_country_drops_the_trunk_zero() -> None:
    assert to_e164("020 7946 0958", country_code="44") == "+442079460958"
    assert to_e164("12", country_code="44") is None


def test_a_bad_country_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="country code"):
        to_e164("5015550123", country_code="+1")


def test_an_unparseable_sender_is_kept_raw_for_threading() -> None:
    assert normalize_number(" 12345 ") == "12345"
    assert normalize_number("501 555 0123") == "+15015550123"
    assert is_e164("+15015550123")
    assert not is_e164("12345")
