"""/privacy: what the bot keeps about you, and erasing it; a server owner's erasure.

Everything here is ephemeral (only the member sees it) and every erasure
asks for a second click first. The rules of what is kept, anonymised or
deleted live in bot/services/privacy.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.languages.language import speak
from bot.adapter.replies import NO_MENTIONS, reply
from bot.i18n import N_, _, format_number, ngettext
from bot.services.privacy import MemberData, PrivacyService

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

CONFIRM_TIMEOUT_S = 300
RETENTION = N_(
    "Kept until you erase it here, or the server owner erases the server's data. "
    "Erasing anonymises your answers and votes (the server's totals stay, under a random "
    "id that is not yours) and deletes the rest."
)


def records(n: int) -> str:
    return ngettext("{n} record", "{n} records", n).format(n=format_number(n))


def describe(data: MemberData) -> str:
    if data.empty:
        lines = [_("The bot keeps nothing about you in this server.")]
    else:
        lines = [_("**What the bot keeps about you in this server**")]
        for holding in data.holdings:
            if holding.count:
                extra = f" ({holding.detail})" if holding.detail else ""
                lines.append(f"• {holding.what}: {format_number(holding.count)}{extra}")
    if data.other_servers:
        lines.append(
            ngettext(
                "…and something in {n} other server this bot is in.",
                "…and something in {n} other servers this bot is in.",
                data.other_servers,
            ).format(n=format_number(data.other_servers))
        )
    lines += ["", _(RETENTION)]
    return "\n".join(lines)


class Confirm(discord.ui.View):
    """Two buttons for one member: do it, or don't. Made in the member's language (the
    class-level labels are replaced here); its callbacks speak the clicking member's
    language, set in `interaction_check`."""

    def __init__(self, user_id: int, label: str, action: Callable[[], Awaitable[str]]) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT_S)
        self.user_id = user_id
        self.action = action
        self.go.label = label
        self.cancel.label = _("Cancel")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await speak(interaction)  # the callback's own task speaks the member's language
        return interaction.user.id == self.user_id

    @discord.ui.button(label=N_("Erase"), style=discord.ButtonStyle.danger)
    async def go(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content=_("Erasing…"), view=None)
        await interaction.edit_original_response(content=await self.action())

    @discord.ui.button(label=N_("Cancel"), style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content=_("Nothing was erased."), view=None)


class PrivacyCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.privacy = PrivacyService(bot.services.sessions)

    @app_commands.command(name="privacy", description="What this bot keeps about you; erase it")
    @app_commands.guild_only()
    async def privacy(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        user_id = interaction.user.id
        data = await self.privacy.member_data(interaction.guild_id, user_id)
        text = describe(data)
        if data.empty and not data.other_servers:
            await reply(interaction, text)
            return

        async def erase() -> str:
            done = await self.privacy.erase_member(user_id)
            return _(
                "Done: {anonymised} anonymised, {deleted} deleted, {cleared} no longer "
                "name you, in every server this bot is in. Playing again starts a new record."
            ).format(
                anonymised=records(done.anonymised),
                deleted=format_number(done.deleted),
                cleared=format_number(done.cleared),
            )

        view = Confirm(user_id, _("Erase my data (all servers)"), erase)
        await interaction.response.send_message(
            text + "\n\n" + _("Erase it? This cannot be undone."),
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def erase_server(self, interaction: discord.Interaction) -> None:
        """`/config erase-server-data`: for the server owner only."""
        guild = interaction.guild
        assert guild is not None
        if interaction.user.id != guild.owner_id:
            await reply(interaction, _("Only the server owner can erase the server's data."))
            return
        active = await self.privacy.active_in_guild(guild.id)
        if active:
            await reply(
                interaction,
                ngettext(
                    "{n} quiz or discussion is still running here: stop it "
                    "(`/quiz stop`, `/discuss close`) and try again.",
                    "{n} quizzes or discussions are still running here: stop them "
                    "(`/quiz stop`, `/discuss close`) and try again.",
                    active,
                ).format(n=format_number(active)),
            )
            return
        owner_id = interaction.user.id

        async def erase() -> str:
            rows = await self.privacy.erase_guild(guild.id, owner_id)
            return _(
                "Erased this server's data: {records} (questions, quizzes, scores, "
                "discussions, schedules, settings). The erasure itself is in the audit log."
            ).format(records=records(rows))

        await interaction.response.send_message(
            _(
                "This deletes **everything** the bot keeps for this server: its own questions, "
                "every quiz and answer, leaderboards, practice, discussions, schedules and "
                "settings. It cannot be undone. Erase it?"
            ),
            view=Confirm(owner_id, _("Erase all of this server's data"), erase),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
