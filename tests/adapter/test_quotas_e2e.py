"""Quotas as members meet them, and as a server owner changes them with /config limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def content(interaction) -> str:  # type: ignore[no-untyped-def]
    return (await interaction.response()).content


async def test_a_member_meets_the_quiz_quotas_and_the_owner_raises_one(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channels = [fake.create_channel(guild, f"quiz-{i}") for i in range(4)]
    olena = fake.create_member(guild, "olena")
    owner = fake.create_member(guild, "owner", permissions=MANAGE_GUILD)
    helpers = fake.create_role(guild, "quiz-helpers")
    helper = fake.create_member(guild, "helper", roles=[helpers])
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        # Long rounds: the clock jumps 62 s below, and a quiz whose deadline it jumps
        # past ends (correctly), which would free a place under the limit.
        start = {"questions": 1, "seconds": 120}
        assert "Quiz starting" in await content(
            await fake.run_command(olena, channels[0], "quiz start", start)
        )
        refused = await content(await fake.run_command(olena, channels[1], "quiz start", start))
        assert "Please wait 30 s more (cooldown: 30 s per member)" in refused
        assert "`/config limits` (`quiz_cooldown`)" in refused

        clock.advance(seconds=31)
        assert "Quiz starting" in await content(
            await fake.run_command(olena, channels[1], "quiz start", start)
        )
        clock.advance(seconds=31)
        refused = await content(await fake.run_command(olena, channels[2], "quiz start", start))
        assert refused.startswith(
            "Limit reached: quizzes running at once that one member started: 2. "
            "You have 2 quizzes running."
        )
        assert "A member with **Manage Server** can change it with `/config limits`" in refused
        assert "(`quizzes_per_member`, up to 10)" in refused

        # The owner sees the limits and raises this one; a moderator may only look.
        listing = await content(await fake.run_command(owner, channels[0], "config limits"))
        assert "`quizzes_per_member` **2**" in listing and "`quiz_cooldown` **30 s**" in listing
        await fake.run_command(owner, channels[0], "config moderator-role", {"role": helpers})
        as_helper = await fake.run_command(
            helper,
            channels[0],
            "config limits",
            {"limit": "quizzes_per_member", "value": 3},
            check_permissions=False,
        )
        assert "Only members with **Manage Server** can change the limits" in await content(
            as_helper
        )
        too_far = await fake.run_command(
            owner, channels[0], "config limits", {"limit": "quizzes_per_member", "value": 11}
        )
        assert "can be set from 0 to 10" in await content(too_far)
        raised = await fake.run_command(
            owner, channels[0], "config limits", {"limit": "quizzes_per_member", "value": 3}
        )
        assert "`quizzes_per_member` is now **3** on this server (default 2)" in await content(
            raised
        )
        assert "Quiz starting" in await content(
            await fake.run_command(olena, channels[2], "quiz start", start)
        )

        reset = await fake.run_command(
            owner, channels[0], "config limits", {"limit": "quizzes_per_member", "reset": True}
        )
        assert "`quizzes_per_member` is now **2**" in await content(reset)
    fake.assert_no_rejections()


async def test_one_member_cannot_fill_a_channel_with_discussions(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel, other = fake.create_channel(guild, "debate"), fake.create_channel(guild, "other")
    members = [fake.create_member(guild, f"m{i}") for i in range(4)]
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        week = {"hours": 168}
        for member in members[:3]:
            started = await fake.run_command(member, channel, "discuss start", week)
            assert (await started.response()).message.embeds  # the discussion is posted
        refused = await content(await fake.run_command(members[3], channel, "discuss start", week))
        assert refused.startswith("Limit reached: open discussions in one channel: 3. 3 are")
        assert "`discussions_per_channel`" in refused
        again = await content(await fake.run_command(members[0], other, "discuss start", week))
        assert "Please wait 60 s more" in again and "`discussion_cooldown`" in again
    fake.assert_no_rejections()


async def test_a_full_server_is_told_before_the_question_form_opens(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    owner = fake.create_member(guild, "owner", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database):
        opened = await fake.run_command(owner, channel, "questions add")
        assert (await opened.response()).type == 9  # room: the form opens
        await fake.run_command(
            owner, channel, "config limits", {"limit": "questions_per_server", "value": 0}
        )
        refused = await fake.run_command(owner, channel, "questions add")
        response = await refused.response()
        assert response.ephemeral and response.type == 4  # a message, not the form
        assert response.content.startswith("Limit reached: questions of this server's own: 0.")
    fake.assert_no_rejections()
