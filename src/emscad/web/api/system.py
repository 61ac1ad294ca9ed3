"""Health, the caller's own identity, and the response plan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from emscad import __version__
from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.web.deps import RuntimeDep, require

router = APIRouter(tags=["system"])


@router.get("/api/health", summary="Liveness: the server and its database answer")
async def health(
    rt: RuntimeDep, _: Annotated[None, Depends(require(Permission.PUBLIC))]
) -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "region": rt.region.name}


@router.get("/api/me", summary="Who you are and what you may do")
async def me(who: Annotated[Principal, Depends(require(Permission.SELF))]) -> dict[str, Any]:
    return {
        "username": who.username,
        "roles": sorted(r.value for r in who.roles),
        "permissions": sorted(p.value for p in who.permissions),
        "unit": who.unit,
    }


@router.get("/api/response-plan", summary="Complaints, priorities and what they require")
async def response_plan(
    rt: RuntimeDep, who: Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
) -> dict[str, Any]:
    return rt.plan.to_json()
