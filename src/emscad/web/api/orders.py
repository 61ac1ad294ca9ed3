"""/api/orders: the protective-order registry. Every view is audited, a refused one included."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emscad.accounts.audit import AuditEntry
from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.safety.base import Who
from emscad.safety.access import OrderAccess, view_order
from emscad.safety.models import AuditNeed
from emscad.safety.orders import ProtectiveOrder, VerificationStatus, is_active
from emscad.serial import to_json
from emscad.web.api.incidents import if_match_version
from emscad.web.api.safety_schemas import OrderIn, ReasonIn
from emscad.web.api.schemas import Body
from emscad.web.deps import RuntimeDep, client_ip, require
from emscad.web.runtime import Runtime

router = APIRouter(prefix="/api/orders", tags=["safety"])

Read = Annotated[Principal, Depends(require(Permission.ORDERS_READ))]
Manage = Annotated[Principal, Depends(require(Permission.ORDERS_MANAGE))]


class VerifyIn(Body):
    status: VerificationStatus = Field(description="court, ncic, or unverified")


def who_of(principal: Principal) -> Who:
    return Who(name=principal.actor, user=principal.user_id, roles=principal.roles)


async def audit_views(
    rt: Runtime, who: Principal, request: Request, needs: Sequence[AuditNeed]
) -> None:
    """Record what was shown (and withheld) before answering; no record, no answer."""
    if not needs:
        return
    entries = [
        AuditEntry(
            at=rt.clock.now(),
            actor=who.actor,
            action="read." + n.subject.partition(":")[0],
            subject=n.subject[:100],
            detail={
                "fields": list(n.fields),
                "withheld": list(n.withheld),
                "reason": n.reason,
                "path": request.url.path,
            },
            ip=client_ip(request),
        )
        for n in needs
    ]
    await run_in_threadpool(rt.audit.record, *entries)


async def usernames(rt: Runtime) -> dict[str, str]:
    return {u.id: u.username for u in await run_in_threadpool(rt.accounts.users)}


def order_json(
    order: ProtectiveOrder, who: Principal, names: dict[str, str], *, now: Any
) -> tuple[dict[str, Any], AuditNeed]:
    view = view_order(order, who.roles, viewer_user=who.user_id)
    data = dict(view.data)
    if "protected" in data:
        data["protected"] = [
            {**p, "staff_username": names.get(p.get("staff_user") or "")} for p in data["protected"]
        ]
    if view.access is not OrderAccess.NONE:
        data["active"] = is_active(order, now)
        data["version"] = order.version
    data["access"] = view.access.value
    return data, view.audit


async def _answer(
    rt: Runtime, who: Principal, request: Request, order: ProtectiveOrder
) -> dict[str, Any]:
    data, need = order_json(order, who, await usernames(rt), now=rt.clock.now())
    await audit_views(rt, who, request, [need])
    return data


async def _domain(rt: Runtime, body: OrderIn, order_id: str) -> ProtectiveOrder:
    users = await run_in_threadpool(rt.accounts.users)
    stations = await run_in_threadpool(rt.dispatch.stations)
    return body.domain(
        order_id,
        user_ids={u.username: u.id for u in users},
        stations={s.id: (s.lon, s.lat) for s in stations},
        geocoder=rt.geocoder,
    )


@router.get("", summary="Protective orders, as your role may see them (audited)")
async def list_orders(
    rt: RuntimeDep,
    who: Read,
    request: Request,
    active: Annotated[bool, Query(description="Only orders in force now")] = True,
) -> list[dict[str, Any]]:
    found = await run_in_threadpool(lambda: rt.safety.orders(active_only=active))
    names = await usernames(rt)
    now = rt.clock.now()
    shown = [order_json(o, who, names, now=now) for o in found]
    await audit_views(rt, who, request, [need for _, need in shown])
    return [data for data, _ in shown if data["access"] != OrderAccess.NONE.value]


@router.get("/{order_id}", summary="One order, as your role may see it (audited)")
async def get_order(
    order_id: str, rt: RuntimeDep, who: Read, request: Request, response: Response
) -> dict[str, Any]:
    order = await run_in_threadpool(rt.safety.order, order_id)
    response.headers["ETag"] = f'"{order.version}"'
    return await _answer(rt, who, request, order)


@router.post("", status_code=201, summary="Enter an order; open incidents it touches get a caution")
async def create_order(
    body: OrderIn, rt: RuntimeDep, who: Manage, request: Request, response: Response
) -> dict[str, Any]:
    order = await _domain(rt, body, "")
    created = await run_in_threadpool(lambda: rt.safety.create_order(who_of(who), order))
    response.headers["Location"] = f"/api/orders/{created.id}"
    response.headers["ETag"] = f'"{created.version}"'
    return await _answer(rt, who, request, created)


@router.put("/{order_id}", summary="Change an order's record (If-Match: its version)")
async def update_order(
    order_id: str,
    body: OrderIn,
    rt: RuntimeDep,
    who: Manage,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    expected = if_match_version(if_match)
    order = await _domain(rt, body, order_id)
    saved = await run_in_threadpool(
        lambda: rt.safety.update_order(who_of(who), order_id, order, expected_version=expected)
    )
    response.headers["ETag"] = f'"{saved.version}"'
    return await _answer(rt, who, request, saved)


@router.post("/{order_id}/verify", summary="Record that the court or NCIC confirmed the order")
async def verify_order(
    order_id: str,
    body: VerifyIn,
    rt: RuntimeDep,
    who: Manage,
    request: Request,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    expected = if_match_version(if_match)
    saved = await run_in_threadpool(
        lambda: rt.safety.verify_order(
            who_of(who), order_id, body.status, expected_version=expected
        )
    )
    return await _answer(rt, who, request, saved)


@router.post("/{order_id}/withdraw", summary="The order was vacated or entered in error")
async def withdraw_order(
    order_id: str, body: ReasonIn, rt: RuntimeDep, who: Manage, request: Request
) -> dict[str, Any]:
    saved = await run_in_threadpool(
        lambda: rt.safety.withdraw_order(who_of(who), order_id, body.reason)
    )
    return await _answer(rt, who, request, saved)


@router.post(
    "/{order_id}/restore-protection",
    status_code=204,
    summary="Monitoring works again (after speaking to the vendor): a supervisor's word",
)
async def restore_protection(
    order_id: str, body: ReasonIn, rt: RuntimeDep, who: Manage
) -> Response:
    await run_in_threadpool(
        lambda: rt.safety.restore_protection(who_of(who), order_id, body.reason)
    )
    return Response(status_code=204)


degraded_router = APIRouter(tags=["safety"])


@degraded_router.get(
    "/api/safety/degraded", summary="Orders whose offender monitoring is not working"
)
async def degraded(rt: RuntimeDep, who: Read) -> list[dict[str, Any]]:
    found = await run_in_threadpool(rt.safety.degraded)
    return [to_json(d) for d in found]
