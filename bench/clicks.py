"""Answer clicks through the fake Discord: the real QuizBot against a bare-acknowledgement floor.

Everything runs in this one process: the fake Discord (REST + gateway on
loopback), the bot under test and the load driver. The floor bot pays for
the same fake, the same gateway and the same discord.py dispatch; what it
does not pay for is the quiz itself (database, rules, round pacing). So
ours / floor is the share of discord.py's own ceiling that the bot keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands
from sqlalchemy import func, select

from bench.bankgen import mc_only_yaml
from bench.common import Section, Target, dist_ms, fresh_database, pct, pg_available
from bot.adapter.client import INTENTS, QuizBot
from bot.core.clock import utcnow
from bot.core.uploads import parse_upload
from bot.services.bank import import_items
from bot.services.container import Services
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.models import QuizAnswer
from tests.fake_discord import (
    FakeDiscord,
    InteractionFailed,
    InteractionRecord,
    point_discord_py_at,
)
from tests.fake_discord.models import Channel, Member, Message

ROUND_SECONDS = 120  # long enough that no round closes on its timer mid-measurement
ENGINE_OPTIONS: dict[str, Any] = {}  # extra create_engine() options for the bot (experiments)
STUCK_AFTER = 8.0  # s without the next round: that round did not close early


# -- the floor: discord.py acknowledging a click, nothing else -----------------------


class AckButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:(?P<r>\d+):(?P<c>\d)"):
    def __init__(self, r: int, c: int) -> None:
        super().__init__(discord.ui.Button(label="ABCD"[c], custom_id=f"quiz:{r}:{c}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AckButton:
        return cls(int(match["r"]), int(match["c"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Your answer is in.", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


class FloorBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            help_command=None,
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AckButton)


# -- world -------------------------------------------------------------------------------


@dataclass
class Quiz:
    channel: Channel
    members: list[Member]
    rounds: asyncio.Queue[tuple[Any, Message]] = field(default_factory=asyncio.Queue)
    run_id: int | None = None


def build_world(fake: FakeDiscord, quizzes: int, members: int) -> list[Quiz]:
    world = []
    for q in range(quizzes):
        guild = fake.create_guild(f"bench-{q}")
        channel = fake.create_channel(guild, "quiz")
        world.append(
            Quiz(channel, [fake.create_member(guild, f"m{q}-{i}") for i in range(members)])
        )
    return world


class RecordingPresenter:
    """Wraps the bot's presenter: hands each posted round to the load driver."""

    def __init__(self, inner: Any, fake: FakeDiscord, by_channel: dict[int, Quiz]) -> None:
        self.inner, self.fake, self.by_channel = inner, fake, by_channel
        self.transitions: list[float] = []
        self._closed_at: dict[int, float] = {}

    async def show_round(self, run: Any, rnd: Any) -> int | None:
        message_id = await self.inner.show_round(run, rnd)
        quiz = self.by_channel[run.channel_id]
        quiz.run_id = run.run_id
        if run.run_id in self._closed_at:
            self.transitions.append(time.perf_counter() - self._closed_at.pop(run.run_id))
        assert message_id is not None
        return message_id

    async def open_answers(self, run: Any, rnd: Any) -> None:
        """The get-ready beat is over: the round's buttons can be clicked now."""
        await self.inner.open_answers(run, rnd)
        assert rnd.message_id is not None
        self.by_channel[run.channel_id].rounds.put_nowait((rnd, self.fake.message(rnd.message_id)))

    async def show_reveal(self, run: Any, reveal: Any) -> None:
        self._closed_at[run.run_id] = time.perf_counter()
        await self.inner.show_reveal(run, reveal)

    async def show_results(self, run: Any, results: Any) -> None:
        await self.inner.show_results(run, results)


async def prepare_database(workdir: Path, backend: str = "sqlite") -> str:
    url = await fresh_database(backend, workdir)
    engine = create_engine(url)
    try:
        parsed = parse_upload(mc_only_yaml(60), "bench.yaml")
        await import_items(create_session_factory(engine), [p.item for p in parsed.items])
    finally:
        await engine.dispose()
    return url


def make_quizbot(fake: FakeDiscord, url: str) -> QuizBot:
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=fake.token,
        database_url=url,
    )
    engine = create_engine(url, **ENGINE_OPTIONS)
    services = Services.build(create_session_factory(engine), utcnow, random.Random(5))
    bot = QuizBot(
        config, services, pause_between_rounds=0, get_ready_seconds=0, guild_ready_timeout=0.05
    )
    bot.bench_engine = engine  # type: ignore[attr-defined]
    return bot


