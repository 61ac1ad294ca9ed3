"""The outbox worker: claim due notifications, send them, record how it went.

Sending happens outside any database transaction (claim, commit, send, then record in a
second transaction), so a slow mail server never holds a lock. The price is that a crash
between sending and recording sends that notification again once its claim lapses: delivery
is **at least once**, never "at most once". Every copy carries the notification's id (the
email's Message-ID), so a receiver can recognise a repeat.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np

from emscad.clock import Clock
from emscad.notify.channels import Channel
from emscad.notify.lifecycle import after_attempt
from emscad.notify.models import ChannelKind, Notification, Outcome
from emscad.notify.policy import RetryPolicy
from emscad.notify.ports import Claim, OutboxStore

log = logging.getLogger(__name__)

# Longer than any send can take (the SMTP timeout applies to each step of a conversation):
# a claim that lapses while its worker is still sending leads to a second copy.
DEFAULT_LEASE = timedelta(minutes=2)


class OutboxWorker:
    def __init__(
        self,
        store: OutboxStore,
        channels: Mapping[ChannelKind, Channel] | Sequence[Channel],
        clock: Clock,
        rng: np.random.Generator,
        *,
        policy: RetryPolicy | None = None,
        batch: int = 50,
        lease: timedelta = DEFAULT_LEASE,
        parallel: int = 4,
        name: str | None = None,
    ) -> None:
        self.store = store
        if isinstance(channels, Mapping):
            self.channels: dict[ChannelKind, Channel] = dict(channels)
        else:
            self.channels = {c.kind: c for c in channels}
        self.clock = clock
        self.rng = rng
        self.policy = (policy or RetryPolicy()).check()
        self.batch = batch
        self.lease = lease
        self.parallel = max(1, parallel)
        self.name = name or f"outbox-{secrets.token_hex(4)}"

    def run_once(self, now: datetime | None = None) -> int:
        """Send every notification due at `now` once; returns how many were attempted.

        A notification that fails and is retried is not due again until its backoff ends, so
        this returns after one pass, however the sends went.
        """
        at = now or self.clock.now()
        total = 0
        while True:
            claims = self.store.claim_due(
                now=at, limit=self.batch, lease=self.lease, worker=self.name
            )
            if not claims:
                return total
            outcomes = self._send_all(claims)
            # Decisions are made here, in order, on this thread: the jitter's random numbers
            # are drawn in a fixed order, so a seeded run repeats exactly.
            for claim, outcome in zip(claims, outcomes, strict=True):
                recorded_at = max(self.clock.now(), at)
                updated, attempt = after_attempt(
                    claim.notification,
                    outcome,
                    now=recorded_at,
                    policy=self.policy,
                    rng=self.rng,
                    worker=self.name,
                )
                self.store.record(claim, updated, attempt)
            total += len(claims)
            if len(claims) < self.batch:
                return total

    def _send_all(self, claims: Sequence[Claim]) -> list[Outcome]:
        if self.parallel == 1 or len(claims) == 1:
            return [self._send(c.notification) for c in claims]
        # In parallel: a mail server that takes its full timeout must not hold back the texts
        # and console alarms claimed with it.
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(claims))) as pool:
            return list(pool.map(self._send, [c.notification for c in claims]))

    def _send(self, notification: Notification) -> Outcome:
        channel = self.channels.get(notification.channel)
        if channel is None:
            # Retrying cannot help until someone configures the channel; the failure is
            # recorded and visible rather than silently piling up.
            return Outcome.permanent(f"the {notification.channel.value} channel is not set up")
        try:
            return channel.send(notification)
        except Exception as exc:  # a channel's bug: keep the notification, try again later
            log.exception("channel %s raised for notification %s", channel.kind, notification.id)
            return Outcome.retryable(f"{type(exc).__name__}: {exc}")


class OutboxRunner:
    """Runs a worker on a background thread: every `interval_s`, or at once on `notify()`."""

    def __init__(self, worker: OutboxWorker, *, interval_s: float = 0.5) -> None:
        self.worker = worker
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the outbox runner is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.worker.name, daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """Something was enqueued (call after the commit): send it now. Safe from any thread."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the current pass (sends in progress complete and are recorded), then stop."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout_s)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.worker.run_once()
            except Exception:
                # The database may be briefly unavailable; the next pass tries again.
                log.exception("outbox pass failed")
            self._wake.wait(self.interval_s)
