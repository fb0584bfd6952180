"""The game screen's data: when answering starts, and the standings after each question
(SQLite and PostgreSQL)."""

from __future__ import annotations

import random

import pytest

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.quiz import AnswerStatus, QuizOptions, QuizService
from tests.factories import mcq

GUILD, CHANNEL = 82_000_000_000_000_001, 556
ALICE, BOB, CAROL = 21, 22, 23


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def quiz(sessions, clock) -> QuizService:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"s-{i}") for i in range(5)], rng=random.Random(1))
    return QuizService(sessions, clock, random.Random(7))


def right(rnd) -> int:  # type: ignore[no-untyped-def]
    return rnd.shown_choices.index("Oskil")


async def test_answering_time_starts_when_the_answers_open(quiz: QuizService, clock) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, seconds=20))
    drawn = await quiz.open_next_round(run.run_id)
    assert drawn is not None
    clock.advance(seconds=3)  # the get-ready beat
    opened = await quiz.start_answering(drawn)
    assert opened is not None
    assert opened.started_at == clock() and (opened.deadline_at - opened.started_at).seconds == 20
    # 19 s after the answers opened (22 s after the draw) the answer still counts.
    clock.advance(seconds=19)
    outcome = await quiz.answer(opened.round_id, ALICE, choice=right(opened))
    assert outcome.status is AnswerStatus.ACCEPTED
    assert (await quiz.get_round(opened.round_id)).deadline_at == opened.deadline_at  # type: ignore[union-attr]


async def test_standings_with_movement_and_each_members_result(quiz: QuizService, clock) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    first = await quiz.open_next_round(run.run_id)
    assert first is not None
    await quiz.answer(first.round_id, ALICE, choice=right(first))
    clock.advance(seconds=4)
    await quiz.answer(first.round_id, BOB, choice=right(first))
    await quiz.answer(first.round_id, CAROL, choice=(right(first) + 1) % 4)
    await quiz.close_round(first.round_id)
    after_first = await quiz.standings(first.round_id)
    assert after_first is not None
    assert [(s.user_id, s.place, s.previous_place) for s in after_first.top] == [
        (ALICE, 1, None),
        (BOB, 2, None),
        (CAROL, 3, None),
    ]
    carol = after_first.of(CAROL)
    assert carol is not None and not carol.correct and carol.gained == 0 and carol.answered

    second = await quiz.open_next_round(run.run_id)
    assert second is not None
    await quiz.answer(second.round_id, CAROL, choice=right(second))
    await quiz.answer(second.round_id, BOB, choice=right(second))
    clock.advance(seconds=19)
    await quiz.answer(second.round_id, ALICE, choice=(right(second) + 1) % 4)
    await quiz.close_round(second.round_id)
    after = await quiz.standings(second.round_id)
    assert after is not None
    places = {s.user_id: (s.place, s.previous_place) for s in after.everyone}
    # Carol ties Alice on points and wins on time: she climbs, Alice falls.
    assert places == {BOB: (1, 2), CAROL: (2, 3), ALICE: (3, 1)}
    bob = after.of(BOB)
    assert bob is not None and bob.correct and bob.streak == 2 and bob.gained > 1000  # bonus
    assert after.of(99) is None
    assert await quiz.standings(10_000) is None


async def test_the_close_carries_the_same_standings_as_a_read_after_it(quiz: QuizService) -> None:
    """The runner asks the close for the places (one transaction a round, not two):
    they are the places a separate read afterwards gives, movement included."""
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        await quiz.answer(rnd.round_id, ALICE, choice=right(rnd))
        await quiz.answer(rnd.round_id, BOB, choice=(right(rnd) + rnd.number) % 4)
        reveal = await quiz.close_round(rnd.round_id, run=run, rnd=rnd, with_standings=True)
        assert reveal is not None and reveal.standings is not None
        assert reveal.standings == await quiz.standings(rnd.round_id)
    assert [(s.user_id, s.place, s.previous_place) for s in reveal.standings.everyone] == [
        (ALICE, 1, 1),
        (BOB, 2, 2),
    ]
    plain = await quiz.close_round(rnd.round_id)  # already closed: described, not scored
    assert plain is not None and plain.standings is None
