"""Offline geocoding over a region's own data: addresses, street ranges, intersections, places."""

from emscad.geocoding.index import GeocodeIndex, build_index
from emscad.geocoding.model import Candidate, MatchType, ReverseResult

__all__ = ["Candidate", "GeocodeIndex", "MatchType", "ReverseResult", "build_index"]
