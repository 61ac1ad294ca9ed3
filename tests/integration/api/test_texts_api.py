"""Texts end to end: signed provider webhooks in, threads, replies, attaching, who sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from emscad.errors import InvalidInput
from emscad.intake.sms import RecordingGateway
from emscad.storage.db import Database
from emscad.web.runtime import Runtime, build_runtime
from tests.factories import sms
from tests.factories.api import Api, seed, start
from tests.factories.server import read_events, serving

TWILIO_MAIN = "/api/intake/twilio/main"
TELNYX_SOS = "/api/intake/telnyx/sos"
THREAD = f"main:{sms.CALLER}"
THREAD_URL = f"/api/texts/main:%2B{sms.CALLER[1:]}"


def _twilio(api: Api, params: dict[str, str], *, path: str = TWILIO_MAIN, **kw: Any) -> Any:
    body, headers = sms.twilio_request(path, params, **kw)
    return api.client.post(path, content=body, headers=headers)


def _telnyx(api: Api, payload: dict[str, Any] | bytes, *, age_s: int = 0) -> Any:
    body, headers = sms.telnyx_request(payload, now=api.clock.now(), age_s=age_s)
    return api.client.post(TELNYX_SOS, content=body, headers=headers)


def _threads(api: Api, **params: Any) -> list[dict[str, Any]]:
    r = api.client.get("/api/texts", params=params, headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


def _thread(api: Api, url: str = THREAD_URL) -> dict[str, Any]:
    r = api.client.get(url, headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def _event_types(api: Api, persona: str = "dispatcher") -> list[str]:
    """The events after the roster was seeded."""
    r = api.client.get("/api/events", params={"limit": 1000}, headers=api.headers(persona))
    assert r.status_code == 200, r.text
    return [e["type"] for e in r.json() if e["type"].startswith(("text.", "incident."))]


def _incident(api: Api) -> str:
    r = api.client.post(
        "/api/incidents",
        json={"location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75}, "priority": 2},
        headers=api.headers("calltaker"),
    )
    assert r.status_code == 201, r.text
    incident_id: str = r.json()["id"]
    return incident_id


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"]
    return body


# -- Twilio --------------------------------------------------------------------------------------


def test_a_signed_twilio_text_is_stored_and_answered_with_empty_twiml(api: Api) -> None:
    r = _twilio(api, sms.twilio_params(body="Man down behind the library"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/xml")
    assert r.text.endswith("<Response></Response>")
    thread = _thread(api)
    assert (thread["id"], thread["line"], thread["caller"]) == (THREAD, "main", sms.CALLER)
    assert thread["agency_number"] == sms.TEXT_LINES["main"]
    assert thread["awaiting_reply"] is True
    assert [m["body"] for m in thread["messages"]] == ["Man down behind the library"]
    assert thread["messages"][0]["direction"] == "inbound"
    assert _event_types(api) == ["text.received"]


def test_the_thread_can_be_named_with_a_literal_plus(api: Api) -> None:
    _twilio(api, sms.twilio_params())
    assert _thread(api, f"/api/texts/{THREAD}")["id"] == THREAD


@pytest.mark.parametrize(
    "signature",
    [None, "", "bm90IGEgc2lnbmF0dXJl", "GvWf1cFY/Q7PnoempGyD5oXAezc="],
    ids=["missing", "empty", "garbage", "another-requests"],
)
def test_an_unsigned_or_badly_signed_twilio_request_is_refused_and_not_stored(
    api: Api, signature: str | None
) -> None:
    body, headers = sms.twilio_request(TWILIO_MAIN, sms.twilio_params())
    headers.pop("X-Twilio-Signature")
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    _problem(api.client.post(TWILIO_MAIN, content=body, headers=headers), 403)
    assert _threads(api) == []
    assert _event_types(api) == []


def test_an_overlong_signature_or_undecodable_body_is_refused_as_unsigned(api: Api) -> None:
    body, headers = sms.twilio_request(TWILIO_MAIN, sms.twilio_params())
    long_signature = {**headers, "X-Twilio-Signature": "A" * 500}
    _problem(api.client.post(TWILIO_MAIN, content=body, headers=long_signature), 403)
    _problem(api.client.post(TWILIO_MAIN, content=b"\xff\xfeFrom=1", headers=headers), 403)
    raw, telnyx = sms.telnyx_request(sms.telnyx_payload(), now=api.clock.now())
    for name, value in (("telnyx-timestamp", "1" * 40), ("telnyx-signature-ed25519", "A" * 500)):
        _problem(api.client.post(TELNYX_SOS, content=raw, headers={**telnyx, name: value}), 403)
    assert _threads(api) == []


def test_a_provider_without_credentials_refuses_every_request(api: Api) -> None:
    api.runtime.settings = api.runtime.settings.model_copy(
        update={"twilio_auth_token": None, "telnyx_public_key": None}
    )
    params = sms.twilio_params()
    body, headers = sms.twilio_request(TWILIO_MAIN, params)
    headers["X-Twilio-Signature"] = sms.twilio_signature(sms.PUBLIC_URL + TWILIO_MAIN, params, "")
    _problem(api.client.post(TWILIO_MAIN, content=body, headers=headers), 403)
    _problem(_telnyx(api, sms.telnyx_payload()), 403)
    assert _threads(api) == []


def test_a_signed_body_that_was_changed_is_refused(api: Api) -> None:
    params = sms.twilio_params(body="all fine")
    body, headers = sms.twilio_request(TWILIO_MAIN, params)
    forged = body.replace(b"all+fine", b"come+now")
    _problem(api.client.post(TWILIO_MAIN, content=forged, headers=headers), 403)
    assert _threads(api) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/api/intake/twilio/main",
        f"{sms.PUBLIC_URL}/api/intake/twilio/sos",
        f"{sms.PUBLIC_URL}/api/intake/twilio/main?extra=1",
        "http://testserver/api/intake/twilio/main",  # the Host the request came in with
    ],
)
def test_a_signature_over_another_url_is_refused(api: Api, url: str) -> None:
    _problem(_twilio(api, sms.twilio_params(), signed_url=url), 403)
    assert _threads(api) == []


def test_the_query_string_is_part_of_the_signed_url(api: Api) -> None:
    path = f"{TWILIO_MAIN}?source=messaging-service"
    r = _twilio(api, sms.twilio_params(), path=path)
    assert r.status_code == 200, r.text
    assert len(_thread(api)["messages"]) == 1


@pytest.mark.parametrize(
    "signed_url",
    [
        "https://cad.example.org/api/intake/twilio/main",
        "https://cad.example.org:443/api/intake/twilio/main",
    ],
    ids=["without-port", "with-default-port"],
)
def test_the_signed_url_is_rebuilt_from_the_public_url_with_or_without_its_port(
    api: Api, signed_url: str
) -> None:
    api.runtime.settings = api.runtime.settings.model_copy(
        update={"public_url": "https://cad.example.org/"}
    )
    r = _twilio(api, sms.twilio_params(), signed_url=signed_url)
    assert r.status_code == 200, r.text
    assert len(_thread(api)["messages"]) == 1


def test_a_webhook_for_an_unknown_line_is_not_found(api: Api) -> None:
    path = "/api/intake/twilio/other"
    _problem(_twilio(api, sms.twilio_params(), path=path), 404)
    body, headers = sms.telnyx_request(sms.telnyx_payload(), now=api.clock.now())
    _problem(api.client.post("/api/intake/telnyx/other", content=body, headers=headers), 404)
    assert _threads(api) == []


def test_a_redelivered_twilio_message_is_acknowledged_and_stored_once(api: Api) -> None:
    params = sms.twilio_params("SM1")
    assert _twilio(api, params).status_code == 200
    api.clock.advance(timedelta(seconds=20))
    again = _twilio(api, params)
    assert again.status_code == 200
    assert again.text.endswith("<Response></Response>")
    assert [m["id"] for m in _thread(api)["messages"]] == ["SM1"]
    assert _event_types(api) == ["text.received"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"From": ""}, "From"),
        ({"MessageSid": "", "SmsSid": ""}, "MessageSid"),
        ({"NumMedia": "1"}, "MediaUrl0"),
        ({"NumMedia": "1", "MediaUrl0": "javascript:alert(1)"}, "URL"),
    ],
)
def test_a_signed_but_unreadable_twilio_request_is_422_and_not_stored(
    api: Api, params: dict[str, str], detail: str
) -> None:
    problem = _problem(_twilio(api, sms.twilio_params(**params)), 422)
    assert detail in problem["detail"]
    assert _threads(api) == []


def test_the_number_registration_is_never_shown(api: Api) -> None:
    _twilio(api, sms.twilio_params())
    for persona_json in (
        _thread(api),
        _threads(api),
        api.client.get("/api/events", headers=api.headers("dispatcher")).json(),
    ):
        text = json.dumps(persona_json).upper()
        for value in ("PINE BLUFF", "71601", "FROMCITY", "FROMZIP", "REGISTRATION"):
            assert value not in text


def test_an_oversized_webhook_body_is_413(api: Api) -> None:
    params = sms.twilio_params(body="x" * (65 * 1024))
    _problem(_twilio(api, params), 413)
    body, headers = sms.telnyx_request(
        sms.telnyx_payload(text="x" * (65 * 1024)), now=api.clock.now()
    )
    _problem(api.client.post(TELNYX_SOS, content=body, headers=headers), 413)
    assert _threads(api) == []


def test_webhooks_are_rate_limited_per_client(api: Api) -> None:
    api.runtime.settings = api.runtime.settings.model_copy(update={"webhook_rate_per_minute": 2})
    assert _twilio(api, sms.twilio_params("SM1")).status_code == 200
    assert _twilio(api, sms.twilio_params("SM2")).status_code == 200
    _problem(_twilio(api, sms.twilio_params("SM3")), 429)
    assert [m["id"] for m in _thread(api)["messages"]] == ["SM1", "SM2"]


# -- Telnyx --------------------------------------------------------------------------------------


def test_a_signed_telnyx_text_is_stored(api: Api) -> None:
    r = _telnyx(api, sms.telnyx_payload(text="SOS in the east stairwell"))
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": True, "thread": f"sos:{sms.CALLER}"}
    thread = _thread(api, f"/api/texts/sos:%2B{sms.CALLER[1:]}")
    assert thread["sos"] is True
    assert thread["agency_number"] == sms.TEXT_LINES["sos"]
    message = thread["messages"][0]
    assert (message["body"], message["sos_keyword"], message["provider"]) == (
        "SOS in the east stairwell",
        "sos",
        "telnyx",
    )
    again = _telnyx(api, sms.telnyx_payload(text="SOS in the east stairwell"))
    assert again.json() == {"stored": False, "thread": f"sos:{sms.CALLER}"}
    # (An SOS also opens an incident, the safety module's business: only texts count here.)
    assert [t for t in _event_types(api) if t == "text.received"] == ["text.received"]


@pytest.mark.parametrize("age_s", [299, -299])
def test_a_telnyx_request_within_five_minutes_either_way_is_accepted(api: Api, age_s: int) -> None:
    r = _telnyx(api, sms.telnyx_payload(text="hello"), age_s=age_s)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] is True


@pytest.mark.parametrize("age_s", [301, -301, 86_400])
def test_a_telnyx_request_outside_five_minutes_is_refused(api: Api, age_s: int) -> None:
    _problem(_telnyx(api, sms.telnyx_payload(), age_s=age_s), 403)
    assert _threads(api) == []


def test_a_telnyx_request_signed_by_another_key_or_changed_is_refused(api: Api) -> None:
    body, headers = sms.telnyx_request(sms.telnyx_payload(), now=api.clock.now())
    tampered = body.replace(b"east stairwell", b"west stairwell")
    _problem(api.client.post(TELNYX_SOS, content=tampered, headers=headers), 403)
    headers.pop("telnyx-signature-ed25519")
    _problem(api.client.post(TELNYX_SOS, content=body, headers=headers), 403)
    assert _threads(api) == []


def test_a_telnyx_delivery_report_is_acknowledged_and_not_stored(api: Api) -> None:
    for kind in ("message.sent", "message.finalized"):
        r = _telnyx(api, sms.telnyx_payload(event_type=kind))
        assert r.status_code == 200, r.text
        assert r.json() == {"stored": False}
    assert _threads(api) == []
    assert _event_types(api) == []


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", json.dumps({"data": {"payload": {}}}).encode()]
)
def test_a_signed_telnyx_body_that_cannot_be_read_is_422(api: Api, body: bytes) -> None:
    _problem(_telnyx(api, body), 422)
    assert _threads(api) == []


def test_an_unusable_telnyx_key_stops_start_up(api: Api) -> None:
    bad = api.runtime.settings.model_copy(update={"telnyx_public_key": "not a key"})
    with pytest.raises(InvalidInput, match="Telnyx public key"):
        build_runtime(bad, clock=api.clock)


def test_pictures_are_kept_as_the_providers_links(api: Api) -> None:
    media = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/SM1/Media/ME1"
    params = sms.twilio_params(NumMedia="1", MediaUrl0=media, MediaContentType0="image/jpeg")
    assert _twilio(api, params).status_code == 200
    message = _thread(api)["messages"][0]
    assert message["media"] == [{"url": media, "content_type": "image/jpeg"}]


@pytest.mark.parametrize(
    ("sender", "thread"),
    [
        ("(501) 555-0123", THREAD),
        ("1-501-555-0123", THREAD),
        ("501.555.0123", THREAD),
        ("12345", "main:12345"),  # a short code: kept as sent
    ],
)
def test_senders_are_threaded_by_their_e164_number(api: Api, sender: str, thread: str) -> None:
    assert _twilio(api, sms.twilio_params(sender=sender)).status_code == 200
    assert [t["id"] for t in _threads(api)] == [thread]


# -- threads, replies, attaching -------------------------------------------------------------


def _text_from(api: Api, caller: str, sid: str, body: str = "hello") -> None:
    r = _twilio(api, sms.twilio_params(sid, sender=caller, body=body))
    assert r.status_code == 200, r.text


def test_threads_are_listed_most_recent_first_and_filtered(api: Api) -> None:
    a, b, c = "+15015550123", "+15015550124", "+15015550125"
    _text_from(api, a, "SM1")
    incident = _incident(api)
    attached = api.client.post(
        f"/api/texts/main:%2B{a[1:]}/attach",
        json={"incident": incident},
        headers=api.headers("dispatcher"),
    )
    assert attached.status_code == 200, attached.text
    api.clock.advance(timedelta(minutes=1))
    _text_from(api, b, "SM2")
    replied = api.client.post(
        f"/api/texts/main:%2B{b[1:]}/replies",
        json={"body": "On our way"},
        headers=api.headers("dispatcher"),
    )
    assert replied.status_code == 201, replied.text
    api.clock.advance(timedelta(minutes=1))
    _text_from(api, c, "SM3", "third")

    def ids(**params: Any) -> list[str]:
        return [t["caller"] for t in _threads(api, **params)]

    assert ids() == [c, b, a]
    assert ids(awaiting_reply="true") == [c, a]
    assert ids(awaiting_reply="false") == [b]
    assert ids(unattached="true") == [c, b]
    assert ids(incident=incident) == [a]
    assert ids(limit=1) == [c]
    listed = _threads(api)[0]
    assert "messages" not in listed
    assert listed["last_message"]["body"] == "third"
    assert listed["message_count"] == 1


def test_a_reply_is_sent_once_and_a_retry_is_replayed(api: Api) -> None:
    _twilio(api, sms.twilio_params())
    url = f"{THREAD_URL}/replies"
    headers = api.headers("dispatcher", **{"Idempotency-Key": "reply-1"})
    first = api.client.post(url, json={"body": "Help is on the way"}, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    reply = first.json()
    assert reply["message"]["delivered_to_gateway"] is True
    assert reply["message"]["author"] == "dispatcher"
    assert reply["thread"]["awaiting_reply"] is False
    again = api.client.post(url, json={"body": "Help is on the way"}, headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["message"] == reply["message"]
    gateway = api.runtime.intake.gateway
    assert isinstance(gateway, RecordingGateway)
    assert [(s.to, s.from_, s.body) for s in gateway.sent] == [
        (sms.CALLER, sms.TEXT_LINES["main"], "Help is on the way")
    ]
    other = api.client.post(url, json={"body": "something else"}, headers=headers)
    _problem(other, 422)


def test_a_reply_the_gateway_refused_is_recorded_as_not_sent(api: Api) -> None:
    _twilio(api, sms.twilio_params())
    api.runtime.intake.gateway = RecordingGateway(fail_with="Twilio unreachable")
    r = api.client.post(
        f"{THREAD_URL}/replies", json={"body": "Are you safe?"}, headers=api.headers("dispatcher")
    )
    assert r.status_code == 201, r.text
    message = r.json()["message"]
    assert (message["delivered_to_gateway"], message["error"]) == (False, "Twilio unreachable")
    assert [t["caller"] for t in _threads(api, awaiting_reply="true")] == [sms.CALLER]


def test_replying_to_an_unknown_thread_or_with_no_text_is_refused(api: Api) -> None:
    _twilio(api, sms.twilio_params())
    _problem(
        api.client.post(
            "/api/texts/main:%2B15015550999/replies",
            json={"body": "hello"},
            headers=api.headers("dispatcher"),
        ),
        404,
    )
    for body in ({"body": ""}, {"body": "x" * 1601}, {"text": "hello"}):
        r = api.client.post(f"{THREAD_URL}/replies", json=body, headers=api.headers("dispatcher"))
        _problem(r, 422)
    _problem(
        api.client.get("/api/texts/main:%2B15015550999", headers=api.headers("dispatcher")), 404
    )
    gateway = api.runtime.intake.gateway
    assert isinstance(gateway, RecordingGateway)
    assert gateway.sent == []


def test_attaching_a_thread_puts_its_texts_on_the_incident_timeline(api: Api) -> None:
    _twilio(api, sms.twilio_params("SM1", body="my dad collapsed"))
    incident = _incident(api)
    _problem(
        api.client.post(
            f"{THREAD_URL}/attach", json={"incident": "nope"}, headers=api.headers("dispatcher")
        ),
        404,
    )
    r = api.client.post(
        f"{THREAD_URL}/attach", json={"incident": incident}, headers=api.headers("dispatcher")
    )
    assert r.status_code == 200, r.text
    assert r.json()["incident"] == incident
    _twilio(api, sms.twilio_params("SM2", body="he is breathing"))
    api.client.post(
        f"{THREAD_URL}/replies", json={"body": "Stay with him"}, headers=api.headers("dispatcher")
    )

    def timeline(persona: str) -> list[str]:
        t = api.client.get(f"/api/incidents/{incident}/timeline", headers=api.headers(persona))
        assert t.status_code == 200, t.text
        return [e["type"] for e in t.json()]

    assert timeline("dispatcher") == [
        "text.received",
        "incident.created",
        "text.thread_attached",
        "text.received",
        "text.sent",
    ]
    entries = api.client.get(
        f"/api/incidents/{incident}/timeline", headers=api.headers("dispatcher")
    ).json()
    assert "my dad collapsed" in json.dumps(entries)
    for persona in ("medic1", "analyst"):
        assert timeline(persona) == ["incident.created"], persona


def test_a_thread_can_be_moved_to_another_incident(api: Api) -> None:
    _twilio(api, sms.twilio_params("SM1", body="my dad collapsed"))
    first, second = _incident(api), _incident(api)
    for incident in (first, second):
        r = api.client.post(
            f"{THREAD_URL}/attach", json={"incident": incident}, headers=api.headers("dispatcher")
        )
        assert r.status_code == 200, r.text
    assert _thread(api)["incident"] == second
    assert [t["id"] for t in _threads(api, incident=second)] == [THREAD]
    assert _threads(api, incident=first) == []
    t = api.client.get(f"/api/incidents/{second}/timeline", headers=api.headers("dispatcher"))
    assert "my dad collapsed" in json.dumps(t.json())


def test_text_events_are_only_for_roles_that_answer_texts(api: Api) -> None:
    _twilio(api, sms.twilio_params(body="my ex is outside"))
    _incident(api)
    assert _event_types(api, "dispatcher") == ["text.received", "incident.created"]
    assert _event_types(api, "calltaker") == ["text.received", "incident.created"]
    assert _event_types(api, "medic1") == ["incident.created"]
    _problem(api.client.get("/api/events", headers=api.headers("analyst")), 403)


@pytest.mark.parametrize("persona", ["medic1", "analyst", "staffer", "admin"])
def test_roles_without_texts_cannot_read_or_answer_them(api: Api, persona: str) -> None:
    _twilio(api, sms.twilio_params())
    incident = _incident(api)
    headers = api.headers(persona)
    _problem(api.client.get("/api/texts", headers=headers), 403)
    _problem(api.client.get(THREAD_URL, headers=headers), 403)
    _problem(api.client.post(f"{THREAD_URL}/replies", json={"body": "hi"}, headers=headers), 403)
    _problem(
        api.client.post(f"{THREAD_URL}/attach", json={"incident": incident}, headers=headers), 403
    )
    _problem(api.client.get("/api/texts"), 401)


@pytest.mark.parametrize("persona", ["calltaker", "dispatcher", "supervisor"])
def test_call_takers_dispatchers_and_supervisors_read_texts(api: Api, persona: str) -> None:
    _twilio(api, sms.twilio_params())
    r = api.client.get("/api/texts", headers=api.headers(persona))
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()] == [THREAD]


# -- the live stream -----------------------------------------------------------------------------


@pytest.fixture
def live(database: Database, tmp_path: Path) -> Iterator[tuple[str, Runtime, dict[str, str]]]:
    rt, _ = start(tmp_path / "home", database)
    with serving(rt) as url:
        tokens = seed(rt)
        yield url, rt, tokens
    rt.close()


def test_the_live_stream_hides_texts_from_field_crews(
    live: tuple[str, Runtime, dict[str, str]],
) -> None:
    url, rt, tokens = live
    start_seq = rt.dispatch.last_seq()
    body, headers = sms.twilio_request(TWILIO_MAIN, sms.twilio_params(body="it's my ex"))

    def read(persona: str, count: int) -> list[str]:
        auth = {"Authorization": f"Bearer {tokens[persona]}"}
        with httpx2.Client(timeout=10) as client:
            params = {"after": start_seq}
            with client.stream("GET", f"{url}/api/stream", params=params, headers=auth) as r:
                return [e.event or "" for e in read_events(r, count)]

    posted = httpx2.post(f"{url}{TWILIO_MAIN}", content=body, headers=headers)
    assert posted.status_code == 200, posted.text
    created = httpx2.post(
        f"{url}/api/incidents",
        json={"location": {"text": "1 Main St", "lon": -92.3, "lat": 34.75}, "priority": 2},
        headers={"Authorization": f"Bearer {tokens['calltaker']}"},
    )
    assert created.status_code == 201, created.text
    assert read("dispatcher", 2) == ["text.received", "incident.created"]
    assert read("medic1", 1) == ["incident.created"]
