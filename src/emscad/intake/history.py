"""Caller and premise history at intake: earlier incidents and standing cautions.

Pure functions over candidates the storage layer fetched (incidents near the address or from
the number, the premise cautions). A past incident is "at the address" when the normalised
address texts (whole, or up to the first comma) are equal, unless one names only a street,
or when both have coordinates within `radius_m` (30 m: the same building or lot, not the
house next door on a dense street). A number matches after both sides are normalised to
E.164.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from emscad.errors import InvalidInput
from emscad.geocoding.normalize import street_tokens, words
from emscad.geocoding.usps import DIRECTIONAL, SUFFIX, UNIT_DESIGNATORS
from emscad.incidents.models import Caution, Confidence, Incident, Location, Severity
from emscad.intake.phone import to_e164
from emscad.intake.pidf.geometry import distance_m

SAME_ADDRESS_M = 30.0
MAX_CAUTION_RADIUS_M = 1_000.0
MAX_CAUTION_TEXT = 4_000
MAX_SHORT = 200


@dataclass(frozen=True, slots=True)
class PremiseCaution:
    """A standing warning for a place: "dog", "violent history", later a protective order."""

    id: str
    kind: str
    text: str
    address: str = ""  # matched on its normalised text
    lon: float | None = None  # and/or on distance from this point
    lat: float | None = None
    radius_m: float = SAME_ADDRESS_M
    severity: Severity = Severity.MEDIUM
    expires: datetime | None = None  # None: until removed
    version: int = 0

    def active(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires

    def to_caution(self) -> Caution:
        return Caution(
            kind=self.kind, text=self.text, severity=self.severity, source=f"premise:{self.id}"
        )


def check_premise_caution(caution: PremiseCaution) -> PremiseCaution:
    """Raises InvalidInput for a caution that could never match or could not be shown."""
    if not caution.id.strip() or len(caution.id) > 40:
        raise InvalidInput("a premise caution needs an id of at most 40 characters")
    if not caution.kind.strip() or len(caution.kind) > MAX_SHORT:
        raise InvalidInput(f"a premise caution needs a kind of at most {MAX_SHORT} characters")
    if not caution.text.strip() or len(caution.text) > MAX_CAUTION_TEXT:
        raise InvalidInput(f"a premise caution needs text of at most {MAX_CAUTION_TEXT} characters")
    if len(caution.address) > MAX_SHORT:
        raise InvalidInput(f"a premise caution's address is longer than {MAX_SHORT} characters")
    has_point = caution.lon is not None and caution.lat is not None
    if (caution.lon is None) != (caution.lat is None):
        raise InvalidInput("a premise caution needs both longitude and latitude, or neither")
    if caution.lon is not None and caution.lat is not None:
        lon, lat = caution.lon, caution.lat
        if not (
            math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            raise InvalidInput("a premise caution's coordinates are out of range")
    if not caution_key(caution.address) and not has_point:
        raise InvalidInput("a premise caution needs an address or coordinates")
    if not (math.isfinite(caution.radius_m) and 0 < caution.radius_m <= MAX_CAUTION_RADIUS_M):
        raise InvalidInput(
            f"a premise caution's radius must be above 0 and at most {MAX_CAUTION_RADIUS_M:,.0f} m"
        )
    if caution.expires is not None and caution.expires.tzinfo is None:
        raise InvalidInput("a premise caution's expiry needs a time zone")
    return caution


def address_key(text: str) -> str:
    """Address text as a match key: "123 West Seventh Street" and "123 W 7th St" agree.

    Upper case, punctuation dropped, ordinals as numbers, USPS abbreviations for every
    directional, suffix and unit word. A key, never shown.
    """
    tokens = street_tokens(words(text))
    return " ".join(_canonical(t) for t in tokens)


def _canonical(token: str) -> str:
    if token in DIRECTIONAL:
        return DIRECTIONAL[token]
    if token in SUFFIX:
        return SUFFIX[token]
    return UNIT_DESIGNATORS.get(token, token).upper()  # "APARTMENT" -> "APT"


def _keys(location: Location) -> set[str]:
    # A street-only location ("Main St") names the whole street: matching on its text would
    # pull in every call on that street, so only its coordinates (if any) count.
    if location.confidence is Confidence.STREET:
        return set()
    # Each text as a whole and its part before the first comma: the geocoder labels
    # "500 W Markham St, Riverton 72201" while the call-taker typed "500 w markham st".
    texts = (
        location.text,
        location.text.split(",")[0],
        location.label,
        location.label.split(",")[0],
    )
    return {k for k in map(address_key, texts) if k}


def location_key(location: Location) -> str:
    """The one key stored with an incident to find it again by address ("" for none).

    The typed text up to its first comma, else the geocoder's label: `keys` of a later
    call's location includes the same forms, so the lookup finds it.
    """
    if location.confidence is Confidence.STREET:
        return ""
    return address_key(location.text.split(",")[0]) or address_key(location.label.split(",")[0])


def caution_key(address: str) -> str:
    """The key a premise caution is kept under: its address up to the first comma, as
    `location_key`, so "500 W Markham St, Little Rock" matches a call at "500 W Markham St"."""
    return address_key(address.split(",")[0]) or address_key(address)


def keys(location: Location) -> set[str]:
    """Every key a location is known by: to look up incidents and cautions stored by key."""
    return _keys(location)


def _near(
    lon1: float | None, lat1: float | None, lon2: float | None, lat2: float | None, radius: float
) -> bool:
    if lon1 is None or lat1 is None or lon2 is None or lat2 is None:
        return False
    return distance_m(lon1, lat1, lon2, lat2) <= radius


def same_address(a: Location, b: Location, *, radius_m: float = SAME_ADDRESS_M) -> bool:
    if _keys(a) & _keys(b):
        return True
    return _near(a.lon, a.lat, b.lon, b.lat, radius_m)


def same_number(a: str, b: str) -> bool:
    ea, eb = to_e164(a), to_e164(b)
    return ea is not None and ea == eb


@dataclass(frozen=True, slots=True)
class IntakeHistory:
    """What the call-taker sees at intake. Lists are most recent first and capped at `limit`;
    the counts are of every match."""

    at_address: tuple[Incident, ...]
    at_address_count: int
    from_number: tuple[Incident, ...]
    from_number_count: int
    cautions: tuple[PremiseCaution, ...]

    @property
    def incident_cautions(self) -> tuple[Caution, ...]:
        return tuple(c.to_caution() for c in self.cautions)


def _recent_first(incidents: Iterable[Incident]) -> list[Incident]:
    return sorted(incidents, key=lambda i: (i.received_at, i.id), reverse=True)


def premise_cautions(
    location: Location, cautions: Iterable[PremiseCaution], *, now: datetime
) -> tuple[PremiseCaution, ...]:
    """The unexpired cautions for the location, most severe first."""
    keys = _keys(location)
    rank = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
    found = [
        c
        for c in cautions
        if c.active(now)
        and (
            (caution_key(c.address) in keys)
            or _near(c.lon, c.lat, location.lon, location.lat, c.radius_m)
        )
    ]
    return tuple(sorted(found, key=lambda c: (rank[c.severity], c.id)))


def intake_history(
    *,
    location: Location,
    phone: str,
    candidates: Iterable[Incident],
    cautions: Iterable[PremiseCaution] = (),
    now: datetime,
    exclude: str | None = None,
    radius_m: float = SAME_ADDRESS_M,
    limit: int = 10,
) -> IntakeHistory:
    """Earlier incidents at the address and from the number, and the premise's cautions.

    `candidates` may overlap (the same incident found by address and by number) and may
    include the incident being taken (`exclude`) or ones received after `now`: both dropped.
    """
    earlier = {i.id: i for i in candidates if i.id != exclude and i.received_at <= now}.values()
    at_address = _recent_first(
        i for i in earlier if same_address(location, i.location, radius_m=radius_m)
    )
    caller = to_e164(phone)
    from_number = _recent_first(
        i for i in earlier if caller is not None and to_e164(i.caller.phone) == caller
    )
    return IntakeHistory(
        at_address=tuple(at_address[:limit]),
        at_address_count=len(at_address),
        from_number=tuple(from_number[:limit]),
        from_number_count=len(from_number),
        cautions=premise_cautions(location, cautions, now=now),
    )
