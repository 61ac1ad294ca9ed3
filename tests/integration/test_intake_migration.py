"""Migration 0004 on SQLite and PostgreSQL: incidents taken before it are found by history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from emscad.events import Recorded
from emscad.incidents import lifecycle as incidents
from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Confidence, Location, Source
from emscad.intake.history import address_key
from emscad.storage import tables as t
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade
from emscad.storage.rows import data_of
from tests.conftest import POSTGRES_URL

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database with no schema yet, so a test can stop at any revision."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'emscad.db'}")
        yield db
        db.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("EMSCAD_TEST_POSTGRES_URL is not set (scripts/test sets it)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(url.render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _old_row(incident_id: str, number: str, text: str, phone: str) -> dict[str, object]:
    created = incidents.create(
        incident_id=incident_id,
        number=number,
        received_at=T0,
        source=Source.PHONE,
        location=Location(text=text, lon=-92.28, lat=34.74, confidence=Confidence.ADDRESS),
        triage=Triage(chief_complaint="fall", priority=2, determinant=""),
        caller=Caller(name="Ann", phone=phone),
    )
    incident = incidents.apply(None, Recorded(seq=1, at=T0, actor="test", event=created))
    assert incident is not None
    return {
        "id": incident_id,
        "number": number,
        "status": "pending",
        "priority": 2,
        "received_at": T0,
        "caller_phone": phone,  # as typed: before 0004 numbers were kept as given
        "location_text": text,
        "lon": -92.28,
        "lat": 34.74,
        "data": data_of(incident),
        "version": 1,
    }


def test_incidents_from_before_0004_get_address_keys_and_e164_numbers(bare: Database) -> None:
    upgrade(bare, "0003")
    with bare.transaction(write=True) as conn:
        conn.execute(
            t.incidents.insert(),
            [
                _old_row("a", "26-000001", "712 West 7th Street, Little Rock", "(501) 555-0123"),
                _old_row("b", "26-000002", "somewhere", "12345"),
            ],
        )
    upgrade(bare, "0004")
    with bare.transaction(write=False) as conn:
        rows = conn.execute(
            sa.select(
                t.incidents.c.id, t.incidents.c.address_key, t.incidents.c.caller_phone
            ).order_by(t.incidents.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("a", address_key("712 W 7th St"), "+15015550123"),
        ("b", address_key("somewhere"), "12345"),  # a short code is kept as it was
    ]
