"""Telnyx's messaging webhook: the Ed25519 signature with its timestamp, and the JSON payload."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from emscad.errors import InvalidInput
from emscad.intake.sms import (
    Provider,
    load_telnyx,
    parse_telnyx,
    telnyx_public_key,
    verify_telnyx,
)

NOW = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)

PAYLOAD: dict[str, Any] = {
    "data": {
        "event_type": "message.received",
        "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
        "occurred_at": "2026-07-06T22:19:59.588+00:00",
        "payload": {
            "cc": [],
            "direction": "inbound",
            "encoding": "GSM-7",
            "errors": [],
            "from": {
                "carrier": "T-Mobile USA",
                "line_type": "Wireless",
                "phone_number": "+15015550123",
            },
            "id": "84cca175-9755-4859-b67f-4730d7f58aa3",
            "media": [
                {
                    "content_type": "image/jpeg",
                    "sha256": None,
                    "size": None,
                    "url": "https://media.telnyx.example/84cca175/photo.jpg",
                }
            ],
            "messaging_profile_id": "740572b6-099c-44a1-89b9-6c92163bc68d",
            "parts": 1,
            "received_at": "2026-07-06T22:19:59.503+00:00",
            "record_type": "message",
            "tags": [],
            "text": "SOS in the east stairwell",
            "to": [
                {
                    "carrier": "Telnyx",
                    "line_type": "Wireless",
                    "phone_number": "+15015550199",
                    "status": "webhook_delivered",
                }
            ],
            "type": "MMS",
        },
        "record_type": "event",
    },
    "meta": {"attempt": 1, "delivered_to": "https://cad.example.org/api/intake/telnyx/sos"},
}


@pytest.fixture(scope="module")
def keys() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(public).decode()


def sign(private: Ed25519PrivateKey, timestamp: str, body: bytes) -> str:
    """Telnyx's scheme, written out: Ed25519 over "{timestamp}|{raw body}", base64."""
    return base64.b64encode(private.sign(timestamp.encode() + b"|" + body)).decode()


BODY = json.dumps(PAYLOAD).encode()
STAMP = str(int(NOW.timestamp()))


def test_a_correctly_signed_webhook_is_accepted(keys: tuple[Ed25519PrivateKey, str]) -> None:
    private, public = keys
    assert verify_telnyx(BODY, sign(private, STAMP, BODY), STAMP, public, now=NOW)


def test_a_tampered_body_is_rejected(keys: tuple[Ed25519PrivateKey, str]) -> None:
    private, public = keys
    signature = sign(private, STAMP, BODY)
    tampered = BODY.replace(b"SOS in the east stairwell", b"all good, ignore")
    assert not verify_telnyx(tampered, signature, STAMP, public, now=NOW)


def test_a_changed_timestamp_breaks_the_signature(keys: tuple[Ed25519PrivateKey, str]) -> None:
    private, public = keys
    signature = sign(private, STAMP, BODY)
    assert not verify_telnyx(BODY, signature, str(int(STAMP) + 1), public, now=NOW)


@pytest.mark.parametrize(
    ("offset_s", "accepted"),
    [(-300, True), (300, True), (-301, False), (301, False), (-86_400, False), (3_600, False)],
)
def test_stale_and_future_timestamps_are_rejected(
    keys: tuple[Ed25519PrivateKey, str], offset_s: int, accepted: bool
) -> None:
    private, public = keys
    stamp = str(int(NOW.timestamp()) + offset_s)
    signature = sign(private, stamp, BODY)
    assert verify_telnyx(BODY, signature, stamp, public, now=NOW, tolerance_s=300) is accepted


def test_another_accounts_key_is_rejected(keys: tuple[Ed25519PrivateKey, str]) -> None:
    private, _ = keys
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = sign(private, STAMP, BODY)
    assert not verify_telnyx(BODY, signature, STAMP, base64.b64encode(other).decode(), now=NOW)


