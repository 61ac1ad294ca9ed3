"""PIDF-LO (RFC 4119, civic RFC 5139, geodetic shapes RFC 5491) to a DeviceLocation.

Parsed with defusedxml: no DTD, no entities, no external references, and a size cap, so a
hostile document (billion laughs, an external entity reading a file) is refused outright.
GML positions are "latitude longitude" for EPSG::4326 (and "lat lon altitude" for ::4979):
the URN forms fix that axis order, so any other srsName is refused rather than guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from emscad.errors import InvalidInput
from emscad.intake.pidf.geometry import representative
from emscad.intake.pidf.models import (
    CivicAddress,
    DeviceLocation,
    Shape,
    ShapeKind,
    check_confidence,
    check_lonlat,
    check_metres,
    parse_time,
    short,
)

MAX_PIDF_BYTES = 64 * 1024  # a PIDF-LO is a few kilobytes; a polygon of 100 points ~ 4 KiB
MAX_POLYGON_POINTS = 1_000

PIDF = "urn:ietf:params:xml:ns:pidf"
GP = "urn:ietf:params:xml:ns:pidf:geopriv10"
CA = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
GML = "http://www.opengis.net/gml"
GS = "http://www.opengis.net/pidflo/1.0"
DM = "urn:ietf:params:xml:ns:pidf:data-model"
CON = "urn:ietf:params:xml:ns:geopriv:conf"

SUPPORTED = {f"{{{GML}}}Point", f"{{{GS}}}Circle", f"{{{GS}}}Ellipse", f"{{{GML}}}Polygon"}
# RFC 5491 shapes emscad does not read: refused by name rather than silently dropped.
UNSUPPORTED = {"ArcBand", "Sphere", "Ellipsoid", "Prism"}
_LOCAL_SHAPES = {"Point", "Circle", "Ellipse", "Polygon", *UNSUPPORTED}

_SRS = re.compile(r"^urn:ogc:def:crs:EPSG:[0-9.]*:(4326|4979)$")
_METRES = {"", "urn:ogc:def:uom:EPSG::9001"}
_DEGREES = "urn:ogc:def:uom:EPSG::9102"
_RADIANS = "urn:ogc:def:uom:EPSG::9101"
_CIVIC_FIELDS = frozenset(CivicAddress.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class _Found:
    geopriv: Element
    info: Element


def parse_pidf(
    document: bytes | str, *, received_at: datetime, provider: str = ""
) -> DeviceLocation:
    """The location in a PIDF-LO document; InvalidInput (one line) for anything malformed.

    The first geodetic shape and the first civic address are taken (RFC 5491 asks senders
    for one location per document). `provider` names the channel it came by and is used when
    the document has no `provided-by`.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    root = _load(document)
    parents = {child: parent for parent in root.iter() for child in parent}
    found = [
        _Found(gp, info)
        for gp in root.iter(f"{{{GP}}}geopriv")
        for info in gp.findall(f"{{{GP}}}location-info")
    ]
    if not found:
        raise InvalidInput(_missing(root, "geopriv location-info"))
    geodetic = next(((f, el) for f in found for el in f.info if _is_shape(el)), None)
    civic = next(((f, el) for f in found for el in f.info.findall(f"{{{CA}}}civicAddress")), None)
    if geodetic is not None:
        holder = geodetic[0]
    elif civic is not None:
        holder = civic[0]
    else:
        raise InvalidInput(_missing(root, "geodetic shape or civic address"))
    shape = _shape(geodetic[1]) if geodetic else None
    lon, lat, uncertainty = representative(shape) if shape else (None, None, None)
    if lon is not None and lat is not None:
        check_lonlat(lon, lat)
    confidence = holder.info.findtext(f"{{{CON}}}confidence")
    return DeviceLocation(
        received_at=received_at,
        source="pidf-lo",
        lon=lon,
        lat=lat,
        uncertainty_m=uncertainty,
        confidence_pct=check_confidence(_number(confidence, "confidence")) if confidence else None,
        shape=shape,
        civic=_civic(civic[1]) if civic else None,
        method=short(holder.geopriv.findtext(f"{{{GP}}}method") or "", "method", 50),
        timestamp=_timestamp(holder.geopriv, parents),
        provider=_provided_by(holder.geopriv) or short(provider, "provider"),
    )


