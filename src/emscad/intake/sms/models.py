"""What an inbound text is once the provider's webhook has been checked and read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from emscad.errors import InvalidInput

# Twilio caps a message at 1600 characters; anything far beyond that is not a text message.
MAX_BODY_CHARS = 10_000
MAX_MEDIA = 10  # Twilio's and Telnyx's limit per MMS
MAX_URL_CHARS = 2_000
MAX_ID_CHARS = 100


class Provider(StrEnum):
    TWILIO = "twilio"
    TELNYX = "telnyx"


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment as the provider hosts it; fetching and storing it is the web layer's job."""

    url: str
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class NumberRegistration:
    """Where the carrier says the *numbers* are registered: NOT where the caller is.

    Twilio's `FromCity`/`FromZip`... describe the rate centre a number was issued in, which
    can be hundreds of kilometres from a mobile caller (R2.2). Kept apart from everything
    that is a location so that no console or report can mistake it for one.
    """

    from_city: str = ""
    from_state: str = ""
    from_zip: str = ""
    from_country: str = ""
    to_city: str = ""
    to_state: str = ""
    to_zip: str = ""
    to_country: str = ""
    from_carrier: str = ""
    from_line_type: str = ""


@dataclass(frozen=True, slots=True)
class InboundText:
    """One inbound SMS/MMS. `received_at` is emscad's clock, never the payload's claim."""

    provider: Provider
    message_id: str  # Twilio MessageSid, Telnyx payload id: the idempotency key
    from_number: str  # E.164 when it is a phone number, else the raw sender (short code)
    to_number: str  # the agency line's number, E.164 when parseable
    body: str
    media: tuple[Media, ...]
    received_at: datetime
    number_registration: NumberRegistration = NumberRegistration()

    @property
    def media_urls(self) -> tuple[str, ...]:
        return tuple(m.url for m in self.media)


def check_id(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"the webhook has no {what}")
    if len(value) > MAX_ID_CHARS or not value.isprintable():
        raise InvalidInput(f"the webhook's {what} is not a valid identifier")
    return value


def check_body(body: str) -> str:
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(f"the message is longer than {MAX_BODY_CHARS} characters")
    return body


def check_media_url(url: str) -> str:
    url = url.strip()
    # Only web URLs: a file: or javascript: link must never reach a dispatcher's browser.
    parts = urlsplit(url)
    if len(url) > MAX_URL_CHARS or parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput("a media URL in the webhook is not an http(s) URL")
    return url


def check_received_at(received_at: datetime) -> datetime:
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return received_at
