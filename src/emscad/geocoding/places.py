"""Named places by name or alias: "Station One", "Children's Hospital", "the mall"."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from emscad.geocoding.normalize import words
from emscad.regions.model import Place

PLACE_CUTOFF = 80.0  # rapidfuzz token-sort ratio below which a name is not what was meant
ALIAS_FACTOR = 0.99  # the official name outranks an alias that matches as well
COMPLETION_WEIGHT = 10.0  # what an unfinished name loses for the part still missing
WORDS_BASE, WORDS_SPAN = 85.0, 10.0  # every typed word in the name ("hospital"): 85 to 95
_LEADING = frozenset({"THE"})


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    place: Place
    similarity: float  # 0..100
    alias: str  # the alias that matched, "" for the name


class PlaceTable:
    def __init__(self, places: tuple[Place, ...]) -> None:
        self._places = places
        owners: dict[str, list[tuple[int, str]]] = {}
        for i, place in enumerate(places):
            for name in (place.name, *place.aliases):
                key = place_key(name)
                if key:
                    owners.setdefault(key, []).append((i, "" if name == place.name else name))
        self._keys = sorted(owners)
        self._owners = [owners[k] for k in self._keys]
        self._by_word: dict[str, set[int]] = {}
        for k, key in enumerate(self._keys):
            for w in key.split():
                self._by_word.setdefault(w, set()).add(k)

    def __len__(self) -> int:
        return len(self._places)

    def match(self, text: str, *, partial: bool, limit: int) -> list[PlaceMatch]:
        query = place_key(text)
        if not query or not self._keys:
            return []
        best: dict[int, tuple[float, str]] = {}

        def offer(k: int, similarity: float) -> None:
            for i, alias in self._owners[k]:
                score = similarity * (ALIAS_FACTOR if alias else 1.0)
                if score > best.get(i, (-1.0, ""))[0]:
                    best[i] = (score, alias)

        if partial and len(query) >= 2:
            k = bisect.bisect_left(self._keys, query)
            while k < len(self._keys) and self._keys[k].startswith(query):
                offer(k, 100.0 - COMPLETION_WEIGHT * (1.0 - len(query) / len(self._keys[k])))
                k += 1
        self._by_words(query.split()[:-1] if partial else query.split(), offer)
        # Token-sort ratio forgives typos and word order; unlike WRatio it does not call one
        # shared word ("Maple" of "Maple Grove and Simmons") a match for "Maple Park".
        for _, score, k in process.extract(
            query, self._keys, scorer=fuzz.token_sort_ratio, limit=limit * 2,
            score_cutoff=PLACE_CUTOFF,
        ):  # fmt: skip
            offer(int(k), float(score))
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [PlaceMatch(self._places[i], sim, alias) for i, (sim, alias) in ranked]

    def _by_words(self, typed: list[str], offer: Callable[[int, float], None]) -> None:
        if not typed:
            return
        found: set[int] | None = None
        for w in typed:
            owners = self._by_word.get(w, set())
            found = set(owners) if found is None else found & owners
            if not found:
                return
        chars = sum(len(w) for w in typed)
        for k in sorted(found or ()):
            coverage = min(chars / max(len(self._keys[k].replace(" ", "")), 1), 1.0)
            offer(k, WORDS_BASE + WORDS_SPAN * coverage)


def place_key(text: str) -> str:
    tokens = words(text)
    while len(tokens) > 1 and tokens[0] in _LEADING:
        tokens = tokens[1:]
    return " ".join(tokens)
