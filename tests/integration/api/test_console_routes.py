"""The console's routes: basemap tiles from the region's roads, map settings, pages, assets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from emscad.accounts.permissions import Role
from emscad.storage.db import Database
from emscad.web.app import create_app
from emscad.web.console.tiles import mercator
from emscad.web.runtime import build_runtime
from tests.factories.api import Api, settings_for

STATIC_JS = Path(__file__).resolve().parents[3] / "src/emscad/web/console/static/js"


def _centre_tile(api: Api, z: int) -> tuple[int, int]:
    west, south, east, north = api.runtime.region.manifest.bbox
    x, y = mercator(np.array([(west + east) / 2]), np.array([(south + north) / 2]))
    return int(x[0] * 2**z), int(y[0] * 2**z)


def test_a_tile_holds_the_roads_inside_it_as_compact_json(api: Api) -> None:
    x, y = _centre_tile(api, 15)
    r = api.client.get(f"/api/map/tiles/15/{x}/{y}", headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    tile = r.json()
    assert tile["extent"] == 1024
    assert tile["roads"], "a tile in the middle of the town has roads"
    for cls, name, flat in tile["roads"]:
        assert 0 <= cls <= 14
        assert name == -1 or 0 <= name < len(tile["names"])
        assert len(flat) >= 4
        assert len(flat) % 2 == 0
        assert all(isinstance(v, int) and -32 <= v <= 1024 + 32 for v in flat)
    assert tile["names"], "street names come with the roads at zoom 15"
    assert r.headers["cache-control"] == "private, max-age=3600"
    assert r.headers["etag"]


def test_a_tile_is_answered_not_modified_when_the_browser_has_it(api: Api) -> None:
    x, y = _centre_tile(api, 14)
    first = api.client.get(f"/api/map/tiles/14/{x}/{y}", headers=api.headers("dispatcher"))
    again = api.client.get(
        f"/api/map/tiles/14/{x}/{y}",
        headers=api.headers("dispatcher", **{"If-None-Match": first.headers["etag"]}),
    )
    assert again.status_code == 304
    assert again.content == b""


def test_low_zooms_carry_only_the_major_roads(api: Api) -> None:
    x, y = _centre_tile(api, 10)
    tile = api.client.get(f"/api/map/tiles/10/{x}/{y}", headers=api.headers("dispatcher")).json()
    classes = {cls for cls, _, _ in tile["roads"]}
    assert classes, "arteries show at zoom 10"
    assert 6 not in classes, "residential streets wait for zoom 13"
    assert tile["names"] == []


def test_tiles_outside_the_world_or_the_region(api: Api) -> None:
    auth = api.headers("dispatcher")
    assert api.client.get("/api/map/tiles/3/8/0", headers=auth).status_code == 404
    assert api.client.get("/api/map/tiles/21/0/0", headers=auth).status_code == 422
    far = api.client.get("/api/map/tiles/12/0/0", headers=auth)
    assert far.status_code == 200
    assert far.json()["roads"] == []


def test_only_roles_with_the_map_permission_get_tiles(api: Api) -> None:
    assert (
        api.client.get("/api/map/tiles/12/0/0", headers=api.headers("staffer")).status_code == 403
    )
    assert api.client.get("/api/map/tiles/12/0/0").status_code == 401


def test_the_map_config_names_the_region_and_the_offline_basemap(api: Api) -> None:
    config = api.client.get("/api/map/config", headers=api.headers("medic1")).json()
    west, south, east, north = config["bbox"]
    assert west < east
    assert south < north
    assert config["basemap"]["kind"] == "roads"
    assert config["basemap"]["url"] == "/api/map/tiles/{z}/{x}/{y}"


def test_a_tile_server_url_replaces_the_basemap_and_is_allowed_by_the_csp(
    database: Database, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "home", database).model_copy(
        update={"tile_url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png#attribution=© Example"}
    )
    rt = build_runtime(settings)
    try:
        with TestClient(create_app(rt, migrate=False, warm=False)) as client:
            rt.accounts.create_user("viewer", roles=[Role.ANALYST])
            _, token = rt.accounts.create_token("viewer", name="t")
            r = client.get("/api/map/config", headers={"Authorization": f"Bearer {token}"})
            basemap = r.json()["basemap"]
            assert basemap == {
                "kind": "raster",
                "url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                "attribution": "© Example",
                "max_zoom": 19,
            }
            csp = client.get("/login").headers["content-security-policy"]
            assert "img-src 'self' https://*.tiles.example.org data: blob:" in csp
    finally:
        rt.close()


def test_pages_are_served_without_inline_code_and_need_a_session(api: Api) -> None:
    login = api.client.get("/login")
    assert login.status_code == 200
    assert login.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in login.headers["content-security-policy"]
    assert '<script type="module" src="/static/js/login.js">' in login.text
    for path in ("/console", "/supervisor", "/field", "/staff"):
        r = api.client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"/login?next={path}"
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("path", sorted(p.name for p in STATIC_JS.glob("*.js")))
def test_every_script_is_served_as_javascript(api: Api, path: str) -> None:
    r = api.client.get(f"/static/js/{path}")
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]


def test_leaflet_is_served_from_the_installed_package(api: Api) -> None:
    r = api.client.get("/static/vendor/leaflet/leaflet.js")
    assert r.status_code == 200, "run scripts/setup (npm ci) to install Leaflet"
    assert "javascript" in r.headers["content-type"]
    assert api.client.get("/static/vendor/leaflet/leaflet.css").status_code == 200
    lock = json.loads((Path(__file__).resolve().parents[3] / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/leaflet"]["version"].startswith("1.")
