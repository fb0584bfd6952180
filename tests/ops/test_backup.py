"""Backups taken while the bot writes, and restores that refuse what is not a backup."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.ops.backup import (
    BackupError,
    DailyBackups,
    backup_before_migration,
    inspect_backup,
    make_backup,
    prune,
    restore_backup,
)
from bot.services.container import Services
from bot.services.quiz.quiz import AnswerStatus, QuizOptions
from db.engine import create_engine, create_session_factory
from db.migrate import head_revision, upgrade
from db.models import Guild
from tests.adapter.harness import Database
from tests.db_support import PG_SKIP_REASON, PG_URL, MigratedTemplates
from tests.test_cli import ROOT, quizbot

GUILD, CHANNEL = 1 << 40, 2 << 40


def answer_ids(path: Path) -> set[int]:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in connection.execute("SELECT user_id FROM quiz_answers")}
    finally:
        connection.close()


async def test_backup_while_answers_are_written_holds_every_confirmed_answer(
    tmp_path: Path,
) -> None:
    database = await Database.create(tmp_path / "live.db")
    engine = create_engine(database.url)
    services = Services.build(create_session_factory(engine), ManualClock())
    run = await services.quiz.start(GUILD, CHANNEL, None, QuizOptions(questions=1, seconds=120))
    rnd = await services.quiz.open_next_round(run.run_id)
    assert rnd is not None
    await services.live_answers.open(rnd)
    choice = 0 if rnd.shown_choices else None
    confirmed: set[int] = set()

    async def member(user_id: int) -> None:
        outcome = await services.live_answers.answer(
            rnd.round_id, user_id, choice=choice, text=None if choice is not None else "x"
        )
        assert outcome is not None and outcome.status is AnswerStatus.ACCEPTED
        confirmed.add(user_id)

    async def clicks(first: int, count: int) -> None:
        for start in range(first, first + count, 50):
            await asyncio.gather(*(member(u) for u in range(start, start + 50)))

    try:
        await clicks(1, 500)
        writing = asyncio.create_task(clicks(10_001, 1500))  # still clicking during the copy
        await asyncio.sleep(0)
        before = set(confirmed)
        copy = await asyncio.to_thread(make_backup, database.url, tmp_path / "b" / "copy.db")
        await writing
    finally:
        await services.live_answers.shutdown()
        await engine.dispose()

    assert copy.revision == head_revision() and copy.path.exists()
    restored = tmp_path / "restored.db"
    restore_backup(f"sqlite+aiosqlite:///{restored}", inspect_backup(copy.path))
    held = answer_ids(restored)
    assert before <= held  # every answer confirmed before the backup began
    assert held <= confirmed  # and nothing that was never confirmed
    assert answer_ids(tmp_path / "live.db") == confirmed


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", "utf-8")
    with pytest.raises(BackupError, match="not a backup"):
        inspect_backup(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError, match="no schema revision"):
        inspect_backup(other)
    future = tmp_path / "future.db"
    connection = sqlite3.connect(future)
    connection.executescript(
        "CREATE TABLE alembic_version (version_num TEXT); "
        "INSERT INTO alembic_version VALUES ('9999_from_the_future');"
    )
    connection.close()
    with pytest.raises(BackupError, match="does not know"):
        inspect_backup(future)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError):
        inspect_backup(broken)


async def test_cli_backup_and_restore_round_trip(tmp_path: Path) -> None:
    database = await Database.create(tmp_path / "data" / "quizbot.db", shipped_bank=False)
    env = {"DATABASE_URL": database.url}
    (tmp_path / "copies").mkdir()
    taken = quizbot("backup", str(tmp_path / "copies"), cwd=tmp_path, **env)
    assert taken.returncode == 0, taken.stderr
    (copy,) = (tmp_path / "copies").glob("quizbot-*.db")
    assert "quizbot restore" in taken.stdout

    engine = create_engine(database.url)
    services = Services.build(create_session_factory(engine))
    await services.guilds.get(GUILD)  # a change made after the backup
    await engine.dispose()

    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00junk" * 100)
    refused = quizbot("restore", str(junk), "--yes", cwd=tmp_path, **env)
    assert refused.returncode == 1 and "not a backup" in refused.stderr

    declined = subprocess_input(tmp_path, env, copy, "n\n")
    assert declined.returncode == 1 and "nothing changed" in declined.stderr
    assert guild_rows(tmp_path / "data" / "quizbot.db") == 1

    restored = quizbot("restore", str(copy), "--yes", cwd=tmp_path, **env)
    assert restored.returncode == 0, restored.stderr
    assert guild_rows(tmp_path / "data" / "quizbot.db") == 0
    kept = list((tmp_path / "data").glob("quizbot.db.before-restore-*"))
    assert len(kept) == 1 and guild_rows(kept[0]) == 1


def subprocess_input(
    cwd: Path, env: dict[str, str], copy: Path, answer: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "restore", str(copy)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        input=answer,
        capture_output=True,
        text=True,
        timeout=120,
    )


def guild_rows(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM guilds").fetchone()[0]
    finally:
        connection.close()


async def test_upgrade_copies_a_sqlite_file_with_a_migration_pending(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database = await Database.create(path, shipped_bank=False)
    head = head_revision()
    assert backup_before_migration(database.url, head, head, tmp_path / "b") is None
    assert backup_before_migration(database.url, None, head, tmp_path / "b") is None
    copied = backup_before_migration(database.url, "0000_older", head, tmp_path / "b")
    assert copied is not None and copied.exists() and f"before-{head}" in copied.name
    missing = f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}"
    assert backup_before_migration(missing, "0000_older", head, tmp_path / "b") is None


async def test_daily_backups_keep_the_newest(tmp_path: Path) -> None:
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    folder = tmp_path / "daily"
    folder.mkdir()
    for day in range(1, 6):
        old = folder / f"quizbot-2026010{day}T000000Z.db"
        old.write_bytes(b"old")
        os.utime(old, (day * 86400, day * 86400))
    (folder / "unrelated.txt").write_text("keep me", "utf-8")
    daily = DailyBackups(database.url, folder, keep=3)
    info = await daily.take()
    assert info is not None and inspect_backup(info.path).revision == head_revision()
    names = sorted(p.name for p in folder.iterdir())
    assert len([n for n in names if n.startswith("quizbot-")]) == 3
    assert info.path.name in names and "unrelated.txt" in names
    assert daily.seconds_until_due() > 0  # just taken: the next one is a day away
    assert prune(folder, 1) and len(list(folder.glob("quizbot-*"))) == 1


@pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason=PG_SKIP_REASON)
async def test_postgres_backup_and_restore(
    tmp_path: Path, migrated_templates: MigratedTemplates
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = await migrated_templates.postgres_url()
    engine = create_engine(url)
    services = Services.build(create_session_factory(engine))
    await services.guilds.get(GUILD)
    info = make_backup(url, tmp_path / "pg.dump")
    assert info.kind == "postgresql" and info.revision == head_revision()
    await services.guilds.get(GUILD + 1)
    await engine.dispose()
    restore_backup(url, inspect_backup(info.path))
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            ids = set((await session.execute(select(Guild.id))).scalars())
    finally:
        await engine.dispose()
    assert ids == {GUILD}
    with pytest.raises(BackupError, match="PostgreSQL"):
        restore_backup(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", info)


async def test_db_upgrade_copies_the_file_at_its_old_revision_first(tmp_path: Path) -> None:
    path = tmp_path / "data" / "quizbot.db"
    path.parent.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine, "0001")
    await engine.dispose()
    done = quizbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    assert done.returncode == 0, done.stderr
    (copy,) = (tmp_path / "data" / "backups").glob(f"quizbot-before-{head_revision()}-*.db")
    assert inspect_backup(copy).revision == "0001"
    again = quizbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    assert again.returncode == 0
    assert len(list((tmp_path / "data" / "backups").iterdir())) == 1  # nothing pending: no copy
