"""/api/incidents/{id}/device-locations: a caller's device fixes beside the incident.

A fix arrives as PIDF-LO (application/pidf+xml) or plain JSON. It never moves the incident
by itself: the console shows it with how far it is from the incident location and how the
device moved, and a dispatcher confirms it to make it the incident location.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.idempotency import Idempotency
from emscad.dispatch.intake import DeviceReport
from emscad.errors import InvalidInput
from emscad.intake.device import label
from emscad.intake.pidf.models import DeviceLocation
from emscad.intake.pidf.parse import MAX_PIDF_BYTES, parse_pidf
from emscad.intake.pidf.plain import device_location_from_json
from emscad.serial import to_json
from emscad.web.api.incidents import if_match_version
from emscad.web.api.schemas import incident_json
from emscad.web.bodies import UnsupportedMediaType, media_type, read_body
from emscad.web.deps import RuntimeDep, require

router = APIRouter(prefix="/api/incidents/{incident_id}/device-locations", tags=["intake"])

Read = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Write = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]

PIDF_TYPES = {"application/pidf+xml", "application/xml", "text/xml"}
JSON_EXAMPLE = {
    "lat": 34.7465,
    "lon": -92.2896,
    "uncertainty_m": 12,
    "confidence_pct": 95,
    "method": "GPS",
    "timestamp": "2026-07-06T22:20:00Z",
    "provider": "carrier",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["lat", "lon"],
                    "properties": {
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lon": {"type": "number", "minimum": -180, "maximum": 180},
                        "uncertainty_m": {"type": "number", "minimum": 0},
                        "confidence_pct": {"type": "number", "minimum": 0, "maximum": 100},
                        "method": {"type": "string", "maxLength": 50},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "provider": {"type": "string", "maxLength": 200},
                    },
                },
                "example": JSON_EXAMPLE,
            },
            "application/pidf+xml": {"schema": {"type": "string"}},
        },
    }
}


def report_json(report: DeviceReport) -> dict[str, Any]:
    view = report.view
    moved = view.movement
    return {
        "id": report.id,
        "caller": report.caller,
        "supplemental": view.supplemental,
        "label": label(view.device),
        "agreement": view.agreement.value,
        "distance_m": view.distance_m,
        "movement": to_json(moved) if moved is not None else None,
        "location": to_json(view.device),
    }


def _parse(raw: bytes, kind: str, *, received_at: Any, provider: str) -> DeviceLocation:
    if kind in PIDF_TYPES:
        return parse_pidf(raw, received_at=received_at, provider=provider)
    if kind == "application/json":
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput("the device location is not valid JSON") from None
        return device_location_from_json(data, received_at=received_at, provider=provider)
    raise UnsupportedMediaType("send application/pidf+xml or application/json")


@router.post(
    "",
    status_code=201,
    summary="Add a device location (PIDF-LO or JSON): supplemental until confirmed",
    openapi_extra=_BODY_DOC,
)
async def add_device_location(
    incident_id: str,
    request: Request,
    rt: RuntimeDep,
    who: Write,
    response: Response,
    caller: Annotated[str, Query(max_length=100, description="The device's number or id")] = "",
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    raw = await read_body(request, limit=MAX_PIDF_BYTES, what="device location")
    location = _parse(raw, media_type(request), received_at=rt.clock.now(), provider=who.actor)
    # The incident is part of the request: the same fix (and key) sent for another incident
    # is a different request, not a replay of a fix that incident does not have.
    body = {"incident": incident_id, "body": raw.decode("utf-8", "replace"), "c": caller}
    key = Idempotency.of(idempotency_key, body) if idempotency_key else None
    report, replayed = await run_in_threadpool(
        lambda: rt.intake.add_device_location(
            who.actor, incident_id, location, caller=caller, idempotency=key
        )
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return report_json(report)


@router.get("", summary="The incident's device locations, oldest first, with movement")
async def list_device_locations(
    incident_id: str, rt: RuntimeDep, who: Read
) -> list[dict[str, Any]]:
    reports = await run_in_threadpool(rt.intake.device_locations, incident_id)
    return [report_json(r) for r in reports]


@router.post(
    "/{location_id}/confirm",
    summary="Make the device's point the incident location (If-Match: the incident version)",
)
async def confirm_device_location(
    incident_id: str,
    location_id: Annotated[int, Path(ge=1, le=2**62)],
    rt: RuntimeDep,
    who: Write,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    expected = if_match_version(if_match)
    incident = await run_in_threadpool(
        lambda: rt.intake.confirm_device_location(
            who.actor, incident_id, location_id, expected_version=expected
        )
    )
    response.headers["ETag"] = f'"{incident.version}"'
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))
