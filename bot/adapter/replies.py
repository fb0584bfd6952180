"""Answering an interaction, whether or not it was already acknowledged.

A first reply of plain text takes a shorter road than discord.py's
`InteractionResponse.send_message` (issue 18). Since 2.5 that method asks Discord to
send the new message back (`?with_response=1`) and builds a `Message` and an
`InteractionCallbackResponse` from it: in a live quiz, where every click is answered
with one line of text nobody reads back, that was about a twentieth of the bot's
CPU per click. Here the same request goes through the same discord.py adapter
(its retries, rate-limit lock and errors) without the echo; Discord answers
`204 No Content`, as it did for discord.py before 2.5.

It leans on discord.py's internals: `async_context`,
`interaction_message_response_params`, `Route`, `InteractionResponse._response_type`
and the interaction's `_state` and `_session`. discord.py is pinned to 2.7
(pyproject.toml) and tests/adapter/test_replies.py fails loudly if any of them changes.
"""

from __future__ import annotations

import discord
from discord.http import Route
from discord.webhook.async_ import async_context, interaction_message_response_params

NO_MENTIONS = discord.AllowedMentions.none()
_EPHEMERAL = discord.MessageFlags(ephemeral=True)
_CALLBACK = "/interactions/{webhook_id}/{webhook_token}/callback"


async def reply(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """Answer an interaction once, whether or not it was already acknowledged."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
    else:
        await respond_with_text(interaction, text, ephemeral=ephemeral)


async def respond_with_text(
    interaction: discord.Interaction, text: str, *, ephemeral: bool = True
) -> None:
    """`interaction.response.send_message(text, ...)` without Discord's echo of the message.

    Raises what `send_message` raises (`InteractionResponded`, `NotFound` for an
    expired interaction, `HTTPException`), and marks the interaction answered the
    same way, so `is_done()`, followups and `original_response()` behave as after it.
    """
    response = interaction.response
    if response.is_done():
        raise discord.InteractionResponded(interaction)
    params = interaction_message_response_params(
        type=discord.InteractionResponseType.channel_message.value,
        content=text,
        flags=_EPHEMERAL if ephemeral else discord.utils.MISSING,
        allowed_mentions=NO_MENTIONS,
        previous_allowed_mentions=interaction._state.allowed_mentions,
    )
    http = interaction._state.http
    await async_context.get().request(
        Route("POST", _CALLBACK, webhook_id=interaction.id, webhook_token=interaction.token),
        session=interaction._session,
        proxy=http.proxy,
        proxy_auth=http.proxy_auth,
        payload=params.payload,
    )
    response._response_type = discord.InteractionResponseType.channel_message
