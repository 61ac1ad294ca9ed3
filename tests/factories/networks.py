"""Random road networks for property tests, and a reference router built on networkx."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

import networkx as nx
import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

from emscad.regions.build import SegmentSpec, build_network
from emscad.regions.model import RoadNetwork
from emscad.regions.roads import RoadClass
from emscad.routing import Mode, Snap
from tests.factories.regions import LAT0, LON0, STEP


def random_network(
    seed: int, *, nodes: int = 30, extra: int = 40, subdivide: bool = False
) -> RoadNetwork:
    """A jittered grid with random one-ways, parallel roads, loops and curved shapes.

    With `subdivide`, most roads are cut into two to four pieces at new nodes, so that long
    runs of pass-through nodes (one-way and two-way) appear, as on real maps.
    """
    rng = np.random.default_rng(seed)
    side = max(2, int(np.sqrt(nodes)))
    n = side * side
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    lon = LON0 + (gx.ravel() + rng.uniform(-0.2, 0.2, n)) * STEP
    lat = LAT0 + (gy.ravel() + rng.uniform(-0.2, 0.2, n)) * STEP
    pairs: list[tuple[int, int]] = []
    for i in range(n):
        x, y = i % side, i // side
        if x + 1 < side:
            pairs.append((i, i + 1))
        if y + 1 < side:
            pairs.append((i, i + side))
    for _ in range(extra):  # random links, including repeats (parallel roads) and loops
        a, b = (int(v) for v in rng.integers(0, n, 2))
        pairs.append((a, b))
    shape_lon: list[float] = []
    shape_lat: list[float] = []
    offsets = [0]
    for a, b in pairs:
        bends = int(rng.integers(0, 4))
        pts = [(lon[a], lat[a])]
        for k in range(bends):
            f = (k + 1) / (bends + 1)
            pts.append(
                (
                    lon[a] + f * (lon[b] - lon[a]) + rng.uniform(-0.3, 0.3) * STEP,
                    lat[a] + f * (lat[b] - lat[a]) + rng.uniform(-0.3, 0.3) * STEP,
                )
            )
        pts.append((lon[b], lat[b]))
        if a == b:  # a loop needs a real shape: go out and come back
            pts.insert(1, (lon[a] + 0.3 * STEP, lat[a] + 0.3 * STEP))
        shape_lon.extend(p[0] for p in pts)
        shape_lat.extend(p[1] for p in pts)
        offsets.append(len(shape_lon))
    oneway = rng.random(len(pairs)) < 0.3
    if subdivide:
        pairs, oneway, shape_lon, shape_lat, offsets, lon, lat = _subdivide(
            rng, pairs, oneway, shape_lon, shape_lat, offsets, lon, lat
        )
    k = len(pairs)
    classes = rng.choice([RoadClass.RESIDENTIAL, RoadClass.PRIMARY, RoadClass.MOTORWAY], k)
    spec = SegmentSpec(
        u=np.array([p[0] for p in pairs], np.int32),
        v=np.array([p[1] for p in pairs], np.int32),
        shape_offsets=np.array(offsets, np.int64),
        shape_lon=np.array(shape_lon),
        shape_lat=np.array(shape_lat),
        road_class=classes.astype(np.uint8),
        name=np.full(k, -1, np.int32),
        oneway=np.asarray(oneway, bool),
        speed_kph=rng.uniform(20, 110, k),
    )
    network, _ = build_network(lon, lat, spec, lights_sirens_factor=1.3)
    return network


def _subdivide(
    rng: np.random.Generator,
    pairs: list[tuple[int, int]],
    oneway: NDArray[np.bool_],
    shape_lon: list[float],
    shape_lat: list[float],
    offsets: list[int],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> tuple[
    list[tuple[int, int]],
    list[bool],
    list[float],
    list[float],
    list[int],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    """Cut roads at their inner shape points into pieces joined by new pass-through nodes."""
    node_lon, node_lat = list(lon), list(lat)
    out_pairs: list[tuple[int, int]] = []
    out_oneway: list[bool] = []
    out_lon: list[float] = []
    out_lat: list[float] = []
    out_offsets = [0]
    for i, (a, b) in enumerate(pairs):
        pts = list(
            zip(
                shape_lon[offsets[i] : offsets[i + 1]],
                shape_lat[offsets[i] : offsets[i + 1]],
                strict=True,
            )
        )
        if a == b or len(pts) < 3 or rng.random() < 0.2:
            pieces = [(a, b, pts)]
        else:
            ids = [a]
            for x, y in pts[1:-1]:
                node_lon.append(x)
                node_lat.append(y)
                ids.append(len(node_lon) - 1)
            ids.append(b)
            pieces = [(ids[j], ids[j + 1], pts[j : j + 2]) for j in range(len(pts) - 1)]
        for start, end, piece in pieces:
            out_pairs.append((start, end))
            out_oneway.append(bool(oneway[i]))
            out_lon.extend(p[0] for p in piece)
            out_lat.extend(p[1] for p in piece)
            out_offsets.append(len(out_lon))
    return (
        out_pairs,
        out_oneway,
        out_lon,
        out_lat,
        out_offsets,
        np.array(node_lon),
        np.array(node_lat),
    )


def positions(network: RoadNetwork) -> st.SearchStrategy[Snap]:
    """Random positions on the network's roads (exactly at either end included)."""

    def make(seg: int, fraction: float) -> Snap:
        return Snap(seg=seg, fraction=fraction, distance_m=0.0, lon=0.0, lat=0.0)

    fractions = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))
    return st.builds(make, st.integers(0, network.n_segments - 1), fractions)


def reference_costs(
    network: RoadNetwork, mode: Mode, source: Snap, targets: Sequence[Snap]
) -> list[float]:
    """Shortest costs by plain Dijkstra on a graph with every position split into the road."""
    weights = mode.edge_weights(network)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    stops: dict[int, list[tuple[float, str]]] = defaultdict(list)
    labels: list[str] = []
    for i, pos in enumerate([source, *targets]):
        label = f"p{i}"
        labels.append(label)
        stops[pos.seg].append((pos.fraction, label))

    def add(a: object, b: object, w: float) -> None:
        if a == b:
            return
        if not graph.has_edge(a, b) or graph[a][b]["w"] > w:
            graph.add_edge(a, b, w=w)

    for e in range(network.n_edges):
        seg = int(network.edge_seg[e])
        u, v = int(network.seg_u[seg]), int(network.seg_v[seg])
        w = float(weights[e])
        # the chain of points along the segment from u to v, positions spliced in
        chain: list[tuple[float, object]] = [(0.0, u)]
        chain += sorted(stops.get(seg, []))
        chain.append((1.0, v))
        if not network.edge_forward[e]:
            chain = [(1 - f, node) for f, node in reversed(chain)]
        for (fa, a), (fb, b) in itertools.pairwise(chain):
            add(a, b, (fb - fa) * w)
    costs = nx.single_source_dijkstra_path_length(graph, labels[0], weight="w")
    return [float(costs.get(label, np.inf)) for label in labels[1:]]
