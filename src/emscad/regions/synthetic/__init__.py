"""The synthetic US-style city: the demo region and the main test fixture."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from emscad.errors import InvalidInput
from emscad.progress import ProgressFn, no_progress
from emscad.regions.build import build_network, make_region
from emscad.regions.model import Region
from emscad.regions.strings import StringPool
from emscad.regions.synthetic.addresses import make_addresses
from emscad.regions.synthetic.faces import faces_of
from emscad.regions.synthetic.highway import build_highway
from emscad.regions.synthetic.names import NameAllocator
from emscad.regions.synthetic.numbering import to_segment_spec
from emscad.regions.synthetic.parts import Segments
from emscad.regions.synthetic.places import make_places
from emscad.regions.synthetic.plan import CityPlan, plan_city, stage_rngs
from emscad.regions.synthetic.streets import build_streets

GENERATOR_VERSION = 1

__all__ = ["GENERATOR_VERSION", "CityPlan", "generate_region", "plan_city"]


def generate_region(
    name: str,
    *,
    seed: int,
    nodes: int,
    lights_sirens_factor: float,
    created_at: datetime,
    progress: ProgressFn = no_progress,
) -> Region:
    """Generate "Riverton, AR": a street grid with a river, an interstate, addresses and services.

    Everything follows from (`seed`, `nodes`): the same pair gives the same arrays, strings and
    places, bit for bit. `nodes` (400 to 2,000,000) is the road-node count aimed at; the city
    lands within a few per cent of it.
    """
    if not name:
        raise InvalidInput("a region needs a name")
    if not math.isfinite(lights_sirens_factor) or lights_sirens_factor < 1.0:
        raise InvalidInput(
            f"the lights-and-sirens factor must be 1.0 or more (got {lights_sirens_factor})"
        )
    if created_at.tzinfo is None:
        raise InvalidInput("created_at must be timezone-aware")
    plan = plan_city(seed, nodes)
    rngs = stage_rngs(seed)
    pool = StringPool()

    progress("streets", 0.0)
    streets = build_streets(plan, rngs["streets"], NameAllocator(rngs["streets"]), pool)
    progress("streets", 1.0)

    progress("highway", 0.0)
    highway = build_highway(plan, streets.node_x, streets.node_y, pool)
    node_x = np.concatenate([streets.node_x, highway.node_x])
    node_y = np.concatenate([streets.node_y, highway.node_y])
    segments = Segments.concat([streets.segments, highway.segments])
    progress("highway", 1.0)

    progress("network", 0.0)
    spec = to_segment_spec(plan, segments, pool)
    lon, lat = plan.plane.to_lonlat(node_x, node_y)
    network, dropped = build_network(lon, lat, spec, lights_sirens_factor=lights_sirens_factor)
    progress("network", 1.0)

    progress("places", 0.0)
    faces = faces_of(network, plan.plane)
    places, placed = make_places(plan, network, faces, pool.freeze(), rngs["places"])
    progress("places", 1.0)

    progress("addresses", 0.0)
    addresses = make_addresses(
        plan, faces, placed, pool, rngs["addresses"], n_nodes=network.n_nodes
    )
    progress("addresses", 1.0)

    return make_region(
        name,
        network,
        addresses=addresses,
        places=places,
        strings=pool.freeze(),
        source={
            "kind": "synthetic",
            "seed": seed,
            "nodes": nodes,
            "generator_version": GENERATOR_VERSION,
        },
        dropped=dropped,
        settings={"lights_sirens_factor": lights_sirens_factor},
        created_at=created_at,
    )
