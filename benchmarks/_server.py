"""What the HTTP benchmarks share: a database per backend, the agency from the region, and
a real `emscad serve` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx2
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from emscad.agency.models import Hospital, Station
from emscad.regions.model import Place, PlaceKind, Region
from emscad.web.runtime import Runtime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare_backend(
    backend: str, tmp: Path, postgres: str | None
) -> tuple[str, Callable[[], None]]:
    """A database URL for the backend (PostgreSQL: a fresh schema), and a clean-up."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    if postgres is None:
        raise SystemExit(f"backend {backend!r} needs a PostgreSQL URL")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(make_url(postgres).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def seed_places(rt: Runtime, region: Region) -> list[Place]:
    """The region's stations and hospitals into the roster; returns the stations."""
    stations = region.places_of(PlaceKind.STATION)
    for p in stations:
        rt.dispatch.save_station("bench", Station(id=p.id, name=p.name, lon=p.lon, lat=p.lat))
    for p in region.places_of(PlaceKind.HOSPITAL):
        caps = ("emergency", *(c for c in p.capabilities if c != "emergency"))
        rt.dispatch.save_hospital(
            "bench", Hospital(id=p.id, name=p.name, lon=p.lon, lat=p.lat, capabilities=caps)
        )
    return stations


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "emscad", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server died:\n{log.read_text()}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen[bytes]) -> bool:
    """Stop the server; True if it did not finish its graceful shutdown and was killed."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print("  the server did not stop within 15 s of SIGTERM: killed")
        server.kill()
        server.wait(timeout=15)
        return True
    return False
