"""Response plans: data validated on load; requirements from complaint and priority."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emscad.errors import DataError
from emscad.recommend.plan import load_plan

PLAN = load_plan()


def test_the_default_plan_loads_and_covers_the_safety_calls() -> None:
    assert PLAN.complaint("staff_sos") is not None
    assert PLAN.complaint("Chest pain") is not None  # by label, any case


def test_a_complaint_sets_capabilities_and_hospital() -> None:
    need = PLAN.requirement("stroke", 1)
    assert need.capabilities == ("als",)
    assert need.hospital == ("emergency", "stroke")
    assert need.basis == "stroke (P1)"


def test_a_raised_priority_adds_what_the_priority_needs() -> None:
    assert PLAN.requirement("fall", 3).capabilities == ("bls",)
    assert set(PLAN.requirement("fall", 1).capabilities) == {"bls", "als"}


def test_free_text_complaints_fall_back_to_the_priority() -> None:
    need = PLAN.requirement("man stuck in a tree", 2)
    assert need.capabilities == ("als",)
    assert need.hospital == ("emergency",)


def test_a_staff_sos_calls_police_and_medics() -> None:
    need = PLAN.requirement("staff_sos", 1)
    assert need.capabilities == ("police",)
    assert ("als",) in need.also


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "malformed"),
        ({"complaints": [], "priority_capabilities": {"1": []}}, "priorities 1 to 4"),
        (
            {
                "complaints": [
                    {"code": "a", "label": "A", "priority": 9, "capabilities": []},
                ],
                "priority_capabilities": {str(p): [] for p in range(1, 5)},
            },
            "priority 9",
        ),
    ],
)
def test_a_bad_plan_is_refused_with_the_reason(
    tmp_path: Path, data: dict[str, object], message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=message):
        load_plan(path)
