"""/api/incidents: take calls, update them, dispatch units, close; timeline and times."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.idempotency import Idempotency
from emscad.errors import InvalidInput, NotFound
from emscad.events import DomainEvent
from emscad.incidents.events import IncidentCreated, IncidentPersonsChanged, Triage
from emscad.incidents.lifecycle import triage_of
from emscad.incidents.models import Disposition, Incident, IncidentStatus
from emscad.incidents.timeline import timeline
from emscad.incidents.times import unit_responses
from emscad.intake import device, premises, threads
from emscad.safety import timeline as safety_timeline
from emscad.web.api.schemas import (
    QUEUE_STATUSES,
    AssignIn,
    CloseIn,
    DestinationIn,
    IncidentCreate,
    IncidentPatch,
    NoteIn,
    ReopenIn,
    incident_json,
    unit_json,
)
from emscad.web.deps import RuntimeDep, client_ip, require
from emscad.web.runtime import Runtime
from emscad.web.visibility import event_out, hidden_for, hidden_now, visible

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

Read = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Write = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Dispatch = Annotated[Principal, Depends(require(Permission.DISPATCH))]
Recommend = Annotated[Principal, Depends(require(Permission.RECOMMEND))]


async def audit_patient_read(
    rt: Runtime, who: Principal, request: Request, incidents: list[Incident]
) -> None:
    """Every read of patient details leaves a trace on the audit trail (HIPAA)."""
    shown = [i.id for i in incidents if i.persons]
    if not shown or not who.can(Permission.PATIENT_READ):
        return
    entry = AuditEntry(
        at=rt.clock.now(),
        actor=who.actor,
        action="read.patient",
        subject=f"incident:{shown[0]}" if len(shown) == 1 else "incidents",
        detail={"incidents": shown, "path": request.url.path},
        ip=client_ip(request),
    )
    await run_in_threadpool(rt.audit.record, entry)


def _shows_persons(event: DomainEvent) -> bool:
    return isinstance(event, IncidentPersonsChanged) or (
        isinstance(event, IncidentCreated) and bool(event.persons)
    )


def if_match_version(if_match: str | None) -> int | None:
    """The version an If-Match header names ("3" or "W/\"3\"" style)."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput('If-Match must be the incident\'s version number, e.g. "3"')
    return int(raw)


