"""/api/staff: staff records as each role may see them (confidential staff), and offboarding."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import Principal, User
from emscad.accounts.permissions import Permission
from emscad.dispatch.safety.staff import NoEntry
from emscad.errors import NotFound
from emscad.safety.checkins import CheckIn
from emscad.safety.escorts import Escort
from emscad.safety.sos import Sos
from emscad.safety.staff import LiveContext, Shift, StaffRecord, view_staff
from emscad.web.api.incidents import if_match_version
from emscad.web.api.orders import audit_views, who_of
from emscad.web.api.safety_schemas import StaffIn, TerminateIn
from emscad.web.deps import RuntimeDep, client_ip, require
from emscad.web.runtime import Runtime

router = APIRouter(tags=["safety"])

Read = Annotated[Principal, Depends(require(Permission.STAFF_READ))]
StaffAdmin = Annotated[Principal, Depends(require(Permission.STAFF_ADMIN))]
UsersAdmin = Annotated[Principal, Depends(require(Permission.USERS_ADMIN))]


async def _live(rt: Runtime, user_id: str, viewer: str) -> LiveContext | None:
    """The open alarm that shows those answering it where the person is and how to reach
    them: an SOS first, then a check-in timer, then an escort, one with a position first.
    A silent SOS does not exist for the person who raised it, on their own record too."""
    alarms = await run_in_threadpool(rt.safety.alarms)
    mine = [
        a
        for a in alarms
        if a.staff_user == user_id and not (isinstance(a, Sos) and a.silent and viewer == user_id)
    ]
    mine.sort(
        key=lambda a: (not isinstance(a, Sos), not isinstance(a, CheckIn), a.position is None)
    )
    for a in mine:
        key = f"escort:{a.id}" if isinstance(a, Escort) else a.key
        return LiveContext(a.position, key)
    return None


async def _record(rt: Runtime, user: User) -> StaffRecord:
    try:
        record, _ = await run_in_threadpool(rt.safety.staff_record, user.id)
    except NotFound:
        return StaffRecord(user=user.id, name=user.display_name or user.username)
    return record


async def _view(rt: Runtime, who: Principal, request: Request, user: User) -> dict[str, Any]:
    record = await _record(rt, user)
    live = await _live(rt, user.id, who.user_id)
    view = view_staff(record, who.roles, viewer_user=who.user_id, live=live)
    await audit_views(rt, who, request, [view.audit])
    return {**view.data, "username": user.username}


@router.get("/api/staff", summary="Staff, as your role may see them (every view audited)")
async def list_staff(rt: RuntimeDep, who: Read, request: Request) -> list[dict[str, Any]]:
    users = [u for u in await run_in_threadpool(rt.accounts.users) if not u.disabled]
    return [await _view(rt, who, request, u) for u in users]


@router.get("/api/staff/{username}", summary="One member of staff (audited)")
async def get_staff(username: str, rt: RuntimeDep, who: Read, request: Request) -> dict[str, Any]:
    user = await run_in_threadpool(rt.accounts.user, username)
    return await _view(rt, who, request, user)


@router.put(
    "/api/staff/{username}",
    summary="Create (no If-Match) or change (If-Match: version) a staff record",
)
async def put_staff(
    username: str,
    body: StaffIn,
    rt: RuntimeDep,
    who: StaffAdmin,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    user = await run_in_threadpool(rt.accounts.user, username)
    record = StaffRecord(
        user=user.id,
        name=body.name,
        station=body.station,
        work_phone=body.work_phone,
        mobile_phone=body.mobile_phone,
        email=body.email,
        home_address=body.home_address,
        schedule=tuple(Shift(s.start, s.end, s.station) for s in body.schedule),
        confidential=body.confidential,
    )
    expected = if_match_version(if_match) or 0
    _, version = await run_in_threadpool(
        lambda: rt.safety.save_staff_record(who_of(who), record, expected_version=expected)
    )
    entry = AuditEntry(
        at=rt.clock.now(),
        actor=who.actor,
        action="staff.saved",
        subject=f"staff:{user.id}",
        detail={"version": version, "confidential": record.confidential},
        ip=client_ip(request),
    )
    await run_in_threadpool(rt.audit.record, entry)
    response.headers["ETag"] = f'"{version}"'
    return await _view(rt, who, request, user)


@router.post(
    "/api/admin/users/{username}/terminate",
    summary="Offboard: disable, end every session, token and stream, and watch for him",
)
async def terminate(
    username: str, body: TerminateIn, rt: RuntimeDep, who: UsersAdmin
) -> dict[str, Any]:
    """One action closes every door at once: the account is disabled and everything it was
    signed in with stops working now (open live streams included); he is off every shift;
    and, unless told otherwise, a "former employee, no entry" watch entry makes his plates
    at a station's reader and his name on a call alert like a stay-away order."""
    user = await run_in_threadpool(rt.accounts.user, username)
    if body.no_entry and body.linked_order is not None:
        # A mistyped order must stop the request before anything is done, not after the
        # account is disabled and the watch entry is missing.
        await run_in_threadpool(rt.safety.order, body.linked_order)
    reason = f"terminated: {body.reason}"
    # Revoke first, so the answer counts what was ended; disabling then revokes anything
    # signed in between, and keeps him out.
    revoked = await run_in_threadpool(
        lambda: rt.auth.revoke_everything(username, by=who.actor, reason=reason)
    )
    await run_in_threadpool(lambda: rt.accounts.set_disabled(username, True, by=who.actor))
    await run_in_threadpool(lambda: rt.safety.end_schedule(who_of(who), user.id))
    watch = None
    if body.no_entry:
        entry = NoEntry(
            photo_ref=body.photo_ref,
            vehicles=tuple(v.domain() for v in body.vehicles),
            linked_order=body.linked_order,
        )
        order = await run_in_threadpool(lambda: rt.safety.no_entry_watch(who_of(who), user, entry))
        watch = order.id
    return {"username": username, "disabled": True, "revoked": revoked, "watch_order": watch}
