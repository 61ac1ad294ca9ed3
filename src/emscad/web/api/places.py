"""/api/stations and /api/hospitals: where units live and where patients go."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.agency.models import Hospital, Station
from emscad.agency.rules import check_id
from emscad.web.api.schemas import DiversionIn, HospitalIn, StationIn, hospital_json, station_json
from emscad.web.deps import RuntimeDep, require

router = APIRouter(tags=["stations and hospitals"])

Read = Annotated[Principal, Depends(require(Permission.UNITS_READ))]
Roster = Annotated[Principal, Depends(require(Permission.ROSTER_ADMIN))]
Diversion = Annotated[Principal, Depends(require(Permission.HOSPITALS_DIVERSION))]


@router.get("/api/stations", summary="Stations and posts")
async def list_stations(rt: RuntimeDep, who: Read) -> list[dict[str, Any]]:
    return [station_json(s) for s in await run_in_threadpool(rt.dispatch.stations)]


@router.put("/api/stations/{station_id}", summary="Create or edit a station")
async def save_station(
    station_id: str, body: StationIn, rt: RuntimeDep, who: Roster
) -> dict[str, Any]:
    station = Station(
        id=check_id(station_id, "station"),
        name=body.name,
        lon=body.lon,
        lat=body.lat,
        kind=body.kind,
        address=body.address,
    )
    return station_json(await run_in_threadpool(rt.dispatch.save_station, who.actor, station))


@router.delete("/api/stations/{station_id}", status_code=204, summary="Remove a station")
async def remove_station(station_id: str, rt: RuntimeDep, who: Roster) -> Response:
    await run_in_threadpool(rt.dispatch.remove_station, who.actor, station_id)
    return Response(status_code=204)


@router.get("/api/hospitals", summary="Hospitals, their capabilities and diversion status")
async def list_hospitals(rt: RuntimeDep, who: Read) -> list[dict[str, Any]]:
    return [hospital_json(h) for h in await run_in_threadpool(rt.dispatch.hospitals)]


@router.put("/api/hospitals/{hospital_id}", summary="Create or edit a hospital")
async def save_hospital(
    hospital_id: str, body: HospitalIn, rt: RuntimeDep, who: Roster
) -> dict[str, Any]:
    hospital = Hospital(
        id=check_id(hospital_id, "hospital"),
        name=body.name,
        lon=body.lon,
        lat=body.lat,
        capabilities=tuple(dict.fromkeys(body.capabilities)),
        address=body.address,
    )
    return hospital_json(await run_in_threadpool(rt.dispatch.save_hospital, who.actor, hospital))


@router.post("/api/hospitals/{hospital_id}/diversion", summary="Go on or off diversion")
async def set_diversion(
    hospital_id: str, body: DiversionIn, rt: RuntimeDep, who: Diversion
) -> dict[str, Any]:
    hospital = await run_in_threadpool(
        rt.dispatch.set_diversion, who.actor, hospital_id, body.diversion, body.reason
    )
    return hospital_json(hospital)


@router.delete("/api/hospitals/{hospital_id}", status_code=204, summary="Remove a hospital")
async def remove_hospital(hospital_id: str, rt: RuntimeDep, who: Roster) -> Response:
    await run_in_threadpool(rt.dispatch.remove_hospital, who.actor, hospital_id)
    return Response(status_code=204)
