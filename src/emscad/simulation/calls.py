"""The call generator: Poisson arrivals at the region's addresses, with a believable mix.

The mix and the shares transported are rough figures for a US urban EMS system, chosen so a
demo board looks familiar to dispatchers. They are not a model of any real agency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emscad.incidents.events import Triage
from emscad.incidents.models import Caller, Confidence, Location, Person, PersonRole
from emscad.recommend.plan import Complaint, ResponsePlan
from emscad.regions.model import PlaceKind, Region

# Relative weights of complaint codes. Sick persons, falls, breathing problems, chest pain and
# traffic accidents dominate real EMS call volumes; the rest fill a long tail.
COMPLAINT_WEIGHTS: dict[str, float] = {
    "sick_person": 14.0,
    "fall": 13.0,
    "breathing_problem": 10.0,
    "chest_pain": 9.0,
    "traffic_accident": 8.0,
    "unconscious": 6.0,
    "psychiatric": 4.0,
    "abdominal_pain": 4.0,
    "unknown_problem": 4.0,
    "traumatic_injury": 4.0,
    "seizure": 3.0,
    "overdose": 3.0,
    "back_pain": 3.0,
    "diabetic": 2.0,
    "hemorrhage": 2.0,
    "heart_problem": 2.0,
    "stroke": 2.0,
    "assault": 2.0,
    "welfare_check": 2.0,
    "headache": 1.5,
    "allergic_reaction": 1.0,
    "cardiac_arrest": 1.0,
    "pregnancy": 1.0,
    "heat_cold": 0.5,
    "animal_bite": 0.5,
    "stab_gunshot": 0.5,
    "choking": 0.5,
    "burns": 0.3,
    "carbon_monoxide": 0.2,
    "electrocution": 0.1,
    "drowning": 0.1,
}
OTHER_WEIGHT = 0.5  # a complaint a custom plan adds that the table above does not know

# Never generated: these incidents come from the safety layer (staff SOS buttons, watch feeds),
# and a fake one on a live board would train dispatchers to ignore the real thing.
NEVER_GENERATED = frozenset({"staff_sos", "watch_alert"})

# Share of patients transported, by complaint; the rest are treated on scene or refuse care.
TRANSPORT_RATES: dict[str, float] = {
    "abdominal_pain": 0.8,
    "allergic_reaction": 0.7,
    "animal_bite": 0.4,
    "assault": 0.6,
    "back_pain": 0.6,
    "breathing_problem": 0.85,
    "burns": 0.9,
    "carbon_monoxide": 0.5,
    "cardiac_arrest": 0.5,
    "chest_pain": 0.9,
    "choking": 0.5,
    "diabetic": 0.5,
    "drowning": 0.8,
    "electrocution": 0.8,
    "fall": 0.6,
    "headache": 0.6,
    "heart_problem": 0.85,
    "heat_cold": 0.6,
    "hemorrhage": 0.8,
    "overdose": 0.7,
    "pregnancy": 0.9,
    "psychiatric": 0.6,
    "seizure": 0.7,
    "sick_person": 0.65,
    "stab_gunshot": 0.95,
    "stroke": 0.95,
    "traffic_accident": 0.55,
    "traumatic_injury": 0.7,
    "unconscious": 0.75,
    "unknown_problem": 0.6,
    "welfare_check": 0.3,
}
DEFAULT_TRANSPORT_RATE = 0.7

# Patient ages (mean, standard deviation) where a complaint skews old or young.
_AGES: dict[str, tuple[float, float]] = {
    "fall": (74.0, 14.0),
    "stroke": (70.0, 12.0),
    "chest_pain": (62.0, 14.0),
    "heart_problem": (66.0, 14.0),
    "cardiac_arrest": (66.0, 16.0),
    "pregnancy": (27.0, 6.0),
    "traffic_accident": (36.0, 16.0),
    "assault": (31.0, 11.0),
    "stab_gunshot": (28.0, 9.0),
    "overdose": (34.0, 12.0),
}
_DEFAULT_AGE = (55.0, 22.0)

FIRST_NAMES = (
    "Avery", "Blake", "Casey", "Dana", "Emery", "Frankie", "Harper", "Jamie", "Jordan",
    "Kendall", "Logan", "Morgan", "Parker", "Quinn", "Reese", "Riley", "Rowan", "Sawyer",
    "Skyler", "Taylor",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Bishop", "Castillo", "Dawson", "Ellison", "Fuller", "Garner", "Hale", "Ingram",
    "Jensen", "Keller", "Lowell", "Mercer", "Nash", "Ortega", "Prescott", "Ramsey", "Sutton",
    "Thornton", "Whitaker",
)  # fmt: skip


def fictional_phone(n: int) -> str:
    """+1 501-555-01xx: the block of numbers set aside for fiction, never a real subscriber."""
    return f"+150155501{n % 100:02d}"


@dataclass(frozen=True, slots=True)
class Call:
    location: Location
    triage: Triage
    caller: Caller
    persons: tuple[Person, ...]


def transport_rate(code: str, overrides: dict[str, float] | None = None) -> float:
    if overrides and code in overrides:
        return overrides[code]
    return TRANSPORT_RATES.get(code, DEFAULT_TRANSPORT_RATE)


class CallGenerator:
    """Draws calls from a region and a response plan with an injected random Generator."""

    def __init__(
        self,
        region: Region,
        plan: ResponsePlan,
        rng: np.random.Generator,
        *,
        place_share: float = 0.05,
    ) -> None:
        self.region = region
        self.rng = rng
        self.place_share = place_share
        self.complaints: tuple[Complaint, ...] = tuple(
            c for c in plan.complaints if c.code not in NEVER_GENERATED
        )
        weights = np.array([COMPLAINT_WEIGHTS.get(c.code, OTHER_WEIGHT) for c in self.complaints])
        self.weights = weights / weights.sum() if len(weights) else weights
        self.places = region.places_of(PlaceKind.PLACE)
        if len(region.addresses) == 0 and not self.places:
            raise ValueError("the region has neither address points nor places to call from")

    def gap_s(self, rate_per_hour: float) -> float:
        """Seconds to the next call: arrivals are Poisson, so gaps are exponential."""
        return float(self.rng.exponential(3600.0 / rate_per_hour))

    def call(self) -> Call:
        complaint = self._complaint()
        code = complaint.code if complaint else ""
        return Call(
            location=self._location(),
            triage=Triage(
                chief_complaint=code,
                priority=complaint.priority if complaint else 3,
                determinant="",
            ),
            caller=self._caller(),
            persons=(self._patient(code),),
        )

    def _complaint(self) -> Complaint | None:
        if not self.complaints:
            return None
        return self.complaints[int(self.rng.choice(len(self.complaints), p=self.weights))]

    def _location(self) -> Location:
        use_place = self.places and (
            len(self.region.addresses) == 0 or self.rng.random() < self.place_share
        )
        if use_place:
            place = self.places[int(self.rng.integers(len(self.places)))]
            return Location(
                text=place.name,
                lon=place.lon,
                lat=place.lat,
                confidence=Confidence.PLACE,
                label=place.name,
            )
        a = self.region.addresses
        i = int(self.rng.integers(len(a)))
        s = self.region.string
        text = " ".join(
            part
            for part in (s(int(a.housenumber[i])), s(int(a.street[i])), s(int(a.unit[i])))
            if part
        )
        city = s(int(a.city[i]))
        return Location(
            text=text,
            lon=float(a.lon[i]),
            lat=float(a.lat[i]),
            confidence=Confidence.ADDRESS,
            label=f"{text}, {city}" if city else text,
        )

    def _caller(self) -> Caller:
        first = FIRST_NAMES[int(self.rng.integers(len(FIRST_NAMES)))]
        last = LAST_NAMES[int(self.rng.integers(len(LAST_NAMES)))]
        return Caller(name=f"{first} {last}", phone=fictional_phone(int(self.rng.integers(100))))

    def _patient(self, code: str) -> Person:
        mean, sd = _AGES.get(code, _DEFAULT_AGE)
        age = int(np.clip(round(self.rng.normal(mean, sd)), 1 if code != "pregnancy" else 16, 99))
        sex = "F" if code == "pregnancy" or self.rng.random() < 0.5 else "M"
        return Person(role=PersonRole.PATIENT, age=age, sex=sex)
