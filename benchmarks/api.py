"""API benchmark against a real `emscad serve` on 127.0.0.1, on SQLite and on PostgreSQL.

    .venv/bin/python -m benchmarks.api [--duration 60] [--rate 100] [--nodes 200000]
                                       [--backends sqlite,postgres]

For each backend: (1) create-incident latency under an open-loop load of `rate` requests a
second for `duration` seconds (a bounded client: requests go out on schedule whether or not
earlier ones returned, at most 64 in flight); (2) AVL ingest rate, batches of 500 fixes from
60 units; (3) recommendation latency with 60 units on the synthetic region (60 incidents,
10 rounds, as a console asks again while the board moves), and apart the first asks for 200
new incidents (no search of theirs kept yet). The baseline, measured in the same run, is
GET /api/health (HTTP and the event loop, no database work).
Ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import numpy as np

from benchmarks._server import free_port, prepare_backend, seed_places, start_server, stop_server
from benchmarks._stats import line, summary
from emscad.accounts.permissions import Role
from emscad.config import Settings
from emscad.regions import files
from emscad.regions.model import Region
from emscad.regions.synthetic import generate_region
from emscad.storage.db import Database
from emscad.storage.migrate import upgrade
from emscad.units.events import UnitProfile
from emscad.units.models import DEFAULT_CAPABILITIES, UnitStatus, UnitType
from emscad.web.runtime import build_runtime

NOW = datetime.now(UTC)
UNITS = 60
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def seed(settings: Settings, region: Region) -> tuple[str, str]:
    """Stations, hospitals, 60 units, a dispatcher and an AVL gateway; their tokens."""
    rt = build_runtime(settings)
    try:
        upgrade(rt.database)
        stations = seed_places(rt, region)
        rng = np.random.default_rng(3)
        kinds = [UnitType.ALS] * 36 + [UnitType.BLS] * 18 + [UnitType.POLICE] * 6
        for i, kind in enumerate(kinds):
            station = stations[int(rng.integers(0, len(stations)))]
            rt.dispatch.add_unit(
                "bench",
                f"u{i:02d}",
                UnitProfile(
                    call_sign=f"{kind.value.upper()} {i}",
                    type=kind,
                    capabilities=DEFAULT_CAPABILITIES[kind],
                    station=station.id,
                ),
                # A third of the fleet is on the road (AVL positions), the rest in quarters.
                status=UnitStatus.AVAILABLE if i % 3 == 0 else UnitStatus.AVAILABLE_AT_STATION,
            )
        rt.accounts.create_user("bench", roles=[Role.DISPATCHER, Role.FIELD_UNIT], unit="u00")
        # A field-unit account with no unit is an AVL gateway: positions for the whole fleet.
        rt.accounts.create_user("avl", roles=[Role.FIELD_UNIT])
        _, token = rt.accounts.create_token("bench", name="benchmark")
        _, avl_token = rt.accounts.create_token("avl", name="benchmark gateway")
        return token, avl_token
    finally:
        rt.close()


async def open_loop(
    client: httpx2.AsyncClient, make: Any, *, rate: float, duration: float
) -> tuple[list[float], int]:
    """Send make(i) every 1/rate seconds for `duration`; latencies (ms) and error count."""
    latencies: list[float] = []
    errors = 0
    why: Counter[str] = Counter()  # what the errors were: a status code or an exception
    gate = asyncio.Semaphore(64)
    start = time.perf_counter()
    tasks = []

    async def one(i: int) -> None:
        nonlocal errors
        async with gate:
            t0 = time.perf_counter()
            try:
                r = await make(client, i)
                ok = r.status_code < 300
                if not ok:
                    why[f"{r.status_code} {r.text[:120]}"] += 1
            except httpx2.HTTPError as exc:
                ok = False
                why[type(exc).__name__] += 1
            if ok:
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                errors += 1

    n = int(rate * duration)
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for reason, count in why.most_common(5):
        print(f"  error x{count}: {reason}")
    return latencies, errors


def random_points(region: Region, rng: np.random.Generator, k: int) -> list[tuple[float, float]]:
    net = region.network
    idx = rng.integers(0, net.n_nodes, k)
    return [(float(net.node_lon[i]), float(net.node_lat[i])) for i in idx]


async def measure(
    url: str, tokens: tuple[str, str], region: Region, args: argparse.Namespace
) -> dict[str, Any]:
    token, avl_token = tokens
    headers = {"Authorization": f"Bearer {token}"}
    rng = np.random.default_rng(11)
    out: dict[str, Any] = {}
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx2.AsyncClient(
        base_url=url, headers=headers, timeout=30, limits=limits
    ) as client:
        # Baseline: the same HTTP path with no database work.
        async def health(c: httpx2.AsyncClient, _: int) -> httpx2.Response:
            return await c.get("/api/health")

        base, _ = await open_loop(client, health, rate=args.rate, duration=min(10, args.duration))
        out["baseline_health"] = summary(base)
        line("baseline: GET /api/health", out["baseline_health"])

        points = random_points(region, rng, int(args.rate * args.duration) + 1)
        complaints = ["fall", "sick_person", "chest_pain", "breathing_problem", "traffic_accident"]

        async def create(c: httpx2.AsyncClient, i: int) -> httpx2.Response:
            lon, lat = points[i]
            body = {
                "location": {"text": f"{100 + i} Bench St", "lon": lon, "lat": lat},
                "chief_complaint": complaints[i % len(complaints)],
                "caller": {"name": "Bench", "phone": "+15015550100"},
            }
            return await c.post(
                "/api/incidents", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
            )

        lat_ms, errors = await open_loop(client, create, rate=args.rate, duration=args.duration)
        out["create_incident"] = summary(lat_ms)
        out["create_incident"]["errors"] = errors
        out["create_incident"]["rate_per_s"] = args.rate
        out["create_incident"]["duration_s"] = args.duration
        line(
            f"create incident at {args.rate:g}/s for {args.duration:g} s",
            out["create_incident"],
            f"({errors} errors)",
        )

        # AVL: 60 units, batches of 500 fixes, 4 senders, as fast as the server takes them.
        unit_points = random_points(region, rng, UNITS)
        at = datetime.now(UTC)
        sent = 0

        async def sender(k: int, until: float) -> None:
            nonlocal sent
            j = 0
            while time.perf_counter() < until:
                batch = []
                for b in range(500):
                    u = (k * 500 + b + j) % UNITS
                    lon, lat = unit_points[u]
                    stamp = at + timedelta(milliseconds=j * 500 + b)
                    batch.append(
                        {
                            "unit": f"u{u:02d}",
                            "lon": lon + 0.0001 * (j % 7),
                            "lat": lat,
                            "at": stamp.isoformat(),
                        }
                    )
                r = await client.post(
                    "/api/avl",
                    json={"positions": batch},
                    headers={"Authorization": f"Bearer {avl_token}"},
                )
                if r.status_code == 200:
                    sent += r.json()["stored"]
                j += 1

        t0 = time.perf_counter()
        until = t0 + min(15.0, args.duration)
        await asyncio.gather(*(sender(k, until) for k in range(4)))
        elapsed = time.perf_counter() - t0
        out["avl_positions_per_s"] = round(sent / elapsed)
        label = "AVL ingest, batches of 500, 4 senders"
        print(f"  {label:<44} {out['avl_positions_per_s']:>9,} positions/s")

        # Recommendation: incidents at random places; 60 units, a third with fresh AVL fixes.
        async def incidents(k: int, label: str) -> list[str]:
            made = []
            for i, (lon, lat) in enumerate(random_points(region, rng, k)):
                r = await client.post(
                    "/api/incidents",
                    json={
                        "location": {"text": f"{label} {i}", "lon": lon, "lat": lat},
                        "priority": 1,
                    },
                )
                made.append(r.json()["id"])
            return made

        async def ask(iid: str) -> float:
            t0 = time.perf_counter()
            r = await client.get(f"/api/incidents/{iid}/recommendation")
            assert r.status_code == 200, r.text
            return (time.perf_counter() - t0) * 1000

        ids = await incidents(60, "rec")
        for iid in await incidents(5, "warm"):  # trees are built in the background at start-up
            await ask(iid)
        # As a console asks: again for each open incident whenever the board moves. 600
        # answers, 60 of them first asks: the p99 of 300 is the third-slowest alone, which
        # one hiccup of a shared machine decides; of 600 it is the sixth.
        rec_ms = [await ask(iid) for _ in range(10) for iid in ids]
        out["recommendation"] = summary(rec_ms)
        line("recommendation, 60 units", out["recommendation"])
        # First asks alone: a new incident's search from scratch.
        first_ms = [await ask(iid) for iid in await incidents(200, "first")]
        out["recommendation_first_ask"] = summary(first_ms)
        line("recommendation, first asks (200 incidents)", out["recommendation_first_ask"])
    for key in ("create_incident", "recommendation"):
        out[f"ratio_{key}_p50_to_baseline"] = round(
            out[key]["p50_ms"] / out["baseline_health"]["p50_ms"], 1
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, Any] = {"benchmark": "api", "units": UNITS, "nodes": args.nodes}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        region = generate_region(
            "bench", seed=7, nodes=args.nodes, lights_sirens_factor=1.25, created_at=NOW
        )
        files.write_region(tmp / "home" / "regions", region)
        # The load client keeps the region (random points): exempt it from the collector,
        # as the server does with its own, so a client pause is not counted as latency.
        gc.collect()
        gc.freeze()
        for backend in args.backends.split(","):
            print(f"\n{backend}:")
            postgres = os.environ.get("EMSCAD_TEST_POSTGRES_URL", PG_DEFAULT)
            database_url, cleanup = prepare_backend(backend, tmp, postgres)
            try:
                settings = Settings(home=tmp / "home", region="bench", database_url=database_url)
                Database(database_url).dispose()
                tokens = seed(settings, region)
                port = free_port()
                env = {
                    **os.environ,
                    "EMSCAD_HOME": str(tmp / "home"),
                    "EMSCAD_REGION": "bench",
                    "EMSCAD_DATABASE_URL": database_url,
                }
                server = start_server(env, port, tmp / f"{backend}.log")
                try:
                    time.sleep(5)  # let the station and hospital trees finish building
                    try:
                        results[backend] = asyncio.run(
                            measure(f"http://127.0.0.1:{port}", tokens, region, args)
                        )
                    except Exception:
                        print((tmp / f"{backend}.log").read_text()[-3000:])
                        raise
                finally:
                    stop_server(server)
            finally:
                cleanup()
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
