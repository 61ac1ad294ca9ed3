"""Signed Twilio and Telnyx webhook requests, as the providers send them, for API tests.

The signatures are computed here from the providers' documented algorithms, independently of
the code under test: Twilio's HMAC-SHA1 of the URL and the sorted form parameters, Telnyx's
Ed25519 over "{timestamp}|{raw body}".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TEXT_LINES = {"main": "+15015550100", "sos": "+15015550199"}
SOS_LINES = ("sos",)
PUBLIC_URL = "http://localhost:8000"  # Settings' default: what emscad rebuilds Twilio's URL from
TWILIO_AUTH_TOKEN = "test-twilio-auth-token-0123456789"
# A fixed key, so runs are repeatable; it signs nothing outside the tests.
TELNYX_PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TELNYX_PUBLIC_KEY = base64.b64encode(
    TELNYX_PRIVATE_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()
CALLER = "+15015550123"


def twilio_signature(url: str, params: Mapping[str, str], token: str = TWILIO_AUTH_TOKEN) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL then each name and value, by name."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_params(
    sid: str = "SM00000000000000000000000000000001",
    *,
    body: str = "Man down behind the library",
    sender: str = CALLER,
    to: str = TEXT_LINES["main"],
    **extra: str,
) -> dict[str, str]:
    """An inbound SMS as Twilio posts it, number registration included."""
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC00000000000000000000000000000000",
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCity": "PINE BLUFF",
        "FromState": "AR",
        "FromZip": "71601",
        "FromCountry": "US",
        "ToCity": "LITTLE ROCK",
        "ToState": "AR",
        "ToZip": "72201",
        "ToCountry": "US",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def twilio_request(
    path: str, params: Mapping[str, str], *, signed_url: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The form body and headers of Twilio's POST to `path`, signed over `signed_url`
    (default: the public URL emscad expects)."""
    url = signed_url if signed_url is not None else PUBLIC_URL + path
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(url, params),
    }
    return urlencode(params).encode(), headers


def telnyx_signature(
    body: bytes, timestamp: str, key: Ed25519PrivateKey = TELNYX_PRIVATE_KEY
) -> str:
    return base64.b64encode(key.sign(timestamp.encode() + b"|" + body)).decode()


def telnyx_payload(
    message_id: str = "84cca175-9755-4859-b67f-4730d7f58aa3",
    *,
    text: str = "SOS in the east stairwell",
    sender: str = CALLER,
    to: str = TEXT_LINES["sos"],
    event_type: str = "message.received",
) -> dict[str, Any]:
    """A Telnyx API v2 messaging webhook."""
    return {
        "data": {
            "event_type": event_type,
            "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
            "occurred_at": "2026-07-06T22:19:59.588+00:00",
            "payload": {
                "direction": "inbound",
                "from": {
                    "carrier": "T-Mobile USA",
                    "line_type": "Wireless",
                    "phone_number": sender,
                },
                "id": message_id,
                "media": [],
                "text": text,
                "to": [{"phone_number": to, "status": "webhook_delivered"}],
                "type": "SMS",
                "record_type": "message",
            },
            "record_type": "event",
        },
        "meta": {"attempt": 1},
    }


def telnyx_request(
    payload: Mapping[str, Any] | bytes, *, now: datetime, age_s: int = 0
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of Telnyx's POST, signed `age_s` seconds before `now`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = str(int(now.timestamp()) - age_s)
    headers = {
        "Content-Type": "application/json",
        "telnyx-timestamp": stamp,
        "telnyx-signature-ed25519": telnyx_signature(body, stamp),
    }
    return body, headers
