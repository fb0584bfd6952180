"""Scale: a thousand quizzes in one process (memory, timer accuracy); ten thousand schedules due."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.bankgen import mc_only_yaml
from bench.common import (
    Section,
    Target,
    bulk_load,
    dist_ms,
    fresh_database,
    pct,
    pg_available,
    rss_mb,
)
from bot.core.bank.uploads import parse_upload
from bot.core.clock import utcnow
from bot.services.bank.bank import import_items
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.quiz import QuizOptions, QuizService
from bot.services.quiz.quiz_runner import QuizRunner
from bot.services.schedules.schedules import ScheduleService
from db.engine import create_engine, create_session_factory
from db.models import QuizAnswer, ScheduleRun

GUILD_BASE = 1_200_000_000_000_000_000


class StubPresenter:
    """Records when each round closes against its deadline; members answer in the background.

    Members click the way the adapter takes a click: judged in memory by `LiveAnswers`
    when the round is held there, else through the database (`QuizService.answer`).
    """

    def __init__(
        self, service: QuizService, rng: random.Random, live: LiveAnswers | None = None
    ) -> None:
        self.service = service
        self.live = live
        self.rng = rng
        self.runner: QuizRunner | None = None
        self.late: list[float] = []
        self.results = 0
        self.failures = 0
        self.answers: set[asyncio.Task[None]] = set()
        self.next_id = 1

    async def show_round(self, run: Any, rnd: Any) -> int | None:
        # Two members join in round 1; later only one answers, so no round closes early.
        users = (1, 2) if rnd.number == 1 else (1,)
        for user in users:
            task = asyncio.create_task(self._answer(rnd.round_id, run.run_id * 10 + user))
            self.answers.add(task)
            task.add_done_callback(self.answers.discard)
        self.next_id += 1
        return self.next_id

    async def _answer(self, round_id: int, user_id: int) -> None:
        await asyncio.sleep(self.rng.uniform(0.2, 2.0))
        choice = self.rng.randrange(4)
        outcome = None
        if self.live is not None:
            outcome = await self.live.answer(round_id, user_id, choice=choice, text=None)
        if outcome is None:
            outcome = await self.service.answer(round_id, user_id, choice=choice)
        if outcome.all_answered and self.runner is not None:
            run_id = self.live.run_of(round_id) if self.live is not None else None
            if run_id is not None:
                self.runner.everyone_answered(run_id)

    async def show_reveal(self, run: Any, reveal: Any) -> None:
        self.late.append((utcnow() - reveal.round.deadline_at).total_seconds())

    async def show_results(self, run: Any, results: Any) -> None:
        self.results += 1

    async def show_failure(self, run: Any, results: Any) -> None:
        self.failures += 1

    def is_transient(self, error: BaseException) -> bool:
        return False  # nothing here fails in passing; database faults are judged apart


async def _run_quizzes(
    url: str, quizzes: int, seconds: int, rounds: int, spread: float | None = None
) -> dict[str, Any]:
    """`spread`: seconds over which the starts are spread (default: one round's length;
    0: all at one instant, as a thousand servers' schedules for 19:00 would)."""
    spread = seconds if spread is None else spread
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    rng = random.Random(11)
    try:
        parsed = parse_upload(mc_only_yaml(60), "bench.yaml")
        await import_items(sessions, [p.item for p in parsed.items])
        service = QuizService(sessions, utcnow, rng)
        live = LiveAnswers(sessions, utcnow)
        presenter = StubPresenter(service, rng, live)
        runner = QuizRunner(service, presenter, clock=utcnow, pause_between_rounds=0, live=live)
        presenter.runner = runner
        runs = []
        for i in range(quizzes):
            runs.append(
                await service.start(
                    GUILD_BASE + i // 10,
                    GUILD_BASE + 10_000 + i,
                    1,
                    QuizOptions(questions=rounds, seconds=seconds, kind="facts"),
                )
            )
        baseline = rss_mb()
        peak = baseline
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb())
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        start = time.perf_counter()
        # Starts spread over one round's length, as members start quizzes through the day.
        for i, run in enumerate(runs):
            delay = start + i * spread / quizzes - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            runner.launch(run)
        launched = rss_mb()
        # The heartbeat (lease renewals of every run held, the look for orphans) runs as
        # in the bot, from when all are launched (earlier it would adopt runs not yet
        # launched, which start() left unclaimed, and undo the spread of starts).
        runner.start_watchdog()
        await asyncio.gather(*list(runner.tasks.values()), return_exceptions=True)
        wall = time.perf_counter() - start
        done.set()
        await sampler
        await asyncio.gather(*presenter.answers, return_exceptions=True)
        await runner.shutdown(flush=live.shutdown)
        async with sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(QuizAnswer))
    finally:
        await engine.dispose()
    return {
        "baseline": baseline,
        "launched": launched,
        "peak": peak,
        "late": presenter.late,
        "results": presenter.results,
        "failures": presenter.failures,
        "stored": stored,
        "wall": wall,
    }