async def start_quizzes(fake: FakeDiscord, world: list[Quiz], rounds: int) -> None:
    for quiz in world:
        started = await fake.run_command(
            quiz.members[0],
            quiz.channel,
            "quiz start",
            {"questions": rounds, "seconds": ROUND_SECONDS, "kind": "facts"},
        )
        response = await started.response(timeout=10)
        assert "Quiz starting" in response.content, response.content


# -- closed loop: every member clicks once per round, as fast as rounds come ----------


@dataclass
class Outcome:
    records: list[InteractionRecord]
    wall: float
    transitions: list[float] = field(default_factory=list)
    starved: int = 0
    offered: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.records) / self.wall

    def event_to_response(self) -> list[float]:
        """Seconds per click; a click answered late or never counts as infinitely late."""
        return [
            r.responded_at - r.sent_at if r.responded_at and r.sent_at else float("inf")
            for r in self.records
        ]

    def queued_to_response(self) -> list[float]:
        return [r.latency for r in self.records if r.latency is not None]


async def click_round(
    fake: FakeDiscord, quiz: Quiz, message: Message, rng: random.Random, out: list
) -> None:
    async def one(member: Member) -> None:
        record = await fake.click(member, message, rng.choice(message.custom_ids))
        out.append(record)
        with contextlib.suppress(InteractionFailed):  # counted from fake.failed_interactions
            await record.response(timeout=10)

    await asyncio.gather(*(one(m) for m in quiz.members))


async def closed_loop_quizbot(fake: FakeDiscord, bot: QuizBot, world: list[Quiz], rounds: int):
    rng = random.Random(8)
    records: list[InteractionRecord] = []

    stuck = 0

    async def drive(quiz: Quiz) -> None:
        nonlocal stuck
        rnd = None
        for _ in range(rounds):
            try:
                rnd, message = await asyncio.wait_for(quiz.rounds.get(), STUCK_AFTER)
            except TimeoutError:
                # Everyone answered but the round did not close early (the closing
                # click's reply failed, see BENCHMARKS.md); play its timer.
                stuck += 1
                assert rnd is not None
                bot.quiz_runner.everyone_answered(rnd.run_id)
                rnd, message = await asyncio.wait_for(quiz.rounds.get(), 30)
            before = len(fake.failed_interactions)
            await click_round(fake, quiz, message, rng, records)
            # Round 1 runs its full time by design; close it as its timer would (unless a
            # click failed: its answer may still be queued in the bot; the fallback above).
            if rnd.number == 1 and len(fake.failed_interactions) == before:
                bot.quiz_runner.everyone_answered(rnd.run_id)

    start = time.perf_counter()
    await asyncio.gather(*(drive(q) for q in world))
    return Outcome(records, time.perf_counter() - start, starved=stuck)


async def closed_loop_floor(fake: FakeDiscord, bot: FloorBot, world: list[Quiz], rounds: int):
    rng = random.Random(8)
    records: list[InteractionRecord] = []
    messages = {}
    for n, quiz in enumerate(world):
        view = discord.ui.View(timeout=None)
        for c in range(4):
            view.add_item(AckButton(n, c))
        sent = await bot.get_partial_messageable(
            quiz.channel.id, guild_id=quiz.channel.guild.id
        ).send("Question", view=view)
        messages[quiz.channel.id] = fake.message(sent.id)

    async def drive(quiz: Quiz) -> None:
        for _ in range(rounds):
            await click_round(fake, quiz, messages[quiz.channel.id], rng, records)

    start = time.perf_counter()
    await asyncio.gather(*(drive(q) for q in world))
    return Outcome(records, time.perf_counter() - start)


# -- open loop: clicks at a fixed rate whatever the bot does ----------------------------


async def open_loop_quizbot(
    fake: FakeDiscord, bot: QuizBot, world: list[Quiz], rate: float, seconds: float
) -> Outcome:
    rng = random.Random(9)
    ready: deque[tuple[Quiz, Any, Message, Member]] = deque()
    answered: dict[int, int] = {}
    records: list[InteractionRecord] = []
    pending: set[asyncio.Task[None]] = set()
    stop = asyncio.Event()

    async def feed(quiz: Quiz) -> None:
        while not stop.is_set():
            rnd, message = await quiz.rounds.get()
            members = list(quiz.members)
            rng.shuffle(members)
            ready.extend((quiz, rnd, message, m) for m in members)

    async def fire(quiz: Quiz, rnd: Any, message: Message, member: Member) -> None:
        record = await fake.click(member, message, rng.choice(message.custom_ids))
        records.append(record)
        with contextlib.suppress(InteractionFailed):
            await record.response(timeout=10)
        if record.response_record is None:
            return  # answered late: it may still be queued in the bot, keep the round open
        answered[rnd.round_id] = answered.get(rnd.round_id, 0) + 1
        if rnd.number == 1 and answered[rnd.round_id] == len(quiz.members):
            bot.quiz_runner.everyone_answered(rnd.run_id)

    feeders = [asyncio.create_task(feed(q)) for q in world]
    total = int(rate * seconds)
    starved = 0
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not ready:
            starved += 1  # no open round had a member left to click: slot skipped
            continue
        task = asyncio.create_task(fire(*ready.popleft()))
        pending.add(task)
        task.add_done_callback(pending.discard)
    offered = time.perf_counter() - start
    await asyncio.gather(*pending)
    wall = time.perf_counter() - start
    stop.set()
    for f in feeders:
        f.cancel()
    return Outcome(records, wall, starved=starved, offered=(total - starved) / offered)


