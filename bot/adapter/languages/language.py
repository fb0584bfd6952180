"""Which language an interaction is answered in, set once per interaction.

Ephemeral replies follow the member's own Discord locale where we speak it
(Ukrainian or English), else the server's language; public messages (the game
screen, results, discussion posts) use the server's language. `speak` runs at
the start of every interaction (the command tree's and each component's
`interaction_check`): it sets `bot.i18n`'s language for the rest of that task
to the member's, and remembers the server's for `public`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord

from bot import i18n
from bot.core.bank.items import BASE_LANGUAGE

GUILD_LANGUAGE_TTL = 60.0  # seconds a server's language is remembered between reads
_KEY = "guild_language"
_CACHE = "_guild_languages"  # on the bot's services: {guild id: (good until, language)}


def _cache(services: Any) -> dict[int, tuple[float, str]]:
    cache = getattr(services, _CACHE, None)
    if cache is None:
        cache = {}
        setattr(services, _CACHE, cache)
    return cache


def remember(services: Any, guild_id: int, language: str) -> None:
    """A server's language just read or changed (/config language)."""
    _cache(services)[guild_id] = (time.monotonic() + GUILD_LANGUAGE_TTL, language)


async def guild_language(services: Any, guild_id: int | None, discord_locale: object = None) -> str:
    """The server's language, read at most once a minute per server. `discord_locale`
    (the server's own, Discord's `guild_locale`) is a new server's starting language."""
    if guild_id is None:
        return BASE_LANGUAGE
    cached = _cache(services).get(guild_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    suggested = i18n.language_of(str(discord_locale)) if discord_locale else None
    language = await services.guilds.language(guild_id, suggested)
    remember(services, guild_id, language)
    return language


def member_language(interaction: discord.Interaction, server: str) -> str:
    """The member's own language where we speak it, else the server's."""
    return i18n.language_of(str(interaction.locale)) or server


async def speak(interaction: discord.Interaction) -> str:
    """Set the language for the rest of this interaction (its own task): the
    member's for ephemeral replies; the server's is kept for `public`."""
    server = await guild_language(
        interaction.client.services,  # type: ignore[attr-defined]
        interaction.guild_id,
        interaction.guild_locale,
    )
    interaction.extras[_KEY] = server
    language = member_language(interaction, server)
    i18n._language.set(language if language in i18n.LANGUAGES else BASE_LANGUAGE)
    return language


def server_language(interaction: discord.Interaction) -> str:
    return str(interaction.extras.get(_KEY) or BASE_LANGUAGE)


@contextmanager
def public(interaction: discord.Interaction) -> Iterator[None]:
    """Build a message everyone in the channel reads: in the server's language."""
    with i18n.use(server_language(interaction)):
        yield


class Localized:
    """Mixin for persistent buttons, selects and modals: their callbacks speak the
    member's language (discord.py runs `interaction_check` in the callback's task)."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await speak(interaction)
        return True
