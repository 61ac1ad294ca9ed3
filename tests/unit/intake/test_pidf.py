"""PIDF-LO parsing: each geodetic shape, civic addresses, and clear errors for bad documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon

from emscad.errors import InvalidInput
from emscad.intake.pidf import ShapeKind, parse_pidf
from emscad.intake.pidf.geometry import distance_m
from tests.unit.intake import pidf_samples as doc

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
MEASURED = datetime(2026, 7, 6, 22, 19, 41, tzinfo=UTC)


def test_a_point_is_read_latitude_first() -> None:
    loc = parse_pidf(doc.POINT, received_at=NOW)
    # GML pos for EPSG::4326 is "lat lon": 34.7465 is the latitude of Little Rock.
    assert (loc.lon, loc.lat) == (-92.2896, 34.7465)
    assert loc.uncertainty_m is None
    assert loc.shape is not None
    assert loc.shape.kind is ShapeKind.POINT
    assert loc.method == "GPS"
    assert loc.timestamp == MEASURED
    assert loc.received_at == NOW
    assert loc.source == "pidf-lo"


def test_a_3d_point_keeps_its_altitude() -> None:
    loc = parse_pidf(doc.POINT_3D.encode(), received_at=NOW)
    assert (loc.lon, loc.lat) == (-92.2896, 34.7465)
    assert loc.shape is not None
    assert loc.shape.altitude_m == 112.5


def test_a_circle_gives_its_centre_radius_confidence_and_provider() -> None:
    loc = parse_pidf(doc.CIRCLE, received_at=NOW, provider="twilio")
    assert (loc.lon, loc.lat) == (-92.2896, 34.7465)
    assert loc.uncertainty_m == 850.24
    assert loc.confidence_pct == 90
    assert loc.method == "A-GPS"
    assert loc.provider == "Carrier Example Wireless"  # provided-by wins over the channel


def test_the_channel_names_the_provider_when_the_document_does_not() -> None:
    assert parse_pidf(doc.POINT, received_at=NOW, provider="rapid-feed").provider == "rapid-feed"


def test_an_ellipse_gives_its_centre_and_semi_major_axis() -> None:
    loc = parse_pidf(doc.ELLIPSE, received_at=NOW)
    assert (loc.lon, loc.lat) == (-92.2896, 34.7465)
    assert loc.uncertainty_m == 1275
    assert loc.shape is not None
    assert (loc.shape.semi_major_m, loc.shape.semi_minor_m) == (1275, 670)
    assert loc.shape.orientation_deg == pytest.approx(43.2)
    assert loc.confidence_pct is None


@pytest.mark.parametrize("document", [doc.POLYGON, doc.POLYGON_POSLIST])
def test_a_polygon_gives_its_centroid_and_farthest_vertex(document: str) -> None:
    loc = parse_pidf(document, received_at=NOW)
    assert loc.lon is not None
    assert loc.lat is not None
    expected = Polygon([(-92.3, 34.74), (-92.28, 34.74), (-92.28, 34.76), (-92.3, 34.76)])
    assert loc.lon == pytest.approx(expected.centroid.x, abs=1e-6)
    assert loc.lat == pytest.approx(expected.centroid.y, abs=1e-4)
    corner = distance_m(loc.lon, loc.lat, -92.3, 34.74)
    assert loc.uncertainty_m == pytest.approx(corner, rel=1e-3)
    assert 1_400 < (loc.uncertainty_m or 0) < 1_500  # half the diagonal of a ~1.8 x 2.2 km box
    assert loc.shape is not None
    assert loc.shape.kind is ShapeKind.POLYGON
    assert loc.shape.points[0] == loc.shape.points[-1]


def test_a_civic_address_is_read_and_shown_on_one_line() -> None:
    loc = parse_pidf(doc.CIVIC, received_at=NOW)
    assert not loc.has_point
    assert loc.civic is not None
    assert loc.civic.street_line == "500A W Markham St"
    assert loc.civic.loc == "east wing, reception"  # whitespace folded
    assert loc.civic_text == (
        "Riverside Clinic, 500A W Markham St, Floor 2, east wing, reception, Little Rock, "
        "AR 72201, US (near Old State House)"
    )
    assert loc.method == "Manual"
    assert loc.timestamp == datetime(2026, 7, 6, 22, 19, 41, tzinfo=UTC)  # from the tuple
    assert loc.timestamp is not None
    assert loc.timestamp.tzinfo is UTC


def test_a_document_without_a_timestamp_has_none() -> None:
    undated = doc.POINT.replace("<dm:timestamp>2026-07-06T22:19:41Z</dm:timestamp>", "")
    loc = parse_pidf(undated, received_at=NOW)
    assert loc.timestamp is None
    assert loc.observed_at == NOW


def test_geodetic_and_civic_together_are_both_kept() -> None:
    loc = parse_pidf(doc.BOTH, received_at=NOW)
    assert loc.has_point
    assert loc.civic is not None
    assert loc.civic.street_line == "500 Markham St"


@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_any_valid_point_is_read_back_exactly(lat: float, lon: float) -> None:
    document = doc.device(
        f"""<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">
              <gml:pos>{lat!r} {lon!r}</gml:pos></gml:Point>"""
    )
    loc = parse_pidf(document, received_at=NOW)
    assert (loc.lat, loc.lon) == (lat, lon)


def _point(pos: str, srs: str = "urn:ogc:def:crs:EPSG::4326") -> str:
    return doc.device(f'<gml:Point srsName="{srs}"><gml:pos>{pos}</gml:pos></gml:Point>')


def _circle(radius: str, uom: str = "urn:ogc:def:uom:EPSG::9001") -> str:
    return doc.device(
        f"""<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>34.7 -92.3</gml:pos>
            <gs:radius uom="{uom}">{radius}</gs:radius></gs:Circle>"""
    )


def _polygon(pos_list: str) -> str:
    return doc.device(
        f"""<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing>
            <gml:posList>{pos_list}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"""
    )


def _ellipse(major: str, minor: str, orientation: str, uom: str) -> str:
    m = "urn:ogc:def:uom:EPSG::9001"
    return doc.device(
        f"""<gs:Ellipse srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>34.7 -92.3</gml:pos>
            <gs:semiMajorAxis uom="{m}">{major}</gs:semiMajorAxis>
            <gs:semiMinorAxis uom="{m}">{minor}</gs:semiMinorAxis>
            <gs:orientation uom="{uom}">{orientation}</gs:orientation></gs:Ellipse>"""
    )


def test_an_orientation_in_radians_is_turned_into_degrees() -> None:
    radians = _ellipse("100", "50", "1.5707963", "urn:ogc:def:uom:EPSG::9101")
    loc = parse_pidf(radians, received_at=NOW)
    assert loc.shape is not None
    assert loc.shape.orientation_deg == pytest.approx(90.0, abs=1e-5)


BAD = [
    ("", "not well-formed"),
    ("<presence", "not well-formed"),
    ("just text", "not well-formed"),
    ('<presence xmlns="urn:ietf:params:xml:ns:pidf:WRONG"/>', "root element"),
    ("<presence/>", "root element"),
    ('<presence xmlns="urn:ietf:params:xml:ns:pidf"/>', "no geopriv location-info"),
    (
        doc.device("<gml:Point/>").replace(
            "urn:ietf:params:xml:ns:pidf:geopriv10", "urn:ietf:params:xml:ns:pidf:geopriv11"
        ),
        "namespace urn:ietf:params:xml:ns:pidf:geopriv11",
    ),
    (doc.device(""), "no geodetic shape or civic address"),
    (
        doc.device(
            '<g32:Point xmlns:g32="http://www.opengis.net/gml/3.2" '
            'srsName="urn:ogc:def:crs:EPSG::4326"><g32:pos>1 2</g32:pos></g32:Point>'
        ),
        "namespace http://www.opengis.net/gml/3.2",
    ),
    (doc.device('<Point srsName="x"/>'), "Point shape is in namespace urn:ietf:params:xml:ns:pidf"),
    (doc.device('<Point xmlns="" srsName="x"/>'), r"namespace \(none\)"),
    (_point("34.7 -92.3", srs="EPSG:4326"), "srsName EPSG:4326"),
    (_point("34.7 -92.3", srs="http://www.opengis.net/gml/srs/epsg.xml#4326"), "axis order"),
    (_point("34.7 -92.3", srs=""), "srsName missing"),
    (doc.device('<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"/>'), "no gml:pos"),
    (_point(""), "needs 2 numbers"),
    (_point("34.7"), "needs 2 numbers"),
    (_point("34.7 -92.3 10"), "needs 2 numbers"),
    (_point("34.7 -92.3", srs="urn:ogc:def:crs:EPSG::4979"), "needs 3 numbers"),
    (_point("34.7 -92.3 10 20"), "more than one position"),
    (_point("north west"), "not a number"),
    (_point("NaN -92.3"), "finite"),
    (_point("inf -92.3"), "finite"),
    (_point("-92.3 34.7 "), "latitude -92.3"),  # lon and lat swapped by the sender
    (_point("34.7 -192.3"), "longitude -192.3"),
    (_point("34.7 -92.3 nan", srs="urn:ogc:def:crs:EPSG::4979"), "altitude"),
    (_circle("-5"), "radius must be between"),
    (_circle("1e9"), "radius must be between"),
    (_circle("nan"), "radius must be between"),
    (_circle("100", uom="urn:ogc:def:uom:EPSG::9002"), "metres"),
    (
        doc.device(
            '<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos></gs:Circle>'
        ),
        "no radius",
    ),
    (_ellipse("100", "200", "0", "urn:ogc:def:uom:EPSG::9102"), "semiMinorAxis is longer"),
    (_ellipse("200", "100", "0", "urn:ogc:def:uom:EPSG::9001"), "orientation must be in"),
    (_ellipse("200", "100", "inf", "urn:ogc:def:uom:EPSG::9102"), "finite"),
    (
        doc.device(
            """<gs:Ellipse srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos>
            <gs:semiMajorAxis>2</gs:semiMajorAxis><gs:semiMinorAxis>1</gs:semiMinorAxis>
            </gs:Ellipse>"""
        ),
        "no orientation",
    ),
    (_polygon("34.74 -92.30 34.74 -92.28 34.74 -92.30"), "three distinct points"),
    (_polygon("34.74 -92.30 34.74 -92.28 34.74 -92.26 34.74 -92.30"), "no area"),
    (_polygon("0 0 2 2 0 2 1 0 0 0"), "crosses itself"),
    (_polygon("34.74 -92.30 34.74"), "needs 2 numbers"),
    (_polygon(" ".join(["34.7 -92.3"] * 1001)), "more than 1000 points"),
    (doc.device('<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"/>'), "LinearRing"),
    (
        doc.device(
            '<gs:ArcBand srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos></gs:ArcBand>'
        ),
        "ArcBand shape is not supported",
    ),
    (doc.device("<ca:civicAddress><ca:A3>  </ca:A3></ca:civicAddress>"), "no elements"),
    (doc.device("<ca:civicAddress><ca:RD>" + "x" * 201 + "</ca:RD></ca:civicAddress>"), "RD"),
    (doc.POINT.replace("2026-07-06T22:19:41Z", "yesterday"), "not an RFC 3339 time"),
    (doc.POINT.replace("2026-07-06T22:19:41Z", "2026-07-06T22:19:41"), "no time zone"),
    (doc.CIRCLE.replace(">90<", ">0<"), "confidence"),
    (doc.CIRCLE.replace(">90<", ">ninety<"), "not a number"),
    (doc.POINT.replace("<gp:method>GPS", "<gp:method>" + "G" * 60), "method is longer"),
]


@pytest.mark.parametrize(("document", "message"), BAD)
def test_a_bad_document_gets_a_one_line_error(document: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_pidf(document, received_at=NOW)
    assert "\n" not in str(caught.value)


def test_received_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        parse_pidf(doc.POINT, received_at=datetime(2026, 7, 6))  # noqa: DTZ001
