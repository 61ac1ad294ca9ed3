"""Which events and incidents a principal may see.

- Event types beyond the route's own permission: a caller's texts need `texts`; protective
  orders `orders:read`; staff alarms and watch alerts `alarms`. An order event carries
  only the order's id on the stream: its content is read through the order's audited view.
  A watch alert says which stay-away zone the respondent was seen in and where (near a
  protected person's home, say): that is for the consoles, not for field crews, whose
  order access is the respondent's side only; they get the alert's incident.
- A silent SOS (the duress PIN) is hidden from the person who raised it, everywhere: its
  alarm events, its incident and that incident's events. Whoever is standing over them and
  looking at their screen must not learn that it went out. Units sent to it show on their
  board without the incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.events import Recorded
from emscad.units.models import Unit
from emscad.web.api.schemas import event_json, unit_json
from emscad.web.runtime import Runtime

EVENT_PERMISSIONS: dict[str, Permission] = {
    "text.": Permission.TEXTS,
    "order.": Permission.ORDERS_READ,
    "watch.": Permission.ALARMS,
    "sos.": Permission.ALARMS,
    "checkin.": Permission.ALARMS,
    "escort.": Permission.ALARMS,
    "safety.": Permission.ALARMS,
}
# Events after which the set of silent alarms may have changed: refresh it before deciding.
SILENCE_CHANGES = ("sos.raised", "sos.cleared", "safety.incident_linked")


@dataclass(frozen=True, slots=True)
class Hidden:
    alarms: frozenset[str] = frozenset()
    incidents: frozenset[str] = frozenset()


NOTHING_HIDDEN = Hidden()


def hidden_for(silent: Iterable[tuple[str, str, str | None]], user_id: str) -> Hidden:
    """From (alarm key, staff user, incident) of the open silent alarms: what this user
    must not see."""
    mine = [(key, incident) for key, user, incident in silent if user == user_id]
    return Hidden(
        alarms=frozenset(k for k, _ in mine),
        incidents=frozenset(i for _, i in mine if i is not None),
    )


def visible(rec: Recorded, who: Principal, hidden: Hidden = NOTHING_HIDDEN) -> bool:
    kind = rec.event.type
    for prefix, permission in EVENT_PERMISSIONS.items():
        if kind.startswith(prefix) and not who.can(permission):
            return False
    if rec.event.incident_id is not None and rec.event.incident_id in hidden.incidents:
        return False
    return rec.event.subject not in hidden.alarms


def event_out(rec: Recorded, *, patient: bool) -> dict[str, Any]:
    """An event as a client sees it: patient details and order content redacted."""
    out = event_json(rec, patient=patient)
    if rec.event.type.startswith("order."):
        out["data"] = {"order": out["data"].get("order")}
    return out


def unit_out(unit: Unit, hidden: Hidden = NOTHING_HIDDEN) -> dict[str, Any]:
    """A unit on the board; its incident left out when that incident is hidden from the
    reader (a unit sent to the reader's own silent SOS is just busy on their board)."""
    out = unit_json(unit)
    if unit.incident is not None and unit.incident in hidden.incidents:
        out["incident"] = None
    return out


async def hidden_now(rt: Runtime, who: Principal) -> Hidden:
    """What this principal must not see right now (one small query)."""
    silent = await run_in_threadpool(rt.safety.silent_alarms)
    return hidden_for(silent, who.user_id)
