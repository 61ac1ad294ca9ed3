"""A small E.164 normaliser: enough to key text threads and match callers, not a numbering plan.

Rules, in order (formatting characters `space - . ( ) /` and a `tel:` prefix are ignored):

1. `+` then 8 to 15 digits, the first not 0: already E.164, kept.
2. With the North American default (country code 1): `011` then digits is an international
   number (`011 44 20...` -> `+4420...`); 10 digits, or 11 starting with 1, whose area code and
   exchange each start with 2-9, become `+1NXXNXXXXXX`.
3. With another default country code: one national trunk `0` is dropped and the code prefixed.

Anything else (short codes such as `12345`, alphanumeric sender IDs, letters in the number)
is not a phone number emscad can dial back: `to_e164` returns None and callers keep the raw
text, so a message from a short code is still threaded, just never matched to a person.
"""

from __future__ import annotations

import re

_FORMATTING = re.compile(r"[\s\-.()/]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_DIGITS = re.compile(r"^\d+$")
# NANP: area code and exchange code both start with 2-9 (N), so "+1 055..." is not a number.
_NANP = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")

NANP = "1"


def is_e164(number: str) -> bool:
    return bool(_E164.match(number))


def to_e164(raw: str, *, country_code: str = NANP) -> str | None:
    """`raw` as E.164 (`+15555550123`), or None when it is not a dialable number."""
    if not _DIGITS.match(country_code) or not 1 <= len(country_code) <= 3:
        raise ValueError(f"country code {country_code!r} must be 1 to 3 digits")
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _FORMATTING.sub("", text)
    if text.startswith("+"):
        return text if is_e164(text) else None
    if not _DIGITS.match(text):
        return None
    if country_code == NANP:
        if text.startswith("011"):
            candidate = "+" + text[3:]
            return candidate if is_e164(candidate) else None
        if len(text) == 11 and text.startswith("1"):
            text = text[1:]
        return "+1" + text if _NANP.match(text) else None
    national = text[1:] if text.startswith("0") else text
    candidate = f"+{country_code}{national}"
    return candidate if is_e164(candidate) and len(national) >= 6 else None


def normalize_number(raw: str, *, country_code: str = NANP) -> str:
    """E.164 when `raw` is a phone number, else the raw text stripped (a short code, a name)."""
    return to_e164(raw, country_code=country_code) or raw.strip()
