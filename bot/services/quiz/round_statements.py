"""The round turnover's statements, built once and run with bound parameters.

A quiz turns a round over every few seconds; a thousand quizzes in one process turn
hundreds a second. Building each statement and computing its cache key anew at every
turnover was about a quarter of the turnover's CPU, the database's own work included
(issue 18). So the statements the runner's path runs at each round are built here once
per shape, on the tables (not through the ORM).
Each function takes the values and returns the statement with its parameters, ready for
`conn.execute(*...)`; the parameters are named `b_<name>` by `param` and `params` only
(SQLAlchemy keeps a column's own name for the values of an INSERT or UPDATE); round
scoring names its parameters with the same `param` and `params`.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, exists, insert, select, update
from sqlalchemy.sql.elements import BindParameter

from bot.services.bank.questions import visible_to
from db.models import Question, QuizAnswer, QuizParticipant, QuizRound, QuizRun

RUNS = QuizRun.__table__
ROUNDS = QuizRound.__table__
ANSWERS = QuizAnswer.__table__
PLAYERS = QuizParticipant.__table__


Bound = tuple[Any, dict[str, Any]]  # a statement and its parameters


def param(name: str, column: Any) -> BindParameter[Any]:
    """A parameter named `b_<name>` with the column's type (its conversions apply)."""
    return bindparam(f"b_{name}", type_=column.type)


def params(**values: Any) -> dict[str, Any]:
    """The values of `param`s, by the names given to `param`."""
    return {f"b_{name}": value for name, value in values.items()}


def open_round(
    *,
    run_id: int,
    number: int,
    question_id: int,
    content_hash: str,
    guild_id: int,
    lease: tuple[str, datetime] | None,
) -> Bound:
    """Move a run from round `number - 1` to `number` if it is still running there (and
    driven by `lease`'s owner, whose lease runs to the given time), and the question
    drawn is still active, visible to the server and unedited."""
    values = params(
        run_id=run_id,
        previous=number - 1,
        number=number,
        question_id=question_id,
        content_hash=content_hash,
        guild_id=guild_id,
    )
    if lease is not None:
        values |= params(owner=lease[0], lease_expires_at=lease[1])
    return _open_guarded(lease is not None), values


def insert_round(**columns: Any) -> Bound:
    """A new round (its run, number, question, revision, choice order, start, deadline);
    returns its id."""
    return _insert_round(), params(**columns)


def start_answering(
    *, round_id: int, started_at: datetime, deadline_at: datetime, message_id: int | None
) -> Bound:
    """A round's answering time starts (and its message is kept) unless it closed."""
    shown = {"message_id": message_id} if message_id is not None else {}
    return _start_answering(message_id is not None), params(
        round_id=round_id, started_at=started_at, deadline_at=deadline_at, **shown
    )


def claim_close(*, round_id: int, closed_at: datetime) -> Bound:
    """Close a round once: only the first of two closes changes a row."""
    return _claim_close(), params(round_id=round_id, closed_at=closed_at)


def run_questions(run_id: int) -> Bound:
    """The questions a run has shown so far (one per round)."""
    return _run_questions(), params(run_id=run_id)


def round_answers(round_id: int) -> Bound:
    """A round's answers as the reveal needs them, fastest first."""
    return _round_answers(), params(round_id=round_id)


def standings_rows(round_id: int, run_id: int) -> Bound:
    """Everyone who joined the run with their totals and their answer of the round."""
    return _standings_rows(), params(round_id=round_id, run_id=run_id)


# -- the statements, built once per shape -----------------------------------------------


@functools.cache
def _open_guarded(with_lease: bool) -> Update:
    r = RUNS.c
    conditions = [
        r.id == param("run_id", r.id),
        r.status == "running",
        r.current_round == param("previous", r.current_round),
        exists().where(
            Question.id == param("question_id", Question.id),
            Question.status == "active",
            Question.content_hash == param("content_hash", Question.content_hash),
            visible_to(param("guild_id", Question.guild_id)),
        ),
    ]
    values: dict[str, Any] = {"current_round": param("number", r.current_round)}
    if with_lease:
        conditions.append(r.lease_owner == param("owner", r.lease_owner))
        values["lease_expires_at"] = param("lease_expires_at", r.lease_expires_at)
    return update(RUNS).where(*conditions).values(**values)


@functools.cache
def _insert_round() -> Insert:
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
    return insert(ROUNDS).values({name: param(name, c[name]) for name in names}).returning(c.id)


@functools.cache
def _start_answering(with_message: bool) -> Update:
    c = ROUNDS.c
    values = {"started_at": param("started_at", c.started_at)}
    values["deadline_at"] = param("deadline_at", c.deadline_at)
    if with_message:
        values["message_id"] = param("message_id", c.message_id)
    return (
        update(ROUNDS)
        .where(c.id == param("round_id", c.id), c.closed_at.is_(None))
        .values(**values)
    )


@functools.cache
def _claim_close() -> Update:
    c = ROUNDS.c
    return (
        update(ROUNDS)
        .where(c.id == param("round_id", c.id), c.closed_at.is_(None))
        .values(closed_at=param("closed_at", c.closed_at))
    )


@functools.cache
def _run_questions() -> Select[Any]:
    c = ROUNDS.c
    return select(c.question_id).where(c.run_id == param("run_id", c.run_id))


@functools.cache
def _round_answers() -> Select[Any]:
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
        .where(a.round_id == param("round_id", a.round_id))
        .order_by(a.elapsed_ms, a.id)
    )


@functools.cache
def _standings_rows() -> Select[Any]:
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
            (a.round_id == param("round_id", a.round_id)) & (a.user_id == p.user_id),
        )
        .where(p.run_id == param("run_id", p.run_id))
    )
