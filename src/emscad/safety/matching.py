"""Cautions on calls: matching a call's phone, people, plates and place against active orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rapidfuzz import fuzz

from emscad.incidents.models import Caution, Incident, Severity
from emscad.safety.cautions import SOURCE_PREFIX, VERIFY_ADVICE, generic_caution
from emscad.safety.normalize import (
    normalize_name,
    normalize_phone,
    normalize_plate,
    normalize_state,
)
from emscad.safety.orders import ProtectiveOrder, Vehicle, conditions_text, is_active
from emscad.safety.zones import ProtectedPlace, containing, zones_of

# Names are scored 0-100 by rapidfuzz on normalised text (see `name_score`). At 88 a one-letter
# slip in an ordinary two-word name still matches ("Jon Smith" ~ "John Smith" scores 95), and
# so do the same words in another order or a missing middle name, while a different first
# name with the same surname does not ("Mike Smith" ~ "John Smith" scores 67). Over 250
# common first-last pairs, 0.4 % of unrelated pairs reach 88 (1.2 % at 80). Two slips
# ("Markus Reid" ~ "Marcus Reed", 82) do not match: known spellings belong in the aliases.
# We err towards a "possible match" the dispatcher must verify over a missed respondent.
NAME_MATCH_THRESHOLD = 88.0

# Phone numbers shorter than this are extensions or junk, not a number to match on.
MIN_PHONE_DIGITS = 7


class MatchKind(StrEnum):
    RESPONDENT_PHONE = "respondent_phone"
    PROTECTED_PHONE = "protected_phone"
    RESPONDENT_NAME = "respondent_name"
    PROTECTED_NAME = "protected_name"
    PLATE = "plate"  # a plate on the call is one of the respondent's vehicles
    ZONE = "zone"  # the call's location is inside a stay-away zone

    @property
    def respondent(self) -> bool:
        return self in _RESPONDENT

    @property
    def protected(self) -> bool:
        return self in (MatchKind.PROTECTED_PHONE, MatchKind.PROTECTED_NAME)


_RESPONDENT = frozenset({MatchKind.RESPONDENT_PHONE, MatchKind.RESPONDENT_NAME, MatchKind.PLATE})


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate mentioned on a call; the state is optional."""

    number: str
    state: str = ""

    @staticmethod
    def of(value: Plate | str) -> Plate:
        return value if isinstance(value, Plate) else Plate(value)


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing that matched. `detail` names people: show it only to roles that may."""

    kind: MatchKind
    detail: str
    score: float = 100.0


@dataclass(frozen=True, slots=True)
class OrderMatch:
    order: ProtectiveOrder
    hits: tuple[Hit, ...]
    severity: Severity
    conditions: str
    advice: str = VERIFY_ADVICE

    @property
    def reference(self) -> str:
        return self.order.id

    @property
    def verification(self) -> str:
        return self.order.verification.describe()

    def caution(self) -> Caution:
        """The caution to attach to the incident: generic, plus the order's reference."""
        if any(h.kind.respondent for h in self.hits):
            lead = "A person or vehicle on this call may be the respondent of a protective order"
        elif any(h.kind.protected for h in self.hits):
            lead = "A person on this call may be a party to a protective order"
        else:
            lead = "This location is inside a protective order's stay-away zone"
        return generic_caution(self.order, lead, self.severity)


def severity_of(hits: Iterable[Hit]) -> Severity:
    """High if anything points at the respondent (his phone, name or plate: a zone match is
    then high too); medium for a protected person alone; low for a location in a zone alone.

    A zone alone is low because a 1,000 ft circle round a home or a station holds many calls
    that have nothing to do with the order; the crew still sees the caution.
    """
    kinds = {h.kind for h in hits}
    if kinds & _RESPONDENT:
        return Severity.HIGH
    if MatchKind.PROTECTED_PHONE in kinds or MatchKind.PROTECTED_NAME in kinds:
        return Severity.MEDIUM
    return Severity.LOW


def name_score(a: str, b: str) -> float:
    """How alike two names are, 0-100, ignoring case, accents, punctuation and word order.

    Word-sorted similarity always; when both names have two or more words, the word-set
    score too, so "John Smith" meets "Smith, John Michael". A single word ("John") is never
    scored as a subset of a full name: a first name alone matches half a city.
    """
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return 0.0
    score = float(fuzz.token_sort_ratio(na, nb))
    if min(len(na.split()), len(nb.split())) >= 2:
        score = max(score, float(fuzz.token_set_ratio(na, nb)))
    return score


def _best_name(name: str, candidates: Iterable[str]) -> tuple[float, str]:
    best = (0.0, "")
    for candidate in candidates:
        score = name_score(name, candidate)
        if score > best[0]:
            best = (score, candidate)
    return best


