"""Scoring a closed round where the answers are: on the database server.

Each step is one statement computed from the round's answers and the run's
participants: the streak bonuses, the participants' totals, the broken streaks
of those who did not answer, the score totals of three periods; and at the end
of a quiz, its count in the score totals. No statement carries the rows it
writes, so none grows with members (PostgreSQL's 32,767-parameter ceiling), and
nothing is read into Python to be sent back. Before (issue 18), a 10,000-member
round read 10,000 answers and participants, built 40,000 rows in Python and sent
them back as arrays; that took longer than the database's own work.

The rules stay in `bot.core.quiz.scoring`: the statements get the streak bonus as a
table from old streak to bonus, computed by `streak_bonus` up to the streak that
earns the cap (a longer one is looked up there).

Order matters and is kept by the caller's transaction: bonuses first (the
participants' totals and the score totals add the answer's points with its
bonus), then participants (the score totals take the new best streak), then
score totals, inserted in key order so that two closes in one guild lock rows
in the same order on PostgreSQL.

Each statement is built once per shape (dialect, number of periods) and run with
bound parameters: building them and computing their cache keys anew at every close
was the largest part of a round turnover's own CPU. A round's scoring runs in the
close's transaction body (`db.one_trip`), on SQLite in one trip with the close.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.quiz.scoring import streak_bonus
from bot.services.quiz.round_statements import param, params
from db.models import QuizAnswer, QuizParticipant, ScoreTotal
from db.one_trip import Tx
from db.upsert import dialect_insert, dialect_name, greatest, least, on_conflict_add

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


@functools.cache
def bonus_by_old_streak() -> dict[int, int]:
    """{participant's streak before a round: bonus for a right answer now}, from the
    first streak that earns one up to the first that earns the cap; a longer streak
    earns the cap too (`_bonus_statement` looks it up at that streak). The same table
    for every round, so the statement has one shape."""
    table: dict[int, int] = {}
    old = 0
    while True:
        bonus = streak_bonus(old + 1)
        if bonus:
            table[old] = bonus
            if bonus == streak_bonus(old + 2):
                return table  # capped from here on
        old += 1


def score_round(
    tx: Tx,
    *,
    run_id: int,
    guild_id: int,
    round_id: int,
    round_number: int,
    streak_bonus_on: bool,
    periods: Sequence[str],
) -> None:
    """Score a round that was just closed (once: the caller claimed the close), in the
    caller's transaction (a `db.one_trip` body)."""
    values = params(run_id=run_id, round_id=round_id, guild_id=guild_id)
    # Before round `round_number` no streak is longer than `round_number - 1`.
    if streak_bonus_on and round_number - 1 >= min(bonus_by_old_streak()):
        tx.execute(_bonus_statement(tx.dialect), values)
    tx.execute(_players_statement(tx.dialect), values)
    # A member who joined the run and did not answer this round breaks their streak.
    tx.execute(_broken_streaks_statement(), values)
    tx.execute(_round_totals_statement(tx.dialect, len(periods)), values | _period_params(periods))


async def count_quiz(
    session: AsyncSession, *, run_id: int, guild_id: int, periods: Sequence[str]
) -> None:
    """At the end of a quiz: one more quiz for everyone who joined, and their best streak."""
    await session.execute(
        _quiz_totals_statement(dialect_name(session), len(periods)),
        params(run_id=run_id, guild_id=guild_id) | _period_params(periods),
    )


# -- the statements, built once per shape ----------------------------------------------

_A, _P = ANSWERS.c, PLAYERS.c
_RIGHT = _A.correct == true()
_MINE = (
    _P.run_id == param("run_id", _P.run_id),
    _P.user_id == _A.user_id,
    _A.round_id == param("round_id", _A.round_id),
)


@functools.lru_cache(maxsize=4)
def _bonus_statement(dialect: str) -> Any:
    """Add the streak bonus to this round's right answers."""
    table = bonus_by_old_streak()
    looked_up = least(dialect, _P.streak, max(table))
    return (
        update(ANSWERS)
        .values(points=_A.points + case(table, value=looked_up, else_=0))
        .where(*_MINE, _RIGHT, _P.streak >= min(table))
    )


@functools.lru_cache(maxsize=4)
def _players_statement(dialect: str) -> Any:
    new_streak = case((_RIGHT, _P.streak + 1), else_=0)
    return (
        update(PLAYERS)
        .values(
            points=_P.points + _A.points,
            correct=_P.correct + case((_RIGHT, 1), else_=0),
            answered=_P.answered + 1,
            total_time_ms=_P.total_time_ms + _A.elapsed_ms,
            streak=new_streak,
            best_streak=greatest(dialect, _P.best_streak, new_streak),
        )
        .where(*_MINE)
    )


@functools.lru_cache(maxsize=1)
def _broken_streaks_statement() -> Any:
    answered = (
        select(_A.user_id)
        .where(_A.round_id == param("round_id", _A.round_id), _A.user_id == _P.user_id)
        .exists()
    )
    return (
        update(PLAYERS)
        .values(streak=0)
        .where(_P.run_id == param("run_id", _P.run_id), _P.streak != 0, ~answered)
    )


@functools.lru_cache(maxsize=8)
def _round_totals_statement(dialect: str, periods: int) -> Any:
    period = _periods(periods)
    rows = (
        select(
            param("guild_id", TOTALS.c.guild_id),
            period.c.period,
            _A.user_id,
            _A.points,
            case((_RIGHT, 1), else_=0),
            literal(1, Integer),
            _A.elapsed_ms,
            literal(0, Integer),
            _P.best_streak,
        )
        .select_from(ANSWERS)
        .join(PLAYERS, (_P.run_id == param("run_id", _P.run_id)) & (_P.user_id == _A.user_id))
        .join(period, true())
        .where(_A.round_id == param("round_id", _A.round_id))
        .order_by(period.c.period, _A.user_id)
    )
    return _add_totals(dialect, rows, add=("points", "correct", "answered", "answer_time_ms"))


@functools.lru_cache(maxsize=8)
def _quiz_totals_statement(dialect: str, periods: int) -> Any:
    period = _periods(periods)
    zero = literal(0, Integer)
    rows = (
        select(
            param("guild_id", TOTALS.c.guild_id),
            period.c.period,
            _P.user_id,
            zero,
            zero,
            zero,
            zero,
            literal(1, Integer),
            _P.best_streak,
        )
        .select_from(PLAYERS)
        .join(period, true())
        .where(_P.run_id == param("run_id", _P.run_id))
        .order_by(period.c.period, _P.user_id)
    )
    return _add_totals(dialect, rows, add=("quizzes",))


def _periods(count: int) -> Any:
    """The periods as a little table to join (VALUES with column names is not SQLite's),
    their names bound as `period_0`, `period_1`... (Parameters are named `b_<column>`:
    SQLAlchemy keeps a column's own name for the values of an INSERT or UPDATE.)"""
    return union_all(
        *(select(bindparam(f"period_{i}", type_=String).label("period")) for i in range(count))
    ).subquery("periods")


def _period_params(periods: Sequence[str]) -> dict[str, str]:
    return {f"period_{i}": name for i, name in enumerate(periods)}


def _add_totals(dialect: str, rows: Any, add: Sequence[str]) -> Any:
    """INSERT the rows into score_totals, or add their `add` columns to the row there."""
    stmt = dialect_insert(dialect, TOTALS).from_select(_TOTAL_COLUMNS, rows)
    return on_conflict_add(dialect, stmt, ("guild_id", "period", "user_id"), add, ("best_streak",))
