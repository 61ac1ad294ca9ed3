"""Which answers each reader was shown lately, so that a screen polling an unchanged answer
is audited once a window rather than on every poll.

The audit trail records who saw what. A supervisor's panel asking every 30 seconds for the
same failed alert adds nothing to that after the first record, and thousands of copies a
day would bury the reads that matter. An answer whose content changed is a new read.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

WINDOW = timedelta(minutes=10)


def digest(answer: Any) -> str:
    return hashlib.sha256(json.dumps(answer, sort_keys=True, default=str).encode()).hexdigest()


class RecentReads:
    def __init__(self, *, window: timedelta = WINDOW, size: int = 10_000) -> None:
        self.window = window
        self.size = size
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._lock = threading.Lock()

    def audited_lately(self, reader: str, answer_digest: str, now: datetime) -> bool:
        """Whether this reader was shown this very answer, audited, within the window."""
        with self._lock:
            at = self._seen.get((reader, answer_digest))
        return at is not None and timedelta(0) <= now - at < self.window

    def audited(self, reader: str, answer_digest: str, now: datetime) -> None:
        """Call once the read is in the audit trail (never before: a failed record must
        leave the next read to be audited)."""
        with self._lock:
            self._seen[(reader, answer_digest)] = now
            self._seen.move_to_end((reader, answer_digest))
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
