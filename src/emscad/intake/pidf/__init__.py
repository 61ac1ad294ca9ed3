"""Device location: PIDF-LO documents (civic and geodetic) and plain JSON fixes."""

from emscad.intake.pidf.models import CivicAddress, DeviceLocation, Shape, ShapeKind
from emscad.intake.pidf.parse import MAX_PIDF_BYTES, parse_pidf
from emscad.intake.pidf.plain import device_location_from_json

__all__ = [
    "MAX_PIDF_BYTES",
    "CivicAddress",
    "DeviceLocation",
    "Shape",
    "ShapeKind",
    "device_location_from_json",
    "parse_pidf",
]
