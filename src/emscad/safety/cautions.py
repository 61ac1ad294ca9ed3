"""Cautions built from protective orders, written so they can sit on an incident any crew reads.

An incident's cautions are shown to every role that reads the incident, field crews
included. So a caution names the order only by its internal id (the court's case number can
be looked up in public records and lead to the protected person) and never carries a
protected person's name, phone or address. Roles allowed to see an order fetch its detail
by that reference (see `access.view_order`), and that read is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from emscad.incidents.models import Caution, Person, PersonRole, Severity
from emscad.safety.models import MAX_SHORT, MAX_TEXT
from emscad.safety.orders import ProtectiveOrder, conditions_text, is_active

CAUTION_KIND = "protective-order"
VERIFY_ADVICE = "Verify with the court or NCIC before acting."
SOURCE_PREFIX = "protective-order:"


def caution_source(order: ProtectiveOrder) -> str:
    return f"{SOURCE_PREFIX}{order.id}"


def _tail(order: ProtectiveOrder) -> str:
    firearms = " Firearms prohibited (Brady)." if order.brady else ""
    return (
        f" ({order.verification.describe()}). Conditions: {conditions_text(order.conditions)}."
        f"{firearms} {VERIFY_ADVICE} Details for permitted roles: ref {order.id}."
    )


def generic_caution(order: ProtectiveOrder, lead: str, severity: Severity) -> Caution:
    """`lead` says what matched in general terms, never who is protected or where."""
    return Caution(
        kind=CAUTION_KIND,
        text=(lead + _tail(order))[:MAX_TEXT],
        severity=severity,
        source=caution_source(order),
    )


def respondent_caution(order: ProtectiveOrder, lead: str) -> Caution:
    """A caution that describes the respondent: for alerts where he is the likely threat.

    Used on watch alerts and on a protected staff member's SOS or missed check-in, where
    the crew is going to meet him and needs his description and vehicles. It still says
    nothing about the protected person beyond what the alert itself implies.
    """
    text = f"{lead} Respondent: {order.respondent.describe()}."
    return Caution(
        kind=CAUTION_KIND,
        text=(text + _tail(order))[:MAX_TEXT],
        severity=Severity.HIGH,
        source=caution_source(order),
    )


def respondent_person(order: ProtectiveOrder) -> Person:
    """The respondent as a person on the incident (EIDO role Suspect), with his description."""
    r = order.respondent
    return Person(
        name=r.name[:MAX_SHORT],
        role=PersonRole.SUSPECT,
        sex=r.descriptors.sex[:MAX_SHORT],
        description=r.describe()[:MAX_TEXT],
    )


def protecting(
    staff_user: str, orders: Iterable[ProtectiveOrder], now: datetime
) -> list[ProtectiveOrder]:
    """The active orders that protect this member of staff."""
    return [o for o in orders if staff_user in o.staff_users and is_active(o, now)]


def staff_threats(
    staff_user: str, orders: Iterable[ProtectiveOrder], now: datetime, lead: str
) -> tuple[tuple[Caution, ...], tuple[Person, ...]]:
    """Cautions and suspect persons for an alarm raised by (or about) a protected staff member."""
    found = protecting(staff_user, orders, now)
    return (
        tuple(respondent_caution(o, lead) for o in found),
        tuple(respondent_person(o) for o in found),
    )
