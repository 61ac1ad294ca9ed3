"""Call intake on real databases (SQLite and PostgreSQL): texts, replies, device locations,
caller and premise history, and premise cautions that follow the calls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from emscad.clock import FixedClock
from emscad.dispatch.cautions import PremiseCautions
from emscad.dispatch.idempotency import Idempotency
from emscad.dispatch.intake import IntakeService, TextLines
from emscad.dispatch.service import DispatchService
from emscad.errors import Conflict, InvalidInput, NotFound
from emscad.incidents.events import Triage
from emscad.incidents.models import (
    Caller,
    Caution,
    Confidence,
    Disposition,
    Location,
    Severity,
    Source,
)
from emscad.intake.device import Agreement
from emscad.intake.history import PremiseCaution
from emscad.intake.pidf.plain import device_location_from_json
from emscad.intake.sms import (
    DEFAULT_SOS_KEYWORDS,
    InboundText,
    OutboundResult,
    Provider,
    RecordingGateway,
)
from emscad.intake.threads import Direction, TextReceived
from emscad.storage.db import Database
from emscad.storage.sql import SqlStore, SqlTransaction

T = TypeVar("T")

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
LINES = {"main": "+15015550100", "sos": "+15015550199"}
CALLER = "+15015550123"
# A place in Little Rock, and offsets in degrees of latitude (1 m is about 9e-6 degrees).
LON, LAT = -92.2896, 34.7465
M = 1 / 111_195


@dataclass
class Intake:
    dispatch: DispatchService
    intake: IntakeService
    gateway: RecordingGateway
    clock: FixedClock


def _ids() -> Callable[[], str]:
    counter = iter(range(1, 1_000_000))
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"id{next(counter):06d}"

    return new_id


@pytest.fixture
def env(database: Database) -> Intake:
    clock = FixedClock(T0)
    dispatch = DispatchService(
        SqlStore(database),
        clock=clock,
        new_id=_ids(),
        timezone=ZoneInfo("America/Chicago"),
        caution_sources=[PremiseCautions()],
    )
    gateway = RecordingGateway()
    intake = IntakeService(
        dispatch,
        gateway=gateway,
        lines=TextLines(
            numbers=LINES, sos_lines=frozenset({"sos"}), sos_keywords=DEFAULT_SOS_KEYWORDS
        ),
    )
    return Intake(dispatch=dispatch, intake=intake, gateway=gateway, clock=clock)


def _text(
    sid: str = "SM1",
    body: str = "man down by the library",
    *,
    sender: str = CALLER,
    line: str = "main",
) -> InboundText:
    return InboundText(
        provider=Provider.TWILIO,
        message_id=sid,
        from_number=sender,
        to_number=LINES[line],
        body=body,
        media=(),
        received_at=T0,
    )


def _incident(
    env: Intake,
    *,
    text: str = "712 W 7th St",
    lon: float | None = LON,
    lat: float | None = LAT,
    phone: str = CALLER,
    cautions: tuple[Caution, ...] = (),
) -> str:
    incident, _ = env.dispatch.create_incident(
        "calltaker",
        source=Source.TEXT if phone == CALLER else Source.PHONE,
        location=Location(
            text=text,
            lon=lon,
            lat=lat,
            confidence=Confidence.ADDRESS if lon is not None else Confidence.UNVERIFIED,
        ),
        triage=Triage(chief_complaint="chest pain", priority=1, determinant=""),
        caller=Caller(name="Ann", phone=phone),
        cautions=cautions,
    )
    return incident.id


def _together(*calls: Callable[[], T]) -> tuple[list[T], list[BaseException]]:
    """Run the calls at the same moment, one thread each; their results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], T]) -> None:
        barrier.wait()
        try:
            value = call()
        except Exception as exc:  # reported to the test
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(value)

    workers = [threading.Thread(target=run, args=(c,)) for c in calls]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results, errors


def _types(env: Intake, prefix: str = "") -> list[str]:
    return [r.event.type for r in env.dispatch.events_after(0) if r.event.type.startswith(prefix)]


