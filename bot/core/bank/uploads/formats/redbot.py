"""Red-DiscordBot trivia lists (YAML): ``question: [accepted answer, ...]``.

Every question becomes a ``short_answer`` item, read as Red-DiscordBot reads it:

* ``AUTHOR``, ``DESCRIPTION``, ``CONFIG`` and ``$schema`` are not questions (a CONFIG is
  reported as a note: the server's own quiz settings apply).
* A question key that repeats: Red (PyYAML) keeps the last one; so do we, with a note.
* Answers: YAML booleans are expanded as Red does (``yes``/``true``/``on`` accept
  True, Yes and On; ``no``/``false``/``off`` accept False, No and Off), numbers are
  accepted as written and as Red prints them (``1.50`` and ``1.5``). Answers the typed-
  answer matcher would treat as the same are kept once (its own normalisation).
* Red has no limit on answers: up to :data:`ACCEPTED_COUNT_MAX` are kept (the rest are
  dropped, with a note). Red shows the first answer at the reveal: one over
  :data:`ACCEPTED_MAX` characters becomes the text shown at the reveal (the item's
  explanation) and the shorter ones stay typeable. A question with no answer short
  enough to type cannot be played: it is skipped with that reason.

Red lists have no explanation or source: every item is a draft.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.bank.items import (
    ACCEPTED_COUNT_MAX,
    ACCEPTED_MAX,
    EXPLANATION_MAX,
    MAX_SENTENCES,
    count_sentences,
    normalise_text,
)
from bot.core.bank.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    Candidate,
    FileRefused,
    RawParse,
    check_count,
    derived_id,
    upload_tags,
)
from bot.core.bank.uploads.result import NO_EXPLANATION, PLACEHOLDER_EXPLANATION, place
from bot.core.quiz.matching import normalize_answer
from bot.core.translate import _, ngettext

SPECIAL_KEYS = ("AUTHOR", "DESCRIPTION", "CONFIG", "$SCHEMA")
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# Red's trivia cog, for a YAML boolean answer (its _parse_answers).
RED_BOOLEANS = {True: ("True", "Yes", "On"), False: ("False", "No", "Off")}


def _is_special(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value.upper() in SPECIAL_KEYS


def is_red_list(root: Node | None) -> bool:
    """A mapping whose question keys hold lists (and no ``items`` key)."""
    if not isinstance(root, MappingNode) or not root.value:
        return False
    keys = [k.value for k, _ in root.value if isinstance(k, ScalarNode)]
    if "items" in keys or "theme" in keys:
        return False
    questions = [(k, v) for k, v in root.value if not _is_special(k)]
    return any(isinstance(v, SequenceNode) for _, v in questions) or (
        not questions and any(isinstance(k, ScalarNode) for k, _ in root.value)
    )


def _line(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _python_value(node: ScalarNode) -> Any:
    """The value PyYAML's safe loader (what Red uses) gives this scalar."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError):  # e.g. an integer of thousands of digits
        return node.value
    finally:
        loader.dispose()


def red_answers(node: ScalarNode) -> list[str]:
    """What an answer scalar accepts, as written first, then as Red reads it."""
    written = node.value.strip()
    if node.style:  # quoted or a block scalar: always text, for Red too
        return [written]
    if node.tag == _BOOL_TAG:
        value = _python_value(node)
        if isinstance(value, bool):
            return [written, *RED_BOOLEANS[value]]
    if node.tag in _NUMBER_TAGS:
        value = _python_value(node)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [written, str(value)]
    return [written]


def _answer_key(text: str) -> str:
    """Answers with the same key are the same to the matcher."""
    return normalize_answer(text) or normalise_text(text)


def _reveal_fits(text: str) -> bool:
    return len(text) <= EXPLANATION_MAX and count_sentences(text) <= MAX_SENTENCES


