"""/api/units and /api/avl: the unit board, status changes, positions, the roster."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.dispatch.ports import Fix
from emscad.errors import Forbidden
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, Position
from emscad.web.api.schemas import AvlIn, StatusIn, UnitCreate, UnitIn, unit_json
from emscad.web.deps import RuntimeDep, require, require_unit_status
from emscad.web.visibility import hidden_now, unit_out

router = APIRouter(tags=["units"])

Read = Annotated[Principal, Depends(require(Permission.UNITS_READ))]
Avl = Annotated[Principal, Depends(require(Permission.AVL_WRITE))]
Roster = Annotated[Principal, Depends(require(Permission.ROSTER_ADMIN))]


@router.get("/api/units", summary="The unit board")
async def list_units(rt: RuntimeDep, who: Read) -> list[dict[str, Any]]:
    units = await run_in_threadpool(rt.dispatch.units)
    hidden = await hidden_now(rt, who)
    return [unit_out(u, hidden) for u in units]


@router.get("/api/units/{unit_id}", summary="One unit")
async def get_unit(unit_id: str, rt: RuntimeDep, who: Read) -> dict[str, Any]:
    unit = await run_in_threadpool(rt.dispatch.unit, unit_id)
    return unit_out(unit, await hidden_now(rt, who))


@router.post("/api/units/{unit_id}/status", summary="Change a unit's status (409: not allowed)")
async def change_status(
    unit_id: str,
    body: StatusIn,
    rt: RuntimeDep,
    who: Annotated[Principal, Depends(require_unit_status)],
) -> dict[str, Any]:
    unit = await run_in_threadpool(
        lambda: rt.dispatch.change_status(
            who.actor,
            unit_id,
            body.status,
            destination=body.destination,
            unit_version=body.unit_version,
        )
    )
    return unit_json(unit)


@router.post("/api/avl", summary="AVL positions, in batches of up to 1,000")
async def report_positions(body: AvlIn, rt: RuntimeDep, who: Avl) -> dict[str, int]:
    if who.unit is not None and any(p.unit != who.unit for p in body.positions):
        raise Forbidden("a unit's device may report only its own position")
    fixes = [
        Fix(
            unit=p.unit,
            position=Position(
                lon=p.lon,
                lat=p.lat,
                at=p.at,
                accuracy_m=p.accuracy_m,
                speed_mps=p.speed_mps,
                heading_deg=p.heading_deg,
            ),
        )
        for p in body.positions
    ]
    stored = await run_in_threadpool(rt.dispatch.report_positions, fixes)
    return {"stored": stored}


def _profile(body: UnitIn) -> UnitProfile:
    caps = body.capabilities if body.capabilities is not None else DEFAULT_CAPABILITIES[body.type]
    return UnitProfile(
        call_sign=body.call_sign,
        type=body.type,
        capabilities=tuple(dict.fromkeys(caps)),
        station=body.station,
        crew=tuple(body.crew),
    )


@router.post("/api/admin/units", status_code=201, summary="Add a unit to the roster")
async def add_unit(body: UnitCreate, rt: RuntimeDep, who: Roster) -> dict[str, Any]:
    unit = await run_in_threadpool(
        lambda: rt.dispatch.add_unit(who.actor, body.id, _profile(body), status=body.status)
    )
    return unit_json(unit)


@router.put("/api/admin/units/{unit_id}", summary="Edit a unit's roster entry")
async def edit_unit(unit_id: str, body: UnitIn, rt: RuntimeDep, who: Roster) -> dict[str, Any]:
    unit = await run_in_threadpool(rt.dispatch.edit_unit, who.actor, unit_id, _profile(body))
    return unit_json(unit)


@router.delete("/api/admin/units/{unit_id}", summary="Remove a unit from the roster")
async def remove_unit(unit_id: str, rt: RuntimeDep, who: Roster) -> dict[str, Any]:
    return unit_json(await run_in_threadpool(rt.dispatch.remove_unit, who.actor, unit_id))
