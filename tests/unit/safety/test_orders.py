"""Protective-order records: NCIC conditions, validation, when an order is in force, registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.errors import Conflict, InvalidInput
from emscad.safety.events import OrderCreated, OrderUpdated, OrderVerified, OrderWithdrawn
from emscad.safety.orders import (
    CONDITION_TEXT,
    Condition,
    Descriptors,
    ProtectedPerson,
    ProtectiveOrder,
    Vehicle,
    Verification,
    VerificationStatus,
    active,
    check_order,
    conditions_text,
    is_active,
)
from emscad.safety.registry import (
    apply_order,
    apply_orders,
    create_order,
    replay_orders,
    update_order,
    verify_order,
    withdraw_order,
)
from tests.unit.safety.factories import T0, order, protected, rec, respondent


def test_the_nine_ncic_conditions_have_their_meanings() -> None:
    assert [c.value for c in Condition] == [f"0{i}" for i in range(1, 10)]
    assert set(CONDITION_TEXT) == set(Condition)
    assert "stay away" in Condition.STAY_AWAY.meaning
    assert "employers" in Condition.NO_CONTACT.meaning  # contact via co-workers is covered
    assert "firearm" in Condition.NO_FIREARMS.meaning
    assert Condition.VISITATION.short_text == "subject has visitation or custody"


def test_conditions_text_lists_codes_in_order() -> None:
    text = conditions_text((Condition.NO_FIREARMS, Condition.STAY_AWAY))
    assert text == "04 stay away from residence, property, school, workplace; 07 no firearms"


def test_an_order_is_active_from_issue_until_expiry() -> None:
    o = order(issued=T0, expires=T0 + timedelta(days=1))
    assert not is_active(o, T0 - timedelta(seconds=1))  # not yet effective
    assert is_active(o, T0)
    assert is_active(o, T0 + timedelta(hours=23))
    assert not is_active(o, T0 + timedelta(days=1))  # expiry is exclusive


def test_expired_order_stops_alerting() -> None:
    o = order(expires=T0 - timedelta(minutes=1))
    assert not is_active(o, T0)
    assert active([o, order(id="po-2")], T0) == [order(id="po-2")]


def test_a_non_expiring_order_stays_active() -> None:
    assert is_active(order(expires=None), T0 + timedelta(days=3650))


def test_a_withdrawn_order_stops_alerting_from_its_withdrawal() -> None:
    o = order(withdrawn_at=T0)
    assert is_active(o, T0 - timedelta(seconds=1))
    assert not is_active(o, T0)


@given(st.integers(min_value=0, max_value=10**6))
def test_expired_orders_are_never_active(seconds_after: int) -> None:
    o = order(expires=T0)
    assert not is_active(o, T0 + timedelta(seconds=seconds_after))


def test_a_valid_order_passes() -> None:
    assert check_order(order()) == order()
    verified = Verification(VerificationStatus.NCIC, "u-sup", T0)
    assert check_order(order(verification=verified, expires=None, withdrawn_at=T0))
    civilian = order(protected=(ProtectedPerson("Ana Diaz", phones=("501 555 0111",)),))
    assert check_order(civilian) is civilian


def _invalid_cases() -> list[tuple[dict[str, Any], str]]:
    zone = order().zones[0]
    truck = respondent().vehicles[0]
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    return [
        ({"id": " "}, "the order id is required"),
        ({"number": ""}, "the order number is required"),
        ({"court": ""}, "the issuing court is required"),
        ({"source": ""}, "the order's source is required"),
        ({"court": "x" * 201}, "the issuing court is longer than 200 characters"),
        ({"issued": naive}, "the issue date needs a timezone"),
        ({"expires": naive}, "the expiry needs a timezone"),
        ({"expires": T0 - timedelta(days=31)}, "an order must expire after it is issued"),
        ({"withdrawn_at": naive}, "the withdrawal time needs a timezone"),
        ({"conditions": ()}, "an order needs at least one condition (PCO 01-09)"),
        ({"conditions": (Condition.NO_ABUSE,) * 2}, "a condition is listed twice"),
        ({"conditions": (Condition.SEE_MISC,)}, "condition 08 needs the miscellaneous terms"),
        ({"misc": "x" * 4001}, "the miscellaneous terms are longer than 4000 characters"),
        ({"protected": ()}, "an order needs at least one protected person"),
        ({"protected": (protected(),) * 51}, "at most 50 protected persons"),
        ({"protected": (protected(name=""),)}, "a protected person's name is required"),
        (
            {"protected": (protected(aliases=("",)),)},
            "a protected person's alias is required",
        ),
        (
            {"protected": (protected(phones=("555-01",)),)},
            "a protected person's phone '555-01' has fewer than 7 digits",
        ),
        ({"protected": (protected(staff_user=" "),)}, "a protected person's staff user id"),
        ({"respondent": respondent(name="")}, "the respondent's name is required"),
        ({"respondent": respondent(aliases=("x",) * 51)}, "at most 50 of the respondent's alias"),
        ({"respondent": respondent(devices=("",))}, "a monitoring device id is required"),
        ({"respondent": respondent(photo_ref="p" * 201)}, "the photo reference is longer"),
        (
            {"respondent": respondent(descriptors=Descriptors(hair="h" * 201))},
            "the respondent's hair is longer",
        ),
        (
            {"respondent": respondent(descriptors=Descriptors(dob="03/02/1984"))},
            "the date of birth must be YYYY-MM-DD",
        ),
        (
            {"respondent": respondent(descriptors=Descriptors(height_in=12))},
            "height must be 24 to 108 inches",
        ),
        (
            {"respondent": respondent(descriptors=Descriptors(weight_lb=2000))},
            "weight must be 20 to 1,000 lb",
        ),
        ({"respondent": respondent(vehicles=(truck,) * 51)}, "at most 50 vehicles"),
        (
            {"respondent": respondent(vehicles=(Vehicle(" - "),))},
            "a vehicle needs a plate with letters or digits",
        ),
        (
            {"respondent": respondent(vehicles=(Vehicle("ABC", "Arkansas"),))},
            "a plate's state must be a two-letter code, not 'Arkansas'",
        ),
        (
            {"respondent": respondent(vehicles=(Vehicle("ABC", "", "m" * 201),))},
            "a vehicle's make is longer",
        ),
        ({"zones": (zone,) * 51}, "at most 50 stay-away zones"),
        ({"zones": (zone, zone)}, "two stay-away zones share an id"),
        ({"zones": (replace(zone, id=""),)}, "a zone's id is required"),
        ({"zones": (replace(zone, label=""),)}, "a zone's label is required"),
        ({"zones": (replace(zone, lat=91.0),)}, "zone 'Her home': longitude must be within"),
        ({"zones": (replace(zone, lon=float("nan")),)}, "zone 'Her home': coordinates must be"),
        ({"zones": (replace(zone, radius_m=0.0),)}, "the radius must be over 0 and at most"),
        ({"zones": (replace(zone, radius_m=60_000.0),)}, "the radius must be over 0"),
        ({"zones": (replace(zone, place=""),)}, "a zone's place id is required"),
        (
            {"verification": Verification(VerificationStatus.COURT, "", T0)},
            "who verified the order is required",
        ),
        (
            {"verification": Verification(VerificationStatus.COURT, "u-sup", None)},
            "a verification needs a time",
        ),
        (
            {"verification": Verification(VerificationStatus.NCIC, "u-sup", naive)},
            "the verification time needs a timezone",
        ),
    ]


@pytest.mark.parametrize(("changes", "message"), _invalid_cases())
def test_invalid_orders_are_refused_with_one_line(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        check_order(order(**changes))
    assert "\n" not in str(e.value)


def test_descriptions_read_as_one_paragraph() -> None:
    text = respondent().describe()
    assert text.startswith("Marcus Reed (aka Marc Reed); male, white, DOB 1984-03-02")
    assert "5 ft 11 in, 190 lb, hair brown, eyes blue, marks: tattoo left forearm" in text
    assert "photo on file" in text
    assert "AR ABC-1234 (black Ford F-150); AR XYZ 789 (silver Honda Civic)" in text
    assert respondent(aliases=(), descriptors=Descriptors(), photo_ref="", vehicles=()).describe()
    assert Vehicle("ABC").describe() == "ABC"


def test_verification_describes_itself() -> None:
    assert Verification().describe() == "unverified"
    court = Verification(VerificationStatus.COURT, "u-sup", T0)
    assert court.describe() == "verified with the court on 2026-07-06"
    assert "via NCIC" in Verification(VerificationStatus.NCIC, "u", T0).describe()
    assert Verification(VerificationStatus.NCIC, "u", None).describe() == "unverified"


def test_staff_users_lists_protected_staff() -> None:
    o = order(protected=(protected(), ProtectedPerson("Child W.")))
    assert o.staff_users == ("u-dana",)
    assert o.protects_staff
    assert not order(protected=(ProtectedPerson("A. B."),)).protects_staff


# -- the registry ------------------------------------------------------------------------------


def test_creating_an_order_records_it() -> None:
    event = create_order(order(version=7))
    assert isinstance(event, OrderCreated)
    folded = apply_order(None, rec(event))
    assert folded == order(version=1)


def test_creating_an_invalid_order_is_refused() -> None:
    with pytest.raises(InvalidInput):
        create_order(order(conditions=()))


def test_editing_an_order_records_before_and_after() -> None:
    o = order(version=1)
    events = update_order(o, order(misc="x", conditions=(Condition.SEE_MISC,)))
    assert len(events) == 1
    assert isinstance(events[0], OrderUpdated)
    folded = apply_order(o, rec(events[0]))
    assert folded is not None
    assert folded.misc == "x"
    assert folded.version == 2


def test_an_unchanged_edit_records_nothing() -> None:
    assert update_order(order(version=3), order()) == []


def test_an_edit_cannot_change_the_id_or_touch_a_withdrawn_order() -> None:
    with pytest.raises(InvalidInput, match="id cannot change"):
        update_order(order(), order(id="po-9"))
    with pytest.raises(Conflict, match="withdrawn"):
        update_order(order(withdrawn_at=T0), order())


def test_editing_what_was_verified_drops_the_verification() -> None:
    verified = order(verification=Verification(VerificationStatus.COURT, "u-sup", T0))
    (event,) = update_order(verified, replace(verified, expires=None))
    assert isinstance(event, OrderUpdated)
    assert event.after.verification == Verification()


def test_editing_a_zone_keeps_the_verification() -> None:
    verified = order(verification=Verification(VerificationStatus.COURT, "u-sup", T0))
    (event,) = update_order(verified, replace(verified, zones=()))
    assert isinstance(event, OrderUpdated)
    assert event.after.verification.status is VerificationStatus.COURT


def test_verifying_an_order_records_who_and_when() -> None:
    o = order(version=1)
    (event,) = verify_order(o, VerificationStatus.NCIC, by="u-sup", at=T0)
    assert isinstance(event, OrderVerified)
    folded = apply_order(o, rec(event))
    assert folded is not None
    assert folded.verification == Verification(VerificationStatus.NCIC, "u-sup", T0)
    assert verify_order(folded, VerificationStatus.NCIC, by="u-sup", at=T0) == []
    (back,) = verify_order(folded, VerificationStatus.UNVERIFIED, by="", at=T0)
    assert isinstance(back, OrderVerified)
    assert back.after == Verification()


def test_verifying_needs_who() -> None:
    with pytest.raises(InvalidInput, match="who verified it"):
        verify_order(order(), VerificationStatus.COURT, by=" ", at=T0)


def test_withdrawing_an_order_keeps_the_record_and_stops_it() -> None:
    o = order(version=1)
    event = withdraw_order(o, at=T0, reason="vacated by the court")
    assert isinstance(event, OrderWithdrawn)
    folded = apply_order(o, rec(event))
    assert folded is not None
    assert folded.withdrawn_at == T0
    assert not is_active(folded, T0)
    with pytest.raises(Conflict):
        withdraw_order(folded, at=T0, reason="again")
    with pytest.raises(InvalidInput, match="the reason is required"):
        withdraw_order(o, at=T0, reason="")


def test_apply_ignores_other_orders_and_events() -> None:
    o = order(version=1)
    other = withdraw_order(order(id="po-2"), at=T0, reason="x")
    assert apply_order(o, rec(other)) is o
    assert apply_order(None, rec(other)) is None
    linked = OrderCreated(order="po-3", record=order(id="po-3"))
    assert apply_order(o, rec(linked)) == order(id="po-3", version=1)


def test_apply_ignores_an_unknown_event_for_the_same_order() -> None:
    from emscad.safety.events import ProtectionRestored

    o = order(version=1)
    assert apply_order(o, rec(ProtectionRestored(order="po-1", by="u", at=T0, reason="r"))) is o


def test_the_registry_replays_and_folds_incrementally() -> None:
    from emscad.safety.events import ProtectionRestored

    events = [
        rec(create_order(order())),
        rec(create_order(order(id="po-2"))),
        rec(withdraw_order(order(id="po-2"), at=T0, reason="dismissed")),
        rec(ProtectionRestored(order="po-1", by="u", at=T0, reason="r")),
        rec(OrderWithdrawn(order="po-missing", at=T0, reason="x")),
    ]
    replayed = replay_orders(events)
    folded: Mapping[str, ProtectiveOrder] = {}
    for r in events:
        folded = apply_orders(folded, r)
    assert replayed == folded
    assert set(replayed) == {"po-1", "po-2"}
    assert replayed["po-2"].withdrawn_at == T0
