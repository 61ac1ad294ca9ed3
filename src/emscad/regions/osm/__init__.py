"""Import drivable roads, hospitals, stations and addresses from OpenStreetMap files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from emscad.progress import ProgressFn, no_progress
from emscad.regions.model import Region


def import_osm(
    path: Path,
    name: str,
    *,
    bbox: tuple[float, float, float, float] | None,
    lights_sirens_factor: float,
    created_at: datetime,
    progress: ProgressFn = no_progress,
) -> Region:
    raise NotImplementedError("being written")
