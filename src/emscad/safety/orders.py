"""Protective orders: the record, the NCIC conditions, validation and when an order is in force."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from emscad.errors import InvalidInput
from emscad.safety.models import MAX_TEXT, aware, check_lonlat, required, short
from emscad.safety.normalize import normalize_phone, normalize_plate, normalize_state

# 1,000 ft: the buffer Connecticut's GPS programme alerts on (standards.md §7).
DEFAULT_ZONE_RADIUS_M = 304.8
MAX_ZONE_RADIUS_M = 50_000.0
MAX_ITEMS = 50


class Condition(StrEnum):
    """NCIC protection-order condition (PCO) codes, as in NIEM `ncic:PCOCodeSimpleType`."""

    NO_ABUSE = "01"
    NO_THREATS_TO_HOUSEHOLD = "02"
    EXCLUSIVE_RESIDENCE = "03"
    STAY_AWAY = "04"
    NO_CONTACT = "05"
    VISITATION = "06"
    NO_FIREARMS = "07"
    SEE_MISC = "08"
    TEMPORARY_CUSTODY = "09"

    @property
    def meaning(self) -> str:
        return CONDITION_TEXT[self]

    @property
    def short_text(self) -> str:
        return CONDITION_SHORT[self]


CONDITION_TEXT: dict[Condition, str] = {
    Condition.NO_ABUSE: (
        "The subject is restrained from assaulting, threatening, abusing, harassing, "
        "following, interfering with or stalking the protected person and/or the child "
        "of the protected person"
    ),
    Condition.NO_THREATS_TO_HOUSEHOLD: (
        "The subject may not threaten a member of the protected person's family or household"
    ),
    Condition.EXCLUSIVE_RESIDENCE: (
        "The protected person is granted exclusive possession of the residence or household"
    ),
    Condition.STAY_AWAY: (
        "The subject is required to stay away from the residence, property, school or "
        "place of employment of the protected person or other family or household member"
    ),
    Condition.NO_CONTACT: (
        "The subject is restrained from making any communication with the protected person, "
        "including but not limited to personal, written or telephone contact, or their "
        "employers, employees or fellow workers, or others with whom the communication "
        "would be likely to cause annoyance or alarm to the victim"
    ),
    Condition.VISITATION: "The subject has visitation or custody rights to the child(ren) named",
    Condition.NO_FIREARMS: (
        "The subject is prohibited from possessing and/or purchasing a firearm or other weapon"
    ),
    Condition.SEE_MISC: "See the miscellaneous field for comments on the terms and conditions",
    Condition.TEMPORARY_CUSTODY: (
        "The protected person is granted temporary custody of the child(ren) named"
    ),
}

CONDITION_SHORT: dict[Condition, str] = {
    Condition.NO_ABUSE: "no assault, threats, harassment or stalking",
    Condition.NO_THREATS_TO_HOUSEHOLD: "no threats to family or household",
    Condition.EXCLUSIVE_RESIDENCE: "protected person has the residence",
    Condition.STAY_AWAY: "stay away from residence, property, school, workplace",
    Condition.NO_CONTACT: "no communication, incl. via employer or co-workers",
    Condition.VISITATION: "subject has visitation or custody",
    Condition.NO_FIREARMS: "no firearms",
    Condition.SEE_MISC: "see miscellaneous terms",
    Condition.TEMPORARY_CUSTODY: "protected person has temporary custody",
}


def conditions_text(conditions: tuple[Condition, ...]) -> str:
    """'04 stay away from ...; 07 no firearms', in code order."""
    return "; ".join(f"{c.value} {c.short_text}" for c in sorted(conditions))


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str
    state: str = ""  # two-letter state or province code; empty if unknown
    make: str = ""
    model: str = ""
    colour: str = ""

    def describe(self) -> str:
        what = " ".join(p for p in (self.colour, self.make, self.model) if p)
        where = f"{self.state} " if self.state else ""
        return f"{where}{self.plate}" + (f" ({what})" if what else "")


@dataclass(frozen=True, slots=True)
class Descriptors:
    """The respondent's physical description, in the units US records use."""

    sex: str = ""
    race: str = ""
    dob: str = ""  # ISO date, YYYY-MM-DD: a date, not a moment, so no time zone applies
    height_in: int | None = None
    weight_lb: int | None = None
    hair: str = ""
    eyes: str = ""
    marks: tuple[str, ...] = ()  # scars, marks, tattoos

    def describe(self) -> str:
        parts = [p for p in (self.sex, self.race) if p]
        if self.dob:
            parts.append(f"DOB {self.dob}")
        if self.height_in is not None:
            parts.append(f"{self.height_in // 12} ft {self.height_in % 12} in")
        if self.weight_lb is not None:
            parts.append(f"{self.weight_lb} lb")
        if self.hair:
            parts.append(f"hair {self.hair}")
        if self.eyes:
            parts.append(f"eyes {self.eyes}")
        if self.marks:
            parts.append("marks: " + ", ".join(self.marks))
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Respondent:
    """The person the order restrains (NCIC: the subject)."""

    name: str
    aliases: tuple[str, ...] = ()
    descriptors: Descriptors = field(default_factory=Descriptors)
    photo_ref: str = ""  # a reference the console resolves to the photo; never the image
    phones: tuple[str, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    devices: tuple[str, ...] = ()  # offender-monitoring device ids (GPS ankle units)

    def describe(self) -> str:
        """One paragraph a crew or a supervisor can act on."""
        text = self.name
        if self.aliases:
            text += " (aka " + ", ".join(self.aliases) + ")"
        body = self.descriptors.describe()
        if body:
            text += f"; {body}"
        if self.photo_ref:
            text += "; photo on file"
        if self.vehicles:
            text += ". Vehicles: " + "; ".join(v.describe() for v in self.vehicles)
        return text


@dataclass(frozen=True, slots=True)
class ProtectedPerson:
    name: str
    aliases: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    staff_user: str | None = None  # the user id, when the protected person works here


class ZoneKind(StrEnum):
    RESIDENCE = "residence"
    WORKPLACE = "workplace"
    SCHOOL = "school"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class StayAwayZone:
    """A circle the respondent must keep out of.

    `place` names one of the agency's protected places (a station): the zone then follows
    that place's current coordinates, so moving a station moves its zones.
    `id` is also the zone id a monitoring vendor reports for this zone.
    """

    id: str
    label: str
    lon: float
    lat: float
    radius_m: float = DEFAULT_ZONE_RADIUS_M
    kind: ZoneKind = ZoneKind.OTHER
    place: str | None = None


class VerificationStatus(StrEnum):
    UNVERIFIED = "unverified"  # e.g. a copy the protected person brought in
    COURT = "court"  # confirmed with the issuing court
    NCIC = "ncic"  # confirmed by an NCIC Protection Order File query


@dataclass(frozen=True, slots=True)
class Verification:
    status: VerificationStatus = VerificationStatus.UNVERIFIED
    by: str = ""
    at: datetime | None = None

    def describe(self) -> str:
        if self.status is VerificationStatus.UNVERIFIED or self.at is None:
            return "unverified"
        where = "with the court" if self.status is VerificationStatus.COURT else "via NCIC"
        return f"verified {where} on {self.at.date().isoformat()}"


@dataclass(frozen=True, slots=True)
class ProtectiveOrder:
    id: str
    number: str  # the court's order or case number
    court: str  # the issuing court (name or ORI)
    issued: datetime  # in force from
    expires: datetime | None  # None: a non-expiring order
    conditions: tuple[Condition, ...]
    protected: tuple[ProtectedPerson, ...]
    respondent: Respondent
    source: str  # who supplied this record: "copy from the protected person", "NCIC hit"
    zones: tuple[StayAwayZone, ...] = ()
    misc: str = ""  # the order's miscellaneous terms (condition 08)
    brady: bool = False  # the federal firearms prohibition applies
    verification: Verification = field(default_factory=Verification)
    withdrawn_at: datetime | None = None  # vacated, dismissed or entered in error
    version: int = 0

    @property
    def staff_users(self) -> tuple[str, ...]:
        return tuple(p.staff_user for p in self.protected if p.staff_user)

    @property
    def protects_staff(self) -> bool:
        return bool(self.staff_users)


def is_active(order: ProtectiveOrder, now: datetime) -> bool:
    """Whether the order alerts now.

    In force from `issued` (inclusive) until `expires` (exclusive). A withdrawn, expired or
    not-yet-effective order never alerts: acting on a dead order is itself a harm, and a
    court's end date is the only authority we have (verify before acting either way).
    """
    if order.withdrawn_at is not None and order.withdrawn_at <= now:
        return False
    if now < order.issued:
        return False
    return order.expires is None or now < order.expires


def active(orders: Iterable[ProtectiveOrder], now: datetime) -> list[ProtectiveOrder]:
    return [o for o in orders if is_active(o, now)]


def check_order(order: ProtectiveOrder) -> ProtectiveOrder:
    """Raise InvalidInput, one line, on the first thing wrong with an order record."""
    required(order.id, "the order id")
    required(order.number, "the order number")
    required(order.court, "the issuing court")
    required(order.source, "the order's source")
    aware(order.issued, "the issue date")
    if order.expires is not None and aware(order.expires, "the expiry") <= order.issued:
        raise InvalidInput("an order must expire after it is issued")
    if order.withdrawn_at is not None:
        aware(order.withdrawn_at, "the withdrawal time")
    if not order.conditions:
        raise InvalidInput("an order needs at least one condition (PCO 01-09)")
    if len(set(order.conditions)) != len(order.conditions):
        raise InvalidInput("a condition is listed twice")
    if Condition.SEE_MISC in order.conditions and not order.misc.strip():
        raise InvalidInput("condition 08 needs the miscellaneous terms")
    if len(order.misc) > MAX_TEXT:
        raise InvalidInput(f"the miscellaneous terms are longer than {MAX_TEXT} characters")
    if not order.protected:
        raise InvalidInput("an order needs at least one protected person")
    if len(order.protected) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} protected persons")
    for person in order.protected:
        required(person.name, "a protected person's name")
        _names(person.aliases, "a protected person's alias")
        _phones(person.phones, "a protected person's phone")
        if person.staff_user is not None:
            required(person.staff_user, "a protected person's staff user id")
    _check_respondent(order.respondent)
    _check_zones(order.zones)
    _check_verification(order.verification)
    return order


