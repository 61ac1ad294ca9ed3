"""A device location is supplemental: compared, tracked, and only confirmed by a dispatcher."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import InvalidInput
from emscad.events import DomainEvent
from emscad.incidents import lifecycle
from emscad.incidents.models import Confidence, Location
from emscad.intake import device
from emscad.intake.device import Agreement, DeviceLocationReceived
from emscad.intake.pidf import CivicAddress, DeviceLocation, device_location_from_json

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
# 500 W Markham St, Little Rock, as the geocoder placed it.
INCIDENT = Location(
    text="500 w markham", lon=-92.2896, lat=34.7465, confidence=Confidence.ADDRESS, label="x"
)
M_PER_DEG_LAT = 111_195.0


def fix(
    north_m: float = 0.0,
    *,
    uncertainty: float | None = 10.0,
    at: datetime = NOW,
    method: str = "GPS",
) -> DeviceLocation:
    data: dict[str, object] = {
        "lat": 34.7465 + north_m / M_PER_DEG_LAT,
        "lon": -92.2896,
        "method": method,
        "timestamp": at.isoformat(),
    }
    if uncertainty is not None:
        data["uncertainty_m"] = uncertainty
    return device_location_from_json(data, received_at=at)


def test_a_fix_close_to_the_incident_agrees() -> None:
    view = device.assess(INCIDENT, fix(8))
    assert view.agreement is Agreement.AGREES
    assert view.distance_m == pytest.approx(8, abs=0.1)
    assert view.supplemental
    assert view.movement is None


def test_a_fix_far_from_the_incident_differs_but_changes_nothing() -> None:
    view = device.assess(INCIDENT, fix(400))
    assert view.agreement is Agreement.DIFFERS
    assert view.distance_m == pytest.approx(400, abs=1)
    assert view.supplemental


def test_the_incident_uncertainty_widens_agreement() -> None:
    wide = replace(INCIDENT, uncertainty_m=500.0)
    assert device.assess(wide, fix(400)).agreement is Agreement.AGREES


def test_a_fix_without_stated_uncertainty_is_taken_as_50_m() -> None:
    assert device.assess(INCIDENT, fix(45, uncertainty=None)).agreement is Agreement.AGREES
    assert device.assess(INCIDENT, fix(55, uncertainty=None)).agreement is Agreement.DIFFERS


def test_an_incident_without_coordinates_cannot_be_compared() -> None:
    view = device.assess(Location(text="behind the library"), fix())
    assert view.agreement is Agreement.NO_INCIDENT_POINT
    assert view.distance_m is None


def test_a_civic_only_location_has_no_point_to_compare() -> None:
    civic = DeviceLocation(received_at=NOW, source="pidf-lo", civic=CivicAddress(hno="500"))
    view = device.assess(INCIDENT, civic)
    assert view.agreement is Agreement.NO_DEVICE_POINT
    assert device.movement(fix(), civic) is None


def test_movement_since_the_previous_fix_gives_distance_and_speed() -> None:
    first = fix(0, at=NOW)
    second = fix(300, at=NOW + timedelta(seconds=60))
    view = device.assess(INCIDENT, second, previous=first)
    assert view.movement is not None
    assert view.movement.distance_m == pytest.approx(300, abs=1)
    assert view.movement.elapsed_s == 60
    assert view.movement.speed_mps == pytest.approx(5, abs=0.02)
    assert view.movement.moved


def test_jitter_within_the_uncertainty_is_not_movement() -> None:
    moved = device.movement(fix(0), fix(15, at=NOW + timedelta(seconds=5)))
    assert moved is not None
    assert not moved.moved


def test_a_late_older_fix_has_no_speed() -> None:
    moved = device.movement(fix(0, at=NOW), fix(100, at=NOW - timedelta(seconds=30)))
    assert moved is not None
    assert moved.elapsed_s == -30
    assert moved.speed_mps is None


@given(
    north=st.floats(min_value=-5_000, max_value=5_000),
    uncertainty=st.floats(min_value=0, max_value=10_000),
)
def test_a_fix_agrees_exactly_when_it_lies_within_the_uncertainties(
    north: float, uncertainty: float
) -> None:
    view = device.assess(INCIDENT, fix(north, uncertainty=uncertainty))
    assert view.supplemental
    assert view.distance_m is not None
    assert view.distance_m == pytest.approx(abs(north), abs=0.01)
    agrees = view.distance_m <= uncertainty
    assert view.agreement is (Agreement.AGREES if agrees else Agreement.DIFFERS)


def test_confirming_takes_the_device_point_and_keeps_the_typed_text() -> None:
    location = device.confirm(fix(120, uncertainty=12), INCIDENT)
    assert location.text == "500 w markham"
    assert (location.lon, location.lat) == pytest.approx((-92.2896, 34.7465 + 120 / M_PER_DEG_LAT))
    assert location.confidence is Confidence.DEVICE
    assert location.uncertainty_m == 12
    assert location.label == "Device location (GPS, ±12 m)"
    # The incident state machine accepts it as a location change.
    lifecycle.check_location(location)


def test_a_confirmed_location_without_typed_text_is_still_valid() -> None:
    location = device.confirm(fix(), Location())
    assert location.text == ""
    lifecycle.check_location(location)


def test_a_civic_only_location_cannot_be_confirmed_as_a_point() -> None:
    civic = DeviceLocation(received_at=NOW, source="pidf-lo", civic=CivicAddress(hno="500"))
    with pytest.raises(InvalidInput, match="no coordinates"):
        device.confirm(civic, INCIDENT)


def test_the_label_names_method_uncertainty_confidence_and_civic_text() -> None:
    loc = replace(
        fix(uncertainty=1234.5),
        confidence_pct=95.0,
        civic=CivicAddress(hno="500", rd="Markham", sts="St", a3="Little Rock"),
    )
    assert device.label(loc) == (
        "Device location (GPS, ±1,234 m, 95 %): 500 Markham St, Little Rock"
    )
    bare = DeviceLocation(received_at=NOW, source="json", lon=1.0, lat=2.0)
    assert device.label(bare) == "Device location"
    long = replace(bare, civic=CivicAddress(nam="x" * 300))
    assert len(device.label(long)) == 200


def test_a_received_fix_is_an_event_on_the_incident_timeline() -> None:
    event = DeviceLocationReceived(incident="inc-1", caller="+15015550123", location=fix())
    assert event.incident_id == "inc-1"
    assert DomainEvent.from_payload(event.type, event.payload()) == event
    assert device.describe(event) == (
        "Device location (GPS, ±10 m) from +15015550123 (supplemental, not confirmed)"
    )
    assert device.describe(DomainEvent()) is None
