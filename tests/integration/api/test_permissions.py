"""Every route names one permission, and every role gets exactly what the table grants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from emscad.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from emscad.web.routes import api_routes, permissions_of_route
from tests.factories.api import PERSONAS, Api

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def routes(api: Api) -> list[tuple[APIRoute, str, Permission]]:
    out = []
    for route in api_routes(api.client.app):  # type: ignore[arg-type]
        perms = permissions_of_route(route)
        assert len(perms) == 1, f"{route.path} declares {perms or 'no permission'}"
        for method in sorted(route.methods):
            out.append((route, method, perms[0]))
    return out


def test_every_route_declares_exactly_one_permission(api: Api) -> None:
    assert len(routes(api)) > 20


def test_the_permission_table_in_the_docs_matches_the_code(api: Api) -> None:
    text = DOCS.read_text()
    for route, method, perm in routes(api):
        row = f"| `{method} {route.path}` | `{perm.value}` |"
        assert row in text, f"docs/api.md lacks the row {row}"


def _allowed(role: Role, perm: Permission, path: str, unit: str | None) -> bool:
    if perm in (Permission.PUBLIC, Permission.SELF, Permission.SIGNING_IN):
        return True
    granted = ROLE_PERMISSIONS[role]
    if perm is Permission.UNIT_STATUS_OWN:
        return Permission.UNIT_STATUS_ANY in granted or (
            Permission.UNIT_STATUS_OWN in granted and unit == "m1"
        )
    return perm in granted


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_each_role_is_admitted_or_refused_as_the_table_says(api: Api, persona: str) -> None:
    role = PERSONAS[persona]
    for route, method, perm in routes(api):
        if route.path == "/api/stream":
            continue  # an endless response: covered by test_stream
        for unit in ("m1", "m2") if "{unit_id}" in route.path else (None,):
            path = re.sub(r"\{unit_id\}", unit or "", route.path)
            path = re.sub(r"\{[a-z_]+\}", "nope", path)
            response = api.client.request(method, path, json={}, headers=api.headers(persona))
            status = response.status_code
            if perm is Permission.SIGNING_IN:
                # These need a session cookie (a token is not a sign-in): 401 without one.
                assert status in (401, 422), (persona, method, path, response.text)
            elif _allowed(role, perm, route.path, unit):
                assert status not in (401, 403), (persona, method, path, response.text)
            else:
                assert status == 403, (persona, method, path, status, response.text)
        anonymous = api.client.request(method, route.path, json={})
        if perm is Permission.PUBLIC:
            assert anonymous.status_code != 401
        elif perm is not Permission.SIGNING_IN:
            assert anonymous.status_code == 401, (method, route.path)
