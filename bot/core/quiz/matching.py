"""Forgiving but honest checking of typed (short-answer) quiz answers.

A quiz about Kupiansk is played by people typing on phones, in two alphabets,
often in a hurry. The checker therefore forgives what does not change the
answer and refuses what does:

Forgiven (applied identically to the player's text and each accepted answer):

* case (``str.casefold``), accents and other diacritics (Unicode NFKD with
  combining marks removed, so "Kyïv" == "Kyiv" and also "Київ" == "Киів";
  both sides are folded the same way so this only ever forgives);
* punctuation and symbols (turned into spaces; apostrophes of every kind,
  including the Ukrainian ``ʼ`` / ``’`` / ``'`` variants, are removed instead so
  "м’ясо", "мʼясо", "м'ясо" and "мясо" agree);
* repeated or surrounding whitespace;
* a leading English article ("the", "a", "an") and a generic geographic word at
  either end ("river", "city", "town", "village", "oblast", "region" and their
  common Ukrainian forms), so "the Oskil river" == "Oskil";
* English month abbreviations ("27 Feb 2022" == "27 February 2022");
* Cyrillic/Latin look-alike letters inside a mixed-script word, folded towards
  the word's majority script: "Oskіl" typed with a Cyrillic ``і`` == "Oskil".
  A wholly Cyrillic word is *not* transliterated: "Оскіл" matches "Oskil" only
  if the question lists it;
* small typos, measured as optimal-string-alignment distance (Levenshtein
  plus swaps of adjacent letters, the commonest phone typo, as one edit) on
  the normalised text and scaled by the accepted answer's length (spaces not
  counted): none for up to 3 characters, 1 for 4-7, 2 for 8 or more.

Refused:

* any difference in numbers: the digit sequences of both texts must be equal
  (compared as integers, so "07" == "7"), so "1994" never matches "1993",
  "37" never "38", and "Oskil 2" never "Oskil"; numbers written as words are
  not understood;
* a typo allowance that would turn an accepted ``i`` into ``o`` or ``e``: that
  is exactly the Ukrainian/Russian transliteration difference (Kharkiv/Kharkov,
  Oskil/Oskol, Lviv/Lvov), and the Russian form is accepted only if the
  question author lists it. The cost, an honest i/o slip being refused, is the
  price of not silently endorsing the Russian name;
* empty or whitespace-only answers.

Input is cut to :data:`MAX_ANSWER_CHARS` characters first so a pasted essay
cannot make the check slow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA, Levenshtein

__all__ = [
    "MAX_ANSWER_CHARS",
    "MatchResult",
    "allowed_typos",
    "check_answer",
    "matches",
    "normalize_answer",
]

MAX_ANSWER_CHARS = 200
"""Longest input considered; anything beyond is ignored, on both sides alike."""

_APOSTROPHES = frozenset("'`´‘’‛ʹʻʼʽʾʿˈˊˋ′＇")

_ARTICLES = frozenset({"the", "a", "an"})

_DESCRIPTORS = frozenset(
    {
        "river",
        "city",
        "town",
        "village",
        "oblast",
        "region",
        # Ukrainian forms after normalisation (й -> и, ї -> і): річка, ріка, місто,
        # село, селище, область.
        "річка",
        "ріка",
        "місто",
        "село",
        "селище",
        "область",
    }
)

_MONTHS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}

# Lower-case letters that look the same in both scripts (after casefold and
# NFKD, so only base letters appear here).
_CYR_TO_LAT = {
    "а": "a",
    "с": "c",
    "е": "e",
    "һ": "h",
    "і": "i",
    "ј": "j",
    "о": "o",
    "р": "p",
    "ԛ": "q",
    "ѕ": "s",
    "ԝ": "w",
    "х": "x",
    "у": "y",
}
_LAT_TO_CYR = {lat: cyr for cyr, lat in _CYR_TO_LAT.items()}

# Edits the typo allowance may not make: accepted "i" -> given "o"/"e".
_TRANSLIT_FROM = frozenset("iі")
_TRANSLIT_TO = frozenset("oeое")

_DIGITS = re.compile(r"\d+")


def _script(ch: str) -> str | None:
    """Latin/Cyrillic classification by Unicode name; cheap enough at 200 chars."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    return None


def _fold_mixed_script(word: str) -> str:
    """Fold look-alike letters of a mixed-script word towards its majority script.

    Only mixed words are touched, so genuine Cyrillic answers are never
    transliterated, while a stray Cyrillic ``і`` typed on a Ukrainian layout in a
    Latin word (or the reverse) stops mattering.
    """
    latin = cyrillic = 0
    for ch in word:
        script = _script(ch)
        if script == "latin":
            latin += 1
        elif script == "cyrillic":
            cyrillic += 1
    if not latin or not cyrillic:
        return word
    table = _CYR_TO_LAT if latin >= cyrillic else _LAT_TO_CYR
    return "".join(table.get(ch, ch) for ch in word)


