"""The street vocabulary: every street's match key, its shortened forms, and fast lookup.

A street is one match key (`W 7 ST`), however many spellings the data has for it ("W 7th St"
on the roads, "W 7TH ST" in an imported file). Lookup runs four ways and keeps the best
similarity per street: the exact form, completions of a half-typed form (a range scan of the
sorted forms), the words of the name in any order ("Daisy Bates"), and rapidfuzz's edit
distance over all forms for typos. Then a typed directional, suffix or number that
contradicts the street's own costs more than any typo: "N University" is not "S University",
"Windsor Dr" is not "Windsor Ct", and "9th" is not "19th".
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from emscad.geocoding.normalize import (
    DROP_PREDIRECTIONAL,
    DROP_SUFFIX,
    KeyParts,
    correct,
    key_parts,
    street_tokens,
    variants,
    words,
)

FUZZY_CUTOFF = 72.0  # rapidfuzz ratio below which a form is not a plausible typo
FUZZY_LIMIT = 25
PREFIX_SCAN = 400  # completions examined in sorted order before narrowing by house number
COMPLETION_WEIGHT = 8.0  # how much an unfinished form loses for what is still missing
MID_WORD = 3.0  # the typed text stops inside a word ("W 7" of "W 70 ST")
WORDS_BASE, WORDS_SPAN = 75.0, 20.0  # a name found by its words: 75, up to 95 for all of them
WORDS_MAX_STREETS = 200  # words shared by more streets than this say too little
DIRECTIONAL_CONFLICT = 15.0
SUFFIX_CONFLICT = 12.0
NUMBER_CONFLICT = 30.0
# Below this similarity a name is a different name more than a typo of it, and it loses twice
# as fast: a street that has the typed number must not win over the street that was typed.
SHARPEN_BELOW = 90.0

_Offer = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class StreetMatch:
    street: int
    similarity: float  # 0..100


class StreetTable:
    """Street ids 0..n-1 with their key and display label, and the lookup structures."""

    def __init__(self, names: Sequence[str], weights: Sequence[int]) -> None:
        """`names` are distinct spellings; the most used spelling of a key becomes its label."""
        self.street_of_name: list[int] = []
        keys: dict[str, int] = {}
        usage: list[Counter[str]] = []
        for name, weight in zip(names, weights, strict=True):
            key = " ".join(street_tokens(words(name)))
            if not key:
                self.street_of_name.append(-1)
                continue
            sid = keys.setdefault(key, len(keys))
            if sid == len(usage):
                usage.append(Counter())
            usage[sid][name] += weight
            self.street_of_name.append(sid)
        self.keys: list[str] = list(keys)
        self.labels: list[str] = [max(c.items(), key=lambda kv: (kv[1], kv[0]))[0] for c in usage]
        self.known_words: tuple[str, ...] = tuple(
            sorted({w for text in (*names, *keys) for w in words(text)})
        )
        self._parts: list[KeyParts] = [key_parts(k.split()) for k in self.keys]

        owners: dict[str, list[tuple[int, float]]] = {}
        for sid, key in enumerate(self.keys):
            for form, penalty in variants(key.split()):
                owners.setdefault(form, []).append((sid, penalty))
        self._forms: list[str] = sorted(owners)
        self._owners: list[tuple[tuple[int, float], ...]] = [tuple(owners[f]) for f in self._forms]
        self._form_index: dict[str, int] = {f: i for i, f in enumerate(self._forms)}
        self._forms_of: list[list[str]] = [[] for _ in self.keys]
        for form, owned in owners.items():
            for sid, _ in owned:
                self._forms_of[sid].append(form)

        # Streets by the words of their name, for names typed short ("Daisy Bates" for
        # "W Daisy L Gatson Bates Dr") that no edit distance would forgive.
        by_word: dict[str, set[int]] = {}
        self._name_chars: list[int] = []
        for sid, parts in enumerate(self._parts):
            plain = set(parts.name) or parts.words
            self._name_chars.append(sum(len(w) for w in plain))
            for w in plain:
                by_word.setdefault(w, set()).add(sid)
        self._by_word = by_word

    def __len__(self) -> int:
        return len(self.keys)

    def match(
        self,
        street_words: Sequence[str],
        *,
        partial: bool,
        having: Collection[int] = (),
        limit: int = FUZZY_LIMIT,
    ) -> list[StreetMatch]:
        """Streets whose name fits the typed words, best first.

        `partial`: the last word may be unfinished, so completions count. `having`: streets
        that hold the typed house number, preferred when a short prefix fits too many.
        """
        best: dict[int, float] = {}
        self._match_key(street_tokens(street_words), partial, having, limit, 0.0, best)
        fixed, cost = correct(street_words, self.known_words, partial=partial)
        if fixed != list(street_words):
            self._match_key(street_tokens(fixed), partial, having, limit, cost, best)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            StreetMatch(sid, max(sim - max(SHARPEN_BELOW - sim, 0.0), 0.0)) for sid, sim in ranked
        ]

    def _match_key(
        self,
        tokens: Sequence[str],
        partial: bool,
        having: Collection[int],
        limit: int,
        cost: float,
        best: dict[int, float],
    ) -> None:
        query = " ".join(tokens)
        if not query:
            return
        typed = key_parts(tokens)
        typing_number = partial and tokens[-1].isdigit()
        conflicts: dict[int, float] = {}

        def offer(form_index: int, similarity: float) -> None:
            for sid, penalty in self._owners[form_index]:
                keep(sid, similarity - penalty)

        def keep(sid: int, similarity: float) -> None:
            clash = conflicts.get(sid)
            if clash is None:
                clash = conflicts[sid] = _conflict(typed, self._parts[sid], typing_number)
            score = similarity - cost - clash
            if score > best.get(sid, -1.0):
                best[sid] = score

        exact = self._form_index.get(query)
        if exact is not None:
            offer(exact, 100.0)
        if partial:
            self._completions(query, having, offer)
        self._by_words(typed, partial, keep)
        for _, score, index in process.extract(
            query, self._forms, scorer=fuzz.ratio, limit=limit, score_cutoff=FUZZY_CUTOFF
        ):
            offer(int(index), float(score))

    def _by_words(self, typed: KeyParts, partial: bool, keep: _Offer) -> None:
        plain = list(typed.name[:-1] if partial and not typed.suffix else typed.name)
        if not plain:
            return
        found: set[int] | None = None
        for w in plain:
            owners = self._by_word.get(w)
            if owners is None:
                return
            found = set(owners) if found is None else found & owners
            if not found:
                return
        if found is None or len(found) > WORDS_MAX_STREETS:
            return
        chars = sum(len(w) for w in set(plain))
        for sid in found:
            own = self._parts[sid]
            # A directional or suffix typed that the name lacks costs what dropping it would.
            missing = (DROP_PREDIRECTIONAL if typed.lead and not own.lead else 0.0) + (
                DROP_SUFFIX if typed.suffix and not own.suffix else 0.0
            )
            coverage = min(chars / max(self._name_chars[sid], 1), 1.0)
            keep(sid, WORDS_BASE + WORDS_SPAN * coverage - missing)

    def _completions(self, query: str, having: Collection[int], offer: _Offer) -> None:
        start = bisect.bisect_left(self._forms, query)
        stop = bisect.bisect_left(self._forms, query + "\U0010ffff", lo=start)
        if stop - start > PREFIX_SCAN and having:
            # Too many completions of a short prefix ("1200 W"): look at it the other way
            # round, from the few streets that have the number, so the right one is not cut.
            for sid in having:
                for form in self._forms_of[sid]:
                    if form.startswith(query):
                        offer(self._form_index[form], _completion(query, form))
        for i in range(start, min(stop, start + PREFIX_SCAN)):
            offer(i, _completion(query, self._forms[i]))


def _completion(query: str, form: str) -> float:
    """Similarity of a form the query is a prefix of: full when complete, less when not."""
    if len(form) == len(query):
        return 100.0
    missing = 1.0 - len(query) / len(form)
    mid_word = form[len(query)] != " "
    return 100.0 - COMPLETION_WEIGHT * missing - (MID_WORD if mid_word else 0.0)


def _conflict(typed: KeyParts, own: KeyParts, typing_number: bool) -> float:
    """Score points lost for a typed part the street contradicts.

    A typed word the street has anywhere is no contradiction: "Ash Grove" reads as the name
    "Ash" with the suffix "Grove", yet it names "E Ash Grove St".
    """
    penalty = 0.0
    words = own.words
    if typed.lead and own.lead and typed.lead != own.lead and typed.lead not in words:
        penalty += DIRECTIONAL_CONFLICT
    if typed.suffix and own.suffix and typed.suffix != own.suffix and typed.suffix not in words:
        penalty += SUFFIX_CONFLICT
    if typed.numbers and typed.numbers != own.numbers:
        # While a number is being typed, "W 1" may still become "W 17".
        unfinished = (
            typing_number
            and len(own.numbers) == len(typed.numbers)
            and own.numbers[:-1] == typed.numbers[:-1]
            and own.numbers[-1].startswith(typed.numbers[-1])
        )
        if not unfinished:
            penalty += NUMBER_CONFLICT
    return penalty
