"""The synthetic US-style city: the demo region and the main test fixture."""

from __future__ import annotations

from datetime import datetime

from emscad.progress import ProgressFn, no_progress
from emscad.regions.model import Region


def generate_region(
    name: str,
    *,
    seed: int,
    nodes: int,
    lights_sirens_factor: float,
    created_at: datetime,
    progress: ProgressFn = no_progress,
) -> Region:
    raise NotImplementedError("being written")
