"""/api/intake/history and /api/premise-cautions: what is known about a place and a caller."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import InvalidInput
from emscad.incidents.models import Confidence, Incident, Location, Severity
from emscad.intake.history import IntakeHistory, PremiseCaution
from emscad.serial import iso_ms
from emscad.web.api.incidents import if_match_version
from emscad.web.api.schemas import Body, incident_caution_json
from emscad.web.deps import RuntimeDep, require
from emscad.web.visibility import hidden_now

router = APIRouter(tags=["intake"])

Read = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Admin = Annotated[Principal, Depends(require(Permission.PREMISES_ADMIN))]


class PremiseCautionIn(Body):
    kind: str = Field(min_length=1, max_length=200, description='e.g. "dog", "violent history"')
    text: str = Field(min_length=1, max_length=4000)
    address: str = Field(default="", max_length=200, description="Matched on its normalised text")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    radius_m: float = Field(default=30.0, gt=0, le=1000, description="Around lon/lat")
    severity: Severity = Severity.MEDIUM
    expires: AwareDatetime | None = None

    def domain(self, caution_id: str) -> PremiseCaution:
        return PremiseCaution(
            id=caution_id,
            kind=self.kind,
            text=self.text,
            address=self.address,
            lon=self.lon,
            lat=self.lat,
            radius_m=self.radius_m,
            severity=self.severity,
            expires=self.expires,
        )


def caution_json(c: PremiseCaution) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind,
        "text": c.text,
        "address": c.address,
        "lon": c.lon,
        "lat": c.lat,
        "radius_m": c.radius_m,
        "severity": c.severity.value,
        "expires": iso_ms(c.expires) if c.expires else None,
        "version": c.version,
    }


def _past(i: Incident) -> dict[str, Any]:
    """An earlier incident as history shows it: what, when, where, how it ended. No
    patient details: the call-taker needs the pattern, not the people."""
    return {
        "id": i.id,
        "number": i.number,
        "received_at": iso_ms(i.received_at),
        "status": i.status.value,
        "chief_complaint": i.chief_complaint,
        "priority": i.priority,
        "location": i.location.text or i.location.label,
        "caller_phone": i.caller.phone,
        "disposition": i.disposition.code if i.disposition else None,
    }


def history_json(h: IntakeHistory) -> dict[str, Any]:
    return {
        "at_address": [_past(i) for i in h.at_address],
        "at_address_count": h.at_address_count,
        "from_number": [_past(i) for i in h.from_number],
        "from_number_count": h.from_number_count,
        "cautions": [caution_json(c) for c in h.cautions],
    }


@router.get("/api/intake/history", summary="Earlier incidents at the address and from the number")
async def intake_history(
    rt: RuntimeDep,
    who: Read,
    address: Annotated[str, Query(max_length=200)] = "",
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    phone: Annotated[str, Query(max_length=100)] = "",
    exclude: Annotated[str | None, Query(max_length=40, description="The call being taken")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat, or neither")
    if not address.strip() and lon is None and not phone.strip():
        raise InvalidInput("give an address, a point (lon and lat) or a phone number")
    confidence = Confidence.COORDINATES if lon is not None else Confidence.UNVERIFIED
    location = Location(text=address, lon=lon, lat=lat, confidence=confidence)
    found = await run_in_threadpool(
        lambda: rt.intake.history(location=location, phone=phone, exclude=exclude, limit=limit)
    )
    cautions = await run_in_threadpool(lambda: rt.intake.cautions(location=location, phone=phone))
    return {
        **history_json(without(found, (await hidden_now(rt, who)).incidents)),
        # What the incident will carry: premise cautions, and protective orders the place
        # or the number touches (the order only by reference, as on the incident).
        "incident_cautions": [incident_caution_json(c) for c in cautions],
    }


def without(h: IntakeHistory, hidden: frozenset[str]) -> IntakeHistory:
    """History with the reader's own silent SOS left out, counts included."""
    if not hidden:
        return h
    at = [i for i in h.at_address if i.id not in hidden]
    by = [i for i in h.from_number if i.id not in hidden]
    return replace(
        h,
        at_address=tuple(at),
        at_address_count=h.at_address_count - (len(h.at_address) - len(at)),
        from_number=tuple(by),
        from_number_count=h.from_number_count - (len(h.from_number) - len(by)),
    )


@router.get("/api/premise-cautions", summary="Premise cautions, by id")
async def list_premise_cautions(
    rt: RuntimeDep,
    who: Admin,
    after: Annotated[str, Query(max_length=40)] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    found = await run_in_threadpool(lambda: rt.intake.premise_cautions(after=after, limit=limit))
    return [caution_json(c) for c in found]


@router.get("/api/premise-cautions/{caution_id}", summary="One premise caution")
async def get_premise_caution(
    caution_id: str, rt: RuntimeDep, who: Admin, response: Response
) -> dict[str, Any]:
    found = await run_in_threadpool(rt.intake.premise_caution, caution_id)
    response.headers["ETag"] = f'"{found.version}"'
    return caution_json(found)


@router.put(
    "/api/premise-cautions/{caution_id}",
    summary="Create (no If-Match) or change (If-Match: its version) a premise caution",
)
async def put_premise_caution(
    caution_id: str,
    body: PremiseCautionIn,
    rt: RuntimeDep,
    who: Admin,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    expected = if_match_version(if_match) or 0
    saved = await run_in_threadpool(
        lambda: rt.intake.save_premise_caution(
            who.actor, body.domain(caution_id), expected_version=expected
        )
    )
    response.headers["ETag"] = f'"{saved.version}"'
    return caution_json(saved)


@router.delete(
    "/api/premise-cautions/{caution_id}",
    status_code=204,
    summary="Remove a premise caution (If-Match: version)",
)
async def delete_premise_caution(
    caution_id: str,
    rt: RuntimeDep,
    who: Admin,
    if_match: Annotated[str, Header(max_length=40)],
) -> Response:
    expected = if_match_version(if_match)
    assert expected is not None
    await run_in_threadpool(
        lambda: rt.intake.remove_premise_caution(who.actor, caution_id, expected_version=expected)
    )
    return Response(status_code=204)
