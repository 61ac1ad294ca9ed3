"""A running emscad app for API tests: a small region, a roster, one token per persona."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from emscad.accounts.permissions import Role
from emscad.agency.models import Hospital, Station
from emscad.clock import FixedClock
from emscad.config import Settings
from emscad.regions import files
from emscad.regions.model import PlaceKind, Region
from emscad.regions.synthetic import generate_region
from emscad.storage.db import Database
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, UnitStatus, UnitType
from emscad.web.runtime import Runtime, build_runtime
from tests.factories import sms

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
PERSONAS = {
    "calltaker": Role.CALL_TAKER,
    "dispatcher": Role.DISPATCHER,
    "supervisor": Role.SUPERVISOR,
    "medic1": Role.FIELD_UNIT,
    "staffer": Role.STAFF,
    "analyst": Role.ANALYST,
    "admin": Role.ADMIN,
}
UNITS = [
    ("m1", "Medic 1", UnitType.ALS),
    ("m2", "Medic 2", UnitType.ALS),
    ("b1", "Basic 1", UnitType.BLS),
    ("p1", "Police 1", UnitType.POLICE),
]


@functools.cache
def small_region() -> Region:
    return generate_region("test", seed=11, nodes=2500, lights_sirens_factor=1.25, created_at=T0)


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    clock: FixedClock
    tokens: dict[str, str]

    def headers(self, persona: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}", **extra}


def settings_for(home: Path, database: Database) -> Settings:
    files.write_region(home / "regions", small_region())
    return Settings(
        home=home,
        region="test",
        database_url=database.url.render_as_string(hide_password=False),
        text_lines=sms.TEXT_LINES,
        sos_lines=sms.SOS_LINES,
        public_url=sms.PUBLIC_URL,
        twilio_auth_token=SecretStr(sms.TWILIO_AUTH_TOKEN),
        telnyx_public_key=sms.TELNYX_PUBLIC_KEY,
    )


def seed(rt: Runtime) -> dict[str, str]:
    """Stations, hospitals and units from the region; a user and token per persona."""
    region = rt.region
    stations = region.places_of(PlaceKind.STATION)
    for p in stations:
        rt.dispatch.save_station("seed", Station(id=p.id, name=p.name, lon=p.lon, lat=p.lat))
    for p in region.places_of(PlaceKind.HOSPITAL):
        caps = ("emergency", *(c for c in p.capabilities if c != "emergency"))
        rt.dispatch.save_hospital(
            "seed", Hospital(id=p.id, name=p.name, lon=p.lon, lat=p.lat, capabilities=caps)
        )
    for i, (unit_id, call_sign, kind) in enumerate(UNITS):
        profile = UnitProfile(
            call_sign=call_sign,
            type=kind,
            capabilities=DEFAULT_CAPABILITIES[kind],
            station=stations[i % len(stations)].id,
        )
        rt.dispatch.add_unit("seed", unit_id, profile, status=UnitStatus.AVAILABLE_AT_STATION)
    tokens = {}
    for username, role in PERSONAS.items():
        unit = "m1" if role is Role.FIELD_UNIT else None
        rt.accounts.create_user(username, roles=[role], unit=unit)
        _, tokens[username] = rt.accounts.create_token(username, name="test")
    return tokens


def start(home: Path, database: Database) -> tuple[Runtime, FixedClock]:
    clock = FixedClock(T0)
    rt = build_runtime(settings_for(home, database), clock=clock)
    return rt, clock
