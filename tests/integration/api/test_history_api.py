"""History at intake and premise cautions end to end: lookups, versions, permissions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.factories.api import Api

LON, LAT = -92.2896, 34.7465
M = 1 / 111_195  # degrees of latitude per metre
CAUTION = {
    "kind": "dog",
    "text": "Large dog in the yard",
    "address": "500 W Markham St",
    "lon": LON,
    "lat": LAT,
    "radius_m": 30,
    "severity": "high",
}


def _incident(api: Api, text: str, *, phone: str = "", point: bool = True) -> dict[str, Any]:
    location: dict[str, Any] = {"text": text}
    if point:
        location.update(lon=LON, lat=LAT, confidence="address")
    r = api.client.post(
        "/api/incidents",
        json={
            "location": location,
            "chief_complaint": "chest_pain",
            "caller": {"name": "Ann", "phone": phone},
            "persons": [{"name": "Bob Patient", "age": 61, "description": "diabetic"}],
        },
        headers=api.headers("calltaker"),
    )
    assert r.status_code == 201, r.text
    incident: dict[str, Any] = r.json()
    return incident


def _history(api: Api, persona: str = "calltaker", **params: Any) -> Any:
    return api.client.get("/api/intake/history", params=params, headers=api.headers(persona))


def _found(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"]
    return body


def _put(
    api: Api, caution_id: str, body: dict[str, Any], persona: str = "supervisor", **h: str
) -> Any:
    return api.client.put(
        f"/api/premise-cautions/{caution_id}", json=body, headers=api.headers(persona, **h)
    )


# -- history -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"address": "  "},
        {"exclude": "x"},
        {"lon": LON},
        {"lat": LAT},
        {"lon": LON, "phone": "1"},
    ],
    ids=["nothing", "blank-address", "only-exclude", "lon-only", "lat-only", "lon-without-lat"],
)
def test_history_needs_an_address_a_point_or_a_phone(api: Api, params: dict[str, Any]) -> None:
    _problem(_history(api, **params), 422)


@pytest.mark.parametrize(
    "params", [{"address": "x", "limit": 51}, {"lon": 200, "lat": LAT}, {"phone": "1" * 101}]
)
def test_history_parameters_out_of_range_are_422(api: Api, params: dict[str, Any]) -> None:
    _problem(_history(api, **params), 422)


def test_history_by_address_point_and_phone_without_patient_details(api: Api) -> None:
    earlier = _incident(api, "500 West Markham Street", phone="(501) 555-0123")
    api.clock.advance(timedelta(minutes=10))
    _incident(api, "900 Main St", phone="501-555-0199", point=False)
    api.clock.advance(timedelta(minutes=10))
    current = _incident(api, "500 W Markham St, Little Rock", phone="5015550123")

    by_address = _found(_history(api, address="500 w markham st.", exclude=current["id"]))
    assert [i["id"] for i in by_address["at_address"]] == [earlier["id"]]
    assert by_address["at_address_count"] == 1
    past = by_address["at_address"][0]
    assert past["number"] == earlier["number"]
    assert past["chief_complaint"] == "chest_pain"
    assert past["location"] == "500 West Markham Street"
    assert past["caller_phone"] == "+15015550123"
    assert by_address["from_number"] == []

    by_point = _found(_history(api, lon=LON, lat=LAT + 20 * M))
    assert [i["id"] for i in by_point["at_address"]] == [current["id"], earlier["id"]]
    assert _found(_history(api, lon=LON, lat=LAT + 60 * M))["at_address"] == []

    by_phone = _found(_history(api, phone="1 (501) 555-0123"))
    assert [i["id"] for i in by_phone["from_number"]] == [current["id"], earlier["id"]]
    assert by_phone["from_number_count"] == 2
    assert by_phone["at_address"] == []
    limited = _found(_history(api, phone="+15015550123", limit=1))
    assert ([i["id"] for i in limited["from_number"]], limited["from_number_count"]) == (
        [current["id"]],
        2,
    )

    text = json.dumps([by_address, by_point, by_phone])
    assert "persons" not in text
    assert "Bob Patient" not in text
    assert "diabetic" not in text


def test_history_is_for_console_roles(api: Api) -> None:
    assert _history(api, "analyst", address="500 W Markham St").status_code == 200
    _problem(_history(api, "staffer", address="500 W Markham St"), 403)
    _problem(api.client.get("/api/intake/history", params={"address": "x"}), 401)


# -- premise cautions ----------------------------------------------------------------------------


def test_premise_caution_create_change_and_delete_with_versions(api: Api) -> None:
    created = _put(api, "dog1", CAUTION)
    assert created.status_code == 200, created.text
    assert created.headers["ETag"] == '"1"'
    assert created.json() == {**CAUTION, "id": "dog1", "expires": None, "version": 1}

    _problem(_put(api, "dog1", {**CAUTION, "text": "Two dogs"}), 409)
    _problem(_put(api, "dog1", {**CAUTION, "text": "Two dogs"}, **{"If-Match": '"7"'}), 409)
    changed = _put(
        api,
        "dog1",
        {**CAUTION, "text": "Two dogs", "expires": "2027-01-01T00:00:00Z"},
        **{"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["text"]) == (2, "Two dogs")
    assert changed.json()["expires"] == "2027-01-01T00:00:00.000Z"

    one = api.client.get("/api/premise-cautions/dog1", headers=api.headers("admin"))
    assert (one.status_code, one.headers["ETag"], one.json()["version"]) == (200, '"2"', 2)
    _put(api, "cat2", {**CAUTION, "kind": "cats"})
    listed = api.client.get("/api/premise-cautions", headers=api.headers("supervisor")).json()
    assert [c["id"] for c in listed] == ["cat2", "dog1"]
    page = api.client.get(
        "/api/premise-cautions", params={"after": "cat2"}, headers=api.headers("supervisor")
    )
    assert [c["id"] for c in page.json()] == ["dog1"]

    delete = "/api/premise-cautions/dog1"
    _problem(api.client.delete(delete, headers=api.headers("supervisor")), 422)
    _problem(
        api.client.delete(delete, headers=api.headers("supervisor", **{"If-Match": '"1"'})), 409
    )
    gone = api.client.delete(delete, headers=api.headers("supervisor", **{"If-Match": '"2"'}))
    assert gone.status_code == 204, gone.text
    _problem(api.client.get(delete, headers=api.headers("supervisor")), 404)
    _problem(
        api.client.delete(delete, headers=api.headers("supervisor", **{"If-Match": '"2"'})), 404
    )

    events = api.client.get(
        "/api/events", params={"limit": 1000}, headers=api.headers("dispatcher")
    ).json()
    changes = [
        "premise.caution_saved",
        "premise.caution_saved",
        "premise.caution_saved",
        "premise.caution_removed",
    ]
    assert [e["type"] for e in events if e["type"].startswith("premise.")] == changes
    audit = api.client.get(
        "/api/audit", params={"limit": 1000}, headers=api.headers("supervisor")
    ).json()
    trail = [(a["action"], a["actor"]) for a in audit if a["action"].startswith("premise.")]
    assert trail == [(c, "supervisor") for c in changes]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**CAUTION, "address": "", "lon": None, "lat": None}, 422),
        ({**CAUTION, "lat": None}, 422),
        ({**CAUTION, "radius_m": 0}, 422),
        ({**CAUTION, "radius_m": 1001}, 422),
        ({**CAUTION, "kind": ""}, 422),
        ({**CAUTION, "expires": "2027-01-01T00:00:00"}, 422),  # no time zone
        ({**CAUTION, "colour": "red"}, 422),
    ],
    ids=["no-place", "half-point", "zero-radius", "huge-radius", "no-kind", "naive", "extra"],
)
def test_an_invalid_premise_caution_is_422_and_not_stored(
    api: Api, body: dict[str, Any], status: int
) -> None:
    _problem(_put(api, "dog1", body), status)
    _problem(api.client.get("/api/premise-cautions/dog1", headers=api.headers("admin")), 404)
    events = api.client.get(
        "/api/events", params={"limit": 1000}, headers=api.headers("dispatcher")
    ).json()
    assert not [e for e in events if e["type"].startswith("premise.")]


@pytest.mark.parametrize("persona", ["calltaker", "dispatcher", "medic1", "analyst", "staffer"])
def test_only_supervisors_and_admins_keep_premise_cautions(api: Api, persona: str) -> None:
    _put(api, "dog1", CAUTION)
    headers = api.headers(persona)
    _problem(api.client.get("/api/premise-cautions", headers=headers), 403)
    _problem(api.client.get("/api/premise-cautions/dog1", headers=headers), 403)
    _problem(_put(api, "dog2", CAUTION, persona=persona), 403)
    _problem(
        api.client.delete(
            "/api/premise-cautions/dog1", headers=api.headers(persona, **{"If-Match": '"1"'})
        ),
        403,
    )


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_supervisors_and_admins_may_keep_premise_cautions(api: Api, persona: str) -> None:
    assert _put(api, "dog1", CAUTION, persona=persona).status_code == 200
    r = api.client.get("/api/premise-cautions", headers=api.headers(persona))
    assert [c["id"] for c in r.json()] == ["dog1"]
    gone = api.client.delete(
        "/api/premise-cautions/dog1", headers=api.headers(persona, **{"If-Match": '"1"'})
    )
    assert gone.status_code == 204, gone.text


def _cautions(api: Api, incident_id: str) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/incidents/{incident_id}", headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["cautions"]
    return found


def test_a_saved_caution_appears_on_open_incidents_and_stays_there(api: Api) -> None:
    incident = _incident(api, "500 W. Markham Street", point=False)
    assert _cautions(api, incident["id"]) == []
    _put(api, "dog1", CAUTION)
    assert _cautions(api, incident["id"]) == [
        {
            "kind": "dog",
            "text": "Large dog in the yard",
            "severity": "high",
            "source": "premise:dog1",
        }
    ]
    history = _found(_history(api, address="500 W Markham St"))
    assert [c["id"] for c in history["cautions"]] == ["dog1"]

    # A dispatcher's edit of the list keeps it.
    current = api.client.get(f"/api/incidents/{incident['id']}", headers=api.headers("dispatcher"))
    edited = api.client.patch(
        f"/api/incidents/{incident['id']}",
        json={"cautions": [{"kind": "scene", "text": "wait for police"}]},
        headers=api.headers("dispatcher", **{"If-Match": current.headers["ETag"]}),
    )
    assert edited.status_code == 200, edited.text
    assert [c["source"] for c in edited.json()["cautions"]] == ["premise:dog1", ""]

    # A new call at the place gets it when it is taken.
    taken = _incident(api, "500 W Markham St", point=False)
    assert [c["source"] for c in taken["cautions"]] == ["premise:dog1"]

    gone = api.client.delete(
        "/api/premise-cautions/dog1", headers=api.headers("supervisor", **{"If-Match": '"1"'})
    )
    assert gone.status_code == 204, gone.text
    assert [c["source"] for c in _cautions(api, incident["id"])] == [""]
    assert _cautions(api, taken["id"]) == []