def _caution(
    caution_id: str = "dog1",
    *,
    address: str = "712 W 7th St",
    lon: float | None = None,
    lat: float | None = None,
    radius_m: float = 30.0,
    text: str = "Large dog in the yard",
    expires: datetime | None = None,
) -> PremiseCaution:
    return PremiseCaution(
        id=caution_id,
        kind="dog",
        text=text,
        address=address,
        lon=lon,
        lat=lat,
        radius_m=radius_m,
        severity=Severity.HIGH,
        expires=expires,
    )


def _sources(env: Intake, incident_id: str) -> list[str]:
    return [c.source for c in env.dispatch.incident(incident_id).cautions]


# -- texts in ------------------------------------------------------------------------------------


def test_a_text_delivered_twice_is_stored_once(env: Intake) -> None:
    first = env.intake.receive_text(_text(), line="main")
    again = env.intake.receive_text(_text(), line="main")
    assert first.new
    assert first.message is not None
    assert first.message.body == "man down by the library"
    assert (again.new, again.message) == (False, None)
    thread = env.intake.thread(f"main:{CALLER}")
    assert [m.id for m in thread.messages] == ["SM1"]
    assert thread.awaiting_reply
    assert thread.agency_number == LINES["main"]
    assert _types(env) == ["text.received"]


def test_the_same_text_delivered_concurrently_is_stored_once(env: Intake) -> None:
    results, errors = _together(
        *[lambda: env.intake.receive_text(_text(), line="main") for _ in range(4)]
    )
    assert errors == []
    assert sorted(r.new for r in results) == [False, False, False, True]
    assert [m.id for m in env.intake.thread(f"main:{CALLER}").messages] == ["SM1"]
    assert _types(env) == ["text.received"]


@pytest.mark.parametrize("thread_exists", [False, True])
def test_two_texts_from_one_caller_at_once_are_both_kept(env: Intake, thread_exists: bool) -> None:
    if thread_exists:
        env.intake.receive_text(_text("SM0", "hello?"), line="main")
    results, errors = _together(
        lambda: env.intake.receive_text(_text("SM1", "he fell"), line="main"),
        lambda: env.intake.receive_text(_text("SM2", "not breathing"), line="main"),
    )
    assert errors == []
    assert all(r.new for r in results)
    thread = env.intake.thread(f"main:{CALLER}")
    expected = {"SM1", "SM2"} | ({"SM0"} if thread_exists else set())
    assert {m.id for m in thread.messages} == expected
    assert thread.version == len(expected)


