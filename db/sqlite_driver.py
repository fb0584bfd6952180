"""aiosqlite with one trip to its thread per statement.

aiosqlite runs sqlite3 on a thread of its own, and every call SQLAlchemy's adapter
makes on a cursor (open it, execute, fetch the rows, close it) is a separate trip
there and back: a queue, a thread wake-up, a wake-up of the event loop through its
self-pipe. On this project's two-core machines a trip costs about 70 µs of CPU, far
more than SQLite's own work for the small statements of a quiz round, and a round
made about 57 of them (BENCHMARKS.md, issue 18). Here a statement's cursor is
opened, executed, read and closed in one trip, and what SQLAlchemy reads afterwards
(rows, description, rowcount, lastrowid) is handed back with it.

It rests on aiosqlite's `Connection._execute` (queue a function for its thread), the
method aiosqlite's own cursor uses; SQLAlchemy's adapter reaches into aiosqlite in
the same way. The version is pinned in pyproject.toml, and
`tests/db/test_sqlite_driver.py` fails loudly if that method or the trips change.
The engine installs it for every SQLite connection (`db.engine.create_engine`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

Rows = list[Any]
_Outcome = tuple[Any, int, int | None, Rows]


def _one_statement(conn: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    """On aiosqlite's thread: the whole life of one cursor."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _one_statement_many(conn: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> _Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(sql, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneTripCursor:
    """What SQLAlchemy's aiosqlite adapter calls on a cursor, each statement run in
    one trip; fetching and closing then cost none."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: Rows = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        self._take(await self._connection.run(_one_statement, sql, parameters or ()))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        self._take(await self._connection.run(_one_statement_many, sql, parameters))
        return self

    def _take(self, outcome: _Outcome) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = outcome

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None  # SQLAlchemy reads with fetchall

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        size = self.arraysize if size is None else size
        taken, self._rows = self._rows[:size], self._rows[size:]
        return taken

    async def fetchall(self) -> Sequence[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors make one trip per statement."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def run(self, function: Any, *args: Any) -> Any:
        """`function(sqlite3_connection, *args)`, run on the connection's thread."""
        return await self._execute(function, self._conn, *args)

    async def commit(self) -> None:
        """A commit with no transaction open (a read-only one, or one committed on the
        thread by `db.one_trip`) does nothing in SQLite: no trip for it."""
        if self.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.in_transaction:
            await super().rollback()


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneTripConnection:
    """`aiosqlite.connect`, with one-trip cursors; SQLAlchemy's connect arguments."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    connection = OneTripConnection(connector, iter_chunk_size)
    connection._thread.daemon = True  # as SQLAlchemy sets it for aiosqlite's own
    return connection
