"""INSERT ... ON CONFLICT for both backends, so concurrent writers never race.

SQLite and PostgreSQL spell it the same way but through different dialect
constructs; this keeps the services free of dialect checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """The INSERT construct of the session's dialect, which knows ON CONFLICT."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> int:
    """Insert unless the key exists; returns how many rows were inserted."""
    if isinstance(values, Mapping):
        # One row: the values go as parameters of a constant statement, so it is
        # compiled once and then served from SQLAlchemy's cache (a per-click path).
        conn = await session.connection()
        stmt = dialect_insert(session, model).on_conflict_do_nothing()
        result = await conn.execute(stmt, dict(values))
        return result.rowcount or 0
    stmt = dialect_insert(session, model).values(values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return result.rowcount or 0  # type: ignore[attr-defined]


async def upsert_add(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    add: Sequence[str],
    greatest: Sequence[str] = (),
) -> None:
    """Insert rows, or add their `add` columns to the existing row's (counters)."""
    if not rows:
        return
    stmt = dialect_insert(session, model).values(list(rows))
    table = model.__table__  # type: ignore[attr-defined]
    update: dict[str, Any] = {name: table.c[name] + stmt.excluded[name] for name in add}
    for name in greatest:
        update[name] = _max(session, table.c[name], stmt.excluded[name])
    await session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=update))


def _max(session: AsyncSession, left: Any, right: Any) -> Any:
    from sqlalchemy import func

    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # SQLite's scalar max() and PostgreSQL's greatest() are the same thing.
    return func.greatest(left, right) if dialect == "postgresql" else func.max(left, right)
