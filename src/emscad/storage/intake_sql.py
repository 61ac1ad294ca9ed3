"""SQL rows for intake: text threads, provider message ids, device locations, premise cautions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from emscad.incidents.models import Incident
from emscad.intake.history import MAX_CAUTION_RADIUS_M, PremiseCaution, caution_key
from emscad.intake.pidf.models import DeviceLocation
from emscad.intake.threads import TextThread
from emscad.serial import from_json, to_json
from emscad.storage import tables as t
from emscad.storage.rows import data_of, save_versioned

METERS_PER_DEGREE = 111_320.0


def _near(table: sa.Table, *, by_key: bool, by_point: bool) -> sa.ColumnElement[bool]:
    """Rows whose address key is one of :keys, or whose point lies in the box :lon0..:lon1,
    :lat0..:lat1 (see `_bounds`): the candidates' filter, with bound parameters only."""
    c = table.c
    where: list[sa.ColumnElement[bool]] = []
    if by_key:
        where.append(c.address_key.in_(sa.bindparam("keys", expanding=True)))
    if by_point:
        where.append(
            sa.and_(
                c.lat.between(sa.bindparam("lat0"), sa.bindparam("lat1")),
                c.lon.between(sa.bindparam("lon0"), sa.bindparam("lon1")),
            )
        )
    return sa.or_(*where)


