"""Leaderboards and a member's statistics, read from precomputed totals."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.services.quiz.quiz import period_key
from db.models import AuditEntry, QuestionTag, QuizAnswer, ScoreTotal

BOARD_PAGE = 10


@dataclass(frozen=True)
class BoardRow:
    rank: int
    user_id: int
    points: int
    correct: int
    answered: int
    answer_time_ms: int


@dataclass(frozen=True)
class BoardPage:
    """One page of a period's board, and where the caller stands on the whole board."""

    period: str  # "week", "month" or "all"
    key: str  # the stored bucket: "w2026-48", "m2026-11", "all"
    rows: list[BoardRow]
    page: int
    pages: int
    total: int  # members on the board
    me: BoardRow | None  # the caller's row, None if they have no score in this period

    @property
    def me_on_page(self) -> bool:
        return self.me is not None and any(r.user_id == self.me.user_id for r in self.rows)


@dataclass(frozen=True)
class BoardReset:
    period: str
    key: str
    members: int
    points: int


def _board_order() -> tuple[object, ...]:
    """One order everywhere: points, then faster total time, then user id (stable)."""
    return (ScoreTotal.points.desc(), ScoreTotal.answer_time_ms, ScoreTotal.user_id)


def _row(rank: int, r: ScoreTotal) -> BoardRow:
    return BoardRow(rank, r.user_id, r.points, r.correct, r.answered, r.answer_time_ms)


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

    async def board_page(
        self,
        guild_id: int,
        period: str = "all",
        page: int = 1,
        *,
        user_id: int | None = None,
        per_page: int = BOARD_PAGE,
    ) -> BoardPage:
        """A page of everyone on the board (a page past the end shows the last one), and
        the caller's own place whether or not it is on that page.

        Places are positions in the one board order (points, then total answer time,
        then member id), so every member has exactly one place and pages never overlap.
        """
        key = period_key(period, self.clock())
        board = (ScoreTotal.guild_id == guild_id, ScoreTotal.period == key)
        async with self.sessions() as session:
            total = int(await session.scalar(select(func.count()).where(*board)) or 0)
            pages = max(1, math.ceil(total / per_page))
            page = min(max(1, page), pages)
            offset = (page - 1) * per_page
            rows = (
                await session.execute(
                    select(ScoreTotal)
                    .where(*board)
                    .order_by(*_board_order())
                    .offset(offset)
                    .limit(per_page)
                )
            ).scalars()
            shown = [_row(offset + i, r) for i, r in enumerate(rows, start=1)]
            me = None
            if user_id is not None:
                mine = next((r for r in shown if r.user_id == user_id), None)
                me = mine or await self._place(session, guild_id, key, user_id)
        return BoardPage(period, key, shown, page, pages, total, me)

    async def _place(
        self, session: AsyncSession, guild_id: int, key: str, user_id: int
    ) -> BoardRow | None:
        total = await session.get(ScoreTotal, (guild_id, key, user_id))
        if total is None:
            return None
        board = (ScoreTotal.guild_id == guild_id, ScoreTotal.period == key)
        # Three clean ranges of the board index, as in member(): O(place), no OR scan.
        ahead = select(func.count()).where(*board, ScoreTotal.points > total.points)
        tied = (*board, ScoreTotal.points == total.points)
        faster = select(func.count()).where(*tied, ScoreTotal.answer_time_ms < total.answer_time_ms)
        same_time_lower_id = select(func.count()).where(
            *tied,
            ScoreTotal.answer_time_ms == total.answer_time_ms,
            ScoreTotal.user_id < user_id,
        )
        better = await session.scalar(
            select(
                ahead.scalar_subquery()
                + faster.scalar_subquery()
                + same_time_lower_id.scalar_subquery()
            )
        )
        return _row(int(better or 0) + 1, total)

    async def reset_period(self, guild_id: int, period: str, *, by: int) -> BoardReset:
        """Clear this server's board for the current week, month or all time; audited.

        Answers stay (so /stats topics and reports are untouched); only the board's
        totals for that period go, and new answers start it again from zero.
        """
        key = period_key(period, self.clock())
        board = (ScoreTotal.guild_id == guild_id, ScoreTotal.period == key)
        async with self.sessions.begin() as session:
            members, points = (
                await session.execute(
                    select(func.count(), func.coalesce(func.sum(ScoreTotal.points), 0)).where(
                        *board
                    )
                )
            ).one()
            await session.execute(delete(ScoreTotal).where(*board))
            session.add(
                AuditEntry(
                    guild_id=guild_id,
                    user_id=by,
                    action="leaderboard.reset",
                    target_type="leaderboard",
                    target_id=key,
                    detail={"period": period, "members": int(members), "points": int(points)},
                )
            )
        return BoardReset(period, key, int(members), int(points))

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
