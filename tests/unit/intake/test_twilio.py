"""Twilio's inbound SMS webhook: X-Twilio-Signature and the form parameters."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import InvalidInput
from emscad.intake.sms import Provider, parse_twilio, twilio_signature, verify_twilio

TOKEN = "12345678901234567890123456789012"
URL = "https://cad.example.org/api/intake/twilio/main"
T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)

PARAMS = {
    "ToCountry": "US",
    "ToState": "AR",
    "SmsMessageSid": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "NumMedia": "0",
    "ToCity": "LITTLE ROCK",
    "FromZip": "72201",
    "SmsSid": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "FromState": "AR",
    "SmsStatus": "received",
    "FromCity": "LITTLE ROCK",
    "Body": "Man down behind the library, not breathing well",
    "FromCountry": "US",
    "To": "+15015550100",
    "MessagingServiceSid": "MG00000000000000000000000000000000",
    "ToZip": "72201",
    "NumSegments": "1",
    "MessageSid": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "AccountSid": "AC00000000000000000000000000000000",
    "From": "+15015550123",
    "ApiVersion": "2010-04-01",
}


def reference_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's documented algorithm, written out independently of the code under test."""
    data = url
    for name in sorted(params):
        data += name + params[name]
    mac = hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),  # Twilio's webhook-security docs
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # the fixture of Twilio's SDK tests
    ],
)
def test_twilios_published_example_signatures_are_reproduced(caller: str, expected: str) -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": caller,
        "Digits": "1234",
        "From": caller,
        "To": "+18005551212",
    }
    assert twilio_signature(url, params, "12345") == expected
    assert verify_twilio(url, params, expected, "12345")


def test_a_correctly_signed_webhook_is_accepted() -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    assert verify_twilio(URL, PARAMS, signature, TOKEN)


def test_parameter_order_does_not_matter() -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    shuffled = list(reversed(PARAMS.items()))
    assert verify_twilio(URL, shuffled, signature, TOKEN)
    assert verify_twilio(URL, dict(shuffled), signature, TOKEN)


def test_a_tampered_parameter_is_rejected() -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    tampered = {**PARAMS, "Body": "Never mind, all fine"}
    assert not verify_twilio(URL, tampered, signature, TOKEN)


def test_an_added_parameter_is_rejected() -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    assert not verify_twilio(URL, {**PARAMS, "Extra": "x"}, signature, TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        "https://cad.example.org/api/intake/twilio/sos",  # another line
        "http://cad.example.org/api/intake/twilio/main",  # scheme lost behind a proxy
        "https://cad.example.org/api/intake/twilio/main?x=1",
        "https://evil.example.org/api/intake/twilio/main",
    ],
)
def test_a_signature_for_another_url_is_rejected(url: str) -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    assert not verify_twilio(url, PARAMS, signature, TOKEN)


def test_the_default_port_may_or_may_not_be_in_the_signed_url() -> None:
    # Twilio's own validator accepts both, since Twilio signs either form.
    with_port = "https://cad.example.org:443/api/intake/twilio/main"
    assert verify_twilio(URL, PARAMS, reference_signature(with_port, PARAMS, TOKEN), TOKEN)
    assert verify_twilio(with_port, PARAMS, reference_signature(URL, PARAMS, TOKEN), TOKEN)
    other_port = "https://cad.example.org:8443/api/intake/twilio/main"
    assert not verify_twilio(URL, PARAMS, reference_signature(other_port, PARAMS, TOKEN), TOKEN)


@pytest.mark.parametrize("signature", [None, "", "   "])
def test_a_missing_or_empty_signature_is_rejected(signature: str | None) -> None:
    assert not verify_twilio(URL, PARAMS, signature, TOKEN)


def test_the_wrong_auth_token_or_none_is_rejected() -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    assert not verify_twilio(URL, PARAMS, signature, "0" * 32)
    assert not verify_twilio(URL, PARAMS, reference_signature(URL, PARAMS, ""), "")


def test_a_garbled_signature_or_url_is_rejected_without_an_exception() -> None:
    assert not verify_twilio(URL, PARAMS, "not base64 at all!", TOKEN)
    assert not verify_twilio("https://host:notaport/x", PARAMS, "abc=", TOKEN)


def test_repeated_parameters_are_signed_name_then_sorted_values() -> None:
    pairs = [("B", "2"), ("A", "z"), ("A", "y")]
    expected_data = URL + "Ay" + "Az" + "B2"
    mac = hmac.new(TOKEN.encode(), expected_data.encode(), hashlib.sha1).digest()
    assert verify_twilio(URL, pairs, base64.b64encode(mac).decode(), TOKEN)


@given(
    name=st.sampled_from(sorted(PARAMS)),
    position=st.integers(min_value=0),
    replacement=st.characters(codec="utf-8"),
)
def test_any_single_character_change_to_a_signed_parameter_breaks_the_signature(
    name: str, position: int, replacement: str
) -> None:
    signature = reference_signature(URL, PARAMS, TOKEN)
    value = PARAMS[name]
    i = position % len(value)
    changed = value[:i] + replacement + value[i + 1 :]
    tampered = {**PARAMS, name: changed}
    assert verify_twilio(URL, tampered, signature, TOKEN) == (changed == value)


def test_an_inbound_sms_is_read_with_normalised_numbers_and_our_clock() -> None:
    text = parse_twilio(PARAMS, received_at=T0)
    assert text.provider is Provider.TWILIO
    assert text.message_id == "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert text.from_number == "+15015550123"
    assert text.to_number == "+15015550100"
    assert text.body == "Man down behind the library, not breathing well"
    assert text.media == ()
    assert text.received_at == T0


def test_number_geography_is_kept_apart_from_any_location() -> None:
    text = parse_twilio(PARAMS, received_at=T0)
    assert text.number_registration.from_city == "LITTLE ROCK"
    assert text.number_registration.from_zip == "72201"
    # Nothing on the text itself looks like a place.
    fields = set(type(text).__dataclass_fields__)
    assert not fields & {"city", "zip", "location", "lat", "lon", "address"}


def test_mms_media_urls_and_types_are_read() -> None:
    params = {
        **PARAMS,
        "Body": "",
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2",
        "MediaContentType1": "video/mp4",
    }
    text = parse_twilio(params, received_at=T0)
    assert text.body == ""
    assert [m.content_type for m in text.media] == ["image/jpeg", "video/mp4"]
    assert text.media_urls[1].endswith("/ME2")


def test_a_short_code_sender_is_kept_raw() -> None:
    text = parse_twilio({**PARAMS, "From": "12345"}, received_at=T0)
    assert text.from_number == "12345"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MessageSid": "", "SmsSid": ""}, "no MessageSid"),
        ({"From": ""}, "no From"),
        ({"To": " "}, "no To"),
        ({"NumMedia": "two"}, "NumMedia"),
        ({"NumMedia": "11"}, "NumMedia"),
        ({"NumMedia": "1"}, "MediaUrl0 is missing"),
        ({"NumMedia": "1", "MediaUrl0": "javascript:alert(1)"}, "not an http"),
        ({"Body": "x" * 10_001}, "longer than"),
        ({"MessageSid": "SM\n1"}, "not a valid identifier"),
    ],
)
def test_a_malformed_webhook_gets_a_clear_error(change: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_twilio({**PARAMS, **change}, received_at=T0)


def test_received_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        parse_twilio(PARAMS, received_at=datetime(2026, 7, 6))  # noqa: DTZ001
