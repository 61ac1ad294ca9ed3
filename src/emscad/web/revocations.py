"""Closing open live connections the moment access is revoked.

When a session or token is revoked, or a user disabled, the services call `revoked(user)`.
Every open stream of that user then re-checks its own credential at once (the next turn of
its loop, within a second) and closes if it no longer holds. Streams also re-check every
`recheck_s` seconds, which covers revocations made by another server process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Revocations:
    def __init__(self, *, recheck_s: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._changed: dict[str, float] = {}  # user id -> when their access last changed
        self.recheck_s = recheck_s

    def revoked(self, user_id: str, sessions: tuple[str, ...] = ()) -> None:  # noqa: ARG002
        """Whatever was revoked, every open stream of the user re-checks its own credential."""
        with self._lock:
            self._changed[user_id] = time.monotonic()

    def watch(self, user_id: str, still_valid: Callable[[], bool]) -> Callable[[], bool]:
        """An `alive()` for a stream: False once its credential stops being valid."""
        checked = time.monotonic()
        dead = False

        def alive() -> bool:
            nonlocal checked, dead
            if dead:
                return False
            with self._lock:
                changed = self._changed.get(user_id, 0.0)
            now = time.monotonic()
            if changed >= checked or now - checked >= self.recheck_s:
                checked = now
                dead = not still_valid()
            return not dead

        return alive
