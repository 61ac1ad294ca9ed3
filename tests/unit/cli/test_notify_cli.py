"""`emscad notify test`: one test alert through a real SMTP server on 127.0.0.1, or the SMS
gateway, with a one-line answer either way."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.unit.notify.smtpd import HOST, Inbox, smtp_server

Cli = Callable[..., Any]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox(reject={"gone@example.org"}, busy={"full@example.org"})


@pytest.fixture
def mail_settings(inbox: Inbox, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> Iterator[Cli]:
    with smtp_server(inbox) as port:
        for name, value in {
            "SMTP_HOST": HOST,
            "SMTP_PORT": str(port),
            "SMTP_FROM": "alerts@emscad.example.org",
            "SMTP_STARTTLS": "false",
            "SMTP_TIMEOUT_S": "5",
        }.items():
            monkeypatch.setenv(f"EMSCAD_{name}", value)
        yield cli


def test_a_test_email_goes_out_and_says_it_is_a_test(mail_settings: Cli, inbox: Inbox) -> None:
    result = mail_settings("notify", "test", "email", " dee@example.org ")
    assert result.code == 0, result.err
    assert result.out.startswith("test email sent to dee@example.org: ")
    [received] = inbox.messages
    assert received.rcpt_tos == ["dee@example.org"]
    message = received.message
    assert message["Subject"] == "emscad test alert: no one needs help"
    assert message["X-Emscad-Kind"] == "test"
    assert "Importance" not in message  # a test is not an alarm
    assert "No one needs help." in message.get_content()


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("gone@example.org", "550 5.1.1"),
        ("full@example.org", "(an alert would be retried): "),
        ("not-an-address", "'not-an-address' is not an email address"),
    ],
)
def test_a_refused_test_email_is_one_line_and_exit_1(
    mail_settings: Cli, inbox: Inbox, address: str, says: str
) -> None:
    result = mail_settings("notify", "test", "email", address)
    assert result.code == 1
    assert result.err.startswith("emscad: error: ")
    assert says in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert inbox.messages == []


def test_a_channel_that_is_not_set_up_says_which_settings_to_set(cli: Cli) -> None:
    result = cli("notify", "test", "email", "dee@example.org")
    assert result.code == 1
    assert "EMSCAD_SMTP_HOST" in result.err
    result = cli("notify", "test", "sms", "+15015550123")
    assert result.code == 1
    assert "EMSCAD_NOTIFY_SMS_LINE" in result.err


def test_a_test_text_through_the_recording_gateway_says_nothing_is_sent(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMSCAD_TEXT_LINES", json.dumps({"sos": "+15015550199"}))
    monkeypatch.setenv("EMSCAD_NOTIFY_SMS_LINE", "sos")
    # No Twilio account set: the demo's recording gateway would keep the text, not send it.
    result = cli("notify", "test", "sms", "(501) 555-0142")
    assert result.code == 1
    assert "texts are not sent: EMSCAD_SMS_GATEWAY is 'recording'" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_test_text_to_something_not_a_number_is_refused_before_sending(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMSCAD_TEXT_LINES", json.dumps({"sos": "+15015550199"}))
    monkeypatch.setenv("EMSCAD_NOTIFY_SMS_LINE", "sos")
    monkeypatch.setenv("EMSCAD_SMS_GATEWAY", "twilio")
    monkeypatch.setenv("EMSCAD_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("EMSCAD_TWILIO_AUTH_TOKEN", "not-a-real-token")
    result = cli("notify", "test", "sms", "call me")
    assert result.code == 1
    assert "'call me' is not an E.164 phone number" in result.err
