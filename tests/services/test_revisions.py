"""Revisions on SQLite and PostgreSQL: history stays true after any edit."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select

from bot.core.bank.items import parse_item
from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.quiz import QuizOptions, QuizService
from bot.services.revisions import question_revision
from db.models import Question, QuestionRevision
from tests.factories import mcq

GUILD, CHANNEL, ALICE = 81_000_000_000_000_001, 555, 11


async def revisions(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(QuestionRevision)) or 0)


async def test_a_past_round_reads_as_it_was_shown_after_two_edits(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    await import_items(sessions, [mcq("river")], guild_id=GUILD)
    quiz = QuizService(sessions, clock, random.Random(3))
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, seconds=20))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    right = rnd.shown_choices.index("Oskil")
    await quiz.answer(rnd.round_id, ALICE, choice=right)
    clock.advance(seconds=30)
    await quiz.close_round(rnd.round_id)
    await quiz.finish(run.run_id)
    assert await revisions(sessions) == 1  # made when the question was first shown

    for text, choices in (
        ("Which river? (fixed)", ["Dnipro", "Oskil"]),
        ("Which river?", ["Oskil", "Don"]),
    ):
        data = {**mcq("river").model_dump(), "text": text, "choices": choices}
        await import_items(sessions, [parse_item(data)], guild_id=GUILD)
    # Unchanged re-uploads add nothing.
    await import_items(sessions, [parse_item(data)], guild_id=GUILD)
    assert await revisions(sessions) == 3

    past = await quiz.get_round(rnd.round_id)
    assert past is not None
    assert past.shown_choices == rnd.shown_choices and past.question.text == rnd.question.text
    reveal = await quiz.close_round(rnd.round_id)  # idempotent: the stored round, re-read
    assert reveal is not None and reveal.distribution[right] == 1 and reveal.right == [ALICE]


async def test_two_processes_storing_the_same_new_revision_get_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    """The second writer's INSERT meets the first's row (ON CONFLICT DO NOTHING returns
    nothing) and reads the id it stored: one revision, one id for both."""
    async with sessions() as session:
        if session.bind.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer: two transactions cannot both be inserting")
    await import_items(sessions, [mcq("river")], guild_id=GUILD)
    async with sessions() as session:
        row = await session.scalar(select(Question))
    assert row is not None
    first = sessions()
    await first.begin()
    try:
        mine = await question_revision(first, row)  # inserted, not committed yet

        async def other_process() -> int:
            async with sessions.begin() as session:
                return await question_revision(session, row)

        theirs = asyncio.create_task(other_process())
        await asyncio.sleep(0.3)  # its INSERT waits on the uncommitted row
        assert not theirs.done()
        await first.commit()
    finally:
        await first.close()
    assert await asyncio.wait_for(theirs, 10) == mine
    assert await revisions(sessions) == 1