def parse_redbot(root: Node | None, list_name: str | None = None) -> RawParse:
    out = RawParse()
    if not isinstance(root, MappingNode):
        raise FileRefused(_("a trivia list must be a mapping of question to answers"))
    for key_node, _value in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value.upper() == "CONFIG":
            note = _("the trivia list's CONFIG was not applied (the server's quiz settings apply)")
            out.notes.append(f"{place(_line(key_node))}: {note}")
    # A repeated question: Red (PyYAML) keeps the last value.
    last: dict[str, tuple[Node, Node]] = {}
    order: list[str] = []
    for key_node, value_node in root.value:
        if _is_special(key_node):
            continue
        key = key_node.value if isinstance(key_node, ScalarNode) else f"\0{id(key_node)}"
        if key in last:
            earlier_key, earlier_value = last[key]
            same = _answer_texts(earlier_value) == _answer_texts(value_node)
            note = (
                _("the question {question} repeats {place} with the same answers; kept once")
                if same
                else _(
                    "the question {question} repeats {place}; the last one is kept, "
                    "as Red-DiscordBot does"
                )
            ).format(question=repr(key[:60]), place=place(_line(earlier_key)))
            out.notes.append(f"{place(_line(key_node))}: {note}")
            order.remove(key)
        last[key] = (key_node, value_node)
        order.append(key)
    check_count(len(order))
    for key in order:
        _question(*last[key], list_name, out)
    return out


def _answer_texts(node: Node) -> list[str] | None:
    if isinstance(node, ScalarNode):
        return [node.value]
    if isinstance(node, SequenceNode):
        return [n.value if isinstance(n, ScalarNode) else repr(n) for n in node.value]
    return None


def _question(key_node: Node, value_node: Node, list_name: str | None, out: RawParse) -> None:
    location = _line(key_node)
    if not isinstance(key_node, ScalarNode):
        out.cannot_play(location, _("the question must be text"))
        return
    question = key_node.value
    if isinstance(value_node, ScalarNode):
        answer_nodes: list[Node] = [value_node]
    elif isinstance(value_node, SequenceNode):
        answer_nodes = list(value_node.value)
    else:
        out.cannot_play(location, _("the answers must be a list"))
        return
    answers: list[str] = []
    lines: list[Node] = []
    keys: set[str] = set()
    too_long = 0
    reveal: str | None = None
    for index, node in enumerate(answer_nodes):
        if not isinstance(node, ScalarNode):
            out.cannot_play(_line(node), _("an answer must be text, not a list or mapping"))
            return
        if node.tag == _NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
            continue
        for text in red_answers(node):
            if not text:
                continue
            if len(text) > ACCEPTED_MAX:
                if index == 0 and reveal is None and _reveal_fits(text):
                    reveal = text  # Red reveals the first answer: show it, type the others
                else:
                    too_long += 1
                continue
            key = _answer_key(text)
            if key in keys:
                continue
            keys.add(key)
            answers.append(text)
            lines.append(node)
    if reveal is not None:
        note = _(
            "the first answer is over {most} characters; it is shown at the reveal "
            "(as Red-DiscordBot shows it) and the shorter answers are typed"
        ).format(most=ACCEPTED_MAX)
        out.notes.append(f"{place(location)}: {note}")
    if too_long:
        note = ngettext(
            "{count} answer over {most} characters cannot be typed and was left out",
            "{count} answers over {most} characters cannot be typed and were left out",
            too_long,
        ).format(count=too_long, most=ACCEPTED_MAX)
        out.notes.append(f"{place(location)}: {note}")
    if not answers:
        out.cannot_play(
            location,
            _("no answer of at most {most} characters that a player could type").format(
                most=ACCEPTED_MAX
            ),
        )
        return
    if len(answers) > ACCEPTED_COUNT_MAX:
        note = _("{count} different answers; the first {kept} are kept").format(
            count=len(answers), kept=ACCEPTED_COUNT_MAX
        )
        out.notes.append(f"{place(location)}: {note}")
        answers, lines = answers[:ACCEPTED_COUNT_MAX], lines[:ACCEPTED_COUNT_MAX]
    raw: dict[str, Any] = {
        "kind": "short_answer",
        "id": derived_id("redbot", question),
        "tags": upload_tags(list_name),
        "difficulty": DEFAULT_DIFFICULTY,
        "paragraph": None,
        "text": question,
        "accepted": answers,
        "explanation": reveal or PLACEHOLDER_EXPLANATION,
    }

    def locate(loc: tuple[Any, ...], lines: list[Node] = lines) -> str | None:
        if (
            len(loc) >= 2
            and loc[0] == "accepted"
            and isinstance(loc[1], int)
            and 0 <= loc[1] < len(lines)
        ):
            return _line(lines[loc[1]])
        return None

    reasons = [] if reveal else [NO_EXPLANATION]
    out.candidates.append(Candidate(raw, location, reasons, derived_id=True, locate=locate))


__all__ = ["RED_BOOLEANS", "SPECIAL_KEYS", "is_red_list", "parse_redbot", "red_answers"]
