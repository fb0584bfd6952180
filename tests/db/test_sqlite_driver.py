"""SQLite statements make one trip to aiosqlite's thread (issue 18), and behave as
aiosqlite's own cursors did: rows, counts, ids and errors reach SQLAlchemy unchanged.

These tests also guard the aiosqlite internal that `db.sqlite_driver` rests on
(`Connection._execute`): if a new aiosqlite renames or reshapes it, they fail here
first, not in a quiz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.sqlite_driver import OneTripConnection


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_the_engine_connects_through_the_one_trip_driver(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)


async def test_a_statement_is_one_trip_and_a_transaction_one_more(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert trips == ["_one_statement"]
        rows = (await conn.execute(text("SELECT id, v FROM t"))).all()
        assert trips == ["_one_statement", "_one_statement"]
    assert trips == ["_one_statement", "_one_statement", "commit"]
    assert inserted.rowcount == 1
    assert inserted.lastrowid == rows[0].id
    assert [tuple(r) for r in rows] == [(rows[0].id, "a")]


async def test_many_rows_read_and_written(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.begin() as conn:
        written = await conn.execute(
            text("INSERT INTO t (v) VALUES (:v)"), [{"v": f"v{i}"} for i in range(500)]
        )
        assert written.rowcount == 500
        result = await conn.execute(text("SELECT v FROM t ORDER BY id"))
        assert result.keys() == ["v"]
        assert result.fetchone() == ("v0",)
        assert [r.v for r in result.fetchmany(2)] == ["v1", "v2"]
        assert len(result.all()) == 497
    assert trips == ["_one_statement_many", "_one_statement", "commit"]


async def test_a_failing_statement_raises_sqlalchemys_error_and_changes_nothing(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('taken')"))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('new')"))
            await conn.execute(text("INSERT INTO t (v) VALUES ('taken')"))
    async with engine.connect() as conn:
        values = (await conn.execute(text("SELECT v FROM t"))).scalars().all()
    assert values == ["taken"]
