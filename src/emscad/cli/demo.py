"""`emscad demo`: build the demo region (once) and show what it holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from emscad.cli._common import progress_bar, settings
from emscad.cli.region import show_manifest
from emscad.clock import SystemClock
from emscad.errors import NotFound
from emscad.regions import files
from emscad.regions.model import PlaceKind
from emscad.routing import Mode, Router, Snapper

DEMO_REGION = "demo"
DEMO_SEED = 1
DEMO_NODES = 40_000


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Generate the demo region again.")
    ] = False,
) -> None:
    """Build the demo region if needed and print its summary."""
    from emscad.regions.synthetic import generate_region

    cfg = settings()
    root = cfg.regions_dir
    try:
        if rebuild:
            raise NotFound("rebuild requested")
        region = files.read_region(root, DEMO_REGION)
    except NotFound:
        with progress_bar() as report:
            region = generate_region(
                DEMO_REGION,
                seed=DEMO_SEED,
                nodes=DEMO_NODES,
                lights_sirens_factor=cfg.lights_sirens_factor,
                created_at=SystemClock().now(),
                progress=report,
            )
            files.write_region(root, region)
        region = files.read_region(root, DEMO_REGION)
    show_manifest(region.manifest)
    console = Console()
    console.print(f"region files: {root / DEMO_REGION}")

    stations = region.places_of(PlaceKind.STATION)
    hospitals = region.places_of(PlaceKind.HOSPITAL)
    if stations and hospitals:
        snapper, router = Snapper(region.network), Router(region.network)
        hospital = hospitals[0]
        h = snapper.snap(hospital.lon, hospital.lat, max_distance_m=cfg.max_snap_m)
        sources = [snapper.snap(s.lon, s.lat, max_distance_m=cfg.max_snap_m) for s in stations]
        etas = router.travel_times_to(h, sources, mode=Mode.LIGHTS_SIRENS)
        console.print(f"\nLights-and-sirens drive from each station to {hospital.name}:")
        width = max(len(s.name) for s in stations)
        for station, eta in sorted(zip(stations, etas, strict=True), key=lambda p: p[1]):
            minutes, seconds = divmod(round(float(eta)), 60)
            console.print(f"  {station.name:<{width}}  {minutes:>3} min {seconds:02d} s")
