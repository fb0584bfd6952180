"""Who counts as a moderator, checked on our side for every moderator action.

Discord's `default_permissions` only hides commands in the client, and a
server owner can change it; the check here is what actually protects.
"""

from __future__ import annotations

import discord

from bot.adapter.replies import reply
from bot.i18n import N_, _
from bot.services.container import Services


async def is_moderator(interaction: discord.Interaction, services: Services) -> bool:
    """Manage Server, or the moderator role the server set with /config moderator-role."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    role_id = await services.guilds.moderator_role(interaction.guild_id)
    member = interaction.user
    return (
        role_id is not None
        and isinstance(member, discord.Member)
        and any(role.id == role_id for role in member.roles)
    )


NOT_MODERATOR = N_(
    "Only moderators can do this: members with **Manage Server**, or the role set "
    "with `/config moderator-role`."
)


class ModeratorOnly:
    """For command groups only moderators may use: checked here, on every call,
    whatever the server's command permission overrides say."""

    services: Services

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if await is_moderator(interaction, self.services):
            return True
        await reply(interaction, _(NOT_MODERATOR))
        return False
