"""Result types of :func:`bot.core.uploads.parse_upload` and the upload limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.items import BankItem

FORMATS: tuple[str, ...] = ("yaml", "json", "csv", "redbot", "opentdb", "gift")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MiB
MAX_UPLOAD_ITEMS = 5000

# Draft reasons (things the content guide requires that a foreign format lacks).
NO_SOURCE = "no source"
NO_EXPLANATION = "no explanation"
PLACEHOLDER_EXPLANATION = "No explanation was supplied with this uploaded question."


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
        head = self.location
        if self.item_id:
            head += f", item {self.item_id}"
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

    @property
    def is_draft(self) -> bool:
        return bool(self.draft_reasons)


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

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def drafts(self) -> list[ParsedItem]:
        return [p for p in self.items if p.draft_reasons]


__all__ = [
    "FORMATS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ITEMS",
    "NO_EXPLANATION",
    "NO_SOURCE",
    "PLACEHOLDER_EXPLANATION",
    "ParsedItem",
    "UploadParse",
    "UploadProblem",
]
