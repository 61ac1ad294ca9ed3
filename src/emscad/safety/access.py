"""Who may do and see what in the safety layer: the role tables, and the order view.

The web layer checks a route's permission first; these tables are the domain's own word on
safety actions, and the state-dependent rules (who may clear an SOS) live in the commands.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from emscad.accounts.permissions import Role
from emscad.safety.models import AuditNeed
from emscad.safety.orders import ProtectiveOrder
from emscad.serial import to_json

R = Role

# Enter, edit, verify and withdraw orders; restore a degraded protection.
ORDER_MANAGERS = frozenset({R.SUPERVISOR, R.ADMIN})
# Read an order in full: the people who take the call and send help, and who manage orders.
ORDER_READERS = frozenset({R.CALL_TAKER, R.DISPATCHER, R.SUPERVISOR, R.ADMIN})
# Field crews see the respondent's side only (description, vehicles, conditions): whom to
# look out for, never whom he is kept away from or where they live.
RESPONDENT_READERS = frozenset({R.FIELD_UNIT})
# Acknowledge an alarm (SOS, missed check-in): a person at a console who will act on it.
ALARM_ACKNOWLEDGERS = frozenset({R.CALL_TAKER, R.DISPATCHER, R.SUPERVISOR})
# Clear an SOS or resolve a welfare alert: a supervisor (or the person who acknowledged it).
ALARM_CLEARERS = frozenset({R.SUPERVISOR})
# Declare protection restored after a monitoring fault: someone who has spoken to the vendor.
PROTECTION_RESTORERS = frozenset({R.SUPERVISOR})


class OrderAccess(StrEnum):
    FULL = "full"
    RESPONDENT = "respondent"  # the respondent's description, vehicles and the conditions
    NONE = "none"


def order_access(
    order: ProtectiveOrder, viewer_roles: Collection[Role], *, viewer_user: str = ""
) -> OrderAccess:
    if any(r in ORDER_READERS for r in viewer_roles):
        return OrderAccess.FULL
    # A protected member of staff may read her own order.
    if viewer_user and viewer_user in order.staff_users:
        return OrderAccess.FULL
    if any(r in RESPONDENT_READERS for r in viewer_roles):
        return OrderAccess.RESPONDENT
    return OrderAccess.NONE


_RESPONDENT_FIELDS = (
    "id",
    "issued",
    "expires",
    "conditions",
    "misc",
    "brady",
    "verification",
    "respondent",
)


@dataclass(frozen=True, slots=True)
class OrderView:
    access: OrderAccess
    data: dict[str, Any]
    audit: AuditNeed


def view_order(
    order: ProtectiveOrder, viewer_roles: Collection[Role], *, viewer_user: str
) -> OrderView:
    """What this viewer may see of an order, as JSON-ready data, and the audit entry to write.

    Every view is audited, a refused one included: a pattern of refused reads is exactly
    what an audit should surface.
    """
    access = order_access(order, viewer_roles, viewer_user=viewer_user)
    full: dict[str, Any] = to_json(order)
    if access is OrderAccess.FULL:
        data = full
    elif access is OrderAccess.RESPONDENT:
        data = {k: full[k] for k in _RESPONDENT_FIELDS}
    else:
        data = {}
    withheld = tuple(k for k in full if k not in data)
    audit = AuditNeed(
        viewer=viewer_user,
        subject=f"order:{order.id}",
        fields=tuple(data),
        withheld=withheld,
        reason=f"protective order viewed ({access.value})",
    )
    return OrderView(access=access, data=data, audit=audit)
