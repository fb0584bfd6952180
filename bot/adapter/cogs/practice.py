"""/practice: one member, ephemeral, at their own pace.

The buttons carry the question id and the last few question ids, so a
practice session needs no memory in the bot and survives restarts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.languages.language import Localized
from bot.adapter.limits import clip
from bot.adapter.quiz.game_screen import localize_question
from bot.i18n import N_, _
from bot.services.quiz.practice import PracticeQuestion

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

RECENT = 3


def _recent(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.isdigit()][-RECENT:]


def _recent_text(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids[-RECENT:])


def practice_view(pq: PracticeQuestion, recent: list[int]) -> discord.ui.View:
    question = pq.question
    trail = _recent_text([*recent, question.id])
    view = discord.ui.View(timeout=None)
    if question.kind == "short_answer":
        view.add_item(PracticeTextButton(shown_ref(pq), trail))
        return view
    for original in pq.choice_order:
        # Each button carries its choice's own text, never a bare letter.
        view.add_item(
            PracticeButton(shown_ref(pq), original, trail, clip(question.choices[original], 80))
        )
    return view


def shown_ref(pq: PracticeQuestion) -> str:
    """ "question.revision" in a button's custom id: the answer is judged against
    what was shown. Buttons from before revisions carry the question id alone."""
    question_id = pq.question.id
    return f"{question_id}.{pq.revision_id}" if pq.revision_id else str(question_id)


def parse_ref(ref: str) -> tuple[int, int | None]:
    question, _sep, revision = ref.partition(".")
    return int(question), int(revision) if revision else None


def next_view(trail: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PracticeNextButton(trail))
    return view


async def show_next(interaction: discord.Interaction, recent: list[int], *, edit: bool) -> None:
    bot: QuizBot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    pq = await bot.services.practice.next_question(
        interaction.guild_id, interaction.user.id, recent
    )
    if pq is None:
        text = _("There are no questions to practise on this server yet.")
        if edit:
            await interaction.response.edit_message(content=text, embed=None, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True)
        return
    question, had = localize_question(pq.question)  # ephemeral: the member's language
    pq = replace(pq, question=question)
    embed = render.practice_embed(pq.question, pq.shown_choices, pq.reason, other_language=not had)
    view = practice_view(pq, recent)
    if edit:
        await interaction.response.edit_message(content=None, embed=embed, view=view)
    else:
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )


async def record(
    interaction: discord.Interaction,
    ref: str,
    trail: str,
    *,
    choice: int | None,
    text: str | None,
) -> None:
    bot: QuizBot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    question_id, revision_id = parse_ref(ref)
    result = await bot.services.practice.answer(
        interaction.guild_id,
        interaction.user.id,
        question_id,
        original_choice=choice,
        text=text,
        revision_id=revision_id,
    )
    if result is None:
        await interaction.response.edit_message(
            content=_("That question is no longer available."), embed=None, view=next_view(trail)
        )
        return
    question, _had = localize_question(result.question)
    await interaction.response.edit_message(
        embed=render.practice_result_embed(question, result.correct, result.due_in_days),
        view=next_view(trail),
    )


class PracticeButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"prac:(?P<q>\d+(?:\.\d+)?):(?P<c>\d):(?P<trail>[\d,]*)",
):
    def __init__(self, ref: str, choice: int, trail: str, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"prac:{ref}:{choice}:{trail}",
            )
        )
        self.ref, self.choice, self.trail = ref, choice, trail

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PracticeButton:
        return cls(match["q"], int(match["c"]), match["trail"], item.label or "?")

    async def callback(self, interaction: discord.Interaction) -> None:
        await record(interaction, self.ref, self.trail, choice=self.choice, text=None)


class PracticeModal(Localized, discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[PracticeModal] = discord.ui.TextInput(
        label=N_("Answer"), max_length=200
    )

    def __init__(self, ref: str, trail: str) -> None:
        super().__init__(title=_("Your answer"), timeout=900)
        self.answer._underlying.label = _("Answer")
        self.ref, self.trail = ref, trail

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await record(interaction, self.ref, self.trail, choice=None, text=str(self.answer.value))


class PracticeTextButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"prac:(?P<q>\d+(?:\.\d+)?):t:(?P<trail>[\d,]*)",
):
    def __init__(self, ref: str, trail: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Answer"),
                style=discord.ButtonStyle.primary,
                custom_id=f"prac:{ref}:t:{trail}",
            )
        )
        self.ref, self.trail = ref, trail

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PracticeTextButton:
        return cls(match["q"], match["trail"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(PracticeModal(self.ref, self.trail))


class PracticeNextButton(
    Localized, discord.ui.DynamicItem[discord.ui.Button], template=r"pracnext:(?P<trail>[\d,]*)"
):
    def __init__(self, trail: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Next question"),
                style=discord.ButtonStyle.primary,
                custom_id=f"pracnext:{trail}",
            )
        )
        self.trail = trail

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PracticeNextButton:
        return cls(match["trail"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await show_next(interaction, _recent(self.trail), edit=True)


class PracticeCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="practice", description="Practise alone, at your own pace; missed questions return"
    )
    @app_commands.guild_only()
    async def practice(self, interaction: discord.Interaction) -> None:
        await show_next(interaction, [], edit=False)


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(PracticeButton, PracticeTextButton, PracticeNextButton)
    await bot.add_cog(PracticeCog(bot))
