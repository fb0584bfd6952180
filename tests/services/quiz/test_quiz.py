"""Quiz runs against a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.quiz import AnswerStatus, QuizAlreadyRunning, QuizOptions, QuizService
from bot.services.quiz.stats import StatsService
from db.models import QuizAnswer
from tests.factories import mcq, short

GUILD, OTHER_GUILD, CHANNEL = 81_000_000_000_000_001, 81_000_000_000_000_002, 555
ALICE, BOB, CAROL = 11, 12, 13


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def quiz(sessions, clock) -> QuizService:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"q-{i}") for i in range(5)], rng=random.Random(1))
    return QuizService(sessions, clock, random.Random(7))


def correct_button(rnd) -> int:  # type: ignore[no-untyped-def]
    return rnd.shown_choices.index("Oskil")


async def test_one_quiz_per_channel(quiz: QuizService) -> None:
    await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2))
    with pytest.raises(QuizAlreadyRunning, match="already running"):
        await quiz.start(GUILD, CHANNEL, BOB, QuizOptions(questions=2))
    # Another channel is independent.
    await quiz.start(GUILD, CHANNEL + 1, BOB, QuizOptions(questions=2))


async def test_round_scoring_duplicates_late_and_results(
    quiz: QuizService, clock, sessions
) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None and rnd.number == 1 and rnd.total == 2
    right, wrong = correct_button(rnd), (correct_button(rnd) + 1) % 4

    assert (await quiz.answer(rnd.round_id, ALICE, choice=right)).status is AnswerStatus.ACCEPTED
    clock.advance(seconds=10)
    assert (await quiz.answer(rnd.round_id, BOB, choice=wrong)).status is AnswerStatus.ACCEPTED
    # A double click (or a re-delivered interaction) changes nothing.
    again = await quiz.answer(rnd.round_id, ALICE, choice=wrong)
    assert again.status is AnswerStatus.DUPLICATE and again.shown_choice == right
    clock.advance(seconds=11)
    assert (await quiz.answer(rnd.round_id, CAROL, choice=right)).status is AnswerStatus.LATE

    reveal = await quiz.close_round(rnd.round_id)
    assert reveal is not None
    assert reveal.correct_shown == right
    assert reveal.right == [ALICE] and reveal.answered == 2
    assert reveal.distribution[right] == 1 and reveal.distribution[wrong] == 1
    # Closing twice scores once.
    await quiz.close_round(rnd.round_id)

    rnd2 = await quiz.open_next_round(run.run_id)
    assert rnd2 is not None and rnd2.question.id != rnd.question.id
    clock.advance(seconds=5)  # 5 of 20 s: 1000 * (1 - 5/20/2) = 875, + streak bonus 100
    await quiz.answer(rnd2.round_id, ALICE, choice=correct_button(rnd2))
    outcome = await quiz.answer(rnd2.round_id, BOB, choice=correct_button(rnd2))
    assert outcome.all_answered  # everyone who joined has answered: close early
    await quiz.close_round(rnd2.round_id)
    assert await quiz.open_next_round(run.run_id) is None

    results = await quiz.finish(run.run_id)
    assert results is not None and results.rounds_played == 2
    assert [r.user_id for r in results.ranking] == [ALICE, BOB]
    assert results.ranking[0].points == 1000 + 875 + 100
    assert results.ranking[1].points == 875
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 4

    board = await StatsService(sessions, clock).leaderboard(GUILD, "all")
    assert [(r.user_id, r.points) for r in board] == [(ALICE, 1975), (BOB, 875)]
    week = await StatsService(sessions, clock).leaderboard(GUILD, "week")
    assert [r.user_id for r in week] == [ALICE, BOB]
    assert await StatsService(sessions, clock).leaderboard(OTHER_GUILD, "all") == []
    stats = await StatsService(sessions, clock).member(GUILD, BOB)
    assert stats is not None and stats.correct == 1 and stats.answered == 2 and stats.rank == 2


async def test_streak_bonus_can_be_switched_off(quiz: QuizService, clock, sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.services.guilds import GuildService

    await GuildService(sessions).update(GUILD, ALICE, streak_bonus=False)
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2))
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        await quiz.answer(rnd.round_id, ALICE, choice=correct_button(rnd))
        await quiz.close_round(rnd.round_id)
    results = await quiz.finish(run.run_id)
    assert results is not None and results.ranking[0].points == 2000


async def test_one_change_when_the_guild_allows_it(quiz: QuizService, sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.services.guilds import GuildService

    await GuildService(sessions).update(GUILD, ALICE, allow_answer_change=True)
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    assert (await quiz.answer(rnd.round_id, ALICE, choice=0)).status is AnswerStatus.ACCEPTED
    assert (await quiz.answer(rnd.round_id, ALICE, choice=1)).status is AnswerStatus.CHANGED
    assert (await quiz.answer(rnd.round_id, ALICE, choice=2)).status is AnswerStatus.DUPLICATE


async def test_short_answers_forgive_typos_but_not_numbers(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [short("river"), short("year", ["1994"], text="Year?")])
    quiz = QuizService(sessions, clock, random.Random(3))
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, kind="facts"))
    seen = {}
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        seen[rnd.question.slug] = rnd
    river, year = seen["river"], seen["year"]
    # Answers to round 1 are already past its deadline only if the clock moved; it did not.
    assert (
        await quiz.answer(river.round_id, ALICE, text="  the oskil ")
    ).status is AnswerStatus.ACCEPTED
    assert (await quiz.answer(year.round_id, ALICE, text="1993")).status is AnswerStatus.ACCEPTED
    r1 = await quiz.close_round(river.round_id)
    r2 = await quiz.close_round(year.round_id)
    assert r1 is not None and r1.right == [ALICE]
    assert r2 is not None and r2.right == []


async def test_guild_questions_stay_in_their_guild(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq("own-q", tags=["local"])], guild_id=OTHER_GUILD)
    quiz = QuizService(sessions, clock)
    from bot.services.quiz.quiz import NoQuestions

    with pytest.raises(NoQuestions):
        await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(tags=("local",)))
    run = await quiz.start(OTHER_GUILD, CHANNEL, ALICE, QuizOptions(tags=("local",)))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None and rnd.question.slug == "own-q"


async def test_stop_closes_the_open_round_and_saves(quiz: QuizService, sessions) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=5))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    await quiz.answer(rnd.round_id, BOB, choice=correct_button(rnd))
    results = await quiz.finish(run.run_id, stopped=True)
    assert results is not None and results.run.status == "stopped"
    assert [r.user_id for r in results.ranking] == [BOB]
    assert (await quiz.answer(rnd.round_id, ALICE, choice=0)).status is AnswerStatus.ENDED
    assert await quiz.running_in_channel(CHANNEL) is None
    board = await StatsService(sessions).leaderboard(GUILD)
    assert board[0].user_id == BOB and board[0].points == 1000


async def test_a_click_from_another_server_is_not_scored(quiz: QuizService, sessions) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    # A forged custom id naming this server's round, clicked in another server.
    forged = await quiz.answer(rnd.round_id, BOB, choice=correct_button(rnd), guild_id=OTHER_GUILD)
    assert forged.status is AnswerStatus.UNKNOWN
    honest = await quiz.answer(rnd.round_id, ALICE, choice=correct_button(rnd), guild_id=GUILD)
    assert honest.status is AnswerStatus.ACCEPTED
    async with sessions() as session:
        users = (await session.execute(select(QuizAnswer.user_id))).scalars().all()
    assert users == [ALICE]


async def test_a_wall_clock_step_back_does_not_give_full_points(
    quiz: QuizService, clock, sessions
) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, seconds=20))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    clock.advance(seconds=10)
    clock.step(hours=-1)  # NTP or an admin sets the clock back an hour
    await quiz.answer(rnd.round_id, ALICE, choice=correct_button(rnd))
    async with sessions() as session:
        answer = await session.scalar(select(QuizAnswer))
    assert answer is not None
    # No round this process drives: the time is clamped, never negative.
    assert answer.elapsed_ms == 0 and answer.points <= 1000


async def test_a_round_with_2000_answering_members_closes_and_finishes(
    quiz: QuizService, clock, sessions
) -> None:  # type: ignore[no-untyped-def]
    """The parameter ceiling: PostgreSQL refuses a statement with more than 32,767
    parameters, which the score upsert of 1,214 answering members used to reach (and
    the group-commit insert of about 2,730 answers). Both rounds go through the real
    click path; every member is right in round 1, every other member in round 2."""
    members = 2000
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    live = LiveAnswers(sessions, clock)
    for number in (1, 2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None and rnd.number == number
        await live.open(rnd)
        right = correct_button(rnd)
        outcomes = await asyncio.gather(
            *(
                live.answer(
                    rnd.round_id,
                    1000 + u,
                    choice=right if number == 1 or u % 2 == 0 else (right + 1) % 4,
                    text=None,
                    guild_id=GUILD,
                )
                for u in range(members)
            )
        )
        assert all(o is not None and o.status is AnswerStatus.ACCEPTED for o in outcomes)
        await live.close(rnd.round_id)
        reveal = await quiz.close_round(rnd.round_id)
        assert reveal is not None and reveal.answered == members
        assert len(reveal.right) == (members if number == 1 else members // 2)
    await live.shutdown()
    results = await quiz.finish(run.run_id)
    assert results is not None and len(results.ranking) == members
    best = results.ranking[0].result
    # Right twice, instantly (the manual clock stands still): 1,000 + 1,000 + 100 streak.
    assert (best.correct, best.answered, best.points, best.best_streak) == (2, 2, 2100, 2)
    assert results.ranking[-1].result.points == 1000
    board = await StatsService(sessions, clock).leaderboard(GUILD, "all", limit=5000)
    assert len(board) == members and board[0].points == 2100
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(QuizAnswer))
    assert stored == 2 * members
