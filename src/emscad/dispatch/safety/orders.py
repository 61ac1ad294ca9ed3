"""Protective-order commands, and the caution source that puts orders on matching calls."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from emscad.dispatch.cautions import CautionQuery
from emscad.dispatch.ports import Transaction
from emscad.dispatch.safety.base import SafetyBase, Who
from emscad.dispatch.safety.policy import SafetyPolicy
from emscad.dispatch.session import Session
from emscad.errors import Conflict, NotFound
from emscad.events import DomainEvent
from emscad.incidents.models import Caller, Caution, Location, Person, PersonRole
from emscad.safety import registry
from emscad.safety.cautions import SOURCE_PREFIX, respondent_caution
from emscad.safety.matching import match_call, name_score
from emscad.safety.orders import ProtectiveOrder, VerificationStatus

SUSPECT_LEAD = "The respondent of a protective order is named on this incident as a suspect."
# Plate-like words in free text: 2 to 8 letters and digits with at least one digit.
_PLATE = re.compile(r"\b(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{1,8}\b")


def plates_in(text: str) -> list[str]:
    """Words that could be licence plates ("ABC1234", "5KX-214"), for matching an order's
    vehicles. Most will be house numbers and the like: only a listed plate matches."""
    return _PLATE.findall(text.upper())


class OrderCautions:
    """Cautions for an incident from every active order it touches: the caller's number, a
    person's name (fuzzy), a plate in a person's description, or a location in a zone."""

    prefix = SOURCE_PREFIX

    def __init__(self, policy: SafetyPolicy) -> None:
        self.policy = policy

    def cautions(self, tx: Transaction, query: CautionQuery) -> list[Caution]:
        orders = tx.list_orders(live_at=query.at)
        if not orders:
            return []
        loc = query.location
        point = (loc.lon, loc.lat) if loc.lon is not None and loc.lat is not None else None
        plates = [p for person in query.persons for p in plates_in(person.description)]
        matches = match_call(
            orders,
            query.at,
            caller_phone=query.caller.phone,
            names=[query.caller.name, *(p.name for p in query.persons)],
            plates=plates,
            point=point,
            places=self.policy.places(tx),
            name_threshold=self.policy.name_threshold,
        )
        suspects = [p.name for p in query.persons if p.role is PersonRole.SUSPECT]
        return [
            respondent_caution(m.order, SUSPECT_LEAD)
            if self._names_respondent(m.order, suspects)
            else m.caution()
            for m in matches
        ]

    def changes_between(self, tx: Transaction, after: datetime, until: datetime) -> bool:
        """An order came into force (`issued`) or lapsed (`expires`) in (after, until]."""

        def within(at: datetime | None) -> bool:
            return at is not None and after < at <= until

        return any(within(o.issued) or within(o.expires) for o in tx.list_orders(live_at=after))

    def _names_respondent(self, order: ProtectiveOrder, suspects: list[str]) -> bool:
        """Whether a suspect on the incident is the order's respondent. The crew is then
        going to meet him: the caution describes him and his vehicles, as the alarm that
        raised the incident did (a plain match only says an order may be involved)."""
        r = order.respondent
        return any(
            name_score(suspect, name) >= self.policy.name_threshold
            for suspect in suspects
            for name in (r.name, *r.aliases)
        )


class OrderCommands(SafetyBase):
    def create_order(self, who: Who, order: ProtectiveOrder) -> ProtectiveOrder:
        """Enter an order; every open incident it touches gets its caution at once."""
        order = replace(order, id=order.id or self.new_id())

        def command(s: Session) -> ProtectiveOrder:
            if s.tx.find_order(order.id) is not None:
                raise Conflict(f"an order with id {order.id!r} already exists")
            self._change_orders(s, lambda _: [registry.create_order(order)])
            return s.order(order.id)

        return self._run(who, command)

    def update_order(
        self, who: Who, order_id: str, after: ProtectiveOrder, *, expected_version: int | None
    ) -> ProtectiveOrder:
        def change(s: Session) -> list[DomainEvent]:
            order = s.order(order_id)
            _expect(order, expected_version)
            return registry.update_order(order, replace(after, id=order_id))

        def command(s: Session) -> ProtectiveOrder:
            self._change_orders(s, change)
            return s.order(order_id)

        return self._run(who, command)

    def verify_order(
        self, who: Who, order_id: str, status: VerificationStatus, *, expected_version: int | None
    ) -> ProtectiveOrder:
        def change(s: Session) -> list[DomainEvent]:
            order = s.order(order_id)
            _expect(order, expected_version)
            return registry.verify_order(order, status, by=who.name, at=s.at)

        def command(s: Session) -> ProtectiveOrder:
            # The cautions say whether and how the order was verified: refresh them too.
            self._change_orders(s, change)
            return s.order(order_id)

        return self._run(who, command)

    def withdraw_order(self, who: Who, order_id: str, reason: str) -> ProtectiveOrder:
        """The court vacated it, or it was entered in error: it stops alerting, and its
        cautions leave the open incidents. The record stays, for the audit."""

        def command(s: Session) -> ProtectiveOrder:
            self._change_orders(
                s, lambda o: [registry.withdraw_order(o.order(order_id), at=s.at, reason=reason)]
            )
            return s.order(order_id)

        return self._run(who, command)

    def text_cautions(self, caller: str, bodies: Sequence[str]) -> list[Caution]:
        """Order cautions for a text conversation: the sender's number, and plates written
        in the messages (a caller texting "his truck ABC1234 is outside")."""
        now = self.dispatch.clock.now()
        query = CautionQuery(
            location=Location(),
            caller=Caller(phone=caller),
            persons=(Person(description=" ".join(bodies)[-4000:]),),
            at=now,
        )
        with self.dispatch.store.read() as tx:
            return OrderCautions(self.policy).cautions(tx, query)

    def order(self, order_id: str) -> ProtectiveOrder:
        with self.dispatch.store.read() as tx:
            found = tx.find_order(order_id)
        if found is None:
            raise NotFound(f"no protective order {order_id!r}")
        return found

    def orders(self, *, active_only: bool = False) -> list[ProtectiveOrder]:
        now = self.dispatch.clock.now()
        with self.dispatch.store.read() as tx:
            return tx.list_orders(live_at=now if active_only else None)


def _expect(order: ProtectiveOrder, expected: int | None) -> None:
    if expected is not None and expected != order.version:
        raise Conflict(
            f"order {order.number} has changed since you loaded it (version {order.version})"
        )
