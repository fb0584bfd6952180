"""Uploads are checked and imported in a worker process, and survive that process dying.

The bot's own process only waits for the answer (issue 12: a 5,000-item upload parsed
in the bot's process held every other server's clicks up to a second).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bench.bankgen import bank_yaml
from bot.core.bank.uploads.templates import template
from bot.services.bank import uploads as uploads_module
from bot.services.bank.uploads import UploadError, UploadService, UploadWorker
from bot.services.workers import WorkerPool
from db.models import Question, Upload

GUILD = 92_000_000_000_000_001
MOD = 7


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    pool = WorkerPool("uploads-test")
    yield pool
    pool.shutdown()


def _not_here(*_args: object) -> None:
    raise AssertionError("the upload was parsed in the bot's own process")


async def test_preview_and_import_happen_in_the_worker_not_in_the_bots_process(
    sessions, database_url: str, pool: WorkerPool, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads_module, "parse_upload", _not_here)
    monkeypatch.setattr(uploads_module, "prepare_write", _not_here)
    uploads = UploadService(sessions, worker=UploadWorker(database_url, pool))
    name, data = template("yaml")

    report = await uploads.preview(GUILD, MOD, name, data)
    assert report.importable and report.new and report.upload_id is not None
    imported = await uploads.confirm(GUILD, report.upload_id, MOD)
    assert sorted(imported.new) == sorted(report.new)
    with pytest.raises(UploadError, match="already imported"):  # refusals cross back as they are
        await uploads.confirm(GUILD, report.upload_id, MOD)
    async with sessions() as session:
        slugs = set(await session.scalars(select(Question.slug).where(Question.guild_id == GUILD)))
    assert slugs == set(report.new)
    assert await pool.pid() != os.getpid()


async def test_a_worker_killed_mid_check_loses_nothing_and_the_next_upload_gets_a_new_one(
    sessions, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool("uploads-kill-test")
    try:
        uploads = UploadService(sessions, worker=UploadWorker(database_url, pool))
        first = await pool.pid()
        data = bank_yaml(3_000, prefix="kill")  # seconds of parsing: killed in the middle
        preview = asyncio.create_task(uploads.preview(GUILD, MOD, "big.yaml", data))
        await asyncio.sleep(0.5)
        os.kill(first, signal.SIGKILL)
        report = await preview  # finished in a thread instead
        assert report.importable and len(report.new) == 3_000

        async with sessions() as session:
            pending = (
                await session.scalars(select(Upload.id).where(Upload.guild_id == GUILD))
            ).all()
        assert pending == [report.upload_id]  # one pending upload, not a half-written one

        imported = await uploads.confirm(GUILD, report.upload_id, MOD)
        assert len(imported.new) == 3_000
        assert (await pool.pid()) not in (first, os.getpid())  # a fresh worker took over
    finally:
        pool.shutdown()
