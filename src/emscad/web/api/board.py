"""/api/board: the console's starting state in one consistent read, with its event number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.web.api.incidents import audit_patient_read
from emscad.web.api.schemas import (
    QUEUE_STATUSES,
    hospital_json,
    incident_json,
    station_json,
)
from emscad.web.deps import RuntimeDep, require
from emscad.web.visibility import hidden_now, unit_out

router = APIRouter(tags=["console"])

Read = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]


@router.get(
    "/api/board",
    summary="Open incidents, units, stations and hospitals, and the last event they include",
)
async def board(rt: RuntimeDep, who: Read, request: Request) -> dict[str, Any]:
    """Load this, then open `/api/stream?after={last_event}`: nothing is missed or repeated."""
    last, incidents, units, stations, hospitals = await run_in_threadpool(
        rt.dispatch.board, QUEUE_STATUSES
    )
    hidden = await hidden_now(rt, who)
    incidents = [i for i in incidents if i.id not in hidden.incidents]
    patient = who.can(Permission.PATIENT_READ)
    await audit_patient_read(rt, who, request, incidents)
    return {
        "last_event": last,
        "incidents": [incident_json(i, patient=patient) for i in incidents],
        "units": [unit_out(u, hidden) for u in units],
        "stations": [station_json(s) for s in stations],
        "hospitals": [hospital_json(h) for h in hospitals],
    }
