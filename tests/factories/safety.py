"""Safety-layer test helpers: cheap PIN hashing, deterministic ids, shifts, API order bodies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from emscad.safety.staff import Shift

# argon2 at its cheapest: a duress PIN check costs microseconds instead of ~175 ms.
CHEAP_HASHER_ARGS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(**CHEAP_HASHER_ARGS)


def ids(prefix: str = "id") -> Callable[[], str]:
    """Deterministic, thread-safe ids: id000001, id000002, ..."""
    counter = iter(range(1, 10_000_000))
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"{prefix}{next(counter):06d}"

    return new_id


def on_shift(now: datetime, *, before: timedelta = timedelta(hours=4)) -> tuple[Shift, ...]:
    """A shift that covers `now` (started `before` ago, eight hours long)."""
    return (Shift(start=now - before, end=now - before + timedelta(hours=8)),)


# -- API bodies ----------------------------------------------------------------------------------


def ems_station(stations: list[dict[str, Any]]) -> dict[str, Any]:
    """The first EMS station (the protected places; a police station is not one)."""
    return next(s for s in stations if s["kind"] == "ems")


def order_body(
    *,
    issued: datetime,
    station: str | None = None,
    staff_username: str | None = "dana",
    **changes: Any,
) -> dict[str, Any]:
    """A protective order as POST /api/orders takes it: Dana protected from Mark Whitfield,
    a stay-away zone round her home and (with `station`) one round her station."""
    zones: list[dict[str, Any]] = [
        {"label": "Her home", "kind": "residence", "lon": -92.3412, "lat": 34.7601}
    ]
    if station is not None:
        zones.append({"label": "Her station", "kind": "workplace", "place": station})
    body: dict[str, Any] = {
        "number": "23-DR-1234",
        "court": "Pulaski County Circuit Court",
        "issued": issued.isoformat(),
        "expires": (issued + timedelta(days=365)).isoformat(),
        "conditions": ["01", "04", "05", "07"],
        "protected": [
            {
                "name": "Dana Whitfield",
                "phones": ["501-555-0142"],
                "staff_username": staff_username,
            }
        ],
        "respondent": {
            "name": "Mark Whitfield",
            "descriptors": {"sex": "male", "height_in": 71, "hair": "brown"},
            "photo_ref": "photo:mw-1",
            "phones": ["(501) 555-0199"],
            "vehicles": [
                {"plate": "ABC-1234", "state": "AR", "make": "Ford", "model": "F-150"},
                {"plate": "XYZ789", "state": "AR", "make": "Honda", "colour": "silver"},
            ],
            "devices": ["GPS-77"],
        },
        "source": "copy of the order from the protected person",
        "zones": zones,
    }
    body.update(changes)
    return body
