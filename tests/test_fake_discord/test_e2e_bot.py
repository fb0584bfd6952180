"""The real discord.py AutoShardedBot, unmodified, against the fake Discord."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord, point_discord_py_at

pytestmark = pytest.mark.e2e


class AnswerView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.clicks: list[int] = []

    @discord.ui.button(label="Answer A", custom_id="answer:a", style=discord.ButtonStyle.primary)
    async def answer_a(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(interaction.user.id)
        await interaction.response.send_message(
            f"{interaction.user.display_name} answered A", ephemeral=True
        )


class QuizBot(commands.AutoShardedBot):
    """A bot with one slash command (``/quiz start``), synced globally at start-up."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.views: list[AnswerView] = []
        quiz = app_commands.Group(name="quiz", description="Quiz about Kupiansk")

        @quiz.command(name="start", description="Start a quiz")
        @app_commands.describe(questions="How many questions")
        async def start(
            interaction: discord.Interaction, questions: app_commands.Range[int, 1, 20] = 5
        ) -> None:
            view = AnswerView()
            self.views.append(view)
            await interaction.response.send_message(
                f"Quiz started with {questions} questions", view=view
            )

        self.tree.add_command(quiz)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s between IDENTIFYs; loopback needs no pacing


async def test_command_button_and_resume(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "olena")
    bot = QuizBot()

    async with fake.running(bot):
        # the bot synced its command tree with a bulk overwrite
        assert [s.guild_id for s in fake.command_syncs] == [None]
        assert any(r.method == "PUT" and r.route.endswith("/commands") for r in fake.requests)
        assert [c["name"] for c in fake.commands()] == ["quiz"]

        # a member runs the command and gets the reply
        inter = await fake.run_command(member, channel, "quiz start", {"questions": 3})
        resp = await inter.response()
        assert resp.type == 4 and not resp.ephemeral
        assert resp.message is not None
        assert resp.message.content == "Quiz started with 3 questions"
        assert resp.message.mentions_disabled
        assert resp.message.custom_ids == ["answer:a"]
        assert fake.messages(channel) == [resp.message]
        assert inter.latency is not None and inter.latency < 3

        # a click on the reply reaches the View's callback
        click = await fake.click(member, resp.message, "answer:a")
        answer = await click.response()
        assert answer.ephemeral and answer.content == "olena answered A"
        assert bot.views[0].clicks == [member.id]

        # the gateway drops; the client RESUMEs and keeps answering
        seq_before = fake.shard_sessions[0].seq
        assert await fake.drop_gateway() == 1
        resume = await fake.wait_for_resume()
        assert resume.shard_id == 0 and resume.seq == seq_before
        inter2 = await fake.run_command(member, channel, "quiz start")
        resp2 = await inter2.response()
        assert resp2.content == "Quiz started with 5 questions"

        # an event dispatched while the bot is away is replayed on RESUME
        await fake.drop_gateway(mode="reconnect")
        missed = await fake.run_command(member, channel, "quiz start", {"questions": 7})
        await fake.wait_for_resume(2)
        assert (await missed.response()).content == "Quiz started with 7 questions"

    assert fake.identifies and len(fake.identifies) == 1
    assert not fake.unknown_routes
    fake.assert_no_rejections()


async def test_several_shards_get_their_own_guilds() -> None:
    async with FakeDiscord(recommended_shards=3) as fake:
        with point_discord_py_at(fake):
            guilds = [fake.create_guild(f"g{i}", shard=(i, 3)) for i in range(3)]
            channels = [fake.create_channel(g) for g in guilds]
            members = [fake.create_member(g, f"m{i}") for i, g in enumerate(guilds)]
            bot = QuizBot()
            async with fake.running(bot):
                assert sorted(s for s, _, _ in fake.identifies) == [0, 1, 2]
                assert bot.shard_count == 3
                for i, guild in enumerate(guilds):
                    assert bot.get_guild(guild.id).shard_id == i
                inters = [
                    await fake.run_command(m, c, "quiz start", {"questions": i + 1})
                    for i, (m, c) in enumerate(zip(members, channels, strict=True))
                ]
                resps = await asyncio.gather(*(i.response() for i in inters))
                assert [i.shard_id for i in inters] == [0, 1, 2]
                assert [r.content for r in resps] == [
                    f"Quiz started with {n} questions" for n in (1, 2, 3)
                ]
                await fake.drop_gateway(shard_id=1)
                assert (await fake.wait_for_resume()).shard_id == 1
            fake.assert_no_rejections()


async def test_invalidated_session_identifies_again(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild()
    channel, member = fake.create_channel(guild), fake.create_member(guild)
    async with fake.running(QuizBot()):
        first = fake.shard_sessions[0].session_id
        await fake.drop_gateway(mode="invalidate")
        await fake.wait_until(lambda: len(fake.identifies) == 2, what="a second IDENTIFY")
        await fake.wait_until_connected()
        assert fake.shard_sessions[0].session_id != first and not fake.resumes
        inter = await fake.run_command(member, channel, "quiz start", {"questions": 2})
        assert (await inter.response()).content == "Quiz started with 2 questions"
    fake.assert_no_rejections()


async def test_slow_bot_fails_the_interaction(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    fake.interaction_deadline = 0.3
    guild = fake.create_guild()
    channel, member = fake.create_channel(guild), fake.create_member(guild)
    errors: list[BaseException] = []
    bot = QuizBot()

    @bot.tree.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.5)
        try:
            await interaction.response.send_message("finally")
        except discord.NotFound as exc:
            errors.append(exc)

    async with fake.running(bot):
        inter = await fake.run_command(member, channel, "slow")
        await fake.wait_until(lambda: errors, what="the bot to see the 404")
    assert errors[0].code == 10062  # type: ignore[attr-defined]
    assert fake.failed_interactions == [inter] and "late" in (inter.failed or "")
    assert [r.code for r in fake.rejections] == [10062]
    assert fake.messages(channel) == []


async def test_plain_client_uses_default_gateway(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild()
    channel, member = fake.create_channel(guild), fake.create_member(guild)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="pong")

    client.setup_hook = tree.sync  # type: ignore[method-assign]
    async with fake.running(client):
        inter = await fake.run_command(member, channel, "ping")
        assert (await inter.response()).type == 5
        assert (await inter.original_message()).content == "pong"
    assert not any(r.path.startswith("/gateway/bot") for r in fake.requests)
    fake.assert_no_rejections()
