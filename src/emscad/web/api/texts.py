"""/api/texts: text conversations with callers, replies, and attaching them to incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.idempotency import Idempotency
from emscad.intake.sms.gateway import MAX_REPLY_CHARS
from emscad.intake.threads import Direction, TextMessage, TextThread
from emscad.serial import iso_ms, to_json
from emscad.web.api.schemas import Body
from emscad.web.deps import RuntimeDep, require

router = APIRouter(prefix="/api/texts", tags=["texts"])

Texts = Annotated[Principal, Depends(require(Permission.TEXTS))]


class ReplyIn(Body):
    body: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)


class AttachIn(Body):
    incident: str = Field(min_length=1, max_length=40)


def message_json(message: TextMessage) -> dict[str, Any]:
    data = to_json(message)
    assert isinstance(data, dict)
    data["delivered_to_gateway"] = message.delivered_to_gateway
    return data


def thread_json(thread: TextThread, *, messages: bool = True) -> dict[str, Any]:
    """A thread for the console. The number's registration city is never part of it: it
    is not where the caller is."""
    out: dict[str, Any] = {
        "id": thread.id,
        "line": thread.line,
        "caller": thread.caller,
        "agency_number": thread.agency_number,
        "incident": thread.incident,
        "awaiting_reply": thread.awaiting_reply,
        "last_at": iso_ms(thread.last_at) if thread.last_at else None,
        "message_count": len(thread.messages),
        "sos": any(m.sos_keyword for m in thread.messages),
        "version": thread.version,
    }
    if messages:
        out["messages"] = [message_json(m) for m in thread.messages]
    elif thread.messages:
        out["last_message"] = message_json(thread.messages[-1])
    return out


@router.get("", summary="Text threads, most recent first")
async def list_threads(
    rt: RuntimeDep,
    who: Texts,
    incident: Annotated[str | None, Query(max_length=40)] = None,
    awaiting_reply: bool | None = None,
    unattached: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    found = await run_in_threadpool(
        lambda: rt.intake.threads(
            incident=incident, awaiting_reply=awaiting_reply, unattached=unattached, limit=limit
        )
    )
    return [thread_json(t, messages=False) for t in found]


@router.get(
    "/{thread_id}", summary="One thread with every message, and the protective orders it touches"
)
async def get_thread(thread_id: str, rt: RuntimeDep, who: Texts) -> dict[str, Any]:
    thread = await run_in_threadpool(rt.intake.thread, thread_id)
    inbound = [m.body for m in thread.messages if m.direction is Direction.INBOUND]
    cautions = await run_in_threadpool(rt.safety.text_cautions, thread.caller, inbound)
    return {**thread_json(thread), "cautions": [to_json(c) for c in cautions]}


@router.post(
    "/{thread_id}/replies",
    status_code=201,
    summary="Reply to the caller through the SMS gateway (a failed send is recorded as failed)",
)
async def reply(
    thread_id: str,
    body: ReplyIn,
    rt: RuntimeDep,
    who: Texts,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    key = (
        Idempotency.of(idempotency_key, {"thread": thread_id, "body": body.body})
        if idempotency_key
        else None
    )
    thread, message, replayed = await run_in_threadpool(
        lambda: rt.intake.reply(who.actor, thread_id, body.body, idempotency=key)
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return {"message": message_json(message), "thread": thread_json(thread, messages=False)}


@router.post("/{thread_id}/attach", summary="Attach the thread to an incident (or move it)")
async def attach(thread_id: str, body: AttachIn, rt: RuntimeDep, who: Texts) -> dict[str, Any]:
    thread = await run_in_threadpool(lambda: rt.intake.attach(who.actor, thread_id, body.incident))
    return thread_json(thread)
