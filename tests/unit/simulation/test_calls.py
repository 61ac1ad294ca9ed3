"""The call generator: where calls come from, what they are about, and how often."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from emscad.incidents.models import Confidence, PersonRole
from emscad.recommend.plan import load_plan
from emscad.simulation.calls import (
    COMPLAINT_WEIGHTS,
    NEVER_GENERATED,
    TRANSPORT_RATES,
    CallGenerator,
    fictional_phone,
    transport_rate,
)
from tests.factories.api import small_region

PLAN = load_plan()


def _generator(seed: int = 7, place_share: float = 0.05) -> CallGenerator:
    return CallGenerator(small_region(), PLAN, np.random.default_rng(seed), place_share=place_share)


def test_gaps_between_calls_average_one_over_the_rate() -> None:
    gen = _generator()
    gaps = np.array([gen.gap_s(40.0) for _ in range(20_000)])
    assert gaps.mean() == pytest.approx(90.0, rel=0.03)
    # Exponential gaps: as many short waits as a Poisson process gives (1 - e^-1 under the mean).
    assert (gaps < 90.0).mean() == pytest.approx(1 - np.exp(-1), abs=0.02)


def test_calls_are_at_address_points_inside_the_region_with_a_street_label() -> None:
    gen = _generator(place_share=0.0)
    west, south, east, north = small_region().manifest.bbox  # of the roads
    margin = 0.002  # about 200 m: address points sit back from the road
    for _ in range(200):
        loc = gen.call().location
        assert loc.confidence is Confidence.ADDRESS
        assert loc.lon is not None
        assert loc.lat is not None
        assert west - margin <= loc.lon <= east + margin
        assert south - margin <= loc.lat <= north + margin
        number, _, street = loc.text.partition(" ")
        assert number[0].isdigit()
        assert street
        assert loc.label.startswith(loc.text)


def test_some_calls_come_from_named_places() -> None:
    gen = _generator(place_share=0.5)
    places = {p.name for p in gen.places}
    found = [gen.call().location for _ in range(100)]
    at_places = [loc for loc in found if loc.confidence is Confidence.PLACE]
    assert 25 <= len(at_places) <= 75
    assert all(loc.text in places and loc.has_point for loc in at_places)


def test_the_mix_is_led_by_everyday_complaints_and_never_fakes_a_safety_alert() -> None:
    gen = _generator()
    mix = Counter(gen.call().triage.chief_complaint for _ in range(5000))
    assert not NEVER_GENERATED & set(mix)
    top = {code for code, _ in mix.most_common(5)}
    assert top == {"sick_person", "fall", "breathing_problem", "chest_pain", "traffic_accident"}
    assert set(mix) <= {c.code for c in PLAN.complaints}


def test_triage_takes_the_plan_priority() -> None:
    gen = _generator()
    for _ in range(100):
        triage = gen.call().triage
        complaint = PLAN.complaint(triage.chief_complaint)
        assert complaint is not None
        assert triage.priority == complaint.priority


def test_callers_have_fictional_numbers_and_patients_plausible_ages() -> None:
    gen = _generator()
    for _ in range(200):
        call = gen.call()
        assert call.caller.name.count(" ") == 1
        assert call.caller.phone.startswith("+150155501")
        assert len(call.caller.phone) == 12
        (patient,) = call.persons
        assert patient.role is PersonRole.PATIENT
        assert patient.age is not None
        assert 1 <= patient.age <= 99
        assert patient.sex in {"F", "M"}


def test_fictional_phones_stay_in_the_reserved_block() -> None:
    assert fictional_phone(0) == "+15015550100"
    assert fictional_phone(42) == "+15015550142"
    assert fictional_phone(199) == "+15015550199"


def test_the_same_seed_gives_the_same_calls() -> None:
    a, b = _generator(seed=3), _generator(seed=3)
    assert [a.call() for _ in range(20)] == [b.call() for _ in range(20)]


def test_every_weighted_complaint_is_in_the_default_plan() -> None:
    codes = {c.code for c in PLAN.complaints}
    assert set(COMPLAINT_WEIGHTS) <= codes
    assert set(TRANSPORT_RATES) <= codes


def test_transport_rates_can_be_overridden_per_complaint() -> None:
    assert transport_rate("stroke") == TRANSPORT_RATES["stroke"]
    assert transport_rate("stroke", {"stroke": 0.0}) == 0.0
    assert transport_rate("made_up") == pytest.approx(0.7)
