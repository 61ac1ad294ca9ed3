"""A device location sent as plain JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emscad.errors import InvalidInput
from emscad.intake.pidf import ShapeKind, device_location_from_json

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)


def test_a_fix_with_everything_is_read() -> None:
    loc = device_location_from_json(
        {
            "lat": 34.7465,
            "lon": -92.2896,
            "uncertainty_m": 12,
            "confidence_pct": 68,
            "method": "GPS",
            "timestamp": "2026-07-06T17:19:50-05:00",
            "provider": "staff-app",
            "heading": 90,  # unknown keys are ignored
        },
        received_at=NOW,
    )
    assert (loc.lon, loc.lat, loc.uncertainty_m, loc.confidence_pct) == (
        -92.2896,
        34.7465,
        12.0,
        68.0,
    )
    assert loc.timestamp == datetime(2026, 7, 6, 22, 19, 50, tzinfo=UTC)
    assert loc.observed_at == loc.timestamp
    assert (loc.method, loc.provider, loc.source) == ("GPS", "staff-app", "json")
    assert loc.shape is not None
    assert loc.shape.kind is ShapeKind.CIRCLE


def test_only_lat_and_lon_are_required() -> None:
    loc = device_location_from_json({"lat": 34, "lon": -92}, received_at=NOW, provider="feed")
    assert loc.uncertainty_m is None
    assert loc.timestamp is None
    assert loc.observed_at == NOW
    assert loc.provider == "feed"
    assert loc.shape is not None
    assert loc.shape.kind is ShapeKind.POINT


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lon": -92.3}, "no lat"),
        ({"lat": 34.7}, "no lon"),
        ({"lat": "34.7", "lon": -92.3}, "lat must be a number"),
        ({"lat": True, "lon": -92.3}, "lat must be a number"),
        ({"lat": float("nan"), "lon": -92.3}, "finite"),
        ({"lat": 91, "lon": -92.3}, "latitude 91"),
        ({"lat": 34.7, "lon": 180.5}, "longitude 180.5"),
        ({"lat": 34.7, "lon": -92.3, "uncertainty_m": -1}, "uncertainty_m must be"),
        ({"lat": 34.7, "lon": -92.3, "confidence_pct": 120}, "confidence"),
        ({"lat": 34.7, "lon": -92.3, "timestamp": "soon"}, "RFC 3339"),
        ({"lat": 34.7, "lon": -92.3, "timestamp": 1700000000}, "timestamp must be text"),
        ({"lat": 34.7, "lon": -92.3, "method": "x" * 51}, "method is longer"),
    ],
)
def test_bad_json_gets_a_clear_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        device_location_from_json(data, received_at=NOW)


def test_a_json_array_is_refused() -> None:
    with pytest.raises(InvalidInput, match="JSON object"):
        device_location_from_json([34.7, -92.3], received_at=NOW)  # type: ignore[arg-type]


def test_received_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        device_location_from_json({"lat": 1, "lon": 2}, received_at=datetime(2026, 1, 1))  # noqa: DTZ001
