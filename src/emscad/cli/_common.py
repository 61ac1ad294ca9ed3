"""Shared pieces of the CLI: the Typer app, settings, progress bars and argument parsing."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from emscad.config import Settings
from emscad.errors import InvalidInput
from emscad.progress import ProgressFn

app = typer.Typer(
    name="emscad",
    help="emscad: computer-aided dispatch for EMS, with a staff-safety layer built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


@functools.cache
def settings() -> Settings:
    """The settings, read from the environment once per process."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "EMSCAD_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise InvalidInput(f"invalid setting {field}: {first['msg']}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressFn]:
    """A Rich progress bar on stderr, driven by a domain ProgressFn."""
    if not enabled or not err_console.is_terminal:
        yield _quiet
        return
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def report(stage: str, fraction: float) -> None:
            if stage not in tasks:
                for task in tasks.values():
                    bar.update(task, completed=1.0)
                tasks[stage] = bar.add_task(stage, total=1.0)
            bar.update(tasks[stage], completed=min(max(fraction, 0.0), 1.0))

        yield report
        for task in tasks.values():
            bar.update(task, completed=1.0)


def _quiet(stage: str, fraction: float) -> None:
    pass


def parse_lonlat(text: str, *, what: str) -> tuple[float, float]:
    """Parse "LON,LAT" in decimal degrees."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(
            f"{what}: expected LON,LAT in decimal degrees (e.g. -92.29,34.74), got {text!r}"
        ) from None
    check_lonlat(lon, lat, what=what)
    return lon, lat


def check_lonlat(lon: float, lat: float, *, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput(f"{what}: coordinates must be finite numbers")
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise InvalidInput(
            f"{what}: longitude must be within ±180 and latitude within ±90 "
            f"(got {lon},{lat}; is the order LON,LAT?)"
        )


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse "W,S,E,N" in decimal degrees."""
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(f"--bbox: expected W,S,E,N in decimal degrees, got {text!r}") from None
    check_lonlat(west, south, what="--bbox")
    check_lonlat(east, north, what="--bbox")
    if west >= east or south >= north:
        raise InvalidInput("--bbox: west must be less than east and south less than north")
    return west, south, east, north
