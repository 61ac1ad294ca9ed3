"""Alert latency on the live stream with 50 consoles: watch events and staff SOS.

From a watch event or a staff SOS reaching the server to its alert on the live stream of
every one of 50 connected consoles.

    .venv/bin/python -m benchmarks.alerts [--reps 40] [--consoles 50] [--quick]
                                          [--nodes 20000] [--postgres URL]

A real `emscad serve` (with its outbox and safety workers) runs on 127.0.0.1 over a
temporary home and a synthetic region, on SQLite, and on PostgreSQL too when `--postgres`
names a server. `--consoles` console users each hold an open live stream (SSE, asyncio
clients in this process). Each repetition sends, one after the other:

- a note on an incident: the baseline, the same event path with no safety work;
- a plate reader's read of a protective-order respondent's car at a station's lot
  (POST /api/watch/plate-reads): the high `watch.alert`;
- a one-tap staff SOS (POST /api/safety/sos): its first alarm step `sos.escalated`, which
  alarms every console (acknowledged and cleared afterwards, outside the timing).

Each is timed from just before its request goes out until its event is read off each
console's stream. Reported per kind: the per-console latency (every console, every
repetition) and the worst console of each alert, as p50/p99/max, and the request's own round
trip; GET /api/health round trips; and ratios to the note baseline. Target: p99 <= 1 s
with 50 consoles. Ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

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
TARGET_MS = 1000.0
WATCHED = {"incident.note_added", "watch.alert", "sos.escalated"}
CAR = {"plate": "XYZ 789", "state": "AR", "make": "Honda", "model": "Civic", "colour": "silver"}
CONSOLE_ROLES = (Role.DISPATCHER, Role.CALL_TAKER, Role.SUPERVISOR)


# -- set-up ----------------------------------------------------------------------------------------


def seed(settings: Settings, region: Region, consoles: int) -> dict[str, Any]:
    """Stations, hospitals, units; console users, a protected member of staff, a supervisor
    and a plate-reader feed; their tokens."""
    rt = build_runtime(settings)
    try:
        upgrade(rt.database)
        stations = seed_places(rt, region)
        kinds = [UnitType.ALS] * 6 + [UnitType.BLS] * 3 + [UnitType.POLICE] * 3
        for i, kind in enumerate(kinds):
            rt.dispatch.add_unit(
                "bench",
                f"u{i:02d}",
                UnitProfile(
                    call_sign=f"{kind.value.upper()} {i}",
                    type=kind,
                    capabilities=DEFAULT_CAPABILITIES[kind],
                    station=stations[i % len(stations)].id,
                ),
                status=UnitStatus.AVAILABLE_AT_STATION,
            )
        tokens: dict[str, Any] = {"consoles": []}
        for i in range(consoles):
            name = f"console{i:02d}"
            rt.accounts.create_user(name, roles=[CONSOLE_ROLES[i % len(CONSOLE_ROLES)]])
            tokens["consoles"].append(rt.accounts.create_token(name, name="bench")[1])
        for name, role in (("dana", Role.STAFF), ("sup", Role.SUPERVISOR), ("alpr", Role.ADMIN)):
            rt.accounts.create_user(name, roles=[role], display_name=name)
            tokens[name] = rt.accounts.create_token(name, name="bench")[1]
        station = stations[0]
        tokens["station"] = {"id": station.id, "lon": station.lon, "lat": station.lat}
        return tokens
    finally:
        rt.close()


# -- the consoles ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    """One alert: when each console read it, and when the request was answered (ms)."""

    consoles_ms: list[float]
    request_ms: float


class Arrivals:
    """When each console read each alert: (kind, ident) -> {console: perf_counter()}."""

    def __init__(self, consoles: int) -> None:
        self.consoles = consoles
        self.seen: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        self.complete: dict[tuple[str, str], asyncio.Event] = defaultdict(asyncio.Event)

    def add(self, key: tuple[str, str], console: int, at: float) -> None:
        got = self.seen[key]
        got.setdefault(console, at)
        if len(got) == self.consoles:
            self.complete[key].set()

    async def wait(self, key: tuple[str, str], timeout: float = 30.0) -> dict[int, float]:
        await asyncio.wait_for(self.complete[key].wait(), timeout)
        return self.seen.pop(key)


def ident(kind: str, data: dict[str, Any]) -> str | None:
    """Which alert an event is: the note's id, the plate read's camera, the SOS id."""
    if kind == "incident.note_added":
        return str(data["note"]["id"])
    if kind == "watch.alert" and data.get("severity") == "high":
        return str(data["key"]).rsplit(":", 1)[1]
    if kind == "sos.escalated" and data.get("level") == 0:
        return str(data["sos"])
    return None


async def console(
    client: httpx2.AsyncClient,
    number: int,
    token: str,
    arrivals: Arrivals,
    connected: asyncio.Event,
) -> None:
    """One console's live stream: the moment each watched event is read, before parsing."""
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", "/api/stream", headers=headers) as r:
        if r.status_code != 200:
            raise SystemExit(f"console {number}: the stream answered {r.status_code}")
        kind = ""
        data: list[str] = []
        async for text in r.aiter_lines():
            if text.startswith(":"):
                connected.set()
            elif text.startswith("event:"):
                kind = text[6:].strip()
            elif text.startswith("data:"):
                data.append(text[5:].removeprefix(" "))
            elif text == "":
                at = time.perf_counter()
                if kind in WATCHED and data:
                    found = ident(kind, json.loads("\n".join(data))["data"])
                    if found is not None:
                        arrivals.add((kind, found), number, at)
                kind, data = "", []


