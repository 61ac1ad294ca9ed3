"""The password policy, after NIST SP 800-63B: length and a blocklist, no composition rules.

800-63B asks verifiers to allow at least 64 characters and any printable character
(including spaces), to refuse passwords known to be common or compromised and ones derived
from the service or the user's name, and *not* to impose composition rules or periodic
changes: those push people to predictable passwords.
"""

from __future__ import annotations

import itertools
import unicodedata

from emscad.accounts.common_passwords import COMMON
from emscad.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128  # 800-63B: at least 64 must be allowed
SERVICE_WORDS = ("emscad", "dispatch", "password", "ambulance", "medic")


def check_password(password: str, *, username: str) -> None:
    """Raise InvalidInput with the reason if the password is not acceptable."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"a password may have at most {MAX_LENGTH} characters")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise InvalidInput("a password may not contain control characters")
    folded = password.casefold()
    if folded in COMMON:
        raise InvalidInput("this password is on a list of common passwords; choose another")
    if username and username.casefold() in folded:
        raise InvalidInput("a password may not contain the username")
    if any(folded == word or folded.rstrip("0123456789!") == word for word in SERVICE_WORDS):
        raise InvalidInput("a password may not be just the name of the service")
    if len(set(folded)) <= 2:
        raise InvalidInput("a password needs more than one or two different characters")
    if _is_sequence(folded):
        raise InvalidInput("a password may not be a simple sequence like 12345678 or abcdefgh")


def _is_sequence(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(steps) == 1 and steps.pop() in (-1, 1)
