"""Schedules against a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from bot.core.clock import ManualClock
from bot.i18n import use
from bot.services.schedules.scheduler import ChannelGone, Scheduler
from bot.services.schedules.schedules import (
    Claim,
    ScheduleError,
    ScheduleNotFound,
    ScheduleService,
    Shards,
    quiz_options_from,
)
from db.models import ScheduleRun

GUILD, OTHER_GUILD, CHANNEL = 81_000_000_000_000_001, 81_000_000_000_000_002, 555
ALICE = 11
KYIV = ZoneInfo("Europe/Kyiv")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(KYIV, 2026, 1, 5, 12, 0))


@pytest.fixture
def service(sessions, clock) -> ScheduleService:  # type: ignore[no-untyped-def]
    return ScheduleService(sessions, clock, process_name="test")


# -- managing ---------------------------------------------------------------------------


async def test_add_from_form_and_cron(service: ScheduleService, clock: ManualClock) -> None:
    form = await service.add(
        GUILD,
        CHANNEL,
        ALICE,
        kind="quiz",
        days="mon,wed",
        time_hhmm="19:30",
        timezone="europe/kyiv",
        options={"questions": 5, "tags": "geography, history", "seconds": 30},
    )
    assert form.cron == "30 19 * * 1,3" and form.timezone == "Europe/Kyiv"
    # 5 January 2026 is a Monday, noon in Kyiv: tonight at 19:30 local.
    assert form.next_run_at == at(KYIV, 2026, 1, 5, 19, 30)
    assert form.next_run_local is not None and form.next_run_local.hour == 19
    assert form.options == {
        "tags": ["geography", "history"],
        "difficulty": None,
        "kind": "mixed",
        "questions": 5,
        "seconds": 30,
    }
    assert quiz_options_from(form.options).questions == 5

    expert = await service.add(
        GUILD, CHANNEL, ALICE, kind="qotd", cron="0  9 * * *", timezone="America/New_York",
        options={"open_hours": 12},
    )  # fmt: skip
    assert expert.cron == "0 9 * * *" and expert.options["open_hours"] == 12
    # Noon in Kyiv is 05:00 in New York: 09:00 New York is still ahead today.
    assert expert.next_run_at == at(NEW_YORK, 2026, 1, 5, 9, 0) and clock() < expert.next_run_at
    assert [s.schedule_id for s in await service.list(GUILD)] == [
        form.schedule_id,
        expert.schedule_id,
    ]
    assert await service.list(OTHER_GUILD) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "party", "cron": "0 9 * * *"}, "kind:"),
        ({"kind": "quiz", "cron": "0 25 * * *"}, "cron:"),
        ({"kind": "quiz", "cron": "*/5 * * * *"}, "cron:"),
        ({"kind": "quiz", "cron": "0 9 * * *", "days": "daily"}, "cron:"),
        ({"kind": "quiz", "days": "someday", "time_hhmm": "19:30"}, "days:"),
        ({"kind": "quiz", "days": "daily", "time_hhmm": "25:00"}, "time:"),
        ({"kind": "quiz", "days": "daily"}, "time:"),
        ({"kind": "quiz", "cron": "0 9 * * *", "timezone": "Europe/Kiyv"}, "timezone:"),
        ({"kind": "quiz", "cron": "0 9 * * *", "options": {"questions": 500}}, "options:"),
        ({"kind": "quiz", "cron": "0 9 * * *", "options": {"open_hours": 5}}, "options:"),
        ({"kind": "qotd", "cron": "0 9 * * *", "options": {"open_hours": 0}}, "options:"),
        ({"kind": "quiz", "cron": "0 9 * * *", "grace_seconds": -1}, "grace_seconds:"),
    ],
)
async def test_add_refuses_with_the_field_named(
    service: ScheduleService, kwargs: dict[str, object], field: str
) -> None:
    kwargs = {"timezone": "Europe/Kyiv", **kwargs}
    with pytest.raises(ValueError) as caught:
        await service.add(GUILD, CHANNEL, ALICE, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(field), str(caught.value)
    assert isinstance(caught.value, ScheduleError)
    assert await service.list(GUILD) == []


async def test_guild_scoping_pause_resume_remove(
    service: ScheduleService, clock: ManualClock
) -> None:
    mine = await service.add(
        GUILD, CHANNEL, ALICE, kind="quiz", days="daily", time_hhmm="19:30", timezone="Europe/Kyiv"
    )
    for call in (
        service.pause(OTHER_GUILD, mine.schedule_id),
        service.resume(OTHER_GUILD, mine.schedule_id),
        service.remove(OTHER_GUILD, mine.schedule_id),
        service.runs(OTHER_GUILD, mine.schedule_id, 5),
        service.get(OTHER_GUILD, mine.schedule_id),
    ):
        with pytest.raises(ScheduleNotFound, match="no schedule"):
            await call

    paused = await service.pause(GUILD, mine.schedule_id, "holidays")
    assert paused.paused and paused.paused_reason == "holidays"
    clock.advance(days=3)  # paused through three due times: nothing is claimed
    assert await service.claim_due() == []
    assert await service.next_times(GUILD) == []

    resumed = await service.resume(GUILD, mine.schedule_id)
    assert not resumed.paused and resumed.paused_reason is None
    # Resuming does not replay what was missed: the next run is after now.
    assert resumed.next_run_at == at(KYIV, 2026, 1, 8, 19, 30)
    assert await service.claim_due() == []

    removed = await service.remove(GUILD, mine.schedule_id)
    assert removed.schedule_id == mine.schedule_id
    assert await service.list(GUILD) == []
    with pytest.raises(ScheduleNotFound):
        await service.get(GUILD, mine.schedule_id)


async def test_next_times_across_zones(service: ScheduleService) -> None:
    kyiv = await service.add(
        GUILD, CHANNEL, ALICE, kind="quiz", days="daily", time_hhmm="19:30", timezone="Europe/Kyiv"
    )
    ny = await service.add(
        GUILD, CHANNEL, ALICE, kind="qotd", days="weekdays", time_hhmm="09:00",
        timezone="America/New_York",
    )  # fmt: skip
    upcoming = await service.next_times(GUILD, n=5)
    assert len(upcoming) == 5
    assert [u.at_utc for u in upcoming] == sorted(u.at_utc for u in upcoming)
    # Monday 5 January: 09:00 New York is 14:00 UTC, 19:30 Kyiv is 17:30 UTC.
    assert [(u.schedule_id, u.at.strftime("%a %H:%M"), u.timezone) for u in upcoming] == [
        (ny.schedule_id, "Mon 09:00", "America/New_York"),
        (kyiv.schedule_id, "Mon 19:30", "Europe/Kyiv"),
        (ny.schedule_id, "Tue 09:00", "America/New_York"),
        (kyiv.schedule_id, "Tue 19:30", "Europe/Kyiv"),
        (ny.schedule_id, "Wed 09:00", "America/New_York"),
    ]
    assert all(u.at.tzinfo is not None for u in upcoming)
    assert await service.next_times(OTHER_GUILD) == []


# -- exactly once across daylight-saving changes -----------------------------------------

DST_CASES = [
    # zone, local time, first local day of the sweep, the change day, wall time fired that day
    pytest.param(KYIV, "03:30", date(2026, 3, 27), date(2026, 3, 29), "04:00", id="kyiv-spring"),
    pytest.param(KYIV, "03:30", date(2026, 10, 23), date(2026, 10, 25), "03:30", id="kyiv-fall"),
    pytest.param(NEW_YORK, "02:30", date(2026, 3, 6), date(2026, 3, 8), "03:00", id="ny-spring"),
    pytest.param(NEW_YORK, "01:30", date(2026, 10, 30), date(2026, 11, 1), "01:30", id="ny-fall"),
]


@pytest.mark.parametrize(("zone", "hhmm", "first", "change", "fired_wall"), DST_CASES)
async def test_daily_schedule_fires_once_per_local_day_across_dst(  # type: ignore[no-untyped-def]
    sessions, zone: ZoneInfo, hhmm: str, first: date, change: date, fired_wall: str
) -> None:
    clock = ManualClock(datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC))
    service = ScheduleService(sessions, clock, process_name="dst")
    schedule = await service.add(
        GUILD, CHANNEL, None, kind="quiz", days="daily", time_hhmm=hhmm, timezone=zone.key
    )
    fired: list[Claim] = []
    end = clock() + timedelta(days=5)
    while clock() < end:
        fired.extend(await service.claim_due())
        # A poller that is a little irregular but never down beyond the grace period.
        clock.advance(minutes=9)
    days = [c.due_local.date() for c in fired]
    assert days == [first + timedelta(days=i) for i in range(5)]  # none lost, none doubled
    assert all(c.status == "fired" for c in fired)
    walls = {c.due_local.date(): c.due_local.strftime("%H:%M") for c in fired}
    assert walls[change] == fired_wall
    assert {w for d, w in walls.items() if d != change} == {hhmm}
    # The database agrees, and its unique key saw each due time once.
    async with sessions() as session:
        rows = (
            await session.execute(
                select(ScheduleRun.due_at, func.count())
                .where(ScheduleRun.schedule_id == schedule.schedule_id)
                .group_by(ScheduleRun.due_at)
            )
        ).all()
    assert len(rows) == 5 and {count for _due, count in rows} == {1}
    history = await service.runs(GUILD, schedule.schedule_id, limit=10)
    assert [r.due_at for r in history] == sorted((c.due_at for c in fired), reverse=True)
    assert {r.process for r in history} == {"dst"}


async def test_every_hour_rule_fires_both_repeated_hours_at_fall_back(sessions) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK).astimezone(UTC)
    clock = ManualClock(start)
    service = ScheduleService(sessions, clock)
    await service.add(
        GUILD, CHANNEL, None, kind="quiz", cron="0 * * * *", timezone="America/New_York"
    )
    fired: list[Claim] = []
    while clock() <= start + timedelta(hours=25):
        fired.extend(await service.claim_due())
        clock.advance(minutes=4)
    instants = [c.due_at for c in fired]
    # 1 November 2026 in New York has 25 real hours; each fires once, an hour apart,
    # and 01:00 comes twice (EDT, then EST).
    assert len(instants) == len(set(instants)) == 25
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(instants))
    walls = [c.due_local.strftime("%H:%M %Z") for c in fired]
    assert walls[:3] == ["01:00 EDT", "01:00 EST", "02:00 EST"]


# -- restarts and missed runs ------------------------------------------------------------


async def test_restart_within_grace_fires_late_beyond_grace_skips(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(at(KYIV, 2026, 1, 5, 19, 0))
    created = await ScheduleService(sessions, clock).add(
        GUILD, CHANNEL, ALICE, kind="quiz", days="daily", time_hhmm="19:30",
        timezone="Europe/Kyiv", grace_seconds=600,
    )  # fmt: skip
    due = at(KYIV, 2026, 1, 5, 19, 30)
    assert created.next_run_at == due

    # The bot is down from 19:20 to 19:35; a fresh process (new service and
    # poller, nothing in memory) comes up 5 minutes late: within grace.
    fires: list[Claim] = []
    clock.now = due + timedelta(minutes=5)
    report = await Scheduler(ScheduleService(sessions, clock), fires.append).tick()
    assert [c.due_at for c in report.fired] == [due] and fires == report.fired
    assert fires[0].late_by == timedelta(minutes=5) and fires[0].status == "fired"
    after = await ScheduleService(sessions, clock).get(GUILD, created.schedule_id)
    assert after.next_run_at == due + timedelta(days=1)

    # Next day it is down across 19:30 and back only at 20:00: too late, skipped.
    clock.now = due + timedelta(days=1, minutes=30)
    fires.clear()
    report = await Scheduler(ScheduleService(sessions, clock), fires.append).tick()
    assert fires == [] and report.fired == []
    assert [(c.due_at, c.status) for c in report.skipped] == [(due + timedelta(days=1), "skipped")]
    service = ScheduleService(sessions, clock)
    after = await service.get(GUILD, created.schedule_id)
    assert after.next_run_at == due + timedelta(days=2)
    history = await service.runs(GUILD, created.schedule_id, limit=10)
    assert [(r.due_at, r.status) for r in history] == [
        (due + timedelta(days=1), "skipped"),
        (due, "fired"),
    ]
    assert "missed by 1800 s" in (history[0].detail or "")

    # A long outage (four days) records the one skip it found and jumps ahead,
    # instead of a row per missed day or a burst of late quizzes.
    clock.now = due + timedelta(days=6, hours=1)
    claims = await service.claim_due()
    assert [(c.due_at, c.status) for c in claims] == [(due + timedelta(days=2), "skipped")]
    after = await service.get(GUILD, created.schedule_id)
    assert after.next_run_at == due + timedelta(days=7)
    assert len(await service.runs(GUILD, created.schedule_id, limit=10)) == 3
    assert await service.claim_due() == []


async def test_claim_race_on_one_row_is_won_once(sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    a = ScheduleService(sessions, clock, process_name="a")
    b = ScheduleService(sessions, clock, process_name="b")
    made = await a.add(
        GUILD, CHANNEL, None, kind="quiz", days="daily", time_hhmm="19:30", timezone="Europe/Kyiv"
    )
    assert made.next_run_at is not None
    clock.now = made.next_run_at
    first, second = await asyncio.gather(a.claim_due(), b.claim_due())
    assert len(first) + len(second) == 1


# -- sharding ------------------------------------------------------------------------------


def guild_on_shard(shard: int, n: int, count: int = 2) -> int:
    return ((n * count + shard) << 22) | 12345


async def test_a_process_claims_only_its_own_shards(sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    service = ScheduleService(sessions, clock)
    # Shard-1 guilds are due first, more of them than one small batch holds.
    for n in range(12):
        await service.add(
            guild_on_shard(1, n), CHANNEL, None, kind="quiz", cron="0 13 * * *", timezone="UTC"
        )
    for n in range(3):
        await service.add(
            guild_on_shard(0, n), CHANNEL, None, kind="quiz", cron="0 14 * * *", timezone="UTC"
        )
    clock.now = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)

    def is_shard_zero(guild_id: int) -> bool:
        return (guild_id >> 22) % 2 == 0

    # SQL filter (Shards), and the Python fallback (a callable such as
    # Settings.owns_guild), which walks past the foreign backlog page by page.
    in_sql = await service.claim_due(shards=Shards(2, frozenset({0})), limit=2)
    in_python = await service.claim_due(owns_guild=is_shard_zero, limit=5)
    ours = in_sql + in_python
    assert len(in_sql) == 2 and len(in_python) == 1
    assert sorted(c.guild_id for c in ours) == sorted(guild_on_shard(0, n) for n in range(3))
    assert await service.claim_due(shards=Shards(2, frozenset({0}))) == []
    assert await service.claim_due(shards=Shards(2, frozenset())) == []

    theirs = await service.claim_due(shards=Shards(2, frozenset({1})), owns_guild=lambda g: True)
    assert len(theirs) == 12 and all((c.guild_id >> 22) % 2 == 1 for c in theirs)


def test_shards_from_settings() -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, shard_count=4, shard_ids=[1, 3])  # type: ignore[call-arg]
    shards = Shards.from_settings(settings)
    assert shards == Shards(4, frozenset({1, 3}))
    for guild in (guild_on_shard(s, 7, 4) for s in range(4)):
        assert shards.owns(guild) == settings.owns_guild(guild)
    assert Shards.from_settings(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="out of range"):
        Shards(2, frozenset({2}))


# -- the poller ----------------------------------------------------------------------------


async def test_poller_records_failures_and_pauses_for_a_missing_channel(  # type: ignore[no-untyped-def]
    sessions, clock: ManualClock
) -> None:
    service = ScheduleService(sessions, clock)
    ok = await service.add(GUILD, 1, ALICE, kind="quiz", cron="0 10 * * *", timezone="UTC")
    broken = await service.add(GUILD, 2, ALICE, kind="quiz", cron="0 10 * * *", timezone="UTC")
    gone = await service.add(GUILD, 3, ALICE, kind="qotd", cron="0 10 * * *", timezone="UTC")
    calls: Counter[int] = Counter()
    notices = []

    async def fire(claim: Claim) -> int | None:
        calls[claim.schedule_id] += 1
        if claim.channel_id == 2:
            raise RuntimeError("Discord said 500")
        if claim.channel_id == 3:
            raise ChannelGone("channel #3 was deleted")
        return None

    scheduler = Scheduler(service, fire, on_paused=notices.append)
    clock.now = datetime(2026, 1, 6, 10, 0, 30, tzinfo=UTC)
    report = await scheduler.tick()
    assert calls == {ok.schedule_id: 1, broken.schedule_id: 1, gone.schedule_id: 1}
    assert [c.schedule_id for c in report.fired] == [ok.schedule_id]

    [ok_run] = await service.runs(GUILD, ok.schedule_id, 5)
    [broken_run] = await service.runs(GUILD, broken.schedule_id, 5)
    [gone_run] = await service.runs(GUILD, gone.schedule_id, 5)
    assert ok_run.status == "fired"
    assert broken_run.status == "failed" and "Discord said 500" in (broken_run.detail or "")
    assert gone_run.status == "failed" and "deleted" in (gone_run.detail or "")

    # The broken one stays active (tomorrow may work); the gone one is paused
    # and moderators get told, instead of it failing every day.
    assert not (await service.get(GUILD, broken.schedule_id)).paused
    paused = await service.get(GUILD, gone.schedule_id)
    assert paused.paused and paused.paused_reason == "channel #3 was deleted"
    assert [(n.schedule_id, n.channel_id, n.kind, n.created_by) for n in notices] == [
        (gone.schedule_id, 3, "qotd", ALICE)
    ]
    clock.advance(days=1)
    await scheduler.tick()
    assert calls[gone.schedule_id] == 1 and calls[ok.schedule_id] == 2


async def test_outcome_links_the_quiz_run(sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    import random

    from bot.services.bank.bank import import_items
    from bot.services.quiz.quiz import QuizService
    from tests.factories import mcq

    await import_items(sessions, [mcq("q-1")], rng=random.Random(1))
    quiz = QuizService(sessions, clock, random.Random(2))
    service = ScheduleService(sessions, clock)
    made = await service.add(
        GUILD, CHANNEL, ALICE, kind="quiz", cron="0 10 * * *", timezone="UTC",
        options={"questions": 1},
    )  # fmt: skip

    async def fire(claim: Claim) -> int:
        run = await quiz.start(
            claim.guild_id,
            claim.channel_id,
            None,
            quiz_options_from(claim.options),
            schedule_id=claim.schedule_id,
        )
        return run.run_id

    clock.now = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
    await Scheduler(service, fire).tick()
    [run] = await service.runs(GUILD, made.schedule_id, 1)
    assert run.status == "fired" and run.quiz_run_id is not None
    # The next day the quiz is still running in that channel: that run fails, visibly.
    clock.advance(days=1)
    await Scheduler(service, fire).tick()
    latest = (await service.runs(GUILD, made.schedule_id, 1))[0]
    assert latest.status == "failed" and "already running" in (latest.detail or "")


async def test_poller_task_polls_and_stops_cleanly(sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    service = ScheduleService(sessions, clock)
    made = await service.add(GUILD, CHANNEL, None, kind="quiz", cron="0 10 * * *", timezone="UTC")
    fired: list[Claim] = []
    three = asyncio.Event()
    naps: list[float] = []

    def fire(claim: Claim) -> None:
        fired.append(claim)
        if len(fired) == 3:
            three.set()

    async def fake_sleep(seconds: float) -> None:
        naps.append(seconds)
        clock.advance(hours=6)  # each poll, six hours pass
        await asyncio.sleep(0)

    scheduler = Scheduler(service, fire, interval=15, sleep=fake_sleep)
    scheduler.start()
    assert scheduler.running
    await asyncio.wait_for(three.wait(), timeout=10)
    await scheduler.stop()
    assert not scheduler.running
    assert set(naps) == {15}
    assert [c.due_at.date() for c in fired] == [
        date(2026, 1, 6),
        date(2026, 1, 7),
        date(2026, 1, 8),
    ]
    assert all(c.schedule_id == made.schedule_id for c in fired)

    # Stopping interrupts a long sleep at once.
    async def slow_sleep(seconds: float) -> None:
        await asyncio.sleep(3600)

    scheduler = Scheduler(service, fired.append, sleep=slow_sleep)
    scheduler.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(scheduler.stop(), timeout=5)
    assert not scheduler.running


async def test_claim_query_uses_the_due_index(engine, sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    """The claim's SELECT filters on (paused, next_run_at), the columns of ix_schedules_due."""
    if engine.dialect.name != "sqlite":
        pytest.skip("checked on SQLite (EXPLAIN QUERY PLAN); PostgreSQL plans by statistics")
    service = ScheduleService(sessions, clock)
    await service.add(GUILD, CHANNEL, None, kind="quiz", cron="0 10 * * *", timezone="UTC")
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "FROM schedules" in statement and "next_run_at <=" in statement:
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await service.claim_due()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert seen
    statement, parameters = seen[0]
    async with engine.connect() as conn:
        plan = (
            await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)  # type: ignore[arg-type]
        ).all()
    assert any("ix_schedules_due" in str(row) for row in plan), plan


async def test_refusals_read_in_ukrainian(service: ScheduleService) -> None:
    """The field stays as the command names it; the words are the moderator's language."""
    form = {"kind": "quiz", "time_hhmm": "19:30"}
    with use("uk"):
        with pytest.raises(ScheduleError, match=r"^timezone: Невідомий часовий пояс 'Europe/Kiyv'"):
            await service.add(GUILD, CHANNEL, ALICE, days="mon", timezone="Europe/Kiyv", **form)
        with pytest.raises(ScheduleError, match=r"^days: 'someday' — не день тижня; .* пн, вт"):
            await service.add(GUILD, CHANNEL, ALICE, days="someday", timezone="UTC", **form)
        with pytest.raises(ScheduleNotFound, match="на цьому сервері немає розкладу #404"):
            await service.pause(GUILD, 404)
    with pytest.raises(ScheduleNotFound, match="no schedule #404 in this server"):
        await service.pause(GUILD, 404)