# -- one repetition of each kind ---------------------------------------------------------------


class Bench:
    def __init__(self, client: httpx2.AsyncClient, tokens: dict[str, Any], arrivals: Arrivals):
        self.client = client
        self.tokens = tokens
        self.arrivals = arrivals
        self.station = tokens["station"]
        self.incident = ""
        self.cameras = 0
        self.busy: list[str] = []  # requests answered 409 "database busy", then retried

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def post(self, who: str, path: str, body: Any) -> dict[str, Any]:
        """POST, retrying a 409 "the database was busy" the way a console does (counted)."""
        for attempt in range(5):
            r = await self.client.post(path, json=body, headers=self.auth(who))
            if r.status_code == 409 and "busy" in r.text and attempt < 4:
                self.busy.append(path.rsplit("/", 1)[-1])
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            if r.status_code >= 300:
                raise SystemExit(f"POST {path}: {r.status_code} {r.text}")
            out: dict[str, Any] = r.json()
            return out
        raise AssertionError("unreachable")

    async def setup(self) -> None:
        s = self.station
        made = await self.post(
            "sup",
            "/api/incidents",
            {"location": {"text": "1 Bench St", "lon": s["lon"], "lat": s["lat"]}, "priority": 3},
        )
        self.incident = made["id"]
        await self.post(
            "sup",
            "/api/orders",
            {
                "number": "BENCH-1",
                "court": "Bench County Court",
                "issued": (NOW - timedelta(days=20)).isoformat(),
                "conditions": ["04", "05"],
                "protected": [{"name": "Dana", "staff_username": "dana"}],
                "respondent": {"name": "Marcus Reed", "vehicles": [CAR]},
                "source": "benchmark",
                "zones": [{"label": "Station", "kind": "workplace", "place": s["id"]}],
            },
        )

    def latencies(self, t0: float, answered: float, got: dict[int, float]) -> Timing:
        return Timing([(at - t0) * 1000 for at in got.values()], (answered - t0) * 1000)

    async def note(self) -> Timing:
        t0 = time.perf_counter()
        note = await self.post("sup", f"/api/incidents/{self.incident}/notes", {"text": "bench"})
        answered = time.perf_counter()
        got = await self.arrivals.wait(("incident.note_added", note["id"]))
        return self.latencies(t0, answered, got)

    async def plate(self) -> Timing:
        self.cameras += 1
        camera = f"bench-cam-{self.cameras}"  # a new camera: no deduplication between reads
        s = self.station
        body = {
            "plate": "XYZ789",
            "state": "AR",
            "camera": camera,
            "lon": s["lon"] + 0.0003,
            "lat": s["lat"] - 0.0002,
            "at": datetime.now(UTC).isoformat(),
            "confidence": 0.93,
        }
        t0 = time.perf_counter()
        read = await self.post("alpr", "/api/watch/plate-reads", body)
        answered = time.perf_counter()
        if read["outcome"] != "alert":
            raise SystemExit(f"the plate read did not alert: {read}")
        got = await self.arrivals.wait(("watch.alert", camera))
        return self.latencies(t0, answered, got)

    async def sos(self) -> Timing:
        s = self.station
        position = {"lon": s["lon"] + 0.0004, "lat": s["lat"], "uncertainty_m": 15}
        t0 = time.perf_counter()
        answer = await self.post("dana", "/api/safety/sos", {"position": position})
        answered = time.perf_counter()
        key = answer["sos"]
        got = await self.arrivals.wait(("sos.escalated", key.partition(":")[2]))
        timing = self.latencies(t0, answered, got)
        # A second press would only move the open SOS: close it before the next one.
        await self.post("sup", f"/api/safety/alarms/{key}/ack", None)
        await self.post("sup", f"/api/safety/alarms/{key}/clear", {"reason": "benchmark"})
        return timing


def figures(timings: list[Timing]) -> dict[str, Any]:
    pooled = [x for t in timings for x in t.consoles_ms]
    worst = [max(t.consoles_ms) for t in timings]
    return {
        "per_console": {**summary(pooled), "max_ms": round(max(pooled), 3)},
        "worst_console": {**summary(worst), "max_ms": round(max(worst), 3)},
        # The request's own round trip: the part of the latency spent before the commit.
        "request": summary([t.request_ms for t in timings]),
    }


