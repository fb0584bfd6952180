"""Revisions: a question or prompt, once shown, never changes under anyone.

Writers (the edit form, uploads, the shipped bank's sync) change the live
row in place; what was shown is kept here. A revision is keyed by the hash
of its content, so asking for the current revision twice, from two
processes at once, or after an edit that changed nothing, yields one row.
Rounds, practice answers and discussions keep the id they showed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.bank.questions import question_snapshot, question_view
from bot.services.discussions.prompts import prompt_snapshot, prompt_view
from db.models import DiscussionPrompt, PromptRevision, Question, QuestionRevision
from db.upsert import dialect_insert

Revision = type[QuestionRevision] | type[PromptRevision]


def content_hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _ensure(
    session: AsyncSession,
    model: Revision,
    owner: str,
    snapshots: dict[int, dict[str, Any]],
    user_id: int | None,
) -> dict[int, int]:
    """Revision ids for {owner id: content}, inserting the contents not stored yet."""
    if not snapshots:
        return {}
    keyed = {owner_id: content_hash(data) for owner_id, data in snapshots.items()}
    owner_col = getattr(model, owner)
    found = {
        owner_id: rev_id
        for rev_id, owner_id in await session.execute(_stored(model, owner_col, keyed))
    }
    missing = [
        {owner: owner_id, "content_hash": keyed[owner_id], "data": data, "created_by": user_id}
        for owner_id, data in snapshots.items()
        if owner_id not in found
    ]
    if not missing:
        return found
    # ON CONFLICT DO NOTHING: another process may store the same content at once. The
    # rows inserted come back (RETURNING); only those another process stored
    # meanwhile are read (a round's draw of a question never shown: 2 statements, not 3).
    inserted = await session.execute(
        dialect_insert(session, model).on_conflict_do_nothing().returning(model.id, owner_col),
        missing,
    )
    found.update({owner_id: rev_id for rev_id, owner_id in inserted})
    raced = [(row[owner], row["content_hash"]) for row in missing if row[owner] not in found]
    if raced:
        found.update(
            {
                owner_id: rev_id
                for rev_id, owner_id in await session.execute(
                    _stored(model, owner_col, dict(raced))
                )
            }
        )
    return found


def _stored(model: Revision, owner_col: Any, keyed: dict[int, str]) -> Any:
    """The stored revisions among {owner id: content hash}. One pair, the draw of a
    round's question, is a plain equality: an IN of pairs is re-rendered at every
    execution (an expanding parameter), a cost each round turnover paid."""
    if len(keyed) == 1:
        ((owner_id, digest),) = keyed.items()
        condition = and_(owner_col == owner_id, model.content_hash == digest)
    else:
        condition = tuple_(owner_col, model.content_hash).in_(list(keyed.items()))
    return select(model.id, owner_col).where(condition)


async def question_revision(
    session: AsyncSession, row: Question, *, user_id: int | None = None
) -> int:
    """The id of the revision holding `row`'s current content (created if new)."""
    snapshot = {row.id: question_snapshot(question_view(row))}
    return (await _ensure(session, QuestionRevision, "question_id", snapshot, user_id))[row.id]


async def prompt_revision(
    session: AsyncSession, row: DiscussionPrompt, *, user_id: int | None = None
) -> int:
    """The id of the revision holding `row`'s current prompt and viewpoints."""
    snapshot = {row.id: prompt_snapshot(prompt_view(row))}
    return (await _ensure(session, PromptRevision, "prompt_id", snapshot, user_id))[row.id]


async def snapshot_questions(
    session: AsyncSession, question_ids: Sequence[int], *, user_id: int | None = None
) -> None:
    """Record the current content of these questions as revisions, in bulk.

    Writers call it after an edit so the audit trail holds every version a
    moderator made, not only the ones that were shown.
    """
    for chunk in _chunks(question_ids):
        rows = (await session.execute(select(Question).where(Question.id.in_(chunk)))).scalars()
        snapshots = {row.id: question_snapshot(question_view(row)) for row in rows}
        await _ensure(session, QuestionRevision, "question_id", snapshots, user_id)


async def snapshot_prompts(
    session: AsyncSession, prompt_ids: Sequence[int], *, user_id: int | None = None
) -> None:
    """Record the current content of these prompts (with their viewpoints) as revisions."""
    for chunk in _chunks(prompt_ids):
        rows = (
            await session.execute(
                select(DiscussionPrompt)
                .where(DiscussionPrompt.id.in_(chunk))
                .options(selectinload(DiscussionPrompt.viewpoints))
            )
        ).scalars()
        snapshots = {row.id: prompt_snapshot(prompt_view(row)) for row in rows}
        await _ensure(session, PromptRevision, "prompt_id", snapshots, user_id)


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    """Bounded statements: PostgreSQL refuses more than 32,767 parameters in one."""
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]
