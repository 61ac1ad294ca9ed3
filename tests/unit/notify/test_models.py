"""A notification is checked when made: addresses per channel, one-line subjects, keys."""

from __future__ import annotations

from datetime import datetime

import pytest

from emscad.errors import InvalidInput
from emscad.incidents.models import Severity
from emscad.notify.models import (
    MAX_BODY,
    MAX_KEY,
    MAX_SUBJECT,
    ChannelKind,
    Outcome,
    Result,
    Status,
    dedupe_key,
    valid_address,
)
from tests.unit.notify.factories import T0, notification


def test_a_new_notification_is_pending_and_due_at_once() -> None:
    n = notification()
    assert n.status is Status.PENDING
    assert n.due_at == T0
    assert n.attempts == 0
    assert not n.closed
    assert n.dedupe_key == "sos:s-1|email|dana.whitfield@example.org"


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        (ChannelKind.EMAIL, "not-an-address"),
        (ChannelKind.EMAIL, "dana@example.org\r\nBcc: everyone@example.org"),
        (ChannelKind.EMAIL, "dana@example.org, boss@example.org"),
        (ChannelKind.SMS, "5015550123"),
        (ChannelKind.SMS, "+1 501 555 0123"),
        (ChannelKind.CONSOLE, " "),
    ],
)
def test_an_address_the_channel_cannot_use_is_refused(channel: ChannelKind, address: str) -> None:
    with pytest.raises(InvalidInput):
        notification(channel=channel, address=address)


def test_addresses_can_be_checked_before_enqueueing() -> None:
    assert valid_address(ChannelKind.EMAIL, " dana@example.org ")
    assert not valid_address(ChannelKind.EMAIL, "dana at example.org")
    assert valid_address(ChannelKind.SMS, "+15015550123")
    assert not valid_address(ChannelKind.SMS, "555-0123")
    assert valid_address(ChannelKind.CONSOLE, "user:u-sam")
    assert not valid_address(ChannelKind.CONSOLE, "")


def test_a_subject_is_one_line() -> None:
    """A newline in a subject would let text inject email headers."""
    with pytest.raises(InvalidInput, match="one line"):
        notification(subject="SOS\r\nBcc: everyone@example.org")


@pytest.mark.parametrize(
    "change",
    [
        {"id": "has space"},
        {"id": "x" * 41},
        {"id": "<evil>"},
        {"created_at": datetime(2026, 11, 24, 22, 0)},  # noqa: DTZ001 - the point of the test
        {"subject": "  "},
        {"alarm": ""},
        {"dedupe_key": " "},
    ],
)
def test_malformed_notifications_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        notification(**change)  # type: ignore[arg-type]


def test_an_alert_is_never_refused_for_being_long_it_is_cut() -> None:
    n = notification(subject="S" * 500, body="B" * 10_000)
    assert len(n.subject) == MAX_SUBJECT
    assert n.subject.endswith("…")
    assert len(n.body) == MAX_BODY


def test_dedupe_keys_fit_and_long_ones_do_not_collide() -> None:
    short = dedupe_key("sos:s-1", 2, ChannelKind.SMS, "+15015550123")
    assert short == "sos:s-1|2|sms|+15015550123"
    alarm = "watch:" + "p" * 190
    a = dedupe_key(alarm, 0, ChannelKind.EMAIL, "a@example.org")
    b = dedupe_key(alarm, 0, ChannelKind.EMAIL, "b@example.org")
    assert len(a) == len(b) == MAX_KEY
    assert a != b
    assert (
        notification(alarm=alarm, address="a@example.org").dedupe_key
        != notification(alarm=alarm, address="b@example.org").dedupe_key
    )


def test_an_sos_is_sent_before_a_low_alert() -> None:
    high = notification(severity=Severity.HIGH)
    low = notification(severity=Severity.LOW)
    assert high.priority < notification(severity=Severity.MEDIUM).priority < low.priority


def test_outcome_details_are_kept_short() -> None:
    outcome = Outcome.retryable("x" * 2000)
    assert outcome.result is Result.RETRYABLE
    assert len(outcome.detail) == 500
