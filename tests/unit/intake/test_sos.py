"""The SOS keyword rule: whole words, any case, punctuation ignored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emscad.intake.sms import DEFAULT_SOS_KEYWORDS, find_sos, is_sos


@pytest.mark.parametrize(
    "text",
    [
        "SOS",
        "sos",
        "Sos!!!",
        "sos - 3rd floor east",
        "HELP ME",
        "help, me please",
        "please help\nme",
        "call 911",
        "911!",
        "(911)",
        "Need help. SOS.",
    ],
)
def test_keywords_as_whole_words_are_an_sos(text: str) -> None:
    assert is_sos(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I'm at Sosa St and 5th",
        "sossss",
        "SOSA",
        "helpme",
        "help them",
        "me help",
        "apt 9115",
        "911s",
        "19110",
        "S.O.S",
    ],
)
def test_keywords_inside_other_words_are_not(text: str) -> None:
    assert not is_sos(text)


def test_the_matched_keyword_is_reported() -> None:
    assert find_sos("please HELP me now") == "help me"
    assert find_sos("nothing here") is None


def test_an_agency_can_choose_its_own_keywords() -> None:
    assert is_sos("code red in bay 2", keywords=("code red",))
    assert not is_sos("sos", keywords=("code red",))
    assert not is_sos("anything", keywords=("", "   "))


def test_accents_and_case_fold() -> None:
    assert is_sos("AYÚDAME por favor", keywords=("ayúdame",))
    assert is_sos("HILFE", keywords=("hilfe",))


@given(
    before=st.text(alphabet=" .,!?\n-", max_size=5),
    after=st.text(alphabet=" .,!?\n-", max_size=5),
    keyword=st.sampled_from(DEFAULT_SOS_KEYWORDS),
    upper=st.booleans(),
)
def test_any_keyword_surrounded_by_punctuation_or_space_matches(
    before: str, after: str, keyword: str, upper: bool
) -> None:
    word = keyword.upper() if upper else keyword
    assert is_sos(before + word + after)


@given(prefix=st.sampled_from(["a", "x", "9", "é"]), keyword=st.sampled_from(DEFAULT_SOS_KEYWORDS))
def test_a_keyword_glued_to_a_letter_or_digit_never_matches(prefix: str, keyword: str) -> None:
    assert not is_sos(prefix + keyword)
    assert not is_sos(keyword + prefix)