# -- checks -----------------------------------------------------------------------------


async def stored_answers(bot: QuizBot) -> tuple[int, int]:
    async with bot.services.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(QuizAnswer))
        distinct = await session.scalar(
            select(func.count()).select_from(
                select(QuizAnswer.round_id, QuizAnswer.user_id).distinct().subquery()
            )
        )
    return int(total or 0), int(distinct or 0)


async def drained(bot: QuizBot, clicks: int, patience: float = 5.0) -> tuple[int, int]:
    """Stored answers once the bot has caught up: a click answered late (refused by the
    fake after 3 s) may still be in the bot's queue when its driver gives up on it."""
    last, still = await stored_answers(bot), time.perf_counter()
    while last[0] < clicks and time.perf_counter() - still < patience:
        await asyncio.sleep(0.25)
        now = await stored_answers(bot)
        if now != last:
            last, still = now, time.perf_counter()
    return last


def accepted(records: list[InteractionRecord]) -> int:
    return sum(
        1
        for r in records
        if r.response_record is not None and "is in" in (r.response_record.content or "")
    )


# -- the benchmark ------------------------------------------------------------------------


async def run_closed_loop(
    workdir: Path, backend: str, quizzes: int, members: int, rounds: int
) -> tuple[Outcome, int, int, int]:
    url = await prepare_database(workdir, backend)
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            world = build_world(fake, quizzes, members)
            bot = make_quizbot(fake, url)
            presenter = RecordingPresenter(
                bot.quiz_runner.presenter, fake, {q.channel.id: q for q in world}
            )
            bot.quiz_runner.presenter = presenter
            try:
                async with fake.running(bot):
                    await start_quizzes(fake, world, rounds)
                    ours = await closed_loop_quizbot(fake, bot, world, rounds)
                    total, distinct = await stored_answers(bot)
            finally:
                await bot.bench_engine.dispose()  # type: ignore[attr-defined]
            ours.transitions = presenter.transitions
            return ours, total, distinct, len(fake.failed_interactions)


async def run_open_loop(
    workdir: Path, rate: float, seconds: float
) -> tuple[Outcome, int, int, int]:
    """The real bot with clicks offered at `rate` per second; returns (outcome, rows, distinct
    (round, member) rows, interactions answered late or never)."""
    members, rounds = 25, 10
    # Enough open rounds that the driver can offer the full rate even if rounds turn slowly.
    quizzes = int(rate * seconds / members) + 2
    url = await prepare_database(workdir)
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            world = build_world(fake, quizzes, members)
            bot = make_quizbot(fake, url)
            presenter = RecordingPresenter(
                bot.quiz_runner.presenter, fake, {q.channel.id: q for q in world}
            )
            bot.quiz_runner.presenter = presenter
            try:
                async with fake.running(bot):
                    await start_quizzes(fake, world, rounds)
                    await asyncio.sleep(0.5)  # let the first rounds post
                    opened = await open_loop_quizbot(fake, bot, world, rate, seconds)
                    total, distinct = await drained(bot, len(opened.records))
            finally:
                await bot.bench_engine.dispose()  # type: ignore[attr-defined]
            return opened, total, distinct, len(fake.failed_interactions)


