"""Answering an interaction, whether or not it was already acknowledged."""

from __future__ import annotations

import discord

NO_MENTIONS = discord.AllowedMentions.none()


async def reply(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """Answer an interaction once, whether or not it was already acknowledged."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(
            text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
