"""SQL rows for the safety layer: orders, alarms, the watch log and staff records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from emscad.accounts.models import User
from emscad.dispatch.ports import Alarm
from emscad.errors import Conflict
from emscad.intake.phone import normalize_number
from emscad.notify.models import Notification
from emscad.safety.checkins import CheckIn
from emscad.safety.escorts import Escort
from emscad.safety.events import AlertIncidentLinked, ProtectionDegraded
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.sos import Sos
from emscad.safety.staff import StaffRecord
from emscad.safety.watch import WatchLog
from emscad.serial import from_json, to_json
from emscad.storage import notify_sql
from emscad.storage import safety_tables as st
from emscad.storage import tables as t
from emscad.storage.rows import data_of, dialect_insert, save_versioned

_KINDS: dict[str, type[Sos] | type[CheckIn] | type[Escort]] = {
    "sos": Sos,
    "checkin": CheckIn,
    "escort": Escort,
}


def alarm_key(alarm: Alarm) -> str:
    if isinstance(alarm, Escort):
        return f"escort:{alarm.id}"
    return alarm.key


def _started(alarm: Alarm) -> datetime:
    return alarm.requested_at if isinstance(alarm, Escort) else alarm.started_at


_ALL_ORDERS = sa.select(st.safety_orders.c.data, st.safety_orders.c.version).order_by(
    st.safety_orders.c.id
)
# Every call taken asks for the live orders (their cautions): built once.
_LIVE_ORDERS = _ALL_ORDERS.where(
    ~st.safety_orders.c.withdrawn,
    sa.or_(
        st.safety_orders.c.expires.is_(None),
        st.safety_orders.c.expires > sa.bindparam("live_at"),
    ),
)


class SafetyRows:
    """Mixed into SqlTransaction: the safety part of the storage ports."""

    conn: Connection
    dialect: str

    # -- protective orders -----------------------------------------------------------------------

    def find_order(self, order_id: str) -> ProtectiveOrder | None:
        c = st.safety_orders.c
        row = self.conn.execute(sa.select(c.data, c.version).where(c.id == order_id)).first()
        return None if row is None else _order(row.data, row.version)

    def save_order(self, order: ProtectiveOrder, *, expected_version: int) -> None:
        values = {
            "number": order.number,
            "withdrawn": order.withdrawn_at is not None,
            "expires": order.expires,
            "data": data_of(order),
            "version": order.version,
        }
        save_versioned(
            self.conn, st.safety_orders, order.id, values, expected_version, what="order"
        )

    def list_orders(self, *, live_at: datetime | None = None) -> list[ProtectiveOrder]:
        """Every order; with `live_at`, only those not withdrawn or expired by then (the
        domain's `is_active` still decides: an order may not be in force yet)."""
        if live_at is None:
            rows = self.conn.execute(_ALL_ORDERS)
        else:
            rows = self.conn.execute(_LIVE_ORDERS, {"live_at": live_at})
        return [_order(r.data, r.version) for r in rows]

    # -- alarms: SOS, check-ins, escorts --------------------------------------------------------

    def find_alarm(self, key: str) -> Alarm | None:
        c = st.safety_alarms.c
        row = self.conn.execute(sa.select(c.kind, c.data, c.version).where(c.key == key)).first()
        return None if row is None else _alarm(row.kind, row.data, row.version)

    def save_alarm(self, alarm: Alarm, *, expected_version: int) -> None:
        key = alarm_key(alarm)
        kind = key.partition(":")[0]
        values = {
            "kind": kind,
            "staff_user": alarm.staff_user,
            "open": alarm.open,
            "silent": bool(getattr(alarm, "silent", False)),
            "incident_id": getattr(alarm, "incident", None),
            "started_at": _started(alarm),
            "data": data_of(alarm),
            "version": alarm.version,
        }
        c = st.safety_alarms.c
        if expected_version == 0:
            self.conn.execute(st.safety_alarms.insert().values(key=key, **values))
            return
        result = self.conn.execute(
            st.safety_alarms.update()
            .where(c.key == key, c.version == expected_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"the alarm {key} was changed by someone else; reload and try again")

    def list_alarms(
        self,
        *,
        open_only: bool = True,
        staff_user: str | None = None,
        incident: str | None = None,
        limit: int = 500,
    ) -> list[Alarm]:
        c = st.safety_alarms.c
        query = sa.select(c.kind, c.data, c.version).order_by(c.started_at.desc()).limit(limit)
        if open_only:
            query = query.where(c.open)
        if staff_user is not None:
            query = query.where(c.staff_user == staff_user)
        if incident is not None:
            query = query.where(c.incident_id == incident)
        return [_alarm(r.kind, r.data, r.version) for r in self.conn.execute(query)]

    def silent_alarms(self) -> list[tuple[str, str, str | None]]:
        """(alarm key, staff user, incident) of every open silent SOS: hidden from that
        user's own screens."""
        c = st.safety_alarms.c
        rows = self.conn.execute(
            sa.select(c.key, c.staff_user, c.incident_id).where(c.open, c.silent)
        )
        return [(r.key, r.staff_user, r.incident_id) for r in rows]

    def alarm_subjects(self, incident_id: str) -> list[str]:
        """The alarms that raised this incident: its SOS, check-in or escort, and any watch
        alert (whose key lives only on the event log, in the event that linked them)."""
        c = st.safety_alarms.c
        e = t.events.c
        keys = [
            r.key for r in self.conn.execute(sa.select(c.key).where(c.incident_id == incident_id))
        ]
        linked = self.conn.execute(
            sa.select(e.subject).where(
                e.incident_id == incident_id, e.type == AlertIncidentLinked.type
            )
        )
        return list(dict.fromkeys([*keys, *(r.subject for r in linked if r.subject)]))

    # -- the watch log -------------------------------------------------------------------------

    def watch_log(self, *, keys: Iterable[str] = (), orders: Iterable[str] = ()) -> WatchLog:
        """The parts of the watch log these dedupe keys and orders need."""
        wanted = [f"alert:{k}" for k in keys] + [
            f"{kind}:{o}" for o in orders for kind in ("high", "degraded")
        ]
        if not wanted:
            return WatchLog()
        c = st.safety_watch.c
        rows = self.conn.execute(sa.select(c.key, c.at, c.data).where(c.key.in_(sorted(wanted))))
        last_alert: dict[str, datetime] = {}
        last_high: dict[str, datetime] = {}
        degraded: dict[str, ProtectionDegraded] = {}
        for r in rows:
            kind, _, rest = r.key.partition(":")
            if kind == "alert":
                last_alert[rest] = r.at
            elif kind == "high":
                last_high[rest] = r.at
            elif kind == "degraded" and r.data is not None:
                event = from_json(ProtectionDegraded, r.data)
                degraded[rest] = event
        return WatchLog(last_alert=last_alert, last_high=last_high, degraded=degraded)

    def degraded_orders(self) -> list[ProtectionDegraded]:
        c = st.safety_watch.c
        rows = self.conn.execute(sa.select(c.data).where(c.key.like("degraded:%")).order_by(c.key))
        return [from_json(ProtectionDegraded, r.data) for r in rows if r.data is not None]

    def save_watch(self, before: WatchLog, after: WatchLog) -> None:
        """Write what changed between two watch logs (upserts and deletions)."""
        rows: list[tuple[str, datetime, Any]] = []
        rows += [
            (f"alert:{k}", v, None)
            for k, v in after.last_alert.items()
            if before.last_alert.get(k) != v
        ]
        rows += [
            (f"high:{k}", v, None)
            for k, v in after.last_high.items()
            if before.last_high.get(k) != v
        ]
        rows += [
            (f"degraded:{k}", v.at, to_json(v))
            for k, v in after.degraded.items()
            if before.degraded.get(k) != v
        ]
        for key, at, data in rows:
            self._upsert_watch(key, at, data)
        gone = [f"degraded:{k}" for k in before.degraded if k not in after.degraded]
        if gone:
            self.conn.execute(st.safety_watch.delete().where(st.safety_watch.c.key.in_(gone)))

    def _upsert_watch(self, key: str, at: datetime, data: Any) -> None:
        insert: Any = dialect_insert(self.dialect)
        statement = insert(st.safety_watch).values(key=key, at=at, data=data)
        self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["key"], set_={"at": statement.excluded.at, "data": data}
            )
        )

    # -- staff records ---------------------------------------------------------------------------

    def find_staff(self, user_id: str) -> tuple[StaffRecord, int] | None:
        c = st.staff_records.c
        row = self.conn.execute(sa.select(c.data, c.version).where(c.user_id == user_id)).first()
        return None if row is None else (from_json(StaffRecord, row.data), row.version)

    def save_staff(self, record: StaffRecord, *, version: int, expected_version: int) -> None:
        c = st.staff_records.c
        values = {
            "confidential": record.confidential,
            # E.164, so a text from "+15015550142" finds a record typed "(501) 555-0142"
            "mobile_phone": normalize_number(record.mobile_phone),
            "data": to_json(record),
            "version": version,
        }
        if expected_version == 0:
            exists = self.conn.execute(sa.select(c.user_id).where(c.user_id == record.user)).first()
            if exists is not None:
                raise Conflict(f"user {record.user} already has a staff record")
            self.conn.execute(st.staff_records.insert().values(user_id=record.user, **values))
            return
        result = self.conn.execute(
            st.staff_records.update()
            .where(c.user_id == record.user, c.version == expected_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict("the staff record was changed by someone else; reload and try again")

    def list_staff(self) -> list[StaffRecord]:
        c = st.staff_records.c
        rows = self.conn.execute(sa.select(c.data).order_by(c.user_id))
        return [from_json(StaffRecord, r.data) for r in rows]

    def staff_by_phone(self, phone: str) -> list[StaffRecord]:
        number = normalize_number(phone)
        if not number:
            return []
        c = st.staff_records.c
        rows = self.conn.execute(sa.select(c.data).where(c.mobile_phone == number))
        return [from_json(StaffRecord, r.data) for r in rows]

    def duress_pin_hash(self, user_id: str) -> str:
        c = st.staff_records.c
        row = self.conn.execute(sa.select(c.duress_pin_hash).where(c.user_id == user_id)).first()
        return "" if row is None else str(row.duress_pin_hash)

    def set_duress_pin_hash(self, user_id: str, pin_hash: str) -> bool:
        c = st.staff_records.c
        result = self.conn.execute(
            st.staff_records.update().where(c.user_id == user_id).values(duress_pin_hash=pin_hash)
        )
        return bool(result.rowcount == 1)


class AlertRows:
    """Mixed into SqlTransaction: accounts as alert recipients, and the notification outbox."""

    conn: Connection

    def list_users(self) -> list[User]:
        rows = self.conn.execute(
            sa.select(t.users.c.data, t.users.c.version).order_by(t.users.c.id)
        )
        return [replace(from_json(User, r.data), version=r.version) for r in rows]

    def enqueue_notification(self, notification: Notification) -> bool:
        return notify_sql.enqueue(self.conn, notification)[1]

    def acknowledge_notifications(self, alarm: str, *, by: str, at: datetime) -> None:
        notify_sql.acknowledge_alarm(self.conn, alarm, by=by, at=at)

    def cancel_notifications(self, alarm: str, *, at: datetime, reason: str) -> None:
        notify_sql.cancel_alarm(self.conn, alarm, at=at, reason=reason)


def _order(data: dict[str, Any], version: int) -> ProtectiveOrder:
    order: ProtectiveOrder = from_json(ProtectiveOrder, data)
    return replace(order, version=version)


def _alarm(kind: str, data: dict[str, Any], version: int) -> Alarm:
    cls = _KINDS[kind]
    alarm: Alarm = from_json(cls, data)
    return replace(alarm, version=version)
