"""Start-up shared by every entry point: settings, logging, database at head.

The order matters to operators: the database is created and migrated before
the token is checked, so a first start on a new machine leaves a ready
database behind even when the token is still missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.logs import configure_logging
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade

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
        await upgrade(engine)
        log.info("database at the latest schema (%s)", engine.url.render_as_string())
    return Database(engine, create_session_factory(engine))


def setup_logging(settings: Settings) -> None:
    configure_logging(settings.log_level, [settings.token] if settings.token else [])
