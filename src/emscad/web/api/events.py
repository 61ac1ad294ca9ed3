"""/api/events and /api/stream: the event log, as pages and as a live stream (SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import EmscadError, InvalidInput
from emscad.web.deps import SESSION_COOKIE, RuntimeDep, require
from emscad.web.runtime import Runtime
from emscad.web.visibility import SILENCE_CHANGES, event_out, hidden_now, visible

router = APIRouter(tags=["events"])

Read = Annotated[Principal, Depends(require(Permission.EVENTS_READ))]
RETRY_MS = 1000  # tell browsers to reconnect after a second


@router.get("/api/events", summary="Events after a sequence number, oldest first")
async def list_events(
    rt: RuntimeDep,
    who: Read,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    events = await run_in_threadpool(rt.dispatch.events_after, after, limit=limit)
    patient = who.can(Permission.PATIENT_READ)
    hidden = await hidden_now(rt, who)
    return [event_out(r, patient=patient) for r in events if visible(r, who, hidden)]


def _still_valid(rt: Runtime, request: Request) -> bool:
    """Whether the credential that opened the stream would still be accepted now."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() == "bearer" and credential:
            rt.accounts.authenticate_token(credential)
        else:
            rt.auth.authenticate(request.cookies.get(SESSION_COOKIE, ""), activity=False)
    except EmscadError:
        return False
    return True


def _resume_point(last_event_id: str | None, after: int | None) -> int:
    if last_event_id is not None:
        if not last_event_id.isdigit() or len(last_event_id) > 18:
            raise InvalidInput("Last-Event-ID must be an event number")
        return int(last_event_id)
    return after if after is not None else -1


@router.get(
    "/api/stream",
    response_class=EventSourceResponse,
    summary="Live events (SSE); reconnect with Last-Event-ID to get exactly what you missed",
)
async def stream(
    request: Request,
    rt: RuntimeDep,
    who: Read,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Events in order with their number as the SSE id. A new client (no Last-Event-ID, no
    `after`) starts from now: it loads current state from the API first."""
    start = _resume_point(last_event_id, after)
    if start < 0:
        start = rt.hub.last_seq
    patient = who.can(Permission.PATIENT_READ)
    hidden = await hidden_now(rt, who)
    yield ServerSentEvent(comment="connected", retry=RETRY_MS)

    credential_valid = rt.revocations.watch(who.user_id, lambda: _still_valid(rt, request))

    def alive() -> bool:
        # Ends the stream at shutdown, and the moment the caller's access is revoked.
        return not request.app.state.shutting_down and credential_valid()

    async for rec in rt.hub.stream(start, alive=alive):
        if await request.is_disconnected():
            break
        if rec.event.type in SILENCE_CHANGES:
            hidden = await hidden_now(rt, who)
        if not visible(rec, who, hidden):
            continue
        yield ServerSentEvent(
            id=str(rec.seq), event=rec.event.type, data=event_out(rec, patient=patient)
        )
