"""Scoring a closed round where the answers are: on the database server.

Each step is one statement computed from the round's answers and the run's
participants: the streak bonuses, the participants' totals, the broken streaks
of those who did not answer, the score totals of three periods; and at the end
of a quiz, its count in the score totals. No statement carries the rows it
writes, so none grows with members (PostgreSQL's 32,767-parameter ceiling), and
nothing is read into Python to be sent back. Before (issue 18), a 10,000-member
round read 10,000 answers and participants, built 40,000 rows in Python and sent
them back as arrays; that took longer than the database's own work.

The rules stay in `bot.core.scoring`: the statements get the streak bonus as a
table from old streak to bonus, computed by `streak_bonus` for every streak the
round can reach.

Order matters and is kept by the caller's transaction: bonuses first (the
participants' totals and the score totals add the answer's points with its
bonus), then participants (the score totals take the new best streak), then
score totals, inserted in key order so that two closes in one guild lock rows
in the same order on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Integer, String, case, literal, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.scoring import streak_bonus
from db.models import QuizAnswer, QuizParticipant, ScoreTotal
from db.upsert import dialect_insert, greatest

ANSWERS = QuizAnswer.__table__
PLAYERS = QuizParticipant.__table__
TOTALS = ScoreTotal.__table__
_TOTAL_COLUMNS = (
    "guild_id",
    "period",
    "user_id",
    "points",
    "correct",
    "answered",
    "answer_time_ms",
    "quizzes",
    "best_streak",
)


def bonus_by_old_streak(round_number: int) -> dict[int, int]:
    """{participant's streak before this round: bonus for a right answer now}, for every
    streak a run can have before its round `round_number`; streaks earning nothing left out."""
    table = {old: streak_bonus(old + 1) for old in range(round_number)}
    return {old: bonus for old, bonus in table.items() if bonus}


async def score_round(
    session: AsyncSession,
    *,
    run_id: int,
    guild_id: int,
    round_id: int,
    round_number: int,
    streak_bonus_on: bool,
    periods: Sequence[str],
) -> None:
    """Score a round that was just closed (once: the caller claimed the close)."""
    a, p = ANSWERS.c, PLAYERS.c
    mine = (p.run_id == run_id, p.user_id == a.user_id, a.round_id == round_id)
    right = a.correct == true()

    bonuses = bonus_by_old_streak(round_number)
    if streak_bonus_on and bonuses:
        await session.execute(
            update(ANSWERS)
            .values(points=a.points + case(bonuses, value=p.streak, else_=0))
            .where(*mine, right, p.streak.in_(list(bonuses)))
        )

    new_streak = case((right, p.streak + 1), else_=0)
    await session.execute(
        update(PLAYERS)
        .values(
            points=p.points + a.points,
            correct=p.correct + case((right, 1), else_=0),
            answered=p.answered + 1,
            total_time_ms=p.total_time_ms + a.elapsed_ms,
            streak=new_streak,
            best_streak=greatest(session, p.best_streak, new_streak),
        )
        .where(*mine)
    )
    # A member who joined the run and did not answer this round breaks their streak.
    answered = select(a.user_id).where(a.round_id == round_id, a.user_id == p.user_id).exists()
    await session.execute(
        update(PLAYERS).values(streak=0).where(p.run_id == run_id, p.streak != 0, ~answered)
    )

    period = _periods(periods)
    rows = (
        select(
            literal(guild_id, BigInteger),
            period.c.period,
            a.user_id,
            a.points,
            case((right, 1), else_=0),
            literal(1, Integer),
            a.elapsed_ms,
            literal(0, Integer),
            p.best_streak,
        )
        .select_from(ANSWERS)
        .join(PLAYERS, (p.run_id == run_id) & (p.user_id == a.user_id))
        .join(period, true())
        .where(a.round_id == round_id)
        .order_by(period.c.period, a.user_id)
    )
    await _add_totals(session, rows, add=("points", "correct", "answered", "answer_time_ms"))


async def count_quiz(
    session: AsyncSession, *, run_id: int, guild_id: int, periods: Sequence[str]
) -> None:
    """At the end of a quiz: one more quiz for everyone who joined, and their best streak."""
    p = PLAYERS.c
    period = _periods(periods)
    zero = literal(0, Integer)
    rows = (
        select(
            literal(guild_id, BigInteger),
            period.c.period,
            p.user_id,
            zero,
            zero,
            zero,
            zero,
            literal(1, Integer),
            p.best_streak,
        )
        .select_from(PLAYERS)
        .join(period, true())
        .where(p.run_id == run_id)
        .order_by(period.c.period, p.user_id)
    )
    await _add_totals(session, rows, add=("quizzes",))


def _periods(periods: Sequence[str]) -> Any:
    """The periods as a little table to join (VALUES with column names is not SQLite's)."""
    return union_all(*(select(literal(name, String).label("period")) for name in periods)).subquery(
        "periods"
    )


async def _add_totals(session: AsyncSession, rows: Any, add: Sequence[str]) -> None:
    """INSERT the rows into score_totals, or add their `add` columns to the row there."""
    stmt = dialect_insert(session, TOTALS).from_select(_TOTAL_COLUMNS, rows)
    set_: dict[str, Any] = {name: TOTALS.c[name] + stmt.excluded[name] for name in add}
    set_["best_streak"] = greatest(session, TOTALS.c.best_streak, stmt.excluded.best_streak)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["guild_id", "period", "user_id"], set_=set_)
    )
