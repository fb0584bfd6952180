"""Clicks judged in memory, written in groups, confirmed only once committed."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, insert, select

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.quiz import AnswerStatus, QuizOptions, QuizService
from db.models import QuizAnswer, QuizParticipant
from tests.factories import mcq

GUILD, CHANNEL = 71_000_000_000_000_001, 9


async def setup(sessions, clock):  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"q-{i}") for i in range(3)], rng=random.Random(1))
    quiz = QuizService(sessions, clock, random.Random(2))
    run = await quiz.start(GUILD, CHANNEL, 1, QuizOptions(questions=3))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    live = LiveAnswers(sessions, clock)
    await live.open(rnd)
    return quiz, live, rnd


async def test_a_burst_of_clicks_is_written_in_few_transactions(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    quiz, live, rnd = await setup(sessions, clock)
    right = rnd.shown_choices.index("Oskil")
    outcomes = await asyncio.gather(
        *(live.answer(rnd.round_id, 1000 + u, choice=right, text=None) for u in range(60)),
        live.answer(rnd.round_id, 1000, choice=0, text=None),  # a double click, in the burst
    )
    statuses = [o.status for o in outcomes if o is not None]
    assert statuses.count(AnswerStatus.ACCEPTED) == 60
    assert statuses.count(AnswerStatus.DUPLICATE) == 1
    assert live.transactions < 10  # grouped, not one per click
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 60
        assert await session.scalar(select(func.count()).select_from(QuizParticipant)) == 60
    await live.close(rnd.round_id)
    reveal = await quiz.close_round(rnd.round_id)
    assert reveal is not None and len(reveal.right) == 60
    await live.shutdown()


async def test_a_stream_of_clicks_shares_transactions(sessions) -> None:  # type: ignore[no-untyped-def]
    """Clicks a millisecond apart (a big server's burst, as they really arrive) are
    written a window's worth at a time, not one transaction each."""
    clock = ManualClock()
    quiz, _live, rnd = await setup(sessions, clock)
    right = rnd.shown_choices.index("Oskil")

    async def stream(live: LiveAnswers, round_id: int) -> int:
        async def click(u: int) -> None:
            await asyncio.sleep(u * 0.001)
            outcome = await live.answer(round_id, 2000 + u, choice=right, text=None)
            assert outcome is not None and outcome.status is AnswerStatus.ACCEPTED

        await asyncio.gather(*(click(u) for u in range(60)))
        return live.transactions

    windowed = LiveAnswers(sessions, clock)  # the default window
    await windowed.open(rnd)
    # 60 clicks over about 60 ms, a transaction at most every `window` (10 ms).
    bound = 60 * 0.001 / windowed.window + 2
    assert await stream(windowed, rnd.round_id) <= bound
    await windowed.close(rnd.round_id)
    await windowed.shutdown()
    await quiz.close_round(rnd.round_id)
    second = await quiz.open_next_round(rnd.run_id)
    assert second is not None
    right = second.shown_choices.index(second.question.choices[second.question.correct_index])
    eager = LiveAnswers(sessions, clock, window=0)  # no window: one transaction a click
    await eager.open(second)
    assert await stream(eager, second.round_id) > bound  # (about one a click)
    await eager.shutdown()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 120


async def test_late_closed_and_unknown_rounds(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    _quiz, live, rnd = await setup(sessions, clock)
    assert await live.answer(rnd.round_id + 99, 5, choice=0, text=None) is None  # not held here
    clock.advance(seconds=61)  # past the 20 s deadline
    late = await live.answer(rnd.round_id, 5, choice=0, text=None)
    assert late is not None and late.status is AnswerStatus.LATE
    await live.close(rnd.round_id)
    assert await live.answer(rnd.round_id, 6, choice=0, text=None) is None  # gone after close
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 0
    await live.shutdown()


async def test_everyone_in_from_round_two(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    quiz, live, first = await setup(sessions, clock)
    one = await live.answer(first.round_id, 1, choice=0, text=None)
    two = await live.answer(first.round_id, 2, choice=1, text=None)
    assert one is not None and two is not None and not two.all_answered  # round 1 runs out
    await live.close(first.round_id)
    await quiz.close_round(first.round_id)
    second = await quiz.open_next_round(first.run_id)
    assert second is not None
    await live.open(second)
    partial = await live.answer(second.round_id, 1, choice=0, text=None)
    assert partial is not None and not partial.all_answered
    last = await live.answer(second.round_id, 2, choice=0, text=None)
    assert last is not None and last.all_answered
    await live.shutdown()


async def test_a_wall_clock_step_back_changes_no_answer_time(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    _quiz, live, rnd = await setup(sessions, clock)
    right = rnd.shown_choices.index("Oskil")
    clock.advance(seconds=10)  # 10 s into the 20 s round...
    clock.step(hours=-1)  # ...the system clock is set back an hour
    outcome = await live.answer(rnd.round_id, 7, choice=right, text=None)
    assert outcome is not None and outcome.status is AnswerStatus.ACCEPTED
    clock.step(hours=2)  # and forward: the round is still open by its own timer
    other = await live.answer(rnd.round_id, 8, choice=right, text=None)
    assert other is not None and other.status is AnswerStatus.ACCEPTED
    await live.close(rnd.round_id)
    async with sessions() as session:
        times = dict(
            (await session.execute(select(QuizAnswer.user_id, QuizAnswer.elapsed_ms))).all()
        )
        points = dict((await session.execute(select(QuizAnswer.user_id, QuizAnswer.points))).all())
    assert times == {7: 10_000, 8: 10_000}  # measured on the monotonic clock
    assert points == {7: 750, 8: 750}  # not 1,000 for "0 ms"
    await live.shutdown()


async def test_a_click_from_another_server_is_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    _quiz, live, rnd = await setup(sessions, clock)
    forged = await live.answer(rnd.round_id, 5, choice=0, text=None, guild_id=GUILD + 1)
    assert forged is not None and forged.status is AnswerStatus.UNKNOWN
    mine = await live.answer(rnd.round_id, 6, choice=0, text=None, guild_id=GUILD)
    assert mine is not None and mine.status is AnswerStatus.ACCEPTED
    await live.close(rnd.round_id)
    async with sessions() as session:
        users = (await session.execute(select(QuizAnswer.user_id))).scalars().all()
    assert users == [6]
    await live.shutdown()


async def test_both_paths_judge_a_click_alike(sessions) -> None:  # type: ignore[no-untyped-def]
    """The in-memory path and the database path share one judge: same click, same row."""
    clock = ManualClock()
    quiz, live, rnd = await setup(sessions, clock)
    right = rnd.shown_choices.index("Oskil")
    clock.advance(seconds=4)
    await live.answer(rnd.round_id, 1, choice=right, text=None, guild_id=GUILD)
    await live.close(rnd.round_id)  # no longer held: the next click takes the database path
    await quiz.answer(rnd.round_id, 2, choice=right, guild_id=GUILD)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(
                    QuizAnswer.choice_index,
                    QuizAnswer.correct,
                    QuizAnswer.elapsed_ms,
                    QuizAnswer.points,
                ).order_by(QuizAnswer.user_id)
            )
        ).all()
    assert rows[0] == rows[1] == (0, True, 4000, 900)
    await live.shutdown()


async def test_time_counts_from_when_the_question_was_shown(sessions) -> None:  # type: ignore[no-untyped-def]
    """A slow post (a 429) must not eat the members' time: once the round is retimed,
    answer times run from then, on the monotonic clock."""
    clock = ManualClock()
    quiz, live, rnd = await setup(sessions, clock)
    right = rnd.shown_choices.index("Oskil")
    clock.advance(seconds=6)  # the post took 6 s
    shown = await quiz.start_answering(rnd)
    assert shown is not None
    live.retime(shown)
    clock.advance(seconds=2)
    await live.answer(rnd.round_id, 3, choice=right, text=None, guild_id=GUILD)
    await live.close(rnd.round_id)
    async with sessions() as session:
        elapsed = await session.scalar(select(QuizAnswer.elapsed_ms))
    assert elapsed == 2000
    await live.shutdown()


async def test_shutdown_lets_the_batch_being_written_finish(sessions) -> None:  # type: ignore[no-untyped-def]
    """Stopping the bot while a batch of clicks is being written: the batch is written
    and its clicks confirmed before shutdown returns (none left waiting forever)."""
    clock = ManualClock()
    _quiz, live, rnd = await setup(sessions, clock)
    async with sessions() as blocker:
        # Another transaction holds what the writer needs (SQLite: the one connection;
        # PostgreSQL: member 1's answer key), so the batch stays in flight.
        await blocker.execute(
            insert(QuizAnswer).values(
                round_id=rnd.round_id,
                guild_id=GUILD,
                user_id=1,
                question_id=rnd.question.id,
                correct=False,
                elapsed_ms=0,
                points=0,
                changes=0,
                answered_at=clock(),
            )
        )
        click = asyncio.create_task(live.answer(rnd.round_id, 1, choice=0, text=None))
        await asyncio.sleep(0.2)  # the writer took it and waits on the database
        stopping = asyncio.create_task(live.shutdown())
        await asyncio.sleep(0.1)
        assert not click.done() and not stopping.done()  # shutdown waits for the batch
        await blocker.rollback()
    await asyncio.wait_for(stopping, 10)
    outcome = await asyncio.wait_for(click, 1)
    assert outcome is not None and outcome.status is AnswerStatus.ACCEPTED
    async with sessions() as session:
        users = (await session.execute(select(QuizAnswer.user_id))).scalars().all()
    assert users == [1]
    # After shutdown clicks are not taken in memory: the database path answers them.
    assert await live.answer(rnd.round_id, 3, choice=0, text=None) is None
