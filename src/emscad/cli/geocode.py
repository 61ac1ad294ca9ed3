"""`emscad geocode` and `emscad region addresses`: search a region's addresses, import more."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emscad.cli._common import parse_lonlat, print_json, settings
from emscad.errors import InvalidInput
from emscad.geocoding import Candidate, build_index
from emscad.geocoding._csv import read_csv
from emscad.geocoding.importer import Columns, import_rows
from emscad.geocoding.model import MAX_LIMIT
from emscad.regions import files
from emscad.regions.build import with_addresses


def register(app: typer.Typer) -> None:
    from emscad.cli.region import region_app

    app.command("geocode")(geocode)
    region_app.command("addresses")(addresses)


def geocode(
    name: Annotated[str, typer.Argument(help="Region name.")],
    text: Annotated[
        str | None,
        typer.Argument(
            help='What was typed: "1200 W 7th St", "7th and Chester", "Station One", '
            '"34.7465, -92.2896". Put -- before text that starts with "-".'
        ),
    ] = None,
    reverse: Annotated[
        str | None,
        typer.Option("--reverse", help="Reverse geocode LON,LAT: nearest address, cross streets."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many candidates (1 to 50).")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Find what a dispatcher typed (ranked candidates), or what is at a point (--reverse)."""
    if (text is None) == (reverse is None):
        raise InvalidInput("give TEXT to search for, or --reverse LON,LAT (one of the two)")
    point = parse_lonlat(reverse, what="--reverse") if reverse is not None else None
    if not 1 <= limit <= MAX_LIMIT:  # before the region is loaded, which takes a moment
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
    region = files.read_region(settings().regions_dir, name)
    index = build_index(region)
    if point is not None:
        result = index.reverse(*point)
        if as_json:
            print_json({"region": region.name, **result.to_json()})
            return
        near = result.address
        typer.echo(
            f"{near.label} ({result.address_distance_m:.0f} m away)"
            if near is not None and result.address_distance_m is not None
            else "no address points in this region"
        )
        if result.street:
            cross = " and ".join(result.cross_streets)
            typer.echo(f"on {result.street}" + (f", between {cross}" if cross else ""))
        return
    assert text is not None
    candidates = index.search(text, limit=limit)
    if as_json:
        # The typed text goes back exactly as it came: a candidate never rewrites it.
        print_json(
            {
                "region": region.name,
                "query": text,
                "candidates": [c.to_json() for c in candidates],
            }
        )
        return
    if not candidates:
        typer.echo(f"nothing found for {text!r}")
    for c in candidates:
        typer.echo(_line(c))


def _line(c: Candidate) -> str:
    detail = f"  ({c.detail})" if c.detail else ""
    return f"{c.score:5.2f}  {c.match_type.value:<13}  {c.label}  {c.lon:.6f},{c.lat:.6f}{detail}"


def addresses(
    name: Annotated[str, typer.Argument(help="Region to add the address points to.")],
    path: Annotated[Path, typer.Argument(help="CSV file with one address point per row.")],
    address_column: Annotated[
        str, typer.Option(help='Column with the address ("1200 W 7th St Apt 4").')
    ] = "address",
    lon_column: Annotated[str, typer.Option(help="Column with the longitude.")] = "lon",
    lat_column: Annotated[str, typer.Option(help="Column with the latitude.")] = "lat",
    city_column: Annotated[str | None, typer.Option(help="Column with the city.")] = None,
    zip_column: Annotated[str | None, typer.Option(help="Column with the ZIP code.")] = None,
    unit_column: Annotated[
        str | None, typer.Option(help="Column with the unit (apartment, suite).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="First drop the points earlier imports added.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import address points from a CSV file (a county GIS export) into a region."""
    root = settings().regions_dir
    region = files.read_region(root, name)
    header, rows = read_csv(path)
    columns = Columns(
        address=address_column,
        lon=lon_column,
        lat=lat_column,
        city=city_column,
        zip=zip_column,
        unit=unit_column,
    )
    result = import_rows(
        header,
        rows,
        columns,
        base=region.addresses,
        strings=region.strings,
        bbox=region.manifest.bbox,
        replace=replace,
    )
    report = result.report
    if report.added or len(result.addresses) != len(region.addresses):
        files.write_region(root, with_addresses(region, result.addresses, result.strings))
    summary: dict[str, Any] = {
        "region": region.name,
        "file": str(path),
        **report.to_json(),
        "addresses": len(result.addresses),
    }
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"{report.added:,} address points added to {region.name} "
        f"({report.duplicates:,} already there; {len(result.addresses):,} in all)"
    )
    for reason, count in report.rejected.items():
        lines = ", ".join(str(n) for n in report.examples.get(reason, ()))
        typer.echo(f"  skipped {count:,} rows: {reason} (e.g. lines {lines})")
