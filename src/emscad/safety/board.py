"""The whole safety state folded from the event log, and the clock's work on it (the ticker)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from emscad.events import DomainEvent, Recorded
from emscad.safety import checkins, escorts, sos
from emscad.safety.checkins import DEFAULT_GRACE, CheckIn
from emscad.safety.escalation import DEFAULT_ESCORT_LADDER, DEFAULT_LADDER, Ladder
from emscad.safety.escorts import Escort
from emscad.safety.events import (
    AlertIncidentLinked,
    OrderCreated,
    OrderUpdated,
    OrderVerified,
    OrderWithdrawn,
    ProtectionDegraded,
    ProtectionRestored,
    WatchAlerted,
)
from emscad.safety.orders import ProtectiveOrder
from emscad.safety.registry import apply_order
from emscad.safety.sos import Sos
from emscad.safety.staff import LiveContext
from emscad.safety.watch import WatchLog, apply_watch

_ORDER = (OrderCreated, OrderUpdated, OrderVerified, OrderWithdrawn)
_WATCH = (WatchAlerted, ProtectionDegraded, ProtectionRestored)


@dataclass(frozen=True, slots=True)
class SafetyBoard:
    orders: Mapping[str, ProtectiveOrder] = field(default_factory=dict)
    sos: Mapping[str, Sos] = field(default_factory=dict)
    checkins: Mapping[str, CheckIn] = field(default_factory=dict)
    escorts: Mapping[str, Escort] = field(default_factory=dict)
    watch: WatchLog = field(default_factory=WatchLog)


def _alarm_of(event: DomainEvent) -> tuple[str, str]:
    """("sos", id), ("checkin", id), ("escort", id), ("order", id) or ("", "")."""
    if isinstance(event, _ORDER):
        return "order", event.order
    if isinstance(event, AlertIncidentLinked):
        kind, _, ident = event.alarm.partition(":")
        return kind, ident
    for attr in ("sos", "checkin", "escort"):
        found = getattr(event, attr, None)
        if isinstance(found, str) and event.type.startswith(f"{attr}."):
            return attr, found
    return "", ""


def apply(board: SafetyBoard, recorded: Recorded) -> SafetyBoard:
    """Fold one event in; a new board shares everything the event did not touch."""
    event = recorded.event
    if isinstance(event, _WATCH):
        return replace(board, watch=apply_watch(board.watch, recorded))
    kind, ident = _alarm_of(event)
    if kind == "order":
        order = apply_order(board.orders.get(ident), recorded)
        return board if order is None else replace(board, orders={**board.orders, ident: order})
    if kind == "sos":
        s = sos.apply_sos(board.sos.get(ident), recorded)
        return board if s is None else replace(board, sos={**board.sos, ident: s})
    if kind == "checkin":
        c = checkins.apply_checkin(board.checkins.get(ident), recorded)
        return board if c is None else replace(board, checkins={**board.checkins, ident: c})
    if kind == "escort":
        e = escorts.apply_escort(board.escorts.get(ident), recorded)
        return board if e is None else replace(board, escorts={**board.escorts, ident: e})
    return board


def replay(events: Iterable[Recorded]) -> SafetyBoard:
    """The board from the start of the log (in place, so a long log stays linear)."""
    orders: dict[str, ProtectiveOrder] = {}
    soses: dict[str, Sos] = {}
    checks: dict[str, CheckIn] = {}
    walks: dict[str, Escort] = {}
    watch = WatchLog()
    for rec in events:
        event = rec.event
        if isinstance(event, _WATCH):
            watch = apply_watch(watch, rec)
            continue
        kind, ident = _alarm_of(event)
        if kind == "order" and (order := apply_order(orders.get(ident), rec)) is not None:
            orders[ident] = order
        elif kind == "sos" and (s := sos.apply_sos(soses.get(ident), rec)) is not None:
            soses[ident] = s
        elif (
            kind == "checkin" and (c := checkins.apply_checkin(checks.get(ident), rec)) is not None
        ):
            checks[ident] = c
        elif kind == "escort" and (e := escorts.apply_escort(walks.get(ident), rec)) is not None:
            walks[ident] = e
    return SafetyBoard(orders=orders, sos=soses, checkins=checks, escorts=walks, watch=watch)


def tick(
    board: SafetyBoard,
    now: datetime,
    *,
    sos_ladder: Ladder = DEFAULT_LADDER,
    checkin_ladder: Ladder = DEFAULT_LADDER,
    escort_ladder: Ladder = DEFAULT_ESCORT_LADDER,
    grace: timedelta = DEFAULT_GRACE,
) -> list[DomainEvent]:
    """Everything the clock has made due: escalations, missed check-ins. Run it every second
    or so; what it returns must be recorded (and the notifications it implies sent)."""
    due: list[DomainEvent] = []
    for s in board.sos.values():
        if s.escalating:
            due += sos.escalate_sos(s, now, sos_ladder)
    for c in board.checkins.values():
        if c.open:
            due += checkins.tick_checkin(c, now, grace=grace, ladder=checkin_ladder)
    for e in board.escorts.values():
        if e.open:
            due += escorts.escalate_escort(e, now, escort_ladder)
    return due


def open_sos_for(board: SafetyBoard, staff_user: str) -> Sos | None:
    """The staff member's open SOS: a second press should update it, not raise another."""
    found = [s for s in board.sos.values() if s.open and s.staff_user == staff_user]
    return max(found, key=lambda s: s.started_at, default=None)


def live_context(board: SafetyBoard, staff_user: str) -> LiveContext | None:
    """The position that an open alarm makes visible (see `staff.view_staff`), SOS first."""
    s = open_sos_for(board, staff_user)
    if s is not None and s.position is not None:
        return LiveContext(s.position, s.key)
    for c in board.checkins.values():
        if c.open and c.staff_user == staff_user and c.position is not None:
            return LiveContext(c.position, c.key)
    for e in board.escorts.values():
        if e.open and e.staff_user == staff_user and e.position is not None:
            return LiveContext(e.position, f"escort:{e.id}")
    return None
