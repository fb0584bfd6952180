"""SQLite's pooled connection is rolled back on its return only when a transaction is
open (issue 18: the unconditional rollback was one more trip to aiosqlite's thread per
transaction). What was left open is still never seen by the next user."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db.engine import create_engine


async def test_work_left_uncommitted_in_a_returned_connection_is_rolled_back(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reset.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        # A caller that opened a transaction behind SQLAlchemy's back (on the driver's
        # connection) and handed the connection back without ending it.
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("BEGIN")
            await driver.execute("UPDATE t SET v = 2")
            assert driver.in_transaction
        async with engine.connect() as conn:  # the pool's one connection, reused
            raw = await conn.get_raw_connection()
            assert raw.driver_connection is driver
            assert not driver.in_transaction
            assert (await conn.execute(text("SELECT v FROM t"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_a_committed_transaction_costs_no_rollback(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reset.db'}")
    rollbacks = 0

    def count(*_: object) -> None:
        nonlocal rollbacks
        rollbacks += 1

    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        original = driver.rollback

        async def counted() -> None:
            count()
            await original()

        driver.rollback = counted  # type: ignore[method-assign]
        for value in range(3):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
        assert rollbacks == 0
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 3
    finally:
        await engine.dispose()
