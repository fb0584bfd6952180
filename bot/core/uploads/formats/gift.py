"""Moodle GIFT.

Supported: multiple choice ``{=right ~wrong ~wrong}``, true/false ``{T}``/``{TRUE}``/
``{F}``/``{FALSE}``, short answer ``{=a =b}``. ``#feedback`` after the right answer (or
general feedback ``####...`` at the end of the braces, which wins) becomes the
explanation; ``::title::`` becomes the id slug; ``// comment`` lines are ignored;
``$CATEGORY:`` lines set a tag for the questions after them; ``\\~ \\= \\# \\{ \\} \\:``
and ``\\n`` are escapes; ``[html]``/``[moodle]``/``[plain]``/``[markdown]`` format
markers are dropped (HTML tags removed). Questions are separated by blank lines.

Reported as skipped by name: essay ``{}``, matching ``->``, numerical ``{#...}``,
description (no braces), missing word (text after the braces), cloze (several answer
blocks), multiple answer (weighted ``%50%`` answers with several right ones) and weighted
answer (partial credit). GIFT has no sources: every item is a draft.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from bot.core.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    Candidate,
    RawParse,
    check_count,
    id_from_title,
    upload_tags,
)
from bot.core.uploads.result import NO_EXPLANATION, PLACEHOLDER_EXPLANATION

_SENTINELS = {
    "~": "\ue000",
    "=": "\ue001",
    "#": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    ":": "\ue005",
    "\\": "\ue006",
}
_RESTORE = str.maketrans({v: k for k, v in _SENTINELS.items()})
_STRIP_PRIVATE = str.maketrans({v: None for v in _SENTINELS.values()})
_ESCAPE_RE = re.compile(r"\\([~=#{}:\\n])")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")
_TF_RE = re.compile(r"(T|TRUE|F|FALSE)\s*(\#.*)?", re.IGNORECASE | re.DOTALL)
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_CATEGORY_RE = re.compile(r"^\s*\$CATEGORY:\s*(.*)$", re.IGNORECASE)

# Content detection: a title, a category line, or an answer block of a known shape.
_DETECT_RE = re.compile(
    r"(?m)^[ \t]*::[^\n]*?::|^[ \t]*\$CATEGORY:|\{[ \t\r\n]*(?:[=~]|(?:T|F|TRUE|FALSE)[ \t]*[}#])",
    re.IGNORECASE,
)


def looks_like_gift(text: str) -> bool:
    return bool(_DETECT_RE.search(text))


def _escape(value: str) -> str:
    value = value.translate(_STRIP_PRIVATE)

    def sub(m: re.Match[str]) -> str:
        ch = m.group(1)
        return "\n" if ch == "n" else _SENTINELS[ch]

    return _ESCAPE_RE.sub(sub, value)


def _restore(value: str, is_html: bool = False) -> str:
    value = value.translate(_RESTORE)
    if is_html:
        value = html.unescape(_TAG_RE.sub("", value))
    return value.strip()


@dataclass
class _Answer:
    mark: str
    text: str
    feedback: str | None
    weight: float | None


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) per question; ``$CATEGORY`` lines kept as blocks."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped or _CATEGORY_RE.match(line):
            if current:
                blocks.append((start, current))
                current = []
            if stripped:
                blocks.append((number, [line]))
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _answers(body: str) -> list[_Answer] | None:
    """The ``=``/``~`` answers in ``body``; ``None`` if text precedes the first mark."""
    first = re.search(r"[=~]", body)
    if first is None or body[: first.start()].strip():
        return None
    answers: list[_Answer] = []
    for m in re.finditer(r"([=~])([^=~]*)", body):
        piece = m.group(2)
        weight = None
        wm = _WEIGHT_RE.match(piece)
        if wm:
            weight = float(wm.group(1))
            piece = piece[wm.end() :]
        text, has_feedback, feedback = piece.partition("#")
        answers.append(_Answer(m.group(1), text, feedback if has_feedback else None, weight))
    return answers


def parse_gift(text: str) -> RawParse:
    out = RawParse()
    blocks = _blocks(text)
    check_count(sum(1 for _, lines in blocks if not _CATEGORY_RE.match(lines[0])))
    category: str | None = None
    for start, lines in blocks:
        location = f"line {start}"
        cat = _CATEGORY_RE.match(lines[0])
        if cat:
            category = cat.group(1).strip()
            continue
        try:
            _question(_escape("\n".join(lines)), location, category, out)
        except Exception as exc:  # defensive: one question never sinks the file
            out.problem(location, f"could not be read ({type(exc).__name__})")
    return out


def _question(esc: str, location: str, category: str | None, out: RawParse) -> None:
    title: str | None = None
    rest = esc
    tm = re.match(r"\s*::(.*?)::", esc, re.DOTALL)
    if tm:
        title = _restore(tm.group(1))
        rest = esc[tm.end() :]
    item_hint = title or None
    open_at = rest.find("{")
    if open_at < 0:
        out.skip(location, "description", item_hint)
        return
    close_at = rest.find("}", open_at + 1)
    if close_at < 0:
        out.problem(location, "an answer block '{' has no closing '}'", item_hint)
        return
    before, inside, after = rest[:open_at], rest[open_at + 1 : close_at], rest[close_at + 1 :]
    if "{" in inside:
        out.problem(location, "unbalanced braces in the answer block", item_hint)
        return
    if "{" in after:
        out.skip(location, "cloze (several answer blocks)", item_hint)
        return
    if after.strip():
        out.skip(location, "missing word", item_hint)
        return
    is_html = False
    fm = _FORMAT_RE.match(before)
    if fm:
        is_html = fm.group(1).lower() == "html"
        before = before[fm.end() :]
    question = _restore(before, is_html)
    body, has_general, general = inside.partition("####")
    general_text = _restore(general, is_html) if has_general else ""
    body = body.strip()

    raw: dict[str, Any] = {
        "tags": upload_tags(category),
        "difficulty": DEFAULT_DIFFICULTY,
        "paragraph": None,
        "text": question,
    }
    feedback = ""
    if not body:
        out.skip(location, "essay", item_hint)
        return
    if body.startswith("#"):
        out.skip(location, "numerical", item_hint)
        return
    tf = _TF_RE.fullmatch(body)
    if tf:
        raw["kind"] = "true_false"
        raw["answer"] = tf.group(1).upper().startswith("T")
        parts = (tf.group(2) or "").split("#")[1:]
        # Moodle: the first feedback is shown for a wrong answer, the second for a right one.
        feedback = parts[1] if len(parts) > 1 and parts[1].strip() else (parts[0] if parts else "")
    elif "->" in body:
        out.skip(location, "matching", item_hint)
        return
    else:
        answers = _answers(body)
        if answers is None:
            out.problem(
                location, "each answer must start with '=' (right) or '~' (wrong)", item_hint
            )
            return
        weighted = [a for a in answers if a.weight is not None]
        right = [a for a in answers if a.mark == "=" or (a.weight or 0) > 0]
        if any(a.mark == "~" for a in answers):
            if len(right) != 1:
                out.skip(location, "multiple answer", item_hint)
                return
            if right[0].weight not in (None, 100.0):
                out.skip(location, "weighted answer", item_hint)
                return
            raw["kind"] = "multiple_choice"
            raw["choices"] = [_restore(a.text, is_html) for a in answers]
            raw["answer"] = _restore(right[0].text, is_html)
            feedback = right[0].feedback or ""
        else:
            if any(a.weight not in (None, 100.0) for a in weighted):
                out.skip(location, "weighted answer", item_hint)
                return
            raw["kind"] = "short_answer"
            raw["accepted"] = [_restore(a.text, is_html) for a in answers]
            feedback = next((a.feedback for a in answers if a.feedback), "") or ""
    explanation = general_text or _restore(feedback, is_html)
    reasons: list[str] = []
    if explanation:
        raw["explanation"] = explanation
    else:
        raw["explanation"] = PLACEHOLDER_EXPLANATION
        reasons.append(NO_EXPLANATION)
    item_id, derived = id_from_title(title, "gift", question)
    raw = {"kind": raw.pop("kind"), "id": item_id, **raw}
    out.candidates.append(Candidate(raw, location, reasons, derived_id=derived))


__all__ = ["looks_like_gift", "parse_gift"]
