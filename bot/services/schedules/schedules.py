"""Scheduled quizzes and questions of the day: the schedule rows, and claiming them.

A schedule is a cron rule in a guild's local time plus `next_run_at` (UTC);
`bot.core.schedules.schedule_math` turns one into the other, with the daylight-saving
policy stated there. This module stores schedules and hands due runs to the
poller (`bot.services.schedules.scheduler`) exactly once, however many processes poll
one database and however long the bot was down.

Exactly once
    A due run is claimed with ONE conditional UPDATE::

        UPDATE schedules SET next_run_at = :next
         WHERE id = :id AND next_run_at = :seen AND paused = false

    Only the process whose UPDATE changes the row (rowcount == 1) owns the
    run; any other process read the same `:seen` but finds the row moved on.
    On PostgreSQL the second UPDATE waits for the first to commit and then
    re-checks its WHERE against the new row; on SQLite writers are
    serialised by the file lock (the claim's first statement is the write,
    so the busy timeout applies and no stale read snapshot exists). In the
    same transaction the owner inserts the `schedule_runs` row, whose UNIQUE
    (schedule_id, due_at) is a second, independent guard: if that row
    already exists the run is not handed out again.

Missed runs (the bot was down)
    A run claimed at most `grace_seconds` after its due time fires late
    (status 'fired'); a later one is recorded once as 'skipped'. Either way
    the schedule then jumps to its first occurrence strictly after *now*:
    after a long outage only the one overdue run we found is recorded (no
    flood of one 'skipped' row per missed occurrence) and occurrences that
    fell between it and now are folded into it (no burst of late quizzes).

Sharding
    A process claims only the schedules of guilds whose shard it runs. With
    `shards=Shards(count, ids)` that filter is SQL
    (`(guild_id >> 22) % count IN ids`), so a batch never fills up with
    other shards' rows. An arbitrary `owns_guild` callable can only be
    applied in Python; then the due rows are walked page by page (keyset on
    (next_run_at, id)) so that a backlog of foreign guilds cannot starve
    this process's own. Due batches are small, so either is cheap; the SQL
    form is preferred because it reads only what this process may claim.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, false, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.core.schedules.schedule_math import (
    cron_from_form,
    decide_missed,
    iter_runs,
    next_run,
    validate_cron,
    validate_timezone,
)
from bot.i18n import _, ngettext
from bot.services.quiz.quiz import MAX_SECONDS, QuizError, QuizOptions
from db.models import Schedule, ScheduleRun
from db.upsert import dialect_insert

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "DEFAULT_QOTD_HOURS",
    "KINDS",
    "MAX_QOTD_HOURS",
    "MAX_SCHEDULES_PER_GUILD",
    "MIN_SPACING",
    "Claim",
    "PausedNotice",
    "ScheduleError",
    "ScheduleNotFound",
    "ScheduleRunView",
    "ScheduleService",
    "ScheduleView",
    "Shards",
    "UpcomingRun",
    "default_process_name",
    "qotd_open_hours",
    "quiz_options_from",
]

KINDS = ("quiz", "qotd")
DEFAULT_GRACE_SECONDS = 600
MAX_GRACE_SECONDS = 24 * 3600
DEFAULT_QOTD_HOURS = 24.0
MAX_QOTD_HOURS = 7 * 24.0
MAX_SCHEDULES_PER_GUILD = 25
# Two runs of one schedule closer than this are refused at `add`: a quiz
# every minute is a typo, not a plan.
MIN_SPACING = timedelta(minutes=15)
_SPACING_PROBE = 30
# A claim pass reads the due rows this many at a time.
_PAGE = 200
# How often one claim pass re-reads its page after losing a race (then it just walks on).
_REREADS = 50
_DETAIL_MAX = 1000

_QUIZ_KEYS = frozenset({"questions", "tags", "difficulty", "kind", "seconds"})
_QOTD_KEYS = frozenset({"tags", "difficulty", "kind", "open_hours"})


class ScheduleError(ValueError):
    """A refusal an admin should read (the message names the field and is shown as is)."""


class ScheduleNotFound(ScheduleError):
    """No such schedule in this guild (ids of other guilds are not found either)."""


def _not_found(schedule_id: int) -> ScheduleNotFound:
    return ScheduleNotFound(
        _("schedule: no schedule #{number} in this server").format(number=schedule_id)
    )


@dataclass(frozen=True)
class Shards:
    """The shards a process runs: a guild belongs to `(guild_id >> 22) % count`."""

    count: int
    ids: frozenset[int]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"shard count must be >= 1, got {self.count}")
        object.__setattr__(self, "ids", frozenset(self.ids))
        bad = sorted(i for i in self.ids if not 0 <= i < self.count)
        if bad:
            raise ValueError(f"shard ids {bad} are out of range 0-{self.count - 1}")

    @classmethod
    def from_settings(cls, settings: Any) -> Shards | None:
        """From anything with `shard_count` and `shard_ids` (bot.settings.Settings);
        None when the process runs every shard."""
        count = getattr(settings, "shard_count", None)
        ids = getattr(settings, "shard_ids", None)
        if count is None or ids is None:
            return None
        return cls(int(count), frozenset(int(i) for i in ids))

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.count in self.ids


@dataclass(frozen=True)
class ScheduleView:
    schedule_id: int
    guild_id: int
    channel_id: int
    created_by: int | None
    kind: str
    cron: str
    timezone: str
    options: dict[str, Any]
    grace_seconds: int
    paused: bool
    paused_reason: str | None
    next_run_at: datetime | None  # aware UTC; None only if it can never run again

    @property
    def next_run_local(self) -> datetime | None:
        """`next_run_at` in the schedule's own zone (aware), for display."""
        if self.next_run_at is None:
            return None
        return self.next_run_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Claim:
    """One due time of one schedule, owned by this process alone.

    `status` is 'fired' (start it now: `should_fire`) or 'skipped' (it was
    missed beyond the grace period; recorded, nothing to start).
    """

    run_id: int  # schedule_runs.id, for ScheduleService.record_outcome
    schedule_id: int
    guild_id: int
    channel_id: int
    created_by: int | None
    kind: str
    options: dict[str, Any]
    timezone: str
    due_at: datetime  # aware UTC
    claimed_at: datetime  # aware UTC
    status: Literal["fired", "skipped"]
    next_run_at: datetime | None  # where the schedule moved to

    @property
    def should_fire(self) -> bool:
        return self.status == "fired"

    @property
    def late_by(self) -> timedelta:
        return max(timedelta(0), self.claimed_at - self.due_at)

    @property
    def due_local(self) -> datetime:
        return self.due_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class ScheduleRunView:
    run_id: int
    schedule_id: int
    due_at: datetime
    fired_at: datetime
    status: str
    detail: str | None
    quiz_run_id: int | None
    process: str | None


