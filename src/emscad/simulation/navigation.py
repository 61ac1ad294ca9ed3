"""Where units are and how they get places: routes between points, the nearest hospital."""

from __future__ import annotations

from datetime import datetime

from emscad.agency.models import Hospital
from emscad.errors import InvalidInput
from emscad.recommend.service import Recommender
from emscad.routing import Mode, Router, Snapper
from emscad.simulation.trips import Path, Trip
from emscad.units.models import UnitStatus

Point = tuple[float, float]

# When no road route exists (a point off the map, a one-way trap) the unit drives straight
# there at a town pace, so a bad address never strands a simulated crew.
FALLBACK_MPS = {Mode.LIGHTS_SIRENS: 15.0, Mode.NORMAL: 11.0, Mode.DISTANCE: 11.0}
UNKNOWN_DRIVE_S = 300.0  # an end has no coordinates at all


class Navigator:
    def __init__(self, recommender: Recommender, *, drive_speed: float = 1.0) -> None:
        self.router: Router = recommender.router
        self.snapper: Snapper = recommender.snapper
        self.max_snap_m = recommender.max_snap_m
        self.recommender = recommender
        self.drive_speed = drive_speed

    def trip(
        self,
        start: Point | None,
        end: Point | None,
        *,
        mode: Mode,
        now: datetime,
        arrive: UnitStatus,
    ) -> Trip:
        if start is None or end is None:
            return Trip(
                path=None, start=now, seconds=UNKNOWN_DRIVE_S / self.drive_speed, arrive=arrive
            )
        try:
            a = self.snapper.snap(*start, max_distance_m=self.max_snap_m)
            b = self.snapper.snap(*end, max_distance_m=self.max_snap_m)
            route = self.router.route(a, b, mode=mode)
            path = Path.of(route.lon, route.lat)
            seconds = route.lights_sirens_seconds if mode is Mode.LIGHTS_SIRENS else route.seconds
        except (InvalidInput, ValueError):
            path = Path.of([start[0], end[0]], [start[1], end[1]])
            seconds = path.length_m / FALLBACK_MPS[mode]
        return Trip(
            path=path, start=now, seconds=max(seconds / self.drive_speed, 1.0), arrive=arrive
        )

    def nearest_hospital(
        self, scene: Point | None, hospitals: list[Hospital], needs: tuple[str, ...]
    ) -> Hospital | None:
        """The closest hospital open to ambulances that offers `needs`; failing that, any."""
        if not hospitals:
            return None
        if scene is None:
            return min(hospitals, key=lambda h: (h.diversion, h.name))
        try:
            target = self.snapper.snap(*scene, max_distance_m=self.max_snap_m)
        except InvalidInput:
            return min(hospitals, key=lambda h: (h.diversion, h.name))
        trees = [(h, self.recommender.hospital_tree(h)) for h in hospitals]
        usable = [(h, t) for h, t in trees if t is not None]
        if not usable:
            return min(hospitals, key=lambda h: (h.diversion, h.name))
        etas = self.router.costs_via_trees_to([t for _, t in usable], target)
        ranked = sorted(
            zip([h for h, _ in usable], etas.tolist(), strict=True),
            key=lambda p: (not set(needs) <= set(p[0].capabilities), p[0].diversion, p[1]),
        )
        return ranked[0][0]
