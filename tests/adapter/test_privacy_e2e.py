"""/privacy and /config erase-server-data as members and owners meet them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from db.models import QuizAnswer
from tests.adapter.harness import (
    MANAGE_GUILD,
    Database,
    correct_custom_id,
    is_open_question,
    running_bot,
)
from tests.fake_discord import FakeDiscord
from tests.services.test_privacy import rows_holding

pytestmark = pytest.mark.e2e


async def test_member_reads_and_erases_their_data(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    database = await Database.create(tmp_path / "bot.db")
    async with running_bot(fake, database, ManualClock()) as bot:
        empty = await (await fake.run_command(olena, channel, "privacy")).response()
        assert empty.ephemeral and "keeps nothing about you" in empty.content
        assert not empty.message.custom_ids

        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 1, "kind": "claims"}
        )
        await start.response()
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await fake.wait_until(lambda: is_open_question(question), what="the answers to open")
        right = await correct_custom_id(bot, question)
        for member in (olena, petro):
            assert "is in" in (await (await fake.click(member, question, right)).response()).content
        await (await fake.run_command(olena, channel, "quiz stop")).response()
        await fake.wait_for_message(channel, lambda m: f"<@{olena.id}>" in m.text)

        shown = await (await fake.run_command(olena, channel, "privacy")).response()
        assert shown.ephemeral and "quiz answers" in shown.content and "Kept until" in shown.content
        assert shown.message.mentions_disabled
        erase, cancel = shown.message.custom_ids
        cancelled = await (await fake.click(olena, shown.message, cancel)).response()
        assert cancelled.type == 7 and "Nothing was erased" in shown.message.content

        again = await (await fake.run_command(olena, channel, "privacy")).response()
        erase = again.message.custom_ids[0]
        await (await fake.click(olena, again.message, erase)).response()
        await fake.wait_for_edit(again.message, lambda m: m.content.startswith("Done"))

        async with bot.services.sessions() as session:
            assert await rows_holding(session, olena.id) == []
            assert len(await rows_holding(session, petro.id)) > 0
            total = await session.scalar(select(func.count()).select_from(QuizAnswer))
        assert total == 2  # the server's totals keep her answer, anonymised
        after = await (await fake.run_command(olena, channel, "privacy")).response()
        assert "keeps nothing about you" in after.content
    fake.assert_no_rejections()


async def test_only_the_owner_erases_the_server(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    owner = fake.create_member(guild, "owner", user=fake.owner_user)
    database = await Database.create(tmp_path / "bot.db")
    async with running_bot(fake, database, ManualClock()) as bot:
        await bot.services.guilds.update(guild.id, moderator.id, streak_bonus=False)
        refused = await (
            await fake.run_command(moderator, channel, "config erase-server-data")
        ).response()
        assert "Only the server owner" in refused.content

        asked = await (
            await fake.run_command(owner, channel, "config erase-server-data")
        ).response()
        assert asked.ephemeral and "cannot be undone" in asked.content
        await (await fake.click(owner, asked.message, asked.message.custom_ids[0])).response()
        await fake.wait_for_edit(asked.message, lambda m: m.content.startswith("Erased"))
        async with bot.services.sessions() as session:
            left = await rows_holding(session, guild.id)
        assert {table for table, _c, _v in left} == {"audit_log"}  # the erasure's own entry
    fake.assert_no_rejections()
