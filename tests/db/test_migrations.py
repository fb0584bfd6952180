"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from db.engine import create_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Base
from db.search import include_name
from tests.db_support import BACKENDS, PG_URL, reset_postgres


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'fresh.db'}"
    await reset_postgres(PG_URL)
    return PG_URL


async def test_upgrade_from_empty_reaches_head_and_matches_models(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()

        def diff(sync_conn):  # type: ignore[no-untyped-def]
            ctx = MigrationContext.configure(
                sync_conn, opts={"compare_type": True, "include_name": include_name}
            )
            return compare_metadata(ctx, Base.metadata)

        def tables(sync_conn):  # type: ignore[no-untyped-def]
            return set(inspect(sync_conn).get_table_names())

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
            assert set(Base.metadata.tables) <= await conn.run_sync(tables)
        # Upgrading again is a no-op, as at every start.
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        await engine.dispose()


async def test_0002_carries_rounds_and_discussions_over_to_revisions(empty_url: str) -> None:
    """A database at 0001 with played rounds and an open discussion upgrades to head:
    each round and discussion points at a revision holding what its item says."""
    engine = create_engine(empty_url)
    try:
        await upgrade(engine, "0001")
        async with engine.begin() as conn:
            for statement in SEED_0001:
                await conn.execute(text(statement))
        await upgrade(engine)
        async with engine.connect() as conn:
            rounds = (
                await conn.execute(
                    text(
                        "SELECT r.id, v.question_id, v.data FROM quiz_rounds r "
                        "JOIN question_revisions v ON v.id = r.revision_id ORDER BY r.id"
                    )
                )
            ).all()
            discussion = (
                await conn.execute(
                    text(
                        "SELECT d.final_vote_at, d.final_vote_announced_at, v.data "
                        "FROM discussion_runs d JOIN prompt_revisions v "
                        "ON v.id = d.prompt_revision_id"
                    )
                )
            ).one()
        assert [(r[0], r[1]) for r in rounds] == [(1, 1), (2, 1)]
        data = rounds[0][2] if isinstance(rounds[0][2], dict) else json.loads(rounds[0][2])
        assert data["choices"] == ["Oskil", "Dnipro"] and data["correct_index"] == 0
        prompt = discussion[2] if isinstance(discussion[2], dict) else json.loads(discussion[2])
        assert [v["label"] for v in prompt["viewpoints"]] == ["Yes", "No"]
        assert discussion[0] is not None and discussion[1] is None  # final vote still ahead
    finally:
        await engine.dispose()


SEED_0001 = [
    "INSERT INTO questions (id, guild_id, slug, kind, text, choices, correct_index,"
    " accepted_answers, explanation, sources, tags, difficulty, data, status, content_hash,"
    " rand_key) VALUES (1, 0, 'river', 'multiple_choice', 'Which river?',"
    " '[\"Oskil\", \"Dnipro\"]', 0, '[]', 'The Oskil.', '[]', '[]', 1, '{}', 'active', 'h', 0.5)",
    "INSERT INTO quiz_runs (id, guild_id, channel_id, mode, status, question_count,"
    " seconds_per_question, options, streak_bonus, allow_answer_change, current_round)"
    " VALUES (1, 7, 8, 'live', 'finished', 2, 20, '{}', true, false, 2)",
    "INSERT INTO quiz_rounds (id, run_id, number, question_id, choice_order, started_at,"
    " deadline_at) VALUES (1, 1, 1, 1, '[1, 0]', '2026-01-01 10:00:00', '2026-01-01 10:00:20'),"
    " (2, 1, 2, 1, '[0, 1]', '2026-01-01 10:01:00', '2026-01-01 10:01:20')",
    "INSERT INTO discussion_prompts (id, guild_id, slug, question, context, sources, tags,"
    " data, status, content_hash) VALUES (1, 0, 'p', 'Should it?', '', '[]', '[]', '{}',"
    " 'active', 'h')",
    "INSERT INTO viewpoints (id, prompt_id, position, label, stance, argument, held_by, source)"
    " VALUES (1, 1, 0, 'Yes', 's', 'a', 'h', '{}'), (2, 1, 1, 'No', 's', 'a', 'h', '{}')",
    "INSERT INTO discussion_runs (id, guild_id, channel_id, prompt_id, status, created_at,"
    " closes_at) VALUES (1, 7, 8, 1, 'open', '2026-01-01 10:00:00', '2099-01-01 10:00:00')",
]