@dataclass(frozen=True)
class UpcomingRun:
    schedule_id: int
    kind: str
    channel_id: int
    at: datetime  # aware, in the schedule's zone
    timezone: str

    @property
    def at_utc(self) -> datetime:
        return self.at.astimezone(UTC)


@dataclass(frozen=True)
class PausedNotice:
    """What the adapter needs to tell moderators that a schedule was paused."""

    schedule_id: int
    guild_id: int
    channel_id: int
    kind: str
    created_by: int | None
    reason: str
    cron: str
    timezone: str


def default_process_name() -> str:
    """Recorded in schedule_runs.process: which process fired a run."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def quiz_options_from(options: Mapping[str, Any]) -> QuizOptions:
    """The QuizOptions a stored schedule's options describe (for kind 'quiz')."""
    return QuizOptions(
        questions=int(options.get("questions", 10)),
        tags=tuple(options.get("tags") or ()),
        difficulty=options.get("difficulty"),
        kind=str(options.get("kind") or "mixed"),
        seconds=int(options.get("seconds", 20)),
    )


def qotd_open_hours(options: Mapping[str, Any]) -> float:
    """How long a schedule's question of the day stays open (kind 'qotd')."""
    return float(options.get("open_hours") or DEFAULT_QOTD_HOURS)