async def bench_quizzes(section: Section, quick: bool, workdir: Path) -> None:
    quizzes, seconds, rounds = (100, 5, 1) if quick else (1000, 20, 2)
    backends = ["sqlite"] + (["postgresql"] if not quick and await pg_available() else [])
    results, herds = {}, {}
    for backend in backends:
        url = await fresh_database(backend, workdir)
        results[backend] = await _run_quizzes(url, quizzes, seconds, rounds)
    for backend in backends:  # the herd: every quiz started at one instant
        url = await fresh_database(backend, workdir)
        herds[backend] = await _run_quizzes(url, quizzes, seconds, rounds, spread=0)
    first = results["sqlite"]
    section.add(
        f"{quizzes:,} quizzes driven by one `QuizRunner` (one asyncio task each) with a stub "
        f"presenter that records timings; {rounds} round(s) of {seconds} s each, no pause; "
        f"starts spread over {seconds} s (one round length), so at the peak all {quizzes:,} "
        "are running at once. Two members answer in round 1 and one in later rounds, at a "
        "random 0.2-2 s into the round, so every round closes on its timer "
        "(clicks go the adapter's way: judged in memory, written in groups by `LiveAnswers`; "
        "the runner's heartbeat runs as in the bot once all are launched) "
        f"({first['stored']:,} answers stored). Each backend in a fresh child process state; "
        "the SQLite figures are the ones held against the targets."
        + (" Quick mode: 100 quizzes of 1 round, SQLite only." if quick else "")
    )
    section.add()
    rows = [
        ["RSS before the quizzes (process with bot code loaded)", "baseline"],
        ["RSS with all quizzes launched", "launched"],
        ["RSS peak", "peak"],
    ]
    table = [[label, *(f"{r[key]:.0f} MB" for r in results.values())] for label, key in rows]
    table.append(
        [
            "RSS growth per quiz",
            *(f"{(r['peak'] - r['baseline']) * 1024 / quizzes:.0f} KB" for r in results.values()),
        ]
    )
    table.append(["rounds closed", *(f"{len(r['late']):,}" for r in results.values())])
    table.append(
        [
            "round close late by p50 / p99 / max",
            *(" / ".join(dist_ms(r["late"])[i] for i in (0, 2, 3)) for r in results.values()),
        ]
    )
    table.append(
        [
            "the herd (all started at one instant): round close late by p50 / p99 / max",
            *(" / ".join(dist_ms(r["late"])[i] for i in (0, 2, 3)) for r in herds.values()),
        ]
    )
    table.append(
        [
            "quizzes finished (results shown)",
            *(f"{r['results']:,} of {quizzes:,}" for r in results.values()),
        ]
    )
    table.append(["quizzes ended by a fault", *(f"{r['failures']:,}" for r in results.values())])
    table.append(["wall time", *(f"{r['wall']:.1f} s" for r in results.values())])
    section.table(["measure", *results], table)
    section.add(
        "The herd row starts every quiz at the same instant (a thousand servers' schedules "
        "for 19:00): every round's deadline falls together, and the closes queue for the "
        "CPU and, on SQLite, for its one connection. It is reported, not held against the "
        "target, which the spread starts measure."
    )
    section.add()
    if "postgresql" in results:
        section.add(
            "The PostgreSQL column ran second in the same process, so its RSS starts from "
            "what the SQLite run left allocated."
        )
        section.add()
    peak, late = first["peak"], first["late"]
    section.targets += [
        Target(
            f"{quizzes:,} concurrent quizzes: resident memory (peak, SQLite)",
            f"{peak:.0f} MB",
            "< 300 MB",
            peak < 300 if not quick else None,
        ),
        Target(
            f"{quizzes:,} concurrent quizzes: round close late by (p99, SQLite)",
            dist_ms(late)[2],
            "< 250 ms",
            pct(late, 99) < 0.250 if not quick else None,
        ),
    ]
    if "postgresql" in results:
        pg = results["postgresql"]["late"]
        section.targets.append(
            Target(
                f"{quizzes:,} concurrent quizzes: round close late by (p99, PostgreSQL)",
                dist_ms(pg)[2],
                "< 250 ms",
                pct(pg, 99) < 0.250,
            )
        )


