"""Outbound texts: every SmsGateway behaves alike, and the Twilio REST adapter builds its call."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

import pytest

from emscad.intake.sms import OutboundResult, RecordingGateway, SmsGateway
from emscad.intake.sms._twilio_http import TwilioRestGateway

Call = tuple[str, bytes, Mapping[str, str], float]


def fake_twilio(
    status: int, answer: bytes, calls: list[Call]
) -> Callable[[str, bytes, Mapping[str, str], float], tuple[int, bytes]]:
    def transport(
        url: str, body: bytes, headers: Mapping[str, str], timeout_s: float
    ) -> tuple[int, bytes]:
        calls.append((url, body, headers, timeout_s))
        return status, answer

    return transport


def _recording() -> SmsGateway:
    return RecordingGateway()


def _twilio() -> SmsGateway:
    answer = json.dumps({"sid": "SM" + "1" * 32, "status": "queued"}).encode()
    return TwilioRestGateway("AC123", "token", transport=fake_twilio(201, answer, []))


@pytest.mark.parametrize("make", [_recording, _twilio])
def test_every_gateway_reports_a_sent_message_with_its_id(make: Callable[[], SmsGateway]) -> None:
    result = make().send("+15015550123", "+15015550100", "Units are on the way.")
    assert isinstance(result, OutboundResult)
    assert result.ok
    assert result.message_id
    assert not result.error


def test_the_recording_gateway_keeps_what_was_sent_in_order() -> None:
    gateway = RecordingGateway()
    gateway.send("+15015550123", "+15015550100", "one")
    gateway.send("+15015550123", "+15015550100", "two")
    assert [s.body for s in gateway.sent] == ["one", "two"]
    assert gateway.sent[0].message_id != gateway.sent[1].message_id


def test_the_recording_gateway_can_play_an_unreachable_provider() -> None:
    gateway = RecordingGateway(fail_with="provider down")
    result = gateway.send("+15015550123", "+15015550100", "hello")
    assert (result.ok, result.error) == (False, "provider down")
    assert gateway.sent == []


def test_the_twilio_adapter_posts_the_form_with_basic_auth() -> None:
    calls: list[Call] = []
    answer = json.dumps({"sid": "SMabc"}).encode()
    gateway = TwilioRestGateway(
        "AC123", "secret", transport=fake_twilio(201, answer, calls), timeout_s=5
    )
    result = gateway.send("+15015550123", "+15015550100", "Stay on the line & keep texting")
    assert result == OutboundResult(ok=True, provider="twilio", message_id="SMabc")
    url, body, headers, timeout = calls[0]
    assert url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert parse_qs(body.decode()) == {
        "To": ["+15015550123"],
        "From": ["+15015550100"],
        "Body": ["Stay on the line & keep texting"],
    }
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert timeout == 5


def test_a_refusal_from_twilio_is_a_failed_result_with_its_reason() -> None:
    answer = json.dumps({"code": 21211, "message": "The 'To' number is not valid."}).encode()
    gateway = TwilioRestGateway("AC1", "t", transport=fake_twilio(400, answer, []))
    result = gateway.send("+1", "+15015550100", "x")
    assert not result.ok
    assert "'To' number is not valid" in result.error


@pytest.mark.parametrize("answer", [b"", b"<html>bad gateway</html>", b"[]"])
def test_a_garbled_answer_is_a_failed_result(answer: bytes) -> None:
    gateway = TwilioRestGateway("AC1", "t", transport=fake_twilio(502, answer, []))
    result = gateway.send("+15015550123", "+15015550100", "x")
    assert not result.ok
    assert "HTTP 502" in result.error


def test_an_unreachable_twilio_is_a_failed_result_not_an_exception() -> None:
    def down(
        url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> tuple[int, bytes]:
        raise TimeoutError("timed out")

    result = TwilioRestGateway("AC1", "t", transport=down).send("+15015550123", "+1501", "x")
    assert not result.ok
    assert "unreachable" in result.error
