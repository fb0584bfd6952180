"""Migration 0003: the search index covers questions that existed before it, and goes."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from bot.services.bank.question_list import list_questions
from db.engine import create_engine, create_session_factory
from db.migrate import alembic_config, upgrade
from db.models import Question
from db.search import FTS_TABLE, SQLITE_TRIGGER_NAMES, TRIGRAM_INDEXES
from tests.db_support import BACKENDS, PG_URL, reset_postgres

GUILD = 94_000_000_000_000_001


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'search.db'}"
    await reset_postgres(PG_URL)
    return PG_URL


async def search_objects(engine) -> set[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE name LIKE 'questions_fts%'")
            )
        else:
            rows = await conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'")
            )
        return set(rows.scalars())


async def test_existing_questions_are_found_after_the_upgrade_and_downgrade_is_clean(
    empty_url: str,
) -> None:
    engine = create_engine(empty_url)
    try:
        await upgrade(engine, "0002")
        async with engine.begin() as conn:
            await conn.execute(
                insert(Question),
                [
                    {
                        "guild_id": GUILD,
                        "slug": "bridge",
                        "kind": "multiple_choice",
                        "text": "When was the Oskil bridge blown up?",
                        "content_hash": "h",
                        "rand_key": 0.5,
                    }
                ],
            )
        await upgrade(engine)
        expected = (
            {FTS_TABLE, *SQLITE_TRIGGER_NAMES}
            if engine.dialect.name == "sqlite"
            else set(TRIGRAM_INDEXES)
        )
        assert expected <= await search_objects(engine)
        async with create_session_factory(engine)() as session:
            found = await list_questions(session, GUILD, "oskil bri")
            assert [q.slug for q in found.items] == ["bridge"]

        def downgrade(connection: Connection) -> None:
            cfg = alembic_config(empty_url)
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0002")

        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        assert await search_objects(engine) == set()
        async with create_session_factory(engine)() as session:  # searches still work: a scan
            found = await list_questions(session, GUILD, "oskil bri")
            assert [q.slug for q in found.items] == ["bridge"]
        await upgrade(engine)  # and back: later tests share this database at head
        assert expected <= await search_objects(engine)
    finally:
        await engine.dispose()
