"""`quizbot run`'s own code path, pointed at the fake through the settings alone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest

from bot.logs import configure_logging
from bot.runner import run_bot
from bot.settings import Settings
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_run_bot_migrates_syncs_and_answers(
    fake_discord: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "general")
    member = fake.create_member(guild, "newcomer")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=fake.token,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'quizbot.db'}",
        discord_api_base=fake.api_base,
        dev_guild_id=guild.id,
    )
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG", [fake.token])  # as `quizbot run` does, at the noisiest level
    task = asyncio.create_task(run_bot(settings))
    try:
        await fake.wait_for_commands("quiz", "help", guild=guild)
        await fake.wait_until_connected()
        assert (tmp_path / "fresh" / "quizbot.db").exists()
        helped = await fake.run_command(member, channel, "help")
        response = await helped.response()
        assert response.ephemeral and "/quiz start" in response.message.text
        started = await fake.run_command(member, channel, "quiz start", {"questions": 1})
        assert "Quiz starting" in (await started.response()).content
        await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        root.handlers[:], level = saved
        root.setLevel(level)
    logged = capsys.readouterr().err
    assert "synced" in logged and "shipped bank" in logged  # the log was written...
    assert fake.token not in logged  # ...and never carries the token
    fake.assert_no_rejections()
