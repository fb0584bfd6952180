"""Two bot processes, each running one of two shards, against one database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.quiz.quiz import QuizOptions
from tests.adapter.harness import Database, make_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


@contextlib.asynccontextmanager
async def shard_bot(fake, database, clock, shard: int) -> AsyncIterator:  # type: ignore[no-untyped-def]
    bot = make_bot(fake, database, clock, shard_count=2, shard_ids=str(shard))
    try:
        async with fake.running(bot):
            yield bot
    finally:
        await bot.engine_for_tests.dispose()  # type: ignore[attr-defined]


async def test_each_process_drives_only_its_shards_quizzes(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guilds = [fake.create_guild(f"shard {i}", shard=(i, 2)) for i in (0, 1)]
    channels = [fake.create_channel(g, "quiz") for g in guilds]
    members = [fake.create_member(g, "m") for g in guilds]
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with (
        shard_bot(fake, database, clock, 0) as first,
        shard_bot(fake, database, clock, 1) as second,
    ):
        assert {g.id for g in first.guilds} == {guilds[0].id}
        assert {g.id for g in second.guilds} == {guilds[1].id}
        for channel, member in zip(channels, members, strict=True):
            started = await fake.run_command(member, channel, "quiz start", {"questions": 1})
            assert "Quiz starting" in (await started.response()).content
        for channel in channels:
            await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        # Each quiz is driven by the process that holds its guild's shard.
        assert len(first.quiz_runner.tasks) == 1 and len(second.quiz_runner.tasks) == 1
        mine = await first.services.quiz.running_in_channel(channels[0].id)
        assert mine is not None and mine.run_id in first.quiz_runner.tasks

    # A quiz left running while everything was down is picked up only by its shard.
    left = await first.services.quiz.start(
        guilds[1].id, channels[1].id + 1, None, QuizOptions(questions=1)
    )
    async with shard_bot(fake, database, clock, 0) as only_zero:
        assert left.run_id not in only_zero.quiz_runner.tasks
        run = await only_zero.services.quiz.get_run(left.run_id)
        assert run is not None and run.status == "running"
    fake.assert_no_rejections()
