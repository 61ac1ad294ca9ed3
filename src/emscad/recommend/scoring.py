"""Ranking units for an incident, and explaining every rank. Pure: ETAs are given."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from emscad.units.models import Unit, UnitStatus


class PositionSource(StrEnum):
    AVL = "avl"  # the unit's latest AVL fix
    STATION = "station"  # in quarters, or no fix: its home station
    HOSPITAL = "hospital"  # clearing a hospital, no fix: the hospital
    NONE = "none"  # no way to place it


@dataclass(frozen=True, slots=True)
class Candidate:
    unit: Unit
    eta_s: float | None  # None: beyond the search bound, or no position
    source: PositionSource
    position_age_s: float | None  # for AVL fixes
    stale: bool
    clearing: bool  # at a hospital, finishing a previous call
    distance_m: float | None = None  # along the route, when computed


@dataclass(frozen=True, slots=True)
class Recommendation:
    rank: int
    unit: str
    call_sign: str
    unit_type: str
    status: str
    eta_s: float | None
    distance_m: float | None
    source: PositionSource
    position_age_s: float | None
    stale: bool
    clearing: bool
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "unit": self.unit,
            "call_sign": self.call_sign,
            "type": self.unit_type,
            "status": self.status,
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "distance_m": None if self.distance_m is None else round(self.distance_m),
            "position_source": self.source.value,
            "position_age_s": None if self.position_age_s is None else round(self.position_age_s),
            "stale": self.stale,
            "clearing": self.clearing,
            "reasons": list(self.reasons),
        }


def qualifies(unit: Unit, capabilities: tuple[str, ...]) -> bool:
    return set(capabilities) <= set(unit.capabilities)


def rank(
    candidates: list[Candidate],
    *,
    capabilities: tuple[str, ...],
    clearing_penalty_s: float,
    bound_s: float | None,
) -> list[Recommendation]:
    """Qualified candidates, fastest first.

    A unit still clearing a hospital ranks as if `clearing_penalty_s` slower (it must finish
    the handover), but its real ETA is what is shown. Units with no ETA (beyond the search
    bound, or nowhere to place them) come last, by call sign.
    """
    qualified = [c for c in candidates if qualifies(c.unit, capabilities)]

    def key(c: Candidate) -> tuple[float, str]:
        eta = math.inf if c.eta_s is None else c.eta_s + (clearing_penalty_s if c.clearing else 0)
        return eta, c.unit.call_sign

    ordered = sorted(qualified, key=key)
    return [
        Recommendation(
            rank=i + 1,
            unit=c.unit.id,
            call_sign=c.unit.call_sign,
            unit_type=c.unit.type.value,
            status=c.unit.status.value,
            eta_s=c.eta_s,
            distance_m=c.distance_m,
            source=c.source,
            position_age_s=c.position_age_s,
            stale=c.stale,
            clearing=c.clearing,
            reasons=explain(c, capabilities=capabilities, bound_s=bound_s),
        )
        for i, c in enumerate(ordered)
    ]


def explain(
    c: Candidate, *, capabilities: tuple[str, ...], bound_s: float | None
) -> tuple[str, ...]:
    reasons: list[str] = []
    if c.eta_s is not None:
        line = f"{_clock(c.eta_s)} by road with lights and sirens"
        if c.distance_m is not None:
            line += f", {c.distance_m / 1000:.1f} km"
        reasons.append(line)
    elif c.source is PositionSource.NONE:
        reasons.append("no position: no AVL fix and no home station")
    elif bound_s is not None:
        reasons.append(f"more than {_clock(bound_s)} away")
    needed = ", ".join(x.upper() if len(x) <= 3 else x for x in capabilities)
    if needed:
        reasons.append(f"qualified: {needed}")
    if c.source is PositionSource.AVL and c.position_age_s is not None:
        age = f"position from AVL, {_age(c.position_age_s)} old"
        reasons.append(f"{age}: stale, check with the crew" if c.stale else age)
    elif c.source is PositionSource.STATION:
        in_quarters = c.unit.status is UnitStatus.AVAILABLE_AT_STATION
        reasons.append("in quarters" if in_quarters else "no AVL fix: placed at its station")
    elif c.source is PositionSource.HOSPITAL:
        reasons.append("no AVL fix: from the hospital it is clearing")
    if c.clearing:
        reasons.append("clearing a hospital: finishing its last call")
    return tuple(r for r in reasons if r)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{round(seconds)} s"
    return f"{round(seconds / 60)} min"