def _clean(text: str) -> str:
    """Case/diacritic/punctuation folding shared by both normal forms."""
    text = text.strip()[:MAX_ANSWER_CHARS]
    text = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for ch in text:
        if ch in _APOSTROPHES:
            continue
        category = unicodedata.category(ch)
        if category == "Mn":
            continue
        if category[0] in "LN":
            out.append(ch)
        else:
            out.append(" ")
    # Casefold again: NFKD can expose characters (e.g. from compatibility forms)
    # that casefold differently.
    return "".join(out).casefold()


def normalize_answer(text: str) -> str:
    """The comparable form of an answer, as described in the module docstring.

    Exposed so that authoring tools can show question writers which of their
    accepted variants are redundant. Returns ``""`` for text with no letters or
    digits.
    """
    words = [_fold_mixed_script(w) for w in _clean(text).split()]
    words = [_MONTHS.get(w, w) for w in words]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    if len(words) > 1 and words[0] in _DESCRIPTORS:
        words = words[1:]
    if len(words) > 1 and words[-1] in _DESCRIPTORS:
        words = words[:-1]
    return " ".join(words)


def _fallback_form(text: str) -> str:
    """Form used when an answer is all punctuation/symbols (e.g. "+" or "?").

    Such answers are rare but legitimate; comparing them exactly (modulo case
    and spacing) keeps "an accepted answer always matches itself" true.
    """
    text = unicodedata.normalize("NFKC", text.strip()[:MAX_ANSWER_CHARS]).casefold()
    return " ".join(text.split())


def allowed_typos(accepted_normalized: str) -> int:
    """Typos forgiven for an accepted answer, by its length without spaces.

    Short answers get none because one edit in three letters is a different
    word; the allowance grows slowly so long answers survive phone typing.
    """
    length = len(accepted_normalized.replace(" ", ""))
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    return 2


def _numbers(normalized: str) -> list[int]:
    return [int(d) for d in _DIGITS.findall(normalized)]


def _is_transliteration_edit(given: str, accepted: str) -> bool:
    """True if the cheapest edit path swaps an accepted i for o/e (see module doc)."""
    for op in Levenshtein.editops(given, accepted):
        if (
            op.tag == "replace"
            and accepted[op.dest_pos] in _TRANSLIT_FROM
            and given[op.src_pos] in _TRANSLIT_TO
        ):
            return True
    return False


@dataclass(frozen=True)
class MatchResult:
    """Outcome of checking one answer, with enough detail for feedback.

    ``accepted`` is the accepted answer as the author wrote it (so the reveal
    can say "we read that as ..."), ``distance`` the number of typos forgiven,
    and ``score`` rapidfuzz's normalised similarity in ``[0, 100]`` for the
    closest accepted answer, useful for "so close!" messages even on a miss.
    """

    matched: bool
    accepted: str | None
    distance: int | None
    score: float

    @property
    def exact(self) -> bool:
        """True when no typo had to be forgiven."""
        return self.matched and self.distance == 0


_NO_MATCH = MatchResult(matched=False, accepted=None, distance=None, score=0.0)


def check_answer(given: str, accepted: Sequence[str]) -> MatchResult:
    """Check ``given`` against every accepted answer and return the best outcome.

    An exact match (after normalisation) beats a typo match, and fewer typos
    beat more, so the reported ``accepted`` is the one the player most likely
    meant. A bare ``str`` is treated as a single accepted answer rather than a
    sequence of characters, because that mistake would otherwise accept any
    one-letter answer.
    """
    if isinstance(accepted, str):
        accepted = [accepted]
    if not given.strip():
        return _NO_MATCH
    given_norm = normalize_answer(given)
    given_fallback = _fallback_form(given)
    given_numbers = _numbers(given_norm)

    best: MatchResult = _NO_MATCH
    for candidate in accepted:
        if not candidate.strip():
            continue
        cand_norm = normalize_answer(candidate)
        if not cand_norm or not given_norm:
            if given_fallback == _fallback_form(candidate):
                return MatchResult(matched=True, accepted=candidate, distance=0, score=100.0)
            continue
        score = Levenshtein.normalized_similarity(given_norm, cand_norm) * 100
        if given_numbers != _numbers(cand_norm):
            if not best.matched and score > best.score:
                best = MatchResult(matched=False, accepted=None, distance=None, score=score)
            continue
        if given_norm == cand_norm:
            return MatchResult(matched=True, accepted=candidate, distance=0, score=100.0)
        limit = allowed_typos(cand_norm)
        distance = OSA.distance(given_norm, cand_norm, score_cutoff=limit)
        ok = distance <= limit and not _is_transliteration_edit(given_norm, cand_norm)
        if ok:
            if not best.matched or (best.distance is not None and distance < best.distance):
                best = MatchResult(matched=True, accepted=candidate, distance=distance, score=score)
        elif not best.matched and score > best.score:
            best = MatchResult(matched=False, accepted=None, distance=None, score=score)
    return best


def matches(given: str, accepted: Sequence[str]) -> bool:
    """True if ``given`` is an acceptable way of writing one of ``accepted``."""
    return check_answer(given, accepted).matched
