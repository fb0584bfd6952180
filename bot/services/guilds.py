"""A guild's settings, created on first use with sensible defaults."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


async def ensure_guild(session: AsyncSession, guild_id: int) -> Guild:
    row = await session.get(Guild, guild_id)
    if row is None:
        row = Guild(
            id=guild_id,
            allow_answer_change=False,
            streak_bonus=True,
            default_questions=10,
            default_seconds=20,
            timezone="UTC",
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

    async def language(self, guild_id: int) -> str:
        """The server's language ('en' until a moderator sets another)."""
        async with self.sessions() as session:
            result = await session.execute(select(Guild.language).where(Guild.id == guild_id))
            return result.scalar_one_or_none() or "en"
