"""Which database errors may pass if the step is retried.

A dropped PostgreSQL connection, a fail-over, a locked or momentarily full
SQLite file: the turnover of a round retries these with backoff instead of
ending the game. Errors of logic (integrity, programming) are not retried.
"""

from __future__ import annotations

from sqlalchemy import exc

_SQLITE_PASSING = ("database is locked", "disk i/o error", "database or disk is full")


def is_transient_db(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, exc.IntegrityError | exc.ProgrammingError | exc.DataError):
            return False
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            return True
        text = str(error.orig).lower()
        return any(part in text for part in _SQLITE_PASSING)
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return True  # TimeoutError here is the pool's: no connection came free in time
    return isinstance(error, ConnectionError | TimeoutError)
