"""The incident API end to end: call, dispatch, hospital, close; errors as problem details."""

from __future__ import annotations

from typing import Any

from emscad.regions.model import PlaceKind
from tests.factories.api import Api


def _call(api: Api, **overrides: Any) -> dict[str, Any]:
    h = api.runtime.region.places_of(PlaceKind.HOSPITAL)[0]
    body: dict[str, Any] = {
        "location": {"text": "near the hospital", "lon": h.lon + 0.003, "lat": h.lat},
        "chief_complaint": "chest_pain",
        "caller": {"name": "Ann", "phone": "+15015550100"},
        "persons": [{"name": "Bob", "role": "Patient", "age": 61, "description": "diabetic"}],
    }
    body.update(overrides)
    return body


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["type"].startswith("/problems/")
    return body


def test_a_call_from_intake_to_close(api: Api) -> None:
    c = api.client
    created = c.post("/api/incidents", json=_call(api), headers=api.headers("calltaker"))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert created.headers["location"] == f"/api/incidents/{incident['id']}"
    assert incident["priority"] == 1  # chest pain's default in the response plan
    assert incident["number"] == "26-000001"
    iid = incident["id"]

    queue = c.get("/api/incidents", headers=api.headers("dispatcher")).json()
    assert [i["id"] for i in queue] == [iid]

    rec = c.get(f"/api/incidents/{iid}/recommendation", headers=api.headers("dispatcher"))
    assert rec.status_code == 200, rec.text
    result = rec.json()
    assert result["requirement"]["capabilities"] == ["als"]
    assert [u["unit"] for u in result["units"]][:2] in (["m1", "m2"], ["m2", "m1"])
    top = result["units"][0]
    assert top["eta_s"] > 0
    assert top["reasons"]
    suggested = [h for h in result["hospitals"] if h["suggested"]]
    assert len(suggested) == 1

    assigned = c.post(
        f"/api/incidents/{iid}/units", json={"unit": top["unit"]}, headers=api.headers("dispatcher")
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["unit"]["status"] == "dispatched"
    dest = c.put(
        f"/api/incidents/{iid}/destination",
        json={"hospital": suggested[0]["hospital"]},
        headers=api.headers("dispatcher"),
    )
    assert dest.status_code == 200, dest.text

    unit = top["unit"]
    for status in ("en_route", "on_scene", "at_patient", "transporting", "at_hospital"):
        r = c.post(
            f"/api/units/{unit}/status", json={"status": status}, headers=api.headers("dispatcher")
        )
        assert r.status_code == 200, r.text
    assert r.json()["destination"] == suggested[0]["hospital"]
    for status in ("transferred", "available"):
        c.post(
            f"/api/units/{unit}/status", json={"status": status}, headers=api.headers("dispatcher")
        )

    closed = c.post(
        f"/api/incidents/{iid}/close",
        json={"disposition": "transported"},
        headers=api.headers("dispatcher"),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"

    timeline = c.get(f"/api/incidents/{iid}/timeline", headers=api.headers("dispatcher")).json()
    texts = [e["text"] for e in timeline]
    assert texts[0].startswith("Incident 26-000001 created")
    assert any("dispatched" in t for t in texts)
    assert texts[-1] == "Closed: transported"
    times = c.get(f"/api/incidents/{iid}/times", headers=api.headers("dispatcher")).json()
    assert times[0]["transfer_of_care"] is not None
    assert times[0]["back_in_service"] is not None


def test_a_retried_create_never_duplicates(api: Api) -> None:
    headers = api.headers("calltaker", **{"Idempotency-Key": "call-42"})
    first = api.client.post("/api/incidents", json=_call(api), headers=headers)
    second = api.client.post("/api/incidents", json=_call(api), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    other = api.client.post(
        "/api/incidents", json=_call(api, chief_complaint="fall"), headers=headers
    )
    assert "different request" in _problem(other, 422)["detail"]
    queue = api.client.get("/api/incidents", headers=api.headers("dispatcher")).json()
    assert len(queue) == 1


def test_two_dispatchers_one_unit_the_second_gets_409(api: Api) -> None:
    a = api.client.post("/api/incidents", json=_call(api), headers=api.headers("calltaker"))
    b = api.client.post("/api/incidents", json=_call(api), headers=api.headers("calltaker"))
    ok = api.client.post(
        f"/api/incidents/{a.json()['id']}/units",
        json={"unit": "m1"},
        headers=api.headers("dispatcher"),
    )
    assert ok.status_code == 200
    lost = api.client.post(
        f"/api/incidents/{b.json()['id']}/units",
        json={"unit": "m1"},
        headers=api.headers("supervisor"),
    )
    assert "not available" in _problem(lost, 409)["detail"]


def test_an_invalid_transition_is_409_with_the_reason(api: Api) -> None:
    r = api.client.post(
        "/api/units/m1/status", json={"status": "at_hospital"}, headers=api.headers("dispatcher")
    )
    body = _problem(r, 409)
    assert "cannot go from available at station to at hospital" in body["detail"]


def test_bad_input_is_a_clear_422(api: Api) -> None:
    r = api.client.post(
        "/api/incidents",
        json={"location": {"text": "x", "lon": 999}},
        headers=api.headers("calltaker"),
    )
    body = _problem(r, 422)
    assert "location.lon" in body["detail"]
    assert body["errors"]
    r = api.client.post(
        "/api/incidents",
        content=b"{not json",
        headers=api.headers("calltaker", **{"Content-Type": "application/json"}),
    )
    _problem(r, 422)
    r = api.client.post("/api/incidents", json={"location": {}}, headers=api.headers("calltaker"))
    assert "address or coordinates" in _problem(r, 422)["detail"]


def test_credentials_are_required_and_roles_enforced(api: Api) -> None:
    _problem(api.client.get("/api/incidents"), 401)
    bad = api.client.get("/api/incidents", headers={"Authorization": "Bearer emscad_x_y"})
    _problem(bad, 401)
    denied = api.client.post("/api/incidents", json=_call(api), headers=api.headers("analyst"))
    _problem(denied, 403)
    _problem(api.client.get("/api/incidents", headers=api.headers("staffer")), 403)


def test_patient_details_only_for_roles_that_need_them(api: Api) -> None:
    iid = api.client.post(
        "/api/incidents", json=_call(api), headers=api.headers("calltaker")
    ).json()["id"]
    full = api.client.get(f"/api/incidents/{iid}", headers=api.headers("dispatcher")).json()
    assert full["persons"][0]["description"] == "diabetic"
    redacted = api.client.get(f"/api/incidents/{iid}", headers=api.headers("analyst")).json()
    assert redacted["persons"] == [{"role": "Patient", "redacted": True}]
    timeline = api.client.get(f"/api/incidents/{iid}/timeline", headers=api.headers("analyst"))
    assert "diabetic" not in timeline.text


def test_a_field_device_changes_only_its_own_unit(api: Api) -> None:
    own = api.client.post(
        "/api/units/m1/status", json={"status": "available"}, headers=api.headers("medic1")
    )
    assert own.status_code == 200, own.text
    other = api.client.post(
        "/api/units/m2/status", json={"status": "available"}, headers=api.headers("medic1")
    )
    _problem(other, 403)


def test_avl_batches_update_positions(api: Api) -> None:
    h = api.runtime.region.places_of(PlaceKind.HOSPITAL)[0]
    fixes = [
        {"unit": "m1", "lon": h.lon, "lat": h.lat, "at": f"2026-07-06T22:19:{s:02d}Z"}
        for s in range(10)
    ]
    r = api.client.post("/api/avl", json={"positions": fixes}, headers=api.headers("medic1"))
    assert r.json() == {"stored": 10}
    unit = api.client.get("/api/units/m1", headers=api.headers("dispatcher")).json()
    assert unit["position"]["at"] == "2026-07-06T22:19:09.000Z"
    naive = [{"unit": "m1", "lon": h.lon, "lat": h.lat, "at": "2026-07-06T22:19:00"}]
    _problem(
        api.client.post("/api/avl", json={"positions": naive}, headers=api.headers("medic1")), 422
    )
    ghost = [{"unit": "ghost", "lon": h.lon, "lat": h.lat, "at": "2026-07-06T22:19:00Z"}]
    _problem(
        api.client.post("/api/avl", json={"positions": ghost}, headers=api.headers("supervisor")),
        403,
    )
    r = api.client.post(
        "/api/avl", json={"positions": ghost}, headers=api.headers("medic1")
    )  # a device reports only itself
    _problem(r, 403)


def test_admin_manages_the_roster_and_hospitals(api: Api) -> None:
    c = api.client
    r = c.post(
        "/api/admin/units",
        json={"id": "m9", "call_sign": "Medic 9", "type": "als", "status": "available"},
        headers=api.headers("admin"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["capabilities"] == ["als", "bls", "transport"]
    r = c.put(
        "/api/hospitals/h-test",
        json={"name": "Test Hospital", "lon": -92.3, "lat": 34.75, "capabilities": ["warp"]},
        headers=api.headers("admin"),
    )
    assert "unknown hospital capabilities" in _problem(r, 422)["detail"]
    hospitals = c.get("/api/hospitals", headers=api.headers("dispatcher")).json()
    first = hospitals[0]["id"]
    r = c.post(
        f"/api/hospitals/{first}/diversion",
        json={"diversion": True, "reason": "ED full"},
        headers=api.headers("supervisor"),
    )
    assert r.json()["diversion"] is True