@router.post("", status_code=201, summary="Take a call: create an incident")
async def create_incident(
    body: IncidentCreate,
    rt: RuntimeDep,
    who: Write,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    complaint = rt.plan.complaint(body.chief_complaint) if body.chief_complaint else None
    priority = body.priority or (complaint.priority if complaint else 3)
    key = Idempotency.of(idempotency_key, body.model_dump(mode="json")) if idempotency_key else None
    incident, replayed = await run_in_threadpool(
        lambda: rt.dispatch.create_incident(
            who.actor,
            source=body.source,
            location=body.location.domain(),
            triage=Triage(
                chief_complaint=body.chief_complaint,
                priority=priority,
                determinant=body.determinant,
            ),
            caller=body.caller.domain(),
            persons=tuple(p.domain() for p in body.persons),
            cautions=tuple(c.domain() for c in body.cautions),
            received_at=body.received_at,
            idempotency=key,
        )
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/incidents/{incident.id}"
    response.headers["ETag"] = f'"{incident.version}"'
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


@router.get("", summary="The incident queue, by priority then age")
async def list_incidents(
    rt: RuntimeDep,
    who: Read,
    request: Request,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    statuses = tuple(status) if status else QUEUE_STATUSES
    found = await run_in_threadpool(rt.dispatch.incidents, statuses, limit=limit)
    hidden = await hidden_now(rt, who)
    found = [i for i in found if i.id not in hidden.incidents]
    patient = who.can(Permission.PATIENT_READ)
    await audit_patient_read(rt, who, request, found)
    return [incident_json(i, patient=patient) for i in found]


@router.get("/{incident_id}", summary="One incident")
async def get_incident(
    incident_id: str, rt: RuntimeDep, who: Read, response: Response, request: Request
) -> dict[str, Any]:
    await _not_hidden(rt, who, incident_id)
    incident = await run_in_threadpool(rt.dispatch.incident, incident_id)
    await audit_patient_read(rt, who, request, [incident])
    response.headers["ETag"] = f'"{incident.version}"'
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


async def _not_hidden(rt: Runtime, who: Principal, incident_id: str) -> None:
    """A silent SOS's incident does not exist for the person who raised it."""
    if incident_id in (await hidden_now(rt, who)).incidents:
        raise NotFound(f"no incident {incident_id!r}")


@router.patch("/{incident_id}", summary="Change location, triage, caller, persons or cautions")
async def update_incident(
    incident_id: str,
    body: IncidentPatch,
    rt: RuntimeDep,
    who: Write,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    expected = if_match_version(if_match)

    def run() -> Any:
        current = rt.dispatch.incident(incident_id)
        triage = None
        if any(v is not None for v in (body.chief_complaint, body.priority, body.determinant)):
            old = triage_of(current)
            triage = Triage(
                chief_complaint=(
                    old.chief_complaint if body.chief_complaint is None else body.chief_complaint
                ),
                priority=old.priority if body.priority is None else body.priority,
                determinant=old.determinant if body.determinant is None else body.determinant,
            )
        return rt.dispatch.update_incident(
            who.actor,
            incident_id,
            expected_version=expected if expected is not None else None,
            location=body.location.domain() if body.location else None,
            triage=triage,
            caller=body.caller.domain() if body.caller else None,
            persons=None if body.persons is None else tuple(p.domain() for p in body.persons),
            cautions=None if body.cautions is None else tuple(c.domain() for c in body.cautions),
        )

    incident = await run_in_threadpool(run)
    response.headers["ETag"] = f'"{incident.version}"'
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


@router.post("/{incident_id}/notes", status_code=201, summary="Add a note")
async def add_note(incident_id: str, body: NoteIn, rt: RuntimeDep, who: Write) -> dict[str, Any]:
    note = await run_in_threadpool(rt.dispatch.add_note, who.actor, incident_id, body.text)
    return {"id": note.id, "at": note.at.isoformat(), "author": note.author, "text": note.text}


@router.post("/{incident_id}/close", summary="Close with a disposition")
async def close_incident(
    incident_id: str, body: CloseIn, rt: RuntimeDep, who: Write
) -> dict[str, Any]:
    incident = await run_in_threadpool(
        rt.dispatch.close_incident,
        who.actor,
        incident_id,
        Disposition(code=body.disposition, text=body.text),
    )
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


@router.post("/{incident_id}/reopen", summary="Reopen a closed incident")
async def reopen_incident(
    incident_id: str, body: ReopenIn, rt: RuntimeDep, who: Write
) -> dict[str, Any]:
    incident = await run_in_threadpool(
        rt.dispatch.reopen_incident, who.actor, incident_id, body.reason
    )
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


@router.put("/{incident_id}/destination", summary="Set or clear the destination hospital")
async def set_destination(
    incident_id: str, body: DestinationIn, rt: RuntimeDep, who: Dispatch
) -> dict[str, Any]:
    incident = await run_in_threadpool(
        rt.dispatch.set_destination, who.actor, incident_id, body.hospital
    )
    return incident_json(incident, patient=who.can(Permission.PATIENT_READ))


@router.post("/{incident_id}/units", summary="Dispatch a unit (409 if someone was faster)")
async def assign_unit(
    incident_id: str, body: AssignIn, rt: RuntimeDep, who: Dispatch
) -> dict[str, Any]:
    incident, unit = await run_in_threadpool(
        lambda: rt.dispatch.assign(
            who.actor, incident_id, body.unit, unit_version=body.unit_version
        )
    )
    return {
        "incident": incident_json(incident, patient=who.can(Permission.PATIENT_READ)),
        "unit": unit_json(unit),
    }


@router.delete("/{incident_id}/units/{unit_id}", summary="Cancel a unit's assignment")
async def unassign_unit(
    incident_id: str,
    unit_id: str,
    rt: RuntimeDep,
    who: Dispatch,
    reason: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    incident, unit = await run_in_threadpool(
        lambda: rt.dispatch.unassign(who.actor, incident_id, unit_id, reason=reason)
    )
    return {
        "incident": incident_json(incident, patient=who.can(Permission.PATIENT_READ)),
        "unit": unit_json(unit),
    }


@router.get("/{incident_id}/timeline", summary="Every event on the incident, described")
async def get_timeline(
    incident_id: str, rt: RuntimeDep, who: Read, request: Request
) -> list[dict[str, Any]]:
    hidden = await hidden_now(rt, who)
    if incident_id in hidden.incidents:
        raise NotFound(f"no incident {incident_id!r}")
    events = [
        r
        for r in await run_in_threadpool(rt.dispatch.incident_events, incident_id)
        if visible(r, who, hidden)
    ]
    if any(_shows_persons(r.event) for r in events):
        incident = await run_in_threadpool(rt.dispatch.incident, incident_id)
        await audit_patient_read(rt, who, request, [incident])
    units = await run_in_threadpool(rt.dispatch.units, include_removed=True)
    hospitals = await run_in_threadpool(rt.dispatch.hospitals)
    users = await run_in_threadpool(rt.accounts.users)
    names = (
        {u.id: u.call_sign for u in units}
        | {h.id: h.name for h in hospitals}
        | {u.id: u.username for u in users}
    )

    def name(i: str | None) -> str:
        return names.get(i or "", i or "?")

    entries = timeline(
        events,
        name,
        extra=(
            threads.describe,
            device.describe,
            premises.describe,
            lambda e: safety_timeline.describe(e, name),
        ),
    )
    patient = who.can(Permission.PATIENT_READ)
    shown = {r.seq: event_out(r, patient=patient)["data"] for r in events}
    for entry in entries:
        entry["data"] = shown[entry["id"]]
    return entries


@router.get("/{incident_id}/times", summary="NEMSIS eTimes for every unit response")
async def get_times(incident_id: str, rt: RuntimeDep, who: Read) -> list[dict[str, Any]]:
    await _not_hidden(rt, who, incident_id)
    events = await run_in_threadpool(rt.dispatch.incident_events, incident_id)
    return [r.to_json() for r in unit_responses(events, incident_id)]


@router.get("/{incident_id}/recommendation", summary="Units to send and the hospital to use")
async def recommend(incident_id: str, rt: RuntimeDep, who: Recommend) -> JSONResponse:
    # One trip to a worker thread for the whole answer, and the JSON written as is (it is
    # plain already): the console asks again whenever the board moves.
    def run() -> dict[str, Any]:
        if incident_id in hidden_for(rt.safety.silent_alarms(), who.user_id).incidents:
            raise NotFound(f"no incident {incident_id!r}")
        incident, units, stations, hospitals = rt.dispatch.situation(incident_id)
        result = rt.recommender.recommend(
            incident, units=units, stations=stations, hospitals=hospitals, now=rt.clock.now()
        )
        return result.to_json()

    return JSONResponse(await run_in_threadpool(run))
