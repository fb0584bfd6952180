"""Counting against the quotas, inside the transaction that would exceed them.

Why here and not in the cogs: a quota is only true if it is checked in the same
transaction that adds the quiz, discussion or questions, after the server's
row is locked (PostgreSQL ``FOR UPDATE``; SQLite has one writer at a time), so
two starts in the same instant count each other. Each ``check_*`` raises
:class:`~bot.core.quotas.QuotaExceeded` with a message for the member.

The limits themselves (defaults, bounds, texts) are in ``bot/core/quotas.py``.
Every count goes through an index that holds the guild id (no table scans).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.quotas import (
    BY_NAME,
    Limits,
    QuotaExceeded,
    check_override,
    refuse_cooldown,
    too_many,
)
from bot.i18n import _, format_number, ngettext
from bot.services.guilds import ensure_guild
from db.models import SHIPPED, AuditEntry, DiscussionRun, Guild, Question, QuizRun

__all__ = [
    "QuotaExceeded",
    "QuotaService",
    "check_discussion_start",
    "check_question_room",
    "check_quiz_start",
    "limits_of",
]


async def limits_of(session: AsyncSession, guild_id: int, *, lock: bool = False) -> Limits:
    """The server's effective limits; ``lock`` holds its row until the transaction ends."""
    row = await session.get(Guild, guild_id, with_for_update=lock or None)
    if row is None:
        row = await ensure_guild(session, guild_id)
    return Limits.for_server(row.limits)


async def check_quiz_start(
    session: AsyncSession, guild_id: int, member_id: int, now: datetime
) -> None:
    """Before a member's /quiz start: their running quizzes, the server's, the cooldown.

    Scheduled quizzes and questions of the day are the moderators' plan and are
    not refused, but they count toward the server's running quizzes."""
    limits = await limits_of(session, guild_id, lock=True)
    running = (
        select(func.count(QuizRun.id))
        .where(QuizRun.guild_id == guild_id, QuizRun.status == "running")
        .where(QuizRun.mode == "live")
    )
    mine = await session.scalar(running.where(QuizRun.started_by == member_id)) or 0
    if mine >= limits["quizzes_per_member"]:
        raise too_many(
            limits,
            "quizzes_per_member",
            ngettext("You have {n} quiz running", "You have {n} quizzes running", mine).format(
                n=format_number(mine)
            ),
            _("Wait for one to end, or end it with `/quiz stop` in its channel."),
        )
    total = await session.scalar(running) or 0
    if total >= limits["quizzes_per_server"]:
        raise too_many(
            limits,
            "quizzes_per_server",
            ngettext("{n} is running now", "{n} are running now", total).format(
                n=format_number(total)
            ),
            _("Join one of them, or wait for one to end."),
        )
    cooldown = limits.cooldown("quiz_cooldown")
    last = await session.scalar(
        select(func.max(QuizRun.created_at)).where(
            QuizRun.guild_id == guild_id,
            QuizRun.created_at > now - cooldown,
            QuizRun.started_by == member_id,
            QuizRun.schedule_id.is_(None),
        )
    )
    if last is not None:
        raise refuse_cooldown(
            limits, "quiz_cooldown", last + cooldown - now, _("You started a quiz a moment ago.")
        )


async def check_discussion_start(
    session: AsyncSession, guild_id: int, channel_id: int, member_id: int, now: datetime
) -> None:
    """Before a member's /discuss start: their open discussions, the channel's, the
    server's, the cooldown."""
    limits = await limits_of(session, guild_id, lock=True)
    open_ = select(func.count(DiscussionRun.id)).where(
        DiscussionRun.guild_id == guild_id, DiscussionRun.status == "open"
    )
    mine = await session.scalar(open_.where(DiscussionRun.started_by == member_id)) or 0
    if mine >= limits["discussions_per_member"]:
        raise too_many(
            limits,
            "discussions_per_member",
            ngettext("You have {n} discussion open", "You have {n} discussions open", mine).format(
                n=format_number(mine)
            ),
            _("Close one with `/discuss close` in its channel, or wait for one to end."),
        )
    here = await session.scalar(open_.where(DiscussionRun.channel_id == channel_id)) or 0
    if here >= limits["discussions_per_channel"]:
        raise too_many(
            limits,
            "discussions_per_channel",
            ngettext(
                "{n} is open in this channel",
                "{n} are open in this channel",
                here,
            ).format(n=format_number(here)),
            _("Join one of them (`/discuss list`), or start yours in another channel."),
        )
    total = await session.scalar(open_) or 0
    if total >= limits["discussions_per_server"]:
        raise too_many(
            limits,
            "discussions_per_server",
            ngettext("{n} is open now", "{n} are open now", total).format(n=format_number(total)),
            _("Join one of them (`/discuss list`), or wait for one to close."),
        )
    cooldown = limits.cooldown("discussion_cooldown")
    last = await session.scalar(
        select(func.max(DiscussionRun.created_at)).where(
            DiscussionRun.guild_id == guild_id,
            DiscussionRun.created_at > now - cooldown,
            DiscussionRun.started_by == member_id,
        )
    )
    if last is not None:
        raise refuse_cooldown(
            limits,
            "discussion_cooldown",
            last + cooldown - now,
            _("You started a discussion a moment ago."),
        )


async def check_question_room(session: AsyncSession, guild_id: int, adding: int) -> None:
    """Before adding ``adding`` new questions to a server (the form, an import).

    Call it inside the write transaction, with the number of questions that are
    new (updates of existing ones take no room). The shipped bank has no limit."""
    if adding <= 0 or guild_id == SHIPPED:
        return
    limits = await limits_of(session, guild_id)
    have = await session.scalar(
        select(func.count(Question.id)).where(Question.guild_id == guild_id)
    )
    have = have or 0
    allowed = limits["questions_per_server"]
    if have + adding > allowed:
        room = max(0, allowed - have)
        raise too_many(
            limits,
            "questions_per_server",
            ngettext(
                "This server has {have}, so {n} new question would not fit (room for {room})",
                "This server has {have}, so {n} new questions would not fit (room for {room})",
                adding,
            ).format(have=format_number(have), n=format_number(adding), room=format_number(room)),
            _("Nothing was added."),
        )


class QuotaService:
    """The quotas for the adapter: read them, change them (Manage Server), and the
    question check in a transaction of its own for the /questions add form."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def limits(self, guild_id: int) -> Limits:
        async with self.sessions.begin() as session:
            return await limits_of(session, guild_id)

    async def set_limit(self, guild_id: int, user_id: int, name: str, value: int | None) -> Limits:
        """Set one limit for the server (``None``: back to the default); audited."""
        if value is not None:
            check_override(name, value)
        elif name not in BY_NAME:
            check_override(name, 0)  # raises UnknownLimit
        async with self.sessions.begin() as session:
            row = await session.get(Guild, guild_id, with_for_update=True)
            if row is None:
                row = await ensure_guild(session, guild_id)
            before = dict(row.limits or {})
            after = {k: v for k, v in before.items() if k != name}
            if value is not None:
                after[name] = value
            row.limits = after  # a new dict, so the JSON change is seen and written
            session.add(
                AuditEntry(
                    guild_id=guild_id,
                    user_id=user_id,
                    action="settings.limits",
                    target_type="guild",
                    target_id=str(guild_id),
                    detail={"limit": name, "before": before.get(name), "after": value},
                )
            )
            return Limits.for_server(after)

    async def check_question_room(self, guild_id: int, adding: int) -> None:
        async with self.sessions() as session:
            await check_question_room(session, guild_id, adding)
