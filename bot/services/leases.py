"""Leases: which process drives a quiz run or handles a discussion, until when.

A process claims a unit with one conditional UPDATE (it succeeds only while
the unit is free, expired, or already ours), renews what it holds with a
heartbeat, and releases it on a clean shutdown. So two bot processes on one
database never drive one game, and a crashed process's games are taken over
once its leases expire. The same pattern as schedules' claims.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from db.models import DiscussionRun, QuizRun

DEFAULT_TTL = timedelta(seconds=30)

# The kind of unit the adapter claims (it never sees models).
DISCUSSION = DiscussionRun

# The status in which each kind of unit needs a driver.
LIVE_STATUS: dict[type[Any], str] = {QuizRun: "running", DiscussionRun: "open"}
# Of those, the ones a runner drives (questions of the day are closed by their service).
DRIVEN: dict[type[Any], Any] = {QuizRun: QuizRun.mode == "live", DiscussionRun: True}


def process_name() -> str:
    """Unique per process start: a restarted process must not think it still holds
    the leases of its crashed predecessor (they expire instead)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        owner: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.owner = owner or process_name()
        self.ttl = ttl

    def expiry(self) -> datetime:
        """Until when a lease taken or renewed now holds."""
        return self.clock() + self.ttl

    def _claimable(self, model: type[QuizRun] | type[DiscussionRun]) -> Any:
        now = self.clock()
        return and_(
            model.status == LIVE_STATUS[model],
            or_(
                model.lease_owner.is_(None),
                model.lease_owner == self.owner,
                model.lease_expires_at < now,
            ),
        )

    async def claim(self, model: type[QuizRun] | type[DiscussionRun], unit_id: int) -> bool:
        """Take (or keep) the lease of one unit; False if another live process holds it."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(model)
                .where(model.id == unit_id, self._claimable(model))
                .values(lease_owner=self.owner, lease_expires_at=self.clock() + self.ttl)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew(
        self, model: type[QuizRun] | type[DiscussionRun], unit_ids: Iterable[int]
    ) -> set[int]:
        """The heartbeat: extend the leases still ours; returns the ids we still hold."""
        ids = list(unit_ids)
        if not ids:
            return set()
        async with self.sessions.begin() as session:
            await session.execute(
                update(model)
                .where(model.id.in_(ids), model.lease_owner == self.owner)
                .values(lease_expires_at=self.clock() + self.ttl)
                .execution_options(synchronize_session=False)
            )
            held = await session.execute(
                select(model.id).where(model.id.in_(ids), model.lease_owner == self.owner)
            )
            return set(held.scalars())

    async def release(
        self, model: type[QuizRun] | type[DiscussionRun], unit_ids: Iterable[int]
    ) -> None:
        """Hand units over at once (a clean shutdown), instead of waiting for expiry."""
        ids = list(unit_ids)
        if not ids:
            return
        async with self.sessions.begin() as session:
            await session.execute(
                update(model)
                .where(model.id.in_(ids), model.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    async def orphans(self, model: type[QuizRun] | type[DiscussionRun]) -> list[tuple[int, int]]:
        """(unit id, guild id) of live units nobody drives: never claimed, or expired."""
        now = self.clock()
        async with self.sessions() as session:
            rows = await session.execute(
                select(model.id, model.guild_id)
                .where(
                    model.status == LIVE_STATUS[model],
                    DRIVEN[model],
                    or_(model.lease_owner.is_(None), model.lease_expires_at < now),
                )
                .order_by(model.id)
            )
            return [(row[0], row[1]) for row in rows]