def _bounds(
    keys: Sequence[str], lon: float | None, lat: float | None, meters: float
) -> dict[str, Any]:
    """The parameters of `_near`: the keys, and the square of half-side `meters` around the
    point (if any)."""
    params: dict[str, Any] = {"keys": sorted(keys)}
    if lon is not None and lat is not None:
        dlat = meters / METERS_PER_DEGREE
        dlon = meters / (METERS_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        params |= {"lat0": lat - dlat, "lat1": lat + dlat, "lon0": lon - dlon, "lon1": lon + dlon}
    return params


@cache
def _premise_cautions_query(by_key: bool, by_point: bool) -> sa.Select[Any]:
    # Built once: every call taken runs it (the hot path of intake).
    c = t.premise_cautions.c
    return (
        sa.select(c.data, c.version)
        .where(
            _near(t.premise_cautions, by_key=by_key, by_point=by_point),
            sa.or_(c.expires.is_(None), c.expires > sa.bindparam("now")),
        )
        .order_by(c.id)
    )


@cache
def _incidents_near_query(by_key: bool, by_point: bool) -> sa.Select[Any]:
    c = t.incidents.c
    return (
        sa.select(c.data, c.version)
        .where(
            _near(t.incidents, by_key=by_key, by_point=by_point),
            c.received_at <= sa.bindparam("before"),
        )
        .order_by(c.received_at.desc())
        .limit(sa.bindparam("limit"))
    )


class IntakeRows:
    """Mixed into SqlTransaction: the intake part of the storage ports."""

    conn: Connection

    # -- text threads ------------------------------------------------------------------------

    def find_thread(self, thread_id: str) -> TextThread | None:
        row = self.conn.execute(
            sa.select(t.text_threads.c.data, t.text_threads.c.version).where(
                t.text_threads.c.id == thread_id
            )
        ).first()
        return None if row is None else self._thread(row.data, row.version)

    @staticmethod
    def _thread(data: dict[str, Any], version: int) -> TextThread:
        thread: TextThread = from_json(TextThread, data)
        return replace(thread, version=version)

    def save_thread(self, thread: TextThread, *, expected_version: int) -> None:
        assert thread.last_at is not None, "a thread is stored from its first message on"
        values = {
            "line": thread.line,
            "caller": thread.caller,
            "incident_id": thread.incident,
            "last_at": thread.last_at,
            "awaiting_reply": thread.awaiting_reply,
            "data": data_of(thread),
            "version": thread.version,
        }
        save_versioned(
            self.conn, t.text_threads, thread.id, values, expected_version, what="text thread"
        )

    def list_threads(
        self,
        *,
        incident: str | None = None,
        awaiting_reply: bool | None = None,
        unattached: bool = False,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[TextThread]:
        c = t.text_threads.c
        query = sa.select(c.data, c.version).order_by(c.last_at.desc(), c.id).limit(limit)
        if incident is not None:
            query = query.where(c.incident_id == incident)
        if unattached:
            query = query.where(c.incident_id.is_(None))
        if awaiting_reply is not None:
            query = query.where(c.awaiting_reply == awaiting_reply)
        if since is not None:
            query = query.where(c.last_at >= since)
        return [self._thread(r.data, r.version) for r in self.conn.execute(query)]

    def claim_message(
        self, provider: str, message_id: str, *, thread_id: str, at: datetime
    ) -> bool:
        """Whether this provider message id is new. The primary key makes two concurrent
        deliveries of one message collide: the loser's transaction retries and sees it."""
        c = t.inbound_messages.c
        seen = self.conn.execute(
            sa.select(c.thread_id).where(c.provider == provider, c.message_id == message_id)
        ).first()
        if seen is not None:
            return False
        self.conn.execute(
            t.inbound_messages.insert().values(
                provider=provider, message_id=message_id, thread_id=thread_id, received_at=at
            )
        )
        return True

    # -- device locations ----------------------------------------------------------------------

    def add_device_location(self, incident_id: str, caller: str, location: DeviceLocation) -> int:
        data = to_json(location)
        result = self.conn.execute(
            t.device_locations.insert()
            .values(
                incident_id=incident_id,
                caller=caller,
                received_at=location.received_at,
                data=data,
            )
            .returning(t.device_locations.c.id)
        )
        return int(result.scalar_one())

    def device_locations(self, incident_id: str) -> list[tuple[int, str, DeviceLocation]]:
        c = t.device_locations.c
        query = (
            sa.select(c.id, c.caller, c.data)
            .where(c.incident_id == incident_id)
            .order_by(c.received_at, c.id)
        )
        return [
            (r.id, r.caller, from_json(DeviceLocation, r.data)) for r in self.conn.execute(query)
        ]

    # -- premise cautions -----------------------------------------------------------------------

    def find_premise_caution(self, caution_id: str) -> PremiseCaution | None:
        c = t.premise_cautions.c
        row = self.conn.execute(sa.select(c.data, c.version).where(c.id == caution_id)).first()
        return None if row is None else self._caution(row.data, row.version)

    @staticmethod
    def _caution(data: dict[str, Any], version: int) -> PremiseCaution:
        caution: PremiseCaution = from_json(PremiseCaution, data)
        return replace(caution, version=version)

    def save_premise_caution(self, caution: PremiseCaution, *, expected_version: int) -> None:
        values = {
            "address_key": caution_key(caution.address),
            "lon": caution.lon,
            "lat": caution.lat,
            "expires": caution.expires,
            "data": data_of(caution),
            "version": caution.version,
        }
        save_versioned(
            self.conn,
            t.premise_cautions,
            caution.id,
            values,
            expected_version,
            what="premise caution",
        )

    def delete_premise_caution(self, caution_id: str, *, expected_version: int) -> bool:
        c = t.premise_cautions.c
        result = self.conn.execute(
            t.premise_cautions.delete().where(c.id == caution_id, c.version == expected_version)
        )
        return bool(result.rowcount == 1)

    def list_premise_cautions(self, *, limit: int, after: str = "") -> list[PremiseCaution]:
        c = t.premise_cautions.c
        query = sa.select(c.data, c.version).where(c.id > after).order_by(c.id).limit(limit)
        return [self._caution(r.data, r.version) for r in self.conn.execute(query)]

    def premise_cautions_near(
        self, keys: Sequence[str], lon: float | None, lat: float | None, *, now: datetime
    ) -> list[PremiseCaution]:
        """Candidates for intake.history.premise_cautions: unexpired, by key or near."""
        by_point = lon is not None and lat is not None
        if not keys and not by_point:
            return []
        query = _premise_cautions_query(bool(keys), by_point)
        params = _bounds(keys, lon, lat, MAX_CAUTION_RADIUS_M) | {"now": now}
        return [self._caution(r.data, r.version) for r in self.conn.execute(query, params)]

    def premise_cautions_expiring(self, after: datetime, until: datetime) -> bool:
        """Whether a premise caution's end falls in (after, until]."""
        c = t.premise_cautions.c
        query = sa.select(c.id).where(c.expires > after, c.expires <= until).limit(1)
        return self.conn.execute(query).first() is not None

    # -- history --------------------------------------------------------------------------------

    def incidents_near(
        self,
        keys: Sequence[str],
        lon: float | None,
        lat: float | None,
        *,
        radius_m: float,
        before: datetime,
        limit: int,
    ) -> list[Incident]:
        """Candidates for intake.history.intake_history: by address key or near, newest first."""
        by_point = lon is not None and lat is not None
        if not keys and not by_point:
            return []
        query = _incidents_near_query(bool(keys), by_point)
        params = _bounds(keys, lon, lat, radius_m) | {"before": before, "limit": limit}
        return [
            replace(from_json(Incident, r.data), version=r.version)
            for r in self.conn.execute(query, params)
        ]