# -- schedules --------------------------------------------------------------------------

ZONES = ["Europe/Kyiv", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]


async def _claim_all(url: str, count: int) -> dict[str, Any]:
    due = (utcnow() + timedelta(seconds=1.0)).replace(microsecond=0)
    await bulk_load(
        url,
        "schedules",
        (
            "id",
            "guild_id",
            "channel_id",
            "created_by",
            "kind",
            "cron",
            "timezone",
            "options",
            "grace_seconds",
            "paused",
            "next_run_at",
            "created_at",
        ),
        (
            (
                i + 1,
                GUILD_BASE + i,
                GUILD_BASE + 50_000 + i,
                1,
                "quiz",
                # Its next occurrence hours away in every zone used: only the due time
                # set here falls inside the run, so each schedule should fire exactly once.
                f"{i % 60} {(due.hour + 12) % 24} * * *",
                ZONES[i % len(ZONES)],
                {"questions": 5},
                600,
                False,
                due,
                due - timedelta(days=1),
            )
            for i in range(count)
        ),
    )
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    service = ScheduleService(sessions, utcnow, process_name="bench", rng=random.Random(3))
    batches: list[float] = []
    late: list[float] = []
    claimed = 0
    try:
        await asyncio.sleep(max(0.0, (due - utcnow()).total_seconds()))
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            claims = await service.claim_due(limit=100)
            batches.append(time.perf_counter() - t0)
            now = utcnow()
            late.extend((now - c.due_at).total_seconds() for c in claims)
            claimed += len(claims)
            if len(claims) < 100:
                break
        wall = time.perf_counter() - start
        async with sessions() as session:
            runs = await session.scalar(select(func.count()).select_from(ScheduleRun))
            fired = await session.scalar(select(func.count(func.distinct(ScheduleRun.schedule_id))))
    finally:
        await engine.dispose()
    return {
        "claimed": claimed,
        "runs": runs,
        "fired": fired,
        "batches": batches,
        "late": late,
        "wall": wall,
    }


def _when(value: datetime) -> str:
    return value.isoformat()


async def bench_schedules(section: Section, quick: bool, workdir: Path) -> None:
    count = 1000 if quick else 10_000
    backends = ["sqlite"] + (["postgresql"] if not quick and await pg_available() else [])
    rows = []
    exact = True
    for backend in backends:
        url = await fresh_database(backend, workdir)
        r = await _claim_all(url, count)
        exact = exact and r["claimed"] == r["runs"] == r["fired"] == count
        b, late = r["batches"], r["late"]
        rows.append(
            [
                backend,
                f"{r['claimed']:,}",
                f"{r['wall']:.1f} s",
                f"{r['claimed'] / r['wall']:,.0f}/s",
                f"{dist_ms(b)[0]} / {dist_ms(b)[2]}",
                " / ".join(dist_ms(late)[i] for i in (0, 2, 3)),
            ]
        )
    section.add(
        f"{count:,} schedules all due at the same second (the worst case: every guild's quiz "
        "at 19:00), claimed by one poller with `ScheduleService.claim_due(limit=100)` until "
        "nothing is left. Each claim is its own conditional UPDATE + INSERT transaction. "
        "'Fire late by' is from the due time to the batch holding that claim returning."
        + (" Quick mode: 1,000 schedules, SQLite only." if quick else "")
    )
    section.add()
    section.table(
        [
            "backend",
            "claimed",
            "all claimed in",
            "claims/s",
            "batch of 100 p50 / p99",
            "fire late by p50 / p99 / max",
        ],
        rows,
    )
    section.targets.append(
        Target(
            f"{count:,} due schedules each claimed exactly once",
            "yes" if exact else "no",
            "exactly once",
            exact,
        )
    )
