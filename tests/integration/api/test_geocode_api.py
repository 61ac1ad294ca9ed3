"""Type-ahead and reverse geocoding through the API."""

from __future__ import annotations

from tests.factories.api import Api


def test_type_ahead_returns_candidates_and_keeps_the_typed_text(api: Api) -> None:
    region = api.runtime.region
    a = region.addresses
    typed = f"{region.string(int(a.housenumber[0]))} {region.string(int(a.street[0]))}".lower()
    r = api.client.get("/api/geocode", params={"q": typed}, headers=api.headers("calltaker"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == typed
    first = body["candidates"][0]
    assert first["label"].lower().startswith(typed)
    assert abs(first["lon"] - float(a.lon[0])) < 1e-3


def test_reverse_geocoding_names_the_nearest_address(api: Api) -> None:
    a = api.runtime.region.addresses
    r = api.client.get(
        "/api/geocode/reverse",
        params={"lon": float(a.lon[0]), "lat": float(a.lat[0])},
        headers=api.headers("dispatcher"),
    )
    assert r.status_code == 200, r.text
    assert r.json()


def test_geocoding_needs_the_permission(api: Api) -> None:
    assert (
        api.client.get(
            "/api/geocode", params={"q": "x"}, headers=api.headers("staffer")
        ).status_code
        == 403
    )
    assert (
        api.client.get(
            "/api/geocode", params={"q": ""}, headers=api.headers("calltaker")
        ).status_code
        == 422
    )
