"""`emscad region ...`: build, import and inspect regions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from emscad.cli._common import (
    err_console,
    parse_bbox,
    print_json,
    progress_bar,
    settings,
)
from emscad.clock import SystemClock
from emscad.regions import files
from emscad.regions.model import Manifest

region_app = typer.Typer(help="Build, import and inspect regions.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(region_app, name="region")


@region_app.command("generate")
def generate(
    name: Annotated[str, typer.Argument(help="Name of the region to create (or replace).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same city.")] = 1,
    nodes: Annotated[
        int, typer.Option(help="Approximate number of road nodes (intersections).")
    ] = 20_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate a synthetic US-style city with streets, highway, river, addresses and services."""
    from emscad.regions.synthetic import generate_region

    cfg = settings()
    files.check_name(name)
    with progress_bar() as report:
        region = generate_region(
            name,
            seed=seed,
            nodes=nodes,
            lights_sirens_factor=cfg.lights_sirens_factor,
            created_at=SystemClock().now(),
            progress=report,
        )
        manifest = files.write_region(cfg.regions_dir, region)
    _show(manifest, as_json=as_json)


@region_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="OpenStreetMap file: .osm.pbf, .osm or .osm.bz2.")],
    name: Annotated[str, typer.Argument(help="Name of the region to create (or replace).")],
    bbox: Annotated[
        str | None, typer.Option(help="Keep only roads inside W,S,E,N (decimal degrees).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import drivable roads, hospitals, stations and addresses from an OpenStreetMap file."""
    from emscad.regions.osm import import_osm

    cfg = settings()
    files.check_name(name)
    box = parse_bbox(bbox) if bbox is not None else None
    with progress_bar() as report:
        region = import_osm(
            path,
            name,
            bbox=box,
            lights_sirens_factor=cfg.lights_sirens_factor,
            created_at=SystemClock().now(),
            progress=report,
        )
        manifest = files.write_region(cfg.regions_dir, region)
    _show(manifest, as_json=as_json)


@region_app.command("info")
def info(
    name: Annotated[str, typer.Argument(help="Region name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Also load every file and check its checksum.")
    ] = False,
) -> None:
    """Show a region's counts, bounding box, source and what the import dropped."""
    root = settings().regions_dir
    manifest = files.read_region(root, name).manifest if verify else files.read_manifest(root, name)
    _show(manifest, as_json=as_json)


@region_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the regions in EMSCAD_HOME."""
    root = settings().regions_dir
    names = files.list_regions(root)
    if as_json:
        print_json(names)
        return
    if not names:
        err_console.print(f"no regions in {root}; try `emscad region generate demo`")
    for n in names:
        typer.echo(n)


def summary(manifest: Manifest) -> dict[str, Any]:
    return {
        "name": manifest.name,
        "format_version": manifest.format_version,
        "created_at": manifest.created_at,
        "source": manifest.source,
        "bbox": list(manifest.bbox),
        "counts": manifest.counts,
        "dropped": manifest.dropped.to_json(),
        "settings": manifest.settings,
    }


def _show(manifest: Manifest, *, as_json: bool) -> None:
    if as_json:
        print_json(summary(manifest))
        return
    show_manifest(manifest)


def show_manifest(manifest: Manifest) -> None:
    """Print a region's summary as a table."""
    table = Table(title=f"region {manifest.name}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    source = manifest.source
    table.add_row("source", ", ".join(f"{k}={v}" for k, v in source.items()))
    w, s, e, n = manifest.bbox
    table.add_row("bbox (W,S,E,N)", f"{w:.5f},{s:.5f},{e:.5f},{n:.5f}")
    for key, value in manifest.counts.items():
        table.add_row(key, f"{value:,}")
    d = manifest.dropped
    table.add_row(
        "dropped",
        f"{d.components - 1 if d.components else 0} disconnected parts: "
        f"{d.nodes:,} nodes, {d.segments:,} road segments",
    )
    table.add_row("created", manifest.created_at)
    Console().print(table)
