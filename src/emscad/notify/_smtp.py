"""Email over SMTP (the standard library's smtplib). Private: the channel that talks to a mail
server; tested against a real SMTP server on 127.0.0.1.

Errors are sorted the way a mail server means them (RFC 5321): a 4xx reply is "try again
later", a 5xx reply to the recipient or the message is "never". Connection failures,
timeouts, TLS and login problems are retried too: they concern the server or emscad's own
settings, not this message, and once fixed the backlog goes out.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from emscad.incidents.models import Severity
from emscad.notify.models import ChannelKind, Notification, Outcome


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    from_address: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True  # upgrade the connection with STARTTLS before anything else
    ssl: bool = False  # implicit TLS from the first byte (port 465) instead
    timeout_s: float = 10.0  # for connecting and for each reply
    # The name emscad greets the server with; default: this machine's name.
    local_hostname: str | None = None


def _code(exc: smtplib.SMTPException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        # Any recipient refused for good makes the message undeliverable to them.
        return max(codes) if codes else None
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) else None


def _reply(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{code} {_text(message)} ({address})"
            for address, (code, message) in exc.recipients.items()
        ]
        return "; ".join(parts) or str(exc)
    code = getattr(exc, "smtp_code", None)
    message = getattr(exc, "smtp_error", None)
    return f"{code} {_text(message)}" if code is not None else str(exc) or type(exc).__name__


def _text(message: object) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return " ".join(text.split())


class SmtpChannel:
    kind = ChannelKind.EMAIL

    def __init__(self, config: SmtpConfig, *, tls: ssl.SSLContext | None = None) -> None:
        self.config = config
        # Verify the server's certificate by default; tests pass a context trusting theirs.
        self._tls = tls or ssl.create_default_context()

    def message(self, notification: Notification) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.config.from_address
        msg["To"] = notification.recipient.address
        msg["Subject"] = notification.subject
        msg["Date"] = format_datetime(notification.created_at)
        # The same Message-ID on every retry: a mail client shows a duplicate once.
        domain = self.config.from_address.rpartition("@")[2] or "emscad.invalid"
        msg["Message-ID"] = f"<{notification.id}@{domain}>"
        msg["X-Emscad-Notification"] = notification.id
        msg["X-Emscad-Alarm"] = notification.alarm
        msg["X-Emscad-Kind"] = notification.kind.value
        # RFC 3834: out-of-office robots must not answer an alarm.
        msg["Auto-Submitted"] = "auto-generated"
        if notification.severity is Severity.HIGH:
            msg["Importance"] = "high"
            msg["X-Priority"] = "1"
        msg.set_content(notification.body or notification.subject)
        return msg

    def send(self, notification: Notification) -> Outcome:
        msg = self.message(notification)
        where = f"{self.config.host}:{self.config.port}"
        try:
            self._deliver(msg)
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome.retryable(f"{where} refused emscad's login: {_reply(exc)}")
        except smtplib.SMTPNotSupportedError as exc:
            return Outcome.retryable(f"{where} does not support this: {exc}")
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            code = _code(exc)
            detail = f"{where} refused the message: {_reply(exc)}"
            if code is not None and 500 <= code < 600:
                return Outcome.permanent(detail)
            return Outcome.retryable(detail)
        except smtplib.SMTPException as exc:
            # The server hung up, refused the greeting, the sender or STARTTLS: its problem
            # or emscad's settings, not this message's.
            return Outcome.retryable(f"{where}: {type(exc).__name__}: {_reply(exc)}")
        except OSError as exc:  # refused, unreachable, timed out, TLS handshake failed
            return Outcome.retryable(f"cannot reach {where}: {type(exc).__name__}: {exc}")
        return Outcome.sent(f"accepted by {where}", provider_id=str(msg["Message-ID"]))

    def _deliver(self, msg: EmailMessage) -> None:
        smtp = self._connect()
        try:
            smtp.send_message(msg)
        finally:
            # Once the server has accepted the message, a failed QUIT changes nothing: it must
            # not turn a delivery into a "retry" (and a second copy).
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP
        if c.ssl:
            smtp = smtplib.SMTP_SSL(
                c.host,
                c.port,
                local_hostname=c.local_hostname,
                timeout=c.timeout_s,
                context=self._tls,
            )
        else:
            smtp = smtplib.SMTP(
                c.host, c.port, local_hostname=c.local_hostname, timeout=c.timeout_s
            )
        try:
            if c.starttls and not c.ssl:
                smtp.starttls(context=self._tls)
            if c.username:
                smtp.login(c.username, c.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
