"""/quiz report: a finished quiz as a CSV file, for moderators.

The command lives under /quiz, whose group belongs to the quiz cog; this cog
adds it to that group when it loads, so the quiz cog's file stays as it is.
Load this extension after ``bot.adapter.cogs.quiz``. Discord cannot hide one subcommand
from members, so the moderator check runs here, on every call (and the quiz
picker stays empty for members).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.limits import CHOICE_NAME, clip
from bot.adapter.permissions import NOT_MODERATOR, is_moderator
from bot.adapter.quiz.member_names import display_names
from bot.adapter.replies import reply
from bot.i18n import _, ngettext
from bot.services.quiz.reports import SHORT_DATE, QuizReport, ReportError, ReportService, report_csv

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

COMMAND = "report"


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def _reports(interaction: discord.Interaction) -> ReportService:
    return ReportService(_bot(interaction).services.sessions)


def parse_quiz_number(text: str | None) -> int | None:
    """'12', '#12' or a picker label '#12 · ...' -> 12; None means the latest quiz."""
    if not text or not text.strip():
        return None
    head = text.strip().lstrip("#").split(" ", 1)[0]
    if not head.isdigit():
        raise ReportError(_("Pick a quiz from the list, or type its number (like 12)."))
    return int(head)


def summary(report: QuizReport) -> str:
    """The message beside the file: which quiz, and the question most got wrong."""
    ended = report.finished_at or report.created_at
    questions = ngettext("{n} question", "{n} questions", len(report.questions)).format(
        n=len(report.questions)
    )
    players = ngettext("{n} player", "{n} players", len(report.members)).format(
        n=len(report.members)
    )
    text = _("Report of quiz **#{number}** (ended {ended} UTC): {questions}, {players}.").format(
        number=report.run_id,
        ended=i18n.format_datetime(ended, pattern=SHORT_DATE),
        questions=questions,
        players=players,
    )
    answered = [q for q in report.questions if q.answered]
    if answered:
        hardest = min(answered, key=lambda q: (q.right_rate or 0.0, q.number))
        text += "\n" + _("Hardest: question {number}, {rate} right (“{text}”).").format(
            number=hardest.number,
            rate=i18n.format_percent(hardest.right_rate or 0),
            text=clip(hardest.text, 120),
        )
    text += "\n" + _(
        "Opens in any spreadsheet: questions, every choice's count, then each member "
        "(its headings stay in English, the same on every server)."
    )
    return text


class ReportsCog(commands.Cog):
    """Holds /quiz report; on load it joins the quiz cog's /quiz group (so it is never a
    top-level /report), and the catalog tooling finds its strings like any cog's."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    def _quiz_group(self) -> app_commands.Group:
        group = self.bot.tree.get_command("quiz")
        if not isinstance(group, app_commands.Group):
            raise RuntimeError("load bot.adapter.cogs.quiz before bot.adapter.cogs.reports")
        return group

    async def cog_load(self) -> None:
        # Runs before discord.py adds the cog's commands to the tree. It would add each
        # by its root (here /quiz, which is the quiz cog's): this one is placed here.
        self._quiz_group().add_command(self.report)
        self.__cog_app_commands__ = [c for c in self.__cog_app_commands__ if c.name != COMMAND]

    async def cog_unload(self) -> None:
        group = self.bot.tree.get_command("quiz")
        if isinstance(group, app_commands.Group):
            group.remove_command(COMMAND)

    @app_commands.command(name=COMMAND, description="A finished quiz as a spreadsheet (moderators)")
    @app_commands.describe(quiz="Which quiz (default: the latest finished one)")
    async def report(self, interaction: discord.Interaction, quiz: str | None = None) -> None:
        assert interaction.guild_id is not None
        if not await is_moderator(interaction, self.bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        try:
            run_id = parse_quiz_number(quiz)
            found = await _reports(interaction).report(interaction.guild_id, run_id)
        except ReportError as error:
            await reply(interaction, str(error))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        ids = [m.user_id for m in found.members]
        names = await display_names(self.bot, interaction.guild_id, ids)
        # A BOM so spreadsheet programs read the UTF-8 (Cyrillic names, quotes) correctly.
        data = report_csv(found, names).encode("utf-8-sig")
        await interaction.followup.send(
            summary(found),
            file=discord.File(io.BytesIO(data), filename=found.filename),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @report.autocomplete("quiz")
    async def quiz_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_moderator(interaction, self.bot.services):
            return []
        recent = await _reports(interaction).recent(interaction.guild_id, current)
        return [
            app_commands.Choice(name=clip(r.label, CHOICE_NAME), value=str(r.run_id))
            for r in recent
        ]


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ReportsCog(bot))
