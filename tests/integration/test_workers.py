"""The server's background ticker, on a real runtime: caution expiry runs beside the safety
tick, and a failing step does not stop the other."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from emscad.clock import FixedClock
from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Location, Severity, Source
from emscad.intake.history import PremiseCaution
from emscad.storage.db import Database
from emscad.web.runtime import Runtime, build_runtime
from emscad.web.workers import safety_ticker
from tests.factories.api import T0, settings_for


@pytest.fixture
def rt(database: Database, tmp_path: Path) -> Iterator[Runtime]:
    settings = settings_for(tmp_path / "home", database).model_copy(update={"safety_tick_s": 0.02})
    runtime = build_runtime(settings, clock=FixedClock(T0))
    yield runtime
    runtime.close()


def _sources(rt: Runtime, incident_id: str) -> list[str]:
    return [c.source for c in rt.dispatch.incident(incident_id).cautions]


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_the_ticker_takes_a_lapsed_premise_caution_off_an_open_incident(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    caution = PremiseCaution(
        id="dog1",
        kind="dog",
        text="Large dog in the yard",
        address="712 W 7th St",
        severity=Severity.HIGH,
        expires=T0 + timedelta(hours=1),
    )
    rt.intake.save_premise_caution("supervisor", caution, expected_version=0)
    incident, _ = rt.dispatch.create_incident(
        "calltaker",
        source=Source.PHONE,
        location=Location(text="712 W 7th St"),
        triage=Triage(chief_complaint="chest pain", priority=1, determinant=""),
        caller=Caller(name="Ann", phone="+15015550123"),
    )
    assert _sources(rt, incident.id) == ["premise:dog1"]

    ticks: list[int] = []

    def broken_tick() -> int:
        ticks.append(1)
        raise RuntimeError("the database is busy")

    monkeypatch.setattr(rt.safety, "tick", broken_tick)
    stop = safety_ticker(rt)
    try:
        assert _eventually(lambda: len(ticks) >= 3)  # it keeps ticking through failures
        assert _sources(rt, incident.id) == ["premise:dog1"]  # nothing has lapsed yet
        clock = rt.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(hours=1))
        assert _eventually(lambda: _sources(rt, incident.id) == [])
    finally:
        stop()
