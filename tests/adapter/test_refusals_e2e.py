"""Refusals: said once, and the bot never posts for a member where they may not write."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from db.models import DiscussionRun, QuizRun
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import DEFAULT_MEMBER_PERMISSIONS, FakeDiscord
from tests.fake_discord.models import InteractionRecord

pytestmark = pytest.mark.e2e

SEND_MESSAGES = 1 << 11


def replies_to(fake: FakeDiscord, interaction: InteractionRecord) -> list[str]:
    """Every answer the bot sent to one interaction: its response and any follow-ups."""
    return [
        r.path
        for r in fake.requests
        if interaction.token in r.path and r.method in ("POST", "PATCH")
    ]


async def test_a_moderator_refusal_is_sent_once(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "general")
    member = fake.create_member(guild, "member")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database):
        for command in ("questions list", "schedule list", "config quiz"):
            refused = await fake.run_command(member, channel, command, check_permissions=False)
            response = await refused.response()
            assert response.ephemeral and "Only moderators can do this" in response.content
            # Anything the error handler would add comes before the bot answers again.
            await (await fake.run_command(member, channel, "help")).response()
            assert len(replies_to(fake, refused)) == 1, command
        assert not any("You can't use this command here" in m.text for m in fake.messages(channel))
    fake.assert_no_rejections()


async def test_no_quiz_or_discussion_is_posted_for_a_member_who_cannot_write_here(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    # An announcements-style server: @everyone may read, not write.
    guild = fake.create_guild("G", everyone_permissions=DEFAULT_MEMBER_PERMISSIONS & ~SEND_MESSAGES)
    channel = fake.create_channel(guild, "announcements")
    reader = fake.create_member(guild, "reader")
    writers = fake.create_role(guild, "writers", permissions=SEND_MESSAGES)
    writer = fake.create_member(guild, "writer", roles=[writers])
    owner = fake.create_member(guild, "owner", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, ManualClock()) as bot:
        for command, what in (("quiz start", "a quiz"), ("discuss start", "a discussion")):
            refused = await fake.run_command(reader, channel, command)
            response = await refused.response()
            assert response.ephemeral
            assert response.content.startswith("You can't send messages in this channel")
            assert f"won't post {what} here" in response.content
        assert fake.messages(channel, include_ephemeral=False) == []
        async with bot.services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(QuizRun)) == 0
            assert await session.scalar(select(func.count()).select_from(DiscussionRun)) == 0

        # Who may write here may start them; Manage Server does not stand in for writing.
        started = await fake.run_command(writer, channel, "quiz start", {"questions": 1})
        assert "Quiz starting" in (await started.response()).content
        refused = await fake.run_command(owner, channel, "discuss start")
        assert "You can't send messages" in (await refused.response()).content
    fake.assert_no_rejections()


async def test_no_schedule_into_a_channel_the_moderator_cannot_write_in(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G", everyone_permissions=DEFAULT_MEMBER_PERMISSIONS & ~SEND_MESSAGES)
    announcements, mods = (
        fake.create_channel(guild, "announcements"),
        fake.create_channel(guild, "mods"),
    )
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    writers = fake.create_role(guild, "writers", permissions=SEND_MESSAGES)
    editor = fake.create_member(guild, "editor", permissions=MANAGE_GUILD, roles=[writers])
    database = await Database.create(tmp_path / "bot.db")
    schedule = {
        "channel": announcements,
        "what": "quiz",
        "timezone": "Europe/Kyiv",
        "days": "daily",
        "time": "12:30",
    }

    async with running_bot(fake, database, ManualClock()) as bot:
        refused = await fake.run_command(moderator, mods, "schedule add", schedule)
        text = (await refused.response()).content
        assert text.startswith(f"You can't send messages in <#{announcements.id}>")
        assert await bot.services.schedules.list(guild.id) == []
        made = await fake.run_command(editor, mods, "schedule add", schedule)
        assert "You can't" not in (await made.response()).content
        assert len(await bot.services.schedules.list(guild.id)) == 1
    fake.assert_no_rejections()
