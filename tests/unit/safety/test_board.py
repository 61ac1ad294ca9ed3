"""The safety board: events fold into one state, replay matches, and the ticker's work."""

from __future__ import annotations

from datetime import timedelta

from emscad.incidents.events import IncidentReopened
from emscad.safety import board as boards
from emscad.safety.checkins import CheckInPhase, resolve_checkin, start_checkin, tick_checkin
from emscad.safety.checkins import link_incident as link_checkin
from emscad.safety.escorts import cancel_escort, request_escort
from emscad.safety.events import (
    AlertIncidentLinked,
    CheckInMissed,
    EscortEscalated,
    SosEscalated,
    SosRaised,
    SosSource,
)
from emscad.safety.feeds import GpsEvent, GpsEventKind
from emscad.safety.models import Position
from emscad.safety.registry import create_order, withdraw_order
from emscad.safety.sos import clear_sos, raise_sos
from emscad.safety.sos import link_incident as link_sos
from emscad.safety.watch import assess
from tests.unit.safety.factories import DANA, SUPERVISOR, T0, Log, order, staff

M = timedelta(minutes=1)
P = Position(-92.29, 34.75, 9.0)


def busy_log() -> Log:
    log = Log()
    log.record(create_order(order()), create_order(order(id="po-2")))
    log.record(withdraw_order(order(id="po-2"), at=T0, reason="dismissed"))
    out = raise_sos(sos_id="s1", staff=staff(), source=SosSource.APP, now=T0, position=P)
    log.record(*out.events)
    log.record(link_sos(out.sos, "i-1"))
    log.record(
        start_checkin(checkin_id="c1", staff_user=DANA, now=T0, duration=5 * M, position=P),
        request_escort(escort_id="e1", staff_user=DANA, now=T0, place="back door", position=P),
    )
    log.record(*assess(GpsEvent(GpsEventKind.SIGNAL_LOST, "GPS-77", T0), [order()], [], T0).events)
    log.record(IncidentReopened(incident="i-1", reason="unrelated"))
    log.record(AlertIncidentLinked(alarm="watch:x", incident="i-2"))
    return log


def test_incremental_folding_equals_replay() -> None:
    log = busy_log()
    assert boards.replay(log.events) == log.board
    b = log.board
    assert set(b.orders) == {"po-1", "po-2"}
    assert b.orders["po-2"].withdrawn_at == T0
    assert b.sos["s1"].incident == "i-1"
    assert b.checkins["c1"].phase is CheckInPhase.RUNNING
    assert set(b.escorts) == {"e1"}
    assert set(b.watch.degraded) == {"po-1"}


def test_events_for_unknown_records_are_ignored() -> None:
    log = Log()
    log.record(SosEscalated(sos="nope", level=0, targets=(), at=T0))
    log.record(CheckInMissed(checkin="nope", at=T0, deadline=T0))
    log.record(EscortEscalated(escort="nope", level=0, targets=(), at=T0))
    log.record(withdraw_order(order(id="nope"), at=T0, reason="x"))
    assert log.board == boards.SafetyBoard()
    assert boards.replay(log.events) == boards.SafetyBoard()


def test_the_ticker_escalates_misses_and_stops_when_things_end() -> None:
    log = busy_log()
    due = boards.tick(log.board, T0 + 7 * M)
    kinds = sorted(type(e).__name__ for e in due)
    assert kinds == [
        "CheckInEscalated",
        "CheckInEscalated",
        "CheckInMissed",
        "EscortEscalated",
        "EscortEscalated",
        "SosEscalated",
        "SosEscalated",
    ]
    log.record(*due)
    assert boards.tick(log.board, T0 + 7 * M) == []
    log.record(clear_sos(log.board.sos["s1"], SUPERVISOR, T0 + 8 * M, "safe"))
    assert boards.open_sos_for(log.board, DANA) is None
    log.record(link_checkin(log.board.checkins["c1"], "i-5"))
    assert log.board.checkins["c1"].incident == "i-5"
    c1 = log.board.checkins["c1"]
    log.record(resolve_checkin(c1, SUPERVISOR, T0 + 9 * M, "spoke to her"))
    log.record(cancel_escort(log.board.escorts["e1"], SUPERVISOR, T0 + 9 * M, "done"))
    assert boards.tick(log.board, T0 + 600 * M) == []


def test_live_context_prefers_the_sos_then_check_in_then_escort() -> None:
    log = busy_log()
    live = boards.live_context(log.board, DANA)
    assert live is not None
    assert live.alarm == "sos:s1"
    log.record(clear_sos(log.board.sos["s1"], SUPERVISOR, T0, "safe"))
    live = boards.live_context(log.board, DANA)
    assert live is not None
    assert live.alarm == "checkin:c1"
    log.record(*tick_checkin(log.board.checkins["c1"], T0 + 7 * M))
    from emscad.safety.checkins import check_in, resolve_checkin

    log.record(check_in(log.board.checkins["c1"], T0 + 8 * M))
    log.record(resolve_checkin(log.board.checkins["c1"], SUPERVISOR, T0 + 9 * M, "fine"))
    live = boards.live_context(log.board, DANA)
    assert live is not None
    assert live.alarm == "escort:e1"
    assert boards.live_context(log.board, "u-kim") is None


def test_a_second_press_finds_the_open_sos() -> None:
    log = Log()
    log.record(
        SosRaised(
            sos="a", staff_user=DANA, source=SosSource.SMS, at=T0, position=None, silent=False
        )
    )
    log.record(
        SosRaised(
            sos="b", staff_user=DANA, source=SosSource.APP, at=T0 + M, position=None, silent=False
        )
    )
    found = boards.open_sos_for(log.board, DANA)
    assert found is not None
    assert found.id == "b"
    assert boards.live_context(log.board, DANA) is None  # no position anywhere
