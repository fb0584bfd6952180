"""The write side of an import: a few bulk statements inside the caller's transaction.

Everything that costs time (parsing, validation, reading what is there, the diff) is
done before by :mod:`.import_plan`; here new questions are one multi-row INSERT, changed
ones one executemany UPDATE by primary key, their tags one DELETE and one INSERT, so the
transaction (and SQLite's single writer) is held for milliseconds, not seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.bank.items import DiscussionItem, QuestionBase
from bot.services.bank.bank import ImportReport, _prompt_fields, _question_fields, _viewpoints
from bot.services.bank.import_plan import IMPORT_ACTION, Planned
from bot.services.revisions import snapshot_prompts, snapshot_questions
from db.models import SHIPPED, AuditEntry, DiscussionPrompt, Question, QuestionTag

CHUNK = 500


@dataclass
class PreparedWrite:
    """The rows an import writes, built before its transaction opens."""

    report: ImportReport = field(default_factory=ImportReport)
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    changed_rows: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[Planned] = field(default_factory=list)


def prepare_write(
    scope: int,
    planned: Sequence[Planned],
    *,
    user_id: int | None,
    now: datetime,
    rng: random.Random | None = None,
) -> PreparedWrite:
    """Every row's values (content hashes, JSON data): CPU work kept out of the write."""
    rng = rng or random.Random()
    out = PreparedWrite()
    for entry in planned:
        if entry.outcome not in ("new", "updated"):
            if entry.outcome == "unchanged":
                out.report.unchanged.append(entry.item.id)
            continue
        getattr(out.report, entry.outcome).append(entry.item.id)
        if isinstance(entry.item, DiscussionItem):
            out.prompts.append(entry)
            continue
        assert isinstance(entry.item, QuestionBase)
        values = _question_fields(entry.item, entry.status, None)
        if entry.existing is None:
            out.new_rows.append(
                {
                    "guild_id": scope,
                    "slug": entry.item.id,
                    "rand_key": rng.random(),
                    "created_by": user_id,
                    "created_at": now,
                    "updated_at": now,
                    **values,
                }
            )
        else:
            values.pop("theme")  # an upload never moves a question out of its theme
            out.changed_rows.append({"id": entry.existing.id, "updated_at": now, **values})
    return out


async def write_prepared(
    session: AsyncSession, scope: int, prepared: PreparedWrite, *, user_id: int | None
) -> ImportReport:
    """Write prepared rows into ``scope`` inside the caller's transaction."""
    report, new_rows, changed_rows = prepared.report, prepared.new_rows, prepared.changed_rows
    questions = Question.__table__
    changed_ids = [row["id"] for row in changed_rows]
    if new_rows:
        # Core INSERT (no ORM unit of work): one executemany with RETURNING.
        inserted = await session.execute(
            insert(questions).returning(questions.c.id, questions.c.slug), new_rows
        )
        ids = {slug: question_id for question_id, slug in inserted}
        await _insert_tags(session, [(ids[row["slug"]], row["tags"]) for row in new_rows])
    if changed_rows:
        await session.execute(update(Question), changed_rows)
        for start in range(0, len(changed_ids), CHUNK):
            chunk = changed_ids[start : start + CHUNK]
            await session.execute(delete(QuestionTag).where(QuestionTag.question_id.in_(chunk)))
        await _insert_tags(session, [(row["id"], row["tags"]) for row in changed_rows])
    changed_prompts = await _write_prompts(session, scope, prepared.prompts, user_id)
    await session.flush()
    await _snapshot(session, changed_ids, changed_prompts, user_id)
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


async def write_import(
    session: AsyncSession,
    scope: int,
    planned: Sequence[Planned],
    *,
    user_id: int | None,
    now: datetime,
    rng: random.Random | None = None,
) -> ImportReport:
    """Prepare and write in one go (when the rows were not prepared beforehand)."""
    prepared = prepare_write(scope, planned, user_id=user_id, now=now, rng=rng)
    return await write_prepared(session, scope, prepared, user_id=user_id)


async def _snapshot(
    session: AsyncSession, question_ids: list[int], prompt_ids: list[int], user_id: int | None
) -> None:
    """Record a revision of every existing item the import changed (issue 12).

    What players were shown already has its revision (made when shown); this keeps
    every version an import wrote in the trail too. A new item gets its first revision
    when it is first shown, so a 5,000-item import of new questions does not load and
    hash 5,000 rows inside its transaction.
    """
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
        await session.execute(insert(QuestionTag.__table__), tags)


async def _write_prompts(
    session: AsyncSession, scope: int, prompts: list[Planned], user_id: int | None
) -> list[int]:
    """Discussion prompts with their viewpoints (few per file: the ORM is fine here).

    Returns the ids of the existing prompts it changed."""
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
    changed: list[DiscussionPrompt] = []
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
            changed.append(row)
    await session.flush()
    return [row.id for row in changed]


__all__ = ["PreparedWrite", "prepare_write", "write_import", "write_prepared"]
