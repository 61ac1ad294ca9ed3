"""Shift-end safety offers: an escort and a check-in timer for staff an active order protects."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from emscad.safety.cautions import protecting
from emscad.safety.orders import ProtectiveOrder

# A watch alert this recent makes the walk to the car the dangerous part of the day.
DEFAULT_RECENT_ALERT = timedelta(hours=12)
DEFAULT_TIMER = timedelta(minutes=5)


class EscortAdvice(StrEnum):
    OFFERED = "offered"
    STRONGLY_RECOMMENDED = "strongly_recommended"


@dataclass(frozen=True, slots=True)
class Offer:
    staff_user: str
    orders: tuple[str, ...]
    escort: EscortAdvice
    timer: timedelta  # the check-in timer to suggest
    message: str  # for the staff member's screen
    alerts: tuple[str, ...] = ()  # orders with a recent high watch alert
    degraded: tuple[str, ...] = ()  # orders whose monitoring is degraded


def offers_at_shift_end(
    staff_user: str,
    orders: Iterable[ProtectiveOrder],
    now: datetime,
    *,
    last_alerts: Mapping[str, datetime] | None = None,
    degraded: Collection[str] = (),
    recent: timedelta = DEFAULT_RECENT_ALERT,
    timer: timedelta = DEFAULT_TIMER,
) -> Offer | None:
    """What to offer a member of staff leaving work, or None if no active order protects them.

    `last_alerts` maps order ids to their last high watch alert (`WatchLog.last_high`),
    `degraded` holds the orders whose monitoring is down (`WatchLog.degraded`). Either makes
    the escort strongly recommended: the respondent was seen nearby, or nobody can tell.
    """
    found = protecting(staff_user, orders, now)
    if not found:
        return None
    ids = tuple(o.id for o in found)
    last = last_alerts or {}
    alerted = tuple(i for i in ids if i in last and now - last[i] <= recent)
    down = tuple(i for i in ids if i in degraded)
    minutes = max(1, round(timer.total_seconds() / 60))
    if alerted or down:
        why = (
            "a watch alert for your protective order was raised recently"
            if alerted
            else "monitoring of your protective order's respondent is not working"
        )
        message = (
            f"Please take an escort to your car: {why}. Start a {minutes}-minute check-in "
            "timer too."
        )
        advice = EscortAdvice.STRONGLY_RECOMMENDED
    else:
        message = (
            f"Would you like an escort to your car, or a {minutes}-minute check-in timer for "
            "the walk?"
        )
        advice = EscortAdvice.OFFERED
    return Offer(
        staff_user=staff_user,
        orders=ids,
        escort=advice,
        timer=timer,
        message=message,
        alerts=alerted,
        degraded=down,
    )