async def measure(url: str, tokens: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    n = args.consoles
    limits = httpx2.Limits(max_connections=n + 16, max_keepalive_connections=16)
    timeout = httpx2.Timeout(30.0, read=None)
    out: dict[str, Any] = {}
    async with httpx2.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        health = []
        for _ in range(200):
            t0 = time.perf_counter()
            r = await client.get("/api/health")
            health.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        out["baseline_health"] = summary(health)
        line("baseline: GET /api/health round trip", out["baseline_health"])

        arrivals = Arrivals(n)
        ready = [asyncio.Event() for _ in range(n)]
        streams = [
            asyncio.create_task(console(client, i, tokens["consoles"][i], arrivals, ready[i]))
            for i in range(n)
        ]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 30)
        bench = Bench(client, tokens, arrivals)
        await bench.setup()
        samples: dict[str, list[Timing]] = {"note": [], "watch": [], "sos": []}
        try:
            for rep in range(args.warmup + args.reps):
                for kind, run in (("note", bench.note), ("watch", bench.plate), ("sos", bench.sos)):
                    timing = await run()
                    if rep >= args.warmup:
                        samples[kind].append(timing)
                    await asyncio.sleep(0.05)
        finally:
            for task in streams:
                task.cancel()
            await asyncio.gather(*streams, return_exceptions=True)
    out["busy_retries"] = dict(sorted(Counter(bench.busy).items()))
    if bench.busy:
        print(f"  409 'database busy' answers, retried: {out['busy_retries']}")
    labels = {
        "note": "note (baseline)",
        "watch": "plate read: watch.alert",
        "sos": "SOS tap: alarm",
    }
    for kind, timings in samples.items():
        out[kind] = figures(timings)
        line(f"{labels[kind]}, request round trip", out[kind]["request"])
        line(f"{labels[kind]}, each console", out[kind]["per_console"])
        line(f"{labels[kind]}, worst of {n}", out[kind]["worst_console"])
    note_p99 = out["note"]["per_console"]["p99_ms"]
    for kind in ("watch", "sos"):
        out[f"ratio_{kind}_p99_to_note_p99"] = round(
            out[kind]["per_console"]["p99_ms"] / note_p99, 2
        )
        out[f"ratio_{kind}_p50_to_health_p50"] = round(
            out[kind]["per_console"]["p50_ms"] / out["baseline_health"]["p50_ms"], 1
        )
    out["target_met"] = all(
        out[kind][which]["p99_ms"] <= TARGET_MS
        for kind in ("watch", "sos")
        for which in ("per_console", "worst_console")
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40, help="alerts of each kind to time")
    parser.add_argument("--consoles", type=int, default=50, help="open live streams")
    parser.add_argument("--quick", action="store_true", help="a few repetitions only")
    parser.add_argument("--nodes", type=int, default=20_000, help="synthetic region size")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    args = parser.parse_args()
    if args.quick:
        args.reps = min(args.reps, 5)
    args.warmup = 1 if args.quick else 3
    backends = ["sqlite"] + (["postgres"] if args.postgres else [])
    results: dict[str, Any] = {
        "benchmark": "alerts",
        "consoles": args.consoles,
        "reps": args.reps,
        "nodes": args.nodes,
        "target_p99_ms": TARGET_MS,
    }
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        region = generate_region(
            "bench", seed=7, nodes=args.nodes, lights_sirens_factor=1.25, created_at=NOW
        )
        files.write_region(tmp / "home" / "regions", region)
        for backend in backends:
            print(f"\n{backend}, {args.consoles} consoles, {args.reps} alerts of each kind:")
            database_url, cleanup = prepare_backend(backend, tmp, args.postgres)
            try:
                settings = Settings(home=tmp / "home", region="bench", database_url=database_url)
                Database(database_url).dispose()
                tokens = seed(settings, region, args.consoles)
                port = free_port()
                env = {
                    **os.environ,
                    "EMSCAD_HOME": str(tmp / "home"),
                    "EMSCAD_REGION": "bench",
                    "EMSCAD_DATABASE_URL": database_url,
                }
                server = start_server(env, port, tmp / f"{backend}.log")
                try:
                    time.sleep(3)  # let the station and hospital trees finish building
                    try:
                        results[backend] = asyncio.run(
                            measure(f"http://127.0.0.1:{port}", tokens, args)
                        )
                    except BaseException:
                        print((tmp / f"{backend}.log").read_text()[-3000:])
                        raise
                finally:
                    hung = stop_server(server)
                    if backend in results:
                        results[backend]["server_shutdown_hung"] = hung
            finally:
                cleanup()
    results["target_met"] = all(results[b]["target_met"] for b in backends)
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