async def bench_clicks(section: Section, quick: bool, workdir: Path) -> None:
    quizzes, members, rounds = (10, 10, 4) if quick else (16, 25, 8)
    rates = [300.0] if quick else [100.0, 300.0]
    ol_seconds = 3.0 if quick else 10.0

    # floor
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            world = build_world(fake, quizzes, members)
            async with fake.running(FloorBot()) as floor_bot:
                floor = await closed_loop_floor(fake, floor_bot, world, rounds)
            floor_failed = len(fake.failed_interactions)

    # the real bot, closed loop
    ours, total, distinct, ours_failed = await run_closed_loop(
        workdir, "sqlite", quizzes, members, rounds
    )
    pg_run = None
    if not quick and await pg_available():
        pg_run = await run_closed_loop(workdir, "postgresql", quizzes, members, rounds)

    # the real bot, open loop at fixed rates
    open_runs = {rate: await run_open_loop(workdir, rate, ol_seconds) for rate in rates}

    clicks = quizzes * members * rounds
    ratio = ours.rate / floor.rate
    section.add(
        f"Closed loop: {quizzes} quizzes at once, {members} members each, {rounds} rounds "
        f"({clicks:,} clicks); every member clicks one answer per round, all members of a "
        f"round at once; the next round opens when the last of them answered "
        f"({ROUND_SECONDS} s per question, no pause between rounds, so no round closes on "
        "its timer). The floor runs the same clicks against a bare discord.py "
        "`AutoShardedBot` whose button only sends an ephemeral acknowledgement. Open loop: "
        f"clicks offered at a fixed rate for {ol_seconds:.0f} s whatever the bot does, spread "
        "over enough quizzes (25 members each) that an open round always has a member left "
        "to click. All in one process with the fake Discord; SQLite database (the default)."
    )
    section.add()
    header = ["run", "clicks", "clicks/s", "p50", "p95", "p99", "max", "late (>3 s)"]
    rows = [
        [
            "floor (bare ack), closed loop",
            len(floor.records),
            f"{floor.rate:,.0f}",
            *dist_ms(floor.event_to_response()),
            floor_failed,
        ],
        [
            "QuizBot, closed loop",
            len(ours.records),
            f"{ours.rate:,.0f}",
            *dist_ms(ours.event_to_response()),
            ours_failed,
        ],
    ]
    if pg_run is not None:
        rows.append(
            [
                "QuizBot, closed loop, PostgreSQL",
                len(pg_run[0].records),
                f"{pg_run[0].rate:,.0f}",
                *dist_ms(pg_run[0].event_to_response()),
                pg_run[3],
            ]
        )
    for rate, (opened, _t, _d, failed) in open_runs.items():
        rows.append(
            [
                f"QuizBot, open loop {rate:.0f}/s",
                len(opened.records),
                f"{opened.offered:,.0f} offered, {opened.rate:,.0f} done",
                *dist_ms(opened.event_to_response()),
                failed,
            ]
        )
    section.table(header, rows)
    section.add(
        "Latency is from the fake sending INTERACTION_CREATE on the gateway socket "
        "(`sent_at`) to the bot's interaction callback arriving (`responded_at`); "
        "'done' is clicks / time until the last response. A response later than 3 s is "
        "refused by the fake (and by Discord): the member sees 'interaction failed', though "
        "the answer was stored."
    )
    section.add()
    stored = [
        f"closed loop {total:,} rows for {clicks:,} clicks ({distinct:,} distinct (round, member))"
    ]
    ok_answers = total == distinct == clicks
    for rate, (opened, o_total, o_distinct, _f) in open_runs.items():
        stored.append(
            f"open loop {rate:.0f}/s {o_total:,} rows for {len(opened.records):,} clicks "
            f"({o_distinct:,} distinct)"
        )
        ok_answers = ok_answers and o_total == o_distinct == len(opened.records)
    section.add(
        "Answers stored: "
        + "; ".join(stored)
        + f". Rounds that did not close when their last member answered (closed loop, "
        f"SQLite): {ours.starved}"
        + (f"; PostgreSQL: {pg_run[0].starved}" if pg_run is not None else "")
        + ". Round transitions (reveal shown to next question posted, closed loop): p50 "
        f"{ms_str(pct(ours.transitions, 50))}, p99 {ms_str(pct(ours.transitions, 99))}."
    )
    section.add()
    at300 = open_runs[300.0][0].event_to_response()
    failed_all = floor_failed + ours_failed + sum(r[3] for r in open_runs.values())
    if pg_run is not None:
        failed_all += pg_run[3]
        ok_answers = ok_answers and pg_run[1] == pg_run[2] == len(pg_run[0].records)
    section.targets += [
        Target(
            "click throughput vs bare-ack floor",
            f"{ratio:.0%} ({ours.rate:,.0f}/s vs {floor.rate:,.0f}/s)",
            ">= 70%",
            ratio >= 0.70 if not quick else None,
        ),
        Target(
            "p99 click-to-response at 300 clicks/s (open loop)",
            ms_str(pct(at300, 99)),
            "< 100 ms",
            pct(at300, 99) < 0.100 if not quick else None,
        ),
        Target(
            "responses later than 3 s (all runs)",
            str(failed_all),
            "0",
            failed_all == 0,
        ),
        Target(
            "lost or doubled answers (quiz_answers vs clicks)",
            "0" if ok_answers else "mismatch (see section)",
            "0",
            ok_answers,
        ),
    ]


def ms_str(seconds: float) -> str:
    return dist_ms([seconds])[0]
