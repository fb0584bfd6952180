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
from bot.adapter.limits import EMBED_DESCRIPTION, clip
from bot.adapter.permissions import NOT_MODERATOR, is_moderator
from bot.adapter.replies import reply
from bot.services.quiz import period_key
from bot.services.stats import BoardPage, BoardRow

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

PERIODS = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="all time", value="all"),
]
PERIOD_NAMES = {c.value: c.name for c in PERIODS}


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def board_line(row: BoardRow, me: int | None) -> str:
    place = render.MEDALS[row.rank - 1] if row.rank <= 3 else f"{row.rank}."
    line = f"{place} <@{row.user_id}> — **{row.points:,}** pts · {row.correct}/{row.answered} right"
    return f"**▶** {line}" if row.user_id == me else line


def board_embed(board: BoardPage, me: int | None) -> discord.Embed:
    title = f"Leaderboard — {PERIOD_NAMES.get(board.period, board.period)}"
    if not board.rows:
        return discord.Embed(
            title=title,
            description="No scores yet. Start one with /quiz start.",
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
            name="Your place",
            value=f"<@{mine.user_id}>: **{ordinal(mine.rank)}** of {board.total:,} · "
            f"{mine.points:,} pts · {mine.correct}/{mine.answered} right",
            inline=False,
        )
    elif me is not None:
        embed.add_field(
            name="Your place",
            value=f"<@{me}>: not on this board yet. Answer a quiz question to join.",
            inline=False,
        )
    embed.set_footer(
        text=f"Page {board.page} of {board.pages} · {board.total:,} player(s) · "
        "ties broken by total answer time"
    )
    return embed


def board_view(board: BoardPage) -> discord.ui.View | None:
    if board.pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    if board.page > 1:
        view.add_item(BoardPageButton(board.period, board.page - 1, "◀ Previous"))
    if board.page < board.pages:
        view.add_item(BoardPageButton(board.period, board.page + 1, "Next ▶"))
    return view


async def board_message(
    bot: QuizBot, guild_id: int, period: str, page: int, me: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    board = await bot.services.stats.board_page(guild_id, period, page, user_id=me)
    return board_embed(board, me), board_view(board)


class BoardPageButton(
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
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lbreset:(?P<period>week|month|all):(?P<key>[\w-]+):(?P<do>yes|no)",
):
    """Confirm or cancel a reset. The period's key is in the id, so a confirmation
    pressed after the week or month rolled over cannot clear the new one."""

    def __init__(self, period: str, key: str, do: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Reset {PERIOD_NAMES[period]}" if do else "Cancel",
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
            await reply(interaction, NOT_MODERATOR)
            return
        if not self.do:
            await interaction.response.edit_message(content="Nothing was reset.", view=None)
            return
        name = PERIOD_NAMES[self.period]
        if period_key(self.period, bot.services.clock()) != self.key:
            await interaction.response.edit_message(
                content=f"The period has changed since you asked, so nothing was reset. "
                f"Run /leaderboard-reset again to clear {name}.",
                view=None,
            )
            return
        done = await bot.services.stats.reset_period(
            interaction.guild_id, self.period, by=interaction.user.id
        )
        await interaction.response.edit_message(
            content=f"Leaderboard for {name} reset: {done.members:,} member(s), "
            f"{done.points:,} points cleared. Quiz answers and reports are kept.",
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
            await reply(interaction, NOT_MODERATOR)
            return
        board = await self.bot.services.stats.board_page(interaction.guild_id, period.value)
        if not board.total:
            await reply(interaction, f"The board for {period.name} is already empty.")
            return
        view = discord.ui.View(timeout=None)
        view.add_item(ResetDecision(period.value, board.key, True))
        view.add_item(ResetDecision(period.value, board.key, False))
        await interaction.response.send_message(
            f"Reset the leaderboard for **{period.name}**? This clears the points of "
            f"{board.total:,} member(s) for {period.name} on this server, for everyone, and "
            "cannot be undone. Quiz answers and reports are kept. The reset is recorded "
            "in the audit log.",
            view=view,
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(BoardPageButton, ResetDecision)
    await bot.add_cog(LeaderboardCog(bot))
