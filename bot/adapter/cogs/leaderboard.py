"""/leaderboard: everyone on this server's board, page by page, with your own place;
/leaderboard-reset: a moderator clears a period after confirming.

The command's answer is public (page 1, and the caller's place). Previous/Next
answer the member who pressed them privately, with their own place, so paging
never changes what the rest of the channel sees.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.languages.language import Localized, public
from bot.adapter.limits import EMBED_DESCRIPTION, clip
from bot.adapter.permissions import NOT_MODERATOR, is_moderator
from bot.adapter.quiz.game_screen import ordinal
from bot.adapter.replies import reply
from bot.i18n import _, format_number, ngettext, pgettext
from bot.services.quiz.quiz import period_key
from bot.services.quiz.stats import BoardPage, BoardRow

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

PERIODS = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="all time", value="all"),
]
PERIOD_NAMES = {c.value: c.name for c in PERIODS}


def period_name(period: str) -> str:
    """ "this week", in the current language: the same words as the command's choice."""
    name = PERIOD_NAMES.get(period)
    return pgettext("choice_name", name) if name else period


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def score(points: int, correct: int, answered: int) -> str:
    return _("**{points}** pts · {correct}/{answered} right").format(
        points=format_number(points), correct=correct, answered=answered
    )


def board_line(row: BoardRow, me: int | None) -> str:
    place = render.MEDALS[row.rank - 1] if row.rank <= 3 else f"{row.rank}."
    line = f"{place} <@{row.user_id}> — {score(row.points, row.correct, row.answered)}"
    return f"**▶** {line}" if row.user_id == me else line


def board_embed(board: BoardPage, me: int | None) -> discord.Embed:
    title = _("Leaderboard — {period}").format(period=period_name(board.period))
    if not board.rows:
        return discord.Embed(
            title=title,
            description=_("No scores yet. Start one with /quiz start."),
            colour=render.QUIZ_COLOUR,
        )
    embed = discord.Embed(
        title=title,
        description=clip("\n".join(board_line(r, me) for r in board.rows), EMBED_DESCRIPTION),
        colour=render.QUIZ_COLOUR,
    )
    if board.me is not None:
        mine = board.me
        embed.add_field(
            name=_("Your place"),
            value=_(
                "{member}: **{place}** of {total} · {points} pts · {correct}/{answered} right"
            ).format(
                member=f"<@{mine.user_id}>",
                place=ordinal(mine.rank),
                total=format_number(board.total),
                points=format_number(mine.points),
                correct=mine.correct,
                answered=mine.answered,
            ),
            inline=False,
        )
    elif me is not None:
        embed.add_field(
            name=_("Your place"),
            value=_("{member}: not on this board yet. Answer a quiz question to join.").format(
                member=f"<@{me}>"
            ),
            inline=False,
        )
    embed.set_footer(
        text=ngettext(
            "Page {page} of {pages} · {n} player · ties broken by total answer time",
            "Page {page} of {pages} · {n} players · ties broken by total answer time",
            board.total,
        ).format(page=board.page, pages=board.pages, n=format_number(board.total))
    )
    return embed


def board_view(board: BoardPage) -> discord.ui.View | None:
    if board.pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    if board.page > 1:
        view.add_item(BoardPageButton(board.period, board.page - 1, "◀ " + _("Previous")))
    if board.page < board.pages:
        view.add_item(BoardPageButton(board.period, board.page + 1, _("Next") + " ▶"))
    return view


