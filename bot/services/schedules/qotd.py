"""Question of the day: one question that stays open for hours, and daily streaks.

A question of the day is an ordinary quiz run with ``mode='qotd'`` and one
round, so answering, scoring and the reveal are QuizService's own code. Its
only difference is the open time (default 24 h), longer than QuizOptions
allows a live quiz (120 s). How we get there without touching quiz.py:

    1. ``QuizService.start`` creates the run with valid options (1 question,
       120 s);
    2. one transaction of ours sets the run's ``seconds_per_question`` to the
       open time and stores the streak day and zone in its ``options``;
    3. ``QuizService.open_next_round`` opens the round, and computes the
       deadline from the run row, i.e. from the open time.

So no round is ever written with a wrong deadline and then patched: the
deadline is right the moment the round exists. (A crash between 1 and 3
leaves a run without a round; `close_due_qotds` ends such leftovers.)

The open time never runs past the schedule's next question: on the day
daylight saving starts a daily 09:00 question is 23 h from the next one, so
it closes after 23 h instead of colliding with it.

Closing is restart-safe and exactly once: `close_due_qotds(now)` finds every
question of the day whose deadline passed (whoever opened it, whenever),
closes the round (idempotent in QuizService) and then ends the run with a
conditional UPDATE; only the process whose UPDATE ends the run updates the
streaks and gets the reveal to post.

Streak policy (``daily_streaks``; days are local dates in the schedule's
zone, else the guild's):

* a right answer on the day after the member's last counted day → +1;
* a right answer after a missed day → 1 (the streak restarts);
* a wrong answer → 0;
* "the day after" means the guild's previous question-of-the-day day, so a
  weekdays-only schedule does not break streaks over the weekend, and a day
  skipped because the bot was down breaks nobody's streak;
* one step per member per day: a second question on the same local day
  does not count again (``last_day`` guards it);
* `streak()` shows 0 as the current streak once the member has missed a
  question that closed after their last counted day (the stored value is
  kept, and the next right answer makes it 1).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.i18n import _
from bot.services.quiz.quiz import (
    MAX_SECONDS,
    NoQuestions,
    QuizOptions,
    QuizService,
    Reveal,
    RoundInfo,
    RunInfo,
)
from bot.services.schedules.schedules import (
    DEFAULT_QOTD_HOURS,
    MAX_QOTD_HOURS,
    Claim,
    Shards,
    qotd_open_hours,
)
from db.models import DailyStreak, Guild, QuizAnswer, QuizRound, QuizRun, Schedule
from db.upsert import insert_ignore

__all__ = [
    "QotdClosed",
    "QotdOpened",
    "QotdService",
    "StreakChange",
    "StreakView",
]

# A run left without its round (crash while opening) is ended after this long.
_ORPHAN_AFTER = timedelta(minutes=10)
_HISTORY = 60


@dataclass(frozen=True)
class QotdOpened:
    run: RunInfo  # run.seconds is the open time in seconds
    round: RoundInfo  # post round.question; round.deadline_at is when it closes
    day: date  # the streak day (local date in `timezone`)
    timezone: str

    @property
    def closes_at(self) -> datetime:
        return self.round.deadline_at


@dataclass(frozen=True)
class StreakChange:
    user_id: int
    correct: bool
    previous: int
    current: int
    best: int


@dataclass(frozen=True)
class QotdClosed:
    """A question of the day this process closed: show `reveal`, maybe the streaks."""

    run: RunInfo
    reveal: Reveal
    day: date | None
    timezone: str | None
    streaks: list[StreakChange]


@dataclass(frozen=True)
class StreakView:
    guild_id: int
    user_id: int
    current: int  # 0 if a question closed since the member's last counted day
    best: int
    last_day: date | None


def _meta(options: Mapping[str, Any] | None) -> tuple[date | None, str | None, datetime | None]:
    meta = (options or {}).get("qotd") or {}
    day = date.fromisoformat(meta["day"]) if meta.get("day") else None
    opened = datetime.fromisoformat(meta["opened_at"]) if meta.get("opened_at") else None
    return day, meta.get("timezone"), opened


class QotdService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        quiz: QuizService | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.quiz = quiz or QuizService(sessions, clock, rng)

    # -- opening ----------------------------------------------------------------

    async def open_qotd(
        self,
        guild_id: int,
        channel_id: int,
        schedule_id: int | None,
        options: Mapping[str, Any] | None = None,
        open_hours: float = DEFAULT_QOTD_HOURS,
        *,
        started_by: int | None = None,
        timezone: str | None = None,
    ) -> QotdOpened:
        """Open a question of the day in a channel; the adapter posts `round`.

        `options` takes tags, difficulty and kind (as a schedule stores them).
        The zone for the streak day is `timezone`, else the schedule's, else
        the guild's. Raises QuizAlreadyRunning if a question of the day is
        still open in the channel, NoQuestions if none match.
        """
        if not 0 < open_hours <= MAX_QOTD_HOURS:
            raise ValueError(
                f"open_hours: must be more than 0 and at most {MAX_QOTD_HOURS:g}, "
                f"got {open_hours:g}"
            )
        options = dict(options or {})
        now = self.clock()
        zone_name, cap = await self._zone_and_cap(guild_id, schedule_id, timezone, now)
        zone = ZoneInfo(zone_name)
        open_seconds = int(open_hours * 3600)
        if cap is not None:
            open_seconds = min(open_seconds, cap)
        open_seconds = max(open_seconds, 1)
        day = now.astimezone(zone).date()
        quiz_options = QuizOptions(
            questions=1,
            tags=tuple(options.get("tags") or ()),
            difficulty=options.get("difficulty"),
            kind=str(options.get("kind") or "mixed"),
            seconds=MAX_SECONDS,
        )
        run = await self.quiz.start(
            guild_id, channel_id, started_by, quiz_options, mode="qotd", schedule_id=schedule_id
        )
        stored = {
            **quiz_options.as_dict(),
            "qotd": {
                "day": day.isoformat(),
                "timezone": zone.key,
                "open_seconds": open_seconds,
                "opened_at": now.isoformat(),
            },
        }
        async with self.sessions.begin() as session:
            await session.execute(
                update(QuizRun)
                .where(QuizRun.id == run.run_id)
                .values(seconds_per_question=open_seconds, options=stored)
                .execution_options(synchronize_session=False)
            )
        rnd = await self.quiz.open_next_round(run.run_id)
        if rnd is None:
            await self.quiz.finish(run.run_id, stopped=True)
            raise NoQuestions(_("No questions match those options for the question of the day."))
        return QotdOpened(replace(run, seconds=open_seconds), rnd, day, zone.key)

    async def open_from_claim(self, claim: Claim) -> QotdOpened:
        """Open the question of the day a claimed 'qotd' schedule run asks for."""
        return await self.open_qotd(
            claim.guild_id,
            claim.channel_id,
            claim.schedule_id,
            claim.options,
            qotd_open_hours(claim.options),
            timezone=claim.timezone,
        )

    async def _zone_and_cap(
        self, guild_id: int, schedule_id: int | None, timezone: str | None, now: datetime
    ) -> tuple[str, int | None]:
        async with self.sessions() as session:
            cap = None
            zone = timezone
            if schedule_id is not None:
                schedule = await session.get(Schedule, schedule_id)
                if schedule is not None and schedule.guild_id == guild_id:
                    zone = zone or schedule.timezone
                    if schedule.next_run_at is not None and schedule.next_run_at > now:
                        cap = int((schedule.next_run_at - now).total_seconds())
            if zone is None:
                guild = await session.get(Guild, guild_id)
                zone = guild.timezone if guild is not None and guild.timezone else "UTC"
            return zone, cap

    # -- closing ----------------------------------------------------------------

    async def close_due_qotds(
        self,
        now: datetime | None = None,
        *,
        owns_guild: Callable[[int], bool] | None = None,
        shards: Shards | None = None,
    ) -> list[QotdClosed]:
        """Close every question of the day whose deadline has passed; restart-safe.

        Returns only the ones this call ended (another process, or an earlier
        call, may have ended the rest): post each `reveal`.
        """
        now = now or self.clock()
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        QuizRun.id,
                        QuizRun.guild_id,
                        QuizRun.options,
                        QuizRun.created_at,
                        QuizRound.id.label("round_id"),
                        QuizRound.deadline_at,
                    )
                    .outerjoin(QuizRound, QuizRound.run_id == QuizRun.id)
                    .where(QuizRun.mode == "qotd", QuizRun.status == "running")
                    .order_by(QuizRun.id)
                )
            ).all()
        closed: list[QotdClosed] = []
        for row in rows:
            if owns_guild is not None and not owns_guild(row.guild_id):
                continue
            if shards is not None and not shards.owns(row.guild_id):
                continue
            if row.round_id is None:
                _day, _zone, opened = _meta(row.options)
                since = opened or row.created_at
                if since is not None and since + _ORPHAN_AFTER <= now:
                    await self.quiz.finish(row.id, stopped=True)
                continue
            if row.deadline_at > now:
                continue
            result = await self._close(row.id, row.round_id, now)
            if result is not None:
                closed.append(result)
        return closed

    async def _close(self, run_id: int, round_id: int, now: datetime) -> QotdClosed | None:
        reveal = await self.quiz.close_round(round_id)  # idempotent: scores once
        if reveal is None:
            return None
        async with self.sessions.begin() as session:
            ended = await session.execute(
                update(QuizRun)
                .where(QuizRun.id == run_id, QuizRun.status == "running")
                .values(status="finished", finished_at=now)
                .execution_options(synchronize_session=False)
            )
            if ended.rowcount != 1:  # type: ignore[attr-defined]
                return None  # someone else ended it (and updated the streaks)
            run = await session.get(QuizRun, run_id)
            assert run is not None
            day, zone, _opened = _meta(run.options)
            streaks: list[StreakChange] = []
            if day is not None:
                answers = (
                    await session.execute(
                        select(QuizAnswer.user_id, QuizAnswer.correct)
                        .where(QuizAnswer.round_id == round_id)
                        .order_by(QuizAnswer.user_id)
                    )
                ).all()
                previous_day = await self._previous_day(session, run.guild_id, run_id, day)
                for answer in answers:
                    change = await self._step(
                        session, run.guild_id, answer.user_id, answer.correct, day, previous_day
                    )
                    if change is not None:
                        streaks.append(change)
        info = await self.quiz.get_run(run_id)
        assert info is not None
        return QotdClosed(info, reveal, day, zone, streaks)

    async def _previous_day(
        self, session: AsyncSession, guild_id: int, run_id: int, day: date
    ) -> date | None:
        """The latest earlier day on which the guild held a question of the day."""
        options = await session.scalars(
            select(QuizRun.options)
            .where(
                QuizRun.guild_id == guild_id,
                QuizRun.mode == "qotd",
                QuizRun.status == "finished",
                QuizRun.id != run_id,
            )
            .order_by(QuizRun.id.desc())
            .limit(_HISTORY)
        )
        days = [d for d in (_meta(o)[0] for o in options) if d is not None and d < day]
        return max(days, default=None)

    async def _step(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        correct: bool,
        day: date,
        previous_day: date | None,
    ) -> StreakChange | None:
        await insert_ignore(
            session,
            DailyStreak,
            {"guild_id": guild_id, "user_id": user_id, "current": 0, "best": 0, "last_day": None},
        )
        row = await session.scalar(
            select(DailyStreak)
            .where(DailyStreak.guild_id == guild_id, DailyStreak.user_id == user_id)
            .with_for_update()
        )
        assert row is not None
        if row.last_day is not None and row.last_day >= day:
            return None  # this day already counted (a second question the same day)
        before = row.current
        if not correct:
            row.current = 0
        elif previous_day is not None and row.last_day == previous_day:
            row.current = before + 1
        else:
            row.current = 1
        row.best = max(row.best, row.current)
        row.last_day = day
        return StreakChange(user_id, correct, before, row.current, row.best)

    # -- reading ------------------------------------------------------------------

    async def streak(self, guild_id: int, user_id: int) -> StreakView:
        async with self.sessions() as session:
            row = await session.get(DailyStreak, (guild_id, user_id))
            if row is None:
                return StreakView(guild_id, user_id, 0, 0, None)
            latest = await session.scalar(
                select(QuizRun.options)
                .where(
                    QuizRun.guild_id == guild_id,
                    QuizRun.mode == "qotd",
                    QuizRun.status == "finished",
                )
                .order_by(QuizRun.id.desc())
                .limit(1)
            )
            latest_day = _meta(latest)[0] if latest is not None else None
            missed = row.last_day is None or (latest_day is not None and latest_day > row.last_day)
            return StreakView(
                guild_id, user_id, 0 if missed else row.current, row.best, row.last_day
            )
