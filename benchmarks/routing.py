"""Routing benchmark: one incident <- 50 units, snapping, region load; baselines in-process.

    .venv/bin/python -m benchmarks.routing [--nodes 200000] [--queries 200] [--shared DIR]

Runs on the synthetic region always and on the JEMSS Auckland graph when ../shared/data has
it; times the Columbus OSM import when that extract is present. Baselines, in this same
process on the same queries: a plain full scipy Dijkstra on the uncontracted node graph
(what the router would cost without chains and limits) and networkx's Dijkstra. Prints
medians and p99, the ratios, and ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from benchmarks._jemss import load_jemss
from benchmarks._stats import line, summary, timed
from emscad.regions import files
from emscad.regions.build import make_region
from emscad.regions.model import AddressTable, DropReport, PlaceKind, Region, RoadNetwork
from emscad.routing import Mode, Router, Snap, Snapper, Tree, fleet_etas

UNITS = 50
LIMIT_S = 900.0  # a 15-minute bound, as a recommendation needs
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def random_points(net: RoadNetwork, rng: np.random.Generator, k: int) -> tuple[Any, Any]:
    """Points near random nodes (within ~30 m), so they land on the map."""
    idx = rng.integers(0, net.n_nodes, k)
    jitter = rng.normal(0, 0.0002, (2, k))
    return net.node_lon[idx] + jitter[0], net.node_lat[idx] + jitter[1]


def bench_network(
    label: str, region: Region, queries: int, rng: np.random.Generator
) -> dict[str, Any]:
    net = region.network
    print(f"\n{label}: {net.n_nodes:,} nodes, {net.n_edges:,} edges")
    out: dict[str, Any] = {"nodes": net.n_nodes, "edges": net.n_edges}

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files.write_region(root, region)
        load = timed(lambda: files.read_region(root, region.name), repeat=15)
    out["region_load"] = summary(load)
    line("(c) region load (verify checksums)", out["region_load"])

    start = time.perf_counter()
    snapper = Snapper(net)
    out["snapper_build_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    router = Router(net)
    router.warm(Mode.LIGHTS_SIRENS)
    out["router_build_s"] = round(time.perf_counter() - start, 3)
    out["junctions"] = router.junctions
    print(
        f"  snapper built in {out['snapper_build_s']} s; router in {out['router_build_s']} s "
        f"({router.junctions:,} junctions after contracting pass-through nodes)"
    )

    points = iter(zip(*random_points(net, rng, queries), strict=True))
    out["snap"] = summary(timed(lambda: snapper.snap(*next(points), max_distance_m=5000), queries))
    line("(b) snap one point", out["snap"])
    blon, blat = random_points(net, rng, UNITS)
    out["snap_50"] = summary(timed(lambda: snapper.snap_many(blon, blat, max_distance_m=5000), 50))
    line("(b) snap 50 points at once", out["snap_50"])

    # The queries: an incident and 50 units, all at random places on the map.
    incidents = snapper.snap_many(*random_points(net, rng, queries), max_distance_m=5000)
    fleets = [
        snapper.snap_many(*random_points(net, rng, UNITS), max_distance_m=5000)
        for _ in range(queries)
    ]

    def many_to_one(limit: float | None) -> tuple[list[float], float]:
        times, reached = [], 0
        for inc, fleet in zip(incidents, fleets, strict=True):
            start = time.perf_counter()
            eta = router.travel_times_to(inc, fleet, mode=Mode.LIGHTS_SIRENS, limit_s=limit)
            times.append((time.perf_counter() - start) * 1000)
            reached += int(np.isfinite(eta).sum())
        return times, reached / len(incidents)

    full_ms, _ = many_to_one(None)
    bounded_ms, reached = many_to_one(LIMIT_S)
    out["incident_50_units_full"] = summary(full_ms)
    out["incident_50_units_15min"] = summary(bounded_ms)
    out["units_within_15min_mean"] = round(reached, 1)
    line("(a) incident <- 50 units, exact, unbounded", out["incident_50_units_full"])
    line(
        "(a) incident <- 50 units, 15-min bound",
        out["incident_50_units_15min"],
        f"({reached:.1f} of 50 within 15 min)",
    )

    # The production query: 30 units parked at stations or posts (precomputed trees: a lookup
    # each) and 20 on the move (one reverse search, bounded by the 5th-best parked unit).
    stations = [p for p in region.places if p.kind is PlaceKind.STATION]
    post_lon, post_lat = [p.lon for p in stations], [p.lat for p in stations]
    if not stations:  # a bare road graph: put 40 posts at random
        post_lon, post_lat = (list(a) for a in random_points(net, rng, 40))
    posts = snapper.snap_many(post_lon, post_lat, max_distance_m=5000)
    start = time.perf_counter()
    trees = [router.tree(p, mode=Mode.LIGHTS_SIRENS) for p in posts]
    out["posts"] = len(posts)
    out["trees_build_s"] = round(time.perf_counter() - start, 3)
    # The same queries again with every post's tree as a landmark (lower bounds that keep
    # the search to the moving units that can compete), interleaved so both see the same
    # machine; the two answers must agree on the five nearest.
    fleet_ms, guided_ms = [], []
    for inc, fleet in zip(incidents, fleets, strict=True):
        units: list[Snap | Tree] = [trees[int(i)] for i in rng.integers(0, len(trees), 30)]
        units += fleet[:20]
        t0 = time.perf_counter()
        plain_etas = fleet_etas(router, inc, units, need=5, mode=Mode.LIGHTS_SIRENS)
        t1 = time.perf_counter()
        guided = fleet_etas(router, inc, units, need=5, mode=Mode.LIGHTS_SIRENS, landmarks=trees)
        t2 = time.perf_counter()
        fleet_ms.append((t1 - t0) * 1000)
        guided_ms.append((t2 - t1) * 1000)
        near = np.sort(plain_etas.etas)[:5]
        assert np.allclose(near, np.sort(guided.etas)[:5], rtol=1e-9), (near, guided.etas)
    out["incident_50_units_fleet"] = summary(fleet_ms)
    out["incident_50_units_fleet_landmarks"] = summary(guided_ms)
    line(
        "(a) incident <- 50 units: 30 parked, 20 moving",
        out["incident_50_units_fleet"],
        f"(5 nearest exact; trees for {len(posts)} posts in {out['trees_build_s']} s)",
    )
    line("(a) the same, posts' trees as landmarks", out["incident_50_units_fleet_landmarks"])

    # Baselines on the same queries: the uncontracted node graph, whole search.
    csr = sp.csr_matrix(
        (net.edge_time_ls_s, (net.edge_dst, net.edge_src)), shape=(net.n_nodes, net.n_nodes)
    )
    start_nodes = [int(net.seg_u[s.seg]) for s in incidents]
    unit_nodes = [[int(net.seg_u[u.seg]) for u in fleet] for fleet in fleets]
    plain = []
    for node, units in zip(start_nodes, unit_nodes, strict=True):
        t0 = time.perf_counter()
        d = dijkstra(csr, directed=True, indices=[node])
        _ = d[0][units]
        plain.append((time.perf_counter() - t0) * 1000)
    out["baseline_scipy_plain"] = summary(plain)
    line("    baseline: plain full scipy Dijkstra", out["baseline_scipy_plain"])

    graph = nx.DiGraph()
    for a, b, w in zip(
        net.edge_dst.tolist(), net.edge_src.tolist(), net.edge_time_ls_s.tolist(), strict=True
    ):
        if not graph.has_edge(a, b) or graph[a][b]["w"] > w:
            graph.add_edge(a, b, w=w)
    nx_ms = []
    for node, units in list(zip(start_nodes, unit_nodes, strict=True))[:10]:
        t0 = time.perf_counter()
        lengths = nx.single_source_dijkstra_path_length(graph, node, weight="w")
        _ = [lengths.get(u) for u in units]
        nx_ms.append((time.perf_counter() - t0) * 1000)
    out["baseline_networkx"] = summary(nx_ms)
    line("    baseline: networkx Dijkstra", out["baseline_networkx"])

    nx_p50 = out["baseline_networkx"]["p50_ms"]
    plain_p50 = out["baseline_scipy_plain"]["p50_ms"]
    for key, label in (
        ("incident_50_units_full", "exact"),
        ("incident_50_units_15min", "15min"),
        ("incident_50_units_fleet", "fleet"),
        ("incident_50_units_fleet_landmarks", "guided"),
    ):
        ours = out[key]["p50_ms"]
        out[f"ratio_networkx_over_{label}"] = round(nx_p50 / ours, 1)
        out[f"ratio_scipy_plain_over_{label}"] = round(plain_p50 / ours, 1)
        print(
            f"  speed-up (p50), {label:>6}: {out[f'ratio_networkx_over_{label}']:>7}x networkx, "
            f"{out[f'ratio_scipy_plain_over_{label}']:>6}x plain scipy"
        )
    return out


def region_from_network(name: str, network: RoadNetwork) -> Region:
    return make_region(
        name,
        network,
        addresses=AddressTable.empty(),
        places=(),
        strings=(),
        source={"kind": "jemss"},
        dropped=DropReport(),
        settings={},
        created_at=NOW,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    results: dict[str, Any] = {"benchmark": "routing", "units": UNITS, "limit_s": LIMIT_S}

    from emscad.regions.synthetic import generate_region

    start = time.perf_counter()
    region = generate_region(
        "bench", seed=args.seed, nodes=args.nodes, lights_sirens_factor=1.25, created_at=NOW
    )
    results["synthetic_generate_s"] = round(time.perf_counter() - start, 2)
    print(
        f"generated a {args.nodes:,}-node synthetic region in {results['synthetic_generate_s']} s"
    )
    results["synthetic"] = bench_network("synthetic", region, args.queries, rng)

    auckland = args.shared / "jemss-road-graphs" / "auckland.zip"
    if auckland.is_file():
        network = load_jemss(auckland)
        results["auckland"] = bench_network(
            "JEMSS Auckland", region_from_network("auckland", network), args.queries, rng
        )
    else:
        print(f"\n(no {auckland}; Auckland skipped)")

    columbus = args.shared / "osm-columbus-oh" / "columbus.osm.pbf"
    if columbus.is_file():
        from emscad.regions.osm import import_osm

        start = time.perf_counter()
        imported = import_osm(
            columbus, "columbus", bbox=None, lights_sirens_factor=1.25, created_at=NOW
        )
        results["columbus_import_s"] = round(time.perf_counter() - start, 2)
        results["columbus_nodes"] = imported.network.n_nodes
        print(
            f"\nColumbus OSM import: {results['columbus_import_s']} s "
            f"({imported.network.n_nodes:,} nodes)"
        )
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
