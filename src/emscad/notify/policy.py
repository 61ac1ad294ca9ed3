"""The retry policy: exponential backoff with jitter, a cap, a maximum of attempts and of age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from emscad.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long the outbox keeps trying while a channel is down.

    The defaults wait 1-2, 2-4, 4-8, 8-16, 16-32 s and then 30-60 s between attempts, for up
    to 20 attempts (8 to 15 minutes) or an hour, whichever ends first. Alarms are urgent, so
    the first retries come quickly; the cap keeps alerts from waiting long once a server is
    back.
    """

    max_attempts: int = 20
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(seconds=60)
    max_age: timedelta = timedelta(hours=1)

    def check(self) -> RetryPolicy:
        if not 1 <= self.max_attempts <= 1000:
            raise InvalidInput("the maximum number of attempts must be between 1 and 1000")
        if self.base <= timedelta(0):
            raise InvalidInput("the backoff base must be more than 0 s")
        if self.cap < self.base:
            raise InvalidInput("the backoff cap must be at least the base")
        if self.max_age <= timedelta(0):
            raise InvalidInput("the maximum age must be more than 0 s")
        return self


def ceiling(policy: RetryPolicy, failures: int) -> timedelta:
    """The longest wait after `failures` failed attempts: base·2^(failures-1), capped."""
    if failures < 1:
        raise ValueError("a backoff follows at least one failure")
    # Compare in float seconds first: base·2^n overflows a timedelta long before n is large.
    doubling = min(failures - 1, 1000)
    if policy.base.total_seconds() * 2.0**doubling >= policy.cap.total_seconds():
        return policy.cap
    grown: timedelta = policy.base * (2**doubling)
    return min(policy.cap, grown)


def backoff(policy: RetryPolicy, failures: int, rng: np.random.Generator) -> timedelta:
    """How long to wait before the next attempt: between half the ceiling and the ceiling.

    The random half ("equal jitter") spreads out the retries of many notifications that
    failed together when a server went down, so they do not all hit it at once when it comes
    back; keeping the other half guarantees the wait still grows with each failure.
    """
    top = ceiling(policy, failures)
    return top * float(rng.uniform(0.5, 1.0))
