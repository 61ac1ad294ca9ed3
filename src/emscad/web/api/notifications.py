"""/api/notifications: alert deliveries, so a supervisor sees an SOS text that did not go out.

Every read that shows something is audited (an unchanged answer polled again, once in ten
minutes): a delivery names the member of staff it went to and their number or address. The
alerts of the reader's own open silent SOS are left out, as everywhere else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import NotFound
from emscad.notify.models import Status
from emscad.notify.report import attempt_json, delivery_json, visible_to
from emscad.web.deps import RuntimeDep, client_ip, require
from emscad.web.recent_reads import digest
from emscad.web.runtime import Runtime
from emscad.web.visibility import hidden_now

router = APIRouter(prefix="/api/notifications", tags=["safety"])

Read = Annotated[Principal, Depends(require(Permission.NOTIFICATIONS_READ))]


async def _audit(
    rt: Runtime, who: Principal, request: Request, subject: str, detail: dict[str, Any]
) -> None:
    """No record, no answer: the read is written to the audit trail before it is shown."""
    entry = AuditEntry(
        at=rt.clock.now(),
        actor=who.actor,
        action="read.notifications",
        subject=subject,
        detail={**detail, "path": request.url.path},
        ip=client_ip(request),
    )
    await run_in_threadpool(rt.audit.record, entry)


@router.get("", summary="Alert deliveries, newest first, and how each went (audited)")
async def list_notifications(
    rt: RuntimeDep,
    who: Read,
    request: Request,
    status: Annotated[
        list[Status] | None, Query(description="Only these states (repeat for several)")
    ] = None,
    alarm: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Only this alarm's")
    ] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Only those created at or after this time")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    hidden = await hidden_now(rt, who)
    found = await run_in_threadpool(
        lambda: rt.deliveries.recent(status=status or None, alarm=alarm, since=since, limit=limit)
    )
    shown = visible_to(found, hidden.alarms)
    answer = [delivery_json(n) for n in shown]
    if not answer:  # nothing about anyone was shown: nothing to audit
        return []
    # The supervisor's panel polls: the same answer to the same reader is audited once in
    # a window (see web.recent_reads); a changed one is a new read.
    now, key = rt.clock.now(), digest(answer)
    if not rt.recent_reads.audited_lately(who.user_id, key, now):
        await _audit(
            rt,
            who,
            request,
            f"alarm:{alarm}"[:100] if alarm else "notifications",
            {
                "status": [s.value for s in status or ()],
                "count": len(shown),
                "notifications": [n.id for n in shown],
            },
        )
        rt.recent_reads.audited(who.user_id, key, now)
    return answer


@router.get("/{notification_id}", summary="One alert delivery with every attempt (audited)")
async def get_notification(
    notification_id: Annotated[str, Path(max_length=40)],
    rt: RuntimeDep,
    who: Read,
    request: Request,
) -> dict[str, Any]:
    hidden = await hidden_now(rt, who)
    found = await run_in_threadpool(rt.deliveries.find, notification_id)
    if found is None or not visible_to([found], hidden.alarms):
        raise NotFound(f"no notification {notification_id!r}")
    attempts = await run_in_threadpool(rt.deliveries.attempts, notification_id)
    await _audit(rt, who, request, f"notification:{found.id}", {"alarm": found.alarm})
    return {**delivery_json(found), "attempt_log": [attempt_json(a) for a in attempts]}
