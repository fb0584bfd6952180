"""The short reply (`bot.adapter.replies`): what a member sees is what
`send_message` would have shown, and the discord.py internals it leans on are
still there (discord.py is pinned to 2.7 for them; these tests fail loudly if not)."""

from __future__ import annotations

import asyncio
import inspect
from contextvars import ContextVar
from pathlib import Path

import discord
import pytest
from discord.webhook import async_ as webhook_async

from bot.adapter.replies import reply, respond_with_text
from tests.adapter.harness import Database, running_bot
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Channel, InteractionRecord

pytestmark = pytest.mark.e2e


def test_the_discord_internals_the_short_reply_uses_are_unchanged() -> None:
    assert discord.__version__.startswith("2.7."), "re-check bot/adapter/replies.py"
    assert "_response_type" in discord.InteractionResponse.__slots__
    assert isinstance(webhook_async.async_context, ContextVar)
    params = inspect.signature(webhook_async.interaction_message_response_params).parameters
    assert {"type", "content", "flags", "allowed_mentions", "previous_allowed_mentions"} <= set(
        params
    )
    request = inspect.signature(webhook_async.AsyncWebhookAdapter.request).parameters
    assert {"route", "session", "payload", "proxy", "proxy_auth"} <= set(request)
    assert {"_session", "_state", "token"} <= set(discord.Interaction.__slots__)


class _Replier(discord.ui.Button):  # type: ignore[type-arg]
    """A button no discord.py view takes: its clicks reach only `on_interaction`."""

    def is_dispatchable(self) -> bool:
        return False


async def post_and_click(
    fake: FakeDiscord, bot: discord.Client, channel: Channel
) -> InteractionRecord:
    """The bot posts a `replytest` button; a member clicks it (the click's record)."""
    view = discord.ui.View(timeout=None)
    view.add_item(_Replier(label="Try", custom_id="replytest"))
    guild = channel.guild
    sent = await bot.get_partial_messageable(channel.id, guild_id=guild.id).send("try", view=view)
    return await fake.click(fake.create_member(guild, "olena"), sent.id, "replytest")


async def test_a_reply_is_ephemeral_without_mentions_and_a_second_one_follows_up(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    channel = fake.create_channel(fake.create_guild("Kupiansk history club"), "quiz")
    seen: dict[str, object] = {}

    async with running_bot(fake, await Database.create(tmp_path / "bot.db")) as bot:

        async def on_interaction(interaction: discord.Interaction) -> None:
            if (interaction.data or {}).get("custom_id") != "replytest":
                return
            await reply(interaction, "Shown to you, @everyone <@1>.")
            seen["done"] = interaction.response.is_done()
            seen["type"] = interaction.response.type
            await reply(interaction, "And a second line.")
            seen["original"] = (await interaction.original_response()).content
            try:
                await respond_with_text(interaction, "a third first reply")
            except discord.InteractionResponded:
                seen["refused"] = True

        bot.add_listener(on_interaction, "on_interaction")
        click = await post_and_click(fake, bot, channel)
        first = await click.response()
        [second] = await click.followups(1)
        await fake.wait_until(lambda: "refused" in seen, what="the listener to finish")

    assert first.type == 4 and first.ephemeral
    assert first.content == "Shown to you, @everyone <@1>."
    assert click.message is not None and click.message.mentions_disabled
    assert second.content == "And a second line." and second.ephemeral
    assert second.mentions_disabled
    assert seen == {
        "done": True,
        "type": discord.InteractionResponseType.channel_message,
        "original": "Shown to you, @everyone <@1>.",
        "refused": True,
    }


async def test_a_reply_after_discords_deadline_raises_not_found(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.interaction_deadline = 0.05
    channel = fake.create_channel(fake.create_guild("Kupiansk history club"), "quiz")
    outcome: list[object] = []

    async with running_bot(fake, await Database.create(tmp_path / "bot.db")) as bot:

        async def on_interaction(interaction: discord.Interaction) -> None:
            if (interaction.data or {}).get("custom_id") != "replytest":
                return
            await asyncio.sleep(0.2)
            try:
                await reply(interaction, "too late")
            except discord.NotFound as error:
                outcome.append(error.code)
            outcome.append(interaction.response.is_done())

        bot.add_listener(on_interaction, "on_interaction")
        await post_and_click(fake, bot, channel)
        await fake.wait_until(lambda: len(outcome) == 2, what="the late reply")

    # Unknown interaction, and not marked answered: nothing was shown to the member.
    assert outcome == [10062, False]
