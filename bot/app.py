"""Start-up shared by every entry point: settings, logging, database at head.

The order matters to operators: the database is created and migrated before
the token is checked, so a first start on a new machine leaves a ready
database behind even when the token is still missing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.logs import configure_logging
from bot.ops.backup import backup_before_migration
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import current_revision, head_revision, upgrade

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A problem the operator must fix; the message says how."""


def describe_validation_error(error: ValidationError) -> str:
    """Settings errors without the offending values (they may hold secrets)."""
    lines = ["The configuration (.env or environment) has problems:"]
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {name}: {message}")
    return "\n".join(lines)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise StartupError(describe_validation_error(error)) from None


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.engine.dispose()


async def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    engine = create_engine(settings.database_url)
    if migrate:
        await copy_before_migrating(settings, engine)
        await upgrade(engine)
        log.info("database at the latest schema (%s)", engine.url.render_as_string())
    return Database(engine, create_session_factory(engine))


async def copy_before_migrating(settings: Settings, engine: AsyncEngine) -> None:
    """A SQLite file with a migration pending is copied first: a failed or unwanted
    migration is then one `quizbot restore` away from undone."""
    if settings.sqlite_path() is None:
        return
    current, head = await current_revision(engine), head_revision()
    if current is not None and current != head:
        await asyncio.to_thread(
            backup_before_migration, settings.database_url, current, head, settings.backup_dir
        )


def setup_logging(settings: Settings) -> None:
    configure_logging(
        settings.log_level, [settings.token] if settings.token else [], settings.log_format
    )
