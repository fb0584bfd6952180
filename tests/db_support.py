"""Databases the tests run against: SQLite always, PostgreSQL when configured.

`.ci/run` sets TEST_DATABASE_URL to a PostgreSQL database it made sure
exists; without it the PostgreSQL half of each database test is skipped with
a reason, never silently dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.migrate import upgrade
from db.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = (
    "PostgreSQL tests skipped: TEST_DATABASE_URL is not set "
    "(bash .ci/run sets it up; or export TEST_DATABASE_URL=postgresql+asyncpg://...)"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason=PG_SKIP_REASON),
    ),
]


async def reset_postgres(url: str) -> None:
    """An empty public schema: every test of migrations starts from nothing."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def truncate_all(engine: AsyncEngine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class MigratedTemplates:
    """Migrate once per session, then hand each test a fresh copy (SQLite) or
    truncated tables (PostgreSQL): fast, and every test starts empty."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite_template: Path | None = None
        self.pg_ready = False

    async def sqlite_url(self, dest: Path) -> str:
        if self.sqlite_template is None:
            template = self.root / "template.db"
            engine = create_engine(f"sqlite+aiosqlite:///{template}")
            await upgrade(engine)
            async with engine.begin() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            await engine.dispose()
            self.sqlite_template = template
        shutil.copy(self.sqlite_template, dest)
        return f"sqlite+aiosqlite:///{dest}"

    async def postgres_url(self) -> str:
        if not self.pg_ready:
            await reset_postgres(PG_URL)
            engine = create_engine(PG_URL)
            await upgrade(engine)
            await engine.dispose()
            self.pg_ready = True
        engine = create_engine(PG_URL)
        await truncate_all(engine)
        await engine.dispose()
        return PG_URL
