"""Confidential staff and order views: who sees which fields, and every view is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emscad.accounts.permissions import Role
from emscad.safety.access import OrderAccess, order_access, view_order
from emscad.safety.models import Position
from emscad.safety.staff import (
    LiveContext,
    Shift,
    StaffField,
    redact_staff,
    view_staff,
    visible_fields,
)
from tests.unit.safety.factories import DANA, T0, order, staff

R = Role
F = StaffField
LIVE = LiveContext(Position(-92.29, 34.75, 10.0), "sos:s1")
SHIFT = Shift(T0, T0 + timedelta(hours=12), "st-1")
BASIC = {F.NAME, F.STATION, F.WORK_PHONE}


@pytest.mark.parametrize(
    ("role", "confidential", "expected"),
    [
        (R.DISPATCHER, False, BASIC | {F.MOBILE_PHONE, F.EMAIL, F.SCHEDULE}),
        (R.DISPATCHER, True, BASIC),
        (R.CALL_TAKER, True, BASIC),
        (
            R.SUPERVISOR,
            True,
            BASIC | {F.MOBILE_PHONE, F.EMAIL, F.HOME_ADDRESS, F.SCHEDULE, F.CONFIDENTIAL},
        ),
        (
            R.ADMIN,
            True,
            BASIC | {F.MOBILE_PHONE, F.EMAIL, F.HOME_ADDRESS, F.SCHEDULE, F.CONFIDENTIAL},
        ),
        (R.STAFF, False, BASIC | {F.SCHEDULE}),
        (R.STAFF, True, BASIC),
        (R.FIELD_UNIT, True, BASIC),
        (R.ANALYST, False, BASIC),
    ],
)
def test_the_visibility_table(role: Role, confidential: bool, expected: set[StaffField]) -> None:
    record = staff(confidential=confidential)
    assert visible_fields(record, {role}, viewer_user="u-x") == expected


def test_live_location_only_during_an_alarm_and_only_to_those_answering_it() -> None:
    record = staff()
    assert F.LIVE_LOCATION not in visible_fields(record, {R.DISPATCHER, R.SUPERVISOR})
    assert F.LIVE_LOCATION in visible_fields(record, {R.DISPATCHER}, live=True)
    assert F.LIVE_LOCATION in visible_fields(record, {R.SUPERVISOR}, live=True)
    assert F.LIVE_LOCATION not in visible_fields(record, {R.ADMIN, R.CALL_TAKER}, live=True)
    # A dispatcher answering the alarm may call her.
    assert F.MOBILE_PHONE in visible_fields(record, {R.DISPATCHER}, live=True)


def test_a_staff_member_sees_their_own_record() -> None:
    record = staff()
    assert visible_fields(record, {R.STAFF}, viewer_user=DANA) == set(F) - {F.LIVE_LOCATION}
    assert visible_fields(record, {R.STAFF}, viewer_user=DANA, live=True) == set(F)


def test_redaction_leaves_out_hidden_fields_and_the_view_is_audited() -> None:
    record = staff(schedule=(SHIFT,))
    view = view_staff(record, {R.DISPATCHER}, viewer_user="u-disp", live=LIVE)
    assert view.data == {
        "user": DANA,
        "name": "Dana Whitfield",
        "station": "st-1",
        "work_phone": "501-555-0100",
        "email": "",
        "mobile_phone": "501-555-0142",
        "live_location": {"lon": -92.29, "lat": 34.75, "uncertainty_m": 10.0, "alarm": "sos:s1"},
    }
    audit = view.audit
    assert (audit.viewer, audit.subject) == ("u-disp", "staff:u-dana")
    assert audit.fields == (
        "name",
        "station",
        "work_phone",
        "email",
        "mobile_phone",
        "live_location",
    )
    assert audit.withheld == ("home_address", "schedule", "confidential")
    assert audit.reason == "confidential staff record viewed"


def test_a_supervisor_sees_home_and_schedule() -> None:
    data = redact_staff(staff(schedule=(SHIFT,)), {R.SUPERVISOR}, viewer_user="u-sup")
    assert data["home_address"] == "12 Elm St"
    assert data["schedule"] == [
        {"start": "2026-07-06T12:00:00.000Z", "end": "2026-07-07T00:00:00.000Z", "station": "st-1"}
    ]
    assert data["confidential"] is True
    assert "live_location" not in data
    plain = view_staff(staff(confidential=False), {R.STAFF}, viewer_user="u-kim")
    assert plain.audit.reason == "staff record viewed"


# -- orders ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "user", "expected"),
    [
        ({R.DISPATCHER}, "u-disp", OrderAccess.FULL),
        ({R.CALL_TAKER}, "u-ct", OrderAccess.FULL),
        ({R.ADMIN}, "u-admin", OrderAccess.FULL),
        ({R.STAFF}, DANA, OrderAccess.FULL),  # her own order
        ({R.FIELD_UNIT}, "u-medic", OrderAccess.RESPONDENT),
        ({R.STAFF}, "u-kim", OrderAccess.NONE),
        ({R.ANALYST}, "", OrderAccess.NONE),
    ],
)
def test_order_access_by_role(roles: set[Role], user: str, expected: OrderAccess) -> None:
    assert order_access(order(), roles, viewer_user=user) is expected


def test_a_crew_sees_whom_to_watch_for_never_whom_he_is_kept_from() -> None:
    view = view_order(order(), {R.FIELD_UNIT}, viewer_user="u-medic")
    assert view.access is OrderAccess.RESPONDENT
    assert view.data["respondent"]["name"] == "Marcus Reed"
    assert "protected" not in view.data
    assert "zones" not in view.data
    assert "number" not in view.data
    assert "protected" in view.audit.withheld
    assert view.audit.subject == "order:po-1"


def test_every_order_view_is_audited_even_a_refused_one() -> None:
    full = view_order(order(), {R.DISPATCHER}, viewer_user="u-disp")
    assert full.data["protected"][0]["name"] == "Dana Whitfield"
    assert full.audit.withheld == ()
    refused = view_order(order(), {R.ANALYST}, viewer_user="u-an")
    assert refused.data == {}
    assert refused.audit.reason == "protective order viewed (none)"
    assert refused.audit.fields == ()
