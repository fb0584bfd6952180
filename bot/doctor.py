"""`quizbot doctor`: check what an operator can get wrong, say how to fix it.

It asks Discord itself (plain REST with a timeout, no gateway session): is
the token accepted, and can the bot see and post in the channels the
servers configured? It also checks the schema revision and the free disk
space next to a SQLite file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.app import StartupError, load_settings, open_database
from bot.settings import Settings
from db.migrate import current_revision, head_revision
from db.models import Schedule

DISCORD_API = "https://discord.com/api/v10"
HTTP_TIMEOUT_S = 10.0
LOW_DISK_BYTES = 500 * 1024 * 1024

ADMINISTRATOR = 1 << 3
# What posting a quiz, its picture, its thread needs (see the invite link in README.md).
NEEDED = {
    "View Channel": 1 << 10,
    "Send Messages": 1 << 11,
    "Embed Links": 1 << 14,
    "Attach Files": 1 << 15,
    "Read Message History": 1 << 16,
    "Create Public Threads": 1 << 35,
    "Send Messages in Threads": 1 << 38,
}


def channel_permissions(
    guild_id: int,
    everyone: int,
    role_permissions: dict[int, int],
    member_roles: list[int],
    member_id: int,
    overwrites: list[dict[str, Any]],
) -> int:
    """Discord's documented order: @everyone, roles, then the channel's overwrites
    (@everyone, the member's roles together, the member)."""
    allowed = everyone
    for role in member_roles:
        allowed |= role_permissions.get(role, 0)
    if allowed & ADMINISTRATOR:
        return ~0
    by_id = {int(o["id"]): o for o in overwrites}

    def apply(value: int, overwrite: dict[str, Any] | None) -> int:
        if overwrite is None:
            return value
        return (value & ~int(overwrite.get("deny", 0))) | int(overwrite.get("allow", 0))

    allowed = apply(allowed, by_id.get(guild_id))
    deny = allow = 0
    for role in member_roles:
        overwrite = by_id.get(role)
        if overwrite is not None:
            deny |= int(overwrite.get("deny", 0))
            allow |= int(overwrite.get("allow", 0))
    allowed = (allowed & ~deny) | allow
    return apply(allowed, by_id.get(member_id))


def missing(permissions: int) -> list[str]:
    return [name for name, bit in NEEDED.items() if not permissions & bit]


class Discord:
    """The few REST calls the doctor makes, with the bot's token and a timeout."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self.base = (settings.discord_api_base or DISCORD_API).rstrip("/")
        self.session = session
        self.headers = {"Authorization": f"Bot {settings.token}", "User-Agent": "quizbot-doctor"}

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.base + path, headers=self.headers) as response:
            body = await response.json(content_type=None) if response.status < 500 else None
            return response.status, body


async def check_channels(
    api: Discord, bot_id: int, channels: dict[int, set[int]]
) -> list[tuple[bool, str, str]]:
    """(ok, what, fix) for each configured channel, grouped by server."""
    results: list[tuple[bool, str, str]] = []
    for guild_id, channel_ids in sorted(channels.items()):
        status, guild = await api.get(f"/guilds/{guild_id}")
        if status != 200:
            results.append(
                (
                    False,
                    f"server {guild_id}: not reachable ({status}); the bot may have been removed",
                    "invite the bot again, or remove the server's schedules",
                )
            )
            continue
        roles = {int(r["id"]): int(r["permissions"]) for r in guild.get("roles", [])}
        _, member = await api.get(f"/guilds/{guild_id}/members/{bot_id}")
        member_roles = [int(r) for r in (member or {}).get("roles", [])]
        for channel_id in sorted(channel_ids):
            status, channel = await api.get(f"/channels/{channel_id}")
            where = f"server {guild.get('name', guild_id)!r}, channel {channel_id}"
            if status != 200:
                results.append(
                    (
                        False,
                        f"{where}: cannot be read ({status})",
                        "the channel is gone or hidden from the bot: fix it or remove the schedule",
                    )
                )
                continue
            where = f"server {guild.get('name', guild_id)!r}, #{channel.get('name', channel_id)}"
            perms = channel_permissions(
                guild_id,
                roles.get(guild_id, 0),
                roles,
                member_roles,
                bot_id,
                channel.get("permission_overwrites") or [],
            )
            lacking = missing(perms)
            results.append(
                (
                    not lacking,
                    f"{where}: the bot can post"
                    if not lacking
                    else f"{where}: the bot lacks {', '.join(lacking)}",
                    "give the bot's role these permissions in the channel's settings",
                )
            )
    return results


async def configured_channels(settings: Settings) -> dict[int, set[int]]:
    database = await open_database(settings, migrate=False)
    try:
        async with database.sessions() as session:
            rows = await session.execute(select(Schedule.guild_id, Schedule.channel_id))
            found: dict[int, set[int]] = {}
            for guild_id, channel_id in rows:
                found.setdefault(guild_id, set()).add(channel_id)
            return found
    finally:
        await database.close()


async def run_checks(echo: Callable[[str], None] = print) -> bool:
    ok = True

    def report(good: bool, what: str, fix: str = "") -> None:
        nonlocal ok
        ok = ok and good
        echo(
            f"[{'ok' if good else 'FAIL'}] {what}"
            + (f"\n       fix: {fix}" if fix and not good else "")
        )

    try:
        settings = load_settings()
    except StartupError as error:
        report(False, "settings", str(error))
        return False
    report(True, f"settings loaded (log level {settings.log_level})")

    database_ok = False
    try:
        database = await open_database(settings, migrate=False)
        try:
            current = await current_revision(database.engine)
        finally:
            await database.close()
        head = head_revision()
        database_ok = True
        report(
            current == head,
            f"database reachable, schema revision {current or '(empty)'} (latest {head})",
            "run 'quizbot db upgrade' (the bot also upgrades at start)",
        )
    except Exception as error:  # any driver error: say which, without the URL's password
        report(
            False,
            f"database not reachable: {type(error).__name__}: {str(error).splitlines()[0][:200]}",
            "check DATABASE_URL in .env, and that the database server is running",
        )

    db_file = settings.sqlite_path()
    if db_file is not None:
        folder = db_file.parent if db_file.parent.exists() else db_file.parent.parent
        free = shutil.disk_usage(folder if folder.exists() else ".").free
        report(
            free >= LOW_DISK_BYTES,
            f"free disk space next to {db_file}: {free / 1024**3:.1f} GiB",
            "free some space: SQLite needs room to write, and backups need a copy's worth",
        )

    problem = settings.token_problem()
    report(problem is None, "DISCORD_TOKEN present and well-formed", problem or "")
    if problem is None:
        await check_discord(settings, report, database_ok)

    if settings.shard_count:
        shards = settings.shard_ids if settings.shard_ids is not None else "all"
        report(True, f"sharding: {settings.shard_count} shard(s), this process runs {shards}")
    report(
        True,
        "intents: only GUILDS (no privileged intents to enable in the developer portal)",
    )
    echo("all good" if ok else "some checks failed: see the fixes above")
    return ok


async def check_discord(settings: Settings, report: Callable[..., None], database_ok: bool) -> None:
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            api = Discord(settings, session)
            status, me = await api.get("/users/@me")
            if status == 401:
                report(
                    False,
                    "Discord refused the token (401)",
                    "reset the token on the 'Bot' page of the developer portal; put it in .env",
                )
                return
            if status != 200:
                report(False, f"Discord answered {status} to the token check", "try again later")
                return
            report(True, f"Discord accepts the token: the bot is {me.get('username')!r}")
            if not database_ok:
                return
            channels = await configured_channels(settings)
            if not channels:
                report(True, "no scheduled channels to check yet")
            for good, what, fix in await check_channels(api, int(me["id"]), channels):
                report(good, what, fix)
    except (TimeoutError, aiohttp.ClientError) as error:
        report(
            False,
            f"could not reach Discord within {HTTP_TIMEOUT_S:g} s ({type(error).__name__})",
            "check this machine's network and DNS (the bot needs HTTPS to discord.com)",
        )