def test_a_text_that_lost_the_race_to_open_its_thread_is_retried_not_lost(
    env: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt reads the thread as missing, as if another delivery opened it in
    between: its save is a Conflict, and the retry (from a rolled-back claim) keeps the text."""
    env.intake.receive_text(_text("SM0", "hello?"), line="main")
    real = SqlTransaction.find_thread
    calls: list[str] = []

    def stale_once(self: SqlTransaction, thread_id: str) -> Any:
        calls.append(thread_id)
        return None if len(calls) == 1 else real(self, thread_id)

    monkeypatch.setattr(SqlTransaction, "find_thread", stale_once)
    received = env.intake.receive_text(_text("SM1", "he fell"), line="main")
    monkeypatch.undo()
    assert received.new
    assert len(calls) >= 2  # a second attempt ran
    thread = env.intake.thread(f"main:{CALLER}")
    assert [m.id for m in thread.messages] == ["SM0", "SM1"]
    assert _types(env) == ["text.received", "text.received"]


def test_sos_keywords_are_flagged_only_on_the_sos_line(env: Intake) -> None:
    on_main = env.intake.receive_text(_text("SM1", "SOS 3rd floor"), line="main")
    on_sos = env.intake.receive_text(_text("SM2", "SOS 3rd floor", line="sos"), line="sos")
    street = env.intake.receive_text(_text("SM3", "I'm on Sosa St", line="sos"), line="sos")
    flagged = [r.message.sos_keyword if r.message else None for r in (on_main, on_sos, street)]
    assert flagged == ["", "sos", ""]
    assert on_main.thread.id != on_sos.thread.id  # one thread per line and caller


def test_a_text_on_an_unknown_line_is_not_found_and_not_stored(env: Intake) -> None:
    with pytest.raises(NotFound):
        env.intake.receive_text(_text(), line="nope")
    assert _types(env) == []
    assert env.intake.threads() == []


# -- replies -------------------------------------------------------------------------------------


def _key(key: str, body: str) -> Idempotency:
    return Idempotency.of(key, {"thread": f"main:{CALLER}", "body": body})


def test_a_reply_is_sent_once_and_a_retry_is_replayed(env: Intake) -> None:
    env.intake.receive_text(_text(), line="main")
    tid = f"main:{CALLER}"
    thread, message, replayed = env.intake.reply(
        "dispatcher", tid, "Help is on the way", idempotency=_key("k1", "Help is on the way")
    )
    assert not replayed
    assert message.delivered_to_gateway
    assert (message.direction, message.author) == (Direction.OUTBOUND, "dispatcher")
    assert not thread.awaiting_reply
    again_thread, again, replayed = env.intake.reply(
        "dispatcher", tid, "Help is on the way", idempotency=_key("k1", "Help is on the way")
    )
    assert replayed
    assert again == message
    assert len(env.gateway.sent) == 1
    sent = env.gateway.sent[0]
    assert (sent.to, sent.from_, sent.body) == (CALLER, LINES["main"], "Help is on the way")
    assert [m.direction for m in again_thread.messages] == [Direction.INBOUND, Direction.OUTBOUND]
    assert _types(env, "text.") == ["text.received", "text.sent"]


def test_a_reply_retried_while_the_first_is_sending_is_sent_once(env: Intake) -> None:
    env.intake.receive_text(_text(), line="main")
    tid = f"main:{CALLER}"

    def send() -> bool:
        _, _, replayed = env.intake.reply(
            "dispatcher", tid, "On our way", idempotency=_key("k1", "On our way")
        )
        return replayed

    results, errors = _together(send, send, send)
    assert len(env.gateway.sent) == 1
    assert results.count(False) == 1  # the one that sent it
    assert all(isinstance(e, Conflict) for e in errors)  # "started but not recorded" meanwhile
    outbound = [m for m in env.intake.thread(tid).messages if m.direction is Direction.OUTBOUND]
    assert len(outbound) == 1


def test_a_key_reused_for_another_reply_is_refused(env: Intake) -> None:
    env.intake.receive_text(_text(), line="main")
    tid = f"main:{CALLER}"
    env.intake.reply("dispatcher", tid, "first", idempotency=_key("k1", "first"))
    with pytest.raises(InvalidInput, match="different request"):
        env.intake.reply("dispatcher", tid, "second", idempotency=_key("k1", "second"))
    assert len(env.gateway.sent) == 1


class _Crash(BaseException):
    """The server stopping between sending and recording (not an Exception the code catches)."""


class _CrashingGateway:
    provider = "crashing"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        self.calls += 1
        raise _Crash


def test_a_reply_started_but_not_recorded_answers_conflict_on_retry(env: Intake) -> None:
    env.intake.receive_text(_text(), line="main")
    gateway = _CrashingGateway()
    env.intake.gateway = gateway
    tid = f"main:{CALLER}"
    with pytest.raises(_Crash):
        env.intake.reply("dispatcher", tid, "On our way", idempotency=_key("k1", "On our way"))
    with pytest.raises(Conflict, match="check the thread"):
        env.intake.reply("dispatcher", tid, "On our way", idempotency=_key("k1", "On our way"))
    assert gateway.calls == 1  # the retry did not send it again
    assert [m.direction for m in env.intake.thread(tid).messages] == [Direction.INBOUND]


class _RaisingGateway:
    provider = "broken"

    def send(self, to: str, from_: str, body: str) -> OutboundResult:
        raise RuntimeError("connection reset")


@pytest.mark.parametrize(
    ("gateway", "error"),
    [
        (RecordingGateway(fail_with="Twilio unreachable"), "Twilio unreachable"),
        (_RaisingGateway(), "send failed: connection reset"),
    ],
    ids=["refused", "raised"],
)
def test_a_reply_the_gateway_did_not_take_is_recorded_as_not_sent(
    env: Intake, gateway: Any, error: str
) -> None:
    env.intake.receive_text(_text(), line="main")
    env.intake.gateway = gateway
    tid = f"main:{CALLER}"
    thread, message, _ = env.intake.reply("dispatcher", tid, "Are you safe?")
    assert not message.delivered_to_gateway
    assert message.error == error
    assert thread.messages[-1] == message
    # The caller never got an answer: the thread still waits for one.
    assert thread.awaiting_reply
    assert [t.id for t in env.intake.threads(awaiting_reply=True)] == [tid]
    assert _types(env, "text.") == ["text.received", "text.sent"]


def test_a_reply_to_a_short_code_is_refused_before_sending(env: Intake) -> None:
    env.intake.receive_text(_text(sender="12345"), line="main")
    with pytest.raises(Conflict, match="not a phone number"):
        env.intake.reply("dispatcher", "main:12345", "hello")
    assert env.gateway.sent == []


# -- attaching threads to incidents --------------------------------------------------------------


def test_attaching_to_an_unknown_incident_is_not_found_and_stores_nothing(env: Intake) -> None:
    env.intake.receive_text(_text(), line="main")
    tid = f"main:{CALLER}"
    with pytest.raises(NotFound):
        env.intake.attach("dispatcher", tid, "no-such-incident")
    with pytest.raises(NotFound):
        env.intake.attach("dispatcher", "main:+15015550999", _incident(env))
    assert env.intake.thread(tid).incident is None
    assert "text.thread_attached" not in _types(env)


def test_an_attached_threads_earlier_and_later_texts_are_on_the_incident(env: Intake) -> None:
    tid = f"main:{CALLER}"
    env.intake.receive_text(_text("SM1", "my dad collapsed"), line="main")
    env.clock.advance(timedelta(seconds=5))
    env.intake.receive_text(_text("SM2", "712 W 7th St"), line="main")
    incident_id = _incident(env)
    other_id = _incident(env, text="somewhere else", lon=None, lat=None, phone="")
    attached = env.intake.attach("dispatcher", tid, incident_id)
    assert attached.incident == incident_id
    env.intake.receive_text(_text("SM3", "he is breathing now"), line="main")
    env.intake.reply("dispatcher", tid, "Stay with him")

    events = env.dispatch.incident_events(incident_id)
    assert [r.seq for r in events] == sorted(r.seq for r in events)
    assert [r.event.type for r in events] == [
        "text.received",
        "text.received",
        "incident.created",
        "text.thread_attached",
        "text.received",
        "text.sent",
    ]
    bodies = [r.event.message.body for r in events if isinstance(r.event, TextReceived)]
    assert bodies == ["my dad collapsed", "712 W 7th St", "he is breathing now"]
    assert [t.id for t in env.intake.threads(incident=incident_id)] == [tid]
    assert env.intake.threads(unattached=True) == []
    assert [r.event.type for r in env.dispatch.incident_events(other_id)] == ["incident.created"]
    # Attaching texts does not change the incident itself.
    assert env.dispatch.incident(incident_id).version == 1


# -- device locations ----------------------------------------------------------------------------


def _fix(lat: float, lon: float = LON, *, uncertainty: float | None = 10.0, at: str = "") -> Any:
    data: dict[str, Any] = {"lat": lat, "lon": lon, "method": "GPS"}
    if uncertainty is not None:
        data["uncertainty_m"] = uncertainty
    if at:
        data["timestamp"] = at
    return device_location_from_json(data, received_at=T0, provider="staff-app")


def test_a_device_location_is_kept_beside_the_incident_without_moving_it(env: Intake) -> None:
    incident_id = _incident(env)
    before = env.dispatch.incident(incident_id)
    report, replayed = env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT + 200 * M), caller="(501) 555-0123"
    )
    assert not replayed
    assert report.caller == CALLER
    assert report.view.supplemental
    assert report.view.agreement is Agreement.DIFFERS
    assert report.view.distance_m == pytest.approx(200, abs=2)
    assert report.view.movement is None
    after = env.dispatch.incident(incident_id)
    assert (after.location, after.version) == (before.location, before.version)
    near, _ = env.intake.add_device_location("calltaker", incident_id, _fix(LAT + 5 * M))
    assert near.view.agreement is Agreement.AGREES
    assert near.caller == CALLER  # the incident caller's number when none is given
    assert [r.id for r in env.intake.device_locations(incident_id)] == [report.id, near.id]
    assert "device.location_received" in [
        r.event.type for r in env.dispatch.incident_events(incident_id)
    ]


def test_a_device_location_without_an_incident_point_is_not_compared(env: Intake) -> None:
    incident_id = _incident(env, lon=None, lat=None)
    report, _ = env.intake.add_device_location("calltaker", incident_id, _fix(LAT))
    assert report.view.agreement is Agreement.NO_INCIDENT_POINT
    assert report.view.distance_m is None


def test_movement_between_fixes_is_measured_and_jitter_is_not_movement(env: Intake) -> None:
    incident_id = _incident(env)
    env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT, at="2026-07-06T22:19:00Z"), caller=CALLER
    )
    walked, _ = env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT + 120 * M, at="2026-07-06T22:20:00Z"), caller=CALLER
    )
    jitter, _ = env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT + 125 * M, at="2026-07-06T22:20:30Z"), caller=CALLER
    )
    assert walked.view.movement is not None
    assert walked.view.movement.moved
    assert walked.view.movement.distance_m == pytest.approx(120, abs=2)
    assert walked.view.movement.speed_mps == pytest.approx(2.0, abs=0.05)
    assert jitter.view.movement is not None
    assert not jitter.view.movement.moved
    listed = env.intake.device_locations(incident_id)
    assert [r.view.movement for r in listed[1:]] == [walked.view.movement, jitter.view.movement]


def test_a_retried_device_location_is_stored_once(env: Intake) -> None:
    incident_id = _incident(env)
    key = Idempotency.of("fix-1", {"lat": LAT})
    first, replayed = env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT), idempotency=key
    )
    again, replayed_again = env.intake.add_device_location(
        "calltaker", incident_id, _fix(LAT), idempotency=key
    )
    assert (replayed, replayed_again) == (False, True)
    assert again.id == first.id
    assert len(env.intake.device_locations(incident_id)) == 1


def test_a_device_location_retried_concurrently_is_stored_once(env: Intake) -> None:
    incident_id = _incident(env)
    key = Idempotency.of("fix-1", {"lat": LAT})
    results, errors = _together(
        *[
            lambda: env.intake.add_device_location(
                "calltaker", incident_id, _fix(LAT), idempotency=key
            )
            for _ in range(3)
        ]
    )
    assert errors == []
    assert len({report.id for report, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False, True, True]
    assert len(env.intake.device_locations(incident_id)) == 1


def test_a_device_location_for_an_unknown_incident_stores_nothing(env: Intake) -> None:
    with pytest.raises(NotFound):
        env.intake.add_device_location("calltaker", "nope", _fix(LAT))
    assert _types(env) == []


def test_confirming_a_device_location_moves_the_incident_and_keeps_the_typed_text(
    env: Intake,
) -> None:
    incident_id = _incident(env, text="behind the library")
    report, _ = env.intake.add_device_location("calltaker", incident_id, _fix(LAT + 200 * M))
    version = env.dispatch.incident(incident_id).version
    confirmed = env.intake.confirm_device_location(
        "dispatcher", incident_id, report.id, expected_version=version
    )
    loc = confirmed.location
    assert (loc.lon, loc.lat) == (LON, pytest.approx(LAT + 200 * M))
    assert loc.confidence is Confidence.DEVICE
    assert loc.uncertainty_m == 10.0
    assert loc.text == "behind the library"
    assert confirmed.version == version + 1
    # Now the incident is where the device is: the same fix agrees.
    assert env.intake.device_locations(incident_id)[0].view.agreement is Agreement.AGREES


def test_confirming_against_a_stale_version_is_a_conflict(env: Intake) -> None:
    incident_id = _incident(env)
    report, _ = env.intake.add_device_location("calltaker", incident_id, _fix(LAT + 200 * M))
    stale = env.dispatch.incident(incident_id).version
    env.dispatch.update_incident(
        "calltaker", incident_id, location=Location(text="712 W 7th St, rear", lon=LON, lat=LAT)
    )
    with pytest.raises(Conflict):
        env.intake.confirm_device_location(
            "dispatcher", incident_id, report.id, expected_version=stale
        )
    assert env.dispatch.incident(incident_id).location.confidence is not Confidence.DEVICE
    with pytest.raises(NotFound):
        env.intake.confirm_device_location("dispatcher", incident_id, 999, expected_version=None)


# -- history -------------------------------------------------------------------------------------


def test_history_finds_earlier_incidents_by_normalised_address(env: Intake) -> None:
    earlier = _incident(env, text="712 West 7th Street", lon=None, lat=None, phone="")
    _incident(env, text="714 W 7th St", lon=None, lat=None, phone="")  # next door
    env.clock.advance(timedelta(minutes=5))
    current = _incident(env, text="712 W 7th St, Little Rock", lon=None, lat=None, phone="")
    found = env.intake.history(location=Location(text="712 w 7th st."), exclude=current)
    assert [i.id for i in found.at_address] == [earlier]
    assert found.at_address_count == 1
    both = env.intake.history(location=Location(text="712 W Seventh St"))
    assert [i.id for i in both.at_address] == [current, earlier]  # most recent first


def test_history_finds_earlier_incidents_within_30_m(env: Intake) -> None:
    near = _incident(env, text="the parking lot", lat=LAT + 20 * M, phone="")
    _incident(env, text="across the road", lat=LAT + 50 * M, phone="")
    found = env.intake.history(
        location=Location(text="", lon=LON, lat=LAT, confidence=Confidence.COORDINATES)
    )
    assert [i.id for i in found.at_address] == [near]


def test_a_street_only_location_matches_by_coordinates_not_by_street(env: Intake) -> None:
    _incident(env, text="100 W 7th St", lon=None, lat=None, phone="")
    found = env.intake.history(location=Location(text="W 7th St", confidence=Confidence.STREET))
    assert found.at_address == ()


def test_history_finds_a_callers_earlier_incidents_in_any_number_format(env: Intake) -> None:
    first = _incident(env, text="somewhere", lon=None, lat=None, phone="(501) 555-0123")
    env.clock.advance(timedelta(minutes=1))
    second = _incident(env, text="elsewhere", lon=None, lat=None, phone="+1 501 555 0123")
    _incident(env, text="nowhere", lon=None, lat=None, phone="501-555-0199")
    for typed in ("501.555.0123", "1-501-555-0123", "+15015550123"):
        found = env.intake.history(location=Location(), phone=typed)
        assert [i.id for i in found.from_number] == [second, first], typed
        assert found.from_number_count == 2
    limited = env.intake.history(location=Location(), phone="5015550123", limit=1)
    assert ([i.id for i in limited.from_number], limited.from_number_count) == ([second], 2)


# -- premise cautions ----------------------------------------------------------------------------


def test_a_premise_caution_is_put_on_an_incident_at_the_place(env: Intake) -> None:
    env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    at_place = _incident(env, text="712 West 7th Street", lon=None, lat=None)
    elsewhere = _incident(env, text="900 Main St", lon=None, lat=None)
    incident = env.dispatch.incident(at_place)
    assert [(c.kind, c.severity, c.source) for c in incident.cautions] == [
        ("dog", Severity.HIGH, "premise:dog1")
    ]
    assert env.dispatch.incident(elsewhere).cautions == ()
    history = env.intake.history(location=Location(text="712 W 7th St"))
    assert [c.id for c in history.cautions] == ["dog1"]


def test_a_city_after_the_street_does_not_stop_a_premise_caution_matching(env: Intake) -> None:
    env.intake.save_premise_caution(
        "supervisor", _caution(address="712 W 7th St, Little Rock AR"), expected_version=0
    )
    typed = _incident(env, text="712 West 7th Street", lon=None, lat=None)
    with_city = _incident(env, text="712 W 7th St, Little Rock", lon=None, lat=None)
    assert _sources(env, typed) == ["premise:dog1"]
    assert _sources(env, with_city) == ["premise:dog1"]
    assert [c.id for c in env.intake.history(location=Location(text="712 w 7th st")).cautions] == [
        "dog1"
    ]


def test_a_premise_caution_matches_by_distance(env: Intake) -> None:
    env.intake.save_premise_caution(
        "supervisor", _caution(address="", lon=LON, lat=LAT, radius_m=40), expected_version=0
    )
    near = _incident(env, text="the lot", lat=LAT + 35 * M)
    far = _incident(env, text="down the road", lat=LAT + 60 * M)
    assert _sources(env, near) == ["premise:dog1"]
    assert _sources(env, far) == []


def test_premise_cautions_follow_the_incident_location(env: Intake) -> None:
    env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    incident_id = _incident(env, text="900 Main St", lon=None, lat=None)
    assert _sources(env, incident_id) == []
    env.dispatch.update_incident("calltaker", incident_id, location=Location(text="712 W 7th St"))
    assert _sources(env, incident_id) == ["premise:dog1"]
    env.dispatch.update_incident("calltaker", incident_id, location=Location(text="900 Main St"))
    assert _sources(env, incident_id) == []


def test_open_incidents_get_a_premise_caution_as_soon_as_it_is_saved_or_removed(
    env: Intake,
) -> None:
    open_id = _incident(env, text="712 W 7th St", lon=None, lat=None)
    closed_id = _incident(env, text="712 W 7th St", lon=None, lat=None)
    env.dispatch.close_incident("dispatcher", closed_id, Disposition(code="cancelled"))

    saved = env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    assert saved.version == 1
    assert [c.text for c in env.dispatch.incident(open_id).cautions] == ["Large dog in the yard"]
    assert env.dispatch.incident(closed_id).cautions == ()  # a closed call's record stays

    changed = env.intake.save_premise_caution(
        "supervisor", _caution(text="Two dogs, one bites"), expected_version=1
    )
    assert changed.version == 2
    assert [c.text for c in env.dispatch.incident(open_id).cautions] == ["Two dogs, one bites"]

    env.intake.remove_premise_caution("supervisor", "dog1", expected_version=2)
    assert env.dispatch.incident(open_id).cautions == ()
    assert env.intake.premise_cautions() == []
    assert _types(env, "premise.") == [
        "premise.caution_saved",
        "premise.caution_saved",
        "premise.caution_removed",
    ]


def test_premise_caution_versions_are_checked(env: Intake) -> None:
    env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    with pytest.raises(Conflict):
        env.intake.save_premise_caution("supervisor", _caution(text="new"), expected_version=0)
    with pytest.raises(Conflict):
        env.intake.remove_premise_caution("supervisor", "dog1", expected_version=7)
    with pytest.raises(NotFound):
        env.intake.remove_premise_caution("supervisor", "nope", expected_version=1)
    assert env.intake.premise_caution("dog1").text == "Large dog in the yard"
    unchanged = env.intake.save_premise_caution("supervisor", _caution(), expected_version=1)
    assert unchanged.version == 1  # saving the same caution again changes nothing
    assert _types(env, "premise.") == ["premise.caution_saved"]


def test_a_client_cautions_edit_cannot_remove_or_forge_a_premise_caution(env: Intake) -> None:
    env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    incident_id = _incident(env, text="712 W 7th St", lon=None, lat=None)
    own = Caution(kind="scene", text="stage for police", severity=Severity.HIGH, source="")
    forged = Caution(kind="fake", text="forged", source="premise:fake")
    updated = env.dispatch.update_incident("dispatcher", incident_id, cautions=(own, forged))
    assert [c.source for c in updated.cautions] == ["premise:dog1", ""]
    cleared = env.dispatch.update_incident("dispatcher", incident_id, cautions=())
    assert [c.source for c in cleared.cautions] == ["premise:dog1"]


def test_an_expired_premise_caution_is_not_applied(env: Intake) -> None:
    env.intake.save_premise_caution(
        "supervisor", _caution(expires=T0 + timedelta(hours=1)), expected_version=0
    )
    env.intake.save_premise_caution(
        "supervisor", _caution("old", expires=T0 - timedelta(days=1)), expected_version=0
    )
    assert _sources(env, _incident(env, lon=None, lat=None)) == ["premise:dog1"]
    env.clock.advance(timedelta(hours=1))
    assert _sources(env, _incident(env, lon=None, lat=None)) == []
    assert env.intake.history(location=Location(text="712 W 7th St")).cautions == ()


def test_a_premise_caution_that_lapses_comes_off_open_incidents_by_the_clock(
    env: Intake,
) -> None:
    env.intake.save_premise_caution(
        "supervisor", _caution(expires=T0 + timedelta(hours=1)), expected_version=0
    )
    open_id = _incident(env, lon=None, lat=None)
    assert _sources(env, open_id) == ["premise:dog1"]
    assert env.dispatch.expire_cautions() == 0  # the first call looks: all current
    env.clock.advance(timedelta(minutes=59))
    seq = env.dispatch.last_seq()
    assert env.dispatch.expire_cautions() == 0
    assert env.dispatch.last_seq() == seq  # nothing lapsed: nothing written
    env.clock.advance(timedelta(minutes=1))
    assert env.dispatch.expire_cautions() == 1
    assert _sources(env, open_id) == []
    [changed] = [
        r
        for r in env.dispatch.incident_events(open_id)
        if r.event.type == "incident.cautions_changed"
    ]
    assert changed.actor == "system:cautions"
    assert env.dispatch.expire_cautions() == 0


def test_a_call_written_just_before_the_end_but_committed_after_the_look_is_caught(
    env: Intake,
) -> None:
    end = T0 + timedelta(hours=1)
    env.intake.save_premise_caution("supervisor", _caution(expires=end), expected_version=0)
    env.dispatch.expire_cautions()
    env.clock.set(end + timedelta(milliseconds=500))
    env.dispatch.expire_cautions()  # the look at the end: no open incident had it
    # A call another request took at the last moment, its transaction committed after that
    # look: a second service on the same database, its clock just before the end.
    slow = DispatchService(
        env.dispatch.store,
        clock=FixedClock(end - timedelta(milliseconds=10)),
        new_id=lambda: "late1",
        timezone=ZoneInfo("America/Chicago"),
        caution_sources=env.dispatch.caution_sources,
    )
    late = _incident(Intake(slow, env.intake, env.gateway, env.clock), lon=None, lat=None)
    assert _sources(env, late) == ["premise:dog1"]
    env.clock.set(end + timedelta(milliseconds=1500))
    assert env.dispatch.expire_cautions() == 1  # the next tick looks back a few seconds
    assert _sources(env, late) == []


def test_a_premise_caution_that_lapsed_while_the_server_was_down_comes_off(env: Intake) -> None:
    env.intake.save_premise_caution(
        "supervisor", _caution(expires=T0 + timedelta(hours=1)), expected_version=0
    )
    open_id = _incident(env, lon=None, lat=None)
    env.clock.advance(timedelta(hours=2))
    # A service that has not looked before (a restarted server) refreshes every open call.
    assert env.dispatch.expire_cautions() == 1
    assert _sources(env, open_id) == []


@pytest.mark.parametrize(
    ("caution", "message"),
    [
        (_caution(address=""), "address or coordinates"),
        (_caution(address="", lon=LON, lat=None), "both longitude and latitude"),
        (_caution(radius_m=5000, lon=LON, lat=LAT), "radius"),
        (_caution(text=" "), "needs text"),
    ],
)
def test_an_invalid_premise_caution_stores_nothing(
    env: Intake, caution: PremiseCaution, message: str
) -> None:
    incident_id = _incident(env, lon=None, lat=None)
    seq = env.dispatch.last_seq()
    with pytest.raises(InvalidInput, match=message):
        env.intake.save_premise_caution("supervisor", caution, expected_version=0)
    assert env.dispatch.last_seq() == seq
    assert env.intake.premise_cautions() == []
    assert env.dispatch.incident(incident_id).cautions == ()


def test_a_full_caution_list_never_drops_a_premise_caution(env: Intake) -> None:
    env.intake.save_premise_caution("supervisor", _caution(), expected_version=0)
    incident_id = _incident(env, lon=None, lat=None)
    own = tuple(Caution(kind=f"k{i}", text="") for i in range(50))
    with pytest.raises(InvalidInput, match="kept by the system"):
        env.dispatch.update_incident("dispatcher", incident_id, cautions=own)
    assert _sources(env, incident_id) == ["premise:dog1"]
