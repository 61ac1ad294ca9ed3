"""Routing: snapping points to roads, travel times and routes (pure: numpy, scipy, shapely)."""

from emscad.routing.fleet import FleetEtas, fleet_etas
from emscad.routing.graph import Mode
from emscad.routing.router import Route, Router, Tree, TreeTo
from emscad.routing.snap import OffMap, Snap, Snapper

__all__ = [
    "FleetEtas",
    "Mode",
    "OffMap",
    "Route",
    "Router",
    "Snap",
    "Snapper",
    "Tree",
    "TreeTo",
    "fleet_etas",
]
