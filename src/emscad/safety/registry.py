"""The protective-order registry: commands that return events, and `apply` that folds them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from emscad.errors import Conflict, InvalidInput
from emscad.events import DomainEvent, Recorded, to_ms
from emscad.safety.events import OrderCreated, OrderUpdated, OrderVerified, OrderWithdrawn
from emscad.safety.models import aware, required
from emscad.safety.orders import (
    ProtectiveOrder,
    Verification,
    VerificationStatus,
    check_order,
)


def create_order(order: ProtectiveOrder) -> OrderCreated:
    check_order(order)
    return OrderCreated(order=order.id, record=replace(order, withdrawn_at=None, version=0))


def _live(order: ProtectiveOrder) -> None:
    if order.withdrawn_at is not None:
        raise Conflict(f"order {order.number} was withdrawn; enter a new order instead")


def update_order(order: ProtectiveOrder, after: ProtectiveOrder) -> list[DomainEvent]:
    """Edit an order's record. Verification and withdrawal have their own commands."""
    _live(order)
    if after.id != order.id:
        raise InvalidInput("an order's id cannot change")
    after = replace(
        after,
        verification=order.verification,
        withdrawn_at=None,
        version=order.version,
    )
    check_order(after)
    if after == order:
        return []
    # A changed record is no longer what was verified: the court or NCIC must confirm it again.
    if _verified_fields(after) != _verified_fields(order):
        after = replace(after, verification=Verification())
    return [OrderUpdated(order=order.id, before=order, after=after)]


def _verified_fields(order: ProtectiveOrder) -> tuple[object, ...]:
    return (
        order.number,
        order.court,
        order.issued,
        order.expires,
        order.conditions,
        order.respondent.name,
        order.protected,
        order.misc,
        order.brady,
    )


def verify_order(
    order: ProtectiveOrder, status: VerificationStatus, *, by: str, at: datetime
) -> list[DomainEvent]:
    _live(order)
    if status is VerificationStatus.UNVERIFIED:
        after = Verification()
    else:
        after = Verification(status=status, by=required(by, "who verified it"), at=to_ms(at))
        aware(at, "the verification time")
    if after == order.verification:
        return []
    return [OrderVerified(order=order.id, before=order.verification, after=after)]


def withdraw_order(order: ProtectiveOrder, *, at: datetime, reason: str) -> OrderWithdrawn:
    """The court vacated or dismissed the order, or it was entered in error. Kept for audit."""
    _live(order)
    aware(at, "the withdrawal time")
    return OrderWithdrawn(order=order.id, at=to_ms(at), reason=required(reason, "the reason"))


def apply_order(order: ProtectiveOrder | None, recorded: Recorded) -> ProtectiveOrder | None:
    event = recorded.event
    if isinstance(event, OrderCreated):
        return replace(event.record, version=1)
    if order is None or getattr(event, "order", None) != order.id:
        return order
    version = order.version + 1
    if isinstance(event, OrderUpdated):
        return replace(event.after, version=version)
    if isinstance(event, OrderVerified):
        return replace(order, verification=event.after, version=version)
    if isinstance(event, OrderWithdrawn):
        return replace(order, withdrawn_at=event.at, version=version)
    return order


_ORDER_EVENTS = (OrderCreated, OrderUpdated, OrderVerified, OrderWithdrawn)


def apply_orders(
    orders: Mapping[str, ProtectiveOrder], recorded: Recorded
) -> Mapping[str, ProtectiveOrder]:
    """Fold one event into a registry keyed by order id: a new mapping if it changed."""
    event = recorded.event
    if not isinstance(event, _ORDER_EVENTS):
        return orders
    folded = apply_order(orders.get(event.order), recorded)
    if folded is None:
        return orders
    return {**orders, event.order: folded}


def replay_orders(events: Sequence[Recorded]) -> dict[str, ProtectiveOrder]:
    orders: dict[str, ProtectiveOrder] = {}
    for rec in events:
        event = rec.event
        if isinstance(event, _ORDER_EVENTS):
            folded = apply_order(orders.get(event.order), rec)
            if folded is not None:
                orders[event.order] = folded
    return orders
