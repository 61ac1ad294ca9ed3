"""Normalising names, plates and phone numbers so that matching ignores case, spacing and dashes."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NOT_PLATE = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"[^0-9]")


def normalize_name(name: str) -> str:
    """'  O'Brien-Smith,  JOSÉ ' -> 'o brien smith jose'.

    Accents are dropped and punctuation becomes a space: records typed from an NCIC return
    (upper case, no accents, "LAST, FIRST") must meet names typed by a call-taker. Word
    order is left alone; the fuzzy scorer sorts the words itself.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM.sub(" ", plain.casefold()).split())


def normalize_plate(plate: str) -> str:
    """'abc-12 3' -> 'ABC123'. Plate readers and people differ only in spacing, dashes and case.

    Letters that look alike (O and 0, I and 1) are *not* merged: a plate match raises a
    high-priority alert, so it must be an exact match of what was read.
    """
    return _NOT_PLATE.sub("", unicodedata.normalize("NFKC", plate).upper())


def normalize_state(state: str) -> str:
    return state.strip().upper()


def normalize_phone(phone: str) -> str:
    """'+1 (501) 555-0100' -> '5015550100': North American numbers lose the country code."""
    digits = _NOT_DIGIT.sub("", phone)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits
