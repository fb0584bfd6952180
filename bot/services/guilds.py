"""A guild's settings, created on first use with sensible defaults.

A new server's language is its Discord locale's where the bot speaks it (a
Ukrainian server starts in Ukrainian), until a moderator sets `/config language`:
the adapter passes that suggestion with the first read of the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.bank.items import BASE_LANGUAGE
from db.models import AuditEntry, Guild


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    moderator_role_id: int | None
    allow_answer_change: bool
    streak_bonus: bool
    default_questions: int
    default_seconds: int
    timezone: str
    quiz_in_thread: bool = False
    language: str = "en"  # public messages: the game screen, reveals, results, discussions


def _view(row: Guild) -> GuildSettings:
    return GuildSettings(
        guild_id=row.id,
        moderator_role_id=row.moderator_role_id,
        allow_answer_change=row.allow_answer_change,
        streak_bonus=row.streak_bonus,
        default_questions=row.default_questions,
        default_seconds=row.default_seconds,
        timezone=row.timezone,
        quiz_in_thread=bool(row.quiz_in_thread),
        language=row.language or "en",
    )


async def ensure_guild(
    session: AsyncSession, guild_id: int, *, language: str | None = None
) -> Guild:
    """The guild's row, created with the defaults if it has none (`language`: a new
    server's starting language, else English)."""
    row = await session.get(Guild, guild_id)
    if row is None:
        row = Guild(
            id=guild_id,
            allow_answer_change=False,
            streak_bonus=True,
            default_questions=10,
            default_seconds=20,
            timezone="UTC",
            language=language or BASE_LANGUAGE,
        )
        session.add(row)
        await session.flush()
    return row


class GuildService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get(self, guild_id: int) -> GuildSettings:
        async with self.sessions.begin() as session:
            return _view(await ensure_guild(session, guild_id))

    async def update(self, guild_id: int, user_id: int | None, **changes: object) -> GuildSettings:
        """Change settings and record who changed what in the audit log."""
        allowed = {
            "moderator_role_id",
            "allow_answer_change",
            "streak_bonus",
            "default_questions",
            "default_seconds",
            "timezone",
            "quiz_in_thread",
            "language",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown guild settings: {', '.join(sorted(unknown))}")
        async with self.sessions.begin() as session:
            row = await ensure_guild(session, guild_id)
            before = {key: getattr(row, key) for key in changes}
            for key, value in changes.items():
                setattr(row, key, value)
            session.add(
                AuditEntry(
                    guild_id=guild_id,
                    user_id=user_id,
                    action="settings.update",
                    target_type="guild",
                    target_id=str(guild_id),
                    detail={"before": before, "after": dict(changes)},
                )
            )
            return _view(row)

    async def moderator_role(self, guild_id: int) -> int | None:
        async with self.sessions() as session:
            result = await session.execute(
                select(Guild.moderator_role_id).where(Guild.id == guild_id)
            )
            return result.scalar_one_or_none()

    async def language(self, guild_id: int, suggested: str | None = None) -> str:
        """The server's language: 'en' until a moderator sets another, except that a
        server the bot has not stored yet starts in `suggested` (the language of its
        Discord locale), which is then stored. Nothing is written for English."""
        async with self.sessions() as session:
            result = await session.execute(select(Guild.language).where(Guild.id == guild_id))
            found = result.scalar_one_or_none()
        if found is not None or not suggested or suggested == BASE_LANGUAGE:
            return found or BASE_LANGUAGE
        try:
            async with self.sessions.begin() as session:
                row = await ensure_guild(session, guild_id, language=suggested)
                return row.language or BASE_LANGUAGE
        except IntegrityError:  # another interaction created the row meanwhile
            return await self.language(guild_id)
