"""Slash commands and buttons of live quizzes, practice, leaderboards and stats."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.limits import AUTOCOMPLETE_CHOICES, clip
from bot.adapter.permissions import is_moderator
from bot.adapter.replies import reply
from bot.adapter.transient import is_transient_discord
from bot.services.questions import tag_suggestions
from bot.services.quiz import (
    LETTERS,
    AnswerStatus,
    QuizOptions,
    Results,
    Reveal,
    RoundInfo,
    RunInfo,
)

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

log = logging.getLogger(__name__)


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def answer_feedback(status: AnswerStatus, shown: int | None, text: str | None) -> str:
    given = f"**{LETTERS[shown]}**" if shown is not None else f"“{clip(text or '', 100)}”"
    return {
        AnswerStatus.ACCEPTED: f"Your answer {given} is in. "
        "The answer is revealed when the round closes.",
        AnswerStatus.CHANGED: f"Changed to {given}. That was your one change: it is final now.",
        AnswerStatus.DUPLICATE: f"You already answered {given}; your first answer counts.",
        AnswerStatus.LATE: "Too late: this round has closed. Get ready for the next question!",
        AnswerStatus.ENDED: "This quiz has ended. Start a new one with /quiz start.",
        AnswerStatus.UNKNOWN: "This quiz has ended (or this button is no longer valid).",
    }[status]


async def submit_answer(
    interaction: discord.Interaction, round_id: int, *, choice: int | None, text: str | None
) -> None:
    bot = _bot(interaction)
    user, services = interaction.user.id, bot.services
    guild = interaction.guild_id or 0  # a round of another server is not answered here
    outcome = await services.live_answers.answer(
        round_id, user, choice=choice, text=text, interaction_id=interaction.id, guild_id=guild
    ) or await services.quiz.answer(
        round_id, user, choice=choice, text=text, interaction_id=interaction.id, guild_id=guild
    )
    if outcome.all_answered:
        run_id = services.live_answers.run_of(round_id)
        if run_id is None:
            info = await services.quiz.get_round(round_id)
            run_id = info.run_id if info else None
        if run_id is not None:
            bot.quiz_runner.everyone_answered(run_id)
    # The early close does not depend on the reply reaching the member (it may be late).
    await reply(interaction, answer_feedback(outcome.status, outcome.shown_choice, outcome.text))


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:(?P<round>\d+):(?P<choice>\d)"
):
    """One answer button; works on messages from before a restart too."""

    def __init__(self, round_id: int, choice: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:{round_id}:{choice}",
                disabled=disabled,
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await submit_answer(interaction, self.round_id, choice=self.choice, text=None)


class TextAnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[TextAnswerModal] = discord.ui.TextInput(
        label="Answer", max_length=200, placeholder="Type your answer"
    )

    def __init__(self, round_id: int) -> None:
        super().__init__(custom_id=f"quiztext:{round_id}", timeout=600)
        self.round_id = round_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await submit_answer(interaction, self.round_id, choice=None, text=str(self.answer.value))


class TextAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:(?P<round>\d+):text"
):
    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer", style=discord.ButtonStyle.primary, custom_id=f"quiz:{round_id}:text"
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> TextAnswerButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        status = await _bot(interaction).services.quiz.answerable(self.round_id)
        if status is not AnswerStatus.ACCEPTED:
            await reply(interaction, answer_feedback(status, None, None))
            return
        await interaction.response.send_modal(TextAnswerModal(self.round_id))


def round_view(rnd: RoundInfo) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if rnd.question.kind == "short_answer":
        view.add_item(TextAnswerButton(rnd.round_id))
        return view
    for i, text in enumerate(rnd.shown_choices):
        label = text if rnd.question.kind in ("true_false", "claim_check") else LETTERS[i]
        view.add_item(AnswerButton(rnd.round_id, i, clip(label, 80)))
    return view


class DiscordQuizPresenter:
    """Shows what the quiz runner decides, in the quiz's channel."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    def _channel(self, run: RunInfo) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(run.channel_id, guild_id=run.guild_id)

    async def show_round(self, run: RunInfo, rnd: RoundInfo) -> int | None:
        message = await self._channel(run).send(
            embed=render.round_embed(rnd, run.mode),
            view=round_view(rnd),
            allowed_mentions=render.NO_MENTIONS,
        )
        return message.id

    async def show_reveal(self, run: RunInfo, reveal: Reveal) -> None:
        channel = self._channel(run)
        if reveal.round.message_id:
            try:
                # Buttons off, so nobody clicks a closed round.
                await channel.get_partial_message(reveal.round.message_id).edit(view=None)
            except discord.HTTPException:
                log.warning("could not disable the buttons of round %s", reveal.round.round_id)
        await channel.send(embed=render.reveal_embed(reveal), allowed_mentions=render.NO_MENTIONS)

    async def show_results(self, run: RunInfo, results: Results) -> None:
        await self._channel(run).send(
            embed=render.results_embed(run, results), allowed_mentions=render.NO_MENTIONS
        )

    async def show_failure(self, run: RunInfo, results: Results | None) -> None:
        await self._channel(run).send(
            "This quiz had to stop because of a problem on our side (it has been logged). "
            "The answers given so far are kept"
            + (" and the results follow." if results is not None else "."),
            embed=render.results_embed(run, results)
            if results is not None
            else discord.utils.MISSING,
            allowed_mentions=render.NO_MENTIONS,
        )

    def is_transient(self, error: BaseException) -> bool:
        return is_transient_discord(error)


