"""Routing: snapping points to roads, travel times and routes (pure: numpy, scipy, shapely)."""

from emscad.routing.graph import Mode
from emscad.routing.router import Route, Router
from emscad.routing.snap import OffMap, Snap, Snapper

__all__ = ["Mode", "OffMap", "Route", "Router", "Snap", "Snapper"]
