"""The write side of an import: a few bulk statements inside the caller's transaction.

Everything that costs time (parsing, validation, reading what is there, the diff) is
done before by :mod:`.import_plan`; here new questions are one multi-row INSERT, changed
ones one executemany UPDATE by primary key, their tags one DELETE and one INSERT, so the
transaction (and SQLite's single writer) is held for milliseconds, not seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.items import DiscussionItem, QuestionBase
from bot.services.bank import ImportReport, _prompt_fields, _question_fields, _viewpoints
from bot.services.import_plan import IMPORT_ACTION, Planned
from bot.services.revisions import snapshot_prompts, snapshot_questions
from db.models import SHIPPED, AuditEntry, DiscussionPrompt, Question, QuestionTag

CHUNK = 500


async def write_import(
    session: AsyncSession,
    scope: int,
    planned: Sequence[Planned],
    *,
    user_id: int | None,
    now: datetime,
    rng: random.Random | None = None,
) -> ImportReport:
    """Write the ``new`` and ``updated`` items of ``planned`` into ``scope``."""
    rng = rng or random.Random()
    report = ImportReport()
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    prompts: list[Planned] = []
    for entry in planned:
        if entry.outcome not in ("new", "updated"):
            if entry.outcome == "unchanged":
                report.unchanged.append(entry.item.id)
            continue
        getattr(report, entry.outcome).append(entry.item.id)
        if isinstance(entry.item, DiscussionItem):
            prompts.append(entry)
            continue
        assert isinstance(entry.item, QuestionBase)
        values = _question_fields(entry.item, entry.status, None)
        if entry.existing is None:
            new_rows.append(
                {
                    "guild_id": scope,
                    "slug": entry.item.id,
                    "rand_key": rng.random(),
                    "created_by": user_id,
                    **values,
                }
            )
        else:
            values.pop("theme")  # an upload never moves a question out of its theme
            changed_rows.append({"id": entry.existing.id, "updated_at": now, **values})

    question_ids: list[int] = []
    if new_rows:
        inserted = await session.execute(
            insert(Question).returning(Question.id, Question.slug), new_rows
        )
        ids = {slug: question_id for question_id, slug in inserted}
        question_ids.extend(ids.values())
        await _insert_tags(session, [(ids[row["slug"]], row["tags"]) for row in new_rows])
    if changed_rows:
        await session.execute(update(Question), changed_rows)
        changed_ids = [row["id"] for row in changed_rows]
        question_ids.extend(changed_ids)
        for start in range(0, len(changed_ids), CHUNK):
            chunk = changed_ids[start : start + CHUNK]
            await session.execute(delete(QuestionTag).where(QuestionTag.question_id.in_(chunk)))
        await _insert_tags(session, [(row["id"], row["tags"]) for row in changed_rows])
    prompt_ids = await _write_prompts(session, scope, prompts, user_id)
    await session.flush()
    await _snapshot(session, question_ids, prompt_ids, user_id)
    if scope != SHIPPED and (report.new or report.updated):
        session.add(
            AuditEntry(
                guild_id=scope,
                user_id=user_id,
                action=IMPORT_ACTION,
                target_type="bank",
                detail={"new": report.new, "updated": report.updated},
            )
        )
    return report


async def _snapshot(
    session: AsyncSession, question_ids: list[int], prompt_ids: list[int], user_id: int | None
) -> None:
    """Record a revision of every item written, so what players were shown before stays
    as it was and the new content is the next draw's (issue 12)."""
    if question_ids:
        await snapshot_questions(session, question_ids, user_id=user_id)
    if prompt_ids:
        await snapshot_prompts(session, prompt_ids, user_id=user_id)


async def _insert_tags(session: AsyncSession, rows: list[tuple[int, list[str]]]) -> None:
    tags = [
        {"question_id": question_id, "tag": tag}
        for question_id, names in rows
        for tag in dict.fromkeys(names)
    ]
    if tags:
        await session.execute(insert(QuestionTag), tags)


async def _write_prompts(
    session: AsyncSession, scope: int, prompts: list[Planned], user_id: int | None
) -> list[int]:
    """Discussion prompts with their viewpoints (few per file: the ORM is fine here)."""
    if not prompts:
        return []
    existing_ids = [p.existing.id for p in prompts if p.existing is not None]
    rows: dict[int, DiscussionPrompt] = {}
    if existing_ids:
        found = await session.execute(
            select(DiscussionPrompt)
            .where(DiscussionPrompt.id.in_(existing_ids))
            .options(selectinload(DiscussionPrompt.viewpoints))
        )
        rows = {row.id: row for row in found.scalars()}
    written: list[DiscussionPrompt] = []
    for entry in prompts:
        item = entry.item
        assert isinstance(item, DiscussionItem)
        values = _prompt_fields(item, entry.status)
        if entry.existing is None:
            row = DiscussionPrompt(guild_id=scope, slug=item.id, created_by=user_id, **values)
            row.viewpoints = _viewpoints(item)
            session.add(row)
        else:
            row = rows[entry.existing.id]
            for key, value in values.items():
                setattr(row, key, value)
            row.viewpoints.clear()
            await session.flush()
            row.viewpoints.extend(_viewpoints(item))
        written.append(row)
    await session.flush()
    return [row.id for row in written]


__all__ = ["write_import"]
