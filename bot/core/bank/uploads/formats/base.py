"""What the format parsers share: candidates, ids, tags, and the common finish.

A format parser turns the file into :class:`Candidate` mappings (raw items in the bank
schema's shape) plus file-level problems. :func:`finish` validates every candidate
through the one schema (:func:`bot.core.bank.items.parse_item`, lenient mode), converts
pydantic errors into readable per-field problems, refuses mentions, reports duplicates
and works out the draft reasons.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.core.bank import language
from bot.core.bank.bank_files import _FIELD_PREFIX, _field_path, _message, _split_path
from bot.core.bank.items import (
    ALL_KINDS,
    ID_PATTERN,
    MENTION_RE,
    TAG_PATTERN,
    normalise_text,
    parse_item,
)
from bot.core.bank.uploads.result import (
    FOREIGN_FORMATS,
    MARKED_DRAFT,
    MAX_UPLOAD_ITEMS,
    NO_EXPLANATION,
    NO_SOURCE,
    PLACEHOLDER_EXPLANATIONS,
    STATUSES,
    ParsedItem,
    UploadParse,
    UploadProblem,
    place,
)
from bot.core.translate import _

UPLOADED_TAG = "uploaded"
DEFAULT_DIFFICULTY = 2
FILE = "file"

_PLACEHOLDERS = frozenset(normalise_text(p) for p in PLACEHOLDER_EXPLANATIONS)
_PLACEHOLDER_MAX = 2 * max(len(p) for p in PLACEHOLDER_EXPLANATIONS)


class FileRefused(Exception):
    """The whole file cannot be read: one problem, no items."""

    def __init__(self, message: str, location: str = FILE) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass
class Candidate:
    """One raw item found in the file, before validation."""

    raw: Any
    location: str
    draft_reasons: list[str] = field(default_factory=list)
    derived_id: bool = False
    status: str | None = None  # a status the format carries outside the item mapping
    # Maps a pydantic error location (within the item) to a finer location, e.g. a line.
    locate: Callable[[tuple[Any, ...]], str | None] | None = None
    # Maps a schema field path to the name the file uses, e.g. a CSV column.
    rename: Callable[[str], str] | None = None

    def field_name(self, path: str | None) -> str | None:
        return self.rename(path) if path and self.rename is not None else path


@dataclass
class RawParse:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[UploadProblem] = field(default_factory=list)
    skipped: list[UploadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Fields this file cannot carry, when it differs from its format's (see UNCARRIED).
    uncarried: tuple[str, ...] | None = None

    def problem(
        self,
        location: str,
        message: str,
        item_id: str | None = None,
        fld: str | None = None,
    ) -> None:
        self.problems.append(UploadProblem(location, item_id, fld, message))

    def skip(self, location: str, kind: str, item_id: str | None = None) -> None:
        """A question of a type the bot does not play (``kind``: its name, marked N_)."""
        self.skipped.append(
            UploadProblem(
                location,
                item_id,
                None,
                _("{kind} questions are not supported").format(kind=_(kind)),
            )
        )

    def cannot_play(self, location: str, reason: str, item_id: str | None = None) -> None:
        """An item the bot cannot play: skipped with its reason, the rest imports."""
        self.skipped.append(
            UploadProblem(
                location, item_id, None, _("cannot be played: {reason}").format(reason=reason)
            )
        )


def value_error(exc: Exception) -> str:
    """A ValueError from reading a value, in a moderator's words."""
    text = str(exc)
    if "integer string conversion" in text:
        return _("a number has more than 4,300 digits")
    return text[:160]


def check_count(count: int) -> None:
    """Refuse a file with too many items before parsing them."""
    if count > MAX_UPLOAD_ITEMS:
        raise FileRefused(
            _(
                "the file holds more than {most} items; split it into files of "
                "at most {most} (nothing was imported)"
            ).format(most=f"{MAX_UPLOAD_ITEMS:,}")
        )


# --------------------------------------------------------------------------- ids and tags


