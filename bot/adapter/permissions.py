"""Who counts as a moderator, checked on our side for every moderator action.

Discord's `default_permissions` only hides commands in the client, and a
server owner can change it; the check here is what actually protects.
"""

from __future__ import annotations

import discord
from discord import app_commands

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


class Refused(app_commands.CheckFailure):
    """A check said no; its message is what the member reads, sent once by the tree's
    error handler (a check that replied itself and then failed made the handler add a
    second, vaguer refusal)."""


class ModeratorOnly:
    """For command groups only moderators may use: checked here, on every call,
    whatever the server's command permission overrides say."""

    services: Services

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if await is_moderator(interaction, self.services):
            return True
        raise Refused(_(NOT_MODERATOR))


THREADS = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def posting_refusal(
    interaction: discord.Interaction, what: str, channel: discord.abc.GuildChannel | None = None
) -> str | None:
    """Why the bot will not post ``what`` (a quiz, a discussion) for this member in the
    interaction's channel (or in ``channel``, e.g. a schedule's), or None.

    The bot may be allowed to write where the member is not; without this check a
    member could make it post in a read-only channel. ``interaction.permissions`` are
    the member's permissions in the interaction's channel, overwrites included
    (Discord resolves them); for another channel they are computed from the cached
    guild's roles and the channel's overwrites."""
    if channel is None:
        permissions, kind = interaction.permissions, getattr(interaction.channel, "type", None)
        where = _("this thread") if kind in THREADS else _("this channel")
    elif isinstance(interaction.user, discord.Member):
        permissions, kind = channel.permissions_for(interaction.user), channel.type
        where = channel.mention
    else:
        return None  # no member (a DM): nothing to post into a server for
    in_thread = kind in THREADS
    allowed = permissions.send_messages_in_threads if in_thread else permissions.send_messages
    if allowed:
        return None
    if channel is None:
        refusal = _(
            "You can't send messages in {where}, so the bot won't post {what} here for you. "
            "Use a channel where you can write, or ask a moderator."
        )
    else:
        refusal = _(
            "You can't send messages in {where}, so the bot won't post {what} there for you. "
            "Use a channel where you can write, or ask a moderator."
        )
    return refusal.format(where=where, what=what)
