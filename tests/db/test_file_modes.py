"""The SQLite database is private to the bot's user (finding: it was world-readable)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import create_engine
from db.migrate import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("lax_umask")
async def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "quizbot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        async with engine.connect() as conn:  # WAL mode: -wal and -shm exist while open
            await conn.exec_driver_sql("SELECT count(*) FROM questions")
            wal, shm = path.with_name("quizbot.db-wal"), path.with_name("quizbot.db-shm")
            assert wal.exists() and shm.exists()
            assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        assert mode(path.parent) == 0o700
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("lax_umask")
async def test_a_database_made_world_readable_before_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        assert mode(path) == 0o600
    finally:
        await engine.dispose()
