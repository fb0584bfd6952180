"""Moodle GIFT.

Supported: multiple choice ``{=right ~wrong ~wrong}``, true/false ``{T}``/``{TRUE}``/
``{F}``/``{FALSE}``, short answer ``{=a =b}`` and, as Moodle reads it, ``{One}`` (one
answer without ``=``). ``#feedback`` after the right answer (or general feedback
``####...`` at the end of the braces, which wins) becomes the explanation;
``::title::`` becomes the id slug (a repeated title gets ``-2``, ``-3``, with a note, as
Moodle allows repeated names); ``// comment`` lines are ignored; ``$CATEGORY:`` lines set
a tag for the questions after them; ``\\~ \\= \\# \\{ \\} \\:`` and ``\\n`` are escapes;
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` format markers are dropped wherever
Moodle reads them (question text, answers, feedback; HTML tags removed), and an HTML
``<img src="https://...png">`` in the question text becomes the item's ``image``.
Questions are separated by blank lines.

Brace errors are errors, with the line of the brace, as in Moodle: a ``}`` without its
``{``, a ``{`` without its ``}``, a ``{`` inside an answer block.

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

from bot.core.bank.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    Candidate,
    RawParse,
    check_count,
    id_from_title,
    upload_tags,
)
from bot.core.bank.uploads.result import NO_EXPLANATION, PLACEHOLDER_EXPLANATION, place
from bot.core.translate import N_, _

_SENTINELS = {
    "~": "\ue000",
    "=": "\ue001",
    "#": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    ":": "\ue005",
    "\\": "\ue006",
    "n": "\ue007",  # an escaped newline: kept off the line count until restored
}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _SENTINELS.items()})
_STRIP_PRIVATE = str.maketrans({v: None for v in _SENTINELS.values()})
_ESCAPE_RE = re.compile(r"\\([~=#{}:\\n])")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")
_IMG_RE = re.compile(r"<img\b[^<>]*?\bsrc\s*=\s*([\"'])(.*?)\1[^<>]*>", re.IGNORECASE | re.DOTALL)
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
    return _ESCAPE_RE.sub(lambda m: _SENTINELS[m.group(1)], value)


def _format(value: str) -> tuple[str, bool | None]:
    """``value`` without a leading format marker, and whether it is HTML (``None``: no
    marker, the question's format applies)."""
    fm = _FORMAT_RE.match(value)
    if fm is None:
        return value, None
    return value[fm.end() :], fm.group(1).lower() == "html"


def _restore(value: str, is_html: bool = False) -> str:
    value, own = _format(value.translate(_RESTORE))
    if own if own is not None else is_html:
        value = re.sub(r"[ \t]{2,}", " ", html.unescape(_TAG_RE.sub("", value)))
    return value.strip()


def _image(question: str) -> str | None:
    """The ``src`` of the first ``<img>`` in an HTML question, when it is an https URL."""
    found = _IMG_RE.search(question.translate(_RESTORE))
    if found is None:
        return None
    src = html.unescape(found.group(2)).strip()
    return src if src.lower().startswith("https://") else None


@dataclass
class _Answer:
    mark: str
    text: str
    feedback: str | None
    weight: float | None


@dataclass
class _Block:
    """One question's lines (comments dropped) with their line numbers in the file."""

    numbers: list[int]
    lines: list[str]

    @property
    def start(self) -> int:
        return self.numbers[0]

    def line_at(self, text: str, offset: int) -> int:
        """The file line of ``offset`` in ``text`` (the block's lines joined by newlines)."""
        return self.numbers[min(text.count("\n", 0, offset), len(self.numbers) - 1)]


def _blocks(text: str) -> list[_Block]:
    """The questions of the file, and each ``$CATEGORY`` line as a block of its own."""
    blocks: list[_Block] = []
    current = _Block([], [])
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped or _CATEGORY_RE.match(line):
            if current.lines:
                blocks.append(current)
                current = _Block([], [])
            if stripped:
                blocks.append(_Block([number], [line]))
            continue
        current.numbers.append(number)
        current.lines.append(line)
    if current.lines:
        blocks.append(current)
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


class _Titles:
    """Ids from titles, distinct within the file: Moodle allows a name to repeat."""

    def __init__(self, out: RawParse) -> None:
        self.out = out
        self.seen: dict[str, str] = {}

    def id_for(self, title: str | None, question: str, location: str) -> tuple[str, bool]:
        item_id, derived = id_from_title(title, "gift", question)
        if derived:
            return item_id, True  # made unique by finish()
        if item_id in self.seen:

            def numbered(n: int) -> str:
                return f"{item_id[: 64 - len(str(n)) - 1]}-{n}"

            n = 2
            while numbered(n) in self.seen:
                n += 1
            unique = numbered(n)
            note = _("the title {title} repeats {place}; imported with id {id}").format(
                title=repr(title), place=place(self.seen[item_id]), id=unique
            )
            self.out.notes.append(f"{place(location)}: {note}")
            item_id = unique
        self.seen[item_id] = location
        return item_id, False


def parse_gift(text: str) -> RawParse:
    out = RawParse()
    blocks = _blocks(text)
    check_count(sum(1 for b in blocks if not _CATEGORY_RE.match(b.lines[0])))
    category: str | None = None
    titles = _Titles(out)
    for block in blocks:
        cat = _CATEGORY_RE.match(block.lines[0])
        if cat:
            category = cat.group(1).strip()
            continue
        try:
            _question(block, category, titles, out)
        except Exception as exc:  # defensive: one question never sinks the file
            message = _("could not be read ({error})").format(error=type(exc).__name__)
            out.problem(f"line {block.start}", message)
    return out


def _brace_error(esc: str, block: _Block, item_hint: str | None, out: RawParse) -> bool:
    """Report the first unbalanced brace of the question, with its line; True if any."""
    depth = 0
    opened = 0
    blocks = 0
    for offset, ch in enumerate(esc):
        if ch == "{":
            if depth:
                out.problem(
                    f"line {block.line_at(esc, offset)}",
                    _(
                        "'{{' inside the answer block opened on line {line}; "
                        "write \\{{ for a literal brace"
                    ).format(line=block.line_at(esc, opened)),
                    item_hint,
                )
                return True
            depth, opened = 1, offset
            blocks += 1
        elif ch == "}":
            if not depth:
                out.problem(
                    f"line {block.line_at(esc, offset)}",
                    _(
                        "'}' without its '{': the answer block has no opening brace "
                        "(write \\} for a literal brace)"
                    ),
                    item_hint,
                )
                return True
            depth = 0
    if depth:
        out.problem(
            f"line {block.line_at(esc, opened)}",
            _("an answer block '{' has no closing '}'"),
            item_hint,
        )
        return True
    return False


def _question(block: _Block, category: str | None, titles: _Titles, out: RawParse) -> None:
    esc = _escape("\n".join(block.lines))
    location = f"line {block.start}"
    title: str | None = None
    rest = esc
    tm = re.match(r"\s*::(.*?)::", esc, re.DOTALL)
    if tm:
        title = _restore(tm.group(1))
        rest = esc[tm.end() :]
    item_hint = title or None
    if _brace_error(esc, block, item_hint, out):
        return
    open_at = rest.find("{")
    if open_at < 0:
        out.skip(location, N_("description"), item_hint)
        return
    close_at = rest.find("}", open_at + 1)
    before, inside, after = rest[:open_at], rest[open_at + 1 : close_at], rest[close_at + 1 :]
    if "{" in after:
        out.skip(location, N_("cloze (several answer blocks)"), item_hint)
        return
    if after.strip():
        out.skip(location, N_("missing word"), item_hint)
        return
    before, marker = _format(before)
    is_html = bool(marker)
    image = _image(before) if is_html else None
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
    if image:
        raw["image"] = image
    feedback = ""
    if not body:
        out.skip(location, N_("essay"), item_hint)
        return
    if body.startswith("#"):
        out.skip(location, N_("numerical"), item_hint)
        return
    tf = _TF_RE.fullmatch(body)
    if tf:
        raw["kind"] = "true_false"
        raw["answer"] = tf.group(1).upper().startswith("T")
        parts = (tf.group(2) or "").split("#")[1:]
        # Moodle: the first feedback is shown for a wrong answer, the second for a right one.
        feedback = parts[1] if len(parts) > 1 and parts[1].strip() else (parts[0] if parts else "")
    elif "->" in body:
        out.skip(location, N_("matching"), item_hint)
        return
    elif not re.search(r"[=~]", body):
        # {One}: Moodle reads an answer without a mark as the one right short answer.
        text, _hash, feedback = body.partition("#")
        raw["kind"] = "short_answer"
        raw["accepted"] = [_restore(text, is_html)]
    else:
        answers = _answers(body)
        if answers is None:
            out.problem(
                location, _("each answer must start with '=' (right) or '~' (wrong)"), item_hint
            )
            return
        weighted = [a for a in answers if a.weight is not None]
        right = [a for a in answers if a.mark == "=" or (a.weight or 0) > 0]
        if any(a.mark == "~" for a in answers):
            if len(right) != 1:
                out.skip(location, N_("multiple answer"), item_hint)
                return
            if right[0].weight not in (None, 100.0):
                out.skip(location, N_("weighted answer"), item_hint)
                return
            raw["kind"] = "multiple_choice"
            raw["choices"] = [_restore(a.text, is_html) for a in answers]
            raw["answer"] = _restore(right[0].text, is_html)
            feedback = right[0].feedback or ""
        else:
            if any(a.weight not in (None, 100.0) for a in weighted):
                out.skip(location, N_("weighted answer"), item_hint)
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
    item_id, derived = titles.id_for(title, question, location)
    raw = {"kind": raw.pop("kind"), "id": item_id, **raw}
    out.candidates.append(Candidate(raw, location, reasons, derived_id=derived))


__all__ = ["looks_like_gift", "parse_gift"]
