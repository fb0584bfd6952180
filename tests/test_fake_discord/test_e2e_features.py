"""Every driver feature, exercised through a real discord.py bot."""

from __future__ import annotations

import datetime as dt
import io

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

TAGS = ["2014", "2022", "2023", "liberation", "occupation", "railway"]


class SuggestModal(discord.ui.Modal, title="Suggest a question"):
    question: discord.ui.TextInput = discord.ui.TextInput(label="Question", max_length=200)
    source: discord.ui.TextInput = discord.ui.TextInput(
        label="Source", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks! {self.question.value} ({self.source.value or 'no source'})", ephemeral=True
        )


class TopicView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.select(
        custom_id="topic:pick",
        placeholder="Pick a period",
        options=[discord.SelectOption(label=t, value=t) for t in ("1945", "2014", "2022")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"Period: {select.values[0]}", view=self)

    @discord.ui.button(label="Suggest", custom_id="topic:suggest")
    async def suggest(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(SuggestModal())


class FeatureBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.guild_ids: list[int] = []

        @app_commands.command(name="import", description="Import questions from a file")
        async def import_(interaction: discord.Interaction, file: discord.Attachment) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            data = await file.read()
            await interaction.followup.send(
                f"{file.filename}: {len(data)} bytes, first line {data.splitlines()[0]!r}",
                ephemeral=True,
            )

        @app_commands.command(name="tag", description="Questions by tag")
        async def tag(interaction: discord.Interaction, tag: str) -> None:
            await interaction.response.send_message(f"tag={tag}")

        @tag.autocomplete("tag")
        async def tag_complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TAGS if current in t][:25]

        @app_commands.command(name="discuss", description="Open a discussion")
        @app_commands.default_permissions(manage_threads=True)
        async def discuss(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"Discussion: {topic}", view=TopicView())
            message = await interaction.original_response()
            thread = await message.create_thread(name=topic[:100])
            poll = discord.Poll(
                question=f"Was {topic} well sourced?", duration=dt.timedelta(hours=1)
            )
            poll.add_answer(text="Yes")
            poll.add_answer(text="No")
            poll_message = await thread.send(poll=poll)
            await poll_message.end_poll()
            await interaction.followup.send(
                "report", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="report.csv")
            )
            await interaction.edit_original_response(content=f"Discussion: {topic} (open)")

        for cmd in (import_, tag, discuss):
            self.tree.add_command(cmd)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        # guild commands too: the fake must route the guild_id back
        for guild in self.guilds:
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            self.guild_ids.append(guild.id)


async def test_attachment_autocomplete_modal_select_thread_poll(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk")
    channel = fake.create_channel(guild, "quiz")
    moderators = fake.create_role(guild, "moderators", permissions=1 << 34)
    mod = fake.create_member(guild, "mod", roles=[moderators])
    user = fake.create_member(guild, "user")
    bot = FeatureBot()

    async with fake.running(bot):
        await fake.wait_for_commands("import", "tag", "discuss", guild=guild)

        # attachment: the bot downloads the bytes from the fake; defer + follow-up
        upload = fake.user_attachment("bank.yaml", "questions:\n- q: When?\n")
        inter = await fake.run_command(user, channel, "import", attachments=[upload])
        resp = await inter.response()
        assert resp.type == 5 and resp.ephemeral
        (followup,) = await inter.followups(1)
        assert followup is inter.message  # the first follow-up fills the "thinking" message
        assert followup.ephemeral and not followup.loading
        assert followup.content == "bank.yaml: 22 bytes, first line b'questions:'"

        # autocomplete
        auto = await fake.autocomplete(user, channel, "tag", focused="tag", value="20")
        choices = (await auto.response()).choices
        assert [c["value"] for c in choices] == ["2014", "2022", "2023"]

        # default_member_permissions: the Discord client hides /discuss from plain users
        with pytest.raises(PermissionError):
            await fake.run_command(user, channel, "discuss", {"topic": "railway"})

        inter = await fake.run_command(mod, channel, "discuss", {"topic": "railway"})
        reply = (await inter.response()).message
        assert reply is not None
        edited = await fake.wait_for_edit(reply, lambda m: m.content.endswith("(open)"))
        assert edited.edits[0].before["content"] == "Discussion: railway"

        (thread,) = fake.threads(channel)
        assert thread.id == reply.id and thread.name == "railway" and thread.type == 11
        (poll_message,) = fake.polls(thread)
        assert poll_message.poll is not None and poll_message.poll_finalized
        assert poll_message.poll["question"]["text"] == "Was railway well sourced?"
        (report,) = await inter.followups(1)
        assert report.attachments[0]["filename"] == "report.csv"
        assert next(iter(report.attachment_data.values())) == b"a,b\n1,2\n"

        # select: the bot edits the message in place (callback type 7)
        chosen = await fake.select(user, reply, "topic:pick", ["2014"])
        assert (await chosen.response()).type == 7
        assert reply.content == "Period: 2014"

        # button -> modal -> submit
        click = await fake.click(user, reply, "topic:suggest")
        modal = await click.response()
        assert modal.type == 9 and modal.data["title"] == "Suggest a question"
        with pytest.raises(ValueError, match="required"):
            await fake.submit_modal(user, click, None, {"Source": "x"})
        with pytest.raises(ValueError, match="no fields"):
            await fake.submit_modal(user, click, None, {"Question": "q", "Colour": "red"})
        submitted = await fake.submit_modal(
            user, click, modal.data["custom_id"], {"Question": "Year of the bridge?"}
        )
        thanks = await submitted.response()
        assert thanks.ephemeral and thanks.content == "Thanks! Year of the bridge? (no source)"

    assert bot.guild_ids == [guild.id]
    assert all(m.mentions_disabled for m in fake.messages() if not m.loading)
    assert not fake.unknown_routes, [r.path for r in fake.unknown_routes]
    fake.assert_no_rejections()
