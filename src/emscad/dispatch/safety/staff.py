"""Staff records (confidential staff), the duress PIN, and offboarding ("terminate staff")."""

from __future__ import annotations

from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from emscad.accounts.models import User
from emscad.dispatch.safety.base import SafetyBase, Who
from emscad.dispatch.session import Session
from emscad.errors import InvalidInput, NotFound
from emscad.safety import registry
from emscad.safety.normalize import normalize_plate
from emscad.safety.orders import (
    Condition,
    ProtectedPerson,
    ProtectiveOrder,
    Respondent,
    StayAwayZone,
    Vehicle,
    ZoneKind,
)
from emscad.safety.staff import StaffRecord

MIN_PIN = 4
MAX_PIN = 12


@dataclass(frozen=True, slots=True)
class NoEntry:
    """What offboarding puts on watch: the former employee's photo and vehicles."""

    photo_ref: str = ""
    vehicles: tuple[Vehicle, ...] = ()
    linked_order: str | None = None  # a protective order that names him, if any


class StaffCommands(SafetyBase):
    hasher: PasswordHasher

    def staff_record(self, user_id: str) -> tuple[StaffRecord, int]:
        with self.dispatch.store.read() as tx:
            found = tx.find_staff(user_id)
        if found is None:
            raise NotFound(f"no staff record for user {user_id!r}")
        return found

    def staff_records(self) -> list[StaffRecord]:
        with self.dispatch.store.read() as tx:
            return tx.list_staff()

    def save_staff_record(
        self, who: Who, record: StaffRecord, *, expected_version: int
    ) -> tuple[StaffRecord, int]:
        """Create (expected_version 0) or change a staff record. Not an event: a record's home
        address must not travel the live stream. The web layer audits the write."""

        def command(s: Session) -> tuple[StaffRecord, int]:
            if not any(u.id == record.user for u in s.tx.list_users()):
                raise NotFound(f"no user {record.user!r}")
            s.tx.save_staff(record, version=expected_version + 1, expected_version=expected_version)
            return record, expected_version + 1

        return self._run(who, command)

    def set_duress_pin(self, who: Who, pin: str) -> None:
        """The staff member's own duress PIN: typed at sign-in instead of the password, or
        into a check-in's PIN box, it raises a silent SOS while everything looks normal."""
        if not (pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
            raise InvalidInput(f"a duress PIN is {MIN_PIN} to {MAX_PIN} digits")
        pin_hash = self.hasher.hash(pin)

        def command(s: Session) -> None:
            if s.tx.find_staff(who.user) is None:
                record = self._staff(s, who.user)
                s.tx.save_staff(record, version=1, expected_version=0)
            s.tx.set_duress_pin_hash(who.user, pin_hash)

        self._run(who, command)

    def is_duress_pin(self, user_id: str, pin: str) -> bool:
        """Whether `pin` is the user's duress PIN (argon2: costly, call it off the loop)."""
        if not pin or len(pin) > MAX_PIN:
            return False
        with self.dispatch.store.read() as tx:
            stored = tx.duress_pin_hash(user_id)
        if not stored:
            return False
        try:
            return bool(self.hasher.verify(stored, pin))
        except (VerificationError, InvalidHashError):
            return False

    def no_entry_watch(self, who: Who, user: User, entry: NoEntry) -> ProtectiveOrder:
        """A "former employee, no entry" watch record for every agency site: his plates at
        a station's reader or his name on a call then alert like a stay-away order."""

        def command(s: Session) -> ProtectiveOrder:
            linked = s.order(entry.linked_order) if entry.linked_order else None
            record = s.tx.find_staff(user.id)
            phones = (record[0].mobile_phone,) if record and record[0].mobile_phone else ()
            zones = tuple(
                StayAwayZone(
                    id=f"place:{p.id}",
                    label=p.label,
                    lon=p.lon,
                    lat=p.lat,
                    radius_m=p.radius_m,
                    kind=ZoneKind.WORKPLACE,
                    place=p.id,
                )
                for p in self.policy.places(s.tx)
            )
            protected = (
                linked.protected
                if linked is not None
                else (ProtectedPerson(name="Agency staff and premises"),)
            )
            misc = "Former employee: no entry to agency premises (agency trespass notice)" + (
                f"; see protective order {linked.number}" if linked is not None else ""
            )
            order = ProtectiveOrder(
                id=self.new_id(),
                number=f"NO-ENTRY-{user.username}"[:200],
                court="Agency (not a court order)",
                issued=s.at,
                expires=None,
                conditions=(Condition.SEE_MISC,),
                protected=protected,
                respondent=_former_employee(user, entry, phones, linked),
                source=f"offboarding by {who.name}",
                zones=zones,
                misc=misc,
            )
            self._change_orders(s, lambda _: [registry.create_order(order)])
            return s.order(order.id)

        return self._run(who, command)

    def end_schedule(self, who: Who, user_id: str) -> None:
        """A terminated member of staff is on no shift: never "on duty" for an alarm."""

        def command(s: Session) -> None:
            found = s.tx.find_staff(user_id)
            if found is not None and found[0].schedule:
                record, version = found
                s.tx.save_staff(
                    replace(record, schedule=()), version=version + 1, expected_version=version
                )

        self._run(who, command)


def _former_employee(
    user: User, entry: NoEntry, phones: tuple[str, ...], linked: ProtectiveOrder | None
) -> Respondent:
    """Him, as the watch entry describes him. Linked to a protective order, the entry
    describes him as fully as the court's order does: either record may be the one whose
    alert reaches a supervisor first. The order's monitoring devices stay with the order."""
    name = user.display_name or user.username
    if linked is None:
        return Respondent(
            name=name, photo_ref=entry.photo_ref, phones=phones, vehicles=entry.vehicles
        )
    known = linked.respondent
    aliases = tuple(dict.fromkeys(a for a in (known.name, *known.aliases) if a != name))
    plates = {normalize_plate(v.plate) for v in entry.vehicles}
    vehicles = entry.vehicles + tuple(
        v for v in known.vehicles if normalize_plate(v.plate) not in plates
    )
    return Respondent(
        name=name,
        aliases=aliases,
        descriptors=known.descriptors,
        photo_ref=entry.photo_ref or known.photo_ref,
        phones=tuple(dict.fromkeys((*phones, *known.phones))),
        vehicles=vehicles,
    )
