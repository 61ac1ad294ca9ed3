"""The live stream over a real HTTP server: in order, and resumable without gaps or repeats."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from emscad.storage.db import Database
from emscad.web.runtime import Runtime
from tests.factories.api import seed, start
from tests.factories.server import read_events, serving


@pytest.fixture
def live(database: Database, tmp_path: Path) -> Iterator[tuple[str, Runtime, dict[str, str]]]:
    rt, _ = start(tmp_path / "home", database)
    with serving(rt) as url:
        tokens = seed(rt)
        yield url, rt, tokens
    rt.close()


def _note(url: str, token: str, incident: str, text: str) -> None:
    r = httpx2.post(
        f"{url}/api/incidents/{incident}/notes",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text


def _incident(url: str, token: str) -> str:
    r = httpx2.post(
        f"{url}/api/incidents",
        json={"location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75}, "priority": 2},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    incident_id: str = r.json()["id"]
    return incident_id


def test_a_client_that_reconnects_gets_exactly_what_it_missed(
    live: tuple[str, Runtime, dict[str, str]],
) -> None:
    url, rt, tokens = live
    auth = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    incident = _incident(url, tokens["calltaker"])
    start = rt.dispatch.last_seq()

    with httpx2.Client(timeout=10) as client:
        with client.stream("GET", f"{url}/api/stream", params={"after": start}, headers=auth) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            _note(url, tokens["calltaker"], incident, "first")
            _note(url, tokens["calltaker"], incident, "second")
            got = read_events(r, 2)
        last_seen = got[-1].id
        assert last_seen is not None
        # While disconnected, more happens.
        for i in range(5):
            _note(url, tokens["calltaker"], incident, f"missed {i}")
        with client.stream(
            "GET", f"{url}/api/stream", headers={**auth, "Last-Event-ID": last_seen}
        ) as r:
            resumed = read_events(r, 5)
    ids = [int(e.id or 0) for e in got + resumed]
    assert ids == list(range(start + 1, start + 8))
    texts = [json.loads(e.data)["data"]["note"]["text"] for e in got + resumed]
    assert texts == ["first", "second"] + [f"missed {i}" for i in range(5)]
    assert {e.event for e in got + resumed} == {"incident.note_added"}


def test_a_new_client_can_replay_the_whole_log(
    live: tuple[str, Runtime, dict[str, str]],
) -> None:
    url, rt, tokens = live
    incident = _incident(url, tokens["calltaker"])
    auth = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    with (
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/api/stream", params={"after": 0}, headers=auth) as r,
    ):
        everything = read_events(r, rt.dispatch.last_seq())
    assert [int(e.id or 0) for e in everything] == list(range(1, rt.dispatch.last_seq() + 1))
    assert incident in {json.loads(e.data)["incident"] for e in everything}


def test_two_consoles_see_each_others_changes(
    live: tuple[str, Runtime, dict[str, str]],
) -> None:
    url, rt, tokens = live
    incident = _incident(url, tokens["calltaker"])
    start = rt.dispatch.last_seq()
    received: dict[str, list[str]] = {"a": [], "b": []}

    def watch(name: str, ready: threading.Event) -> None:
        auth = {"Authorization": f"Bearer {tokens['dispatcher']}"}
        with (
            httpx2.Client(timeout=10) as client,
            client.stream("GET", f"{url}/api/stream", params={"after": start}, headers=auth) as r,
        ):
            ready.set()
            received[name] = [e.id or "" for e in read_events(r, 3)]

    readies = [threading.Event(), threading.Event()]
    threads = [
        threading.Thread(target=watch, args=(n, e)) for n, e in zip("ab", readies, strict=True)
    ]
    for t in threads:
        t.start()
    for e in readies:
        e.wait(5)
    for i in range(3):
        _note(url, tokens["calltaker"], incident, f"n{i}")
    for t in threads:
        t.join(10)
    assert received["a"] == received["b"] == [str(start + i) for i in range(1, 4)]


def test_the_stream_needs_permission(live: tuple[str, Runtime, dict[str, str]]) -> None:
    url, _, tokens = live
    r = httpx2.get(f"{url}/api/stream", headers={"Authorization": f"Bearer {tokens['staffer']}"})
    assert r.status_code == 403
    r = httpx2.get(f"{url}/api/stream", headers={"Last-Event-ID": "x"})
    assert r.status_code == 401


def test_disabling_a_user_closes_their_open_stream(
    live: tuple[str, Runtime, dict[str, str]],
) -> None:
    url, _, tokens = live
    auth = {"Authorization": f"Bearer {tokens['supervisor']}"}
    with (
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/api/stream", headers=auth) as r,
    ):
        assert r.status_code == 200
        disabled = httpx2.post(
            f"{url}/api/admin/users/supervisor/disable",
            headers={"Authorization": f"Bearer {tokens['admin']}"},
        )
        assert disabled.status_code == 200, disabled.text
        started = time.monotonic()
        for _ in r.iter_lines():
            pass  # the server ends the response: the loop finishes
        assert time.monotonic() - started < 5
    again = httpx2.get(f"{url}/api/stream", headers=auth)
    assert again.status_code == 401
