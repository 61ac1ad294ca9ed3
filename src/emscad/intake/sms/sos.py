"""The SOS keyword rule for the staff SOS line.

A message is an SOS when one of the keywords appears in it as whole words. The text is
folded to lower case and split into words (runs of letters and digits; everything else,
punctuation included, separates words); a keyword matches when its own words appear
consecutively. So "HELP ME!!", "help, me" and "sos" match, while "sosa", "911s", "9115" and
"helpme" do not. Staff under threat type fast and badly, so punctuation and case never
matter; whole words keep "Sosa St" or "apt 9110" from paging the whole center.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_SOS_KEYWORDS: tuple[str, ...] = ("sos", "help me", "911")

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def find_sos(text: str, keywords: Iterable[str] = DEFAULT_SOS_KEYWORDS) -> str | None:
    """The first keyword (in `keywords` order) found in `text`, or None."""
    words = _words(text)
    for keyword in keywords:
        wanted = _words(keyword)
        n = len(wanted)
        if n and any(words[i : i + n] == wanted for i in range(len(words) - n + 1)):
            return keyword
    return None


def is_sos(text: str, keywords: Iterable[str] = DEFAULT_SOS_KEYWORDS) -> bool:
    return find_sos(text, keywords) is not None
