"""Red-DiscordBot trivia lists (YAML): ``question: [accepted answer, ...]``.

Every question becomes a ``short_answer`` item. The special keys ``AUTHOR``,
``DESCRIPTION`` and ``CONFIG`` are not questions: they are ignored, and a CONFIG is
reported as a note (the bot's own quiz settings apply). Answers are read as written, so
an unquoted ``1994`` or ``yes`` stays the text ``1994``/``yes``. Red lists have no
explanation or source: every item is a draft.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.items import normalise_text
from bot.core.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    Candidate,
    FileRefused,
    RawParse,
    check_count,
    derived_id,
    upload_tags,
)
from bot.core.uploads.result import NO_EXPLANATION, PLACEHOLDER_EXPLANATION

SPECIAL_KEYS = ("AUTHOR", "DESCRIPTION", "CONFIG")
_NULL_TAG = "tag:yaml.org,2002:null"


def is_red_list(root: Node | None) -> bool:
    """A mapping whose question keys hold lists (and no ``items`` key)."""
    if not isinstance(root, MappingNode) or not root.value:
        return False
    keys = [k.value for k, _ in root.value if isinstance(k, ScalarNode)]
    if "items" in keys or "theme" in keys:
        return False
    questions = [
        (k, v)
        for k, v in root.value
        if not (isinstance(k, ScalarNode) and k.value.upper() in SPECIAL_KEYS)
    ]
    return any(isinstance(v, SequenceNode) for _, v in questions) or (
        not questions and any(isinstance(k, ScalarNode) for k, _ in root.value)
    )


def _line(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


def parse_redbot(root: Node | None, list_name: str | None = None) -> RawParse:
    out = RawParse()
    if not isinstance(root, MappingNode):
        raise FileRefused("a trivia list must be a mapping of question to answers")
    questions = [
        (k, v)
        for k, v in root.value
        if not (isinstance(k, ScalarNode) and k.value.upper() in SPECIAL_KEYS)
    ]
    check_count(len(questions))
    for key_node, _ in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value.upper() == "CONFIG":
            out.notes.append(
                f"{_line(key_node)}: the trivia list's CONFIG was not applied "
                "(the server's quiz settings apply)"
            )
    for key_node, value_node in questions:
        location = _line(key_node)
        if not isinstance(key_node, ScalarNode):
            out.problem(location, "a question must be text")
            continue
        question = key_node.value
        if isinstance(value_node, ScalarNode):
            answer_nodes = [value_node]
        elif isinstance(value_node, SequenceNode):
            answer_nodes = list(value_node.value)
        else:
            out.problem(location, "the answers must be a list", fld="accepted")
            continue
        answers: list[str] = []
        lines: list[Node] = []
        keys: set[str] = set()
        bad = False
        for node in answer_nodes:
            if not isinstance(node, ScalarNode):
                out.problem(_line(node), "an answer must be text", fld="accepted")
                bad = True
                break
            if node.tag == _NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
                continue
            text = node.value.strip()
            key = normalise_text(text)
            if not text or key in keys:
                continue
            keys.add(key)
            answers.append(text)
            lines.append(node)
        if bad:
            continue
        raw: dict[str, Any] = {
            "kind": "short_answer",
            "id": derived_id("redbot", question),
            "tags": upload_tags(list_name),
            "difficulty": DEFAULT_DIFFICULTY,
            "paragraph": None,
            "text": question,
            "accepted": answers,
            "explanation": PLACEHOLDER_EXPLANATION,
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

        out.candidates.append(
            Candidate(raw, location, [NO_EXPLANATION], derived_id=True, locate=locate)
        )
    return out


__all__ = ["SPECIAL_KEYS", "is_red_list", "parse_redbot"]
