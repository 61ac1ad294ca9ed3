"""The recommender: places every candidate unit on the map, gets road ETAs, ranks, explains.

Units in quarters (or without a fix) are placed at their station, whose travel-time tree is
computed once; moving units are placed at their latest AVL fix and found by one bounded
reverse search from the incident (routing.fleet), which is kept for the incident's next
answer (recommend.trees). Hospitals have trees *to* them, so the nearest capable hospital is
a few lookups.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from emscad.agency.models import Hospital, Station
from emscad.errors import InvalidInput
from emscad.incidents.models import Incident
from emscad.recommend.plan import Requirement, ResponsePlan
from emscad.recommend.scoring import Candidate, PositionSource, Recommendation, qualifies, rank
from emscad.recommend.trees import TargetTrees
from emscad.routing import Mode, OffMap, Router, Snap, Snapper, Tree, TreeTo, fleet_etas
from emscad.units.models import Unit, UnitStatus

MODE = Mode.LIGHTS_SIRENS
_UNKNOWN = object()
_Place = tuple[str, float, float]  # a station's or hospital's id and where it stands
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class HospitalOption:
    hospital: str
    name: str
    eta_s: float | None
    diversion: bool
    missing: tuple[str, ...]  # capabilities the requirement asks for that it lacks
    suggested: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "hospital": self.hospital,
            "name": self.name,
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "diversion": self.diversion,
            "missing": list(self.missing),
            "suggested": self.suggested,
        }


@dataclass(frozen=True, slots=True)
class Result:
    requirement: Requirement
    units: list[Recommendation]
    additional: list[tuple[tuple[str, ...], list[Recommendation]]]  # further units by need
    hospitals: list[HospitalOption]
    bound_s: float | None

    def to_json(self) -> dict[str, Any]:
        r = self.requirement
        return {
            "requirement": {
                "capabilities": list(r.capabilities),
                "also": [list(a) for a in r.also],
                "hospital": list(r.hospital),
                "basis": r.basis,
            },
            "units": [u.to_json() for u in self.units],
            "additional": [
                {"capabilities": list(caps), "units": [u.to_json() for u in recs]}
                for caps, recs in self.additional
            ],
            "hospitals": [h.to_json() for h in self.hospitals],
            "bound_s": self.bound_s,
        }


@dataclass(frozen=True, slots=True)
class _Placed:
    unit: Unit
    where: Snap | Tree | None
    source: PositionSource
    age_s: float | None
    stale: bool


class Recommender:
    def __init__(
        self,
        *,
        router: Router,
        snapper: Snapper,
        plan: ResponsePlan,
        max_snap_m: float,
        stale_after_s: float = 120.0,
        clearing_penalty_s: float = 120.0,
        need: int = 5,
    ) -> None:
        self.router = router
        self.snapper = snapper
        self.plan = plan
        self.max_snap_m = max_snap_m
        self.stale_after_s = stale_after_s
        self.clearing_penalty_s = clearing_penalty_s
        self.need = need
        self._lock = threading.Lock()
        self._station_trees: dict[_Place, Tree] = {}
        # Every station tree also bounds moving units' times from below (routing.fleet).
        self._landmarks: tuple[Tree, ...] = ()
        self._hospital_trees: dict[_Place, TreeTo] = {}
        self._snaps: dict[tuple[float, float], object] = {}
        self.targets = TargetTrees()

    # -- trees, cached per place (rebuilt, and the old one dropped, if a place moves) --------

    def station_tree(self, station: Station) -> Tree | None:
        key = (station.id, station.lon, station.lat)
        with self._lock:
            tree = self._station_trees.get(key)
        if tree is None:
            snap = self._snap(station.lon, station.lat)
            if snap is None:
                return None
            # With paths: a parked unit's route length is read off its station's tree.
            tree = self.router.tree(snap, mode=MODE, paths=True)
            with self._lock:
                _replace(self._station_trees, key, tree)
                self._landmarks = tuple(self._station_trees.values())
        return tree

    def hospital_tree(self, hospital: Hospital) -> TreeTo | None:
        key = (hospital.id, hospital.lon, hospital.lat)
        with self._lock:
            tree = self._hospital_trees.get(key)
        if tree is None:
            snap = self._snap(hospital.lon, hospital.lat)
            if snap is None:
                return None
            tree = self.router.tree_to(snap, mode=MODE)
            with self._lock:
                _replace(self._hospital_trees, key, tree)
        return tree

    def warm(self, stations: list[Station], hospitals: list[Hospital]) -> None:
        """Compute every tree now (at start-up) rather than on the first call."""
        self.router.warm(MODE, Mode.DISTANCE)  # distance: route lengths in explanations
        for s in stations:
            self.station_tree(s)
        for h in hospitals:
            self.hospital_tree(h)

    def _snap(self, lon: float, lat: float) -> Snap | None:
        # Units stand still between fixes and stations never move: remember recent snaps.
        key = (lon, lat)
        known = self._snaps.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known if isinstance(known, Snap) else None
        try:
            snap: Snap | None = self.snapper.snap(lon, lat, max_distance_m=self.max_snap_m)
        except OffMap:
            snap = None
        if len(self._snaps) >= 10_000:
            self._snaps.clear()
        self._snaps[key] = snap
        return snap

    # -- the recommendation ----------------------------------------------------------------

    def requirement(self, incident: Incident) -> Requirement:
        return self.plan.requirement(incident.chief_complaint, incident.priority)

    def recommend(
        self,
        incident: Incident,
        *,
        units: list[Unit],
        stations: list[Station],
        hospitals: list[Hospital],
        now: datetime,
    ) -> Result:
        loc = incident.location
        if loc.lon is None or loc.lat is None:
            raise InvalidInput(
                f"incident {incident.number} has no coordinates yet: choose an address "
                "candidate or pick the point on the map"
            )
        target = self.snapper.snap(loc.lon, loc.lat, max_distance_m=self.max_snap_m)
        need = self.requirement(incident)
        station_by_id = {s.id: s for s in stations}
        hospital_by_id = {h.id: h for h in hospitals}
        pool = [
            self._place(u, station_by_id, hospital_by_id, now)
            for u in units
            if u.active and (u.status.available or u.status.clearing)
        ]
        # One reverse search from the incident serves every group and every route length,
        # unless a later group needs it to reach farther; and it serves the next answer.
        kept = self.targets.get(MODE, target)
        main, bound, tree = self._ranked(pool, target, need.capabilities, top=self.need, tree=kept)
        additional = []
        for caps in need.also:
            found, _, tree = self._ranked(
                pool, target, caps, top=2, exclude=_first(main), tree=tree
            )
            additional.append((caps, found[:3]))
        if tree is not None and tree is not kept:
            self.targets.put(tree)
        return Result(
            requirement=need,
            units=main,
            additional=additional,
            hospitals=self._hospitals(target, hospitals, need.hospital),
            bound_s=bound,
        )

    def _place(
        self,
        unit: Unit,
        stations: dict[str, Station],
        hospitals: dict[str, Hospital],
        now: datetime,
    ) -> _Placed:
        station = stations.get(unit.station) if unit.station else None
        fix = unit.position
        in_quarters = unit.status is UnitStatus.AVAILABLE_AT_STATION
        if fix is not None and not in_quarters:
            age = max(0.0, (now - fix.at).total_seconds())
            snap = self._snap(fix.lon, fix.lat)
            if snap is not None:
                return _Placed(unit, snap, PositionSource.AVL, age, age > self.stale_after_s)
        if unit.status.clearing and unit.destination in hospitals:
            h = hospitals[unit.destination]
            snap = self._snap(h.lon, h.lat)
            return _Placed(unit, snap, PositionSource.HOSPITAL, None, False)
        if station is not None:
            return _Placed(unit, self.station_tree(station), PositionSource.STATION, None, False)
        return _Placed(unit, None, PositionSource.NONE, None, False)

    def _ranked(
        self,
        pool: list[_Placed],
        target: Snap,
        capabilities: tuple[str, ...],
        *,
        top: int,
        exclude: str | None = None,
        tree: TreeTo | None = None,
    ) -> tuple[list[Recommendation], float | None, TreeTo | None]:
        chosen = [p for p in pool if qualifies(p.unit, capabilities) and p.unit.id != exclude]
        placed = [p for p in chosen if p.where is not None]
        result = fleet_etas(
            self.router,
            target,
            [p.where for p in placed if p.where is not None],
            need=top,
            mode=MODE,
            reuse=tree,
            paths=True,
            landmarks=self._landmarks,
        )
        etas = {p.unit.id: float(e) for p, e in zip(placed, result.etas, strict=True)}
        candidates = [
            Candidate(
                unit=p.unit,
                eta_s=_finite(etas.get(p.unit.id)),
                source=p.source,
                position_age_s=p.age_s,
                stale=p.stale,
                clearing=p.unit.status.clearing,
            )
            for p in chosen
        ]
        ranked = rank(
            candidates,
            capabilities=capabilities,
            clearing_penalty_s=self.clearing_penalty_s,
            bound_s=result.bound_s,
        )
        ranked, tree = self._with_distances(ranked, placed, target, top=3, tree=result.tree)
        return ranked, result.bound_s, tree

    def _with_distances(
        self,
        ranked: list[Recommendation],
        placed: list[_Placed],
        target: Snap,
        *,
        top: int,
        tree: TreeTo | None,
    ) -> tuple[list[Recommendation], TreeTo | None]:
        """Add the route length for the first few: a parked unit's is read off its station's
        tree, a moving unit's off the reverse search's paths."""
        first = [r for r in ranked[:top] if r.eta_s is not None]
        where = {p.unit.id: p.where for p in placed}
        moving = [
            r.eta_s for r in first if r.eta_s is not None and isinstance(where.get(r.unit), Snap)
        ]
        if moving:
            reach = _margin(max(moving))
            if tree is None or tree.pred is None or not _reaches(tree, reach):
                tree = self.router.tree_to(target, mode=MODE, limit_s=reach, paths=True)
        out = []
        for rec in ranked:
            start = where.get(rec.unit)
            if rec in first and start is not None:
                metres = self._metres(start, target, tree)
                if metres is not None:
                    rec = replace(rec, distance_m=metres, reasons=_with_km(rec.reasons, metres))
            out.append(rec)
        return out, tree

    def _metres(self, start: Snap | Tree, target: Snap, tree: TreeTo | None) -> float | None:
        if isinstance(start, Tree):
            return self.router.meters_via_tree(start, target)
        return None if tree is None else self.router.meters_via_tree_to(tree, start)

    def _hospitals(
        self, target: Snap, hospitals: list[Hospital], needs: tuple[str, ...]
    ) -> list[HospitalOption]:
        trees = [(h, self.hospital_tree(h)) for h in hospitals]
        usable = [(h, t) for h, t in trees if t is not None]
        etas = self.router.costs_via_trees_to([t for _, t in usable], target)
        options = []
        for (h, _), eta in zip(usable, etas, strict=True):
            missing = tuple(c for c in needs if c not in h.capabilities)
            options.append((h, float(eta), missing))
        options.sort(key=lambda o: (o[2] != () or o[0].diversion, o[1], o[0].name))
        out = []
        for i, (h, eta, missing) in enumerate(options):
            suggested = i == 0 and not missing and not h.diversion
            out.append(
                HospitalOption(
                    hospital=h.id,
                    name=h.name,
                    eta_s=_finite(eta),
                    diversion=h.diversion,
                    missing=missing,
                    suggested=suggested,
                )
            )
        return out


def _reaches(tree: TreeTo, limit: float) -> bool:
    return tree.limit_s is None or tree.limit_s >= limit


def _margin(seconds: float) -> float:
    return seconds * (1 + 1e-9) + 1e-3


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _first(ranked: list[Recommendation]) -> str | None:
    return ranked[0].unit if ranked else None


def _with_km(reasons: tuple[str, ...], meters: float) -> tuple[str, ...]:
    if not reasons or "km" in reasons[0]:
        return reasons
    return (f"{reasons[0]}, {meters / 1000:.1f} km", *reasons[1:])


def _replace(trees: dict[_Place, _T], key: _Place, tree: _T) -> None:
    """Keep one tree per place: a moved station's or hospital's old tree goes (2-3 MB each on
    a 200k-junction region), so moving places back and forth cannot grow memory."""
    for old in [k for k in trees if k[0] == key[0] and k != key]:
        del trees[old]
    trees[key] = tree
