"""The discrete-event agenda: actions keyed by when they are due, run in order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime

Action = Callable[[], None]


class Agenda:
    """A heap of (due, seq, action). `seq` breaks ties so equal times run first-come first."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Action]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, due: datetime, action: Action) -> None:
        if due.tzinfo is None:
            raise ValueError("agenda times must be timezone-aware")
        heapq.heappush(self._heap, (due, next(self._seq), action))

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, until: datetime) -> Action | None:
        """The earliest action due at or before `until`, removed; None when nothing is due."""
        if self._heap and self._heap[0][0] <= until:
            return heapq.heappop(self._heap)[2]
        return None