def _load(document: bytes | str) -> Element:
    raw = document.encode() if isinstance(document, str) else document
    if len(raw) > MAX_PIDF_BYTES:
        raise InvalidInput(f"the PIDF-LO document is larger than {MAX_PIDF_BYTES // 1024} KiB")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidInput("the PIDF-LO document declares a DTD or entities: refused") from exc
    except ParseError as exc:
        raise InvalidInput(f"the PIDF-LO document is not well-formed XML ({exc})") from exc
    if root.tag != f"{{{PIDF}}}presence":
        raise InvalidInput(
            f"not a PIDF-LO document: the root element is {root.tag}, "
            f"expected presence in namespace {PIDF}"
        )
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _missing(root: Element, what: str) -> str:
    # Name the usual cause: the right element in the wrong namespace (a typo in xmlns:gp).
    names = {"geopriv", "location-info", *_LOCAL_SHAPES, "civicAddress"}
    for el in root.iter():
        if _local(el.tag) in names and el.tag.startswith("{"):
            ns = el.tag[1:].split("}", 1)[0]
            if ns not in (GP, GML, GS, CA):
                return (
                    f"the PIDF-LO document's {_local(el.tag)} is in namespace {ns}, not PIDF-LO's"
                )
    return f"the PIDF-LO document has no {what}"


def _is_shape(el: Element) -> bool:
    if el.tag in SUPPORTED:
        return True
    local = _local(el.tag)
    if local in UNSUPPORTED and el.tag.startswith((f"{{{GS}}}", f"{{{GML}}}")):
        raise InvalidInput(
            f"the {local} shape is not supported (emscad reads Point, Circle, Ellipse, Polygon)"
        )
    if local in _LOCAL_SHAPES:
        ns = el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else "(none)"
        raise InvalidInput(f"the {local} shape is in namespace {ns}, not GML or PIDF-LO shapes")
    return False


def _number(text: str | None, what: str) -> float:
    try:
        return float((text or "").strip())
    except ValueError as exc:
        raise InvalidInput(f"{what} {(text or '').strip()[:40]!r} is not a number") from exc


def _dimension(shape: Element) -> int:
    srs = (shape.get("srsName") or "").strip()
    m = _SRS.match(srs)
    if not m:
        shown = srs or "missing"
        raise InvalidInput(
            f"srsName {shown} is not urn:ogc:def:crs:EPSG::4326 or ::4979 "
            "(RFC 5491; other names leave the axis order ambiguous)"
        )
    return 2 if m.group(1) == "4326" else 3


def _positions(text: str | None, dim: int) -> list[tuple[float, float, float | None]]:
    """(lon, lat, altitude) from GML "lat lon [alt]" numbers."""
    numbers = [_number(t, "a coordinate") for t in (text or "").split()]
    if not numbers or len(numbers) % dim:
        order = "latitude longitude" + (" altitude" if dim == 3 else "")
        raise InvalidInput(f"a GML position needs {dim} numbers ({order}), got {len(numbers)}")
    out = []
    for i in range(0, len(numbers), dim):
        lat, lon = numbers[i], numbers[i + 1]
        check_lonlat(lon, lat)
        alt = numbers[i + 2] if dim == 3 else None
        if alt is not None and not math.isfinite(alt):
            raise InvalidInput("altitude must be a finite number")
        out.append((lon, lat, alt))
    return out


def _pos(shape: Element, dim: int) -> tuple[float, float, float | None]:
    pos = shape.find(f"{{{GML}}}pos")
    if pos is None:
        raise InvalidInput(f"the {_local(shape.tag)} has no gml:pos")
    points = _positions(pos.text, dim)
    if len(points) != 1:
        raise InvalidInput(f"the {_local(shape.tag)}'s gml:pos holds more than one position")
    return points[0]