def _names(names: tuple[str, ...], what: str) -> None:
    if len(names) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} of {what}")
    for name in names:
        required(name, what)


def _phones(phones: tuple[str, ...], what: str) -> None:
    _names(phones, what)
    for phone in phones:
        if len(normalize_phone(phone)) < 7:
            raise InvalidInput(f"{what} {phone!r} has fewer than 7 digits")


def _check_respondent(r: Respondent) -> None:
    required(r.name, "the respondent's name")
    _names(r.aliases, "the respondent's alias")
    _phones(r.phones, "the respondent's phone")
    _names(r.devices, "a monitoring device id")
    short(r.photo_ref, "the photo reference")
    d = r.descriptors
    for value, what in ((d.sex, "sex"), (d.race, "race"), (d.hair, "hair"), (d.eyes, "eyes")):
        short(value, f"the respondent's {what}")
    _names(d.marks, "the respondent's identifying mark")
    if d.dob:
        try:
            date.fromisoformat(d.dob)
        except ValueError:
            raise InvalidInput("the date of birth must be YYYY-MM-DD") from None
    if d.height_in is not None and not 24 <= d.height_in <= 108:
        raise InvalidInput("height must be 24 to 108 inches")
    if d.weight_lb is not None and not 20 <= d.weight_lb <= 1000:
        raise InvalidInput("weight must be 20 to 1,000 lb")
    if len(r.vehicles) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} vehicles")
    for v in r.vehicles:
        if not normalize_plate(v.plate):
            raise InvalidInput("a vehicle needs a plate with letters or digits")
        short(v.plate, "a plate")
        state = normalize_state(v.state)
        if state and not (len(state) == 2 and state.isalpha()):
            raise InvalidInput(f"a plate's state must be a two-letter code, not {v.state!r}")
        for value, what in ((v.make, "make"), (v.model, "model"), (v.colour, "colour")):
            short(value, f"a vehicle's {what}")


def _check_zones(zones: tuple[StayAwayZone, ...]) -> None:
    if len(zones) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} stay-away zones")
    ids = [z.id for z in zones]
    if len(set(ids)) != len(ids):
        raise InvalidInput("two stay-away zones share an id")
    for z in zones:
        required(z.id, "a zone's id")
        required(z.label, "a zone's label")
        check_lonlat(z.lon, z.lat, f"zone {z.label!r}")
        if not (math.isfinite(z.radius_m) and 0 < z.radius_m <= MAX_ZONE_RADIUS_M):
            raise InvalidInput(f"zone {z.label!r}: the radius must be over 0 and at most 50 km")
        if z.place is not None:
            required(z.place, "a zone's place id")


def _check_verification(v: Verification) -> None:
    if v.status is VerificationStatus.UNVERIFIED:
        return
    required(v.by, "who verified the order")
    if v.at is None:
        raise InvalidInput("a verification needs a time")
    aware(v.at, "the verification time")
