"""Roster rows decoded once, by the JSON text stored for them.

Every recommendation and every board read lists the whole roster: the units, stations and
hospitals. Rebuilding each of them from its JSON took longer than the rest of such a read.
A decoded value is a pure function of the stored text and the row's version, so each
distinct pair is decoded once and then shared (the values are frozen dataclasses). Keyed by
content, the cache cannot go stale: a changed row has new text or a new version.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from emscad.serial import from_json
from emscad.units.models import Position, Unit

_T = TypeVar("_T")


def json_text(column: sa.Column[Any]) -> sa.Label[str]:
    """The column's JSON as stored text (SQLite keeps text; PostgreSQL renders its jsonb),
    labelled `data_text`: the driver does not parse it, `decoded` does, once."""
    return sa.cast(column, sa.Text).label("data_text")


def decoded(kind: type[_T], text: str, version: int) -> _T:
    value: _T = _decoded(cast(Hashable, kind), text, version)
    return value


@lru_cache(maxsize=8192)
def _decoded(kind: Hashable, text: str, version: int) -> Any:
    return from_json(kind, {**json.loads(text), "version": version})


@lru_cache(maxsize=4096)
def unit_of(
    text: str,
    version: int,
    lon: float | None,
    lat: float | None,
    at: datetime | None,
    accuracy_m: float | None,
    speed_mps: float | None,
    heading_deg: float | None,
) -> Unit:
    """A unit from its stored row: its JSON (decoded once, as above) with the
    latest fix from its own columns. Also once per distinct row: between fixes a unit's
    row is the same, and every recommendation lists every unit."""
    unit = decoded(Unit, text, version)
    if at is None or lon is None or lat is None:
        return unit if unit.position is None else replace(unit, position=None)
    position = Position(
        lon=lon,
        lat=lat,
        at=at,
        accuracy_m=accuracy_m,
        speed_mps=speed_mps,
        heading_deg=heading_deg,
    )
    return replace(unit, position=position)