def _plate_matches(plate: Plate, vehicle: Vehicle) -> bool:
    number = normalize_plate(plate.number)
    if not number or number != normalize_plate(vehicle.plate):
        return False
    a, b = normalize_state(plate.state), normalize_state(vehicle.state)
    # A missing state on either side cannot rule a plate out; two different states do.
    return not a or not b or a == b


def match_order(
    order: ProtectiveOrder,
    *,
    phone: str,
    names: Sequence[str],
    plates: Sequence[Plate],
    point: tuple[float, float] | None,
    places: Sequence[ProtectedPlace],
    threshold: float = NAME_MATCH_THRESHOLD,
) -> OrderMatch | None:
    hits: list[Hit] = []
    if len(phone) >= MIN_PHONE_DIGITS:
        if phone in {normalize_phone(p) for p in order.respondent.phones}:
            hits.append(Hit(MatchKind.RESPONDENT_PHONE, "the caller's phone is the respondent's"))
        if any(phone in {normalize_phone(p) for p in pp.phones} for pp in order.protected):
            detail = "the caller's phone is a protected person's"
            hits.append(Hit(MatchKind.PROTECTED_PHONE, detail))
    r = order.respondent
    for name in names:
        score, what = _best_name(name, (r.name, *r.aliases))
        if score >= threshold:
            detail = f"{name!r} resembles the respondent {what!r} (score {score:.0f})"
            hits.append(Hit(MatchKind.RESPONDENT_NAME, detail, score))
        for person in order.protected:
            score, what = _best_name(name, (person.name, *person.aliases))
            if score >= threshold:
                detail = f"{name!r} resembles the protected person {what!r} (score {score:.0f})"
                hits.append(Hit(MatchKind.PROTECTED_NAME, detail, score))
    for plate in plates:
        for vehicle in r.vehicles:
            if _plate_matches(plate, vehicle):
                detail = f"plate {plate.number!r} is the respondent's {vehicle.describe()}"
                hits.append(Hit(MatchKind.PLATE, detail))
    if point is not None:
        inside = containing(zones_of(order, places), *point)
        if inside is not None:
            z = inside.zone
            detail = (
                f"the location is {inside.distance_m:.0f} m from the centre of stay-away zone "
                f"{z.label!r} ({z.kind.value}, radius {z.radius_m:.0f} m)"
            )
            hits.append(Hit(MatchKind.ZONE, detail))
    if not hits:
        return None
    return OrderMatch(
        order=order,
        hits=tuple(hits),
        severity=severity_of(hits),
        conditions=conditions_text(order.conditions),
    )


_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


def match_call(
    orders: Iterable[ProtectiveOrder],
    now: datetime,
    *,
    caller_phone: str = "",
    names: Sequence[str] = (),
    plates: Sequence[Plate | str] = (),
    point: tuple[float, float] | None = None,
    places: Sequence[ProtectedPlace] = (),
    name_threshold: float = NAME_MATCH_THRESHOLD,
) -> list[OrderMatch]:
    """Every active order the call touches, most severe first. Inactive orders never match."""
    phone = normalize_phone(caller_phone)
    wanted = [n for n in names if normalize_name(n)]
    mentioned = [Plate.of(p) for p in plates]
    found = [
        m
        for order in orders
        if is_active(order, now)
        and (
            m := match_order(
                order,
                phone=phone,
                names=wanted,
                plates=mentioned,
                point=point,
                places=places,
                threshold=name_threshold,
            )
        )
        is not None
    ]
    return sorted(found, key=lambda m: (_RANK[m.severity], m.order.id))


def match_incident(
    incident: Incident,
    orders: Iterable[ProtectiveOrder],
    now: datetime,
    *,
    plates: Sequence[Plate | str] = (),
    places: Sequence[ProtectedPlace] = (),
    name_threshold: float = NAME_MATCH_THRESHOLD,
) -> list[OrderMatch]:
    """`match_call` on what an incident holds: caller, persons and location (plates apart)."""
    loc = incident.location
    point = (loc.lon, loc.lat) if loc.lon is not None and loc.lat is not None else None
    names = [incident.caller.name, *(p.name for p in incident.persons)]
    return match_call(
        orders,
        now,
        caller_phone=incident.caller.phone,
        names=names,
        plates=plates,
        point=point,
        places=places,
        name_threshold=name_threshold,
    )


def cautions_for(matches: Iterable[OrderMatch]) -> tuple[Caution, ...]:
    return tuple(m.caution() for m in matches)


def merge_cautions(existing: Sequence[Caution], new: Iterable[Caution]) -> tuple[Caution, ...]:
    """The incident's cautions with the order-matching ones replaced by the current ones.

    Re-matching after every edit must not pile up copies, and an order that no longer
    matches (a corrected plate) must drop its caution; cautions a person added are kept.
    """
    kept = [c for c in existing if not c.source.startswith(SOURCE_PREFIX)]
    return (*kept, *new)
