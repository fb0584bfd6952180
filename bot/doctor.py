"""`quizbot doctor`: check what an operator can get wrong, say how to fix it."""

from __future__ import annotations

from collections.abc import Callable

from bot.app import StartupError, load_settings, open_database
from db.migrate import current_revision, head_revision


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

    try:
        database = await open_database(settings, migrate=False)
        try:
            current = await current_revision(database.engine)
        finally:
            await database.close()
        head = head_revision()
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

    problem = settings.token_problem()
    report(problem is None, "DISCORD_TOKEN present and well-formed", problem or "")

    if settings.shard_count:
        shards = settings.shard_ids if settings.shard_ids is not None else "all"
        report(True, f"sharding: {settings.shard_count} shard(s), this process runs {shards}")
    report(
        True,
        "intents: only GUILDS (no privileged intents to enable in the developer portal)",
    )
    echo("all good" if ok else "some checks failed: see the fixes above")
    return ok
