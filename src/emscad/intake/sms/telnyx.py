"""Telnyx's messaging webhook (API v2): the Ed25519 signature check and the JSON payload.

Telnyx signs `"{telnyx-timestamp}|{raw body}"` with Ed25519; the account's public key (base64,
from the Telnyx portal) verifies it. The timestamp is checked against emscad's clock, both
ways, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from emscad.errors import InvalidInput
from emscad.intake.phone import normalize_number
from emscad.intake.sms.models import (
    MAX_MEDIA,
    InboundText,
    Media,
    NumberRegistration,
    Provider,
    check_body,
    check_id,
    check_media_url,
    check_received_at,
)

DEFAULT_TOLERANCE_S = 300.0  # Telnyx's own SDKs allow five minutes
INBOUND_EVENT = "message.received"


def telnyx_public_key(public_key_b64: str) -> Ed25519PublicKey:
    """The account's public key; raises InvalidInput so a bad setting fails at start-up."""
    try:
        raw = base64.b64decode(public_key_b64.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("the Telnyx public key is not a base64 Ed25519 public key") from exc


def verify_telnyx(
    raw_body: bytes,
    signature_b64: str | None,
    timestamp: str | None,
    public_key_b64: str,
    *,
    now: datetime,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether Telnyx signed exactly this body at a time within `tolerance_s` of `now`.

    False, never an exception, for a missing, garbled or wrong signature, a timestamp that
    is not a whole number of seconds or is too old or too far ahead, and an unusable key.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not signature_b64 or not timestamp:
        return False
    stamp = timestamp.strip()
    # Unix seconds: at most 12 digits (int() of thousands of digits raises, and is slow).
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    if abs(now.timestamp() - int(stamp)) > tolerance_s:
        return False
    try:
        key = telnyx_public_key(public_key_b64)
        signature = base64.b64decode(signature_b64.strip(), validate=True)
        key.verify(signature, stamp.encode("ascii") + b"|" + raw_body)
    except (InvalidInput, binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def event_type(body: Mapping[str, Any]) -> str:
    data = body.get("data")
    kind = data.get("event_type") if isinstance(data, Mapping) else None
    if not isinstance(kind, str):
        raise InvalidInput("the Telnyx webhook has no data.event_type")
    return kind


def load_telnyx(raw_body: bytes, *, received_at: datetime) -> InboundText | None:
    """`parse_telnyx` of the raw request body, with a clear error for a body that is not JSON."""
    try:
        body = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("the Telnyx webhook body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("the Telnyx webhook body is not a JSON object")
    return parse_telnyx(body, received_at=received_at)


def parse_telnyx(body: Mapping[str, Any], *, received_at: datetime) -> InboundText | None:
    """The inbound text in a Telnyx webhook, or None for another event type.

    Telnyx posts delivery reports (`message.sent`, `message.finalized`) to the same URL; those
    are well-formed and must be acknowledged with 200 or Telnyx retries them, so they come
    back as None rather than as an error.
    """
    check_received_at(received_at)
    if event_type(body) != INBOUND_EVENT:
        return None
    payload = body["data"].get("payload")
    if not isinstance(payload, Mapping):
        raise InvalidInput("the Telnyx webhook has no data.payload")
    sender = payload.get("from")
    if not isinstance(sender, Mapping):
        raise InvalidInput("the Telnyx webhook has no payload.from")
    recipients = payload.get("to")
    if not isinstance(recipients, list) or not recipients or not isinstance(recipients[0], Mapping):
        raise InvalidInput("the Telnyx webhook has no payload.to")
    text = payload.get("text") or ""
    if not isinstance(text, str):
        raise InvalidInput("the Telnyx webhook's payload.text is not text")
    return InboundText(
        provider=Provider.TELNYX,
        message_id=check_id(_str(payload, "id"), "payload.id"),
        from_number=normalize_number(check_id(_str(sender, "phone_number"), "from number")),
        to_number=normalize_number(check_id(_str(recipients[0], "phone_number"), "to number")),
        body=check_body(text),
        media=_media(payload.get("media")),
        received_at=received_at,
        number_registration=NumberRegistration(
            from_carrier=_str(sender, "carrier"), from_line_type=_str(sender, "line_type")
        ),
    )


def _str(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _media(items: Any) -> tuple[Media, ...]:
    if items is None:
        return ()
    if not isinstance(items, list) or len(items) > MAX_MEDIA:
        raise InvalidInput(f"payload.media must be a list of at most {MAX_MEDIA} items")
    media = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            raise InvalidInput("an item of payload.media has no url")
        media.append(Media(check_media_url(item["url"]), _str(item, "content_type")))
    return tuple(media)
