"""A device location sent as plain JSON (a staff app, a browser's Geolocation API, a feed).

    {"lat": 34.7465, "lon": -92.2896, "uncertainty_m": 12, "confidence_pct": 95,
     "method": "GPS", "timestamp": "2026-07-06T22:20:00Z", "provider": "staff-app"}

Only `lat` and `lon` are required. Unknown keys are ignored, as the webhooks ignore them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from emscad.errors import InvalidInput
from emscad.intake.pidf.models import (
    DeviceLocation,
    Shape,
    ShapeKind,
    check_confidence,
    check_lonlat,
    check_metres,
    parse_time,
    short,
)


def _required(data: Mapping[str, Any], key: str) -> float:
    value = _float(data, key)
    if value is None:
        raise InvalidInput(f"the device location has no {key}")
    return value


def _float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    # bool is an int in Python; true as a latitude is a bug in the sender, not 1 degree.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{key} must be a number")
    if not math.isfinite(value):
        raise InvalidInput(f"{key} must be a finite number")
    return float(value)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be text")
    return value


def device_location_from_json(
    data: Mapping[str, Any], *, received_at: datetime, provider: str = ""
) -> DeviceLocation:
    """A DeviceLocation from plain JSON; InvalidInput (one line) for anything malformed."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if not isinstance(data, Mapping):
        raise InvalidInput("a device location must be a JSON object")
    lat, lon = _required(data, "lat"), _required(data, "lon")
    check_lonlat(lon, lat)
    uncertainty = _float(data, "uncertainty_m")
    if uncertainty is not None:
        check_metres(uncertainty, "uncertainty_m")
    confidence = _float(data, "confidence_pct")
    stamp = _text(data, "timestamp")
    shape = (
        Shape(ShapeKind.CIRCLE, ((lon, lat),), radius_m=uncertainty)
        if uncertainty is not None
        else Shape(ShapeKind.POINT, ((lon, lat),))
    )
    return DeviceLocation(
        received_at=received_at,
        source="json",
        lon=lon,
        lat=lat,
        uncertainty_m=uncertainty,
        confidence_pct=check_confidence(confidence) if confidence is not None else None,
        shape=shape,
        method=short(_text(data, "method"), "method", 50),
        timestamp=parse_time(stamp, "timestamp") if stamp else None,
        provider=short(_text(data, "provider") or provider, "provider"),
    )
