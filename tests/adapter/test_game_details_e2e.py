"""The details a player notices (issue 13): /help for members and moderators, topics
never echoed in public, a discussion without a final vote, no voice warnings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.discussions.discussion_result import compute_result
from bot.services.discussions.charts import render_result_png, result_text
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot, wait_for_question
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_help_lists_each_members_commands_and_moderators_theirs(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "member")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")

    with caplog.at_level(logging.WARNING):
        async with running_bot(fake, database) as bot:
            every = {
                f"/{c.qualified_name}"
                for top in bot.tree.get_commands()
                for c in ([top, *top.walk_commands()] if hasattr(top, "walk_commands") else [top])
                if not hasattr(c, "walk_commands")
            }
            seen = await fake.run_command(member, channel, "help")
            for_member = (await seen.response()).message.text
            seen = await fake.run_command(moderator, channel, "help")
            for_moderator = (await seen.response()).message.text
    assert "voice will NOT be supported" not in caplog.text
    for command in ("/quiz start", "/quiz stop", "/practice", "/leaderboard", "/discuss list"):
        assert f"`{command}`" in for_member
    assert "/schedule add" not in for_member and "/questions upload" not in for_member
    # A moderator reads every command there is.
    assert all(f"`{command}`" in for_moderator for command in every), every
    fake.assert_no_rejections()


async def test_topics_in_public_are_the_tags_matched_and_unknown_ones_private(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "member")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database):
        nothing = await fake.run_command(
            member, channel, "quiz start", {"topics": "<@&1> everyone, nonsense"}
        )
        refused = await nothing.response()
        assert refused.ephemeral and "nonsense" in refused.content
        assert fake.messages(channel, include_ephemeral=False) == []

        start = await fake.run_command(
            member, channel, "quiz start", {"topics": "Geography, **bold claim**", "questions": 1}
        )
        public = (await start.response()).content
        assert "on geography" in public and "bold" not in public
        (private,) = await start.followups()
        assert private.ephemeral and "bold" in private.content and "claim" in private.content
        await wait_for_question(fake, channel)
    fake.assert_no_rejections()


def test_a_discussion_closed_without_a_final_vote_shows_no_arrows() -> None:
    result = compute_result(["Prosecute", "Amnesty", "Case by case"], {1: 0, 2: 1, 3: 2}, {})
    text = result_text(result)
    assert "→" not in text and "0%" not in text.split("\n", 1)[1].split("\n")[0]
    assert "nobody voted in a final vote" in text and "33%" in text
    assert render_result_png(result).startswith(b"\x89PNG")