def _normalise_options(kind: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    allowed = _QUIZ_KEYS if kind == "quiz" else _QOTD_KEYS
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ScheduleError(
            _(
                "options: unknown option(s) {unknown} for a {kind} schedule; allowed: {allowed}"
            ).format(unknown=", ".join(unknown), kind=kind, allowed=", ".join(sorted(allowed)))
        )
    tags = options.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in (part.strip() for part in tags.split(",")) if t]
    try:
        tags = tuple(str(t) for t in tags)
        difficulty = options.get("difficulty")
        difficulty = None if difficulty in (None, "") else int(difficulty)
        quiz_kind = str(options.get("kind") or "mixed")
        if kind == "quiz":
            questions = int(options.get("questions", 10))
            seconds = int(options.get("seconds", 20))
        else:
            questions, seconds = 1, MAX_SECONDS
            hours = float(options.get("open_hours", DEFAULT_QOTD_HOURS))
    except (TypeError, ValueError) as exc:
        raise ScheduleError(_("options: {problem}").format(problem=exc)) from None
    try:
        QuizOptions(questions, tags, difficulty, quiz_kind, seconds).validate()
    except QuizError as exc:
        raise ScheduleError(_("options: {problem}").format(problem=exc)) from None
    result: dict[str, Any] = {"tags": list(tags), "difficulty": difficulty, "kind": quiz_kind}
    if kind == "quiz":
        result.update(questions=questions, seconds=seconds)
    else:
        if not 0 < hours <= MAX_QOTD_HOURS:
            raise ScheduleError(
                _(
                    "options: open_hours must be more than 0 and at most {maximum}, got {hours}"
                ).format(maximum=f"{MAX_QOTD_HOURS:g}", hours=f"{hours:g}")
            )
        result["open_hours"] = hours
    return result


