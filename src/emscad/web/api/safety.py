"""/api/safety: a member of staff's own SOS, check-in timers and escorts; the consoles' alarms;
and the watch feeds (plate readers, offender monitoring, panic buttons)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.ports import Alarm
from emscad.dispatch.safety.alarms import SosAnswer
from emscad.dispatch.safety.base import Who
from emscad.dispatch.safety.watch import WatchResult
from emscad.errors import NotFound
from emscad.events import Recorded
from emscad.safety.checkins import CheckIn
from emscad.safety.escorts import Escort
from emscad.safety.events import SosSource, WatchAcknowledged, WatchAlerted
from emscad.safety.offers import Offer
from emscad.safety.sos import Reply, Sos
from emscad.serial import iso_ms, to_json
from emscad.web.api.orders import audit_views, order_json, usernames, who_of
from emscad.web.api.safety_schemas import (
    ButtonIn,
    CheckInIn,
    EscortIn,
    ExtendIn,
    MonitoringIn,
    OptionalReasonIn,
    PinIn,
    PlateReadIn,
    SafeIn,
    SosIn,
    position_of,
)
from emscad.web.api.schemas import incident_json
from emscad.web.deps import RuntimeDep, require
from emscad.web.runtime import Runtime

router = APIRouter(tags=["safety"])

Self = Annotated[Principal, Depends(require(Permission.SELF))]
Alarms = Annotated[Principal, Depends(require(Permission.ALARMS))]
Feeds = Annotated[Principal, Depends(require(Permission.FEEDS))]

AlarmKey = Annotated[
    str,
    Path(
        pattern=r"^(sos|checkin|escort|watch):[A-Za-z0-9_.-]{1,40}$",
        description="e.g. sos:ID; a watch alert is watch:<the number of its watch.alert event>",
    ),
]


def alarm_json(alarm: Alarm) -> dict[str, Any]:
    data = to_json(alarm)
    assert isinstance(data, dict)
    if isinstance(alarm, Sos):
        data.update(key=alarm.key, kind="sos", phase=alarm.phase.value)
    elif isinstance(alarm, CheckIn):
        data.update(key=alarm.key, kind="checkin", phase=alarm.phase.value)
    else:
        data.update(key=f"escort:{alarm.id}", kind="escort", phase=alarm.phase.value)
    data["open"] = alarm.open
    return data


def watch_alarm_json(rec: Recorded, acknowledged: Recorded | None = None) -> dict[str, Any]:
    """A high watch alert as an alarm: `key` acknowledges it, `alarm` (its incident key) is
    what its events name."""
    alert = rec.event
    assert isinstance(alert, WatchAlerted)
    ack = acknowledged.event if acknowledged is not None else None
    assert ack is None or isinstance(ack, WatchAcknowledged)
    return {
        "key": f"watch:{rec.seq}",
        "kind": "watch",
        "alarm": alert.incident_key,
        "phase": "active" if ack is None else "acknowledged",
        "open": ack is None,
        "order": alert.order,
        "severity": alert.severity.value,
        "feed": alert.feed.value,
        "reason": alert.reason,
        "started_at": iso_ms(alert.at),
        "position": to_json(alert.position),
        "acknowledged_by": ack.by if ack is not None else None,
        "acknowledged_at": iso_ms(ack.at) if ack is not None else None,
    }


def offer_json(offer: Offer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {
        "escort": offer.escort.value,
        "timer_minutes": round(offer.timer.total_seconds() / 60),
        "message": offer.message,
        "recent_alerts": len(offer.alerts),
        "degraded": len(offer.degraded),
    }


def _sos_reply(answer: SosAnswer) -> dict[str, Any]:
    """What the staff member's screen is told. A silent SOS answers exactly like an
    ordinary request that did nothing, so a screen being watched shows nothing."""
    if answer.reply is Reply.AS_IF_NOTHING_HAPPENED:
        return {"ok": True}
    return {
        "ok": True,
        "sos": answer.sos.key,
        "message": answer.message,
        "incident": answer.incident.number if answer.incident is not None else None,
    }


# -- a member of staff's own safety ---------------------------------------------------------------


@router.post("/api/safety/sos", summary="SOS: one tap, with the device's location if it has one")
async def raise_sos(body: SosIn, rt: RuntimeDep, who: Self) -> dict[str, Any]:
    answer = await run_in_threadpool(
        lambda: rt.safety.raise_sos(
            who_of(who), staff_user=who.user_id, source=SosSource.APP, position=position_of(body)
        )
    )
    return _sos_reply(answer)


@router.post("/api/safety/sos/location", summary="The SOS raiser's device reports where it is now")
async def sos_location(body: SosIn, rt: RuntimeDep, who: Self) -> dict[str, Any]:
    position = position_of(body)
    if position is None:
        return {"ok": True}
    answer = await run_in_threadpool(lambda: rt.safety.move_own_sos(who_of(who), position))
    return {"ok": True} if answer is None else _sos_reply(answer)


@router.get("/api/safety/me", summary="Your open timers, escorts and SOS, and any shift-end offer")
async def me(rt: RuntimeDep, who: Self, request: Request) -> dict[str, Any]:
    mine = await run_in_threadpool(rt.safety.my_alarms, who_of(who))
    offer = await run_in_threadpool(rt.safety.shift_end_offer, who_of(who))
    orders = [
        o
        for o in await run_in_threadpool(lambda: rt.safety.orders(active_only=True))
        if who.user_id in o.staff_users
    ]
    names = await usernames(rt)
    shown = [order_json(o, who, names, now=rt.clock.now()) for o in orders]
    await audit_views(rt, who, request, [need for _, need in shown])
    return {
        "alarms": [alarm_json(a) for a in mine],
        "shift_end": offer_json(offer),
        "orders": [data for data, _ in shown],
    }


@router.get("/api/safety/me/shift-end", summary="Checking out: an escort or a check-in timer?")
async def shift_end(rt: RuntimeDep, who: Self) -> dict[str, Any]:
    offer = await run_in_threadpool(rt.safety.shift_end_offer, who_of(who))
    return {"offer": offer_json(offer)}


@router.put("/api/safety/me/duress-pin", status_code=204, summary="Set your duress PIN")
async def set_duress_pin(body: PinIn, rt: RuntimeDep, who: Self) -> None:
    await run_in_threadpool(lambda: rt.safety.set_duress_pin(who_of(who), body.pin))


@router.post("/api/safety/checkins", status_code=201, summary="Start a check-in timer")
async def start_checkin(body: CheckInIn, rt: RuntimeDep, who: Self) -> dict[str, Any]:
    c = await run_in_threadpool(
        lambda: rt.safety.start_checkin(
            who_of(who), duration=body.duration, note=body.note, position=position_of(body)
        )
    )
    return alarm_json(c)


CheckInId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


@router.post("/api/safety/checkins/{checkin_id}/extend", summary="More time on your timer")
async def extend_checkin(
    checkin_id: CheckInId, body: ExtendIn, rt: RuntimeDep, who: Self
) -> dict[str, Any]:
    c = await run_in_threadpool(
        lambda: rt.safety.extend_checkin(who_of(who), checkin_id, timedelta(minutes=body.minutes))
    )
    return alarm_json(c)


@router.post("/api/safety/checkins/{checkin_id}/safe", summary="I am safe: end the timer")
async def check_in_safe(
    checkin_id: CheckInId, body: SafeIn, rt: RuntimeDep, who: Self
) -> dict[str, Any]:
    duress = bool(body.pin) and await run_in_threadpool(
        rt.safety.is_duress_pin, who.user_id, body.pin
    )
    c = await run_in_threadpool(
        lambda: rt.safety.check_in_safe(
            who_of(who), checkin_id, position=position_of(body), duress=duress
        )
    )
    return alarm_json(c)


@router.post("/api/safety/checkins/{checkin_id}/cancel", summary="Cancel your running timer")
async def cancel_checkin(checkin_id: CheckInId, rt: RuntimeDep, who: Self) -> dict[str, Any]:
    c = await run_in_threadpool(lambda: rt.safety.cancel_checkin(who_of(who), checkin_id))
    return alarm_json(c)


@router.post("/api/safety/escorts", status_code=201, summary="Ask for an escort to your car")
async def request_escort(body: EscortIn, rt: RuntimeDep, who: Self) -> dict[str, Any]:
    e: Escort = await run_in_threadpool(
        lambda: rt.safety.request_escort(
            who_of(who), place=body.place, note=body.note, position=position_of(body)
        )
    )
    return alarm_json(e)


# -- the consoles' alarms ---------------------------------------------------------------------


def _hide_silent(who: Principal, alarms: list[Alarm]) -> list[Alarm]:
    """A silent SOS does not exist for the person who raised it."""
    return [
        a for a in alarms if not (isinstance(a, Sos) and a.silent and a.staff_user == who.user_id)
    ]


@router.get("/api/safety/alarms", summary="Open staff SOS, welfare alerts and escort requests")
async def list_alarms(
    rt: RuntimeDep,
    who: Alarms,
    open_only: Annotated[bool, Query(alias="open")] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    found = await run_in_threadpool(lambda: rt.safety.alarms(open_only=open_only, limit=limit))
    names = await usernames(rt)
    alarms = [
        {**alarm_json(a), "staff_username": names.get(a.staff_user)}
        for a in _hide_silent(who, found)
    ]
    return alarms + await _watch_alarms(rt, limit)


async def _watch_alarms(rt: Runtime, limit: int) -> list[dict[str, Any]]:
    """Unacknowledged high watch alerts, newest first, one per alarm: a read that hit two
    orders made two alerts with one incident, and the alarm is keyed by the first."""
    alerts = await run_in_threadpool(lambda: rt.safety.watch_alerts(limit=limit))
    first: dict[str | None, dict[str, Any]] = {}
    for rec in reversed(alerts):  # oldest first
        alarm = watch_alarm_json(rec)
        first.setdefault(alarm["alarm"], alarm)
    return list(reversed(first.values()))


async def _visible_alarm(rt: Runtime, who: Principal, key: str) -> None:
    alarm = await run_in_threadpool(rt.safety.alarm, key)
    if isinstance(alarm, Sos) and alarm.silent and alarm.staff_user == who.user_id:
        raise NotFound(f"no alarm {key!r}")


@router.post(
    "/api/safety/alarms/{key}/ack",
    summary="I have it: stops the alarm's escalation (accepts an escort request)",
)
async def acknowledge(key: AlarmKey, rt: RuntimeDep, who: Alarms) -> dict[str, Any]:
    kind, _, ident = key.partition(":")
    if kind == "watch":
        if not ident.isdigit() or len(ident) > 18:  # an event number fits in 64 bits
            raise NotFound(f"no watch alert {key!r}")
        seq = int(ident)
        alert, ack = await run_in_threadpool(lambda: rt.safety.acknowledge_watch(who_of(who), seq))
        return watch_alarm_json(alert, ack)
    await _visible_alarm(rt, who, key)
    alarm = await run_in_threadpool(lambda: rt.safety.acknowledge(who_of(who), key))
    return alarm_json(alarm)


@router.post(
    "/api/safety/alarms/{key}/clear",
    summary="End an alarm with a reason (a supervisor, or whoever acknowledged it)",
)
async def clear(
    key: AlarmKey, body: OptionalReasonIn, rt: RuntimeDep, who: Alarms
) -> dict[str, Any]:
    await _visible_alarm(rt, who, key)
    alarm = await run_in_threadpool(lambda: rt.safety.clear(who_of(who), key, body.reason))
    return alarm_json(alarm)


# -- watch feeds and panic buttons (machine tokens) ------------------------------------------------


def _watch_json(result: WatchResult, who: Principal) -> dict[str, Any]:
    o = result.outcome
    incident = result.incident
    return {
        "outcome": o.kind.value,
        "reason": o.reason,
        "orders": list(o.orders),
        "incident": incident_json(incident, patient=who.can(Permission.PATIENT_READ))
        if incident is not None
        else None,
    }


@router.post("/api/watch/plate-reads", summary="A plate reader's read (ALPR)")
async def plate_read(body: PlateReadIn, rt: RuntimeDep, who: Feeds) -> dict[str, Any]:
    result = await run_in_threadpool(lambda: rt.safety.plate_read(feed_who(who), body.domain()))
    return _watch_json(result, who)


@router.post(
    "/api/watch/monitoring",
    summary="An offender-monitoring event: zone_entry, proximity, tamper, battery_low...",
)
async def monitoring(body: MonitoringIn, rt: RuntimeDep, who: Feeds) -> dict[str, Any]:
    result = await run_in_threadpool(lambda: rt.safety.gps_event(feed_who(who), body.domain()))
    return _watch_json(result, who)


@router.post("/api/safety/button", summary="A hardware panic button pressed by a member of staff")
async def button(body: ButtonIn, rt: RuntimeDep, who: Feeds) -> dict[str, Any]:
    user = await run_in_threadpool(rt.accounts.user, body.username)
    answer = await run_in_threadpool(
        lambda: rt.safety.raise_sos(
            feed_who(who),
            staff_user=user.id,
            source=SosSource.BUTTON,
            position=position_of(body),
            silent=body.silent,
        )
    )
    return {"ok": True, "sos": answer.sos.key}


def feed_who(who: Principal) -> Who:
    return Who(name=who.actor, user=who.user_id, roles=who.roles, human=False)
