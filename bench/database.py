"""Database benchmarks: answers per second, leaderboard and /stats at scale, random draw."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.bankgen import mc_only_yaml
from bench.common import (
    TAGS,
    Section,
    Target,
    analyze,
    bulk_load,
    dist_ms,
    fresh_database,
    load_questions,
    pct,
    pg_available,
    pg_dsn,
    sqlite_path,
)
from bot.core.bank.uploads import parse_upload
from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.bank.questions import KIND_GROUPS, draw_question
from bot.services.quiz.quiz import QuizOptions, QuizService, score_periods
from bot.services.quiz.stats import StatsService
from db.engine import create_engine, create_session_factory

GUILD = 1_100_000_000_000_000_001
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def _backends(quick: bool) -> list[str]:
    kinds = ["sqlite"]
    if await pg_available():
        kinds.append("postgresql")
    return kinds


# -- answers per second ------------------------------------------------------------


async def _open_rounds(quiz: QuizService, channel: int, rounds: int) -> list[int]:
    run = await quiz.start(GUILD, channel, 1, QuizOptions(questions=50, seconds=120, kind="facts"))
    ids = []
    for _ in range(rounds):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        ids.append(rnd.round_id)
    return ids


async def _raw_insert_loop(url: str, round_id: int, question_id: int, n: int) -> float:
    """One transaction per row, straight through the driver: the floor for `answer`."""
    sql_cols = (
        "round_id, guild_id, user_id, question_id, choice_index, correct, elapsed_ms, "
        "points, changes, interaction_id, answered_at"
    )
    answered = NOW.replace(tzinfo=None)
    if url.startswith("sqlite"):
        import aiosqlite

        async with aiosqlite.connect(sqlite_path(url)) as conn:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            start = time.perf_counter()
            for i in range(n):
                await conn.execute(
                    f"INSERT INTO quiz_answers ({sql_cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (round_id, GUILD, 9_000_000 + i, question_id, 1, 1, 500, 900, 0, i, answered),
                )
                await conn.commit()
            return time.perf_counter() - start
    import asyncpg

    conn = await asyncpg.connect(pg_dsn())
    try:
        start = time.perf_counter()
        for i in range(n):
            async with conn.transaction():
                await conn.execute(
                    f"INSERT INTO quiz_answers ({sql_cols}) "
                    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                    round_id,
                    GUILD,
                    9_000_000 + i,
                    question_id,
                    1,
                    True,
                    500,
                    900,
                    0,
                    i,
                    NOW,
                )
        return time.perf_counter() - start
    finally:
        await conn.close()


async def bench_answers(section: Section, quick: bool, workdir: Path) -> None:
    n = 200 if quick else 3000
    per_round = 100
    rows = []
    for backend in await _backends(quick):
        url = await fresh_database(backend, workdir)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            parsed = parse_upload(mc_only_yaml(60), "bench.yaml")
            await import_items(sessions, [p.item for p in parsed.items])
            quiz = QuizService(sessions, ManualClock(NOW), random.Random(1))
            rounds = await _open_rounds(quiz, 1, -(-n // per_round))
            # sequential: one click after another
            lat: list[float] = []
            start = time.perf_counter()
            for i in range(n):
                t0 = time.perf_counter()
                out = await quiz.answer(
                    rounds[i // per_round], 10_000 + i % per_round, choice=i % 4
                )
                lat.append(time.perf_counter() - t0)
                assert out.status == "accepted", out
            seq = time.perf_counter() - start
            # concurrent: 32 clicks in flight, as from many members at once
            rounds2 = await _open_rounds(quiz, 2, -(-n // per_round))
            sem = asyncio.Semaphore(32)

            async def one(
                i: int, rounds2: list[int] = rounds2, quiz: QuizService = quiz, sem: Any = sem
            ) -> None:
                async with sem:
                    out = await quiz.answer(
                        rounds2[i // per_round], 20_000 + i % per_round, choice=1
                    )
                    assert out.status == "accepted", out

            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n)))
            conc = time.perf_counter() - start
            async with sessions() as session:
                from sqlalchemy import func, select

                from db.models import QuizAnswer, QuizRound

                stored = await session.scalar(select(func.count()).select_from(QuizAnswer))
                qid = await session.scalar(select(QuizRound.question_id).limit(1))
            assert stored == 2 * n, (stored, n)
            raw = await _raw_insert_loop(url, rounds[0], int(qid or 1), n)
            rows.append(
                [
                    backend,
                    f"{n / seq:,.0f}/s",
                    f"{n / conc:,.0f}/s",
                    f"{n / raw:,.0f}/s",
                    f"{raw / seq:.0%}",
                    *dist_ms(lat)[::2],
                ]
            )
        finally:
            await engine.dispose()
    section.add(
        f"{n} answers per backend, {per_round} members per round, each answer its own "
        "transaction. `QuizService.answer` reads round, run and question in one statement, "
        "inserts the answer (the unique key tells a first answer from a second click) and "
        "the participant, and counts who answered (4 statements; 8 before this benchmark); "
        "the raw loop is one INSERT + COMMIT on the same driver (aiosqlite / asyncpg)."
    )
    section.add()
    section.table(
        [
            "backend",
            "answer() sequential",
            "answer() 32 concurrent",
            "raw INSERT loop",
            "answer() vs raw",
            "answer() p50",
            "answer() p99",
        ],
        rows,
    )


# -- leaderboard and /stats ------------------------------------------------------


async def _load_history(url: str, answers: int, members: int) -> list[int]:
    """`answers` answers by `members` members in one guild; returns the member ids."""
    rng = random.Random(3)
    per_round = 100
    rounds = answers // per_round
    rounds_per_run = 50
    runs = -(-rounds // rounds_per_run)
    questions = 1000
    await load_questions(url, questions, seed=2)
    users = [GUILD // 3 + i * 7919 for i in range(members)]
    start = NOW - timedelta(days=60)
    await bulk_load(
        url,
        "quiz_runs",
        (
            "id",
            "guild_id",
            "channel_id",
            "started_by",
            "mode",
            "status",
            "question_count",
            "seconds_per_question",
            "options",
            "streak_bonus",
            "allow_answer_change",
            "current_round",
            "created_at",
            "finished_at",
        ),
        (
            (
                r + 1,
                GUILD,
                77,
                users[0],
                "live",
                "finished",
                50,
                20,
                {},
                True,
                False,
                50,
                start,
                NOW,
            )
            for r in range(runs)
        ),
    )
    await bulk_load(
        url,
        "quiz_rounds",
        (
            "id",
            "run_id",
            "number",
            "question_id",
            "revision_id",
            "choice_order",
            "started_at",
            "deadline_at",
        ),
        (
            (
                r + 1,
                r // rounds_per_run + 1,
                r % rounds_per_run + 1,
                r % questions + 1,
                r % questions + 1,
                [0, 1, 2, 3],
                start,
                start,
            )
            for r in range(rounds)
        ),
    )

    def answer_rows():  # type: ignore[no-untyped-def]
        aid = 0
        for r in range(rounds):
            base = r * per_round
            when = start + timedelta(seconds=r * 500)
            for j in range(per_round):
                aid += 1
                correct = rng.random() < 0.6
                yield (
                    aid,
                    r + 1,
                    GUILD,
                    users[(base + j) % members],
                    r % questions + 1,
                    0 if correct else 1,
                    correct,
                    rng.randint(500, 20000),
                    900 if correct else 0,
                    0,
                    when,
                )

    await bulk_load(
        url,
        "quiz_answers",
        (
            "id",
            "round_id",
            "guild_id",
            "user_id",
            "question_id",
            "choice_index",
            "correct",
            "elapsed_ms",
            "points",
            "changes",
            "answered_at",
        ),
        answer_rows(),
    )
    periods = score_periods(NOW)
    await bulk_load(
        url,
        "score_totals",
        (
            "guild_id",
            "period",
            "user_id",
            "points",
            "correct",
            "answered",
            "answer_time_ms",
            "quizzes",
            "best_streak",
        ),
        (
            (
                GUILD,
                period,
                u,
                rng.randint(0, 9000) * (3 if period == "all" else 1),
                rng.randint(0, 10),
                10,
                rng.randint(5000, 200000),
                rng.randint(1, 5),
                rng.randint(0, 5),
            )
            for u in users
            for period in periods
        ),
    )
    await analyze(url)
    return users


async def _time_calls(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(5):
        await fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def bench_queries(section: Section, quick: bool, workdir: Path) -> None:
    answers, members = (100_000, 10_000) if quick else (1_000_000, 100_000)
    backends = ["sqlite"] if quick else await _backends(quick)
    rows = []
    worst = 0.0
    for backend in backends:
        url = await fresh_database(backend, workdir)
        t0 = time.perf_counter()
        users = await _load_history(url, answers, members)
        load_s = time.perf_counter() - t0
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        stats = StatsService(sessions, ManualClock(NOW))
        rng = random.Random(4)
        try:
            n = 50 if quick else 200
            board = await _time_calls(partial(stats.leaderboard, GUILD, "all"), n)
            week = await _time_calls(partial(stats.leaderboard, GUILD, "week"), n)

            async def member(stats: StatsService = stats, users: list[int] = users) -> None:
                result = await stats.member(GUILD, rng.choice(users))  # noqa: B023
                assert result is not None

            mem = await _time_calls(member, n)
        finally:
            await engine.dispose()
        for name, values in (
            ("leaderboard (all time)", board),
            ("leaderboard (week)", week),
            ("/stats member", mem),
        ):
            rows.append([backend, name, *dist_ms(values)])
            if name != "leaderboard (week)":
                worst = max(worst, pct(values, 95))
        rows.append([backend, f"(bulk load {answers:,} answers)", f"{load_s:.1f} s", "", "", ""])
    section.add(
        f"{answers:,} answers by {members:,} members in one guild (plus 3 score_totals rows "
        f"per member: all time, week, month), bulk-loaded with executemany/COPY, then ANALYZE. "
        "Each call goes through the service (session, ORM, query)."
        + (" Quick mode: scaled down tenfold, SQLite only." if quick else "")
    )
    section.add()
    section.table(["backend", "query", "p50", "p95", "p99", "max"], rows)
    section.targets.append(
        Target(
            f"leaderboard and /stats at {answers:,} answers (p95, worst backend)",
            f"{worst * 1000:.1f} ms",
            "< 20 ms",
            worst < 0.020 if not quick else None,
        )
    )


# -- random draw ---------------------------------------------------------------


async def bench_draw(section: Section, quick: bool, workdir: Path) -> None:
    count = 10_000 if quick else 100_000
    backends = ["sqlite"] if quick else await _backends(quick)
    rows = []
    worst = 0.0
    kinds = KIND_GROUPS["mixed"]
    for backend in backends:
        url = await fresh_database(backend, workdir)
        await load_questions(url, count, seed=5)
        await analyze(url)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        rng = random.Random(6)
        used = rng.sample(range(1, count + 1), 49)
        variants = {
            "no filter": {},
            "no filter, 49 used excluded": {"exclude": used},
            "tag filter (1 of 20 tags)": {"tags": [TAGS[3]]},
            "difficulty filter": {"difficulty": 3},
            "tag + difficulty + 49 excluded": {"tags": [TAGS[3]], "difficulty": 3, "exclude": used},
            "rare tag (absent: full miss)": {"tags": ["no-such-tag"]},
        }
        try:
            for name, kwargs in variants.items():

                async def draw(kwargs: dict = kwargs, sessions: Any = sessions) -> None:
                    async with sessions() as session:
                        await draw_question(session, GUILD, kinds=kinds, rng=rng, **kwargs)  # noqa: B023

                values = await _time_calls(draw, 30 if quick else 200)
                rows.append([backend, name, *dist_ms(values)])
                if not name.startswith("rare"):
                    worst = max(worst, pct(values, 95))
        finally:
            await engine.dispose()
    section.add(
        f"`draw_question` over a {count:,}-item bank (the shipped scope, as a guild sees it: "
        "shipped items it has not hidden plus its own), kinds = mixed, one session per draw."
        + (" Quick mode: 10,000 items, SQLite only." if quick else "")
    )
    section.add()
    section.table(["backend", "draw", "p50", "p95", "p99", "max"], rows)
    section.add(
        "The last row asks for a tag no item has: the draw must prove there is none, the "
        "worst case (a quiz start checks `count_matching` first, so the runner never does this)."
    )
    section.add()
    section.targets.append(
        Target(
            f"random draw at {count:,} items (p95, worst filter and backend)",
            f"{worst * 1000:.1f} ms",
            "< 5 ms",
            worst < 0.005 if not quick else None,
        )
    )
