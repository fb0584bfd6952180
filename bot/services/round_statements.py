"""The round turnover's statements, built once and run with bound parameters.

A quiz turns a round over every few seconds; a thousand quizzes in one process turn
hundreds a second. Building each statement and computing its cache key anew at every
turnover cost more of the turnover's CPU than running it (issue 18: a quarter of it,
measured with the database's own work included). So the statements the runner's path
runs at each round are built here once per shape, on the tables (not through the ORM),
and their values are bound as `b_<name>` parameters: SQLAlchemy keeps a column's own
name for the values of an INSERT or UPDATE.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, exists, insert, select, update
from sqlalchemy.sql.elements import BindParameter

from bot.services.questions import visible_to
from db.models import Question, QuizAnswer, QuizParticipant, QuizRound, QuizRun

RUNS = QuizRun.__table__
ROUNDS = QuizRound.__table__
ANSWERS = QuizAnswer.__table__
PLAYERS = QuizParticipant.__table__


def _b(name: str, column: Any) -> BindParameter[Any]:
    """A parameter named `b_<name>` with the column's type (its conversions apply)."""
    return bindparam(f"b_{name}", type_=column.type)


@functools.cache
def open_guarded(with_lease: bool) -> Update:
    """Move a run to its next round if it is still running at the previous one (and
    driven by this lease's owner), and the question drawn is still active, visible to
    the server and unedited: the runner's open, in one statement."""
    r = RUNS.c
    conditions = [
        r.id == _b("run_id", r.id),
        r.status == "running",
        r.current_round == _b("previous", r.current_round),
        exists().where(
            Question.id == _b("question_id", Question.id),
            Question.status == "active",
            Question.content_hash == _b("content_hash", Question.content_hash),
            visible_to(_b("guild_id", Question.guild_id)),
        ),
    ]
    values: dict[str, Any] = {"current_round": _b("number", r.current_round)}
    if with_lease:
        conditions.append(r.lease_owner == _b("owner", r.lease_owner))
        values["lease_expires_at"] = _b("lease_expires_at", r.lease_expires_at)
    return update(RUNS).where(*conditions).values(**values)


@functools.cache
def insert_round() -> Insert:
    c = ROUNDS.c
    names = (
        "run_id",
        "number",
        "question_id",
        "revision_id",
        "choice_order",
        "started_at",
        "deadline_at",
    )
    return insert(ROUNDS).values({name: _b(name, c[name]) for name in names}).returning(c.id)


@functools.cache
def start_answering(with_message: bool) -> Update:
    """A round's answering time starts (and its message is kept) unless it closed."""
    c = ROUNDS.c
    values = {"started_at": _b("started_at", c.started_at)}
    values["deadline_at"] = _b("deadline_at", c.deadline_at)
    if with_message:
        values["message_id"] = _b("message_id", c.message_id)
    return (
        update(ROUNDS).where(c.id == _b("round_id", c.id), c.closed_at.is_(None)).values(**values)
    )


@functools.cache
def claim_close() -> Update:
    """Close a round once: only the first of two closes changes a row."""
    c = ROUNDS.c
    return (
        update(ROUNDS)
        .where(c.id == _b("round_id", c.id), c.closed_at.is_(None))
        .values(closed_at=_b("closed_at", c.closed_at))
    )


@functools.cache
def round_answers() -> Select[Any]:
    """A round's answers as the reveal needs them, fastest first."""
    a = ANSWERS.c
    return (
        select(
            a.id,
            a.user_id,
            a.choice_index,
            a.text_answer,
            a.correct,
            a.elapsed_ms,
            a.points,
        )
        .where(a.round_id == _b("round_id", a.round_id))
        .order_by(a.elapsed_ms, a.id)
    )


@functools.cache
def standings_rows() -> Select[Any]:
    """Everyone who joined the run with their totals and their answer of the round."""
    p, a = PLAYERS.c, ANSWERS.c
    return (
        select(
            p.user_id,
            p.points,
            p.correct,
            p.answered,
            p.total_time_ms,
            p.best_streak,
            p.streak,
            a.id.label("answer_id"),
            a.correct.label("answer_correct"),
            a.points.label("answer_points"),
            a.elapsed_ms.label("answer_ms"),
        )
        .outerjoin(
            ANSWERS,
            (a.round_id == _b("round_id", a.round_id)) & (a.user_id == p.user_id),
        )
        .where(p.run_id == _b("run_id", p.run_id))
    )
