"""/api/map: the console's basemap, drawn from the region's own roads (works offline)."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from emscad.accounts.models import Principal
from emscad.accounts.permissions import Permission
from emscad.errors import NotFound
from emscad.web.console.tiles import MAX_ZOOM, TileSource, valid_tile
from emscad.web.deps import RuntimeDep, require
from emscad.web.runtime import Runtime

router = APIRouter(prefix="/api/map", tags=["map"])

MapRead = Annotated[Principal, Depends(require(Permission.MAP))]
# Tiles change only when the region does (a restart), and the ETag names the region's data.
TILE_CACHE_CONTROL = "private, max-age=3600"
_build_lock = threading.Lock()


def tile_source(request: Request, rt: Runtime) -> TileSource:
    """The app's tile source, created on first use and kept for the app's life."""
    source: TileSource | None = getattr(request.app.state, "map_tiles", None)
    if source is None or source.region is not rt.region:
        with _build_lock:
            source = getattr(request.app.state, "map_tiles", None)
            if source is None or source.region is not rt.region:
                source = TileSource(rt.region)
                request.app.state.map_tiles = source
    return source


def split_tile_url(url: str | None) -> tuple[str, str]:
    """EMSCAD_TILE_URL as (template, attribution): the attribution rides in the fragment,
    `...{z}/{x}/{y}.png#attribution=© OpenStreetMap contributors` (never sent to the server)."""
    if not url:
        return "", ""
    template, _, fragment = url.partition("#")
    key = "attribution="
    return template, fragment[len(key) :] if fragment.startswith(key) else ""


@router.get("/config", summary="How to draw the map: the region's extent and the basemap")
async def config(rt: RuntimeDep, who: MapRead) -> dict[str, Any]:
    west, south, east, north = rt.region.manifest.bbox
    template, attribution = split_tile_url(rt.settings.tile_url)
    return {
        "region": rt.region.name,
        "bbox": [west, south, east, north],
        "center": [(south + north) / 2, (west + east) / 2],
        # Positions older than this are drawn as stale (the recommender flags them too).
        "stale_after_s": rt.settings.avl_stale_after_s,
        "basemap": (
            {"kind": "raster", "url": template, "attribution": attribution, "max_zoom": 19}
            if template
            else {
                "kind": "roads",
                "url": "/api/map/tiles/{z}/{x}/{y}",
                "attribution": f"Roads: region {rt.region.name}",
                "max_zoom": MAX_ZOOM,
            }
        ),
    }


@router.get(
    "/tiles/{z}/{x}/{y}", summary="A basemap tile: the region's roads inside it, as compact JSON"
)
async def tile(
    request: Request,
    rt: RuntimeDep,
    who: MapRead,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Per road: `[class, name, [x0, y0, x1, y1, ...]]`, coordinates in 0..`extent` across the
    tile (y down), `name` an index into `names` or -1. Classes are the region's road classes."""
    if not valid_tile(z, x, y):
        raise NotFound(f"no tile {z}/{x}/{y}: x and y must be below 2^{z}")
    source = tile_source(request, rt)
    etag = f'"{source.fingerprint}-{z}-{x}-{y}"'
    headers = {"ETag": etag, "Cache-Control": TILE_CACHE_CONTROL}
    if if_none_match is not None and etag in (t.strip() for t in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    body = await run_in_threadpool(source.tile, z, x, y)
    return Response(content=body, media_type="application/json", headers=headers)
