"""Loading bank items into the database: the shipped bank and imports.

Items are matched by their stable id (slug) within a scope (the shipped bank,
or one guild), so an edited item is updated in place and answers already
given keep pointing at the right question. Everything happens in one
transaction: an import lands whole or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.bank.bank_files import load_bank
from bot.core.bank.items import BaseItem, DiscussionItem, QuestionBase
from bot.services.revisions import snapshot_prompts, snapshot_questions
from db.models import SHIPPED, AuditEntry, DiscussionPrompt, Question, QuestionTag, Viewpoint

log = logging.getLogger(__name__)

SHIPPED_BANK = Path(__file__).resolve().parents[3] / "questions"


@dataclass
class ImportReport:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.new)} new, {len(self.updated)} updated, {len(self.unchanged)} unchanged"
        return text + (f", {len(self.retired)} retired" if self.retired else "")


def item_data(item: BaseItem) -> dict[str, Any]:
    """The item as authored, for export: None fields dropped except `paragraph`."""
    data = item.model_dump(mode="json")
    return {k: v for k, v in data.items() if v is not None or k == "paragraph"}


def _question_fields(item: QuestionBase, status: str, theme: str | None) -> dict[str, Any]:
    return {
        "theme": theme,
        "kind": item.kind,
        "text": item.display_text,
        "choices": list(item.choices),
        "correct_index": item.correct_index,
        "accepted_answers": list(item.accepted_answers),
        "explanation": item.explanation,
        "sources": [s.model_dump(mode="json") for s in item.sources],
        "tags": list(item.tags),
        "difficulty": item.difficulty,
        "essay_paragraph": item.paragraph,
        "as_of": item.as_of,
        "data": item_data(item),
        "status": status,
        "content_hash": item.content_hash(),
    }


async def _upsert_question(
    session: AsyncSession,
    guild_id: int,
    item: QuestionBase,
    existing: Question | None,
    status: str,
    user_id: int | None,
    rng: random.Random,
    theme: str | None,
    new_rows: list[dict[str, Any]],
) -> str:
    values = _question_fields(item, status, theme)
    if existing is None:
        # Written in bulk after the loop (see _insert_new_questions).
        new_rows.append(
            {
                "guild_id": guild_id,
                "slug": item.id,
                "rand_key": rng.random(),
                "created_by": user_id,
                **values,
            }
        )
        return "new"
    # A moderator's disable survives a re-import; content changes still apply.
    if existing.status == "disabled" and guild_id != SHIPPED:
        values["status"] = "disabled"
    if all(getattr(existing, k) == v for k, v in values.items()):
        return "unchanged"
    for key, value in values.items():
        setattr(existing, key, value)
    await session.execute(delete(QuestionTag).where(QuestionTag.question_id == existing.id))
    session.add_all(QuestionTag(question_id=existing.id, tag=t) for t in dict.fromkeys(item.tags))
    return "updated"


async def _insert_new_questions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """New questions and their tag rows as two bulk INSERTs: a 5,000-item upload
    would otherwise build and flush 5,000 ORM objects with their relationships."""
    if not rows:
        return
    inserted = await session.execute(insert(Question).returning(Question.id, Question.slug), rows)
    ids = {slug: question_id for question_id, slug in inserted}
    tags = [
        {"question_id": ids[row["slug"]], "tag": tag}
        for row in rows
        for tag in dict.fromkeys(row["tags"])
    ]
    if tags:
        await session.execute(insert(QuestionTag), tags)


def _prompt_fields(item: DiscussionItem, status: str) -> dict[str, Any]:
    return {
        "question": item.question,
        "context": item.explanation or "",
        "sources": [s.model_dump(mode="json") for s in item.sources],
        "tags": list(item.tags),
        "essay_paragraph": item.paragraph,
        "as_of": item.as_of,
        "data": item_data(item),
        "status": status,
        "content_hash": item.content_hash(),
    }


def _viewpoints(item: DiscussionItem) -> list[Viewpoint]:
    return [
        Viewpoint(
            position=i,
            label=v.label,
            stance=v.position,
            # Shown with the evidence the other sides cite against it (items.Viewpoint).
            argument=v.argument_shown,
            held_by=v.held_by,
            source=v.source.model_dump(mode="json") if v.source else {},
        )
        for i, v in enumerate(item.viewpoints)
    ]


async def _upsert_prompt(
    session: AsyncSession,
    guild_id: int,
    item: DiscussionItem,
    existing: DiscussionPrompt | None,
    status: str,
    user_id: int | None,
) -> str:
    values = _prompt_fields(item, status)
    if existing is None:
        row = DiscussionPrompt(guild_id=guild_id, slug=item.id, created_by=user_id, **values)
        row.viewpoints = _viewpoints(item)
        session.add(row)
        return "new"
    if all(getattr(existing, k) == v for k, v in values.items()):
        return "unchanged"
    for key, value in values.items():
        setattr(existing, key, value)
    await session.refresh(existing, ["viewpoints"])
    existing.viewpoints.clear()
    await session.flush()
    existing.viewpoints.extend(_viewpoints(item))
    return "updated"


async def _snapshot_updated(
    session: AsyncSession,
    updated: Sequence[str],
    questions: dict[str, Question],
    prompts: dict[str, DiscussionPrompt],
    user_id: int | None,
) -> None:
    """Every changed version becomes a revision: the history of an item's edits.
    (What was shown before the change already has its revision; see revisions.)"""
    if not updated:
        return
    await session.flush()
    await snapshot_questions(
        session, [questions[s].id for s in updated if s in questions], user_id=user_id
    )
    await snapshot_prompts(
        session, [prompts[s].id for s in updated if s in prompts], user_id=user_id
    )


async def import_items(
    sessions: async_sessionmaker[AsyncSession],
    items: Sequence[BaseItem],
    *,
    guild_id: int | None = None,
    user_id: int | None = None,
    drafts: Sequence[str] = (),
    retire_missing: bool = False,
    themes: dict[str, str] | None = None,
    rng: random.Random | None = None,
) -> ImportReport:
    """Insert or update items by id in one transaction of its own."""
    async with sessions.begin() as session:
        return await import_items_in(
            session,
            items,
            guild_id=guild_id,
            user_id=user_id,
            drafts=drafts,
            retire_missing=retire_missing,
            themes=themes,
            rng=rng,
        )


async def import_items_in(
    session: AsyncSession,
    items: Sequence[BaseItem],
    *,
    guild_id: int | None = None,
    user_id: int | None = None,
    drafts: Sequence[str] = (),
    retire_missing: bool = False,
    themes: dict[str, str] | None = None,
    rng: random.Random | None = None,
) -> ImportReport:
    """Insert or update items by id inside the caller's transaction.

    `drafts` names items imported as drafts (lacking what the guide
    requires); `retire_missing` disables items of the scope that are no
    longer in `items` (the shipped bank after an upgrade removed one).
    """
    scope = SHIPPED if guild_id is None else guild_id
    rng = rng or random.Random()
    report = ImportReport()
    draft_ids = set(drafts)
    questions = {
        q.slug: q
        for q in (
            await session.execute(select(Question).where(Question.guild_id == scope))
        ).scalars()
    }
    prompts = {
        p.slug: p
        for p in (
            await session.execute(
                select(DiscussionPrompt).where(DiscussionPrompt.guild_id == scope)
            )
        ).scalars()
    }
    new_rows: list[dict[str, Any]] = []
    for item in items:
        status = "draft" if item.id in draft_ids else "active"
        if isinstance(item, DiscussionItem):
            outcome = await _upsert_prompt(
                session, scope, item, prompts.get(item.id), status, user_id
            )
        else:
            assert isinstance(item, QuestionBase)
            outcome = await _upsert_question(
                session,
                scope,
                item,
                questions.get(item.id),
                status,
                user_id,
                rng,
                (themes or {}).get(item.id),
                new_rows,
            )
        getattr(report, outcome).append(item.id)
    await _insert_new_questions(session, new_rows)
    await _snapshot_updated(session, report.updated, questions, prompts, user_id)
    if retire_missing:
        present = {item.id for item in items}
        for slug, row in [*questions.items(), *prompts.items()]:
            if slug not in present and row.status != "disabled":
                row.status = "disabled"
                report.retired.append(slug)
    if guild_id is not None and (report.new or report.updated):
        session.add(
            AuditEntry(
                guild_id=guild_id,
                user_id=user_id,
                action="questions.import",
                target_type="bank",
                detail={"new": report.new, "updated": report.updated},
            )
        )
    return report


async def sync_shipped_bank(
    sessions: async_sessionmaker[AsyncSession], path: Path = SHIPPED_BANK
) -> ImportReport:
    """Bring the shipped bank in the database up to the files: run at every start."""
    result = await asyncio.to_thread(load_bank, path)
    if result.problems:
        shown = "\n".join(str(p) for p in result.problems[:20])
        raise ValueError(f"the shipped question bank at {path} has problems:\n{shown}")
    themes = {entry.item.id: entry.theme for entry in result.entries}
    report = await import_items(sessions, result.items, retire_missing=True, themes=themes)
    log.info("shipped bank: %s", report.summary())
    return report


async def export_items(
    sessions: async_sessionmaker[AsyncSession], *, guild_id: int | None = None
) -> tuple[str, int]:
    """A scope's items as bank YAML that re-imports to the same set, and their count."""
    scope = SHIPPED if guild_id is None else guild_id
    async with sessions() as session:
        questions = (
            await session.execute(
                select(Question.data).where(Question.guild_id == scope).order_by(Question.id)
            )
        ).scalars()
        prompts = (
            await session.execute(
                select(DiscussionPrompt.data)
                .where(DiscussionPrompt.guild_id == scope)
                .order_by(DiscussionPrompt.id)
            )
        ).scalars()
        items = [*questions, *prompts]
    document = {"theme": "export" if guild_id is None else f"guild-{guild_id}", "items": items}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False), len(items)
