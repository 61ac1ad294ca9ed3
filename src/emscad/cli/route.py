"""`emscad route`: travel time and distance between two points on a region's roads."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from emscad.cli._common import parse_lonlat, print_json, settings
from emscad.errors import EmscadError
from emscad.regions import files
from emscad.regions.model import Region
from emscad.routing import Mode, Route, Router, Snap, Snapper


def register(app: typer.Typer) -> None:
    app.command("route")(route)


def route(
    name: Annotated[str, typer.Argument(help="Region name.")],
    from_: Annotated[str, typer.Option("--from", help="Start point as LON,LAT (decimal degrees).")],
    to: Annotated[str, typer.Option("--to", help="End point as LON,LAT (decimal degrees).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    geometry: Annotated[
        bool, typer.Option("--geometry", help="Include the lights-and-sirens route's shape.")
    ] = False,
) -> None:
    """Fastest route between two points, for normal driving and with lights and sirens."""
    start = parse_lonlat(from_, what="--from")
    end = parse_lonlat(to, what="--to")
    cfg = settings()
    region = files.read_region(cfg.regions_dir, name)
    snapper = Snapper(region.network)
    a = snapper.snap(*start, max_distance_m=cfg.max_snap_m)
    b = snapper.snap(*end, max_distance_m=cfg.max_snap_m)
    router = Router(region.network)
    try:
        normal = router.route(a, b, mode=Mode.NORMAL)
        ls = router.route(a, b, mode=Mode.LIGHTS_SIRENS)
    except ValueError as exc:
        raise EmscadError(f"no route: {exc}") from None
    result = _result(region, start, end, a, b, normal, ls, geometry=geometry)
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"{normal.meters / 1000:.2f} km, {_clock(normal.seconds)} normal driving; "
        f"{_clock(ls.lights_sirens_seconds)} with lights and sirens ({ls.meters / 1000:.2f} km)"
    )
    typer.echo(f"from {result['from']['street'] or 'an unnamed road'}")
    typer.echo(f"to   {result['to']['street'] or 'an unnamed road'}")


def _result(
    region: Region,
    start: tuple[float, float],
    end: tuple[float, float],
    a: Snap,
    b: Snap,
    normal: Route,
    ls: Route,
    *,
    geometry: bool,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "region": region.name,
        "from": _point(region, start, a),
        "to": _point(region, end, b),
        "seconds": round(normal.seconds, 3),
        "lights_and_sirens_seconds": round(ls.lights_sirens_seconds, 3),
        "meters": round(normal.meters, 2),
        "lights_and_sirens_meters": round(ls.meters, 2),
    }
    if geometry:
        result["geometry"] = {
            "type": "LineString",
            "coordinates": [
                [round(float(x), 7), round(float(y), 7)]
                for x, y in zip(ls.lon, ls.lat, strict=True)
            ],
        }
    return result


def _point(region: Region, query: tuple[float, float], snap: Snap) -> dict[str, Any]:
    return {
        "lon": query[0],
        "lat": query[1],
        "road_lon": round(snap.lon, 7),
        "road_lat": round(snap.lat, 7),
        "snap_distance_m": round(snap.distance_m, 2),
        "street": region.string(int(region.network.seg_name[snap.seg])),
    }


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"
