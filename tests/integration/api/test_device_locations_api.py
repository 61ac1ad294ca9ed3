"""Device locations end to end: PIDF-LO or JSON in, supplemental beside the incident, confirm."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories.api import Api
from tests.unit.intake import pidf_samples as pidf

# The point of pidf_samples' documents.
LON, LAT = -92.2896, 34.7465
M = 1 / 111_195  # degrees of latitude per metre
CALLER = "+15015550123"
PIDF_HEADERS = {"Content-Type": "application/pidf+xml"}


def _incident(api: Api, *, lon: float | None = LON, lat: float | None = LAT) -> dict[str, Any]:
    location: dict[str, Any] = {"text": "behind the library"}
    if lon is not None:
        location.update(lon=lon, lat=lat, confidence="address")
    r = api.client.post(
        "/api/incidents",
        json={"location": location, "priority": 2, "caller": {"phone": "(501) 555-0123"}},
        headers=api.headers("calltaker"),
    )
    assert r.status_code == 201, r.text
    incident: dict[str, Any] = r.json()
    return incident


def _post(
    api: Api,
    incident_id: str,
    body: str | bytes,
    *,
    content_type: str = "application/pidf+xml",
    persona: str = "calltaker",
    **headers: str,
) -> Any:
    return api.client.post(
        f"/api/incidents/{incident_id}/device-locations",
        params={"caller": CALLER},
        content=body.encode() if isinstance(body, str) else body,
        headers=api.headers(persona, **{"Content-Type": content_type, **headers}),
    )


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def _listed(api: Api, incident_id: str) -> list[dict[str, Any]]:
    r = api.client.get(
        f"/api/incidents/{incident_id}/device-locations", headers=api.headers("dispatcher")
    )
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


def _device_events(api: Api) -> list[dict[str, Any]]:
    r = api.client.get("/api/events", params={"limit": 1000}, headers=api.headers("dispatcher"))
    return [e for e in r.json() if e["type"] == "device.location_received"]


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"]
    return body


def test_a_pidf_lo_point_is_kept_beside_the_incident(api: Api) -> None:
    incident = _incident(api, lat=LAT + 200 * M)
    fix = _created(_post(api, incident["id"], pidf.POINT))
    assert fix["supplemental"] is True
    assert fix["caller"] == CALLER
    assert fix["agreement"] == "differs"
    assert fix["distance_m"] == pytest.approx(200, abs=2)
    assert fix["movement"] is None
    assert fix["location"]["lon"] == LON
    assert fix["location"]["lat"] == LAT
    assert fix["location"]["method"] == "GPS"
    assert fix["location"]["source"] == "pidf-lo"
    assert fix["label"].startswith("Device location (GPS")
    # The incident did not move.
    after = api.client.get(f"/api/incidents/{incident['id']}", headers=api.headers("dispatcher"))
    assert after.json()["location"] == incident["location"]
    assert after.json()["version"] == incident["version"]
    assert [f["id"] for f in _listed(api, incident["id"])] == [fix["id"]]
    assert [e["incident"] for e in _device_events(api)] == [incident["id"]]


@pytest.mark.parametrize(
    ("document", "method", "uncertainty"),
    [
        (pidf.CIRCLE, "A-GPS", 850.24),
        (pidf.ELLIPSE, "Cell", 1275.0),
        (pidf.POLYGON, "Cell", None),  # the centroid's distance to the farthest corner
        (pidf.POINT_3D, "GPS", None),
    ],
    ids=["circle", "ellipse", "polygon", "point-3d"],
)
def test_pidf_lo_shapes_give_a_point_and_a_radius(
    api: Api, document: str, method: str, uncertainty: float | None
) -> None:
    incident = _incident(api)
    fix = _created(_post(api, incident["id"], document))
    loc = fix["location"]
    assert loc["method"] == method
    assert loc["lon"] == pytest.approx(LON, abs=0.01)
    assert loc["lat"] == pytest.approx(LAT, abs=0.01)
    if uncertainty is not None:
        assert loc["uncertainty_m"] == pytest.approx(uncertainty)
    if document is pidf.POLYGON:
        assert loc["shape"]["kind"] == "polygon"
        assert 1_000 < loc["uncertainty_m"] < 1_600
        assert fix["agreement"] == "agrees"  # the incident is inside the cell's spread
    if document is pidf.CIRCLE:
        assert (loc["confidence_pct"], loc["provider"]) == (90, "Carrier Example Wireless")
    if document is pidf.POINT_3D:
        assert loc["shape"]["altitude_m"] == 112.5


def test_a_civic_only_fix_is_shown_as_text_and_cannot_be_confirmed(api: Api) -> None:
    incident = _incident(api)
    fix = _created(_post(api, incident["id"], pidf.CIVIC))
    assert fix["agreement"] == "no_device_point"
    assert fix["distance_m"] is None
    assert "500A W Markham St" in fix["label"]
    assert fix["location"]["lon"] is None
    r = api.client.post(
        f"/api/incidents/{incident['id']}/device-locations/{fix['id']}/confirm",
        headers=api.headers("dispatcher", **{"If-Match": f'"{incident["version"]}"'}),
    )
    assert "civic address" in _problem(r, 422)["detail"]


def test_a_json_fix_is_accepted_and_compared(api: Api) -> None:
    incident = _incident(api)
    body = json.dumps(
        {
            "lat": LAT + 10 * M,
            "lon": LON,
            "uncertainty_m": 12,
            "confidence_pct": 95,
            "method": "GPS",
            "timestamp": "2026-07-06T22:19:30Z",
            "provider": "staff-app",
        }
    )
    fix = _created(_post(api, incident["id"], body, content_type="application/json"))
    assert fix["agreement"] == "agrees"
    assert fix["location"]["source"] == "json"
    assert fix["location"]["provider"] == "staff-app"
    assert fix["location"]["timestamp"] == "2026-07-06T22:19:30.000Z"
    minimal = _post(
        api, incident["id"], '{"lat": 34.7, "lon": -92.3}', content_type="application/json"
    )
    assert _created(minimal)["location"]["uncertainty_m"] is None


@pytest.mark.parametrize(("apart_m", "agreement"), [(45, "agrees"), (55, "differs")])
def test_a_fix_without_a_stated_uncertainty_counts_as_50_m(
    api: Api, apart_m: float, agreement: str
) -> None:
    incident = _incident(api, lat=LAT + apart_m * M)
    fix = _created(_post(api, incident["id"], pidf.POINT))
    assert fix["location"]["uncertainty_m"] is None
    assert fix["agreement"] == agreement


def test_a_fix_for_an_incident_without_coordinates_is_not_compared(api: Api) -> None:
    incident = _incident(api, lon=None, lat=None)
    fix = _created(_post(api, incident["id"], pidf.POINT))
    assert (fix["agreement"], fix["distance_m"]) == ("no_incident_point", None)


def test_movement_between_fixes_is_reported(api: Api) -> None:
    incident = _incident(api)
    first = {"lat": LAT, "lon": LON, "uncertainty_m": 5, "timestamp": "2026-07-06T22:19:00Z"}
    moved = {
        "lat": LAT + 300 * M,
        "lon": LON,
        "uncertainty_m": 5,
        "timestamp": "2026-07-06T22:20:00Z",
    }
    _created(_post(api, incident["id"], json.dumps(first), content_type="application/json"))
    second = _created(
        _post(api, incident["id"], json.dumps(moved), content_type="application/json")
    )
    movement = second["movement"]
    assert movement["moved"] is True
    assert movement["distance_m"] == pytest.approx(300, abs=3)
    assert movement["speed_mps"] == pytest.approx(5.0, abs=0.1)
    listed = _listed(api, incident["id"])
    assert [f["movement"] is None for f in listed] == [True, False]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("<presence", "well-formed"),
        ("<root/>", "not a PIDF-LO document"),
        (pidf.POINT.replace("34.7465 -92.2896", "94.7465 -92.2896"), "latitude"),
        (pidf.POINT.replace("EPSG::4326", "EPSG:4326"), "srsName"),
        (
            pidf.POINT.replace('urn:ietf:params:xml:ns:pidf:geopriv10"', 'urn:example:wrong"'),
            "namespace",
        ),
        (pidf.POINT.replace("<gml:pos>34.7465 -92.2896</gml:pos>", ""), "gml:pos"),
        (
            pidf.device(
                '<gs:ArcBand srsName="urn:ogc:def:crs:EPSG::4326">'
                "<gml:pos>34.7465 -92.2896</gml:pos></gs:ArcBand>"
            ),
            "ArcBand",
        ),
    ],
    ids=[
        "truncated",
        "not-pidf",
        "out-of-range",
        "ambiguous-crs",
        "wrong-namespace",
        "no-coordinates",
        "arc-band",
    ],
)
def test_a_malformed_document_is_422_and_nothing_is_stored(
    api: Api, body: str, detail: str
) -> None:
    incident = _incident(api)
    problem = _problem(_post(api, incident["id"], body), 422)
    assert detail in problem["detail"]
    assert "\n" not in problem["detail"]
    assert _listed(api, incident["id"]) == []
    assert _device_events(api) == []


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY a "aaaa">]>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf">&a;</presence>',
        '<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf">&s;</presence>',
        '<?xml version="1.0"?><!DOCTYPE presence SYSTEM "http://127.0.0.1:9/pidf.dtd">'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf"/>',
    ],
    ids=["entity", "external-entity", "external-dtd"],
)
def test_a_document_with_a_dtd_or_entities_is_refused(api: Api, body: str) -> None:
    incident = _incident(api)
    problem = _problem(_post(api, incident["id"], body), 422)
    assert "DTD" in problem["detail"]
    assert "root:" not in json.dumps(problem)
    assert _listed(api, incident["id"]) == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_another_content_type_is_415(api: Api, content_type: str) -> None:
    incident = _incident(api)
    r = api.client.post(
        f"/api/incidents/{incident['id']}/device-locations",
        content=pidf.POINT.encode(),
        headers=api.headers(
            "calltaker", **({"Content-Type": content_type} if content_type else {})
        ),
    )
    _problem(r, 415)
    assert _listed(api, incident["id"]) == []


def test_a_body_over_64_kib_is_413(api: Api) -> None:
    incident = _incident(api)
    padding = "<!--" + "x" * (64 * 1024) + "-->"
    _problem(
        _post(api, incident["id"], pidf.POINT.replace("</presence>", padding + "</presence>")), 413
    )
    big_json = json.dumps({"lat": LAT, "lon": LON, "provider": "x" * (64 * 1024)})
    _problem(_post(api, incident["id"], big_json, content_type="application/json"), 413)
    assert _listed(api, incident["id"]) == []


def test_a_retry_with_the_same_idempotency_key_stores_the_fix_once(api: Api) -> None:
    incident = _incident(api)
    first = _post(api, incident["id"], pidf.POINT, **{"Idempotency-Key": "fix-1"})
    again = _post(api, incident["id"], pidf.POINT, **{"Idempotency-Key": "fix-1"})
    assert _created(first)["id"] == _created(again)["id"]
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_listed(api, incident["id"])) == 1
    assert len(_device_events(api)) == 1
    other = _post(api, incident["id"], pidf.CIRCLE, **{"Idempotency-Key": "fix-1"})
    assert "different request" in _problem(other, 422)["detail"]
    elsewhere = _incident(api)
    same_fix = _post(api, elsewhere["id"], pidf.POINT, **{"Idempotency-Key": "fix-1"})
    assert "different request" in _problem(same_fix, 422)["detail"]
    assert _listed(api, elsewhere["id"]) == []


def test_confirming_makes_the_fix_the_incident_location(api: Api) -> None:
    incident = _incident(api, lat=LAT + 200 * M)
    fix = _created(_post(api, incident["id"], pidf.CIRCLE))
    r = api.client.post(
        f"/api/incidents/{incident['id']}/device-locations/{fix['id']}/confirm",
        headers=api.headers("dispatcher", **{"If-Match": f'"{incident["version"]}"'}),
    )
    assert r.status_code == 200, r.text
    confirmed = r.json()
    loc = confirmed["location"]
    assert (loc["lon"], loc["lat"]) == (LON, LAT)
    assert loc["confidence"] == "device"
    assert loc["uncertainty_m"] == pytest.approx(850.24)
    assert loc["text"] == "behind the library"  # what the call-taker typed stays
    assert confirmed["version"] == incident["version"] + 1
    assert r.headers["ETag"] == f'"{confirmed["version"]}"'
    timeline = api.client.get(
        f"/api/incidents/{incident['id']}/timeline", headers=api.headers("dispatcher")
    ).json()
    assert [e["type"] for e in timeline] == [
        "incident.created",
        "device.location_received",
        "incident.location_changed",
    ]


def test_confirming_against_a_stale_version_is_409(api: Api) -> None:
    incident = _incident(api, lat=LAT + 200 * M)
    fix = _created(_post(api, incident["id"], pidf.POINT))
    moved = api.client.patch(
        f"/api/incidents/{incident['id']}",
        json={"location": {"text": "front of the library", "lon": LON, "lat": LAT + 100 * M}},
        headers=api.headers("calltaker"),
    )
    assert moved.status_code == 200, moved.text
    r = api.client.post(
        f"/api/incidents/{incident['id']}/device-locations/{fix['id']}/confirm",
        headers=api.headers("dispatcher", **{"If-Match": f'"{incident["version"]}"'}),
    )
    _problem(r, 409)
    now = api.client.get(f"/api/incidents/{incident['id']}", headers=api.headers("dispatcher"))
    assert now.json()["location"]["text"] == "front of the library"


def test_unknown_incidents_and_fixes_are_404(api: Api) -> None:
    _problem(_post(api, "nope", pidf.POINT), 404)
    incident = _incident(api)
    r = api.client.post(
        f"/api/incidents/{incident['id']}/device-locations/42/confirm",
        headers=api.headers("dispatcher"),
    )
    _problem(r, 404)
    _problem(
        api.client.get("/api/incidents/nope/device-locations", headers=api.headers("dispatcher")),
        404,
    )
    assert _device_events(api) == []


def test_field_crews_and_analysts_cannot_add_device_locations(api: Api) -> None:
    incident = _incident(api)
    for persona in ("medic1", "analyst"):
        _problem(_post(api, incident["id"], pidf.POINT, persona=persona), 403)
    r = api.client.get(
        f"/api/incidents/{incident['id']}/device-locations", headers=api.headers("analyst")
    )
    assert r.status_code == 200, r.text
