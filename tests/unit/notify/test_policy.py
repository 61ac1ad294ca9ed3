"""The retry policy and a notification's life: pure, on a given clock and a seeded rng."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import InvalidInput
from emscad.notify.lifecycle import acknowledge, after_attempt, cancel, is_due, lapsed
from emscad.notify.models import Notification, Outcome, Result, Status
from emscad.notify.policy import RetryPolicy, backoff, ceiling
from tests.unit.notify.factories import T0, notification

S = timedelta(seconds=1)
DOWN = Outcome.retryable("cannot reach 127.0.0.1:2525: ConnectionRefusedError")

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 50),
    base=st.integers(1, 120).map(lambda s: s * S),
    cap=st.integers(120, 3600).map(lambda s: s * S),
    max_age=st.integers(60, 86_400).map(lambda s: s * S),
)


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_the_defaults_retry_quickly_then_about_every_minute() -> None:
    policy = RetryPolicy().check()
    assert [ceiling(policy, n).total_seconds() for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert policy.max_attempts == 20
    assert policy.max_age == timedelta(hours=1)


@given(policies, st.integers(1, 200), st.integers(0, 2**32))
def test_a_backoff_is_between_half_its_ceiling_and_the_ceiling(
    policy: RetryPolicy, failures: int, seed: int
) -> None:
    top = ceiling(policy, failures)
    assert top <= policy.cap
    assert top / 2 <= backoff(policy, failures, rng(seed)) <= top


@given(policies, st.integers(1, 200))
def test_the_ceiling_grows_with_each_failure_until_the_cap(
    policy: RetryPolicy, failures: int
) -> None:
    now, then = ceiling(policy, failures), ceiling(policy, failures + 1)
    assert then >= now
    assert then == policy.cap or then == 2 * now


@given(policies, st.integers(0, 2**32))
def test_the_shortest_wait_after_many_failures_beats_the_longest_after_the_first(
    policy: RetryPolicy, seed: int
) -> None:
    """However the jitter falls, backing off means waiting longer and longer (up to the cap)."""
    r = rng(seed)
    waits = [backoff(policy, n, r) for n in range(1, 30)]
    assert all(w <= policy.cap for w in waits)
    assert min(waits[12:]) >= policy.cap / 2 >= policy.base / 2


@given(st.integers(0, 2**32))
def test_a_seeded_rng_gives_the_same_backoffs(seed: int) -> None:
    policy = RetryPolicy()
    a, b = rng(seed), rng(seed)
    assert [backoff(policy, n, a) for n in range(1, 10)] == [
        backoff(policy, n, b) for n in range(1, 10)
    ]


def test_jitter_spreads_retries_of_notifications_that_failed_together() -> None:
    r = rng()
    waits = {backoff(RetryPolicy(), 5, r) for _ in range(20)}
    assert len(waits) == 20


@pytest.mark.parametrize(
    "policy",
    [
        RetryPolicy(max_attempts=0),
        RetryPolicy(base=0 * S),
        RetryPolicy(base=10 * S, cap=5 * S),
        RetryPolicy(max_age=0 * S),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(policy: RetryPolicy) -> None:
    with pytest.raises(InvalidInput):
        policy.check()


def test_a_backoff_needs_a_failure_first() -> None:
    with pytest.raises(ValueError, match="at least one failure"):
        ceiling(RetryPolicy(), 0)


# -- after an attempt --------------------------------------------------------------------------


def test_a_delivered_notification_is_sent_and_its_attempt_recorded() -> None:
    n = notification()
    ok = Outcome.sent("accepted by 127.0.0.1:2525", provider_id="<n-1@x>")
    after, attempt = after_attempt(n, ok, now=T0 + S, policy=RetryPolicy(), rng=rng(), worker="w1")
    assert after.status is Status.SENT
    assert after.sent_at == T0 + S
    assert after.attempts == 1
    assert after.closed
    assert not is_due(after, T0 + 3600 * S)
    assert attempt.number == 1
    assert attempt.result is Result.SENT
    assert attempt.provider_id == "<n-1@x>"
    assert attempt.worker == "w1"
    assert attempt.notification == n.id


def test_a_retryable_failure_backs_off_and_stays_pending() -> None:
    n = notification()
    after, attempt = after_attempt(n, DOWN, now=T0, policy=RetryPolicy(), rng=rng())
    assert after.status is Status.PENDING
    assert T0 + 1 * S <= after.due_at <= T0 + 2 * S
    assert after.last_error == DOWN.detail
    assert attempt.result is Result.RETRYABLE
    assert not is_due(after, T0)
    assert is_due(after, after.due_at)


@given(
    policies,
    st.lists(st.sampled_from([Result.RETRYABLE, Result.SENT, Result.PERMANENT]), max_size=60),
    st.integers(0, 2**32),
)
def test_a_notification_ends_sent_or_failed_and_never_past_its_limits(
    policy: RetryPolicy, results: list[Result], seed: int
) -> None:
    r = rng(seed)
    n: Notification = notification()
    now = T0
    for result in results:
        if n.closed:
            break
        now = n.due_at
        before = n
        n, attempt = after_attempt(n, Outcome(result, "x"), now=now, policy=policy, rng=r)
        assert attempt.number == before.attempts + 1
        if result is Result.SENT:
            assert n.status is Status.SENT
        elif result is Result.PERMANENT:
            # A permanent error stops the retries at once.
            assert n.status is Status.FAILED
        if n.status is Status.PENDING:
            assert n.attempts < policy.max_attempts
            assert n.due_at > now
            assert n.due_at <= n.created_at + policy.max_age
        assert n.attempts <= policy.max_attempts


def test_retries_stop_after_the_maximum_number_of_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    r = rng()
    n = notification()
    for _ in range(3):
        n, _attempt = after_attempt(n, DOWN, now=n.due_at, policy=policy, rng=r)
    assert n.status is Status.FAILED
    assert n.attempts == 3
    assert n.last_error.startswith("gave up after 3 attempts: cannot reach")


def test_retries_stop_at_the_maximum_age() -> None:
    policy = RetryPolicy(max_age=timedelta(minutes=2), cap=timedelta(minutes=1))
    r = rng()
    n = notification()
    while not n.closed:
        n, _attempt = after_attempt(n, DOWN, now=n.due_at, policy=policy, rng=r)
    assert n.status is Status.FAILED
    assert "maximum age (120 s)" in n.last_error
    assert n.failed_at is not None
    assert n.failed_at <= T0 + timedelta(minutes=2)


def test_a_permanent_failure_is_not_retried() -> None:
    refused = Outcome.permanent("550 5.1.1 User unknown")
    n, attempt = after_attempt(notification(), refused, now=T0, policy=RetryPolicy(), rng=rng())
    assert n.status is Status.FAILED
    assert n.attempts == 1
    assert n.last_error == "550 5.1.1 User unknown"
    assert attempt.result is Result.PERMANENT
    assert not is_due(n, T0 + timedelta(days=1))


def test_an_attempt_on_a_notification_cancelled_meanwhile_is_recorded_but_changes_nothing() -> None:
    n = cancel(notification(), at=T0, reason="acknowledged by u-sam")
    after, attempt = after_attempt(
        n, Outcome.sent("accepted"), now=T0 + S, policy=RetryPolicy(), rng=rng()
    )
    assert after.status is Status.CANCELLED
    assert after.attempts == 1
    assert attempt.result is Result.SENT


def test_a_lapsed_claim_is_recorded_as_unknown_and_due_again_at_once() -> None:
    n = replace(notification(), attempts=2, next_attempt_at=T0)
    after, attempt = lapsed(n, claimed_by="outbox-1", now=T0 + 300 * S)
    assert after.attempts == 3
    assert after.status is Status.PENDING
    assert is_due(after, T0 + 300 * S)
    assert attempt.result is Result.UNKNOWN
    assert "may have been delivered" in attempt.detail


# -- cancel and acknowledge --------------------------------------------------------------------


def test_only_a_pending_notification_can_be_cancelled() -> None:
    pending = notification()
    cancelled = cancel(pending, at=T0 + S, reason="acknowledged by u-sam")
    assert cancelled.status is Status.CANCELLED
    assert cancelled.cancelled_at == T0 + S
    assert cancelled.cancel_reason == "acknowledged by u-sam"
    assert not is_due(cancelled, T0 + 3600 * S)
    sent, _ = after_attempt(pending, Outcome.sent(), now=T0, policy=RetryPolicy(), rng=rng())
    assert cancel(sent, at=T0 + S, reason="late") is sent
    assert cancel(cancelled, at=T0 + 2 * S, reason="again") is cancelled


def test_the_first_acknowledgement_is_kept() -> None:
    n = acknowledge(notification(), by="u-sam", at=T0 + 5 * S)
    assert (n.acknowledged_by, n.acknowledged_at) == ("u-sam", T0 + 5 * S)
    assert acknowledge(n, by="u-lee", at=T0 + 9 * S) is n
