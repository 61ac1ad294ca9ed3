"""Address text to match keys: upper case, USPS abbreviations, ordinals as numbers.

Keys are internal: they decide what matches, never what is shown. A street stored as "W 7th St"
and a dispatcher's "west seventh street" both become the key `W 7 ST`; the candidate shown is
still labelled from the region's own data.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from emscad.geocoding.usps import (
    DIRECTIONAL,
    ORDINAL_WORDS,
    ROUTE_WORDS,
    SUFFIX,
    SUFFIX_LONG,
    TENS_WORDS,
    UNIT_DESIGNATORS,
)

_DIRECTIONS = frozenset(DIRECTIONAL.values())
_SUFFIX_ABBRS = frozenset(SUFFIX.values())
_NOT_WORD = re.compile(r"[^A-Z0-9#/]+")
_HASH = re.compile(r"#")
# "7th", and while typing "7t" or "21s": digits then the start of an ordinal ending.
_ORDINAL = re.compile(r"^(\d+)(?:ST?|ND?|RD?|TH?)$")
_HOUSE = re.compile(r"^(\d+)([A-Z]{0,2}|-\d+[A-Z]?)$")
_GRID_HOUSE = re.compile(r"^[NSEW](\d+)[NSEW]\d+$")  # Wisconsin/Utah grid numbers: N123W456
_FRACTION = re.compile(r"^\d/\d$")

# Penalties (in score points out of 100) for matching a street by a shortened form of its
# name: callers drop directionals and suffixes all the time, but a name typed in full
# should still rank above one that only matches after dropping something.
DROP_PREDIRECTIONAL = 3.0
DROP_SUFFIX = 2.0
DROP_POSTDIRECTIONAL = 3.0

# Words with a normal form of their own: a typo in one of them ("Stret", "Thirty-Frist")
# would otherwise keep the whole name from normalising. Names proper are left to the
# edit-distance search over whole street names.
_FIXABLE = tuple(
    sorted({*ORDINAL_WORDS, *TENS_WORDS, *SUFFIX_LONG.values(), *DIRECTIONAL, *ROUTE_WORDS})
)
_SELF_NORMAL = frozenset({*SUFFIX, *ORDINAL_WORDS, *TENS_WORDS, *DIRECTIONAL, *ROUTE_WORDS})
FIX_CUTOFF = 75.0
# "Stre" is far likelier "Street" than "Stream": the suffixes of most US streets come first.
_COMMON = ("STREET", "AVENUE", "DRIVE", "ROAD", "LANE", "COURT", "CIRCLE", "BOULEVARD", "PLACE")


def _commonness(word: str) -> tuple[int, int, str]:
    rank = _COMMON.index(word) if word in _COMMON else len(_COMMON)
    return rank, len(word), word


def fold(text: str) -> str:
    """Upper case, accents removed, apostrophes dropped ("Children's" -> "CHILDRENS")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.upper().replace("'", "").replace("\u2019", "").replace("`", "")


def words(text: str) -> list[str]:
    """Folded words; '#' stands alone ("#4" -> "#", "4") and fractions ("1/2") are kept."""
    spaced = _HASH.sub(" # ", fold(text))
    return [w for w in _NOT_WORD.sub(" ", spaced).split() if w.strip("/")]


def street_tokens(tokens: Sequence[str]) -> tuple[str, ...]:
    """The match key of a street name, as tokens: `W 7 ST` for "West Seventh Street"."""
    out = _numbers(tokens)
    out = [ROUTE_WORDS.get(w, w) for w in out]
    n = len(out)
    if n > 1 and out[0] in DIRECTIONAL:
        out[0] = DIRECTIONAL[out[0]]
    end = n
    if n > 2 and out[-1] in DIRECTIONAL:
        out[-1] = DIRECTIONAL[out[-1]]
        end = n - 1
    last = end - 1
    if last >= 1 and out[last] in SUFFIX:
        out[last] = SUFFIX[out[last]]
    # "County Road 12", "Farm Road 3": a suffix word followed by a route number.
    if n >= 3 and out[-1].isdigit() and out[-2] in SUFFIX:
        out[-2] = SUFFIX[out[-2]]
    return tuple(out)


def street_key(text: str) -> str:
    return " ".join(street_tokens(words(text)))


def correct(
    tokens: Sequence[str], known: Sequence[str], *, partial: bool
) -> tuple[list[str], float]:
    """Fix typos in suffix, directional and ordinal words; (words, cost in score points).

    `known` is the sorted list of words the region's street names use: those are never
    "fixed". An unfinished last word that starts a fixable word is completed ("Stre" ->
    "STREET"); one that starts a known word is left for the prefix search.
    """
    out: list[str] = []
    cost = 0.0
    for i, word in enumerate(tokens):
        unfinished = partial and i == len(tokens) - 1
        if len(word) < 3 or not word.isalpha() or word in _SELF_NORMAL or _has(known, word):
            out.append(word)
            continue
        if unfinished:
            start = bisect.bisect_left(_FIXABLE, word)
            stop = bisect.bisect_left(_FIXABLE, word + "\uffff", lo=start)
            if stop > start:
                out.append(min(_FIXABLE[start:stop], key=_commonness))
                cost += 1.0
                continue
            if _starts(known, word):
                out.append(word)
                continue
        hit = None
        if len(word) >= 4:
            hit = process.extractOne(word, _FIXABLE, scorer=fuzz.ratio, score_cutoff=FIX_CUTOFF)
        if hit is None:
            out.append(word)
            continue
        out.append(hit[0])
        cost += (100.0 - float(hit[1])) / 2
    return out, cost


