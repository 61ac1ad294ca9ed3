"""Shift-end offers: an escort and a check-in timer for staff an active order protects."""

from __future__ import annotations

from datetime import timedelta

from emscad.safety.offers import DEFAULT_TIMER, EscortAdvice, offers_at_shift_end
from tests.unit.safety.factories import DANA, T0, order

H = timedelta(hours=1)


def test_no_offer_for_staff_without_an_active_order() -> None:
    assert offers_at_shift_end("u-kim", [order()], T0) is None
    assert offers_at_shift_end(DANA, [order(expires=T0)], T0) is None


def test_a_protected_staff_member_is_offered_an_escort_and_a_timer() -> None:
    offer = offers_at_shift_end(DANA, [order()], T0)
    assert offer is not None
    assert (offer.staff_user, offer.orders, offer.escort) == (DANA, ("po-1",), EscortAdvice.OFFERED)
    assert offer.timer == DEFAULT_TIMER
    assert "5-minute check-in timer" in offer.message


def test_a_recent_watch_alert_makes_the_escort_strongly_recommended() -> None:
    offer = offers_at_shift_end(DANA, [order()], T0, last_alerts={"po-1": T0 - 2 * H})
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED
    assert offer.alerts == ("po-1",)
    assert "a watch alert for your protective order was raised recently" in offer.message


def test_an_old_watch_alert_does_not() -> None:
    offer = offers_at_shift_end(DANA, [order()], T0, last_alerts={"po-1": T0 - 13 * H})
    assert offer is not None
    assert offer.escort is EscortAdvice.OFFERED
    offer = offers_at_shift_end(
        DANA, [order()], T0, last_alerts={"po-1": T0 - 13 * H}, recent=24 * H
    )
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED


def test_degraded_monitoring_makes_the_escort_strongly_recommended() -> None:
    offer = offers_at_shift_end(DANA, [order()], T0, degraded={"po-1"}, timer=timedelta(minutes=10))
    assert offer is not None
    assert offer.escort is EscortAdvice.STRONGLY_RECOMMENDED
    assert offer.degraded == ("po-1",)
    assert "monitoring" in offer.message
    assert "10-minute" in offer.message
