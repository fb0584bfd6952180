"""Leaderboards and a member's statistics, read from precomputed totals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.services.quiz import period_key
from db.models import QuestionTag, QuizAnswer, ScoreTotal


@dataclass(frozen=True)
class BoardRow:
    rank: int
    user_id: int
    points: int
    correct: int
    answered: int
    answer_time_ms: int


@dataclass(frozen=True)
class TopicScore:
    tag: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class MemberStats:
    user_id: int
    points: int
    correct: int
    answered: int
    quizzes: int
    best_streak: int
    rank: int | None
    strong: list[TopicScore]
    weak: list[TopicScore]

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


class StatsService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    async def leaderboard(
        self, guild_id: int, period: str = "all", limit: int = 10
    ) -> list[BoardRow]:
        """Top members by points, ties broken by total answer time (one index walk)."""
        key = period_key(period, self.clock())
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(ScoreTotal)
                    .where(ScoreTotal.guild_id == guild_id, ScoreTotal.period == key)
                    .order_by(
                        ScoreTotal.points.desc(), ScoreTotal.answer_time_ms, ScoreTotal.user_id
                    )
                    .limit(limit)
                )
            ).scalars()
            return [
                BoardRow(i, r.user_id, r.points, r.correct, r.answered, r.answer_time_ms)
                for i, r in enumerate(rows, start=1)
            ]

    async def member(self, guild_id: int, user_id: int, topics: int = 3) -> MemberStats | None:
        async with self.sessions() as session:
            total = await session.get(ScoreTotal, (guild_id, "all", user_id))
            if total is None:
                return None
            # Two clean ranges of the board index (an OR of both is one slower scan);
            # counting stays O(rank) per call: fine at 100,000 members (BENCHMARKS.md).
            board = (ScoreTotal.guild_id == guild_id, ScoreTotal.period == "all")
            ahead = (
                select(func.count()).where(*board, ScoreTotal.points > total.points)
            ).scalar_subquery()
            tied_faster = (
                select(func.count()).where(
                    *board,
                    ScoreTotal.points == total.points,
                    ScoreTotal.answer_time_ms < total.answer_time_ms,
                )
            ).scalar_subquery()
            better = await session.scalar(select(ahead + tied_faster))
            by_tag = (
                await session.execute(
                    select(
                        QuestionTag.tag,
                        func.count(),
                        func.sum(case((QuizAnswer.correct, 1), else_=0)),
                    )
                    .join(QuestionTag, QuestionTag.question_id == QuizAnswer.question_id)
                    .where(QuizAnswer.guild_id == guild_id, QuizAnswer.user_id == user_id)
                    .group_by(QuestionTag.tag)
                )
            ).all()
            scores = [TopicScore(tag, int(n), int(c or 0)) for tag, n, c in by_tag if n >= 2]
            ordered = sorted(scores, key=lambda t: (-t.accuracy, -t.answered, t.tag))
            strong = [t for t in ordered if t.accuracy >= 0.5][:topics]
            weak = [t for t in reversed(ordered) if t.accuracy < 0.75 and t not in strong][:topics]
            return MemberStats(
                user_id=user_id,
                points=total.points,
                correct=total.correct,
                answered=total.answered,
                quizzes=total.quizzes,
                best_streak=total.best_streak,
                rank=int(better or 0) + 1,
                strong=strong,
                weak=weak,
            )
