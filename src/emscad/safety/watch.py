"""Watch feeds: what a plate read or a monitoring event means for the active orders (R7.4).

- A respondent's plate read inside a stay-away zone (or at one of the agency's sites, when
  the order protects staff), or a zone entry or proximity alert from his monitor: a
  high-priority alert, an incident request for a police response, and targets (the
  protected staff and on-duty supervisors) with his description and vehicles.
- His plate read anywhere else, or his monitor leaving a zone: a low, informational alert.
- Tamper, low battery, lost signal, device separation: the order's protection is
  *degraded*. That outcome is never dropped or deduplicated; it stays until a supervisor
  restores it after speaking to the monitoring vendor.
- Plates and devices on no active order: nothing.
Repeated reads of one plate by one camera alert once per deduplication window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from emscad.errors import Conflict, Forbidden
from emscad.events import DomainEvent, Recorded, to_ms
from emscad.incidents.models import Confidence, Location, Severity, Source
from emscad.safety.access import ALARM_ACKNOWLEDGERS, PROTECTION_RESTORERS
from emscad.safety.cautions import respondent_caution, respondent_person
from emscad.safety.events import (
    Feed,
    ProtectionDegraded,
    ProtectionRestored,
    WatchAcknowledged,
    WatchAlerted,
)
from emscad.safety.feeds import GpsEvent, GpsEventKind, PlateRead
from emscad.safety.models import (
    SUPERVISORS,
    Actor,
    IncidentRequest,
    Position,
    Target,
    aware,
    hms,
    no_location,
    required,
)
from emscad.safety.normalize import normalize_plate, normalize_state
from emscad.safety.orders import ProtectiveOrder, StayAwayZone, Vehicle, is_active
from emscad.safety.zones import ProtectedPlace, containing, zones_of
from emscad.serial import iso_ms

DEFAULT_DEDUPE_WINDOW = timedelta(minutes=5)


class OutcomeKind(StrEnum):
    NO_MATCH = "no_match"  # no active order knows this plate or device
    ALERT = "alert"  # high priority: an incident to create, people to alert
    INFO = "info"  # low: recorded and shown, nobody paged
    DEGRADED = "degraded"  # the monitor cannot vouch for the respondent: persist and show
    DUPLICATE = "duplicate"  # the same plate at the same camera alerted moments ago


@dataclass(frozen=True, slots=True)
class WatchAlert:
    order: str
    severity: Severity
    reason: str
    targets: tuple[Target, ...]
    respondent: str  # his description, for the alert screen
    vehicles: tuple[Vehicle, ...]
    photo_ref: str = ""


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    kind: OutcomeKind
    key: str  # the deduplication key
    reason: str
    orders: tuple[str, ...] = ()  # the orders this read or event concerns
    alerts: tuple[WatchAlert, ...] = ()
    incident: IncidentRequest | None = None  # one incident for all high alerts
    events: tuple[DomainEvent, ...] = ()  # to record, whatever the kind


# An alert's key names its alarm everywhere: the event log's subject, the idempotency key of
# its incident, its notifications. It must fit the narrowest of them (140 characters).
MAX_INCIDENT_KEY = 120


def incident_key(key: str, at: datetime) -> str:
    """The idempotency key of the incident one alert makes. A long one (a vendor's long
    camera, device or zone ids) keeps its start and a hash of the whole, so two long keys
    that differ only at the end never collide."""
    full = f"watch:{key}:{iso_ms(at)}"
    if len(full) <= MAX_INCIDENT_KEY:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:32]
    return f"{full[: MAX_INCIDENT_KEY - 33]}#{digest}"


def targets_for(order: ProtectiveOrder) -> tuple[Target, ...]:
    """The protected staff themselves, then the on-duty supervisors."""
    return (*(Target.user(u) for u in order.staff_users), SUPERVISORS)


def watch_key(item: PlateRead | GpsEvent) -> str:
    """The deduplication key of a read or event (what `recent` is keyed by in `assess`)."""
    return _key(item)


def _key(item: PlateRead | GpsEvent) -> str:
    if isinstance(item, PlateRead):
        return f"plate:{normalize_plate(item.plate)}:{item.camera}"
    return f"gps:{item.device}:{item.kind.value}:{item.zone}"


def _vehicle(read: PlateRead, order: ProtectiveOrder) -> Vehicle | None:
    plate, state = normalize_plate(read.plate), normalize_state(read.state)
    for v in order.respondent.vehicles:
        if normalize_plate(v.plate) == plate:
            theirs = normalize_state(v.state)
            if not state or not theirs or state == theirs:
                return v
    return None


def _where(zone: StayAwayZone) -> str:
    # Only the agency's own sites are named: a residence's label could identify the victim.
    return f" at {zone.label}" if zone.place else ""


def assess(
    item: PlateRead | GpsEvent,
    orders: Iterable[ProtectiveOrder],
    places: Sequence[ProtectedPlace],
    now: datetime,
    *,
    recent: Mapping[str, datetime] | None = None,
    window: timedelta = DEFAULT_DEDUPE_WINDOW,
) -> WatchOutcome:
    """What a read or monitoring event means. `recent` maps deduplication keys to the time
    they last alerted (see `WatchLog.last_alert`)."""
    item.check()
    at = to_ms(aware(now, "the time"))
    key = _key(item)
    live = [o for o in orders if is_active(o, now)]
    if isinstance(item, PlateRead):
        hits = [(o, v) for o in live if (v := _vehicle(item, o)) is not None]
        if not hits:
            return WatchOutcome(OutcomeKind.NO_MATCH, key, "no active order lists this plate")
        found = tuple(o.id for o, _ in hits)
        last = (recent or {}).get(key)
        if last is not None and now - last < window:
            reason = f"already alerted at {hms(last)} for this camera"
            return WatchOutcome(OutcomeKind.DUPLICATE, key, reason, orders=found)
        return _plate_outcome(item, hits, places, at, key)
    matched = [o for o in live if item.device in o.respondent.devices]
    if not matched:
        return WatchOutcome(OutcomeKind.NO_MATCH, key, "no active order lists this device")
    found = tuple(o.id for o in matched)
    if item.kind.degrades:
        return _degraded(item, matched, key)
    last = (recent or {}).get(key)
    if last is not None and now - last < window:
        reason = f"already alerted at {hms(last)} for this device and zone"
        return WatchOutcome(OutcomeKind.DUPLICATE, key, reason, orders=found)
    return _gps_outcome(item, matched, places, at, key)


def _alert(
    order: ProtectiveOrder, severity: Severity, reason: str
) -> tuple[WatchAlert, tuple[Target, ...]]:
    targets = targets_for(order)
    r = order.respondent
    alert = WatchAlert(
        order=order.id,
        severity=severity,
        reason=reason,
        targets=targets,
        respondent=r.describe(),
        vehicles=r.vehicles,
        photo_ref=r.photo_ref,
    )
    return alert, targets


def _plate_outcome(
    read: PlateRead,
    hits: list[tuple[ProtectiveOrder, Vehicle]],
    places: Sequence[ProtectedPlace],
    at: datetime,
    key: str,
) -> WatchOutcome:
    p = read.position
    alerts: list[WatchAlert] = []
    events: list[DomainEvent] = []
    high: list[ProtectiveOrder] = []
    zone_label = ""
    seen = f"{hms(read.at)}, confidence {read.confidence:.2f}"
    for order, vehicle in hits:
        inside = containing(zones_of(order, places), p.lon, p.lat)
        if inside is not None:
            severity = Severity.HIGH
            reason = (
                f"Respondent's vehicle {vehicle.describe()} read by camera {read.camera} "
                f"{inside.distance_m:.0f} m from stay-away zone {inside.zone.label!r} "
                f"({seen})"
            )
            high.append(order)
            zone_label = zone_label or _where(inside.zone)
        else:
            severity = Severity.LOW
            reason = (
                f"Respondent's vehicle {vehicle.describe()} read by camera {read.camera}, "
                f"outside every stay-away zone ({seen})"
            )
        alert, targets = _alert(order, severity, reason)
        alerts.append(alert)
        events.append(
            WatchAlerted(
                order=order.id,
                severity=severity,
                feed=Feed.PLATE,
                key=key,
                reason=reason,
                at=at,
                position=p,
                targets=targets,
                incident_key=incident_key(key, at) if inside else None,
            )
        )
    incident = None
    if high:
        vehicles = "; ".join(v.describe() for o, v in hits if o in high)
        incident = _incident(
            key,
            at,
            high,
            p.location(f"Plate reader {read.camera}{zone_label}", Confidence.COORDINATES),
            lead="Watch alert: the respondent's vehicle was read inside a stay-away zone.",
            what=f"Respondent's vehicle {vehicles} read at {seen}"
            + (f", image {read.image}" if read.image else ""),
        )
    kind = OutcomeKind.ALERT if high else OutcomeKind.INFO
    return WatchOutcome(
        kind,
        key,
        alerts[0].reason if len(alerts) == 1 else f"{len(alerts)} orders list this plate",
        orders=tuple(o.id for o, _ in hits),
        alerts=tuple(alerts),
        incident=incident,
        events=tuple(events),
    )


def _incident(
    key: str,
    at: datetime,
    orders: list[ProtectiveOrder],
    location: Location,
    *,
    lead: str,
    what: str,
) -> IncidentRequest:
    refs = ", ".join(o.id for o in orders)
    return IncidentRequest(
        key=incident_key(key, at),
        source=Source.WATCH,
        complaint="watch_alert",
        priority=1,
        location=location,
        persons=tuple(respondent_person(o) for o in orders),
        cautions=tuple(respondent_caution(o, lead) for o in orders),
        note=(
            f"Police response: {what}. Contact the protected person (details: order ref "
            f"{refs}). Verify with the court or NCIC before acting."
        ),
    )


_GPS_TEXT = {
    GpsEventKind.ZONE_ENTRY: "entered stay-away zone",
    GpsEventKind.PROXIMITY: "is near the protected person",
    GpsEventKind.ZONE_EXIT: "left stay-away zone",
}


def _gps_outcome(
    ev: GpsEvent,
    orders: list[ProtectiveOrder],
    places: Sequence[ProtectedPlace],
    at: datetime,
    key: str,
) -> WatchOutcome:
    high = ev.kind in (GpsEventKind.ZONE_ENTRY, GpsEventKind.PROXIMITY)
    severity = Severity.HIGH if high else Severity.LOW
    alerts: list[WatchAlert] = []
    events: list[DomainEvent] = []
    zone: StayAwayZone | None = None
    for order in orders:
        zone = zone or next((z for z in zones_of(order, places) if z.id == ev.zone), None)
        label = f" {zone.label!r}" if zone and ev.kind is not GpsEventKind.PROXIMITY else ""
        reason = f"Respondent's monitor {ev.device} {_GPS_TEXT[ev.kind]}{label} at {hms(ev.at)}"
        alert, targets = _alert(order, severity, reason)
        alerts.append(alert)
        events.append(
            WatchAlerted(
                order=order.id,
                severity=severity,
                feed=Feed.GPS,
                key=key,
                reason=reason,
                at=at,
                position=ev.position,
                targets=targets,
                incident_key=incident_key(key, at) if high else None,
            )
        )
    incident = None
    if high:
        where = _where(zone) if zone else ""
        if ev.position is not None:
            location = ev.position.location(f"Offender monitor {ev.device}{where}")
        elif zone is not None:
            position = Position(zone.lon, zone.lat, zone.radius_m)
            location = position.location(f"Stay-away zone{where} (monitor sent no position)")
        else:
            location = no_location(f"Offender monitor {ev.device}: no position, call the vendor")
        incident = _incident(
            key,
            at,
            orders,
            location,
            lead=f"Watch alert: the respondent's monitor reports {ev.kind.value}.",
            what=alerts[0].reason,
        )
    return WatchOutcome(
        OutcomeKind.ALERT if high else OutcomeKind.INFO,
        key,
        alerts[0].reason,
        orders=tuple(o.id for o in orders),
        alerts=tuple(alerts),
        incident=incident,
        events=tuple(events),
    )


def _degraded(ev: GpsEvent, orders: list[ProtectiveOrder], key: str) -> WatchOutcome:
    reason = (
        f"Protection degraded: monitor {ev.device} reports {ev.kind.value.replace('_', ' ')} "
        f"at {hms(ev.at)}; his whereabouts are not being watched"
    )
    alerts = tuple(_alert(o, Severity.MEDIUM, reason)[0] for o in orders)
    events = tuple(
        ProtectionDegraded(
            order=o.id, device=ev.device, cause=ev.kind, at=to_ms(ev.at), position=ev.position
        )
        for o in orders
    )
    return WatchOutcome(
        OutcomeKind.DEGRADED,
        key,
        reason,
        orders=tuple(o.id for o in orders),
        alerts=alerts,
        events=events,
    )


@dataclass(frozen=True, slots=True)
class WatchLog:
    """What the watch events add up to: deduplication times, recent alerts, degradations."""

    last_alert: Mapping[str, datetime] = field(default_factory=dict)  # dedupe key -> time
    last_high: Mapping[str, datetime] = field(default_factory=dict)  # order -> time
    degraded: Mapping[str, ProtectionDegraded] = field(default_factory=dict)  # order -> cause


def apply_watch(log: WatchLog, recorded: Recorded) -> WatchLog:
    event = recorded.event
    if isinstance(event, WatchAlerted):
        last_high = log.last_high
        if event.severity is Severity.HIGH:
            last_high = {**last_high, event.order: event.at}
        return WatchLog({**log.last_alert, event.key: event.at}, last_high, log.degraded)
    if isinstance(event, ProtectionDegraded):
        return WatchLog(log.last_alert, log.last_high, {**log.degraded, event.order: event})
    if isinstance(event, ProtectionRestored):
        rest = {k: v for k, v in log.degraded.items() if k != event.order}
        return WatchLog(log.last_alert, log.last_high, rest)
    return log


def restore_protection(
    log: WatchLog, order_id: str, actor: Actor, now: datetime, reason: str
) -> ProtectionRestored:
    """A supervisor confirms, with the vendor, that monitoring works again."""
    if order_id not in log.degraded:
        raise Conflict(f"order {order_id} has no degraded protection to restore")
    if not actor.human or not actor.has(*PROTECTION_RESTORERS):
        raise Forbidden("only a supervisor can restore a degraded protection")
    return ProtectionRestored(
        order=order_id,
        by=actor.user,
        at=to_ms(aware(now, "the time")),
        reason=required(reason, "the reason"),
    )


def acknowledge_alert(
    alert: WatchAlerted, story: Iterable[DomainEvent], actor: Actor, now: datetime
) -> list[DomainEvent]:
    """A person at a console has a high alert (`story`: its events so far): it stops
    sounding on every console. Once; a second acknowledgement records nothing."""
    if alert.incident_key is None:
        raise Conflict("a low watch alert raises no alarm: there is nothing to acknowledge")
    if not actor.human or not actor.has(*ALARM_ACKNOWLEDGERS):
        raise Forbidden("only a call-taker, dispatcher or supervisor can acknowledge an alert")
    if any(isinstance(e, WatchAcknowledged) for e in story):
        return []
    at = to_ms(aware(now, "the acknowledgement time"))
    return [WatchAcknowledged(alarm=alert.incident_key, by=actor.user, at=at)]
