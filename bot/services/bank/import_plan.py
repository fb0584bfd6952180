"""The read side of an import: what each item of a file would do to a server's questions.

Everything here reads, in short indexed queries (by slug and by content hash, in chunks),
so it runs outside the write transaction: the write itself (:mod:`.import_write`) only
claims, inserts and updates. A server with 200,000 questions is never loaded whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.bank.items import BaseItem, DiscussionItem, parse_item
from bot.core.bank.uploads.diff import changes, target_status
from bot.services.bank.bank import item_data
from db.models import SHIPPED, AuditEntry, DiscussionPrompt, Question

CHUNK = 500
# Audit actions that mean "a moderator wrote this item in Discord".
DISCORD_EDITS = ("question.edit", "question.add")
IMPORT_ACTION = "questions.import"


@dataclass(frozen=True)
class Existing:
    """A row of the server already there under an item's id."""

    id: int
    status: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Incoming:
    """An item of the file, as checked: what it lacks and the status the file asked for."""

    item: BaseItem
    draft_reasons: list[str] = field(default_factory=list)
    requested: str | None = None
    keeps: tuple[str, ...] = ()  # fields the file's format cannot carry: kept as they are


@dataclass
class Planned:
    """One item's fate: ``new``, ``updated``, ``unchanged`` or ``duplicate``."""

    incoming: Incoming
    outcome: str
    status: str
    existing: Existing | None = None
    diff: list[str] = field(default_factory=list)
    edited: bool = False  # changed in Discord since its last import, and this changes it

    @property
    def item(self) -> BaseItem:
        return self.incoming.item


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


async def existing_rows(
    session: AsyncSession, scope: int, items: Sequence[BaseItem]
) -> tuple[dict[str, Existing], dict[str, Existing], set[str]]:
    """(own questions by slug, own prompts by slug, content hashes the scope can see)."""
    questions = [i.id for i in items if not isinstance(i, DiscussionItem)]
    prompts = [i.id for i in items if isinstance(i, DiscussionItem)]
    own_q: dict[str, Existing] = {}
    own_p: dict[str, Existing] = {}
    for model, slugs, into in (
        (Question, questions, own_q),
        (DiscussionPrompt, prompts, own_p),
    ):
        for chunk in _chunks(slugs):
            rows = await session.execute(
                select(model.slug, model.id, model.status, model.data).where(
                    model.guild_id == scope, model.slug.in_(list(chunk))
                )
            )
            for slug, row_id, status, data in rows:
                into[slug] = Existing(row_id, status, dict(data or {}))
    visible: set[str] = set()
    scopes = [scope] if scope == SHIPPED else [scope, SHIPPED]
    for model, group in (
        (Question, [i for i in items if not isinstance(i, DiscussionItem)]),
        (DiscussionPrompt, [i for i in items if isinstance(i, DiscussionItem)]),
    ):
        hashes = list(dict.fromkeys(i.content_hash() for i in group))
        for chunk in _chunks(hashes):
            found = await session.execute(
                select(model.content_hash).where(
                    model.guild_id.in_(scopes), model.content_hash.in_(list(chunk))
                )
            )
            visible.update(found.scalars())
    return own_q, own_p, visible


async def edited_in_discord(session: AsyncSession, guild_id: int, slugs: Sequence[str]) -> set[str]:
    """The slugs whose latest change was a moderator's add or edit in Discord (audit log:
    a ``question.edit``/``question.add`` newer than every import that wrote the slug)."""
    if not slugs or guild_id == SHIPPED:
        return set()
    last_edit: dict[str, int] = {}
    for chunk in _chunks(list(slugs)):
        rows = await session.execute(
            select(AuditEntry.target_id, func.max(AuditEntry.id))
            .where(
                AuditEntry.guild_id == guild_id,
                AuditEntry.action.in_(DISCORD_EDITS),
                AuditEntry.target_id.in_(list(chunk)),
            )
            .group_by(AuditEntry.target_id)
        )
        last_edit.update({slug: audit_id for slug, audit_id in rows if slug})
    if not last_edit:
        return set()
    imports = await session.execute(
        select(AuditEntry.id, AuditEntry.detail).where(
            AuditEntry.guild_id == guild_id,
            AuditEntry.action == IMPORT_ACTION,
            AuditEntry.id > min(last_edit.values()),
        )
    )
    for audit_id, detail in imports:
        written = [*(detail or {}).get("new", []), *(detail or {}).get("updated", [])]
        for slug in written:
            if slug in last_edit and audit_id > last_edit[slug]:
                del last_edit[slug]
    return set(last_edit)


def plan(
    incoming: Sequence[Incoming],
    own_questions: dict[str, Existing],
    own_prompts: dict[str, Existing],
    visible: set[str],
    edited: set[str],
) -> list[Planned]:
    """Each item's outcome against the server's rows (pure once the rows are read)."""
    planned: list[Planned] = []
    for entry in incoming:
        item = entry.item
        own = own_prompts if isinstance(item, DiscussionItem) else own_questions
        existing = own.get(item.id)
        status = target_status(
            bool(entry.draft_reasons), entry.requested, existing.status if existing else None
        )
        if existing is None:
            outcome = "duplicate" if item.content_hash() in visible else "new"
            planned.append(Planned(entry, outcome, status))
            continue
        if entry.keeps:
            item = _keeping(item, existing, entry.keeps)
            entry = replace(entry, item=item)
        diff = changes(existing.data, existing.status, item_data(item), status)
        planned.append(
            Planned(
                entry,
                "updated" if diff else "unchanged",
                status,
                existing,
                diff,
                edited=bool(diff) and item.id in edited,
            )
        )
    return planned


def _keeping(item: BaseItem, existing: Existing, keeps: tuple[str, ...]) -> BaseItem:
    """``item`` with the fields its file could not carry taken from the stored row."""
    kept = {k: existing.data[k] for k in keeps if existing.data.get(k)}
    if not kept:
        return item
    try:
        return parse_item({**item_data(item), **kept}, require_sources=False)
    except ValueError:  # the stored value no longer fits this item: the file's wins
        return item


async def plan_import(
    session: AsyncSession, scope: int, incoming: Sequence[Incoming]
) -> list[Planned]:
    """Read what the items meet in ``scope`` and plan each one."""
    items = [entry.item for entry in incoming]
    own_q, own_p, visible = await existing_rows(session, scope, items)
    touched = [slug for slug in own_q if slug]
    edited = await edited_in_discord(session, scope, touched)
    return plan(incoming, own_q, own_p, visible, edited)


__all__ = [
    "Existing",
    "Incoming",
    "Planned",
    "edited_in_discord",
    "existing_rows",
    "plan",
    "plan_import",
]
