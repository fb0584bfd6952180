"""Revisions: a question or prompt, once shown, never changes under anyone.

Writers (the edit form, uploads, the shipped bank's sync) change the live
row in place; what was shown is kept here. A revision is keyed by the hash
of its content, so asking for the current revision twice, from two
processes at once, or after an edit that changed nothing, yields one row.
Rounds, practice answers and discussions keep the id they showed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.bank.questions import question_snapshot, question_view
from bot.services.discussions.prompts import prompt_snapshot, prompt_view
from db.models import DiscussionPrompt, PromptRevision, Question, QuestionRevision
from db.one_trip import EngineTx, Tx
from db.upsert import dialect_insert

Revision = type[QuestionRevision] | type[PromptRevision]


def content_hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _ensure(
    tx: Tx,
    model: Revision,
    owner: str,
    snapshots: dict[int, dict[str, Any]],
    user_id: int | None,
) -> dict[int, int]:
    """Revision ids for {owner id: content}, inserting the contents not stored yet
    (a transaction body, `db.one_trip`: a round's draw runs it in one trip on SQLite)."""
    if not snapshots:
        return {}
    keyed = {owner_id: content_hash(data) for owner_id, data in snapshots.items()}
    found = _stored(tx, model, owner, keyed)
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
    inserted = tx.returning_many(_insert(tx.dialect, model, owner), missing)
    found.update({owner_id: rev_id for rev_id, owner_id in inserted})
    raced = {row[owner]: row["content_hash"] for row in missing if row[owner] not in found}
    if raced:
        found.update(_stored(tx, model, owner, raced))
    return found


def _stored(tx: Tx, model: Revision, owner: str, keyed: dict[int, str]) -> dict[int, int]:
    """{owner id: revision id} of the stored revisions among {owner id: content hash}.
    One pair, the draw of a round's question, is a statement built once: an IN of
    pairs is re-rendered at every execution, a cost each round turnover paid."""
    if len(keyed) == 1:
        ((owner_id, digest),) = keyed.items()
        rows = tx.execute(_one_stored(model, owner), {"owner": owner_id, "hash": digest}).rows
    else:
        owner_col = getattr(model, owner)
        pairs = tuple_(owner_col, model.content_hash).in_(list(keyed.items()))
        rows = tx.execute(select(model.id, owner_col).where(pairs)).rows
    return {owner_id: rev_id for rev_id, owner_id in rows}


@functools.cache
def _one_stored(model: Revision, owner: str) -> Any:
    owner_col = getattr(model, owner)
    return select(model.id, owner_col).where(
        owner_col == bindparam("owner"), model.content_hash == bindparam("hash")
    )


@functools.cache
def _insert(dialect: str, model: Revision, owner: str) -> Any:
    return (
        dialect_insert(dialect, model)
        .on_conflict_do_nothing()
        .returning(model.id, getattr(model, owner))
    )


async def _ensure_in(
    session: AsyncSession,
    model: Revision,
    owner: str,
    snapshots: dict[int, dict[str, Any]],
    user_id: int | None,
) -> dict[int, int]:
    """`_ensure` in the session's transaction."""
    conn = await session.connection()
    return await conn.run_sync(
        lambda sync: _ensure(EngineTx(sync), model, owner, snapshots, user_id)
    )


async def question_revision(
    session: AsyncSession, row: Question, *, user_id: int | None = None
) -> int:
    """The id of the revision holding `row`'s current content (created if new)."""
    snapshot = {row.id: question_snapshot(question_view(row))}
    return (await _ensure_in(session, QuestionRevision, "question_id", snapshot, user_id))[row.id]


def current_revision(tx: Tx, row: Any, *, user_id: int | None = None) -> int:
    """`question_revision` in a transaction body, for a row of the questions table."""
    snapshot = {row.id: question_snapshot(question_view(row))}
    return _ensure(tx, QuestionRevision, "question_id", snapshot, user_id)[row.id]


async def prompt_revision(
    session: AsyncSession, row: DiscussionPrompt, *, user_id: int | None = None
) -> int:
    """The id of the revision holding `row`'s current prompt and viewpoints."""
    snapshot = {row.id: prompt_snapshot(prompt_view(row))}
    return (await _ensure_in(session, PromptRevision, "prompt_id", snapshot, user_id))[row.id]


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
        await _ensure_in(session, QuestionRevision, "question_id", snapshots, user_id)


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
        await _ensure_in(session, PromptRevision, "prompt_id", snapshots, user_id)


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    """Bounded statements: PostgreSQL refuses more than 32,767 parameters in one."""
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]
