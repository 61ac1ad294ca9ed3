"""Caller and premise history at intake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from emscad.errors import InvalidInput
from emscad.incidents.models import (
    Caller,
    Caution,
    Confidence,
    Incident,
    IncidentStatus,
    Location,
    Severity,
    Source,
)
from emscad.intake.history import (
    PremiseCaution,
    address_key,
    check_premise_caution,
    intake_history,
    premise_cautions,
    same_address,
    same_number,
)

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
LON, LAT = -92.2896, 34.7465
M_PER_DEG_LAT = 111_195.0
HERE = Location(text="500 West Markham Street", lon=LON, lat=LAT, confidence=Confidence.ADDRESS)


def past(
    id_: str,
    *,
    days_ago: float,
    text: str = "",
    north_m: float | None = None,
    phone: str = "",
    confidence: Confidence = Confidence.ADDRESS,
) -> Incident:
    lat = LAT + north_m / M_PER_DEG_LAT if north_m is not None else None
    return Incident(
        id=id_,
        number=f"26-{id_}",
        status=IncidentStatus.CLOSED,
        received_at=NOW - timedelta(days=days_ago),
        source=Source.PHONE,
        location=Location(
            text=text, lon=LON if lat is not None else None, lat=lat, confidence=confidence
        ),
        caller=Caller(phone=phone),
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("500 West Markham Street", "500 W Markham St"),
        ("500 w. markham st.", "500 W MARKHAM STREET"),
        ("12 Seventh Avenue, Apartment 4", "12 7th Ave Apt 4"),
        ("1 North Main", "1 N Main"),
    ],
)
def test_address_keys_ignore_spelling_and_abbreviation(a: str, b: str) -> None:
    assert address_key(a) == address_key(b)


def test_different_addresses_have_different_keys() -> None:
    assert address_key("500 W Markham St") != address_key("502 W Markham St")
    assert address_key("12 7th Ave Apt 4") != address_key("12 7th Ave Apt 5")


def test_earlier_incidents_at_the_address_come_most_recent_first() -> None:
    candidates = [
        past("a", days_ago=30, text="500 W Markham St"),  # same text, no point
        past("b", days_ago=2, north_m=20),  # 20 m away, no text
        past("c", days_ago=10, text="500 w markham street", north_m=5),
        past("d", days_ago=1, north_m=80),  # next door
        past("e", days_ago=3, text="502 W Markham St"),  # another address
    ]
    history = intake_history(location=HERE, phone="", candidates=candidates, now=NOW)
    assert [i.id for i in history.at_address] == ["b", "c", "a"]
    assert history.at_address_count == 3
    assert history.from_number == ()


def test_the_geocoder_label_matches_too() -> None:
    labelled = replace(HERE, text="the library", label="500 W Markham St, Riverton 72201")
    candidates = [past("a", days_ago=5, text="500 west markham street")]
    assert same_address(labelled, candidates[0].location)
    typed_with_city = past("b", days_ago=5, text="500 W Markham St, Riverton").location
    assert same_address(labelled, typed_with_city)


def test_a_street_only_location_matches_by_coordinates_not_text() -> None:
    street = Location(text="Markham St", confidence=Confidence.STREET)
    other = past("a", days_ago=1, text="Markham St").location
    assert not same_address(street, other)


def test_earlier_incidents_from_the_same_number_in_any_format() -> None:
    candidates = [
        past("a", days_ago=4, phone="(501) 555-0123", text="somewhere else"),
        past("b", days_ago=9, phone="+15015550123", text="elsewhere"),
        past("c", days_ago=1, phone="501-555-0999"),
        past("d", days_ago=1, phone=""),
    ]
    history = intake_history(
        location=Location(text="x"), phone="1 501 555 0123", candidates=candidates, now=NOW
    )
    assert [i.id for i in history.from_number] == ["a", "b"]
    assert history.from_number_count == 2


def test_an_unparseable_number_matches_nothing() -> None:
    candidates = [past("a", days_ago=1, phone="12345")]
    history = intake_history(location=HERE, phone="12345", candidates=candidates, now=NOW)
    assert history.from_number == ()
    assert not same_number("12345", "12345")
    assert same_number("5015550123", "+1 (501) 555-0123")


def test_the_incident_being_taken_later_ones_and_duplicates_are_left_out() -> None:
    a = past("a", days_ago=1, text="500 W Markham St", phone="5015550123")
    current = past("now", days_ago=0, text="500 W Markham St", phone="5015550123")
    future = past("future", days_ago=-1, text="500 W Markham St")
    history = intake_history(
        location=HERE,
        phone="5015550123",
        candidates=[a, a, current, future],
        now=NOW,
        exclude="now",
    )
    assert [i.id for i in history.at_address] == ["a"]
    assert [i.id for i in history.from_number] == ["a"]


def test_lists_are_capped_but_counts_are_complete() -> None:
    candidates = [past(f"i{n}", days_ago=n + 1, text="500 W Markham St") for n in range(25)]
    history = intake_history(location=HERE, phone="", candidates=candidates, now=NOW, limit=5)
    assert [i.id for i in history.at_address] == ["i0", "i1", "i2", "i3", "i4"]
    assert history.at_address_count == 25


def caution(id_: str, **kwargs: object) -> PremiseCaution:
    base: dict[str, object] = {"kind": "dog", "text": "Large dog in the yard"}
    return PremiseCaution(id=id_, **{**base, **kwargs})  # type: ignore[arg-type]


def test_premise_cautions_match_by_address_or_distance_and_not_when_expired() -> None:
    cautions = [
        caution("by-text", address="500 W. Markham St."),
        caution("by-point", lon=LON, lat=LAT + 25 / M_PER_DEG_LAT),
        caution("too-far", lon=LON, lat=LAT + 60 / M_PER_DEG_LAT),
        caution("wide", lon=LON, lat=LAT + 60 / M_PER_DEG_LAT, radius_m=100),
        caution(
            "violent",
            kind="violent history",
            text="Resident assaulted crew 2025-11",
            address="500 West Markham Street",
            severity=Severity.HIGH,
            expires=NOW + timedelta(days=1),
        ),
        caution("expired", address="500 W Markham St", expires=NOW),
        caution("elsewhere", address="502 W Markham St"),
    ]
    found = premise_cautions(HERE, cautions, now=NOW)
    assert [c.id for c in found] == ["violent", "by-point", "by-text", "wide"]


def test_a_city_after_a_comma_in_a_cautions_address_does_not_stop_it_matching() -> None:
    typed = Location(text="500 W Markham St")
    with_city = caution("c", address="500 West Markham Street, Little Rock AR 72201")
    assert [c.id for c in premise_cautions(typed, [with_city], now=NOW)] == ["c"]


def test_cautions_become_incident_cautions_naming_their_source() -> None:
    history = intake_history(
        location=HERE,
        phone="",
        candidates=[],
        cautions=[caution("p1", address="500 W Markham St", severity=Severity.HIGH)],
        now=NOW,
    )
    assert history.incident_cautions == (
        Caution(
            kind="dog", text="Large dog in the yard", severity=Severity.HIGH, source="premise:p1"
        ),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"address": "1 Main St"}, None),
        ({"lon": LON, "lat": LAT}, None),
        ({}, "an address or coordinates"),
        ({"address": "  ,  "}, "an address or coordinates"),
        ({"address": "1 Main St", "kind": " "}, "kind"),
        ({"address": "1 Main St", "text": ""}, "text"),
        ({"address": "x" * 201}, "address is longer"),
        ({"lon": LON}, "both longitude and latitude"),
        ({"lon": 200.0, "lat": LAT}, "out of range"),
        ({"address": "1 Main St", "radius_m": 0.0}, "radius"),
        ({"address": "1 Main St", "radius_m": 5000.0}, "radius"),
        ({"address": "1 Main St", "expires": datetime(2027, 1, 1)}, "time zone"),  # noqa: DTZ001
    ],
)
def test_premise_cautions_are_checked_before_they_are_stored(
    kwargs: dict[str, object], message: str | None
) -> None:
    item = caution("p1", **kwargs)
    if message is None:
        assert check_premise_caution(item) is item
    else:
        with pytest.raises(InvalidInput, match=message):
            check_premise_caution(item)


def test_a_caution_id_is_required() -> None:
    with pytest.raises(InvalidInput, match="id"):
        check_premise_caution(caution(" ", address="1 Main St"))