async def board_message(
    bot: QuizBot, guild_id: int, period: str, page: int, me: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    board = await bot.services.stats.board_page(guild_id, period, page, user_id=me)
    return board_embed(board, me), board_view(board)


class BoardPageButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lb:(?P<period>week|month|all):(?P<page>\d+)",
):
    """Previous/Next; works on boards posted before a restart too."""

    def __init__(self, period: str, page: int, label: str = "Page") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.secondary, custom_id=f"lb:{period}:{page}"
            )
        )
        self.period, self.page = period, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> BoardPageButton:
        return cls(match["period"], int(match["page"]), item.label or "Page")

    async def callback(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        embed, view = await board_message(
            _bot(interaction), interaction.guild_id, self.period, self.page, interaction.user.id
        )
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(embed=embed, view=view)
        else:
            # The public board stays as posted; this member pages on a copy of their own.
            await interaction.response.send_message(
                embed=embed,
                view=view or discord.utils.MISSING,
                ephemeral=True,
                allowed_mentions=render.NO_MENTIONS,
            )


class ResetDecision(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lbreset:(?P<period>week|month|all):(?P<key>[\w-]+):(?P<do>yes|no)",
):
    """Confirm or cancel a reset. The period's key is in the id, so a confirmation
    pressed after the week or month rolled over cannot clear the new one."""

    def __init__(self, period: str, key: str, do: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Reset: {period}").format(period=period_name(period))
                if do
                else _("Cancel"),
                style=discord.ButtonStyle.danger if do else discord.ButtonStyle.secondary,
                custom_id=f"lbreset:{period}:{key}:{'yes' if do else 'no'}",
            )
        )
        self.period, self.key, self.do = period, key, do

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ResetDecision:
        return cls(match["period"], match["key"], match["do"] == "yes")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        assert interaction.guild_id is not None
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        if not self.do:
            await interaction.response.edit_message(content=_("Nothing was reset."), view=None)
            return
        name = period_name(self.period)
        if period_key(self.period, bot.services.clock()) != self.key:
            await interaction.response.edit_message(
                content=_(
                    "The period has changed since you asked, so nothing was reset. "
                    "Run /leaderboard-reset again to clear {period}."
                ).format(period=name),
                view=None,
            )
            return
        done = await bot.services.stats.reset_period(
            interaction.guild_id, self.period, by=interaction.user.id
        )
        await interaction.response.edit_message(
            content=ngettext(
                "Leaderboard for {period} reset: {n} member, {points} points cleared. "
                "Quiz answers and reports are kept.",
                "Leaderboard for {period} reset: {n} members, {points} points cleared. "
                "Quiz answers and reports are kept.",
                done.members,
            ).format(period=name, n=format_number(done.members), points=format_number(done.points)),
            view=None,
        )


class LeaderboardCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="leaderboard", description="Top players on this server")
    @app_commands.describe(period="Which period (default: all time)", page="Which page (10 a page)")
    @app_commands.choices(period=PERIODS)
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: app_commands.Choice[str] | None = None,
        page: app_commands.Range[int, 1, 100_000] = 1,
    ) -> None:
        assert interaction.guild_id is not None
        with public(interaction):  # everyone in the channel reads it
            embed, view = await board_message(
                self.bot,
                interaction.guild_id,
                period.value if period else "all",
                page,
                interaction.user.id,
            )
        await interaction.response.send_message(
            embed=embed, view=view or discord.utils.MISSING, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(
        name="leaderboard-reset", description="Clear this server's board for a period (moderators)"
    )
    @app_commands.describe(period="Which board to clear")
    @app_commands.choices(period=PERIODS)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def reset(
        self, interaction: discord.Interaction, period: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild_id is not None
        if not await is_moderator(interaction, self.bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        board = await self.bot.services.stats.board_page(interaction.guild_id, period.value)
        name = period_name(period.value)
        if not board.total:
            await reply(
                interaction, _("The board for {period} is already empty.").format(period=name)
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(ResetDecision(period.value, board.key, True))
        view.add_item(ResetDecision(period.value, board.key, False))
        await interaction.response.send_message(
            ngettext(
                "Reset the leaderboard for **{period}**? This clears the points of {n} member "
                "for {period} on this server, for everyone, and cannot be undone. Quiz answers "
                "and reports are kept. The reset is recorded in the audit log.",
                "Reset the leaderboard for **{period}**? This clears the points of {n} members "
                "for {period} on this server, for everyone, and cannot be undone. Quiz answers "
                "and reports are kept. The reset is recorded in the audit log.",
                board.total,
            ).format(period=name, n=format_number(board.total)),
            view=view,
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(BoardPageButton, ResetDecision)
    await bot.add_cog(LeaderboardCog(bot))
