"""The `api` fixture: the app in-process (TestClient), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emscad.storage.db import Database
from emscad.web.app import create_app
from tests.factories.api import Api, seed, start


@pytest.fixture
def api(database: Database, tmp_path: Path) -> Iterator[Api]:
    rt, clock = start(tmp_path / "home", database)
    app = create_app(rt, migrate=False, warm=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        tokens = seed(rt)
        yield Api(client=client, runtime=rt, clock=clock, tokens=tokens)
    rt.close()
