"""A round is scored on the database server; what members get must be what the rules in
`bot.core.quiz.scoring` say, on SQLite and PostgreSQL.

Eight rounds (the streak bonus reaches its cap at a streak of six), members who are
right, wrong, silent, or join late, at varied speeds; after each close every answer's
points, every participant's totals and streak, and at the end every score total is
compared with a plain replay of the rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.quiz.scoring import streak_bonus
from bot.services.bank.bank import import_items
from bot.services.guilds import GuildService
from bot.services.quiz.quiz import QuizOptions, QuizService, score_periods
from db.models import QuizAnswer, QuizParticipant, ScoreTotal
from tests.factories import mcq

GUILD, CHANNEL = 83_000_000_000_000_001, 557
MEMBERS = [31 + i for i in range(12)]
ROUNDS = 8


@dataclass
class Expected:
    points: int = 0
    correct: int = 0
    answered: int = 0
    total_time_ms: int = 0
    streak: int = 0
    best_streak: int = 0


def plan(seed: int) -> list[dict[int, bool | None]]:
    """Per round, each member's answer: right (True), wrong (False), silent (None).
    Member 0 is always right (reaches the bonus cap); member 1 joins in round 4."""
    rng = random.Random(seed)
    rounds = []
    for number in range(1, ROUNDS + 1):
        choices: dict[int, bool | None] = {}
        for i, member in enumerate(MEMBERS):
            if i == 0:
                choices[member] = True
            elif i == 1:
                choices[member] = None if number < 4 else rng.random() < 0.8
            else:
                choices[member] = rng.choice([True, True, False, None])
        rounds.append(choices)
    return rounds


@pytest.mark.parametrize("bonus_on", [True, False])
async def test_scores_follow_the_rules_round_by_round(sessions, bonus_on: bool) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    await import_items(sessions, [mcq(f"r-{i}") for i in range(ROUNDS)], rng=random.Random(2))
    if not bonus_on:
        await GuildService(sessions).update(GUILD, MEMBERS[0], streak_bonus=False)
    quiz = QuizService(sessions, clock, random.Random(5))
    run = await quiz.start(GUILD, CHANNEL, MEMBERS[0], QuizOptions(questions=ROUNDS, seconds=20))
    expected: dict[int, Expected] = {}
    for choices in plan(seed=11):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        right = rnd.shown_choices.index("Oskil")
        for member, is_right in choices.items():
            clock.advance(milliseconds=700)  # each member a little slower than the last
            if is_right is not None:
                await quiz.answer(rnd.round_id, member, choice=right if is_right else right ^ 1)
        async with sessions() as session:
            base = {
                u: (points, elapsed)
                for u, points, elapsed in await session.execute(
                    select(QuizAnswer.user_id, QuizAnswer.points, QuizAnswer.elapsed_ms).where(
                        QuizAnswer.round_id == rnd.round_id
                    )
                )
            }
        # The rules, replayed: who joined before this round and what they earn now.
        earned = {}
        for member, is_right in choices.items():
            if is_right is None:
                if member in expected:
                    expected[member].streak = 0
                continue
            e = expected.setdefault(member, Expected())
            e.streak = e.streak + 1 if is_right else 0
            e.best_streak = max(e.best_streak, e.streak)
            points, elapsed = base[member]
            if is_right and bonus_on:
                points += streak_bonus(e.streak)
            earned[member] = points
            e.points += points
            e.correct += int(is_right)
            e.answered += 1
            e.total_time_ms += elapsed

        reveal = await quiz.close_round(rnd.round_id)
        assert reveal is not None and reveal.answered == len(earned)
        await quiz.close_round(rnd.round_id)  # closing twice scores once
        async with sessions() as session:
            stored = dict(
                (
                    await session.execute(
                        select(QuizAnswer.user_id, QuizAnswer.points).where(
                            QuizAnswer.round_id == rnd.round_id
                        )
                    )
                ).all()
            )
            players = {
                p.user_id: Expected(
                    p.points, p.correct, p.answered, p.total_time_ms, p.streak, p.best_streak
                )
                for p in (
                    await session.execute(
                        select(QuizParticipant).where(QuizParticipant.run_id == run.run_id)
                    )
                ).scalars()
            }
        assert stored == earned
        assert players == expected

    assert expected[MEMBERS[0]].best_streak == ROUNDS
    if bonus_on:  # the cap was reached: 100, 200, ... 500, 500, 500
        assert expected[MEMBERS[0]].points - sum(b for b in (0, 100, 200, 300, 400, 500)) > 0

    results = await quiz.finish(run.run_id)
    assert results is not None
    assert {r.user_id: r.points for r in results.ranking} == {
        u: e.points for u, e in expected.items()
    }
    async with sessions() as session:
        totals = (
            (await session.execute(select(ScoreTotal).where(ScoreTotal.guild_id == GUILD)))
            .scalars()
            .all()
        )
    periods = score_periods(clock())
    assert {(t.period, t.user_id) for t in totals} == {(p, u) for p in periods for u in expected}
    for t in totals:
        e = expected[t.user_id]
        assert (
            t.points,
            t.correct,
            t.answered,
            t.answer_time_ms,
            t.quizzes,
            t.best_streak,
        ) == (e.points, e.correct, e.answered, e.total_time_ms, 1, e.best_streak), t.user_id
