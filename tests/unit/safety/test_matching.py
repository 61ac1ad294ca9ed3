"""Cautions on calls: phone, name, plate and zone matches against active orders, and severity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.geo import EARTH_RADIUS_M
from emscad.incidents.models import (
    Caller,
    Caution,
    Incident,
    IncidentStatus,
    Location,
    Person,
    Source,
)
from emscad.incidents.models import Severity as Sev
from emscad.safety.cautions import CAUTION_KIND, VERIFY_ADVICE
from emscad.safety.matching import (
    NAME_MATCH_THRESHOLD,
    Hit,
    MatchKind,
    OrderMatch,
    Plate,
    cautions_for,
    match_call,
    match_incident,
    merge_cautions,
    name_score,
    severity_of,
)
from emscad.safety.normalize import normalize_name, normalize_phone, normalize_plate
from emscad.safety.orders import Condition, StayAwayZone, Verification, VerificationStatus
from emscad.safety.zones import ZONE_EDGE_TOLERANCE_M, containing, distance_m, zones_of
from tests.unit.safety.factories import (
    FAR_AWAY,
    HOME,
    STATION_ONE,
    STATION_TWO,
    T0,
    order,
    protected,
    respondent,
)

ORDERS = [order()]


def kinds(matches: Sequence[OrderMatch]) -> set[MatchKind]:
    return {h.kind for m in matches for h in m.hits}


# -- normalising -------------------------------------------------------------------------------


def test_names_lose_case_accents_and_punctuation() -> None:
    assert normalize_name("  O'Brien-Smith,  JOSÉ ") == "o brien smith jose"
    assert normalize_name("---") == ""


def test_plates_lose_spaces_dashes_and_case() -> None:
    assert normalize_plate(" abc-12 3 ") == "ABC123"
    assert normalize_plate("ＡＢＣ１２３") == "ABC123"  # full-width input from a phone keyboard


def test_phones_lose_punctuation_and_the_north_american_prefix() -> None:
    assert normalize_phone("+1 (501) 555-0199") == "5015550199"
    assert normalize_phone("501.555.0199") == "5015550199"
    assert normalize_phone("+44 20 7946 0000") == "442079460000"


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "matches"),
    [
        ("Jon Smith", "John Smith", True),  # one slip
        ("Smith, John", "John Smith", True),  # NCIC order
        ("John Michael Smith", "John Smith", True),  # a middle name
        ("MARCUS  reed", "Marcus Reed", True),
        ("Mike Smith", "John Smith", False),  # same surname, another man
        ("John", "John Smith", False),  # a first name alone matches half a city
        ("Marcus Green", "Marcus Reed", False),
        ("", "John Smith", False),
    ],
)
def test_name_matching_threshold(a: str, b: str, matches: bool) -> None:
    assert (name_score(a, b) >= NAME_MATCH_THRESHOLD) is matches


# -- what matches ------------------------------------------------------------------------------


def test_the_respondents_phone_calling_is_high() -> None:
    (m,) = match_call(ORDERS, T0, caller_phone="+1 501 555 0199")
    assert kinds([m]) == {MatchKind.RESPONDENT_PHONE}
    assert m.severity is Sev.HIGH
    assert m.advice == VERIFY_ADVICE == "Verify with the court or NCIC before acting."
    assert m.reference == "po-1"
    assert m.verification == "unverified"
    assert m.conditions.startswith("01 no assault")


def test_the_protected_persons_phone_calling_is_medium() -> None:
    (m,) = match_call(ORDERS, T0, caller_phone="5015550142")
    assert kinds([m]) == {MatchKind.PROTECTED_PHONE}
    assert m.severity is Sev.MEDIUM


def test_short_numbers_never_match() -> None:
    o = order(respondent=respondent(phones=("911-0000",)))
    assert match_call([o], T0, caller_phone="911") == []


def test_names_match_the_respondent_and_his_aliases() -> None:
    (m,) = match_call(ORDERS, T0, names=["marc reed"])
    assert kinds([m]) == {MatchKind.RESPONDENT_NAME}
    assert "'Marc Reed'" in m.hits[0].detail
    assert m.hits[0].score == 100.0


def test_the_name_threshold_can_be_tightened() -> None:
    assert match_call(ORDERS, T0, names=["Marcus Reid"])
    assert match_call(ORDERS, T0, names=["Marcus Reid"], name_threshold=95) == []


def test_names_match_a_protected_person() -> None:
    (m,) = match_call(ORDERS, T0, names=["Dana Whitfeld"])
    assert kinds([m]) == {MatchKind.PROTECTED_NAME}
    assert m.severity is Sev.MEDIUM
    o = order(protected=(protected(aliases=("Dana W. Reed",)),))
    (m,) = match_call([o], T0, names=["Dana W Reed", "   "])
    assert kinds([m]) == {MatchKind.PROTECTED_NAME}


def test_a_plate_matches_exactly_after_normalising() -> None:
    (m,) = match_call(ORDERS, T0, plates=["abc 1234"])
    assert kinds([m]) == {MatchKind.PLATE}
    assert m.severity is Sev.HIGH
    assert match_call(ORDERS, T0, plates=["ABC1235"]) == []
    assert match_call(ORDERS, T0, plates=["", "--"]) == []


def test_a_plate_state_rules_a_match_out_only_when_both_sides_have_one() -> None:
    assert match_call(ORDERS, T0, plates=[Plate("ABC1234", "ar")])
    assert match_call(ORDERS, T0, plates=[Plate("ABC1234", "TX")]) == []
    stateless = order(
        respondent=respondent(vehicles=(replace(respondent().vehicles[0], state=""),))
    )
    assert match_call([stateless], T0, plates=[Plate("ABC1234", "TX")])


def test_a_location_in_a_stay_away_zone_alone_is_low() -> None:
    (m,) = match_call(ORDERS, T0, point=HOME)
    assert kinds([m]) == {MatchKind.ZONE}
    assert m.severity is Sev.LOW
    assert "'Her home' (residence, radius 305 m)" in m.hits[0].detail


def test_a_zone_with_the_respondent_involved_is_high() -> None:
    (m,) = match_call(ORDERS, T0, point=HOME, names=["Marcus Reed"])
    assert kinds([m]) == {MatchKind.ZONE, MatchKind.RESPONDENT_NAME}
    assert m.severity is Sev.HIGH


def test_a_protected_person_in_a_zone_stays_medium() -> None:
    (m,) = match_call(ORDERS, T0, point=HOME, caller_phone="501-555-0142")
    assert m.severity is Sev.MEDIUM


def test_nothing_matches_an_unrelated_call() -> None:
    found = match_call(ORDERS, T0, caller_phone="501-555-0000", names=["Pat Lee"], point=FAR_AWAY)
    assert found == []


def test_a_staff_order_covers_every_agency_site() -> None:
    site = (STATION_TWO.lon, STATION_TWO.lat)
    assert match_call(ORDERS, T0, point=site) == []
    (m,) = match_call(ORDERS, T0, point=site, places=[STATION_ONE, STATION_TWO])
    assert "'Station Two' (workplace" in m.hits[0].detail
    civilian = order(protected=(protected(staff_user=None),))
    assert match_call([civilian], T0, point=site, places=[STATION_TWO]) == []


def test_a_zone_on_a_place_follows_the_place() -> None:
    moved = replace(STATION_ONE, lon=FAR_AWAY[0], lat=FAR_AWAY[1])
    zones = zones_of(order(), [moved])
    st1 = next(z for z in zones if z.id == "z-st1")
    assert (st1.lon, st1.lat) == FAR_AWAY
    assert [z.id for z in zones] == ["z-home", "z-st1"]  # not listed twice


def test_the_deepest_zone_wins() -> None:
    a = StayAwayZone("a", "A", 0.0, 0.0, radius_m=1000)
    b = StayAwayZone("b", "B", 0.001, 0.0, radius_m=1000)
    hit = containing([a, b], 0.0009, 0.0)
    assert hit is not None
    assert hit.zone.id == "b"
    hit = containing([b, a], 0.0009, 0.0)
    assert hit is not None
    assert hit.zone.id == "b"
    assert containing([a], 1.0, 1.0) is None


def test_matches_come_most_severe_first() -> None:
    orders = [order(id="po-b"), order(id="po-a", respondent=respondent(phones=()))]
    found = match_call(orders, T0, caller_phone="5015550199", point=HOME)
    assert [(m.order.id, m.severity) for m in found] == [("po-b", Sev.HIGH), ("po-a", Sev.LOW)]


def test_severity_of_nothing_is_low() -> None:
    assert severity_of([]) is Sev.LOW
    assert severity_of([Hit(MatchKind.PROTECTED_NAME, "")]) is Sev.MEDIUM


def test_an_incident_is_matched_on_its_caller_persons_and_location() -> None:
    incident = Incident(
        id="i1",
        number="26-000001",
        status=IncidentStatus.PENDING,
        received_at=T0,
        source=Source.PHONE,
        location=Location(text="Elm St", lon=HOME[0], lat=HOME[1]),
        caller=Caller(name="Dana Whitfield", phone="501 555 0142"),
        persons=(Person(name="Marcus Reed"),),
    )
    (m,) = match_incident(incident, ORDERS, T0, plates=["XYZ789"])
    assert kinds([m]) == {
        MatchKind.PROTECTED_PHONE,
        MatchKind.PROTECTED_NAME,
        MatchKind.RESPONDENT_NAME,
        MatchKind.PLATE,
        MatchKind.ZONE,
    }
    no_point = replace(incident, location=Location(text="Elm St"), caller=Caller(), persons=())
    assert match_incident(no_point, ORDERS, T0) == []


# -- cautions ----------------------------------------------------------------------------------


def test_the_caution_is_generic_and_carries_the_reference() -> None:
    o = order(brady=True, verification=Verification(VerificationStatus.NCIC, "u-sup", T0))
    (m,) = match_call([o], T0, caller_phone="5015550199", point=HOME)
    c = m.caution()
    assert c.kind == CAUTION_KIND == "protective-order"
    assert c.source == "protective-order:po-1"
    assert c.severity is Sev.HIGH
    assert "may be the respondent of a protective order" in c.text
    assert "verified via NCIC on 2026-07-06" in c.text
    assert "04 stay away" in c.text
    assert "Firearms prohibited (Brady)." in c.text
    assert "Verify with the court or NCIC before acting." in c.text
    assert "ref po-1" in c.text
    # Nothing that identifies or locates the protected person, nor the court's case number.
    for secret in ("Dana", "Whitfield", "555-0142", "Her home", "23-DR-1234", "Station One"):
        assert secret not in c.text


def test_caution_leads_for_protected_and_zone_matches() -> None:
    (p,) = match_call(ORDERS, T0, caller_phone="5015550142")
    assert "may be a party to a protective order" in p.caution().text
    (z,) = match_call(ORDERS, T0, point=HOME)
    assert "inside a protective order's stay-away zone" in z.caution().text
    assert cautions_for([p, z]) == (p.caution(), z.caution())


def test_merging_replaces_order_cautions_and_keeps_the_rest() -> None:
    dog = Caution(kind="hazard", text="dog", source="dispatcher")
    (m,) = match_call(ORDERS, T0, point=HOME)
    first = merge_cautions([dog], cautions_for([m]))
    assert first == (dog, m.caution())
    assert merge_cautions(first, cautions_for([m])) == first  # no pile-up
    assert merge_cautions(first, []) == (dog,)  # no longer matching: gone


# -- properties --------------------------------------------------------------------------------

_names = st.lists(st.sampled_from(["Marcus Reed", "Marc Reed", "Dana Whitfield", "Pat Lee"]))
_plates = st.lists(st.sampled_from(["ABC-1234", "xyz 789", "QQQ111"]))
_phones = st.sampled_from(["", "501-555-0199", "(501) 555-0142", "501 555 0000"])
_points = st.sampled_from([None, HOME, FAR_AWAY])


@given(
    after=st.integers(min_value=0, max_value=10**7),
    names=_names,
    plates=_plates,
    phone=_phones,
    point=_points,
)
def test_an_expired_order_never_matches(
    after: int, names: list[str], plates: list[str], phone: str, point: tuple[float, float] | None
) -> None:
    o = order(expires=T0)
    found = match_call(
        [o],
        T0 + timedelta(seconds=after),
        names=names,
        plates=plates,
        caller_phone=phone,
        point=point,
        places=[STATION_ONE],
    )
    assert found == []


def _scramble(text: str, flips: list[bool], spaces: list[int]) -> str:
    out = []
    for i, ch in enumerate(text):
        flip = flips[i % len(flips)] if flips else False
        out.append(ch.swapcase() if flip else ch)
        if ch == " ":
            out.append(" " * (spaces[i % len(spaces)] if spaces else 0))
    return "  " + "".join(out) + " "


def _summary(found: Sequence[OrderMatch]) -> list[tuple[str, str, frozenset[MatchKind]]]:
    return [(m.order.id, m.severity.value, frozenset(h.kind for h in m.hits)) for m in found]


@given(
    names=_names,
    plates=_plates,
    phone=_phones,
    flips=st.lists(st.booleans(), max_size=8),
    spaces=st.lists(st.integers(min_value=0, max_value=3), max_size=4),
)
def test_matching_ignores_letter_case_and_spacing(
    names: list[str], plates: list[str], phone: str, flips: list[bool], spaces: list[int]
) -> None:
    plain = match_call(ORDERS, T0, names=names, plates=plates, caller_phone=phone)
    messy = match_call(
        ORDERS,
        T0,
        names=[_scramble(n, flips, spaces) for n in names],
        plates=[_scramble(p, flips, spaces) for p in plates],
        caller_phone=_scramble(phone, flips, spaces),
    )
    assert _summary(plain) == _summary(messy)


def _destination(lon: float, lat: float, bearing: float, d: float) -> tuple[float, float]:
    """The point `d` metres from (lon, lat) along `bearing` (radians), on the same sphere."""
    phi1, lam1, delta = math.radians(lat), math.radians(lon), d / EARTH_RADIUS_M
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing)
    )
    lam2 = lam1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(lam2), math.degrees(phi2)


@given(
    lon=st.floats(min_value=-170, max_value=170),
    lat=st.floats(min_value=-70, max_value=70),
    radius=st.floats(min_value=1, max_value=50_000),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
)
def test_a_point_exactly_at_the_radius_is_inside(
    lon: float, lat: float, radius: float, bearing: float
) -> None:
    zone = StayAwayZone("z", "Z", lon, lat, radius_m=radius)
    edge = _destination(lon, lat, bearing, radius)
    assert abs(distance_m(*edge, lon, lat) - radius) < ZONE_EDGE_TOLERANCE_M / 10
    o = order(zones=(zone,), protected=(protected(staff_user=None),))
    (m,) = match_call([o], T0, point=edge)
    assert kinds([m]) == {MatchKind.ZONE}
    beyond = _destination(lon, lat, bearing, radius + 1.0)
    assert match_call([o], T0, point=beyond) == []


def test_the_conditions_of_a_match_follow_the_order() -> None:
    o = order(conditions=(Condition.NO_CONTACT,))
    (m,) = match_call([o], T0, point=HOME)
    assert m.conditions == "05 no communication, incl. via employer or co-workers"
