"""/api/admin/users and /api/audit: accounts, machine tokens, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal, User
from emscad.accounts.permissions import Permission, Role
from emscad.web.api.schemas import Body
from emscad.web.deps import RuntimeDep, require

router = APIRouter(tags=["administration"])

Admin = Annotated[Principal, Depends(require(Permission.USERS_ADMIN))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


class UserCreate(Body):
    username: str = Field(min_length=1, max_length=40)
    roles: list[Role] = Field(min_length=1, max_length=7)
    name: str = Field(default="", max_length=100)
    unit: str | None = Field(default=None, max_length=40)
    password: str | None = Field(default=None, min_length=1, max_length=256)


class PasswordIn(Body):
    password: str = Field(min_length=1, max_length=256)


class TokenIn(Body):
    name: str = Field(default="token", max_length=100)
    scopes: list[Permission] = Field(default_factory=list, max_length=20)


def user_json(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "name": u.display_name,
        "roles": [r.value for r in u.roles],
        "unit": u.unit,
        "disabled": u.disabled,
        "locked": u.locked,
        "mfa_enrolled": u.mfa_enrolled,
        "created_at": u.created_at.isoformat(),
    }


@router.get("/api/admin/users", summary="Users and their state")
async def list_users(rt: RuntimeDep, who: Admin) -> list[dict[str, Any]]:
    return [user_json(u) for u in await run_in_threadpool(rt.accounts.users)]


@router.post("/api/admin/users", status_code=201, summary="Create a user")
async def create_user(body: UserCreate, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    user = await run_in_threadpool(
        lambda: rt.accounts.create_user(
            body.username,
            roles=body.roles,
            display_name=body.name,
            password=body.password,
            unit=body.unit,
            by=who.actor,
        )
    )
    return user_json(user)


@router.post("/api/admin/users/{username}/unlock", summary="Unlock after failed logins")
async def unlock(username: str, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    return user_json(await run_in_threadpool(lambda: rt.auth.unlock(username, by=who.actor)))


@router.post("/api/admin/users/{username}/disable", summary="Disable: ends every session now")
async def disable(username: str, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    user = await run_in_threadpool(lambda: rt.accounts.set_disabled(username, True, by=who.actor))
    return user_json(user)


@router.post("/api/admin/users/{username}/enable", summary="Enable a disabled user")
async def enable(username: str, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    user = await run_in_threadpool(lambda: rt.accounts.set_disabled(username, False, by=who.actor))
    return user_json(user)


@router.post("/api/admin/users/{username}/password", summary="Set a user's password")
async def set_password(
    username: str, body: PasswordIn, rt: RuntimeDep, who: Admin
) -> dict[str, Any]:
    user = await run_in_threadpool(
        lambda: rt.auth.set_password(username, body.password, by=who.actor)
    )
    return user_json(user)


@router.post("/api/admin/users/{username}/reset-mfa", summary="Make the user enrol MFA again")
async def reset_mfa(username: str, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    return user_json(await run_in_threadpool(lambda: rt.auth.reset_mfa(username, by=who.actor)))


@router.post("/api/admin/users/{username}/revoke", summary="End every session and token now")
async def revoke(username: str, rt: RuntimeDep, who: Admin) -> dict[str, int]:
    count = await run_in_threadpool(
        lambda: rt.auth.revoke_everything(username, by=who.actor, reason="revoked by admin")
    )
    return {"revoked": count}


@router.post("/api/admin/users/{username}/tokens", status_code=201, summary="A machine token")
async def create_token(username: str, body: TokenIn, rt: RuntimeDep, who: Admin) -> dict[str, Any]:
    token, secret = await run_in_threadpool(
        lambda: rt.accounts.create_token(username, name=body.name, scopes=body.scopes, by=who.actor)
    )
    return {"id": token.id, "token": secret, "scopes": [s.value for s in token.scopes]}


@router.delete("/api/admin/tokens/{token_id}", summary="Revoke a machine token now")
async def revoke_token(token_id: str, rt: RuntimeDep, who: Admin) -> dict[str, bool]:
    await run_in_threadpool(lambda: rt.accounts.revoke_token(token_id, by=who.actor))
    return {"revoked": True}


@router.get("/api/audit", summary="The audit trail, oldest first")
async def audit(
    rt: RuntimeDep,
    who: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    records = await run_in_threadpool(lambda: rt.audit.read(after=after, limit=limit))
    return [
        {
            "seq": r.seq,
            "at": r.entry.at.isoformat(),
            "actor": r.entry.actor,
            "action": r.entry.action,
            "subject": r.entry.subject,
            "detail": r.entry.detail,
            "ip": r.entry.ip,
            "hash": r.hash,
        }
        for r in records
    ]


@router.get("/api/audit/verify", summary="Check the audit trail's hash chain")
async def verify(rt: RuntimeDep, who: Auditor) -> dict[str, Any]:
    verdict = await run_in_threadpool(rt.audit.verify)
    return {
        "ok": verdict.ok,
        "records": verdict.records,
        "head": verdict.head,
        "broken_at": verdict.broken_at,
        "reason": verdict.reason,
    }
