"""A real emscad server (uvicorn) on 127.0.0.1 in a background thread, and an SSE reader."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import uvicorn

from emscad.web.app import create_app
from emscad.web.runtime import Runtime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(rt: Runtime) -> Iterator[str]:
    """Serve the runtime's app until the block ends; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(rt, migrate=False, warm=False),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Sse:
    id: str | None
    event: str | None
    data: str


def read_events(response: httpx2.Response, count: int) -> list[Sse]:
    """Read `count` events (comments skipped) from an open SSE response."""
    out: list[Sse] = []
    fields: dict[str, Any] = {}
    data: list[str] = []
    for line in response.iter_lines():
        if line == "":
            if data or fields:
                if data:
                    out.append(
                        Sse(id=fields.get("id"), event=fields.get("event"), data="\n".join(data))
                    )
                fields, data = {}, []
                if len(out) >= count:
                    return out
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        else:
            fields[name] = value
    return out