def slugify(value: str, max_length: int) -> str:
    """ASCII slug of ``value`` (may be empty)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return slug[:max_length].strip("-")


def derived_id(fmt: str, text: str) -> str:
    """A stable id for an item whose format has none: ``up-<8 hex>``."""
    digest = hashlib.sha256(f"{fmt}\n{normalise_text(text)}".encode()).hexdigest()
    return f"up-{digest[:8]}"


def id_from_title(title: str | None, fmt: str, text: str) -> tuple[str, bool]:
    """An id from a title when it makes a valid slug, else a derived one.

    Returns ``(id, derived)``.
    """
    if title:
        slug = slugify(title, 64)
        if re.match(ID_PATTERN, slug):
            return slug, False
    return derived_id(fmt, text), True


def category_tag(category: Any) -> str | None:
    if not isinstance(category, str):
        return None
    # "Entertainment: Books" -> "entertainment-books"; Moodle paths keep the last part.
    last = category.replace("$course$", "").strip("/").split("/")[-1]
    slug = slugify(last, 32)
    if slug == UPLOADED_TAG or not re.match(TAG_PATTERN, slug):
        return None
    return slug


def upload_tags(category: Any = None) -> list[str]:
    tag = category_tag(category)
    return [UPLOADED_TAG, tag] if tag else [UPLOADED_TAG]


# --------------------------------------------------------------------------- finishing


def _walk_strings(value: Any, depth: int = 0) -> list[tuple[str, str]]:
    """(path, text) of every string in a dumped item."""
    out: list[tuple[str, str]] = []
    if depth > 20:
        return out
    if isinstance(value, str):
        out.append(("", value))
    elif isinstance(value, dict):
        for key, sub in value.items():
            for path, text in _walk_strings(sub, depth + 1):
                out.append((f"{key}.{path}" if path else str(key), text))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            for path, text in _walk_strings(sub, depth + 1):
                out.append((f"[{i}].{path}" if path else f"[{i}]", text))
    return out


def mention_problems(data: Any) -> list[tuple[str | None, str]]:
    """(field, message) for each string that carries Discord mention syntax."""
    found: list[tuple[str | None, str]] = []
    for path, text in _walk_strings(data):
        match = MENTION_RE.search(text)
        if match:
            path = path.replace(".[", "[")
            message = _("contains Discord mention syntax {mention}; remove it")
            found.append((path or None, message.format(mention=repr(match.group(0)))))
    return found


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def validation_problems(
    exc: ValidationError, candidate: Candidate, item_id: str | None
) -> list[UploadProblem]:
    problems: list[UploadProblem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        fld = _field_path(loc)
        message = _message(err)
        line_loc: tuple[Any, ...] = loc
        if fld is None:
            match = _FIELD_PREFIX.match(message)
            if match:
                fld, message = match.group(1), match.group(2)
                line_loc = tuple(_split_path(fld))
        if line_loc and line_loc[0] in ALL_KINDS:
            line_loc = line_loc[1:]  # the discriminated-union tag
        location = candidate.location
        if candidate.locate is not None:
            location = candidate.locate(line_loc) or location
        problems.append(UploadProblem(location, item_id, candidate.field_name(fld), message))
    return problems


def _draft_reasons(item: Any, given: list[str], status: str | None = None) -> list[str]:
    reasons = [_(reason) for reason in given]  # constants marked with N_

    def add(reason: str) -> None:
        if reason not in reasons:
            reasons.append(reason)

    if status == "draft":
        add(_(MARKED_DRAFT))
    explanation = getattr(item, "explanation", None)
    if (
        isinstance(explanation, str)
        and len(explanation) <= _PLACEHOLDER_MAX
        and normalise_text(explanation) in _PLACEHOLDERS
    ):
        add(_(NO_EXPLANATION))

    if not item.has_sources and item.kind != "discussion":
        add(_(NO_SOURCE))
    if item.kind == "discussion":
        if not item.has_sources and any(vp.source is None for vp in item.viewpoints):
            add(_(NO_SOURCE))
        for i, vp in enumerate(item.viewpoints):
            if vp.source is None:
                add(_("viewpoint {number} has no source").format(number=i + 1))
    for issue in language.check_item_detailed(item):
        add(_("language: {issue}").format(issue=issue))
    return reasons


def finish(
    fmt: str,
    raw: RawParse,
    essay_paragraphs: list[str] | None = None,
) -> UploadParse:
    """Validate the candidates and assemble the :class:`UploadParse`."""
    problems = list(raw.problems)
    if len(raw.candidates) > MAX_UPLOAD_ITEMS:
        problems.append(
            UploadProblem(
                FILE,
                None,
                None,
                _(
                    "the file holds {count} items; at most {most} per file (nothing was imported)"
                ).format(count=f"{len(raw.candidates):,}", most=f"{MAX_UPLOAD_ITEMS:,}"),
            )
        )
        return UploadParse(fmt, [], problems, list(raw.skipped), list(raw.notes))

    if not raw.candidates and not problems and not raw.skipped:
        problems.append(UploadProblem(FILE, None, None, _("the file holds no questions")))

    # Derived ids must be unique within the file: suffix repeats.
    used: set[str] = {i for c in raw.candidates if not c.derived_id and (i := _raw_id(c.raw))}
    for cand in raw.candidates:
        if cand.derived_id and isinstance(cand.raw, dict):
            base = cand.raw.get("id")
            if isinstance(base, str) and base in used:
                n = 2
                while f"{base}-{n}" in used:
                    n += 1
                cand.raw["id"] = f"{base}-{n}"
            if isinstance(cand.raw.get("id"), str):
                used.add(cand.raw["id"])

    items: list[ParsedItem] = []
    seen_ids: dict[str, str] = {}
    seen_hashes: dict[str, tuple[str, str]] = {}
    skipped = list(raw.skipped)
    foreign = fmt in FOREIGN_FORMATS

    def refuse(found: list[UploadProblem]) -> None:
        """Our formats: a problem to fix. Other tools' files: the item is skipped with
        its reason, so one unplayable question does not lose the whole file."""
        if not foreign:
            problems.extend(found)
            return
        for p in found:
            what = f"{p.field}: {p.message}" if p.field else p.message
            message = _("cannot be played: {reason}").format(reason=what)
            skipped.append(UploadProblem(p.location, p.item_id, None, message))

    for cand in raw.candidates:
        item_id = _raw_id(cand.raw)
        try:
            if not isinstance(cand.raw, dict):
                problems.append(
                    UploadProblem(cand.location, None, None, _("an item must be a mapping"))
                )
                continue
            status = cand.status
            if "status" in cand.raw:
                status = cand.raw.pop("status")
                if status not in STATUSES:
                    where = cand.locate(("status",)) if cand.locate else None
                    problems.append(
                        UploadProblem(
                            where or cand.location,
                            item_id,
                            "status",
                            _("must be one of {statuses}, got {value}").format(
                                statuses=", ".join(STATUSES), value=repr(str(status)[:40])
                            ),
                        )
                    )
                    continue
            try:
                item = parse_item(
                    cand.raw, require_sources=False, essay_paragraphs=essay_paragraphs
                )
            except ValidationError as exc:
                refuse(validation_problems(exc, cand, item_id))
                continue
            mentions = mention_problems(item.model_dump(mode="json"))
            if mentions:
                refuse(
                    [
                        UploadProblem(cand.location, item.id, cand.field_name(fld), msg)
                        for fld, msg in mentions
                    ]
                )
                continue
            if item.id in seen_ids:
                problems.append(
                    UploadProblem(
                        cand.location,
                        item.id,
                        "id",
                        _("duplicate id (also at {place})").format(place=place(seen_ids[item.id])),
                    )
                )
                continue
            digest = item.content_hash()
            if digest in seen_hashes:
                other_id, other_loc = seen_hashes[digest]
                message = _("same content as item {id} ({place})").format(
                    id=other_id, place=place(other_loc)
                )
                if foreign:
                    message = _("{problem}; imported once").format(problem=message)
                    skipped.append(UploadProblem(cand.location, item.id, None, message))
                else:
                    problems.append(UploadProblem(cand.location, item.id, None, message))
                continue
            reasons = _draft_reasons(item, cand.draft_reasons, status)
        except (RecursionError, MemoryError):
            problems.append(UploadProblem(cand.location, item_id, None, _("item is too deep")))
            continue
        except Exception as exc:  # never let one item sink the file
            problems.append(
                UploadProblem(
                    cand.location,
                    item_id,
                    None,
                    _("could not be read ({error})").format(error=type(exc).__name__),
                )
            )
            continue
        seen_ids[item.id] = cand.location
        seen_hashes[digest] = (item.id, cand.location)
        items.append(ParsedItem(item, reasons, cand.location, status))
    problems.sort(key=location_key)
    skipped.sort(key=location_key)
    return UploadParse(fmt, items, problems, skipped, list(raw.notes), raw.uncarried)


def location_key(problem: UploadProblem) -> int:
    """Sort key: file-level problems first, then by line or item number."""
    match = re.search(r"\d+", problem.location)
    return int(match.group(0)) if match else -1


__all__ = [
    "DEFAULT_DIFFICULTY",
    "FILE",
    "MENTION_RE",
    "UPLOADED_TAG",
    "Candidate",
    "FileRefused",
    "RawParse",
    "category_tag",
    "check_count",
    "derived_id",
    "finish",
    "id_from_title",
    "mention_problems",
    "slugify",
    "upload_tags",
    "value_error",
]