def _length(shape: Element, name: str) -> float:
    el = shape.find(f"{{{GS}}}{name}")
    if el is None:
        raise InvalidInput(f"the {_local(shape.tag)} has no {name}")
    if (el.get("uom") or "").strip() not in _METRES:
        raise InvalidInput(f"the {name} must be in metres (uom urn:ogc:def:uom:EPSG::9001)")
    return check_metres(_number(el.text, name), name)


def _orientation(shape: Element) -> float:
    el = shape.find(f"{{{GS}}}orientation")
    if el is None:
        raise InvalidInput("the Ellipse has no orientation")
    value = _number(el.text, "orientation")
    uom = (el.get("uom") or _DEGREES).strip()
    if uom == _RADIANS:
        value = math.degrees(value)
    elif uom != _DEGREES:
        raise InvalidInput("the orientation must be in degrees (EPSG::9102) or radians (::9101)")
    if not math.isfinite(value):
        raise InvalidInput("the orientation must be a finite number")
    return value % 180.0  # an ellipse is the same turned half a circle


def _shape(el: Element) -> Shape:
    dim = _dimension(el)
    kind = _local(el.tag)
    if kind == "Polygon":
        return _polygon(el, dim)
    lon, lat, alt = _pos(el, dim)
    if kind == "Point":
        return Shape(ShapeKind.POINT, ((lon, lat),), altitude_m=alt)
    if kind == "Circle":
        radius = _length(el, "radius")
        return Shape(ShapeKind.CIRCLE, ((lon, lat),), radius_m=radius, altitude_m=alt)
    major, minor = _length(el, "semiMajorAxis"), _length(el, "semiMinorAxis")
    if minor > major:
        raise InvalidInput("the Ellipse's semiMinorAxis is longer than its semiMajorAxis")
    return Shape(
        ShapeKind.ELLIPSE,
        ((lon, lat),),
        semi_major_m=major,
        semi_minor_m=minor,
        orientation_deg=_orientation(el),
        altitude_m=alt,
    )


def _polygon(el: Element, dim: int) -> Shape:
    ring = el.find(f"{{{GML}}}exterior/{{{GML}}}LinearRing")
    if ring is None:
        raise InvalidInput("the Polygon has no gml:exterior/gml:LinearRing")
    pos_list = ring.find(f"{{{GML}}}posList")
    if pos_list is not None:
        points = _positions(pos_list.text, dim)
    else:
        points = [p for pos in ring.findall(f"{{{GML}}}pos") for p in _positions(pos.text, dim)]
    vertices = [(lon, lat) for lon, lat, _ in points]
    if len(vertices) > MAX_POLYGON_POINTS:
        raise InvalidInput(f"the Polygon has more than {MAX_POLYGON_POINTS} points")
    # GML rings repeat the first point at the end; a sender that forgot is closed for it.
    if vertices and vertices[0] != vertices[-1]:
        vertices.append(vertices[0])
    if len(set(vertices)) < 3:
        raise InvalidInput("the Polygon needs at least three distinct points")
    return Shape(ShapeKind.POLYGON, tuple(vertices))


def _civic(el: Element) -> CivicAddress:
    values: dict[str, str] = {}
    for child in el:
        name = _local(child.tag).lower()
        if child.tag.startswith(f"{{{CA}}}") and name in _CIVIC_FIELDS and child.text:
            value = short(child.text, f"civic {name.upper()}")
            if value and name not in values:
                values[name] = value
    if not values:
        raise InvalidInput("the civic address has no elements")
    return CivicAddress(**values)


def _timestamp(geopriv: Element, parents: dict[Element, Element]) -> datetime | None:
    # The time sits beside the geopriv's container: <tuple><timestamp> (PIDF) or
    # <dm:device><dm:timestamp> (RFC 4479); the nearest enclosing one applies.
    node: Element | None = geopriv
    while node is not None:
        for tag in (f"{{{PIDF}}}timestamp", f"{{{DM}}}timestamp"):
            text = node.findtext(tag)
            if text is not None:
                return parse_time(text, "the PIDF-LO timestamp")
        node = parents.get(node)
    return None


def _provided_by(geopriv: Element) -> str:
    el = geopriv.find(f"{{{GP}}}provided-by")
    return short(" ".join(el.itertext()), "provided-by") if el is not None else ""
