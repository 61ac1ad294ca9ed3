"""`emscad notify test`: send one test alert now, to check the email or text settings."""

from __future__ import annotations

import secrets
import socket
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from emscad.cli._common import settings
from emscad.errors import EmscadError, InvalidInput
from emscad.incidents.models import Severity
from emscad.intake.phone import to_e164
from emscad.notify.models import ChannelKind, Kind, Recipient, Result, new_notification
from emscad.web.runtime import notify_channels, sms_gateway

notify_app = typer.Typer(help="Alert notifications (email, texts).", no_args_is_help=True)

_SETUP = {
    ChannelKind.EMAIL: "set EMSCAD_SMTP_HOST and EMSCAD_SMTP_FROM (docs/notifications.md)",
    ChannelKind.SMS: "set EMSCAD_NOTIFY_SMS_LINE (docs/notifications.md)",
}


class AlertChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")


@notify_app.command("test")
def test(
    channel: Annotated[AlertChannel, typer.Argument(help="email or sms")],
    address: Annotated[str, typer.Argument(help="An email address, or a phone number")],
) -> None:
    """Send one test alert now, with the server's settings, and say how it went.

    Nothing is stored: this checks the mail server or SMS gateway, not the outbox. Exits 1
    when the channel is not set up or the message was refused.
    """
    config = settings()
    kind = ChannelKind(channel.value)
    channels = {c.kind: c for c in notify_channels(config, sms_gateway(config))}
    if kind not in channels:
        raise InvalidInput(f"{kind.value} alerts are not set up: {_SETUP[kind]}")
    if kind is ChannelKind.SMS and config.sms_gateway != "twilio":
        # The recording gateway (the demo's) keeps texts and sends nothing: a "sent" here
        # would pass a check that no alert could.
        raise InvalidInput(
            f"texts are not sent: EMSCAD_SMS_GATEWAY is {config.sms_gateway!r}, which keeps "
            "them; set it to 'twilio' with the account's settings (docs/configuration.md)"
        )
    to = address.strip()
    if kind is ChannelKind.SMS:
        to = to_e164(to) or to
    now = datetime.now(UTC)
    host = socket.gethostname()
    notification = new_notification(
        id=f"test-{secrets.token_hex(8)}",
        created_at=now,
        kind=Kind.TEST,
        severity=Severity.LOW,
        recipient=Recipient(user="", name="test", address=to),
        channel=kind,
        subject="emscad test alert: no one needs help",
        body=(
            f"This is a test of emscad's {kind.value} alerts, sent from {host} at "
            f"{now:%Y-%m-%d %H:%M:%S} UTC with `emscad notify test`. No one needs help."
        ),
        alarm="test",
    )
    outcome = channels[kind].send(notification)
    if outcome.result is not Result.SENT:
        retry = "" if outcome.result is Result.PERMANENT else " (an alert would be retried)"
        raise EmscadError(f"test {kind.value} to {to} failed{retry}: {outcome.detail}")
    provider = f" (id {outcome.provider_id})" if outcome.provider_id else ""
    typer.echo(f"test {kind.value} sent to {to}: {outcome.detail}{provider}")
