"""Per-unit response times (NEMSIS eTimes) derived from the event log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from emscad.events import Recorded, iso_ms
from emscad.incidents.events import IncidentCreated
from emscad.units.events import UnitAssigned, UnitStatusChanged, UnitUnassigned
from emscad.units.models import UnitStatus

S = UnitStatus
# The status a unit enters -> the NEMSIS eTimes field it stamps.
_STAMPS = {
    S.EN_ROUTE: "en_route",
    S.ON_SCENE: "on_scene",
    S.AT_PATIENT: "at_patient",
    S.TRANSPORTING: "left_scene",
    S.AT_HOSPITAL: "at_destination",
    S.TRANSFERRED: "transfer_of_care",
}


@dataclass(frozen=True, slots=True)
class UnitResponse:
    """One unit's response to one incident (a unit sent twice has two responses)."""

    unit: str
    psap_call: datetime | None  # eTimes.01
    notified: datetime  # eTimes.03
    en_route: datetime | None = None  # eTimes.05
    on_scene: datetime | None = None  # eTimes.06
    at_patient: datetime | None = None  # eTimes.07
    left_scene: datetime | None = None  # eTimes.09
    at_destination: datetime | None = None  # eTimes.11
    transfer_of_care: datetime | None = None  # eTimes.12
    back_in_service: datetime | None = None  # eTimes.13
    cancelled: datetime | None = None  # eTimes.14
    destination: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit, "destination": self.destination}
        for name in (
            "psap_call",
            "notified",
            "en_route",
            "on_scene",
            "at_patient",
            "left_scene",
            "at_destination",
            "transfer_of_care",
            "back_in_service",
            "cancelled",
        ):
            value = getattr(self, name)
            out[name] = iso_ms(value) if value is not None else None
        return out


def unit_responses(events: Iterable[Recorded], incident_id: str) -> list[UnitResponse]:
    """Every unit response to the incident, in the order the units were notified."""
    received: datetime | None = None
    done: list[UnitResponse] = []
    open_: dict[str, UnitResponse] = {}
    for rec in events:
        e = rec.event
        if e.incident_id != incident_id:
            continue
        if isinstance(e, IncidentCreated):
            received = e.received_at
        elif isinstance(e, UnitAssigned):
            open_[e.unit] = UnitResponse(unit=e.unit, psap_call=received, notified=rec.at)
        elif isinstance(e, UnitUnassigned) and e.unit in open_:
            done.append(replace(open_.pop(e.unit), cancelled=rec.at, back_in_service=rec.at))
        elif isinstance(e, UnitStatusChanged) and e.unit in open_:
            response = open_[e.unit]
            stamp = _STAMPS.get(e.after)
            if stamp and getattr(response, stamp) is None:
                stamped: dict[str, Any] = {stamp: rec.at}
                response = replace(response, **stamped)
            if e.after is S.TRANSPORTING:
                response = replace(response, destination=e.destination)
            if not e.after.committed:
                done.append(replace(response, back_in_service=rec.at))
                del open_[e.unit]
            else:
                open_[e.unit] = response
    return sorted([*done, *open_.values()], key=lambda r: r.notified)
