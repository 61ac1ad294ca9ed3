"""What a dispatcher typed, taken apart: coordinates, house number, street, unit, city, ZIP.

Parsing never changes the text the caller keeps; it only produces keys to match with. usaddress
(a CRF trained on US addresses) settles the one question rules answer badly: where the street
ends and an unpunctuated city begins ("1200 W 7th St Little Rock").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import usaddress

from emscad.geocoding.normalize import (
    fold,
    house_number,
    is_fraction,
    unit_key,
    unit_label,
    words,
)
from emscad.geocoding.usps import DIRECTIONAL, STATES, SUFFIX, UNIT_DESIGNATORS

_COORDS = re.compile(
    r"^\(?\s*([+-]?\d{1,3}\.\d+)\s*[,;\s]\s*([+-]?\d{1,3}\.\d+)\s*\)?$",
)
# "&", "@", " and ", " at ", and "/" unless it is a fraction ("12 1/2").
_CROSS = re.compile(r"\s*(?:&|@|\bAND\b|\bAT\b|(?<!\d)/|/(?!\d))\s*")
_HOUSE = re.compile(r"^\s*(\d+(?:-\d+)?[A-Z]{0,2}|[NSEW]\d+[NSEW]\d+)(?:\s+(\d/\d))?(?=\s|,|$)")
_ZIP = re.compile(r"^\d{5}$")
_BLOCK_WORDS = frozenset({"BLOCK", "BLK"})
_STREET_END_LABELS = frozenset({"StreetNamePostType", "StreetNamePostDirectional"})
_LOCALITY_LABELS = frozenset({"PlaceName", "StateName", "ZipCode"})


@dataclass(frozen=True, slots=True)
class Query:
    """A typed search, taken apart. Keys are folded (upper case); `text` is the whole input."""

    text: str
    housenumber: str = ""  # as typed, folded: "1200", "12B", "12 1/2"
    number: int | None = None  # its leading integer
    street: tuple[str, ...] = ()  # the street's words, folded (not yet normalised)
    cross: tuple[str, ...] = ()  # the second street of an intersection
    unit: str = ""  # the unit's match key ("4" for "Apt 4")
    unit_label: str = ""  # the unit as typed, tidied ("Apt 4")
    city: str = ""
    zip: str = ""
    partial: bool = False  # the last word may still be being typed

    @property
    def is_intersection(self) -> bool:
        return bool(self.street) and bool(self.cross)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Two decimal numbers ("34.7465, -92.2896"), in the order typed; None if not that shape."""
    m = _COORDS.match(text.strip())
    return (float(m.group(1)), float(m.group(2))) if m else None


def parse_query(text: str, *, cities: Collection[tuple[str, ...]] = ()) -> Query:
    """Take a typed search apart. `cities` are the region's city names as folded word tuples."""
    folded = fold(text).strip()
    partial = bool(text) and not text[-1].isspace() and text[-1] not in ",."
    line, _, locality = folded.partition(",")
    city, zip_code = _locality(words(locality)) if locality else ("", "")

    parts = _CROSS.split(line)
    if len(parts) >= 2 and parts[0].strip() and not _starts_with_number(parts[0]):
        first, second = parts[0], parts[1]
        if second.strip():
            cross_words, cross_city, cross_zip = _strip_locality(words(second), cities)
            return Query(
                text=folded,
                street=tuple(words(first)),
                cross=tuple(cross_words),
                city=city or cross_city,
                zip=zip_code or cross_zip,
                partial=partial,
            )
        line = first  # "7th &" while typing: the first street alone, for now

    housenumber, number = "", None
    m = _HOUSE.match(line)
    if m:
        number = house_number(m.group(1))
        if number is not None:
            housenumber = m.group(1) + (f" {m.group(2)}" if m.group(2) else "")
            line = line[m.end() :]
    tokens = words(line)
    if housenumber and tokens and tokens[0] in _BLOCK_WORDS:  # "1100 block of Main St"
        tokens = tokens[2:] if len(tokens) > 1 and tokens[1] == "OF" else tokens[1:]
    if tokens and is_fraction(tokens[0]) and housenumber:
        housenumber += f" {tokens[0]}"
        tokens = tokens[1:]

    tokens, unit, ulabel, after_unit = _unit(tokens)
    tokens, line_city, line_zip = _strip_locality(tokens, cities)
    if after_unit and not line_city:
        line_city, line_zip = _locality(after_unit)
    return Query(
        text=folded,
        housenumber=housenumber,
        number=number,
        street=tuple(tokens),
        unit=unit,
        unit_label=ulabel,
        city=city or line_city,
        zip=zip_code or line_zip,
        partial=partial,
    )


