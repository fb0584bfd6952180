"""A server's settings: a new server's language comes from its Discord locale, once."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services.guilds import GuildService
from db.models import Guild

UKRAINIAN, ENGLISH, CHOSEN = 94_000_000_000_000_001, 94_000_000_000_000_002, 94_000_000_000_000_003
MOD = 31


async def test_a_new_server_starts_in_its_discords_language_until_a_moderator_chooses(
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    guilds = GuildService(sessions)
    # A Ukrainian server: stored at the first read, so public posts follow it too.
    assert await guilds.language(UKRAINIAN, "uk") == "uk"
    assert await guilds.language(UKRAINIAN) == "uk"
    assert (await guilds.get(UKRAINIAN)).language == "uk"
    # English needs nothing written; a server without a suggestion is English.
    assert await guilds.language(ENGLISH, "en") == "en"
    assert await guilds.language(ENGLISH) == "en"
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).where(Guild.id == ENGLISH))
    assert stored == 0
    # A moderator's choice stands, whatever the server's Discord says later.
    await guilds.update(CHOSEN, MOD, language="en")
    assert await guilds.language(CHOSEN, "uk") == "en"
    await guilds.update(UKRAINIAN, MOD, language="en")
    assert await guilds.language(UKRAINIAN, "uk") == "en"
