"""The checkable language rules of the content guide.

1. No collective labels for a population ("traitors", "collaborators", "occupiers",
   "pliant population", ...) in the bot's own voice. Such words may appear only
   where they are attributed: inside a discussion viewpoint (and there only inside
   double quotation marks, i.e. quoted) or inside a claim check's ``claim`` (the
   essay's words). Never in ``text``, ``explanation``, choices, accepted answers or a
   discussion ``question``.
2. Ukrainian transliteration: no "Kupyansk", "Kharkov", "Lugansk", "Kiev", "Odessa",
   ... Source titles and URLs are exempt (they are cited as published), as are quoted
   claims (verbatim essay text).
3. Every viewpoint names who holds it (non-empty ``held_by``).
4. A discussion question is an open question, not a question of fact (heuristic).
5. No graphic descriptions of violence (a short list of unmistakable words).

:func:`check_item` returns messages (``"field: message"``); :func:`check_item_detailed`
returns :class:`LanguageIssue` objects with the field path, which the bank validator
turns into problems with line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.core.translate import _

# Collective labels for a population. Word-boundary, case-insensitive.
COLLECTIVE_LABELS: tuple[str, ...] = (
    r"traitors?",
    r"treacherous",
    r"collaborators?",
    r"collaborationists?",
    r"occupiers?",
    r"pro-russian (?:population|residents|locals|inhabitants|people|citizens|majority)",
    r"pliant (?:population|people|residents|locals)",
    r"rot",
    r"fifth column(?:ists?)?",
    r"quislings?",
    r"turncoats?",
    r"sell-?outs?",
    r"vatniks?",
    r"vatas?",
    r"khokhols?",
    r"khokhly",
    r"ukrops?",
    r"moskals?",
    r"katsaps?",
    r"orcs?",
    r"rashists?",
    r"ruscists?",
    r"banderites?",
    r"banderivtsi",
    r"zhduny",
    r"zhduns?",
    r"waiters for (?:the )?russian world",
    r"subhumans?",
    r"untermenschen",
)
_LABEL_RE = re.compile(r"(?<![\w-])(?:" + "|".join(COLLECTIVE_LABELS) + r")(?![\w-])", re.I)

# Russian or dated transliterations -> the form the guide asks for.
TRANSLITERATIONS: dict[str, str] = {
    "Kupyansk": "Kupiansk",
    "Kupjansk": "Kupiansk",
    "Kupiansk-Uzlovoi": "Kupiansk-Vuzlovyi",
    "Kupyansk-Uzlovoi": "Kupiansk-Vuzlovyi",
    "Kharkov": "Kharkiv",
    "Lugansk": "Luhansk",
    "Kiev": "Kyiv",
    "Odessa": "Odesa",
    "Severodonetsk": "Sievierodonetsk",
    "Lisichansk": "Lysychansk",
    "Donbass": "Donbas",
    "Oskol River": "Oskil River",
    "Oskol river": "Oskil river",
    "river Oskol": "river Oskil",
    "Izyum": "Izium",
    "Zaporozhye": "Zaporizhzhia",
}
_TRANSLIT_RE = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(k) for k in sorted(TRANSLITERATIONS, key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)

GRAPHIC_WORDS: tuple[str, ...] = (
    r"gore",
    r"gory",
    r"corpses?",
    r"decapitat\w*",
    r"behead\w*",
    r"dismember\w*",
    r"mutilat\w*",
    r"disembowel\w*",
    r"entrails",
    r"blood-?soaked",
    r"charred bod(?:y|ies)",
)
_GRAPHIC_RE = re.compile(r"(?<![\w-])(?:" + "|".join(GRAPHIC_WORDS) + r")(?![\w-])", re.I)

# Fast pre-checks. A case-insensitive regex that starts with a lookbehind tries every
# alternative at every position (about 0.5 ms per 1,000 characters, seconds for a 2 MiB
# upload); the same alternatives, case-sensitive, on case-folded text let the regex
# engine skip ahead to a possible first letter. Only a hit runs the precise regex.
# (Python's re.IGNORECASE also matches dotted and dotless I with "i"; casefold does not.)
_HINT_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i"})
_LABEL_HINT = re.compile("|".join(COLLECTIVE_LABELS))
_TRANSLIT_HINT = re.compile("|".join(re.escape(k.casefold()) for k in TRANSLITERATIONS))
_GRAPHIC_HINT = re.compile("|".join(GRAPHIC_WORDS))


_HINT_FROM = 120  # shorter text: the precise regex is as quick as folding it first


def _may_match(hint: re.Pattern[str], value: str) -> bool:
    """False only when ``value`` cannot match the precise (case-insensitive) regex."""
    if len(value) < _HINT_FROM:
        return True
    return hint.search(value.translate(_HINT_FOLD).casefold()) is not None


# Openers that make a "discussion" a question of fact.
_FACT_QUESTION_RE = re.compile(
    r"^(?:when (?:did|was|were)|in (?:what|which) year|what year|how many|how much|"
    r"who (?:was|were|is)|where (?:is|was|are)|what (?:is|was) the (?:date|name|population))\b",
    re.I,
)

_DOUBLE_QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»|„[^“”]*[“”]")


@dataclass(frozen=True)
class LanguageIssue:
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# --------------------------------------------------------------------------- text fields


@dataclass(frozen=True)
class _Field:
    path: str
    value: str
    voice: str  # "bot", "viewpoint", "claim", "source"
    verbatim: bool = False  # a verbatim quote of the essay


def _fields(item: Any) -> Iterator[_Field]:
    """Every text field of an item with the voice it speaks in."""
    kind = getattr(item, "kind", None)
    for name in ("text", "explanation", "question", "answer"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            yield _Field(name, value, "bot")
    if kind == "multiple_choice":
        for i, choice in enumerate(item.choices):
            yield _Field(f"choices[{i}]", choice, "bot")
    if kind == "short_answer":
        for i, accepted in enumerate(item.accepted):
            yield _Field(f"accepted[{i}]", accepted, "bot")
    if kind == "which_first":
        for i, event in enumerate(item.events):
            yield _Field(f"events[{i}].text", event.text, "bot")
    if kind == "claim_check":
        yield _Field("claim", item.claim, "claim", verbatim=bool(item.quoted))
    for i, tag in enumerate(getattr(item, "tags", None) or []):
        yield _Field(f"tags[{i}]", tag, "bot")
    for i, source in enumerate(getattr(item, "sources", None) or []):
        for name in ("title", "publisher", "url"):
            yield _Field(f"sources[{i}].{name}", getattr(source, name), "source")
    for i, vp in enumerate(getattr(item, "viewpoints", None) or []):
        for name in ("label", "position", "argument", "evidence_against", "held_by"):
            value = getattr(vp, name, None)
            if isinstance(value, str):
                yield _Field(f"viewpoints[{i}].{name}", value, "viewpoint")
        source = getattr(vp, "source", None)
        if source is not None:
            for name in ("title", "publisher", "url"):
                yield _Field(f"viewpoints[{i}].source.{name}", getattr(source, name), "source")


def _outside_quotes(value: str) -> str:
    """The text with double-quoted passages blanked out."""
    return _DOUBLE_QUOTED_RE.sub(lambda m: " " * len(m.group(0)), value)


# --------------------------------------------------------------------------- checks


def collective_labels(value: str) -> list[str]:
    """The collective labels used in ``value`` (as written)."""
    if not _may_match(_LABEL_HINT, value):
        return []
    return [m.group(0) for m in _LABEL_RE.finditer(value)]


def transliterations(value: str) -> list[str]:
    if not _may_match(_TRANSLIT_HINT, value):
        return []
    return [m.group(0) for m in _TRANSLIT_RE.finditer(value)]


def _preferred(word: str) -> str:
    for key, good in TRANSLITERATIONS.items():
        if key.casefold() == word.casefold():
            return good
    return "the Ukrainian form"


def check_item_detailed(item: Any) -> list[LanguageIssue]:
    """All language-rule violations of one item (a validated bank item)."""
    issues: list[LanguageIssue] = []
    for f in _fields(item):
        # Rule 1: collective labels only where attributed.
        if f.voice == "bot":
            for word in collective_labels(f.value):
                issues.append(
                    LanguageIssue(
                        f.path,
                        _(
                            "collective label {word} in the bot's own voice; attribute it "
                            "in a discussion viewpoint or a claim check's claim, or rephrase"
                        ).format(word=repr(word)),
                    )
                )
        elif f.voice == "viewpoint":
            for word in collective_labels(_outside_quotes(f.value)):
                issues.append(
                    LanguageIssue(
                        f.path,
                        _(
                            "collective label {word} must be quoted (in double quotation "
                            "marks) and attributed to the viewpoint's holder"
                        ).format(word=repr(word)),
                    )
                )
        # Rule 2: transliteration (sources and verbatim essay quotes are exempt).
        if f.voice != "source" and not f.verbatim:
            for word in transliterations(f.value):
                issues.append(
                    LanguageIssue(
                        f.path,
                        _(
                            "transliteration {word}: write {preferred} "
                            "(current English-language reference form)"
                        ).format(word=repr(word), preferred=repr(_preferred(word))),
                    )
                )
        # Rule 5: graphic violence.
        if f.voice != "source" and _may_match(_GRAPHIC_HINT, f.value):
            for m in _GRAPHIC_RE.finditer(f.value):
                issues.append(
                    LanguageIssue(
                        f.path,
                        _("graphic word {word}: describe plainly").format(word=repr(m.group(0))),
                    )
                )

    # Rule 3: every viewpoint is attributed.
    for i, vp in enumerate(getattr(item, "viewpoints", None) or []):
        held_by = getattr(vp, "held_by", None)
        if not isinstance(held_by, str) or not held_by.strip():
            issues.append(
                LanguageIssue(
                    f"viewpoints[{i}].held_by", _("every viewpoint must say who holds it")
                )
            )

    # Rule 4: a discussion asks an open question.
    if getattr(item, "kind", None) == "discussion":
        question = getattr(item, "question", "") or ""
        if _FACT_QUESTION_RE.match(question.strip()):
            issues.append(
                LanguageIssue(
                    "question",
                    _(
                        "reads as a question of fact; a discussion asks an open, contested "
                        "question (what should be done, what is fair, what a term means)"
                    ),
                )
            )
    return issues


def check_item(item: Any) -> list[str]:
    """Language-rule violations of one item, as ``"field: message"`` strings."""
    return [str(issue) for issue in check_item_detailed(item)]


__all__ = [
    "COLLECTIVE_LABELS",
    "TRANSLITERATIONS",
    "LanguageIssue",
    "check_item",
    "check_item_detailed",
    "collective_labels",
    "transliterations",
]
