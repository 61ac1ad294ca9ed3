"""Landmarks, stations and hospitals of the synthetic city, each at a street address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from emscad.geo import quantize_deg
from emscad.regions.model import F64, I64, Place, PlaceKind, RoadNetwork
from emscad.regions.roads import RoadClass
from emscad.regions.synthetic.faces import Faces
from emscad.regions.synthetic.names import STATES, NameAllocator, number_words
from emscad.regions.synthetic.plan import CITY, NORTH_CITY, STATE, CityPlan
from emscad.regions.synthetic.siting import Site, Siter, spread_points

# name, aliases, category, capabilities. Riverton General is the region's level I trauma
# centre and burn unit; the others are what a mid-sized US city has.
HOSPITALS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    (
        "Riverton General Hospital",
        ("Riverton General", "General Hospital", "RGH"),
        "general",
        ("trauma", "stroke", "stemi", "burn"),
    ),
    (
        "Children's Hospital",
        ("Riverton Children's Hospital", "Childrens Hospital", "Children's"),
        "pediatric",
        ("pediatric", "trauma"),
    ),
    (
        "St. Mary's Medical Center",
        ("St Mary's", "Saint Mary's Hospital", "St. Mary's"),
        "general",
        ("stroke", "stemi"),
    ),
    (
        "Baptist Health Medical Center",
        ("Baptist Hospital", "Baptist Health"),
        "general",
        ("stroke", "stemi"),
    ),
    (
        "University Medical Center",
        ("UMC", "University Hospital"),
        "general",
        ("trauma", "stroke", "stemi"),
    ),
    ("Veterans Memorial Hospital", ("VA Hospital", "Veterans Hospital"), "general", ("stemi",)),
    ("Southwest Regional Medical Center", ("Southwest Regional",), "general", ("stroke",)),
)

NODES_PER_HOSPITAL = 40_000
KM2_PER_STATION = 20.0
_ARTERIALS = (RoadClass.PRIMARY, RoadClass.SECONDARY, RoadClass.TERTIARY)
_STATES = frozenset(STATES)


@dataclass(frozen=True, eq=False)
class PlacedAddresses:
    """The street addresses the places took, to add to the address table."""

    face: I64
    number: I64
    x: F64
    y: F64


def make_places(
    plan: CityPlan,
    network: RoadNetwork,
    faces: Faces,
    strings: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[tuple[Place, ...], PlacedAddresses]:
    arterial = np.isin(network.seg_class[faces.seg], _ARTERIALS)
    maker = _Maker(plan, faces, strings, Siter(faces, rng, preferred=arterial))
    node_x, node_y = plan.plane.to_xy(network.node_lon, network.node_lat)
    names = NameAllocator(rng)
    bases = _Bases(names)

    n = network.n_nodes
    hospitals = _hospitals(maker, rng, node_x, node_y, max(2, round(n / NODES_PER_HOSPITAL)), bases)
    area_km2 = float(np.ptp(node_x) * np.ptp(node_y)) / 1e6
    stations = _stations(maker, rng, node_x, node_y, max(3, round(area_km2 / KM2_PER_STATION)))
    police = _police(maker, plan)
    landmarks = _landmarks(maker, plan, rng, node_x, node_y, bases, n)
    places = (*hospitals, *stations, *police, *landmarks)
    sites = maker.sites
    return places, PlacedAddresses(
        face=np.array([s.face for s in sites], np.int64),
        number=np.array([s.number for s in sites], np.int64),
        x=np.array([s.x for s in sites]),
        y=np.array([s.y for s in sites]),
    )


class _Maker:
    """Sites places and writes their addresses."""

    def __init__(
        self, plan: CityPlan, faces: Faces, strings: tuple[str, ...], siter: Siter
    ) -> None:
        self.plan = plan
        self._faces = faces
        self._strings = strings
        self._siter = siter
        self.sites: list[Site] = []

    def place(
        self,
        x: float,
        y: float,
        *,
        id: str,
        kind: PlaceKind,
        name: str,
        category: str,
        aliases: tuple[str, ...] = (),
        capabilities: tuple[str, ...] = (),
        on_arterial: bool = False,
    ) -> Place:
        site = self._siter.site(x, y, preferred=on_arterial)
        self.sites.append(site)
        f = self._faces
        street = self._strings[int(f.street[site.face])]
        zip_code = self._strings[int(f.zip[site.face])]
        city = NORTH_CITY if bool(self.plan.city_is_north(site.x, site.y)) else CITY
        lon, lat = self.plan.plane.to_lonlat(site.x, site.y)
        return Place(
            id=id,
            kind=kind,
            name=name,
            lon=float(quantize_deg(lon)),
            lat=float(quantize_deg(lat)),
            category=category,
            aliases=aliases,
            address=f"{site.number} {street}, {city}, {STATE} {zip_code}",
            capabilities=capabilities,
        )


class _Bases:
    """Plain base names ("Hillcrest") for schools and parks, unique within each kind.

    State names make good avenues but odd schools, so they are skipped here.
    """

    def __init__(self, names: NameAllocator) -> None:
        self._names = names
        self._used: dict[str, set[str]] = {}

    def take(self, kind: str) -> str | None:
        used = self._used.setdefault(kind, set())
        for _ in range(2_000):
            base = self._names.base()
            if base not in used and base not in _STATES:
                used.add(base)
                return base
        return None


def _by_distance(plan: CityPlan, x: F64, y: F64) -> Iterator[tuple[float, float]]:
    dx, dy = plan.downtown
    for i in np.argsort(np.hypot(x - dx, y - dy), kind="stable"):
        yield float(x[i]), float(y[i])


def _hospitals(
    maker: _Maker, rng: np.random.Generator, x: F64, y: F64, count: int, bases: _Bases
) -> list[Place]:
    """Spread like the population; the one nearest downtown is Riverton General."""
    cx, cy = spread_points(rng, x, y, count)
    out: list[Place] = []
    for i, (px, py) in enumerate(_by_distance(maker.plan, cx, cy)):
        if i < len(HOSPITALS):
            name, aliases, category, caps = HOSPITALS[i]
        else:
            base = bases.take("hospital") or f"District {i + 1}"
            name, aliases, category, caps = (
                f"{base} Community Hospital",
                (f"{base} Community", f"{base} Hospital"),
                "general",
                (),
            )
        out.append(
            maker.place(
                px,
                py,
                id=f"hospital-{i + 1}",
                kind=PlaceKind.HOSPITAL,
                name=name,
                category=category,
                aliases=aliases,
                capabilities=caps,
                on_arterial=True,
            )
        )
    return out


def _stations(maker: _Maker, rng: np.random.Generator, x: F64, y: F64, count: int) -> list[Place]:
    """Numbered outward from downtown; every third is an EMS-only station, the rest are fire
    stations that also house an ambulance."""
    cx, cy = spread_points(rng, x, y, count)
    out: list[Place] = []
    for i, (px, py) in enumerate(_by_distance(maker.plan, cx, cy), start=1):
        ems_only = i % 3 == 0
        aliases: tuple[str, ...] = (f"Station {number_words(i)}", f"Medic {i}")
        aliases += (f"EMS Station {i}",) if ems_only else (f"Fire Station {i}", f"Engine {i}")
        out.append(
            maker.place(
                px,
                py,
                id=f"station-{i}",
                kind=PlaceKind.STATION,
                name=f"Station {i}",
                category="ems" if ems_only else "fire",
                aliases=aliases,
                capabilities=("ems",) if ems_only else ("ems", "fire"),
                on_arterial=True,
            )
        )
    return out


def _police(maker: _Maker, plan: CityPlan) -> list[Place]:
    """Each of the two cities has its own police department."""
    dx, dy = plan.downtown
    nx, ny = _north_centre(plan)
    return [
        maker.place(
            dx - 150.0,
            dy - 120.0,
            id="police-1",
            kind=PlaceKind.STATION,
            name="Riverton Police Department",
            category="police",
            aliases=("RPD", "Riverton PD", "Police Headquarters"),
            capabilities=("police",),
        ),
        maker.place(
            nx + 200.0,
            ny,
            id="police-2",
            kind=PlaceKind.STATION,
            name="North Riverton Police Department",
            category="police",
            aliases=("NRPD", "North Riverton PD"),
            capabilities=("police",),
        ),
    ]


def _north_centre(plan: CityPlan) -> tuple[float, float]:
    dx, _ = plan.downtown
    bank = float(plan.river.centre(dx)) + plan.river.half_width
    return dx, (bank + float(plan.row_y[-1])) / 2


def _landmarks(
    maker: _Maker,
    plan: CityPlan,
    rng: np.random.Generator,
    x: F64,
    y: F64,
    bases: _Bases,
    n_nodes: int,
) -> list[Place]:
    dx, dy = plan.downtown
    nx, ny = _north_centre(plan)
    river_x = dx + 250.0
    bank_y = float(plan.river.centre(river_x)) - plan.river.half_width - 60.0
    spots: list[tuple[float, float, str, str, tuple[str, ...], bool]] = [
        (dx + 80, dy - 60, "Riverton City Hall", "government", ("City Hall", "Town Hall"), True),
        (
            dx - 160,
            dy - 160,
            "Riverton Public Library",
            "library",
            ("Main Library", "Central Library", "Library"),
            False,
        ),
        (river_x, bank_y, "Riverfront Park", "park", ("The Riverfront", "River Park"), False),
        (nx, ny, "North Riverton City Hall", "government", ("North Riverton Town Hall",), True),
    ]
    angle = rng.uniform(0, 2 * np.pi)
    reach = 0.35 * min(float(np.ptp(x)), float(np.ptp(y)))
    spots.append(
        (
            dx + reach * np.cos(angle),
            dy + reach * np.sin(angle),
            "Riverton Memorial Stadium",
            "stadium",
            ("Memorial Stadium", "The Stadium"),
            True,
        )
    )
    zx, zy = _random_spot(rng, x, y)
    spots.append((zx, zy, "Riverton Zoo", "zoo", ("The Zoo", "City Zoo"), False))
    for i in range(max(1, round(n_nodes / 100_000))):
        mx, my = _random_spot(rng, x, y)
        base = "Riverton" if i == 0 else bases.take("mall")
        if base is None:
            break
        mall = "Riverton Mall" if i == 0 else f"{base} Plaza"
        aliases = ("The Mall", "Riverton Town Center") if i == 0 else (f"{base} Shopping Center",)
        spots.append((mx, my, mall, "shopping", aliases, True))

    kinds = (
        ("elementary", "Elementary School", "Elementary", 4_000, 2),
        ("middle", "Middle School", "Middle", 12_000, 1),
        ("high", "High School", "High", 25_000, 1),
    )
    for kind, full, short, per, least in kinds:
        for _ in range(max(least, round(n_nodes / per))):
            base = bases.take(kind)
            if base is None:
                break
            sx, sy = _random_spot(rng, x, y)
            spots.append((sx, sy, f"{base} {full}", "school", (f"{base} {short}",), False))
    for _ in range(max(2, round(n_nodes / 4_000))):
        base = bases.take("park")
        if base is None:
            break
        px, py = _random_spot(rng, x, y)
        spots.append((px, py, f"{base} Park", "park", (f"{base} City Park",), False))

    return [
        maker.place(
            sx,
            sy,
            id=f"place-{i}",
            kind=PlaceKind.PLACE,
            name=name,
            category=category,
            aliases=aliases,
            on_arterial=arterial,
        )
        for i, (sx, sy, name, category, aliases, arterial) in enumerate(spots, start=1)
    ]


def _random_spot(rng: np.random.Generator, x: F64, y: F64) -> tuple[float, float]:
    """A random intersection's position: somewhere on land, in proportion to the streets."""
    i = int(rng.integers(0, len(x)))
    return float(x[i]), float(y[i])
