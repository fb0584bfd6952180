"""A transaction body (`db.one_trip`) writes and reads what SQLAlchemy would, on both
databases; on SQLite it is one trip to aiosqlite's thread, commit included; it is all
or nothing; and the engine's transaction events (the metrics) still see it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.metrics import Metrics
from db.engine import create_engine, create_session_factory
from db.models import Guild
from db.one_trip import Tx, run_transaction, run_transactions
from db.upsert import dialect_insert
from tests.db_support import MigratedTemplates

GUILDS = Guild.__table__
WHEN = datetime(2026, 11, 30, 18, 5, 7, 123456, tzinfo=UTC)


def guild(guild_id: int, **changes: Any) -> dict[str, Any]:
    row = {
        "id": guild_id,
        "moderator_role_id": None,
        "allow_answer_change": True,
        "streak_bonus": False,
        "default_questions": 7,
        "default_seconds": 15,
        "timezone": "Europe/Kyiv",
        "quiz_in_thread": True,
        "language": "uk",
        "limits": {"uploads": 3, "tags": ["a", "b"]},
        "created_at": WHEN,
    }
    return row | changes


INSERT = dialect_insert("sqlite", GUILDS)  # plain INSERT on both: no ON CONFLICT used
READ = select(GUILDS.c.id, GUILDS.c.quiz_in_thread, GUILDS.c.limits, GUILDS.c.created_at).where(
    GUILDS.c.id >= 0
)


def write_and_read(tx: Tx) -> list[Any]:
    tx.execute_many(INSERT, [guild(1), guild(2, quiz_in_thread=False)])
    return tx.execute(READ.order_by(GUILDS.c.id)).rows


async def test_rows_go_in_and_come_out_converted_as_the_orm_does(engine: AsyncEngine) -> None:
    rows = await run_transaction(engine, write_and_read)
    assert [(r.id, r.quiz_in_thread, r.limits, r.created_at) for r in rows] == [
        (1, True, {"uploads": 3, "tags": ["a", "b"]}, WHEN),
        (2, False, {"uploads": 3, "tags": ["a", "b"]}, WHEN),
    ]
    assert all(type(r.quiz_in_thread) is bool for r in rows)  # not SQLite's 0 and 1
    async with create_session_factory(engine)() as session:
        stored = await session.get(Guild, 2)
    assert stored is not None
    assert (stored.allow_answer_change, stored.streak_bonus, stored.quiz_in_thread) == (
        True,
        False,
        False,
    )
    assert (stored.timezone, stored.language, stored.created_at) == ("Europe/Kyiv", "uk", WHEN)


async def test_a_body_that_fails_writes_nothing(engine: AsyncEngine) -> None:
    def half_then_fail(tx: Tx) -> None:
        tx.execute_many(INSERT, [guild(5)])
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await run_transaction(engine, half_then_fail)

    def duplicate(tx: Tx) -> None:
        tx.execute_many(INSERT, [guild(6)])
        tx.execute_many(INSERT, [guild(6)])

    with pytest.raises(IntegrityError):  # SQLAlchemy's error, as through the engine
        await run_transaction(engine, duplicate)
    assert await run_transaction(engine, lambda tx: tx.execute(READ).rows) == []


async def test_the_engines_transaction_events_still_see_it(engine: AsyncEngine) -> None:
    metrics = Metrics()
    metrics.watch_engine(engine)
    name = "quizbot_db_transaction_seconds_count"
    await run_transaction(engine, lambda tx: tx.execute_many(INSERT, [guild(7)]))
    with pytest.raises(IntegrityError):
        await run_transaction(engine, lambda tx: tx.execute_many(INSERT, [guild(7)]))
    assert metrics.value(name, outcome="commit") == 1
    assert metrics.value(name, outcome="rollback") == 1


async def test_two_transactions_the_second_failing_keeps_the_first(engine: AsyncEngine) -> None:
    def read(tx: Tx) -> list[int]:
        return [r.id for r in tx.execute(READ.order_by(GUILDS.c.id)).rows]

    def duplicate(tx: Tx) -> None:
        tx.execute_many(INSERT, [guild(9)])  # rolled back with the duplicate below
        tx.execute_many(INSERT, [guild(8)])

    done, seen = await run_transactions(engine, write_and_read, read)
    assert [r.id for r in done] == [1, 2] and seen == [1, 2]  # the second sees the first
    done, error = await run_transactions(
        engine, lambda tx: tx.execute_many(INSERT, [guild(8)]), duplicate
    )
    assert isinstance(error, IntegrityError)  # returned, as SQLAlchemy's error
    assert await run_transaction(engine, read) == [1, 2, 8]  # the first stands

    def fail(tx: Tx) -> None:
        tx.execute_many(INSERT, [guild(10)])
        raise RuntimeError("first fails")

    ran: list[str] = []
    with pytest.raises(RuntimeError, match="first fails"):
        await run_transactions(engine, fail, lambda tx: ran.append("then"))
    assert ran == [] and await run_transaction(engine, read) == [1, 2, 8]


@pytest.fixture
async def sqlite_engine(
    migrated_templates: MigratedTemplates, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """SQLite only: the trips and the refusals are its path's."""
    engine = create_engine(await migrated_templates.sqlite_url(tmp_path / "one_trip.db"))
    yield engine
    await engine.dispose()


async def test_on_sqlite_a_transaction_is_one_trip(
    sqlite_engine: AsyncEngine, trips: list[str]
) -> None:
    engine = sqlite_engine
    async with engine.connect():
        pass  # the pool's connection is made, outside the count
    trips.clear()
    rows = await run_transaction(engine, write_and_read)
    assert len(rows) == 2
    assert trips == ["_on_sqlite_thread"]  # statements, rows and the commit, in one
    trips.clear()
    done, read = await run_transactions(engine, lambda tx: 1, lambda tx: tx.execute(READ).rows)
    assert (done, len(read)) == (1, 2)
    assert trips == ["_both_on_sqlite_thread"]  # two transactions, one trip


async def test_a_list_parameter_reads_the_rows_sqlalchemy_reads(engine: AsyncEngine) -> None:
    await run_transaction(engine, lambda tx: tx.execute_many(INSERT, [guild(i) for i in range(4)]))
    listed = (
        select(GUILDS.c.id)
        .where(GUILDS.c.id.in_(bindparam("ids", expanding=True)))
        .where(GUILDS.c.language.not_in(bindparam("languages", expanding=True)))
        .order_by(GUILDS.c.id)
    )
    for ids in ([2], [0, 3], [3, 1, 2]):
        params = {"ids": ids, "languages": ["en", "de"]}
        ours = await run_transaction(engine, lambda tx, p=params: tx.execute(listed, p).rows)
        async with engine.connect() as conn:
            theirs = (await conn.execute(listed, params)).all()
        assert [r.id for r in ours] == [r.id for r in theirs] == sorted(ids)


async def test_on_sqlite_a_statement_it_would_run_differently_is_refused(
    sqlite_engine: AsyncEngine,
) -> None:
    engine = sqlite_engine  # (PostgreSQL runs bodies through SQLAlchemy itself)
    listed = select(GUILDS.c.id).where(GUILDS.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="empty list"):  # SQLAlchemy renders it otherwise
        await run_transaction(engine, lambda tx: tx.execute(listed, {"ids": []}))
    defaults_in_python = dialect_insert("sqlite", GUILDS)  # a row without its defaults
    with pytest.raises(ValueError, match="default"):
        await run_transaction(engine, lambda tx: tx.execute_many(defaults_in_python, [{"id": 9}]))
