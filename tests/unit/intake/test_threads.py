"""Text threads: ordered messages per line and caller, duplicates dropped, replies recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent, Recorded
from emscad.intake import threads
from emscad.intake.sms import DEFAULT_SOS_KEYWORDS, InboundText, Media, OutboundResult, Provider
from emscad.intake.threads import (
    Direction,
    TextReceived,
    TextSent,
    TextThread,
    TextThreadAttached,
)

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)
CALLER = "+15015550123"
LINE_NUMBER = "+15015550100"


def inbound(sid: str, body: str, *, at: datetime = T0, sender: str = CALLER) -> InboundText:
    return InboundText(
        provider=Provider.TWILIO,
        message_id=sid,
        from_number=sender,
        to_number=LINE_NUMBER,
        body=body,
        media=(),
        received_at=at,
    )


class Log:
    """An in-memory event log folding into one thread, as storage would."""

    def __init__(self) -> None:
        self.events: list[Recorded] = []
        self.thread: TextThread | None = None

    def record(self, events: list[DomainEvent] | DomainEvent) -> TextThread | None:
        for event in events if isinstance(events, list) else [events]:
            rec = Recorded(seq=len(self.events) + 1, at=T0, actor="test", event=event)
            self.events.append(rec)
            self.thread = threads.apply(self.thread, rec)
        return self.thread

    def receive(self, text: InboundText, sos_keywords: tuple[str, ...] = ()) -> list[DomainEvent]:
        events = threads.receive(self.thread, text, line="main", sos_keywords=sos_keywords)
        self.record(events)
        return events


def test_the_first_text_opens_a_thread_for_the_line_and_caller() -> None:
    log = Log()
    [event] = log.receive(inbound("SM1", "chest pain at 12 Oak St"))
    assert isinstance(event, TextReceived)
    thread = log.thread
    assert thread is not None
    assert thread.id == "main:+15015550123" == threads.thread_id("main", CALLER)
    assert (thread.line, thread.caller, thread.agency_number) == ("main", CALLER, LINE_NUMBER)
    assert thread.incident is None
    assert [m.body for m in thread.messages] == ["chest pain at 12 Oak St"]
    assert thread.messages[0].direction is Direction.INBOUND
    assert thread.awaiting_reply
    assert thread.last_at == T0
    assert TextThread(id="x", line="main", caller=CALLER, agency_number="").last_at is None


def test_a_duplicate_delivery_produces_no_event() -> None:
    log = Log()
    log.receive(inbound("SM1", "hello"))
    assert log.receive(inbound("SM1", "hello", at=T0 + timedelta(seconds=15))) == []
    assert log.thread is not None
    assert len(log.thread.messages) == 1


def test_the_same_id_from_another_provider_is_another_message() -> None:
    log = Log()
    log.receive(inbound("abc", "one"))
    telnyx = InboundText(
        provider=Provider.TELNYX,
        message_id="abc",
        from_number=CALLER,
        to_number=LINE_NUMBER,
        body="two",
        media=(),
        received_at=T0,
    )
    assert len(log.receive(telnyx)) == 1


def test_a_duplicate_that_reaches_apply_twice_is_folded_once() -> None:
    # Two deliveries checked concurrently both pass `receive`; the fold keeps the first.
    log = Log()
    first = threads.receive(None, inbound("SM1", "hello"), line="main")
    second = threads.receive(None, inbound("SM1", "hello"), line="main")
    log.record(first + second)
    assert log.thread is not None
    assert len(log.thread.messages) == 1


def test_messages_are_ordered_by_time_whatever_the_order_of_arrival() -> None:
    log = Log()
    log.receive(inbound("SM2", "second", at=T0 + timedelta(seconds=20)))
    log.receive(inbound("SM1", "first", at=T0))
    log.receive(inbound("SM3", "third", at=T0 + timedelta(seconds=40)))
    assert log.thread is not None
    assert [m.body for m in log.thread.messages] == ["first", "second", "third"]


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=20))
def test_the_thread_is_always_in_time_order_and_each_message_once(offsets: list[int]) -> None:
    log = Log()
    for i, offset in enumerate(offsets):
        log.receive(inbound(f"SM{offset}", f"m{i}", at=T0 + timedelta(seconds=offset)))
    assert log.thread is not None
    times = [m.at for m in log.thread.messages]
    assert times == sorted(times)
    assert len(log.thread.messages) == len(set(offsets))


def test_sos_keywords_are_flagged_only_where_the_line_watches_for_them() -> None:
    log = Log()
    log.receive(inbound("SM1", "SOS east stairwell"))
    log.receive(inbound("SM2", "HELP ME"), sos_keywords=DEFAULT_SOS_KEYWORDS)
    assert log.thread is not None
    assert [m.sos_keyword for m in log.thread.messages] == ["", "help me"]


def test_a_reply_is_recorded_with_its_author_and_provider_id() -> None:
    log = Log()
    log.receive(inbound("SM1", "chest pain"))
    assert log.thread is not None
    body = threads.check_reply(log.thread, "  Help is on the way. Is he breathing?  ")
    result = OutboundResult(ok=True, provider="twilio", message_id="SM9")
    event = threads.record_reply(
        log.thread, body=body, author="dispatcher1", at=T0 + timedelta(seconds=30), result=result
    )
    thread = log.record(event)
    assert thread is not None
    reply = thread.messages[-1]
    assert (reply.direction, reply.id, reply.author) == (Direction.OUTBOUND, "SM9", "dispatcher1")
    assert reply.body == "Help is on the way. Is he breathing?"
    assert reply.delivered_to_gateway
    assert not thread.awaiting_reply


def test_a_failed_send_is_recorded_so_the_dispatcher_sees_it() -> None:
    log = Log()
    log.receive(inbound("SM1", "chest pain"))
    assert log.thread is not None
    failed = OutboundResult(ok=False, provider="twilio", error="Twilio unreachable")
    event = threads.record_reply(log.thread, body="hello", author="d1", at=T0, result=failed)
    assert event.message.error == "Twilio unreachable"
    assert event.message.id == "local-2"
    assert not event.message.delivered_to_gateway
    assert "NOT SENT" in (threads.describe(event) or "")


def test_a_reply_that_was_not_sent_leaves_the_thread_awaiting_a_reply() -> None:
    log = Log()
    log.receive(inbound("SM1", "chest pain"))
    assert log.thread is not None
    failed = OutboundResult(ok=False, provider="twilio", error="Twilio unreachable")
    thread = log.record(
        threads.record_reply(log.thread, body="hello", author="d1", at=T0, result=failed)
    )
    assert thread is not None
    assert thread.awaiting_reply
    sent = OutboundResult(ok=True, provider="twilio", message_id="SM9")
    thread = log.record(threads.record_reply(thread, body="hi", author="d1", at=T0, result=sent))
    assert thread is not None
    assert not thread.awaiting_reply


@pytest.mark.parametrize(
    ("body", "message"), [("", "needs text"), ("   ", "needs text"), ("x" * 1601, "longer")]
)
def test_an_empty_or_overlong_reply_is_refused_before_sending(body: str, message: str) -> None:
    thread = TextThread(id="main:+15015550123", line="main", caller=CALLER, agency_number="+1")
    with pytest.raises(InvalidInput, match=message):
        threads.check_reply(thread, body)


def test_a_short_code_cannot_be_replied_to() -> None:
    thread = TextThread(id="main:12345", line="main", caller="12345", agency_number="+1")
    with pytest.raises(Conflict, match="not a phone number"):
        threads.check_reply(thread, "hello")


def test_a_reply_needs_its_author() -> None:
    thread = TextThread(id="main:+15015550123", line="main", caller=CALLER, agency_number="+1")
    ok = OutboundResult(ok=True, provider="recording", message_id="r1")
    with pytest.raises(InvalidInput, match="author"):
        threads.record_reply(thread, body="hi", author=" ", at=T0, result=ok)


def test_attaching_puts_later_messages_on_the_incident_timeline() -> None:
    log = Log()
    [before] = log.receive(inbound("SM1", "chest pain"))
    assert before.incident_id is None
    assert log.thread is not None
    [attached] = threads.attach(log.thread, "inc-1")
    assert isinstance(attached, TextThreadAttached)
    assert attached.incident_id == "inc-1"
    log.record(attached)
    assert threads.attach(log.thread, "inc-1") == []
    [after] = log.receive(inbound("SM2", "he is turning blue"))
    assert after.incident_id == "inc-1"
    reply = threads.record_reply(
        log.thread, body="ok", author="d1", at=T0, result=OutboundResult(True, "recording", "r1")
    )
    assert reply.incident_id == "inc-1"


def test_a_thread_can_move_to_another_incident() -> None:
    log = Log()
    log.receive(inbound("SM1", "x"))
    assert log.thread is not None
    log.record(threads.attach(log.thread, "inc-1"))
    [moved] = threads.attach(log.thread, "inc-2")
    assert isinstance(moved, TextThreadAttached)
    assert (moved.before, moved.incident) == ("inc-1", "inc-2")
    with pytest.raises(InvalidInput):
        threads.attach(log.thread, " ")


def test_events_survive_the_event_log_round_trip() -> None:
    media = (Media("https://api.twilio.com/x/Media/ME1", "image/jpeg"),)
    text = InboundText(
        provider=Provider.TWILIO,
        message_id="SM1",
        from_number=CALLER,
        to_number=LINE_NUMBER,
        body="photo",
        media=media,
        received_at=T0,
    )
    [event] = threads.receive(None, text, line="sos", sos_keywords=("photo",))
    again = DomainEvent.from_payload(event.type, event.payload())
    assert again == event


def test_replay_rebuilds_a_thread_from_the_log() -> None:
    log = Log()
    log.receive(inbound("SM1", "one"))
    other = threads.receive(None, inbound("SM1", "other", sender="+15015550999"), line="main")
    log.events.append(Recorded(seq=99, at=T0, actor="t", event=other[0]))
    rebuilt = threads.replay(log.events, "main:+15015550123")
    assert rebuilt == log.thread


def test_events_for_another_thread_leave_a_thread_alone() -> None:
    log = Log()
    log.receive(inbound("SM1", "one"))
    assert log.thread is not None
    other = "+15015550999"
    other_thread = TextThread(id=f"main:{other}", line="main", caller=other, agency_number="+1")
    sent = threads.record_reply(
        other_thread, body="x", author="d", at=T0, result=OutboundResult(True, "r", "1")
    )
    assert threads.apply(log.thread, Recorded(1, T0, "t", sent)) is log.thread
    assert threads.apply(None, Recorded(1, T0, "t", sent)) is None
    [received] = threads.receive(None, inbound("SM7", "x", sender=other), line="main")
    assert threads.apply(log.thread, Recorded(1, T0, "t", received)) is log.thread
    attached = TextThreadAttached(thread=other_thread.id, incident="i", before=None)
    assert threads.apply(log.thread, Recorded(1, T0, "t", attached)) is log.thread
    assert threads.apply(log.thread, Recorded(1, T0, "t", DomainEvent())) is log.thread


def test_a_text_for_another_thread_is_a_programming_error() -> None:
    thread = TextThread(id="main:+1999", line="main", caller="+1999", agency_number="+1")
    with pytest.raises(ValueError, match="handed thread"):
        threads.receive(thread, inbound("SM1", "x"), line="main")


@pytest.mark.parametrize("line", ["", "Main", "a b", "x" * 25, "sos/../x"])
def test_line_names_are_short_and_url_safe(line: str) -> None:
    with pytest.raises(InvalidInput, match="line name"):
        threads.thread_id(line, CALLER)


def test_timeline_lines_describe_each_text_event() -> None:
    text = inbound("SM1", "SOS")
    [received] = threads.receive(None, text, line="sos", sos_keywords=DEFAULT_SOS_KEYWORDS)
    assert threads.describe(received) == "Text from +15015550123 [SOS: sos]: SOS"
    with_media = InboundText(
        provider=Provider.TWILIO,
        message_id="SM2",
        from_number=CALLER,
        to_number=LINE_NUMBER,
        body="look",
        media=(Media("https://x.example/1"), Media("https://x.example/2")),
        received_at=T0,
    )
    [received2] = threads.receive(None, with_media, line="sos")
    assert threads.describe(received2) == "Text from +15015550123: look (+2 attachments)"
    attached = TextThreadAttached(thread="sos:+1", incident="i", before=None)
    assert threads.describe(attached) == "Text thread sos:+1 attached"
    thread = TextThread(id="sos:+15015550123", line="sos", caller=CALLER, agency_number="+1")
    sent = threads.record_reply(
        thread, body="ok", author="d1", at=T0, result=OutboundResult(True, "r", "1")
    )
    assert isinstance(sent, TextSent)
    assert threads.describe(sent) == "Reply by d1: ok"
    assert threads.describe(DomainEvent()) is None
