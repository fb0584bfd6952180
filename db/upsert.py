"""INSERT ... ON CONFLICT for both backends, so concurrent writers never race and no
statement grows with the rows it writes.

SQLite and PostgreSQL spell ON CONFLICT the same way but through different
dialect constructs; this keeps the services free of dialect checks.

Many rows are never written as one multi-row VALUES clause: such a statement
grows with the rows (PostgreSQL refuses more than 32,767 parameters, which a
round with 1,214 answering members reached) and is compiled anew for every
batch size. Instead:

* SQLite: one constant statement executed once per row (executemany). SQLite
  runs in-process, so a row costs a few microseconds. PostgreSQL too where a
  column is JSON (SQLAlchemy must convert each value).
* PostgreSQL: one statement whose parameters are one array per column, unpacked
  by `unnest` on the server. Its parameter count is the number of columns, and
  a batch of 10,000 rows costs one round trip instead of 10,000 (executemany
  through asyncpg measured about 3 s for a 10,000-member round close).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import DeclarativeBase

from db.one_trip import EngineTx, Tx

Where = AsyncSession | str  # a session, or the name of its dialect


def dialect_name(where: Where) -> str:
    """The name of the session's dialect ("sqlite" or "postgresql")."""
    if isinstance(where, str):
        return where
    return where.bind.dialect.name if where.bind is not None else "sqlite"


def dialect_insert(where: Where, model: type[DeclarativeBase] | Table) -> Any:
    """The INSERT construct of the session's dialect, which knows ON CONFLICT."""
    return (postgresql if dialect_name(where) == "postgresql" else sqlite).insert(model)


def _table(model: type[DeclarativeBase]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> int:
    """Insert a row (or rows) unless its key exists; returns how many were inserted."""
    if not isinstance(values, Mapping):
        return await insert_ignore_many(session, model, values)
    # The values go as parameters of a constant statement, so it is compiled once
    # and then served from SQLAlchemy's cache (a per-click path).
    conn = await session.connection()
    stmt = dialect_insert(session, _table(model)).on_conflict_do_nothing()
    result = await conn.execute(stmt, dict(values))
    return result.rowcount or 0


async def insert_ignore_many(
    where: AsyncSession | AsyncConnection,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
) -> int:
    """Insert rows whose key does not exist yet; returns how many were inserted.
    Every row must have the same keys."""
    if not rows:
        return 0
    conn = await where.connection() if isinstance(where, AsyncSession) else where
    return await conn.run_sync(lambda sync: insert_ignore_rows(EngineTx(sync), model, rows))


def insert_ignore_rows(
    tx: Tx, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> int:
    """`insert_ignore_many` inside a transaction body (`db.one_trip`)."""
    if not rows:
        return 0
    table = _table(model)
    columns = tuple(rows[0])
    if tx.dialect == "postgresql" and _array_safe(table, columns):
        return max(0, tx.execute(_pg_insert_sql(table, columns), _arrays(columns, rows)).rowcount)
    return tx.execute_many(_ignore_insert(tx.dialect, table), rows)


@functools.lru_cache(maxsize=64)
def _ignore_insert(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, built once per table (a per-click path)."""
    return dialect_insert(dialect, table).on_conflict_do_nothing()


def on_conflict_add(
    where: Where,
    stmt: Any,
    key: Sequence[str],
    add: Sequence[str],
    keep_greatest: Sequence[str] = (),
) -> Any:
    """`stmt` (an INSERT of the session's dialect) made to add its `add` columns to an
    existing row's, and keep the greater of its `keep_greatest` columns, on a `key`
    conflict."""
    table = stmt.table
    # `excluded` is built anew (an alias and a proxy of every column) at each access,
    # which was a round close's largest cost in Python: taken once.
    excluded = stmt.excluded
    set_: dict[str, Any] = {name: table.c[name] + excluded[name] for name in add}
    for name in keep_greatest:
        set_[name] = greatest(where, table.c[name], excluded[name])
    return stmt.on_conflict_do_update(index_elements=list(key), set_=set_)


def _array_safe(table: Table, columns: Sequence[str]) -> bool:
    """Whether every column is a plain number, string, flag or time, which asyncpg
    encodes in an array as it is. Others (JSON) need SQLAlchemy's own conversion of
    each value, so they go the executemany way."""
    for name in columns:
        kind = table.c[name].type
        kind = getattr(kind, "impl", kind)  # a TypeDecorator's underlying type
        if not isinstance(kind, (Integer, String, Boolean, DateTime)):
            return False
    return True


def _arrays(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    return {f"a{i}": [r[c] for r in rows] for i, c in enumerate(columns)}


def _unnest(table: Table, columns: Sequence[str]) -> str:
    dialect = postgresql.dialect()
    casts = ", ".join(
        f"CAST(:a{i} AS {table.c[c].type.compile(dialect=dialect)}[])"
        for i, c in enumerate(columns)
    )
    return f"unnest({casts}) AS v({', '.join(columns)})"


@functools.lru_cache(maxsize=64)
def _pg_insert_sql(table: Table, columns: tuple[str, ...]) -> Any:
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {_unnest(table, columns)} "
        "ON CONFLICT DO NOTHING"
    )


def least(where: Where, left: Any, right: Any) -> Any:
    """The smaller of two values: PostgreSQL's least(), SQLite's two-argument min()."""
    from sqlalchemy import func

    return func.least(left, right) if dialect_name(where) == "postgresql" else func.min(left, right)


def greatest(where: Where, left: Any, right: Any) -> Any:
    """The larger of two values: PostgreSQL's greatest(), SQLite's two-argument max()."""
    from sqlalchemy import func

    name = dialect_name(where)
    return func.greatest(left, right) if name == "postgresql" else func.max(left, right)
