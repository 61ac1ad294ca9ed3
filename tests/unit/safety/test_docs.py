"""docs/safety.md cannot drift from the defaults and rules in the code."""

from __future__ import annotations

from pathlib import Path

from emscad.safety.checkins import DEFAULT_GRACE
from emscad.safety.escalation import DEFAULT_ESCORT_LADDER, DEFAULT_LADDER, format_ladder
from emscad.safety.matching import NAME_MATCH_THRESHOLD
from emscad.safety.offers import DEFAULT_RECENT_ALERT, DEFAULT_TIMER
from emscad.safety.orders import CONDITION_TEXT, DEFAULT_ZONE_RADIUS_M
from emscad.safety.watch import DEFAULT_DEDUPE_WINDOW

DOC = (Path(__file__).resolve().parents[3] / "docs" / "safety.md").read_text()


def test_the_defaults_table_matches_the_code() -> None:
    assert f"`{format_ladder(DEFAULT_LADDER)}`" in DOC
    assert f"`{format_ladder(DEFAULT_ESCORT_LADDER)}`" in DOC
    assert f"| name match threshold | {NAME_MATCH_THRESHOLD:.0f} (0–100) |" in DOC
    assert f"| zone radius | {DEFAULT_ZONE_RADIUS_M} m (1,000 ft) |" in DOC
    assert f"| check-in grace | {DEFAULT_GRACE.seconds} s |" in DOC
    assert f"| watch deduplication window | {DEFAULT_DEDUPE_WINDOW.seconds // 60} min |" in DOC
    assert (
        f"for | {DEFAULT_RECENT_ALERT.seconds // 3600 or DEFAULT_RECENT_ALERT.days * 24} h |" in DOC
    )
    assert f"| suggested check-in timer at shift end | {DEFAULT_TIMER.seconds // 60} min |" in DOC


def test_every_condition_code_is_documented() -> None:
    for condition in CONDITION_TEXT:
        assert f"| {condition.value} |" in DOC


def test_the_verify_advice_is_quoted_exactly() -> None:
    from emscad.safety.cautions import VERIFY_ADVICE

    assert VERIFY_ADVICE in DOC
