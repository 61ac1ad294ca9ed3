"""Crash safety: SIGKILL the server under load; acknowledged writes survive, retries dedupe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest

from emscad.accounts.permissions import Role
from emscad.accounts.service import AccountService
from emscad.clock import SystemClock
from emscad.regions import files
from emscad.storage.accounts_sql import SqlAccountStore
from emscad.storage.db import Database
from tests.factories.api import small_region
from tests.factories.server import free_port


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "emscad", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def _body(i: int) -> dict[str, object]:
    return {
        "location": {"text": f"{100 + i} Main St", "lon": -92.3, "lat": 34.75},
        "chief_complaint": "fall",
    }


@pytest.mark.slow
def test_acknowledged_writes_survive_a_kill_and_retries_make_no_duplicates(
    database: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    files.write_region(home / "regions", small_region())
    accounts = AccountService(
        SqlAccountStore(database), clock=SystemClock(), new_id=lambda: os.urandom(8).hex()
    )
    accounts.create_user("loader", roles=[Role.CALL_TAKER])
    _, token = accounts.create_token("loader", name="crash test")
    env = {
        **os.environ,
        "EMSCAD_HOME": str(home),
        "EMSCAD_REGION": "test",
        "EMSCAD_DATABASE_URL": database.url.render_as_string(hide_password=False),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}

    server = _start(env, port, tmp_path / "server.log")
    acked: dict[str, str] = {}  # idempotency key -> incident id the server acknowledged
    attempted: set[str] = set()
    lock = threading.Lock()
    counter = iter(range(1_000_000))
    stop = threading.Event()

    def load() -> None:
        with httpx2.Client(timeout=5) as client:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                    attempted.add(f"k{i}")
                try:
                    r = client.post(
                        f"{url}/api/incidents",
                        json=_body(i),
                        headers={**headers, "Idempotency-Key": f"k{i}"},
                    )
                except httpx2.HTTPError:
                    continue  # the server died mid-request: not acknowledged
                if r.status_code == 201:
                    with lock:
                        acked[f"k{i}"] = r.json()["id"]

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 20
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)  # no shutdown, no flush: a crash
    server.wait()
    stop.set()
    for w in workers:
        w.join()
    assert len(acked) >= 150

    server = _start(env, port, tmp_path / "server.log")
    try:
        with httpx2.Client(timeout=10) as client:
            # Every client retries whatever it sent, acknowledged or not.
            for key in sorted(attempted, key=lambda k: int(k[1:])):
                r = client.post(
                    f"{url}/api/incidents",
                    json=_body(int(key[1:])),
                    headers={**headers, "Idempotency-Key": key},
                )
                assert r.status_code == 201, r.text
                if key in acked:
                    assert r.json()["id"] == acked[key], "an acknowledged incident was lost"
            everything = client.get(
                f"{url}/api/incidents", params={"limit": 1000}, headers=headers
            ).json()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    ids = [i["id"] for i in everything]
    assert len(ids) == len(set(ids)) == len(attempted)
    assert set(acked.values()) <= set(ids)
