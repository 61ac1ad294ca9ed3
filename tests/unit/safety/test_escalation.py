"""The escalation ladder: validation, settings text, and which steps fall due when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import InvalidInput
from emscad.safety.escalation import (
    DEFAULT_ESCORT_LADDER,
    DEFAULT_LADDER,
    Alarm,
    Ladder,
    LadderStep,
    due_escalations,
    format_ladder,
    next_due,
    parse_ladder,
)
from emscad.safety.models import CONSOLES, DISPATCHERS, ON_DUTY, SUPERVISORS, Target
from tests.unit.safety.factories import T0

S = timedelta(seconds=1)


def test_the_default_ladder_is_consoles_then_supervisors_then_everyone() -> None:
    assert DEFAULT_LADDER.check() is DEFAULT_LADDER
    assert format_ladder(DEFAULT_LADDER) == "0=consoles,dispatcher; 60=supervisor; 120=on_duty"
    assert DEFAULT_LADDER.top == 2
    assert DEFAULT_LADDER.targets_up_to(1) == (CONSOLES, DISPATCHERS, SUPERVISORS)
    assert DEFAULT_ESCORT_LADDER.check().steps[1].targets == (ON_DUTY,)


def test_a_ladder_parses_from_settings_text_and_back() -> None:
    ladder = parse_ladder(" 0s = consoles, dispatcher ; 30=supervisor,user:u-chief; 90=on_duty; ")
    assert ladder.steps[1] == LadderStep(30 * S, (SUPERVISORS, Target.user("u-chief")))
    assert parse_ladder(format_ladder(ladder)) == ladder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one step"),
        ("10=consoles", "the first escalation step must be at 0 s"),
        ("0=consoles; 60=supervisor; 60=on_duty", "must come later"),
        ("0=consoles; 90000=on_duty", "within 24 hours"),
        ("0=pilots", "unknown escalation target 'pilots'"),
        ("0=user:", "unknown escalation target"),
        ("soon=consoles", "must read SECONDS=TARGETS, not 'soon=consoles'"),
        (";".join(f"{i}=consoles" for i in range(11)), "at most 10 steps"),
    ],
)
def test_bad_ladders_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_ladder(text)


def test_a_step_without_targets_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one target"):
        Ladder((LadderStep(0 * S, ()),)).check()


def test_steps_fall_due_in_order_and_late_tickers_catch_up() -> None:
    alarm = Alarm(started_at=T0, level=-1, escalating=True)
    assert [e.level for e in due_escalations(alarm, T0, DEFAULT_LADDER)] == [0]
    assert [e.level for e in due_escalations(alarm, T0 + 59 * S, DEFAULT_LADDER)] == [0]
    late = due_escalations(alarm, T0 + 600 * S, DEFAULT_LADDER)
    assert [(e.level, e.due_at) for e in late] == [(0, T0), (1, T0 + 60 * S), (2, T0 + 120 * S)]
    reached = Alarm(started_at=T0, level=1, escalating=True)
    assert [e.level for e in due_escalations(reached, T0 + 600 * S, DEFAULT_LADDER)] == [2]


def test_an_acknowledged_alarm_does_not_escalate() -> None:
    alarm = Alarm(started_at=T0, level=0, escalating=False)
    assert due_escalations(alarm, T0 + 3600 * S, DEFAULT_LADDER) == []
    assert next_due(alarm, DEFAULT_LADDER) is None


def test_next_due_is_the_next_step_or_none_at_the_top() -> None:
    assert next_due(Alarm(T0, -1, True), DEFAULT_LADDER) == T0
    assert next_due(Alarm(T0, 0, True), DEFAULT_LADDER) == T0 + 60 * S
    assert next_due(Alarm(T0, 2, True), DEFAULT_LADDER) is None


@given(st.lists(st.integers(min_value=0, max_value=400), max_size=20))
def test_ticking_climbs_one_level_at_a_time_to_the_top(offsets: list[int]) -> None:
    level = -1
    for t in [*sorted(offsets), 400]:
        due = due_escalations(Alarm(T0, level, True), T0 + t * S, DEFAULT_LADDER)
        assert [e.level for e in due] == list(range(level + 1, level + 1 + len(due)))
        level += len(due)
        expected = max(i for i, s in enumerate(DEFAULT_LADDER.steps) if s.after <= t * S)
        assert level == expected
    assert level == DEFAULT_LADDER.top
