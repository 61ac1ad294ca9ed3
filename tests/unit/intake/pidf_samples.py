"""PIDF-LO documents in the shapes of RFC 4119, 5139 and 5491's examples, around Little Rock."""

from __future__ import annotations

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
          xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
          xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
          xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
          xmlns:gml="http://www.opengis.net/gml"
          xmlns:gs="http://www.opengis.net/pidflo/1.0"
          xmlns:con="urn:ietf:params:xml:ns:geopriv:conf"
          entity="pres:+15015550123@carrier.example.net">"""


def device(location: str, *, method: str = "GPS", extra: str = "") -> str:
    """A PIDF-LO with one dm:device (RFC 4479 data model), as RFC 5491's examples are."""
    return f"""{HEAD}
  <dm:device id="mobile-1">
    <gp:geopriv>
      <gp:location-info>
        {location}
      </gp:location-info>
      <gp:usage-rules/>
      <gp:method>{method}</gp:method>
      {extra}
    </gp:geopriv>
    <dm:deviceID>mac:8asd7d7d70cf</dm:deviceID>
    <dm:timestamp>2026-07-06T22:19:41Z</dm:timestamp>
  </dm:device>
</presence>"""


POINT = device(
    """<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>34.7465 -92.2896</gml:pos>
        </gml:Point>"""
)

POINT_3D = device(
    """<gml:Point srsName="urn:ogc:def:crs:EPSG::4979">
          <gml:pos>34.7465 -92.2896 112.5</gml:pos>
        </gml:Point>"""
)

CIRCLE = device(
    """<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>34.7465 -92.2896</gml:pos>
          <gs:radius uom="urn:ogc:def:uom:EPSG::9001">850.24</gs:radius>
        </gs:Circle>
        <con:confidence pdf="normal">90</con:confidence>""",
    method="A-GPS",
    extra="<gp:provided-by>Carrier Example Wireless</gp:provided-by>",
)

ELLIPSE = device(
    """<gs:Ellipse srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>34.7465 -92.2896</gml:pos>
          <gs:semiMajorAxis uom="urn:ogc:def:uom:EPSG::9001">1275</gs:semiMajorAxis>
          <gs:semiMinorAxis uom="urn:ogc:def:uom:EPSG::9001">670</gs:semiMinorAxis>
          <gs:orientation uom="urn:ogc:def:uom:EPSG::9102">43.2</gs:orientation>
        </gs:Ellipse>""",
    method="Cell",
)

# A cell sector as a polygon, one gml:pos per vertex, the ring closed (RFC 5491 section 5.2.2).
POLYGON = device(
    """<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:exterior>
            <gml:LinearRing>
              <gml:pos>34.740 -92.300</gml:pos>
              <gml:pos>34.740 -92.280</gml:pos>
              <gml:pos>34.760 -92.280</gml:pos>
              <gml:pos>34.760 -92.300</gml:pos>
              <gml:pos>34.740 -92.300</gml:pos>
            </gml:LinearRing>
          </gml:exterior>
        </gml:Polygon>""",
    method="Cell",
)

# The same square as a posList, with the closing point left off.
POLYGON_POSLIST = device(
    """<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:exterior>
            <gml:LinearRing>
              <gml:posList>
                34.740 -92.300 34.740 -92.280 34.760 -92.280 34.760 -92.300
              </gml:posList>
            </gml:LinearRing>
          </gml:exterior>
        </gml:Polygon>""",
    method="Cell",
)

# RFC 4119 layout: tuple/status/geopriv with the timestamp on the tuple; civic per RFC 5139.
CIVIC = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
          xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
          xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
          entity="pres:front-desk@clinic.example.org">
  <tuple id="sg89ae">
    <status>
      <gp:geopriv>
        <gp:location-info>
          <ca:civicAddress xml:lang="en-US">
            <ca:country>US</ca:country>
            <ca:A1>AR</ca:A1>
            <ca:A2>Pulaski</ca:A2>
            <ca:A3>Little Rock</ca:A3>
            <ca:PRD>W</ca:PRD>
            <ca:RD>Markham</ca:RD>
            <ca:STS>St</ca:STS>
            <ca:HNO>500</ca:HNO>
            <ca:HNS>A</ca:HNS>
            <ca:NAM>Riverside Clinic</ca:NAM>
            <ca:FLR>2</ca:FLR>
            <ca:LOC>   east wing,
               reception   </ca:LOC>
            <ca:LMK>Old State House</ca:LMK>
            <ca:PC>72201</ca:PC>
            <ca:UNKNOWN>ignored</ca:UNKNOWN>
          </ca:civicAddress>
        </gp:location-info>
        <gp:usage-rules/>
        <gp:method>Manual</gp:method>
      </gp:geopriv>
    </status>
    <timestamp>2026-07-06T17:19:41-05:00</timestamp>
  </tuple>
</presence>"""

# Geodetic and civic for the same device, in two location-info elements.
BOTH = device(
    """<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>34.7465 -92.2896</gml:pos>
        </gml:Point>
      </gp:location-info>
      <gp:location-info>
        <ca:civicAddress>
          <ca:HNO>500</ca:HNO><ca:RD>Markham</ca:RD><ca:STS>St</ca:STS>
          <ca:A3>Little Rock</ca:A3>
        </ca:civicAddress>"""
)