def _starts_with_number(text: str) -> bool:
    m = _HOUSE.match(text)
    return m is not None and house_number(m.group(1)) is not None


def _unit(tokens: list[str]) -> tuple[list[str], str, str, list[str]]:
    """Cut "Apt 4" / "#4" / "Unit B" out of the words: (street words, key, label, words after)."""
    for i in range(1, len(tokens)):
        designator = tokens[i]
        if designator not in UNIT_DESIGNATORS:
            continue
        # A designator still waiting for its number ("... St Apt" while typing) is cut too.
        ident = tokens[i + 1] if i + 1 < len(tokens) else ""
        label = unit_label(designator, ident) if ident else ""
        return tokens[:i], unit_key(ident), label, tokens[i + 2 :]
    return tokens, "", "", []


def _locality(tokens: Sequence[str]) -> tuple[str, str]:
    """City and ZIP from the words after a comma ("Little Rock, AR 72201")."""
    rest = list(tokens)
    zip_code = ""
    if len(rest) >= 2 and rest[-1].isdigit() and len(rest[-1]) == 4 and _ZIP.match(rest[-2]):
        rest = rest[:-1]  # ZIP+4: keep the five-digit ZIP
    if rest and _ZIP.match(rest[-1]):
        zip_code = rest.pop()
    if rest and rest[-1] in STATES:
        rest.pop()
    return " ".join(rest), zip_code


def _strip_locality(
    tokens: list[str], cities: Collection[tuple[str, ...]]
) -> tuple[list[str], str, str]:
    """Split trailing city, state and ZIP off an unpunctuated street line."""
    rest = list(tokens)
    zip_code = ""
    if len(rest) >= 3 and rest[-1].isdigit() and len(rest[-1]) == 4 and _ZIP.match(rest[-2]):
        rest = rest[:-1]
    if len(rest) >= 2 and _ZIP.match(rest[-1]):
        zip_code = rest.pop()
        if len(rest) >= 2 and rest[-1] in STATES:
            rest.pop()
    for city in sorted(cities, key=len, reverse=True):
        n = len(city)
        if len(rest) > n and tuple(rest[-n:]) == city:
            return rest[:-n], " ".join(city), zip_code
        if len(rest) > n + 1 and tuple(rest[-n - 1 : -1]) == city and rest[-1] in STATES:
            return rest[: -n - 1], " ".join(city), zip_code
    if len(rest) >= 3:
        rest, city_name = _tagged_city(rest)
        return rest, city_name, zip_code
    return rest, "", zip_code


def _tagged_city(tokens: list[str]) -> tuple[list[str], str]:
    """An unknown city after a complete street name, as usaddress tags it."""
    try:
        tagged = usaddress.parse(" ".join(tokens))
    except Exception:  # usaddress is a statistical tagger; on any failure keep every word
        return tokens, ""
    if len(tagged) != len(tokens):
        return tokens, ""
    labels = [label for _, label in tagged]
    start = len(labels)
    while start > 0 and labels[start - 1] in _LOCALITY_LABELS:
        start -= 1
    # Only believe it when the street visibly ended (a suffix or post-directional we know),
    # so a misspelt street word is never mistaken for a city and thrown away.
    if start == len(labels) or start < 2 or labels[start - 1] not in _STREET_END_LABELS:
        return tokens, ""
    end_word = tokens[start - 1]
    if end_word not in SUFFIX and end_word not in DIRECTIONAL:
        return tokens, ""
    city = [
        t for t, label in zip(tokens[start:], labels[start:], strict=True) if label == "PlaceName"
    ]
    return tokens[:start], " ".join(city)
