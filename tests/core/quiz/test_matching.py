"""Tests for bot.core.quiz.matching: what a typed answer may differ by, and what not."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.quiz.matching import (
    MAX_ANSWER_CHARS,
    MatchResult,
    allowed_typos,
    check_answer,
    matches,
    normalize_answer,
)

OSKIL = ["Oskil"]
KHARKIV = ["Kharkiv"]

# (given, accepted, expected, why)
TABLE: list[tuple[str, list[str], bool, str]] = [
    ("Oskil", OSKIL, True, "identical"),
    ("oskil", OSKIL, True, "case"),
    ("  OSKIL  ", OSKIL, True, "case and surrounding spaces"),
    ("Oskіl", OSKIL, True, "Cyrillic і inside a Latin word is a look-alike"),
    ("Oskil.", OSKIL, True, "punctuation"),
    ("the Oskil river", OSKIL, True, "article and geographic word"),
    ("River Oskil", OSKIL, True, "leading geographic word"),
    ("Oskl", OSKIL, True, "one typo in a 5-letter word"),
    ("Oksil", OSKIL, True, "swapped adjacent letters count as one typo"),
    ("Oskol", OSKIL, False, "Russian name: only if listed"),
    ("Oskol", ["Oskil", "Oskol"], True, "Russian name listed by the author"),
    ("Оскіл", OSKIL, False, "whole Cyrillic word is not transliterated"),
    ("Оскіл", ["Oskil", "Оскіл"], True, "Cyrillic form listed"),
    ("Kharkiv", KHARKIV, True, "identical"),
    ("kharkiv", KHARKIV, True, "case"),
    ("Kharkov", KHARKIV, False, "Russian transliteration is not a typo"),
    ("Kharkev", KHARKIV, False, "i -> e is the same transliteration shift"),
    ("Kharkib", KHARKIV, True, "ordinary one-letter typo"),
    ("Kharkiv Oblast", KHARKIV, True, "oblast is a generic word"),
    ("Budapest Memorandum", ["Budapest Memorandum"], True, "identical"),
    ("budapest memorandum", ["Budapest Memorandum"], True, "case"),
    ("Budapest memorandun", ["Budapest Memorandum"], True, "one typo in a long answer"),
    ("Budapets memorandun", ["Budapest Memorandum"], True, "two typos in a long answer"),
    ("Budapets memorandon", ["Budapest Memorandum"], False, "three typos is too many"),
    ("the Budapest   Memorandum!", ["Budapest Memorandum"], True, "article, spaces, punct"),
    ("1994", ["1994"], True, "identical year"),
    ("1993", ["1994"], False, "years must match exactly"),
    ("in 1994", ["1994"], False, "extra words beyond the typo allowance"),
    ("37", ["37"], True, "number"),
    ("38", ["37"], False, "numbers must match exactly"),
    ("27 February 2022", ["27 February 2022"], True, "identical date"),
    ("27 Feb 2022", ["27 February 2022"], True, "month abbreviation"),
    ("27 feb. 2022", ["27 February 2022"], True, "abbreviation with a dot"),
    ("27 Febuary 2022", ["27 February 2022"], True, "typo in the month"),
    ("28 February 2022", ["27 February 2022"], False, "day differs"),
    ("27.02.2022", ["27 February 2022"], False, "numeric month is a different number set"),
    ("24 February 2022", ["24 February 2022", "24.02.2022"], True, "one of several"),
    ("Oskil 2", OSKIL, False, "a number the answer does not have"),
    ("Kyïv", ["Kyiv"], True, "diacritics"),
    ("Київ", ["Київ"], True, "Cyrillic identical"),
    ("КИЇВ", ["Київ"], True, "Cyrillic case"),
    ("Кiїв", ["Київ"], True, "Latin i inside a Cyrillic word"),
    ("мʼясо", ["м'ясо"], True, "Ukrainian apostrophe U+02BC vs ASCII"),
    ("м’ясо", ["м'ясо"], True, "Ukrainian apostrophe U+2019 vs ASCII"),
    ("мясо", ["м'ясо"], True, "missing apostrophe"),
    ("Kupyansk", ["Kupiansk"], True, "y/i transliteration variant is a typo"),
    ("Kupiansk-Vuzlovyi", ["Kupiansk Vuzlovyi"], True, "hyphen is punctuation"),
    ("cat", ["car"], False, "no typos in 3-letter answers"),
    ("", OSKIL, False, "empty"),
    ("   \t\n", OSKIL, False, "whitespace only"),
    ("!!!", OSKIL, False, "punctuation only"),
    ("Oskil", ["", "   "], False, "blank accepted answers never match"),
    ("Oskil", [], False, "no accepted answers"),
]


@pytest.mark.parametrize(("given_text", "accepted", "expected", "why"), TABLE)
def test_answer_table(given_text: str, accepted: list[str], expected: bool, why: str) -> None:
    assert matches(given_text, accepted) is expected, why


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 25


def test_match_result_details() -> None:
    exact = check_answer("oskil", ["Oskol", "Oskil"])
    assert exact == MatchResult(matched=True, accepted="Oskil", distance=0, score=100.0)
    assert exact.exact
    typo = check_answer("Budapest memorandun", ["Budapest Memorandum"])
    assert typo.matched and typo.distance == 1 and not typo.exact
    assert 90 < typo.score < 100
    miss = check_answer("Kharkov", KHARKIV)
    assert not miss.matched and miss.accepted is None and miss.score > 50


def test_prefers_exact_over_typo() -> None:
    assert check_answer("Oskol", ["Oskil", "Oskol"]).accepted == "Oskol"


def test_bare_string_is_one_answer_not_characters() -> None:
    assert not matches("O", "Oskil")
    assert matches("oskil", "Oskil")


def test_normalize_answer() -> None:
    assert normalize_answer("  The  Oskil   River! ") == "oskil"
    assert normalize_answer("Kyïv") == "kyiv"
    assert normalize_answer("27 Feb, 2022") == "27 february 2022"
    assert normalize_answer("the") == "the"  # never strip the only word
    assert normalize_answer("?!") == ""


@pytest.mark.parametrize(
    ("accepted", "typos"),
    [("abc", 0), ("a b c", 0), ("abcd", 1), ("abcdefg", 1), ("abcdefgh", 2), ("x" * 40, 2)],
)
def test_allowed_typos(accepted: str, typos: int) -> None:
    assert allowed_typos(accepted) == typos


def test_long_input_is_capped_and_fast() -> None:
    text = "Budapest Memorandum " * 5000
    start = time.perf_counter()
    for _ in range(50):
        matches(text, ["Budapest Memorandum", "x" * 10_000])
    assert time.perf_counter() - start < 2.0
    # Only the first MAX_ANSWER_CHARS count, on both sides alike.
    assert matches("a" * MAX_ANSWER_CHARS + "tail", ["a" * MAX_ANSWER_CHARS + "other"])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=300), max_size=4))
def test_never_raises(given_text: str, accepted: list[str]) -> None:
    result = check_answer(given_text, accepted)
    assert isinstance(result.matched, bool)
    assert 0.0 <= result.score <= 100.0
    if not given_text.strip():
        assert not result.matched


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_accepted_answer_matches_itself(text: str) -> None:
    assert matches(text, [text]) is bool(text.strip())


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Za-z ]{0,20}[0-9]{1,5}[A-Za-z ]{0,20}", fullmatch=True))
def test_changing_a_number_never_matches(text: str) -> None:
    changed = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in text)
    assert not matches(changed, [text])
