"""No input produces a server error: schemathesis fuzzes every operation of the OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from emscad.accounts.permissions import Role
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade
from emscad.web.app import create_app
from tests.factories.api import seed, start


@dataclass
class Fuzz:
    app: Any
    headers: dict[str, str]


@pytest.fixture
def fuzz(tmp_path: Path) -> Iterator[Fuzz]:
    database = Database(f"sqlite:///{tmp_path / 'fuzz.db'}")
    upgrade(database)
    rt, _ = start(tmp_path / "home", database)
    seed(rt)
    # One account that may do everything, so the fuzzer reaches every route's logic.
    rt.accounts.create_user(
        "fuzzer", roles=[Role.SUPERVISOR, Role.ADMIN, Role.FIELD_UNIT], unit="m1"
    )
    _, token = rt.accounts.create_token("fuzzer", name="fuzz")
    yield Fuzz(create_app(rt, migrate=False, warm=False), {"Authorization": f"Bearer {token}"})
    rt.close()
    database.dispose()


# The schema does not depend on the server's state, so it is read from an app with no runtime;
# each case is then sent to the fixture's real app (an endless /api/stream is left out).
schema = schemathesis.openapi.from_dict(
    create_app(object(), migrate=False, warm=False).openapi()  # type: ignore[arg-type]
).exclude(path="/api/stream")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_produces_a_server_error(case: Any, fuzz: Fuzz) -> None:
    case.call_and_validate(headers=fuzz.headers, checks=[not_a_server_error], app=fuzz.app)