def _check_spacing(cron: str, zone: ZoneInfo, now: datetime) -> None:
    runs = iter_runs(cron, zone, now)
    previous = next(runs)
    for _probe in range(_SPACING_PROBE):
        current = next(runs)
        if current - previous < MIN_SPACING:
            minutes = int(MIN_SPACING.total_seconds() // 60)
            raise ScheduleError(
                _(
                    "cron: rule {rule} runs more often than once every {minutes} minutes "
                    "(e.g. {first} and {second}); space the runs out"
                ).format(
                    rule=repr(cron),
                    minutes=minutes,
                    first=f"{previous.astimezone(zone):%a %H:%M}",
                    second=f"{current.astimezone(zone):%H:%M}",
                )
            )
        previous = current


def _view(row: Schedule) -> ScheduleView:
    return ScheduleView(
        schedule_id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        created_by=row.created_by,
        kind=row.kind,
        cron=row.cron,
        timezone=row.timezone,
        options=dict(row.options or {}),
        grace_seconds=row.grace_seconds,
        paused=row.paused,
        paused_reason=row.paused_reason,
        next_run_at=row.next_run_at,
    )


def _run_view(row: ScheduleRun) -> ScheduleRunView:
    return ScheduleRunView(
        run_id=row.id,
        schedule_id=row.schedule_id,
        due_at=row.due_at,
        fired_at=row.fired_at,
        status=row.status,
        detail=row.detail,
        quiz_run_id=row.quiz_run_id,
        process=row.process,
    )


@dataclass
class _Due:
    schedule_id: int
    guild_id: int
    channel_id: int
    created_by: int | None
    kind: str
    cron: str
    timezone: str
    options: dict[str, Any]
    grace_seconds: int
    seen: datetime


class ScheduleService:
    """Schedules of each guild, and exactly-once claiming of their due runs.

    Every public method is one short transaction (a claim pass is one per
    schedule claimed) and returns plain values.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        process_name: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.process_name = (process_name or default_process_name())[:64]
        self._rng = rng or random.Random()

    # -- managing ---------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        channel_id: int,
        created_by: int | None,
        *,
        kind: str,
        cron: str | None = None,
        days: Sequence[str] | str | None = None,
        time_hhmm: str | None = None,
        timezone: str,
        options: Mapping[str, Any] | None = None,
        grace_seconds: int = DEFAULT_GRACE_SECONDS,
    ) -> ScheduleView:
        """Create a schedule from a cron rule (experts) or days + time (the form).

        Raises:
            ScheduleError (a ValueError): naming the field (kind, cron, days,
                time, timezone, options, grace_seconds) and what is wrong.
        """
        if kind not in KINDS:
            raise ScheduleError(
                _("kind: must be 'quiz' or 'qotd', got {kind}").format(kind=repr(kind))
            )
        if cron is not None and (days is not None or time_hhmm is not None):
            raise ScheduleError(_("cron: give either a cron rule or days and time, not both"))
        if cron is not None:
            try:
                rule = validate_cron(cron)
            except ValueError as exc:
                raise ScheduleError(_("cron: {problem}").format(problem=exc)) from None
        else:
            if days is None or time_hhmm is None:
                missing = "days" if days is None else "time"
                raise ScheduleError(
                    _(
                        "{field}: required (give days and time such as 'mon,wed' and "
                        "'19:30', or a cron rule)"
                    ).format(field=missing)
                )
            try:
                rule = cron_from_form(days, time_hhmm)
            except ValueError as exc:
                raise ScheduleError(str(exc)) from None
        try:
            zone = validate_timezone(timezone)
        except ValueError as exc:
            raise ScheduleError(_("timezone: {problem}").format(problem=exc)) from None
        if not isinstance(grace_seconds, int) or not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
            raise ScheduleError(
                _("grace_seconds: must be a whole number 0-{maximum}, got {value}").format(
                    maximum=MAX_GRACE_SECONDS, value=repr(grace_seconds)
                )
            )
        clean = _normalise_options(kind, options)
        now = self.clock()
        _check_spacing(rule, zone, now)
        async with self.sessions.begin() as session:
            count = await session.scalar(
                select(func.count()).select_from(Schedule).where(Schedule.guild_id == guild_id)
            )
            if (count or 0) >= MAX_SCHEDULES_PER_GUILD:
                raise ScheduleError(
                    ngettext(
                        "This server already has {n} schedule; remove one first",
                        "This server already has {n} schedules; remove one first",
                        MAX_SCHEDULES_PER_GUILD,
                    ).format(n=MAX_SCHEDULES_PER_GUILD)
                )
            row = Schedule(
                guild_id=guild_id,
                channel_id=channel_id,
                created_by=created_by,
                kind=kind,
                cron=rule,
                timezone=zone.key,
                options=clean,
                grace_seconds=grace_seconds,
                paused=False,
                paused_reason=None,
                next_run_at=next_run(rule, zone, now),
            )
            session.add(row)
            await session.flush()
            return _view(row)

    async def get(self, guild_id: int, schedule_id: int) -> ScheduleView:
        async with self.sessions() as session:
            return _view(await self._owned(session, guild_id, schedule_id))

    async def list(self, guild_id: int) -> list[ScheduleView]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Schedule).where(Schedule.guild_id == guild_id).order_by(Schedule.id)
            )
            return [_view(row) for row in rows]

    async def pause(
        self, guild_id: int, schedule_id: int, reason: str | None = None
    ) -> ScheduleView:
        async with self.sessions.begin() as session:
            # Write first: on SQLite the transaction then holds the write lock
            # from its first statement (no stale read snapshot to upgrade).
            changed = await session.execute(
                update(Schedule)
                .where(Schedule.id == schedule_id, Schedule.guild_id == guild_id)
                .values(paused=True, paused_reason=reason)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise _not_found(schedule_id)
            return _view(await self._owned(session, guild_id, schedule_id))

    async def resume(self, guild_id: int, schedule_id: int) -> ScheduleView:
        """Unpause; the next run is the first occurrence after now (missed ones are not
        replayed)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._owned(session, guild_id, schedule_id, lock=True)
            row.paused = False
            row.paused_reason = None
            row.next_run_at = next_run(row.cron, row.timezone, now)
            await session.flush()
            return _view(row)

    async def remove(self, guild_id: int, schedule_id: int) -> ScheduleView:
        """Delete a schedule and its run history (quiz runs it started stay)."""
        view = await self.get(guild_id, schedule_id)
        async with self.sessions.begin() as session:
            gone = await session.execute(
                delete(Schedule)
                .where(Schedule.id == schedule_id, Schedule.guild_id == guild_id)
                .execution_options(synchronize_session=False)
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                raise _not_found(schedule_id)
        return view

    async def next_times(self, guild_id: int, n: int = 5) -> list[UpcomingRun]:
        """The next `n` runs across the guild's active schedules, soonest first, each
        as an aware datetime in its schedule's own zone."""
        if n <= 0:
            return []
        now = self.clock()
        upcoming: list[UpcomingRun] = []
        for view in await self.list(guild_id):
            if view.paused or view.next_run_at is None:
                continue
            zone = ZoneInfo(view.timezone)
            grace = timedelta(seconds=view.grace_seconds)
            times: list[datetime] = []
            start = now
            if view.next_run_at > now or decide_missed(view.next_run_at, now, grace) == "run":
                times.append(view.next_run_at)
                start = max(now, view.next_run_at)
            runs = iter_runs(view.cron, zone, start)
            while len(times) < n:
                times.append(next(runs))
            upcoming.extend(
                UpcomingRun(
                    view.schedule_id, view.kind, view.channel_id, t.astimezone(zone), zone.key
                )
                for t in times
            )
        upcoming.sort(key=lambda u: (u.at_utc, u.schedule_id))
        return upcoming[:n]

    async def runs(self, guild_id: int, schedule_id: int, limit: int = 20) -> list[ScheduleRunView]:
        """The schedule's history, newest due time first."""
        async with self.sessions() as session:
            await self._owned(session, guild_id, schedule_id)
            rows = await session.scalars(
                select(ScheduleRun)
                .where(ScheduleRun.schedule_id == schedule_id)
                .order_by(ScheduleRun.due_at.desc(), ScheduleRun.id.desc())
                .limit(max(0, limit))
            )
            return [_run_view(row) for row in rows]

    async def _owned(
        self, session: AsyncSession, guild_id: int, schedule_id: int, *, lock: bool = False
    ) -> Schedule:
        stmt = select(Schedule).where(Schedule.id == schedule_id, Schedule.guild_id == guild_id)
        if lock:
            stmt = stmt.with_for_update()
        row = await session.scalar(stmt)
        if row is None:
            raise _not_found(schedule_id)
        return row

    # -- claiming -----------------------------------------------------------------

    async def claim_due(
        self,
        now: datetime | None = None,
        *,
        owns_guild: Callable[[int], bool] | None = None,
        shards: Shards | None = None,
        limit: int = 100,
    ) -> list[Claim]:
        """Claim up to `limit` due runs for this process, each exactly once.

        Returns both kinds of claim: 'fired' (the caller starts it, then may
        call `record_outcome`) and 'skipped' (missed beyond grace; already
        recorded; only worth a log line or a notice). A run lost to another
        process is simply not returned. Fewer than `limit` claims means
        nothing more is due for this process right now.

        Policy for missed runs: see the module docstring. In short, only the
        one overdue occurrence found is recorded (fired late within grace,
        else skipped), and `next_run_at` jumps to the first occurrence after
        `now`, so a long outage yields one 'skipped' row, not one per day.

        `shards` filters in SQL; `owns_guild` (e.g. Settings.owns_guild) is
        applied in Python to each due row. Give either or both.
        """
        now = now or self.clock()
        claims: list[Claim] = []
        cursor: tuple[datetime, int] | None = None
        # Many schedules share a rule and zone; their next run after `now` is the same.
        upcoming: dict[tuple[str, str], datetime | str] = {}
        rereads = _REREADS
        while len(claims) < limit:
            page = await self._due_page(now, shards, cursor)
            if not page:
                break
            # Oldest due time first; within one due time a random order, so that
            # processes polling together mostly try different rows.
            lost = False
            for due in sorted(page, key=lambda d: (d.seen, self._rng.random())):
                if len(claims) >= limit:
                    break
                if owns_guild is not None and not owns_guild(due.guild_id):
                    continue
                claim = await self._claim_one(due, now, upcoming)
                if claim is not None:
                    claims.append(claim)
                elif rereads > 0:
                    # Another process is working through these rows: read the
                    # page again rather than lose a write race for each of them.
                    rereads -= 1
                    lost = True
                    break
            if lost:
                continue
            last = page[-1]
            cursor = (last.seen, last.schedule_id)
            if len(page) < _PAGE:
                break
        return claims

    async def _due_page(
        self, now: datetime, shards: Shards | None, cursor: tuple[datetime, int] | None
    ) -> list[_Due]:
        stmt = select(
            Schedule.id,
            Schedule.guild_id,
            Schedule.channel_id,
            Schedule.created_by,
            Schedule.kind,
            Schedule.cron,
            Schedule.timezone,
            Schedule.options,
            Schedule.grace_seconds,
            Schedule.next_run_at,
        ).where(Schedule.paused == false(), Schedule.next_run_at <= now)
        if shards is not None:
            if not shards.ids:
                return []
            if shards.count > 1:
                # `>> 22` as SQL text: PostgreSQL has bigint >> integer, not >> bigint.
                shard_of = Schedule.guild_id.op(">>")(literal_column("22")) % shards.count
                stmt = stmt.where(shard_of.in_(sorted(shards.ids)))
        if cursor is not None:
            seen, last_id = cursor
            stmt = stmt.where(
                or_(
                    Schedule.next_run_at > seen,
                    and_(Schedule.next_run_at == seen, Schedule.id > last_id),
                )
            )
        stmt = stmt.order_by(Schedule.next_run_at, Schedule.id).limit(_PAGE)
        async with self.sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [
            _Due(
                schedule_id=r.id,
                guild_id=r.guild_id,
                channel_id=r.channel_id,
                created_by=r.created_by,
                kind=r.kind,
                cron=r.cron,
                timezone=r.timezone,
                options=dict(r.options or {}),
                grace_seconds=r.grace_seconds,
                seen=r.next_run_at,
            )
            for r in rows
        ]

    async def _claim_one(
        self, due: _Due, now: datetime, cache: dict[tuple[str, str], datetime | str]
    ) -> Claim | None:
        grace = timedelta(seconds=max(0, due.grace_seconds))
        decision = decide_missed(due.seen, now, grace)
        status: Literal["fired", "skipped"] = "fired" if decision == "run" else "skipped"
        detail = None
        paused_reason = None
        key = (due.cron, due.timezone)
        if key not in cache:
            try:
                cache[key] = next_run(due.cron, due.timezone, now)
            except ValueError as exc:
                # A rule or zone that no longer parses (e.g. tzdata dropped a
                # zone): do not retry it every poll; pause it and say why.
                cache[key] = f"schedule rule can no longer be computed: {exc}"[:_DETAIL_MAX]
        computed = cache[key]
        upcoming = computed if isinstance(computed, datetime) else None
        if isinstance(computed, str):
            paused_reason = computed
        if status == "skipped":
            late = int((now - due.seen).total_seconds())
            detail = f"missed by {late} s (grace {due.grace_seconds} s); next run moved ahead"
        async with self.sessions.begin() as session:
            values: dict[str, Any] = {"next_run_at": upcoming}
            if paused_reason is not None:
                values.update(paused=True, paused_reason=paused_reason)
            # The claim: first statement of the transaction, and a write.
            moved = await session.execute(
                update(Schedule)
                .where(
                    Schedule.id == due.schedule_id,
                    Schedule.next_run_at == due.seen,
                    Schedule.paused == false(),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another process claimed it (or it was paused/edited)
            stmt = (
                dialect_insert(session, ScheduleRun)
                .values(
                    schedule_id=due.schedule_id,
                    due_at=due.seen,
                    fired_at=now,
                    status=status,
                    detail=detail,
                    process=self.process_name,
                )
                .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
                .returning(ScheduleRun.id)
            )
            run_id = await session.scalar(stmt)
            if run_id is None:
                # The unique (schedule_id, due_at) says this due time was handed
                # out before: keep the schedule moved on, hand nothing out.
                return None
        return Claim(
            run_id=run_id,
            schedule_id=due.schedule_id,
            guild_id=due.guild_id,
            channel_id=due.channel_id,
            created_by=due.created_by,
            kind=due.kind,
            options=due.options,
            timezone=due.timezone,
            due_at=due.seen,
            claimed_at=now,
            status=status,
            next_run_at=upcoming,
        )

    # -- outcomes -------------------------------------------------------------------

    async def record_outcome(
        self,
        run_id: int,
        status: Literal["fired", "skipped", "failed"],
        detail: str | None = None,
        quiz_run_id: int | None = None,
    ) -> ScheduleRunView | None:
        """Mark a claimed run 'failed' (with the reason) or link the quiz run it started.

        A None `quiz_run_id`/`detail` leaves the stored value as it is.
        Returns None if the run no longer exists (its schedule was removed).
        """
        if status not in ("fired", "skipped", "failed"):
            raise ValueError(f"status: must be fired, skipped or failed, got {status!r}")
        values: dict[str, Any] = {"status": status}
        if detail is not None:
            values["detail"] = detail[:_DETAIL_MAX]
        if quiz_run_id is not None:
            values["quiz_run_id"] = quiz_run_id
        async with self.sessions.begin() as session:
            await session.execute(
                update(ScheduleRun)
                .where(ScheduleRun.id == run_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            row = await session.get(ScheduleRun, run_id)
            return _run_view(row) if row is not None else None

    async def pause_for_missing_channel(self, schedule_id: int, reason: str) -> PausedNotice | None:
        """Pause a schedule whose channel is gone or unreadable, so it is not retried
        every day; returns what moderators should be told (None if already removed)."""
        reason = (reason or "the channel is gone or the bot cannot post there")[:_DETAIL_MAX]
        async with self.sessions.begin() as session:
            await session.execute(
                update(Schedule)
                .where(Schedule.id == schedule_id)
                .values(paused=True, paused_reason=reason)
                .execution_options(synchronize_session=False)
            )
            row = await session.get(Schedule, schedule_id)
            if row is None:
                return None
            return PausedNotice(
                schedule_id=row.id,
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                kind=row.kind,
                created_by=row.created_by,
                reason=reason,
                cron=row.cron,
                timezone=row.timezone,
            )
