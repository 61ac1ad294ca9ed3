"""The live event hub: follows the event log and feeds every open stream, in order, no gaps.

Writers tell the hub "there is news up to event n" after their commit; the hub reads the
log from where it was (one query for all listeners) and keeps the last events in memory.
A stream that resumes after event k gets k+1, k+2, ... from memory, or from the database if
k is older than the memory holds: exactly the events it missed, in order, never twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable

from emscad.events import Recorded

FetchAfter = Callable[[int, int], list[Recorded]]  # (after seq, limit) -> events


class EventHub:
    def __init__(self, fetch_after: FetchAfter, *, keep: int = 10_000, poll_s: float = 1.0) -> None:
        self._fetch_after = fetch_after
        self._buffer: deque[Recorded] = deque(maxlen=keep)
        self._last = 0  # the newest event the hub has read
        self._poll_s = poll_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        # Set (and replaced by a fresh one) each time new events are in memory. A plain
        # event rather than a Condition: a stream cancelled while waiting (its client went
        # away) must not be able to leave a lock behind that silences every other stream.
        self._news: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def last_seq(self) -> int:
        return self._last

    async def start(self, *, from_seq: int) -> None:
        """Follow the log from event `from_seq` on (the log's end when the server starts)."""
        self._last = from_seq
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._news = asyncio.Event()
        self._task = asyncio.create_task(self._follow(), name="event-hub")

    async def stop(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._announce()

    def _announce(self) -> None:
        """Wake every waiting stream; later waiters wait for the next news."""
        if self._news is not None:
            news, self._news = self._news, asyncio.Event()
            news.set()

    def notify(self, seq: int) -> None:
        """Called from any thread after a commit that wrote events up to `seq`."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and seq > self._last:
            loop.call_soon_threadsafe(wake.set)

    async def _follow(self) -> None:
        assert self._wake is not None
        while not self._closing:
            # Poll even without a wake-up: another process may have written (PostgreSQL).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)
            self._wake.clear()
            while True:
                batch = await asyncio.to_thread(self._fetch_after, self._last, 1000)
                if not batch:
                    break
                self._buffer.extend(batch)
                self._last = batch[-1].seq
                self._announce()
                if len(batch) < 1000:
                    break

    async def stream(self, after: int, *, alive: Callable[[], bool]) -> AsyncIterator[Recorded]:
        """Every event after `after`, then each new one as it comes, while `alive()`."""
        assert self._news is not None
        cursor = after
        while not self._closing and alive():
            oldest = self._buffer[0].seq if self._buffer else self._last + 1
            if cursor + 1 < oldest:
                # Older than memory holds: read the gap from the database.
                batch = await asyncio.to_thread(self._fetch_after, cursor, 1000)
                batch = [r for r in batch if r.seq < oldest]
                for rec in batch:
                    yield rec
                    cursor = rec.seq
                if not batch:
                    cursor = oldest - 1
                continue
            pending = [r for r in self._buffer if r.seq > cursor]
            if pending:
                for rec in pending:
                    yield rec
                    cursor = rec.seq
                continue
            # No await since `pending` was read, so no news can have been missed.
            news = self._news
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), timeout=self._poll_s)
