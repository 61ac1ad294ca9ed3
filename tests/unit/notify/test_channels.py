"""Channel conformance: every channel keeps the same contract, the email one against a real
SMTP server on 127.0.0.1. Then what only email does: headers, TLS, login, error classes."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from emscad.incidents.models import Severity
from emscad.intake.sms.gateway import MAX_REPLY_CHARS, OutboundResult, RecordingGateway
from emscad.notify.channels import (
    Channel,
    ConsoleChannel,
    SmsChannel,
    SmtpChannel,
    SmtpConfig,
    sms_text,
)
from emscad.notify.models import MAX_DETAIL, ChannelKind, Notification, Result
from tests.unit.notify.factories import notification
from tests.unit.notify.smtpd import (
    HOST,
    Inbox,
    accept_logins,
    free_port,
    self_signed,
    server_tls,
    smtp_server,
)

FROM = "alerts@emscad.example.org"
SMS_FROM = "+15015550100"
BAD_MAILBOX = "nobody@example.org"
BAD_PHONE = "+15005550001"
TWILIO_INVALID = f"Twilio refused: The 'To' number {BAD_PHONE} is not a valid phone number."


def smtp(port: int, *, timeout_s: float = 5.0) -> SmtpChannel:
    config = SmtpConfig(
        host=HOST,
        port=port,
        from_address=FROM,
        starttls=False,
        timeout_s=timeout_s,
        local_hostname="emscad.test",
    )
    return SmtpChannel(config)


@dataclass
class Harness:
    """One channel as the contract sees it."""

    kind: ChannelKind
    up: Channel  # delivers
    down: Channel  # the far end is unreachable
    rejecting: Channel | None  # refuses `bad_address` for good (None: the channel cannot)
    bad_address: str
    received: Callable[[], list[tuple[str, str]]]  # (address, text) of what arrived


def _console() -> Iterator[Harness]:
    shown: list[Notification] = []

    def broken(_: Notification) -> None:
        raise ConnectionError("live stream unavailable")

    yield Harness(
        kind=ChannelKind.CONSOLE,
        up=ConsoleChannel(shown.append),
        down=ConsoleChannel(broken),
        rejecting=None,
        bad_address="",
        received=lambda: [(n.recipient.address, f"{n.subject}\n{n.body}") for n in shown],
    )


def _sms() -> Iterator[Harness]:
    gateway = RecordingGateway()
    yield Harness(
        kind=ChannelKind.SMS,
        up=SmsChannel(gateway, from_number=SMS_FROM),
        down=SmsChannel(
            RecordingGateway(fail_with="Twilio unreachable: [Errno 111] Connection refused"),
            from_number=SMS_FROM,
        ),
        rejecting=SmsChannel(RecordingGateway(fail_with=TWILIO_INVALID), from_number=SMS_FROM),
        bad_address=BAD_PHONE,
        received=lambda: [(t.to, t.body) for t in gateway.sent],
    )


def _email() -> Iterator[Harness]:
    inbox = Inbox(reject={BAD_MAILBOX})
    with smtp_server(inbox) as port:
        yield Harness(
            kind=ChannelKind.EMAIL,
            up=smtp(port),
            down=smtp(free_port()),
            rejecting=smtp(port),
            bad_address=BAD_MAILBOX,
            received=lambda: [
                (r.rcpt_tos[0], f"{r.message['Subject']}\n{r.message.get_content()}")
                for r in inbox.messages
            ],
        )


@pytest.fixture(params=["console", "sms", "email"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from {"console": _console, "sms": _sms, "email": _email}[request.param]()


def test_a_channel_delivers_the_subject_and_body_to_the_address(harness: Harness) -> None:
    n = notification(channel=harness.kind)
    outcome = harness.up.send(n)
    assert outcome.result is Result.SENT, outcome
    [(address, text)] = harness.received()
    assert address == n.recipient.address
    assert n.subject in text
    assert n.body in text


def test_a_channel_says_which_kind_it_is(harness: Harness) -> None:
    assert harness.up.kind is harness.kind
    assert harness.down.kind is harness.kind


def test_an_unreachable_channel_is_a_retryable_failure_not_an_exception(harness: Harness) -> None:
    outcome = harness.down.send(notification(channel=harness.kind))
    assert outcome.result is Result.RETRYABLE
    assert outcome.detail
    assert "\n" not in outcome.detail
    assert len(outcome.detail) <= MAX_DETAIL
    assert harness.received() == []


@pytest.fixture(params=["sms", "email"])  # a console has no address to refuse
def refusing(request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from {"sms": _sms, "email": _email}[request.param]()


def test_an_undeliverable_address_is_a_permanent_failure(refusing: Harness) -> None:
    harness = refusing
    assert harness.rejecting is not None
    n = notification(channel=harness.kind, address=harness.bad_address)
    outcome = harness.rejecting.send(n)
    assert outcome.result is Result.PERMANENT, outcome
    assert harness.received() == []


def test_each_send_delivers_one_copy(harness: Harness) -> None:
    """At-least-once: sending again (a retry after a lost record) makes a second copy."""
    n = notification(channel=harness.kind)
    assert harness.up.send(n).result is Result.SENT
    assert harness.up.send(n).result is Result.SENT
    assert len(harness.received()) == 2


# -- email: the message itself ---------------------------------------------------------------


@pytest.fixture
def inbox() -> Inbox:
    return Inbox(reject={BAD_MAILBOX}, busy={"busy@example.org"})


def test_an_email_carries_its_headers_and_the_envelope(inbox: Inbox) -> None:
    n = notification(
        id="n-mail-1",
        subject="Staff SOS: Dana Whitfield — Station One",
        body="Dana Whitfield raised an SOS at 22:00:00 UTC.\nCall her: +15015550123.",
    )
    with smtp_server(inbox) as port:
        outcome = smtp(port).send(n)
    assert outcome.result is Result.SENT
    assert outcome.provider_id == "<n-mail-1@emscad.example.org>"
    assert f"{HOST}:{port}" in outcome.detail
    [got] = inbox.messages
    assert got.mail_from == FROM
    assert got.rcpt_tos == ["dana.whitfield@example.org"]
    m = got.message
    assert m["From"] == FROM
    assert m["To"] == "dana.whitfield@example.org"
    assert m["Subject"] == "Staff SOS: Dana Whitfield — Station One"
    assert m["Message-ID"] == "<n-mail-1@emscad.example.org>"
    assert m["X-Emscad-Notification"] == "n-mail-1"
    assert m["X-Emscad-Alarm"] == "sos:s-1"
    assert m["X-Emscad-Kind"] == "sos"
    assert m["Auto-Submitted"] == "auto-generated"
    assert m["Importance"] == "high"
    assert m["Date"].datetime == n.created_at
    assert m.get_content_type() == "text/plain"
    assert m.get_content().replace("\r\n", "\n").rstrip("\n") == n.body  # SMTP sends CRLF


def test_a_low_alert_is_not_marked_important(inbox: Inbox) -> None:
    with smtp_server(inbox) as port:
        smtp(port).send(notification(severity=Severity.LOW))
    assert inbox.messages[0].message["Importance"] is None


def test_a_refused_mailbox_is_permanent_and_a_busy_one_retryable(inbox: Inbox) -> None:
    with smtp_server(inbox) as port:
        refused = smtp(port).send(notification(address=BAD_MAILBOX))
        busy = smtp(port).send(notification(address="busy@example.org"))
    assert refused.result is Result.PERMANENT
    assert "550" in refused.detail
    assert BAD_MAILBOX in refused.detail
    assert busy.result is Result.RETRYABLE
    assert "451" in busy.detail
    assert inbox.messages == []


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        ("554 5.7.1 Message rejected as spam", Result.PERMANENT),
        ("452 4.3.1 Insufficient system storage", Result.RETRYABLE),
    ],
)
def test_a_refused_message_is_sorted_by_the_reply_code(reply: str, result: Result) -> None:
    with smtp_server(Inbox(data_reply=reply)) as port:
        outcome = smtp(port).send(notification())
    assert outcome.result is result
    assert reply in outcome.detail


def test_a_server_that_never_answers_times_out_as_retryable() -> None:
    with socket.socket() as mute:
        mute.bind((HOST, 0))
        mute.listen()  # accepts connections (in the backlog) and never says a word
        outcome = smtp(mute.getsockname()[1], timeout_s=0.3).send(notification())
    assert outcome.result is Result.RETRYABLE
    assert "timed out" in outcome.detail


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def test_starttls_and_login_against_a_server_that_requires_both(
    inbox: Inbox, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    trusted = ssl.create_default_context(cafile=str(cert))
    options = {
        "tls_context": server_tls(cert, key),
        "require_starttls": True,
        "auth_required": True,
        "authenticator": accept_logins({"emscad": "s3cret-pass"}),
    }
    with smtp_server(inbox, **options) as port:
        config = SmtpConfig(
            host=HOST,
            port=port,
            from_address=FROM,
            username="emscad",
            password="s3cret-pass",
            starttls=True,
            local_hostname="emscad.test",
        )
        ok = SmtpChannel(config, tls=trusted).send(notification())
        refused = SmtpChannel(replace(config, password="nope"), tls=trusted).send(notification())
        plain = SmtpChannel(replace(config, starttls=False)).send(notification())
        untrusted = SmtpChannel(config).send(notification())
    assert ok.result is Result.SENT, ok
    assert [m.login for m in inbox.messages] == ["emscad"]
    # Login and TLS problems are emscad's settings, not the message: fixed, the backlog goes.
    assert refused.result is Result.RETRYABLE
    assert "login" in refused.detail
    assert plain.result is Result.RETRYABLE
    assert untrusted.result is Result.RETRYABLE
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.detail


def test_implicit_tls_from_the_first_byte(inbox: Inbox, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    with smtp_server(inbox, ssl_context=server_tls(cert, key)) as port:
        config = SmtpConfig(
            host=HOST, port=port, from_address=FROM, ssl=True, local_hostname="emscad.test"
        )
        outcome = SmtpChannel(config, tls=ssl.create_default_context(cafile=str(cert))).send(
            notification()
        )
    assert outcome.result is Result.SENT, outcome
    assert len(inbox.messages) == 1


def test_the_password_is_not_in_the_settings_repr() -> None:
    config = SmtpConfig(host=HOST, from_address=FROM, username="emscad", password="s3cret-pass")
    assert "s3cret-pass" not in repr(config)


# -- SMS and console specifics ----------------------------------------------------------------


def test_a_long_text_is_cut_to_what_one_message_holds() -> None:
    gateway = RecordingGateway()
    n = notification(channel=ChannelKind.SMS, body="x" * 3900)
    assert SmsChannel(gateway, from_number=SMS_FROM).send(n).result is Result.SENT
    [text] = gateway.sent
    assert len(text.body) == MAX_REPLY_CHARS
    assert text.body.endswith("…")
    assert text.body.startswith(n.subject)
    assert text.from_ == SMS_FROM
    assert sms_text(notification(channel=ChannelKind.SMS, body="short")).endswith("short")


def test_the_provider_message_id_is_kept() -> None:
    outcome = SmsChannel(RecordingGateway(), from_number=SMS_FROM).send(
        notification(channel=ChannelKind.SMS)
    )
    assert outcome.provider_id == "rec-000001"


class _RaisingGateway:
    provider = "broken"

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        raise TimeoutError("read timed out")


class _FlaggingGateway:
    """A gateway that says itself whether a failure is permanent."""

    provider = "flagging"

    def __init__(self, permanent: bool) -> None:
        self.permanent = permanent

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        return _Flagged(ok=False, provider=self.provider, error="no", permanent=self.permanent)


@dataclass(frozen=True)
class _Flagged(OutboundResult):
    permanent: bool = False


def test_a_gateway_that_raises_is_a_retryable_failure() -> None:
    outcome = SmsChannel(_RaisingGateway(), from_number=SMS_FROM).send(
        notification(channel=ChannelKind.SMS)
    )
    assert outcome.result is Result.RETRYABLE
    assert "read timed out" in outcome.detail


@pytest.mark.parametrize("permanent", [True, False])
def test_a_gateway_may_say_itself_whether_a_failure_is_permanent(permanent: bool) -> None:
    outcome = SmsChannel(_FlaggingGateway(permanent), from_number=SMS_FROM).send(
        notification(channel=ChannelKind.SMS)
    )
    assert outcome.result is (Result.PERMANENT if permanent else Result.RETRYABLE)


@pytest.mark.parametrize(
    ("error", "result"),
    [
        (TWILIO_INVALID, Result.PERMANENT),
        ("Twilio refused: Attempt to send to unsubscribed recipient", Result.PERMANENT),
        ("Twilio refused: HTTP 503", Result.RETRYABLE),
        ("Twilio refused: Too Many Requests", Result.RETRYABLE),
        ("Twilio unreachable: timed out", Result.RETRYABLE),
    ],
)
def test_sms_failures_are_sorted_by_what_the_provider_said(error: str, result: Result) -> None:
    channel = SmsChannel(RecordingGateway(fail_with=error), from_number=SMS_FROM)
    assert channel.send(notification(channel=ChannelKind.SMS)).result is result


def test_the_console_channel_without_a_hook_records_the_delivery() -> None:
    outcome = ConsoleChannel().send(notification(channel=ChannelKind.CONSOLE))
    assert outcome.result is Result.SENT
    assert outcome.detail == "delivered to console *"
