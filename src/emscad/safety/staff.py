"""Confidential staff: what each role may see of a staff record.

A member of staff at risk (a protective order, a stalker, a threat) can be marked
confidential. Their home address, schedule and live location are then shown only to the
roles below. Every view returns an `AuditNeed` the caller must record.

| field          | not confidential                          | confidential                     |
| -------------- | ----------------------------------------- | -------------------------------- |
| name, station, | every signed-in role                      | every signed-in role             |
| work phone     |                                           |                                  |
| mobile phone   | call-taker, dispatcher, supervisor, admin | supervisor, admin; dispatcher    |
|                |                                           | during an active alarm           |
| home address   | supervisor, admin                         | supervisor, admin                |
| schedule       | every role except analyst                 | supervisor, admin                |
| live location  | dispatcher, supervisor, and only during an active SOS, check-in or escort    |
| confidential   | supervisor, admin                         | supervisor, admin                |

The staff member always sees their own record in full.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from emscad.accounts.permissions import Role
from emscad.safety.models import AuditNeed, Position
from emscad.serial import to_json

R = Role


@dataclass(frozen=True, slots=True)
class Shift:
    start: datetime
    end: datetime
    station: str | None = None


@dataclass(frozen=True, slots=True)
class StaffRecord:
    user: str  # the user id
    name: str
    station: str | None = None
    work_phone: str = ""
    mobile_phone: str = ""
    email: str = ""  # for alarm notifications
    home_address: str = ""
    schedule: tuple[Shift, ...] = ()
    confidential: bool = False

    @property
    def incident_phone(self) -> str:
        """The phone to put on an alarm's incident, which every incident reader sees.

        A confidential member's number stays off it: dispatchers answering the alarm read
        it from the staff record (see `view_staff` with a live context), and that is audited.
        """
        return "" if self.confidential else self.mobile_phone[:200]


class StaffField(StrEnum):
    NAME = "name"
    STATION = "station"
    WORK_PHONE = "work_phone"
    EMAIL = "email"
    MOBILE_PHONE = "mobile_phone"
    HOME_ADDRESS = "home_address"
    SCHEDULE = "schedule"
    LIVE_LOCATION = "live_location"
    CONFIDENTIAL = "confidential"


@dataclass(frozen=True, slots=True)
class LiveContext:
    """An active alarm that makes the staff member's live location visible: pass one only
    while an SOS, a check-in timer or an escort is open for them. An alarm with no position
    (an SOS texted or raised at sign-in) still opens the fields those answering it need,
    their mobile phone above all: finding the person is then all the harder."""

    position: Position | None
    alarm: str  # "sos:<id>", "checkin:<id>", "escort:<id>"


_EVERYONE = frozenset(Role)
_ADMINS = frozenset({R.SUPERVISOR, R.ADMIN})

# field -> (roles when not confidential, roles when confidential)
VISIBILITY: dict[StaffField, tuple[frozenset[Role], frozenset[Role]]] = {
    StaffField.NAME: (_EVERYONE, _EVERYONE),
    StaffField.STATION: (_EVERYONE, _EVERYONE),
    StaffField.WORK_PHONE: (_EVERYONE, _EVERYONE),
    StaffField.EMAIL: (frozenset({R.CALL_TAKER, R.DISPATCHER, *_ADMINS}), _ADMINS),
    StaffField.MOBILE_PHONE: (frozenset({R.CALL_TAKER, R.DISPATCHER, *_ADMINS}), _ADMINS),
    StaffField.HOME_ADDRESS: (_ADMINS, _ADMINS),
    StaffField.SCHEDULE: (_EVERYONE - {R.ANALYST}, _ADMINS),
    StaffField.CONFIDENTIAL: (_ADMINS, _ADMINS),
}
# Live location is shown only while an alarm is open, and only to those answering it.
LIVE_VIEWERS = frozenset({R.DISPATCHER, R.SUPERVISOR})
# During an open alarm a dispatcher may need to call a confidential staff member.
LIVE_EXTRA: dict[StaffField, frozenset[Role]] = {
    StaffField.MOBILE_PHONE: frozenset({R.DISPATCHER}),
    StaffField.EMAIL: frozenset({R.DISPATCHER}),
}


def visible_fields(
    record: StaffRecord,
    viewer_roles: Collection[Role],
    *,
    viewer_user: str = "",
    live: bool = False,
) -> frozenset[StaffField]:
    if viewer_user and viewer_user == record.user:
        return frozenset(StaffField) if live else frozenset(StaffField) - {StaffField.LIVE_LOCATION}
    roles = set(viewer_roles)
    shown = set()
    for name, (normal, confidential) in VISIBILITY.items():
        allowed = confidential if record.confidential else normal
        if live:
            allowed = allowed | LIVE_EXTRA.get(name, frozenset())
        if roles & allowed:
            shown.add(name)
    if live and roles & LIVE_VIEWERS:
        shown.add(StaffField.LIVE_LOCATION)
    return frozenset(shown)


@dataclass(frozen=True, slots=True)
class StaffView:
    data: dict[str, Any]
    audit: AuditNeed


def view_staff(
    record: StaffRecord,
    viewer_roles: Collection[Role],
    *,
    viewer_user: str,
    live: LiveContext | None = None,
) -> StaffView:
    """The record as this viewer may see it (JSON-ready), and the audit entry to write."""
    shown = visible_fields(record, viewer_roles, viewer_user=viewer_user, live=live is not None)
    values: dict[StaffField, Any] = {
        StaffField.NAME: record.name,
        StaffField.STATION: record.station,
        StaffField.WORK_PHONE: record.work_phone,
        StaffField.EMAIL: record.email,
        StaffField.MOBILE_PHONE: record.mobile_phone,
        StaffField.HOME_ADDRESS: record.home_address,
        StaffField.SCHEDULE: to_json(record.schedule),
        StaffField.CONFIDENTIAL: record.confidential,
    }
    if live is not None and live.position is not None:
        values[StaffField.LIVE_LOCATION] = {**to_json(live.position), "alarm": live.alarm}
    data: dict[str, Any] = {"user": record.user}
    data.update({f.value: v for f, v in values.items() if f in shown})
    withheld = tuple(f.value for f in StaffField if f in values and f not in shown)
    audit = AuditNeed(
        viewer=viewer_user,
        subject=f"staff:{record.user}",
        fields=tuple(f.value for f in StaffField if f in shown and f in values),
        withheld=withheld,
        reason="confidential staff record viewed" if record.confidential else "staff record viewed",
    )
    return StaffView(data=data, audit=audit)


def redact_staff(
    record: StaffRecord,
    viewer_roles: Collection[Role],
    *,
    viewer_user: str = "",
    live: LiveContext | None = None,
) -> dict[str, Any]:
    """`view_staff(...).data`: the caller must still audit the view (use `view_staff`)."""
    return view_staff(record, viewer_roles, viewer_user=viewer_user, live=live).data
