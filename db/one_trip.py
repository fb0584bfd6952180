"""A transaction of Core statements as one function: on SQLite, one trip to its thread.

A quiz round's durable writes (draw the next question, open the round, start its
time, write the answers, close and score it) are a handful of small statements in a
few transactions. Through SQLAlchemy's async engine each statement costs its
execution machinery (an execution context, parameter and result processing, a greenlet
switch) and a trip to aiosqlite's thread and back: on SQLite that was most of a round's
CPU, many times SQLite's own work (issue 18, BENCHMARKS.md). Here a transaction is
written as a plain function of a `Tx` (`body(tx)`), and:

* on SQLite (`db.sqlite_driver`), the whole function runs on aiosqlite's thread, on
  the sqlite3 connection, commit included: one trip per transaction. The statements
  are still SQLAlchemy Core, built once and compiled by SQLAlchemy once per dialect;
  their parameters and rows pass through the same type conversions SQLAlchemy applies
  (`TypeEngine.bind_processor` / `result_processor`), and driver errors come out as
  SQLAlchemy's exceptions (`DBAPIError.instance`), so callers see no difference;
* elsewhere (PostgreSQL), the same function runs through SQLAlchemy on the
  connection (`AsyncConnection.run_sync`).

A body is synchronous and, on SQLite, runs on aiosqlite's thread: it touches nothing
of the event loop's (no futures, no tasks, no awaits), only its `tx` and its arguments.

Either way the transaction is begun and committed through the engine, so its events
(the metrics' transaction timings) and pool stay as they were. A statement the SQLite
path would run differently than SQLAlchemy is refused when it is first compiled (a
Python-side column default, a literal-rendered parameter, an empty IN list), so it fails
loudly in the tests instead.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from db.sqlite_driver import OneTripConnection

T = TypeVar("T")
U = TypeVar("U")


class Outcome(NamedTuple):
    """What a statement gave back: the rows it changed, and the rows it returned."""

    rowcount: int
    rows: list[Any]

    def scalar(self) -> Any:
        """The first column of the first row, or None when no row came back."""
        return self.rows[0][0] if self.rows else None


class Tx(Protocol):
    """A transaction in progress, to run statements in; synchronous on purpose."""

    dialect: str  # "sqlite", "postgresql"

    def execute(self, statement: Any, params: Mapping[str, Any] | None = None) -> Outcome: ...

    def execute_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        """The statement once per row (every row with the same keys); the rows changed
        where the driver counts them (SQLite), else 0 (asyncpg's executemany)."""

    def returning_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """An INSERT ... RETURNING for each row; the rows it returned, in one list."""


Body = Callable[[Tx], T]


async def run_transaction(engine: AsyncEngine, body: Body[T]) -> T:
    """Run `body` in one transaction: committed when it returns, rolled back if it raises."""
    async with engine.connect() as conn:
        return await conn.run_sync(_transaction, body)


async def run_transactions(
    engine: AsyncEngine, first: Body[T], then: Body[U]
) -> tuple[T, U | Exception]:
    """`first` in one transaction and, once it committed, `then` in another; on SQLite
    both in one trip. If `first` raises, that is raised and `then` does not run; what
    `then` raises is returned, and what `first` committed stands. For a read that
    should not wait a trip of its own after a write (the next question drawn when a
    round starts), and that must never undo the write."""
    async with engine.connect() as conn:
        return await conn.run_sync(_transactions, first, then)


def _transactions(connection: Connection, first: Body[T], then: Body[U]) -> tuple[T, U | Exception]:
    if isinstance(connection.connection.driver_connection, OneTripConnection):
        with connection.begin():
            adapted = connection.connection.dbapi_connection
            dialect = connection.dialect
            return adapted.run_async(  # type: ignore[union-attr,no-any-return]
                lambda driver: driver.run(_both_on_sqlite_thread, first, then, dialect)
            )
    done = _transaction(connection, first)
    try:
        return done, _transaction(connection, then)
    except Exception as error:
        return done, error


def _transaction(connection: Connection, body: Body[T]) -> T:
    """The engine's transaction (its events, its pool), begun and ended in one greenlet:
    each step through the async engine (begin, commit) was a greenlet switch of its own,
    a third of a small transaction's CPU."""
    with connection.begin():
        adapted = connection.connection.dbapi_connection
        if isinstance(connection.connection.driver_connection, OneTripConnection):
            # Committed on SQLite's thread too; the engine's own commit then finds
            # nothing open and makes no trip (`OneTripConnection.commit`).
            dialect = connection.dialect
            return adapted.run_async(  # type: ignore[union-attr,no-any-return]
                lambda driver: driver.run(_on_sqlite_thread, body, dialect)
            )
        return body(EngineTx(connection))


class EngineTx:
    """A `Tx` on a SQLAlchemy connection (PostgreSQL, or any engine in `run_sync`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name

    def execute(self, statement: Any, params: Mapping[str, Any] | None = None) -> Outcome:
        result = self._connection.execute(statement, dict(params or {}))
        rows = list(result.all()) if result.returns_rows else []
        return Outcome(result.rowcount, rows)

    def execute_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        result = self._connection.execute(statement, [dict(r) for r in rows])
        return max(0, result.rowcount or 0)

    def returning_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        if not rows:
            return []
        return list(self._connection.execute(statement, [dict(r) for r in rows]).all())


# -- SQLite, on aiosqlite's thread ---------------------------------------------------------


def _on_sqlite_thread(conn: sqlite3.Connection, body: Body[T], dialect: Dialect) -> T:
    tx = _SqliteTx(conn, dialect)
    try:
        result = body(tx)
        if conn.in_transaction:
            tx.last = "COMMIT", ()
            conn.commit()
        return result
    except sqlite3.Error as error:
        _roll_back(conn)
        raise exc.DBAPIError.instance(*tx.last, error, sqlite3.Error) from error
    except BaseException:
        _roll_back(conn)
        raise


def _both_on_sqlite_thread(
    conn: sqlite3.Connection, first: Body[T], then: Body[U], dialect: Dialect
) -> tuple[T, U | Exception]:
    done = _on_sqlite_thread(conn, first, dialect)
    try:
        return done, _on_sqlite_thread(conn, then, dialect)
    except Exception as error:
        return done, error


def _roll_back(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.rollback()


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect
        self.dialect = dialect.name
        self.last: tuple[str, Any] = ("", ())  # for the error, if one comes

    def execute(self, statement: Any, params: Mapping[str, Any] | None = None) -> Outcome:
        params = params or {}
        plan = _plan(statement, self._dialect, tuple(params))
        sql, args = plan.bound(params)
        self.last = sql, args
        cursor = self._conn.execute(sql, args)
        try:
            rows = plan.rows(cursor.fetchall()) if plan.row is not None else []
            return Outcome(cursor.rowcount, rows)
        finally:
            cursor.close()

    def execute_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        plan = _plan(statement, self._dialect, tuple(rows[0]))
        if plan.expands:
            raise ValueError("an expanding parameter in a statement run once per row")
        bound = [plan.bound(r) for r in rows]  # (one SQL: no lists here)
        sql, args = bound[0][0], [a for _sql, a in bound]
        self.last = sql, args
        cursor = self._conn.executemany(sql, args)
        try:
            return max(0, cursor.rowcount)
        finally:
            cursor.close()

    def returning_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        return [row for params in rows for row in self.execute(statement, params).rows]


class _Plan:
    """A statement compiled once for the dialect: its SQL, where each positional
    parameter comes from and how it is converted, and the rows it returns.

    An expanding parameter (`IN` of a list) is spliced in as SQLAlchemy does it: its
    place in the SQL (`__[POSTCOMPILE_<name>]`) becomes one `?` per value, the list
    padded to a power of two with its last value (`bound`).
    """

    def __init__(self, statement: Any, dialect: Dialect, keys: tuple[str, ...] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if compiled.literal_execute_params:
            raise ValueError(f"a literal parameter cannot run here: {compiled}")
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError(f"a Python-side column default cannot run here: {compiled}")
        self.sql = compiled.string
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        self._slots: list[tuple[str, bool, Any, Callable[[Any], Any] | None, str | None]] = []
        for name in compiled.positiontup or ():
            bind = by_name[name]
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            expanding = f"__[POSTCOMPILE_{name}]" if bind.expanding else None
            if expanding is not None and expanding not in self.sql:
                raise ValueError(f"an expanding parameter rendered unexpectedly: {compiled}")
            self._slots.append((bind.key, bind.required, bind.effective_value, convert, expanding))
        self.expands = any(slot[4] for slot in self._slots)
        self._sized: dict[tuple[int, ...], str] = {}  # SQL by the lengths of the lists
        self.row: Any = None
        self._converters: list[Callable[[Any], Any] | None] = []
        columns = list(getattr(statement, "exported_columns", ()))  # selected, RETURNING
        if columns:
            self.row = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
            self._converters = [
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
            ]
        self._convert_rows = any(self._converters)

    def bound(self, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The SQL and its positional arguments for these parameters."""
        values: list[Any] = []
        lengths: list[int] = []
        for key, required, constant, convert, expanding in self._slots:
            value = params[key] if required else params.get(key, constant)
            if expanding is None:
                values.append(convert(value) if convert is not None else value)
                continue
            if not value:  # SQLAlchemy renders an empty IN specially: not done here
                raise ValueError(f"an empty list for the expanding parameter {key!r}")
            # Padded to a power of two with its last value (the same IN), so that a list
            # one longer each round (a quiz's shown questions) is a new SQL text, which
            # SQLite prepares anew, only at 2, 4, 8... values, not at every round.
            padded = [*value, *[value[-1]] * (_bucket(len(value)) - len(value))]
            values.extend(padded if convert is None else (convert(v) for v in padded))
            lengths.append(len(padded))
        if not self.expands:
            return self.sql, tuple(values)
        sizes = tuple(lengths)
        sql = self._sized.get(sizes)
        if sql is None:
            sql = self.sql
            places = iter(sizes)
            for *_, expanding in self._slots:
                if expanding is not None:
                    sql = sql.replace(expanding, ", ".join("?" * next(places)), 1)
            self._sized[sizes] = sql  # powers of two: a few per statement
        return sql, tuple(values)

    def rows(self, raw: list[Any]) -> list[Any]:
        make = self.row._make
        if not self._convert_rows:
            return [make(r) for r in raw]
        converters = self._converters
        return [
            make(value if f is None else f(value) for f, value in zip(converters, r, strict=True))
            for r in raw
        ]


def _bucket(length: int) -> int:
    """The power of two at or above `length`."""
    return 1 << (length - 1).bit_length()


@functools.lru_cache(maxsize=512)
def _plan(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None) -> _Plan:
    return _Plan(statement, dialect, keys)
