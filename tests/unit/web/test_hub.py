"""The event hub: in order, no gaps, no repeats, whether from memory or from the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from emscad.events import Recorded
from emscad.incidents.events import IncidentReopened
from emscad.web.hub import EventHub

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Log:
    def __init__(self) -> None:
        self.events: list[Recorded] = []
        self.reads = 0

    def add(self, n: int) -> int:
        for _ in range(n):
            seq = len(self.events) + 1
            event = IncidentReopened(incident="i", reason=str(seq))
            self.events.append(Recorded(seq=seq, at=T0, actor="t", event=event))
        return len(self.events)

    def after(self, seq: int, limit: int) -> list[Recorded]:
        self.reads += 1
        return [r for r in self.events if r.seq > seq][:limit]


async def _collect(hub: EventHub, after: int, n: int) -> list[int]:
    out: list[int] = []
    async for rec in hub.stream(after, alive=lambda: True):
        out.append(rec.seq)
        if len(out) == n:
            break
    return out


def test_a_stream_resuming_before_the_memory_gets_the_gap_from_the_database() -> None:
    async def scenario() -> list[int]:
        log = Log()
        log.add(50)
        hub = EventHub(log.after, keep=5, poll_s=0.05)
        await hub.start(from_seq=40)  # memory will hold only the newest five
        hub.notify(log.add(20))
        await asyncio.sleep(0.2)
        got = await asyncio.wait_for(_collect(hub, 10, 60), timeout=5)
        await hub.stop()
        return got

    assert asyncio.run(scenario()) == list(range(11, 71))


def test_live_events_arrive_in_order_without_repeats() -> None:
    async def scenario() -> list[int]:
        log = Log()
        hub = EventHub(log.after, keep=100, poll_s=0.05)
        await hub.start(from_seq=0)
        task = asyncio.create_task(_collect(hub, 0, 30))
        for _ in range(10):
            hub.notify(log.add(3))
            await asyncio.sleep(0.01)
        got = await asyncio.wait_for(task, timeout=5)
        await hub.stop()
        return got

    assert asyncio.run(scenario()) == list(range(1, 31))


def test_the_hub_polls_even_without_being_told() -> None:
    async def scenario() -> list[int]:
        log = Log()
        hub = EventHub(log.after, keep=100, poll_s=0.05)
        await hub.start(from_seq=0)
        log.add(3)  # another process wrote: no notify
        got = await asyncio.wait_for(_collect(hub, 0, 3), timeout=5)
        await hub.stop()
        return got

    assert asyncio.run(scenario()) == [1, 2, 3]
