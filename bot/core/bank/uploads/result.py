"""Result types of :func:`bot.core.bank.uploads.parse_upload` and the upload limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.bank.items import BankItem
from bot.core.translate import N_, _

FORMATS: tuple[str, ...] = ("yaml", "json", "csv", "redbot", "opentdb", "gift")
# Formats other tools write: an item there that cannot be played is skipped with its reason
# (the rest of the file still imports); in our own formats it is a problem to fix.
FOREIGN_FORMATS: tuple[str, ...] = ("redbot", "opentdb", "gift")
# Fields a format has no place for: a file in that format leaves them as they are on an
# item already here (a CSV file without translation columns does not strip a question's
# translations; one with them carries them, see UploadParse.keeps).
_EDITORIAL = ("translations", "reviewed", "history")
UNCARRIED: dict[str, tuple[str, ...]] = {
    "csv": _EDITORIAL,
    "gift": _EDITORIAL,
    "redbot": (*_EDITORIAL, "image"),
    "opentdb": (*_EDITORIAL, "image"),
}
# An item's status as a file may state it (``status:``); absent means "as its content
# allows" (active, or a draft when it lacks a source or an explanation).
STATUSES: tuple[str, ...] = ("active", "draft", "disabled")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MiB
MAX_UPLOAD_ITEMS = 5000

# Draft reasons (things the content guide requires that a foreign format lacks): marked
# here, translated where a reason is added to an item (bot.core.bank.uploads.formats.base).
NO_SOURCE = N_("no source")
NO_EXPLANATION = N_("no explanation")
MARKED_DRAFT = N_("marked as a draft in the file")
PLACEHOLDER_EXPLANATION = "No explanation was supplied with this uploaded question."
# Explanations that stand in for a missing one (uploads, the /questions add form): an item
# carrying one is a draft, also when it comes back in an exported file.
PLACEHOLDER_EXPLANATIONS: tuple[str, ...] = (
    PLACEHOLDER_EXPLANATION,
    "No explanation was given yet.",
)


_PLACE = re.compile(r"^(line|item) (\d+)$")


def place(location: str) -> str:
    """A location (``"line 12"``, ``"item 3"``, ``"file"``: kept in English, as keys to
    sort and compare by) in the reader's words."""
    if location == "file":
        return _("file")
    match = _PLACE.match(location)
    if match is None:
        return location
    number = match.group(2)
    if match.group(1) == "line":
        return _("line {number}").format(number=number)
    return _("item {number}").format(number=number)


@dataclass(frozen=True)
class UploadProblem:
    """One thing wrong with (or left out of) an uploaded file.

    ``location`` is ``"line 12"`` or ``"item 3"`` (1-based), or ``"file"`` for the whole
    file.
    """

    location: str
    item_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        head = place(self.location)
        if self.item_id:
            head += ", " + _("item {id}").format(id=self.item_id)
        parts = [head]
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class ParsedItem:
    """An item that passed the schema (lenient mode: sources may be missing).

    ``draft_reasons`` non-empty means: import it as a draft, not published.
    """

    item: BankItem
    draft_reasons: list[str]
    location: str
    status: str | None = None  # what the file asked for ("disabled", "draft", "active")

    @property
    def is_draft(self) -> bool:
        return bool(self.draft_reasons)

    @property
    def target_status(self) -> str:
        """The status to import with: a draft whatever the file says when it lacks
        something; else disabled or active as the file says (active by default)."""
        if self.draft_reasons:
            return "draft"
        return "disabled" if self.status == "disabled" else "active"


@dataclass(frozen=True)
class UploadParse:
    """What an uploaded file held.

    ``problems`` are defects (the item concerned is not in ``items``); ``skipped`` are
    questions of a type the bot does not support (e.g. GIFT "essay"); ``notes`` are
    remarks that need no action (e.g. a Red-DiscordBot CONFIG that was not applied).
    """

    format: str
    items: list[ParsedItem]
    problems: list[UploadProblem]
    skipped: list[UploadProblem]
    notes: list[str] = field(default_factory=list)
    uncarried: tuple[str, ...] | None = None  # None: the format's own (UNCARRIED)

    @property
    def keeps(self) -> tuple[str, ...]:
        """Fields this file cannot carry: an item already here keeps its own. A CSV file
        carries translations only when its header has translation columns."""
        if self.uncarried is not None:
            return self.uncarried
        return UNCARRIED.get(self.format, ())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def drafts(self) -> list[ParsedItem]:
        return [p for p in self.items if p.draft_reasons]


__all__ = [
    "FOREIGN_FORMATS",
    "FORMATS",
    "MARKED_DRAFT",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ITEMS",
    "NO_EXPLANATION",
    "NO_SOURCE",
    "PLACEHOLDER_EXPLANATION",
    "PLACEHOLDER_EXPLANATIONS",
    "STATUSES",
    "UNCARRIED",
    "ParsedItem",
    "UploadParse",
    "UploadProblem",
    "place",
]
