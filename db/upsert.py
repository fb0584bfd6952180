"""INSERT ... ON CONFLICT for both backends, so concurrent writers never race.

SQLite and PostgreSQL spell it the same way but through different dialect
constructs; this keeps the services free of dialect checks.

Many rows go through one constant statement executed many times (the
driver's executemany), never through one multi-row VALUES clause: such a
statement would grow with the rows (PostgreSQL refuses more than 32,767
parameters, which a round with 1,214 answering members reached) and would
be compiled anew for every batch size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def dialect_insert(session: AsyncSession, model: type[DeclarativeBase] | Table) -> Any:
    """The INSERT construct of the session's dialect, which knows ON CONFLICT."""
    return (postgresql if _dialect(session) == "postgresql" else sqlite).insert(model)


def _table(model: type[DeclarativeBase]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def insert_ignore(
    session: AsyncSession, model: type[DeclarativeBase], values: Mapping[str, Any]
) -> int:
    """Insert one row unless its key exists; returns 1 if it was inserted, else 0."""
    # The values go as parameters of a constant statement, so it is compiled once
    # and then served from SQLAlchemy's cache (a per-click path).
    conn = await session.connection()
    stmt = dialect_insert(session, _table(model)).on_conflict_do_nothing()
    result = await conn.execute(stmt, dict(values))
    return result.rowcount or 0


async def insert_ignore_many(
    session: AsyncSession, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert rows whose key does not exist yet, as one cached statement run many times.

    Every row must have the same keys. How many were inserted is not reported:
    executemany does not say so on every driver.
    """
    if not rows:
        return
    conn = await session.connection()
    stmt = dialect_insert(session, _table(model)).on_conflict_do_nothing()
    await conn.execute(stmt, [dict(r) for r in rows])


async def upsert_add(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    add: Sequence[str],
    greatest: Sequence[str] = (),
) -> None:
    """Insert rows, or add their `add` columns to the existing row's (counters).

    One constant statement, executed once per row by the driver; the rows are
    sorted by key first so that two transactions upserting overlapping rows
    lock them in the same order (no deadlock on PostgreSQL).
    """
    if not rows:
        return
    table = _table(model)
    stmt = dialect_insert(session, table)
    update: dict[str, Any] = {name: table.c[name] + stmt.excluded[name] for name in add}
    for name in greatest:
        update[name] = _max(session, table.c[name], stmt.excluded[name])
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=update)
    ordered = sorted((dict(r) for r in rows), key=lambda r: tuple(r[k] for k in key))
    conn = await session.connection()
    await conn.execute(stmt, ordered)


def _max(session: AsyncSession, left: Any, right: Any) -> Any:
    from sqlalchemy import func

    # SQLite's scalar max() and PostgreSQL's greatest() are the same thing.
    return (
        func.greatest(left, right) if _dialect(session) == "postgresql" else func.max(left, right)
    )
