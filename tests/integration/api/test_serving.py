"""What a serving process does before it serves: every route built, not on first use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import fastapi.dependencies.utils
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from emscad.storage.db import Database
from emscad.web.app import build_routes, create_app
from tests.factories.api import seed, start


@pytest.fixture
def app(database: Database, tmp_path: Path) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """An app not yet serving, and a dispatcher's headers."""
    rt, _ = start(tmp_path / "home", database)
    try:
        app = create_app(rt, migrate=False, warm=False)
        yield app, {"Authorization": f"Bearer {seed(rt)['dispatcher']}"}
    finally:
        rt.close()


def test_built_routes_need_no_work_on_their_first_request(
    app: tuple[FastAPI, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    served, headers = app
    build_routes(served)

    # Working a route out (its dependencies, its validators) starts here: forbid it.
    def no_lazy_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("a route was built on its first request")

    monkeypatch.setattr(fastapi.dependencies.utils, "get_dependant", no_lazy_work)
    with TestClient(served) as client:
        r = client.post(
            "/api/incidents",
            json={"location": {"text": "1 Main St"}, "priority": 2},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        assert client.get("/api/units", headers=headers).status_code == 200


def test_without_building_the_first_request_builds_its_route(
    app: tuple[FastAPI, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above can fail: the same first request on an app that was not prepared
    # does the work there and then.
    served, headers = app
    calls: list[object] = []
    real = fastapi.dependencies.utils.get_dependant

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fastapi.dependencies.utils, "get_dependant", counting)
    with TestClient(served) as client:
        assert client.get("/api/units", headers=headers).status_code == 200
    assert calls