def _has(items: Sequence[str], word: str) -> bool:
    i = bisect.bisect_left(items, word)
    return i < len(items) and items[i] == word


def _starts(items: Sequence[str], prefix: str) -> bool:
    i = bisect.bisect_left(items, prefix)
    return i < len(items) and items[i].startswith(prefix)


def variants(key: Sequence[str]) -> list[tuple[str, float]]:
    """Shortened forms of a street key a caller may type, with their penalties.

    `W 7 ST` also answers to `7 ST`, `W 7` and `7`. A form that would leave only a directional
    or a suffix ("N ST" without its "N") is not offered: it would match every such street.
    """
    tokens = list(key)
    n = len(tokens)
    lead = n > 1 and tokens[0] in _DIRECTIONS
    trail = n > 2 and tokens[-1] in _DIRECTIONS
    suffix_at = (n - 2 if trail else n - 1) if n > 1 else -1
    has_suffix = suffix_at >= 1 and tokens[suffix_at] in _SUFFIX_ABBRS
    options = [(lead, 0, DROP_PREDIRECTIONAL)]
    options.append((has_suffix, suffix_at, DROP_SUFFIX))
    options.append((trail, n - 1, DROP_POSTDIRECTIONAL))
    out: dict[str, float] = {" ".join(tokens): 0.0}
    for mask in range(1, 8):
        chosen = [options[i] for i in range(3) if mask >> i & 1]
        if not all(ok for ok, _, _ in chosen):
            continue
        dropped = {pos for _, pos, _ in chosen}
        rest = [t for i, t in enumerate(tokens) if i not in dropped]
        if not any(t not in _DIRECTIONS and t not in _SUFFIX_ABBRS for t in rest):
            continue
        penalty = sum(p for _, _, p in chosen)
        for form in {" ".join(rest), " ".join(street_tokens(rest))}:
            if form not in out or out[form] > penalty:
                out[form] = penalty
    return sorted(out.items(), key=lambda kv: (kv[1], kv[0]))


@dataclass(frozen=True, slots=True)
class KeyParts:
    """The parts of a street key that make two names different streets, not typos."""

    lead: str  # leading directional ("W"), or ""
    suffix: str  # suffix abbreviation ("ST"), or ""
    numbers: tuple[str, ...]  # numbers in the name ("7" of "W 7 ST", "365" of "HWY 365")
    name: tuple[str, ...]  # the other words, abbreviated alike ("ASH GROVE" -> ASH, GRV)

    @property
    def words(self) -> frozenset[str]:
        return frozenset((self.lead, self.suffix, *self.name)) - {""}


def key_parts(tokens: Sequence[str]) -> KeyParts:
    n = len(tokens)
    lead = tokens[0] if n > 1 and tokens[0] in _DIRECTIONS else ""
    trail = n > 2 and tokens[-1] in _DIRECTIONS
    at = n - 2 if trail else n - 1
    suffix = tokens[at] if at >= 1 and tokens[at] in _SUFFIX_ABBRS else ""
    skip = {0} if lead else set()
    if suffix:
        skip.add(at)
    # A word that is a suffix or directional elsewhere ("Grove" in "Ash Grove St", "North"
    # in "E North Dakota St") is abbreviated here too, so typed and stored forms agree.
    name = tuple(
        DIRECTIONAL.get(t, SUFFIX.get(t, t)) for i, t in enumerate(tokens) if i not in skip
    )
    return KeyParts(lead, suffix, tuple(t for t in tokens if t.isdigit()), name)


def house_number(token: str) -> int | None:
    """The leading integer of a house number token ("1200", "12B", "12-14", "N123W456")."""
    m = _HOUSE.match(token)
    if m and not _ORDINAL.match(token):
        return int(m.group(1))
    m = _GRID_HOUSE.match(token)
    return int(m.group(1)) if m else None


def is_fraction(token: str) -> bool:
    return bool(_FRACTION.match(token))


def unit_label(designator: str, ident: str) -> str:
    """A unit as shown: "Apt 4", "Unit B", "#12"."""
    word = UNIT_DESIGNATORS.get(designator, designator.capitalize())
    return f"#{ident}" if word == "#" else f"{word} {ident}"


def unit_key(text: str) -> str:
    """A unit's match key: its identifier alone, so "Apt 4", "#4" and "unit 4" agree."""
    parts = [w for w in words(text) if w not in UNIT_DESIGNATORS]
    return " ".join(parts)


def _numbers(tokens: Sequence[str]) -> list[str]:
    """Ordinals to plain numbers: "7TH" and "SEVENTH" -> "7", "TWENTY FIRST" -> "21"."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        m = _ORDINAL.match(word)
        if m:
            out.append(str(int(m.group(1))))
        elif word in TENS_WORDS and nxt in ORDINAL_WORDS and ORDINAL_WORDS[nxt] < 10:
            out.append(str(TENS_WORDS[word] + ORDINAL_WORDS[nxt]))
            i += 1
        elif word in ORDINAL_WORDS:
            out.append(str(ORDINAL_WORDS[word]))
        else:
            out.append(word)
        i += 1
    return out
