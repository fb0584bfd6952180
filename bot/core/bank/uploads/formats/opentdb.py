"""Open Trivia DB API responses (JSON).

``{"response_code": 0, "results": [{"type": "multiple"|"boolean", "difficulty",
"category", "question", "correct_answer", "incorrect_answers"}]}``. The default encoding
(HTML entities) is decoded with ``html.unescape``; the ``url3986``, ``urlLegacy`` and
``base64`` encodings are recognised per item. ``multiple`` becomes ``multiple_choice``
(the right answer first), ``boolean`` becomes ``true_false``; difficulty easy/medium/hard
is 1/2/3; the category becomes a tag. No explanation or source: every item is a draft.
A result that cannot be played (no question, an unknown type, undecodable text) is
skipped with its reason; the rest of the response imports.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, unquote_plus

from bot.core.bank.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    FILE,
    Candidate,
    FileRefused,
    RawParse,
    check_count,
    derived_id,
    upload_tags,
)
from bot.core.bank.uploads.result import NO_EXPLANATION, PLACEHOLDER_EXPLANATION
from bot.core.translate import N_, _

TYPES = ("multiple", "boolean")
DIFFICULTIES = {"easy": 1, "medium": 2, "hard": 3}
RESPONSE_CODES = {
    1: N_("no results"),
    2: N_("invalid parameter"),
    3: N_("token not found"),
    4: N_("token empty"),
    5: N_("rate limited"),
}
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")


def is_opentdb(data: Any) -> bool:
    return isinstance(data, dict) and "response_code" in data and "results" in data


def _b64(value: str) -> str:
    return base64.b64decode(value, validate=True).decode("utf-8")


def _is_b64_type(kind: Any) -> bool:
    if not isinstance(kind, str) or kind in TYPES:
        return False
    try:
        return _b64(kind) in TYPES
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False


def _url_decoder(results: list[Any]) -> Callable[[str], str] | None:
    """``unquote`` (url3986) or ``unquote_plus`` (urlLegacy) when every question is
    URL-encoded (no literal space, and %XX escapes somewhere), else ``None``."""
    questions = [r.get("question") for r in results if isinstance(r, dict)]
    questions = [q for q in questions if isinstance(q, str)]
    if not questions or any(" " in q.strip() for q in questions):
        return None
    if not any(_PERCENT_RE.search(q) for q in questions):
        return None
    legacy = any("+" in q for q in questions) and not any("%20" in q for q in questions)
    return unquote_plus if legacy else unquote


def _decoder(entry: dict[str, Any], url: Callable[[str], str] | None) -> Callable[[str], str]:
    if _is_b64_type(entry.get("type")):
        return _b64
    return url or html.unescape


def _decode(value: Any, decode: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return decode(value)
    if isinstance(value, list):
        return [decode(v) if isinstance(v, str) else v for v in value]
    return value


def parse_opentdb(data: Any) -> RawParse:
    out = RawParse()
    if not is_opentdb(data):
        raise FileRefused(_("expected an Open Trivia DB response with response_code and results"))
    code = data.get("response_code")
    if code != 0:
        meaning = (
            RESPONSE_CODES.get(code, N_("unknown")) if isinstance(code, int) else N_("unknown")
        )
        message = _("response_code is {code} ({meaning}), not 0")
        out.problem(FILE, message.format(code=repr(code), meaning=_(meaning)))
    results = data.get("results")
    if not isinstance(results, list):
        raise FileRefused(_("results must be a list"))
    check_count(len(results))
    url = _url_decoder(results)
    for i, entry in enumerate(results, start=1):
        location = f"item {i}"
        if not isinstance(entry, dict):
            out.cannot_play(location, _("a result must be an object"))
            continue
        try:
            decode = _decoder(entry, url)
            fields = {k: _decode(v, decode) for k, v in entry.items()}
        except (binascii.Error, UnicodeDecodeError, ValueError):
            out.cannot_play(location, _("could not decode the result (bad base64 or URL encoding)"))
            continue
        kind = fields.get("type")
        question = fields.get("question")
        if kind not in TYPES:
            if isinstance(kind, str) and kind:
                out.skip(location, repr(kind)[:40])
            else:
                out.cannot_play(location, "type: " + _("must be 'multiple' or 'boolean'"))
            continue
        if not isinstance(question, str):
            out.cannot_play(location, "question: " + _("required text"))
            continue
        correct = fields.get("correct_answer")
        incorrect = fields.get("incorrect_answers", [])
        difficulty = fields.get("difficulty")
        raw: dict[str, Any] = {
            "id": derived_id("opentdb", question),
            "tags": upload_tags(fields.get("category")),
            "difficulty": DIFFICULTIES.get(difficulty, DEFAULT_DIFFICULTY)
            if isinstance(difficulty, str)
            else DEFAULT_DIFFICULTY,
            "paragraph": None,
            "text": question,
            "explanation": PLACEHOLDER_EXPLANATION,
        }
        if kind == "boolean":
            raw["kind"] = "true_false"
            if isinstance(correct, str) and correct.strip().lower() in ("true", "false"):
                raw["answer"] = correct.strip().lower() == "true"
            else:
                raw["answer"] = correct
        else:
            raw["kind"] = "multiple_choice"
            if not isinstance(incorrect, list):
                out.cannot_play(location, "incorrect_answers: " + _("must be a list"))
                continue
            raw["choices"] = [correct, *incorrect]
            raw["answer"] = correct
        out.candidates.append(Candidate(raw, location, [NO_EXPLANATION], derived_id=True))
    return out


__all__ = ["is_opentdb", "parse_opentdb"]