PERIODS = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="all time", value="all"),
]
KINDS = [
    app_commands.Choice(name="mixed", value="mixed"),
    app_commands.Choice(name="facts", value="facts"),
    app_commands.Choice(name="claim checks", value="claims"),
]
DIFFICULTIES = [
    app_commands.Choice(name="easy", value=1),
    app_commands.Choice(name="medium", value=2),
    app_commands.Choice(name="hard", value=3),
]


def parse_topics(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(t.strip().lower() for t in re.split(r"[,\s]+", text) if t.strip()))


@app_commands.guild_only()
class QuizCog(
    commands.GroupCog, group_name="quiz", group_description="Live quizzes in this channel"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Start a live quiz in this channel")
    @app_commands.describe(
        questions="How many questions (1-50, default 10)",
        topics="Topic tags, comma-separated (suggestions as you type)",
        difficulty="Only questions of this difficulty",
        kind="Facts, claim checks of the essay, or both",
        seconds="Seconds per question (5-120, default 20)",
    )
    @app_commands.choices(kind=KINDS, difficulty=DIFFICULTIES)
    async def start(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, 1, 50] | None = None,
        topics: str | None = None,
        difficulty: app_commands.Choice[int] | None = None,
        kind: app_commands.Choice[str] | None = None,
        seconds: app_commands.Range[int, 5, 120] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        settings = await self.bot.services.guilds.get(interaction.guild_id)
        options = QuizOptions(
            questions=questions or settings.default_questions,
            tags=parse_topics(topics),
            difficulty=difficulty.value if difficulty else None,
            kind=kind.value if kind else "mixed",
            seconds=seconds or settings.default_seconds,
        )
        run = await self.bot.services.quiz.start(
            interaction.guild_id, interaction.channel_id, interaction.user.id, options
        )
        note = f" on {', '.join(options.tags)}" if options.tags else ""
        await interaction.response.send_message(
            f"**Quiz starting{clip(note, 200)}!** {run.question_count} question(s), "
            f"{run.seconds} s each. Answer with the buttons; faster right answers score more.",
            allowed_mentions=render.NO_MENTIONS,
        )
        self.bot.quiz_runner.launch(run)

    @start.autocomplete("topics")
    async def topics_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        *done, typing = [t.strip() for t in current.split(",")] if current else [""]
        prefix = ", ".join(d for d in done if d)
        async with self.bot.services.sessions() as session:
            tags = await tag_suggestions(session, interaction.guild_id or 0, typing)
        choices = []
        for tag in tags[:AUTOCOMPLETE_CHOICES]:
            value = f"{prefix}, {tag}" if prefix else tag
            choices.append(app_commands.Choice(name=clip(value, 100), value=clip(value, 100)))
        return choices

    @app_commands.command(name="stop", description="End the quiz in this channel now")
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.channel_id is not None
        run = await self.bot.services.quiz.running_in_channel(interaction.channel_id)
        if run is None or run.guild_id != interaction.guild_id:
            await reply(interaction, "No quiz is running in this channel.")
            return
        if run.started_by != interaction.user.id and not await is_moderator(
            interaction, self.bot.services
        ):
            await reply(
                interaction, "Only the member who started this quiz, or a moderator, can stop it."
            )
            return
        await interaction.response.send_message(
            "Stopping the quiz; results follow.", allowed_mentions=render.NO_MENTIONS
        )
        await self.bot.quiz_runner.stop(run.run_id)


class StatsCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="leaderboard", description="Top players on this server")
    @app_commands.describe(period="Which period (default: all time)")
    @app_commands.choices(period=PERIODS)
    @app_commands.guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        key = period.value if period else "all"
        rows = await self.bot.services.stats.leaderboard(interaction.guild_id, key)
        await interaction.response.send_message(
            embed=render.leaderboard_embed(rows, key), allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(name="stats", description="Accuracy, points, streaks and topics")
    @app_commands.describe(member="Whose stats (default: yours)")
    @app_commands.guild_only()
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        user_id = (member or interaction.user).id
        stats = await self.bot.services.stats.member(interaction.guild_id, user_id)
        await interaction.response.send_message(
            embed=render.stats_embed(stats, user_id),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(AnswerButton, TextAnswerButton)
    await bot.add_cog(QuizCog(bot))
    await bot.add_cog(StatsCog(bot))
