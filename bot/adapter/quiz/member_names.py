"""Members' display names for files and pictures, where a mention cannot render.

Messages show members as mentions (Discord renders the name, nobody is pinged),
but a CSV report or a podium picture needs the name itself. The bot runs
without the members intent, so names come from the cache where a member is
there and otherwise from one REST call per member, a few at a time and capped,
so a large quiz never floods the API. A member who left has no name: callers
show their id or a stand-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import discord

MAX_FETCHED = 100
AT_ONCE = 5


async def display_names(
    client: discord.Client, guild_id: int, user_ids: Iterable[int], *, limit: int = MAX_FETCHED
) -> dict[int, str]:
    """Names by user id for those of ``user_ids`` we can find (the first ``limit``)."""
    guild = client.get_guild(guild_id)
    if guild is None:
        return {}
    names: dict[int, str] = {}
    missing: list[int] = []
    for user_id in list(dict.fromkeys(user_ids))[:limit]:
        member = guild.get_member(user_id)
        if member is not None:
            names[user_id] = member.display_name
        else:
            missing.append(user_id)
    gate = asyncio.Semaphore(AT_ONCE)

    async def fetch(user_id: int) -> None:
        async with gate:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                return  # left the server, or Discord is busy: the caller shows the id
            names[user_id] = member.display_name

    await asyncio.gather(*(fetch(u) for u in missing))
    return names
