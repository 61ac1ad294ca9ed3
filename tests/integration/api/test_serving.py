"""What a serving process does before it serves: every route built, not on first use."""

from __future__ import annotations

from pathlib import Path

import fastapi.dependencies.utils
import pytest
from fastapi.testclient import TestClient

from emscad.storage.db import Database
from emscad.web.app import build_routes, create_app
from tests.factories.api import seed, start


def test_built_routes_need_no_work_on_their_first_request(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt, _ = start(tmp_path / "home", database)
    try:
        app = create_app(rt, migrate=False, warm=False)
        build_routes(app)
        tokens = seed(rt)

        # Working a route out (its dependencies, its validators) starts here: forbid it.
        def no_lazy_work(*args: object, **kwargs: object) -> None:
            raise AssertionError("a route was built on its first request")

        monkeypatch.setattr(fastapi.dependencies.utils, "get_dependant", no_lazy_work)
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {tokens['dispatcher']}"}
            r = client.post(
                "/api/incidents",
                json={"location": {"text": "1 Main St"}, "priority": 2},
                headers=headers,
            )
            assert r.status_code == 201, r.text
            assert client.get("/api/units", headers=headers).status_code == 200
    finally:
        rt.close()


def test_without_building_the_first_request_builds_its_route(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above can fail: the same first request on an app that was not prepared
    # does the work there and then.
    rt, _ = start(tmp_path / "home", database)
    try:
        app = create_app(rt, migrate=False, warm=False)
        tokens = seed(rt)
        calls: list[object] = []
        real = fastapi.dependencies.utils.get_dependant

        def counting(*args: object, **kwargs: object) -> object:
            calls.append(args)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(fastapi.dependencies.utils, "get_dependant", counting)
        with TestClient(app) as client:
            r = client.get(
                "/api/units", headers={"Authorization": f"Bearer {tokens['dispatcher']}"}
            )
            assert r.status_code == 200
        assert calls
    finally:
        rt.close()
