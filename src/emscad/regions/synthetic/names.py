"""Street, place and number names for the synthetic city, handed out without repeats."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TREES = (
    "Oak", "Elm", "Maple", "Pine", "Cedar", "Walnut", "Hickory", "Magnolia", "Dogwood",
    "Willow", "Birch", "Ash", "Poplar", "Sycamore", "Cypress", "Chestnut", "Holly", "Laurel",
    "Spruce", "Hemlock", "Juniper", "Linden", "Mulberry", "Pecan", "Persimmon", "Redbud",
    "Sassafras", "Tupelo", "Aspen", "Beech", "Catalpa", "Cherry", "Hawthorn", "Locust",
    "Palmetto", "Peach", "Plum", "Apple", "Pear", "Alder", "Larch", "Sweetgum", "Buckeye",
    "Cottonwood", "Hackberry", "Boxwood", "Myrtle", "Olive", "Acacia", "Sequoia",
)  # fmt: skip

PRESIDENTS = (
    "Washington", "Adams", "Jefferson", "Madison", "Monroe", "Jackson", "Van Buren",
    "Harrison", "Tyler", "Polk", "Taylor", "Fillmore", "Pierce", "Buchanan", "Lincoln",
    "Johnson", "Grant", "Hayes", "Garfield", "Arthur", "Cleveland", "McKinley", "Roosevelt",
    "Taft", "Wilson", "Harding", "Coolidge", "Hoover", "Truman", "Eisenhower", "Kennedy",
    "Nixon", "Ford", "Carter", "Reagan", "Bush", "Clinton",
)  # fmt: skip

STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
    "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "West Virginia", "Wisconsin",
    "Wyoming",
)  # fmt: skip

PEOPLE = (
    "Allen", "Baker", "Barton", "Bell", "Bishop", "Blair", "Boyd", "Bradley", "Brooks",
    "Bryant", "Burke", "Butler", "Caldwell", "Campbell", "Carroll", "Chandler", "Clark",
    "Cole", "Collins", "Cook", "Cooper", "Crawford", "Cross", "Dalton", "Davis", "Dawson",
    "Dixon", "Douglas", "Drake", "Duncan", "Dunn", "Elliott", "Ellis", "Evans", "Fairfax",
    "Fletcher", "Foster", "Franklin", "Fuller", "Gaines", "Gardner", "Gibson", "Gordon",
    "Graham", "Grayson", "Green", "Gregory", "Griffin", "Hall", "Hamilton", "Hancock", "Hardy",
    "Harper", "Hart", "Hawkins", "Hayden", "Henderson", "Hill", "Holmes", "Howard", "Hudson",
    "Hughes", "Hunt", "Ingram", "Irving", "Jenkins", "Jordan", "Keller", "Kelly", "Kendall",
    "Kent", "King", "Knox", "Lamar", "Lane", "Lawrence", "Lee", "Lewis", "Logan", "Long",
    "Lowell", "Marshall", "Martin", "Mason", "Maxwell", "Meyer", "Miller", "Mitchell", "Moore",
    "Morgan", "Morris", "Murphy", "Nelson", "Newton", "Norris", "Oliver", "Owens", "Palmer",
    "Parker", "Patterson", "Payne", "Perry", "Porter", "Potter", "Powell", "Price", "Quincy",
    "Ramsey", "Reed", "Reynolds", "Rice", "Richardson", "Riley", "Robinson", "Rogers", "Ross",
    "Russell", "Sanders", "Sawyer", "Sherman", "Simmons", "Spencer", "Stanley", "Stewart",
    "Stone", "Sullivan", "Summers", "Sutton", "Thompson", "Tucker", "Turner", "Vaughn",
    "Wade", "Walker", "Wallace", "Ward", "Warren", "Watson", "Wayne", "Webster", "Wells",
    "Wheeler", "Whitaker", "Whitfield", "Williams", "Wolfe", "Wood", "Wright", "Young",
)  # fmt: skip

NATURE = (
    "Bluebird", "Cardinal", "Mockingbird", "Robin", "Sparrow", "Wren", "Heron", "Falcon",
    "Meadow", "Brook", "Valley", "Prairie", "Summit", "Highland", "Lakeview", "Riverside",
    "Hillcrest", "Fairview", "Sunset", "Sunrise", "Pleasant", "Spring", "Park", "Forest",
    "Garden", "Orchard", "Harbor", "Crystal", "Shady", "Quail",
)  # fmt: skip

# Compounds ("Oak Ridge", "Maplewood") give the outer suburbs their own flavour of names.
COMPOUND_ENDINGS = (" Ridge", " Hill", " Grove", " Creek", " Hollow", "wood")

# The streets around downtown have fixed names, so every city has the same centre to talk about
# ("W 7th St & S Chester St") whatever the seed. Offsets are columns east (+) or west (-) of Main.
MAIN_STREET = "Main St"
BASELINE_STREET = "Broadway"
DOWNTOWN_STREETS = {-2: "Chester St", -1: "Center St", 1: "Scott St", 2: "Cumberland St"}

RESIDENTIAL_SUFFIXES = ("St", "Dr", "Ln", "Way", "Pl", "Ter", "Trl")
RESIDENTIAL_WEIGHTS = (0.55, 0.12, 0.1, 0.07, 0.06, 0.05, 0.05)
ARTERIAL_SUFFIXES = ("Ave", "Blvd", "Rd")
ARTERIAL_WEIGHTS = (0.5, 0.2, 0.3)
COURT_SUFFIXES = ("Ct", "Cir", "Cv")
COURT_WEIGHTS = (0.5, 0.3, 0.2)


def core_bases() -> tuple[str, ...]:
    """Plain names (trees, presidents, states, people, nature), each once."""
    fixed = {n.rsplit(" ", 1)[0] for n in DOWNTOWN_STREETS.values()}
    seen: set[str] = set()
    out: list[str] = []
    for name in (*TREES, *PRESIDENTS, *STATES, *PEOPLE, *NATURE):
        if name not in seen and name not in fixed:
            seen.add(name)
            out.append(name)
    return tuple(out)


def compound_bases() -> tuple[str, ...]:
    return tuple(f"{tree}{ending}" for tree in TREES for ending in COMPOUND_ENDINGS)


class NameAllocator:
    """Hands out street names ("Oak St", "Maple Ridge Dr") so that no full name repeats.

    Consecutive requests get different base names; a base comes round again (with another
    suffix) only once every base has been used, so a large city runs through plain names first
    and then through suffix variants, as real cities do.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        core = list(core_bases())
        extra = list(compound_bases())
        # Plain names first so the central streets (asked for first) get the familiar ones.
        self._bases: list[str] = [core[i] for i in rng.permutation(len(core))] + [
            extra[i] for i in rng.permutation(len(extra))
        ]
        self._rng = rng
        self._used: set[str] = set()
        self._cursor = 0
        self._fallback = 0
        self._exhausted: set[tuple[str, ...]] = set()

    def take(self, suffixes: Sequence[str], weights: Sequence[float]) -> str | None:
        """A new full name with one of `suffixes`, or None when every combination is used."""
        if tuple(suffixes) in self._exhausted:
            return None
        p = np.asarray(weights, dtype=np.float64)
        first = int(self._rng.choice(len(suffixes), p=p / p.sum()))
        order = [suffixes[first], *(s for s in suffixes if s != suffixes[first])]
        n = len(self._bases)
        for step in range(n):
            base = self._bases[(self._cursor + step) % n]
            for suffix in order:
                name = f"{base} {suffix}"
                if name not in self._used:
                    self._used.add(name)
                    self._cursor = (self._cursor + step + 1) % n
                    return name
        # Once a suffix family is used up it stays used up; remember it so that a big city's
        # thousands of unnamed cul-de-sacs do not each rescan every base.
        self._exhausted.add(tuple(suffixes))
        return None

    def street(self, *, arterial: bool) -> str:
        """A name for a through street; numbered county roads once the lists run dry."""
        if arterial:
            name = self.take(ARTERIAL_SUFFIXES, ARTERIAL_WEIGHTS)
        else:
            name = self.take(RESIDENTIAL_SUFFIXES, RESIDENTIAL_WEIGHTS)
        while name is None:
            self._fallback += 1
            candidate = f"County Road {self._fallback}"
            if candidate not in self._used:
                self._used.add(candidate)
                name = candidate
        return name

    def court(self) -> str | None:
        return self.take(COURT_SUFFIXES, COURT_WEIGHTS)

    def base(self) -> str:
        """A plain base name for a school or park ("Hillcrest"), cycling through the list."""
        name = self._bases[self._cursor % len(self._bases)]
        self._cursor = (self._cursor + 1) % len(self._bases)
        return name


def ordinal(n: int) -> str:
    """1 -> "1st", 12 -> "12th", 23 -> "23rd"."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_ONES = (
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen",
    "Nineteen",
)  # fmt: skip
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def number_words(n: int) -> str:
    """Station numbers as people say them: 1 -> "One", 42 -> "Forty-Two", 105 -> ...

    Covers 1 to 9,999, far more stations than any generated city has.
    """
    if not 0 < n < 10_000:
        raise ValueError(f"cannot spell {n}")
    parts: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        parts.append(f"{_ONES[thousands]} Thousand")
    if hundreds:
        parts.append(f"{_ONES[hundreds]} Hundred")
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        parts.append(_ONES[rest])
    return " ".join(parts)
