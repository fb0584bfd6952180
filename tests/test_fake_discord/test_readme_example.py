"""The example from tests/fake_discord/README.md, kept runnable."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord


class Again(discord.ui.View):
    @discord.ui.button(label="Again", custom_id="hello:again")
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Hello again")


class Bot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,  # on_ready 50 ms after the last guild, not 2 s
            allowed_mentions=discord.AllowedMentions.none(),
        )

        @self.tree.command(name="hello", description="Say hello")
        @app_commands.describe(name="Who to greet")
        async def hello(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"Hello {name}", view=Again())

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def test_hello(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "olena")

    async with fake.running(Bot()):  # start, wait for READY + guilds + on_ready; close after
        interaction = await fake.run_command(member, channel, "hello", {"name": "Olena"})
        response = await interaction.response()  # the initial callback (within 3 s)
        assert response.type == 4 and not response.ephemeral
        message = response.message
        assert message.content == "Hello Olena"
        assert message.mentions_disabled  # allowed_mentions allowed nothing
        assert message.custom_ids == ["hello:again"]

        click = await fake.click(member, message, "hello:again")
        assert (await click.response()).type == 7  # UPDATE_MESSAGE
        assert message.content == "Hello again"
        assert message.edits[0].before["content"] == "Hello Olena"

    fake.assert_no_rejections()  # nothing Discord would have refused, no failed interaction
