"""Question of the day on a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.quiz import (
    MAX_SECONDS,
    AnswerStatus,
    QuizAlreadyRunning,
    QuizOptions,
    QuizService,
    RoundInfo,
)
from bot.services.schedules.qotd import QotdClosed, QotdOpened, QotdService
from bot.services.schedules.scheduler import Scheduler
from bot.services.schedules.schedules import Claim, ScheduleService
from tests.factories import mcq

GUILD, CHANNEL = 81_000_000_000_000_001, 555
ALICE, BOB, CAROL = 11, 12, 13
KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV).astimezone(UTC)  # type: ignore[misc]


def right(rnd: RoundInfo) -> int:
    return rnd.shown_choices.index("Oskil")


def wrong(rnd: RoundInfo) -> int:
    return (right(rnd) + 1) % len(rnd.shown_choices)


class Bot:
    """What the adapter would do: open on fire, collect reveals."""

    def __init__(self, sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
        self.clock = clock
        self.quiz = QuizService(sessions, clock, random.Random(7))
        self.qotd = QotdService(sessions, clock, self.quiz)
        self.schedules = ScheduleService(sessions, clock)
        self.opened: list[QotdOpened] = []
        self.closed: list[QotdClosed] = []
        self.poller = Scheduler(
            self.schedules, self.fire, qotd=self.qotd, on_qotd_closed=self.closed.append
        )

    async def fire(self, claim: Claim) -> int:
        opened = await self.qotd.open_from_claim(claim)
        self.opened.append(opened)
        return opened.run.run_id

    async def answer(self, user: int, choice: int) -> AnswerStatus:
        rnd = self.opened[-1].round
        return (await self.quiz.answer(rnd.round_id, user, choice=choice)).status

    async def streaks(self) -> dict[int, tuple[int, int]]:
        views = [await self.qotd.streak(GUILD, u) for u in (ALICE, BOB, CAROL)]
        return {v.user_id: (v.current, v.best) for v in views}


@pytest.fixture
async def bot(sessions) -> Bot:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"q-{i}") for i in range(8)], rng=random.Random(1))
    return Bot(sessions, ManualClock(kyiv(2026, 1, 5, 8, 0)))


async def test_three_days_of_questions_and_streaks(bot: Bot) -> None:
    schedule = await bot.schedules.add(
        GUILD, CHANNEL, ALICE, kind="qotd", days="daily", time_hhmm="09:00",
        timezone="Europe/Kyiv", options={"open_hours": 24},
    )  # fmt: skip

    # Day 1, 09:00 Kyiv: the poller opens it; it stays open 24 hours.
    bot.clock.now = kyiv(2026, 1, 5, 9, 0)
    await bot.poller.tick()
    [day1] = bot.opened
    assert day1.day == date(2026, 1, 5) and day1.timezone == "Europe/Kyiv"
    assert day1.run.seconds == 24 * 3600 and day1.run.mode == "qotd"
    assert day1.closes_at == kyiv(2026, 1, 6, 9, 0)
    assert day1.round.total == 1
    [run] = await bot.schedules.runs(GUILD, schedule.schedule_id, 5)
    assert run.status == "fired" and run.quiz_run_id == day1.run.run_id

    bot.clock.advance(hours=1)
    assert await bot.answer(ALICE, right(day1.round)) is AnswerStatus.ACCEPTED
    bot.clock.advance(hours=5)  # far beyond a live quiz's 120 s: still open
    assert await bot.answer(BOB, right(day1.round)) is AnswerStatus.ACCEPTED
    assert await bot.answer(CAROL, wrong(day1.round)) is AnswerStatus.ACCEPTED
    assert await bot.qotd.close_due_qotds() == []  # not yet

    # Day 2: the poller closes day 1 (the reveal), then opens day 2.
    bot.clock.now = kyiv(2026, 1, 6, 9, 0)
    report = await bot.poller.tick()
    [closed1] = report.qotds_closed
    assert closed1.run.run_id == day1.run.run_id and closed1.run.status == "finished"
    assert sorted(closed1.reveal.right) == [ALICE, BOB] and closed1.reveal.answered == 3
    assert {s.user_id: s.current for s in closed1.streaks} == {ALICE: 1, BOB: 1, CAROL: 0}
    assert await bot.streaks() == {ALICE: (1, 1), BOB: (1, 1), CAROL: (0, 0)}
    day2 = bot.opened[-1]
    assert day2.day == date(2026, 1, 6) and day2.run.run_id != day1.run.run_id
    assert await bot.answer(ALICE, right(day2.round)) is AnswerStatus.ACCEPTED
    assert await bot.answer(BOB, wrong(day2.round)) is AnswerStatus.ACCEPTED
    assert await bot.answer(CAROL, right(day2.round)) is AnswerStatus.ACCEPTED

    # Day 3: right, right → 2; a wrong answer → 0; wrong then right → 1.
    bot.clock.now = kyiv(2026, 1, 7, 9, 0, 20)
    await bot.poller.tick()
    assert await bot.streaks() == {ALICE: (2, 2), BOB: (0, 1), CAROL: (1, 1)}
    day3 = bot.opened[-1]
    # Alice misses day 3.
    assert await bot.answer(BOB, right(day3.round)) is AnswerStatus.ACCEPTED
    assert await bot.answer(CAROL, right(day3.round)) is AnswerStatus.ACCEPTED

    # Day 4: Alice missed a day, so her current streak shows 0 (best stays 2).
    bot.clock.now = kyiv(2026, 1, 8, 9, 0)
    await bot.poller.tick()
    assert await bot.streaks() == {ALICE: (0, 2), BOB: (1, 1), CAROL: (2, 2)}
    alice = await bot.qotd.streak(GUILD, ALICE)
    assert alice.last_day == date(2026, 1, 6)
    day4 = bot.opened[-1]
    assert await bot.answer(ALICE, right(day4.round)) is AnswerStatus.ACCEPTED

    # Day 5: after the missed day her next right answer starts again at 1.
    bot.clock.now = kyiv(2026, 1, 9, 9, 0)
    await bot.poller.tick()
    assert (await bot.streaks())[ALICE] == (1, 2)
    assert [c.day for c in bot.closed] == [date(2026, 1, d) for d in (5, 6, 7, 8)]
    assert len(bot.opened) == 5
    assert (await bot.qotd.streak(GUILD, 999)).current == 0


async def test_closing_is_restart_safe_and_exactly_once(sessions, bot: Bot) -> None:  # type: ignore[no-untyped-def]
    opened = await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=2)
    bot.opened.append(opened)
    assert opened.timezone == "UTC"  # no schedule, no zone given: the guild's zone
    assert opened.closes_at == bot.clock() + timedelta(hours=2)
    with pytest.raises(QuizAlreadyRunning):
        await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=2)
    await bot.answer(ALICE, right(opened.round))
    bot.clock.advance(hours=2, seconds=1)
    assert await bot.answer(BOB, right(opened.round)) is AnswerStatus.LATE

    # "After a restart": fresh services, nothing in memory, two of them racing.
    first = QotdService(sessions, bot.clock)
    second = QotdService(sessions, bot.clock)
    a, b = await asyncio.gather(first.close_due_qotds(), second.close_due_qotds())
    assert len(a) + len(b) == 1
    [closed] = a + b
    assert closed.reveal.right == [ALICE]
    assert [(s.user_id, s.current) for s in closed.streaks] == [(ALICE, 1)]
    assert await first.close_due_qotds() == []
    assert (await first.streak(GUILD, ALICE)).current == 1
    # The channel is free for the next one.
    await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=2)


async def test_weekday_schedule_keeps_streaks_over_the_weekend(bot: Bot) -> None:
    friday, monday = datetime(2026, 1, 9, 9, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC)
    for day in (friday, monday):
        bot.clock.now = day
        bot.opened.append(await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, 1, timezone="UTC"))
        await bot.answer(ALICE, right(bot.opened[-1].round))
        bot.clock.advance(hours=1)
        await bot.qotd.close_due_qotds()
    assert (await bot.qotd.streak(GUILD, ALICE)).current == 2


async def test_one_step_per_day_even_with_two_questions(bot: Bot) -> None:
    for channel in (CHANNEL, CHANNEL + 1):
        opened = await bot.qotd.open_qotd(GUILD, channel, None, {}, 1, timezone="Europe/Kyiv")
        await bot.quiz.answer(opened.round.round_id, ALICE, choice=right(opened.round))
    bot.clock.advance(hours=1)
    closed = await bot.qotd.close_due_qotds()
    assert len(closed) == 2
    assert (await bot.qotd.streak(GUILD, ALICE)).current == 1


async def test_open_time_stops_at_the_next_question_on_a_dst_day(bot: Bot) -> None:
    """Kyiv springs forward on 29 March 2026: 09:00 to 09:00 is only 23 hours."""
    bot.clock.now = kyiv(2026, 3, 28, 8, 0)
    await bot.schedules.add(
        GUILD, CHANNEL, None, kind="qotd", days="daily", time_hhmm="09:00",
        timezone="Europe/Kyiv", options={"open_hours": 24},
    )  # fmt: skip
    bot.clock.now = kyiv(2026, 3, 28, 9, 0)
    await bot.poller.tick()
    saturday = bot.opened[-1]
    assert saturday.closes_at == kyiv(2026, 3, 29, 9, 0)
    assert saturday.closes_at - saturday.round.started_at == timedelta(hours=23)
    bot.clock.now = kyiv(2026, 3, 29, 9, 0)
    report = await bot.poller.tick()
    # Closed first, then the next one opened in the same channel: no collision.
    assert [c.run.run_id for c in report.qotds_closed] == [saturday.run.run_id]
    assert report.failed == [] and bot.opened[-1].day == date(2026, 3, 29)


async def test_open_hours_is_validated(bot: Bot) -> None:
    with pytest.raises(ValueError, match="open_hours"):
        await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=0)
    with pytest.raises(ValueError, match="open_hours"):
        await bot.qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=24 * 8)


async def test_a_run_left_without_its_round_is_ended(sessions) -> None:  # type: ignore[no-untyped-def]
    """A crash between creating the run and opening its round must not block the channel."""
    await import_items(sessions, [mcq("q-1")], rng=random.Random(1))
    clock = ManualClock(datetime.now(UTC))  # created_at is the database's own clock
    quiz = QuizService(sessions, clock)
    qotd = QotdService(sessions, clock, quiz)
    options = QuizOptions(questions=1, seconds=MAX_SECONDS)
    stuck = await quiz.start(GUILD, CHANNEL, None, options, mode="qotd")
    assert await qotd.close_due_qotds() == []
    clock.advance(minutes=11)
    assert await qotd.close_due_qotds() == []  # ended quietly: nothing to reveal
    assert (await quiz.get_run(stuck.run_id)).status == "stopped"  # type: ignore[union-attr]
    await qotd.open_qotd(GUILD, CHANNEL, None, {}, open_hours=1)
