"""/api/geocode: type-ahead address search and reverse geocoding over the region's own data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.web.deps import RuntimeDep, require

router = APIRouter(prefix="/api/geocode", tags=["geocoding"])

Geocode = Annotated[Principal, Depends(require(Permission.GEOCODE))]


@router.get("", summary="Ranked candidates for typed text (type-ahead); the text is not changed")
async def search(
    rt: RuntimeDep,
    who: Geocode,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What was typed.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 8,
) -> dict[str, Any]:
    # Pure, in-memory and a few milliseconds: no thread hop needed.
    candidates = rt.geocoder.search(q, limit=limit)
    return {"query": q, "candidates": [c.to_json() for c in candidates]}


@router.get("/reverse", summary="The nearest address and cross streets to a point")
async def reverse(
    rt: RuntimeDep,
    who: Geocode,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
) -> dict[str, Any]:
    return rt.geocoder.reverse(lon, lat).to_json()