@pytest.mark.parametrize(
    ("signature", "timestamp", "key"),
    [
        (None, STAMP, None),
        ("", STAMP, None),
        ("!!not base64!!", STAMP, None),
        (base64.b64encode(b"short").decode(), STAMP, None),
        ("GOOD", None, None),
        ("GOOD", "", None),
        ("GOOD", "1.5e9", None),
        ("GOOD", "-1", None),
        ("GOOD", "١٢٣", None),  # Arabic-Indic digits are digits to str.isdigit
        ("GOOD", "9" * 5000, None),  # int() refuses this many digits
        ("GOOD", STAMP, "not a key"),
        ("GOOD", STAMP, base64.b64encode(b"0" * 31).decode()),
    ],
)
def test_garbled_inputs_are_rejected_without_an_exception(
    keys: tuple[Ed25519PrivateKey, str],
    signature: str | None,
    timestamp: str | None,
    key: str | None,
) -> None:
    private, public = keys
    if signature == "GOOD":
        signature = sign(private, STAMP, BODY)
    assert not verify_telnyx(BODY, signature, timestamp, key or public, now=NOW)


def test_a_naive_clock_is_a_programming_error(keys: tuple[Ed25519PrivateKey, str]) -> None:
    private, public = keys
    with pytest.raises(ValueError, match="timezone"):
        verify_telnyx(BODY, sign(private, STAMP, BODY), STAMP, public, now=NOW.replace(tzinfo=None))


def test_a_bad_public_key_setting_fails_loudly_at_start_up() -> None:
    with pytest.raises(InvalidInput, match="Ed25519"):
        telnyx_public_key("abc")


def test_an_inbound_message_is_read_with_media_and_our_clock() -> None:
    text = parse_telnyx(PAYLOAD, received_at=NOW + timedelta(milliseconds=40))
    assert text is not None
    assert text.provider is Provider.TELNYX
    assert text.message_id == "84cca175-9755-4859-b67f-4730d7f58aa3"  # not the event id
    assert text.from_number == "+15015550123"
    assert text.to_number == "+15015550199"
    assert text.body == "SOS in the east stairwell"
    assert text.media_urls == ("https://media.telnyx.example/84cca175/photo.jpg",)
    assert text.media[0].content_type == "image/jpeg"
    assert text.received_at == NOW + timedelta(milliseconds=40)
    assert text.number_registration.from_carrier == "T-Mobile USA"


def test_the_raw_body_is_read_as_json() -> None:
    text = load_telnyx(BODY, received_at=NOW)
    assert text is not None
    assert text.body == "SOS in the east stairwell"


@pytest.mark.parametrize("event", ["message.sent", "message.finalized"])
def test_delivery_reports_are_not_inbound_texts(event: str) -> None:
    report = copy.deepcopy(PAYLOAD)
    report["data"]["event_type"] = event
    assert parse_telnyx(report, received_at=NOW) is None


def _without(path: list[str]) -> dict[str, Any]:
    body = copy.deepcopy(PAYLOAD)
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


def _with(path: list[str], value: object) -> dict[str, Any]:
    body = copy.deepcopy(PAYLOAD)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "event_type"),
        ({"data": []}, "event_type"),
        (_without(["data", "payload"]), "no data.payload"),
        (_without(["data", "payload", "id"]), "payload.id"),
        (_without(["data", "payload", "from"]), "payload.from"),
        (_with(["data", "payload", "from", "phone_number"], 15015550123), "from number"),
        (_with(["data", "payload", "to"], []), "payload.to"),
        (_with(["data", "payload", "text"], 42), "not text"),
        (_with(["data", "payload", "media"], {"url": "x"}), "media must be a list"),
        (_with(["data", "payload", "media"], [{"type": "image"}]), "has no url"),
        (_with(["data", "payload", "media"], [{"url": "file:///etc/passwd"}]), "not an http"),
    ],
)
def test_a_malformed_payload_gets_a_clear_error(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_telnyx(body, received_at=NOW)


@pytest.mark.parametrize(("raw", "message"), [(b"{not json", "not JSON"), (b"[1]", "object")])
def test_a_body_that_is_not_a_json_object_gets_a_clear_error(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_telnyx(raw, received_at=NOW)


def test_a_message_without_text_or_media_is_still_a_message() -> None:
    body = _with(["data", "payload", "text"], None)
    body["data"]["payload"]["media"] = None
    text = parse_telnyx(body, received_at=NOW)
    assert text is not None
    assert (text.body, text.media) == ("", ())
