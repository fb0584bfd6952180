"""One big server's burst: 2,000 members of one guild click within 2 s, two rounds.

A guild lives on one shard, so one process serves all of its members; sharding does
not help one big server. The fake Discord and the load run here, the bot in its own
process (`bench.remote`). Each member clicks once per round at a random moment within
`SPREAD` seconds of the round being posted; latency runs from that intended moment to
the bot's response. Round 1 closes on its timer, round 2 early when everyone is in.

Also here: the same burst with the bot killed (SIGKILL) in the middle, then every
answer a member was told is in looked up in the database; and a 10,000-member round
closed and scored on each database (no Discord).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bankgen import mc_only_yaml
from bench.common import (
    Section,
    Target,
    bulk_load,
    dist_ms,
    fresh_database,
    pct,
    pg_available,
)
from bench.remote import (
    Click,
    answer_buttons,
    click_at,
    driver_without_gc_pauses,
    latencies,
    new_fake,
    next_round,
    remote_bot,
    round_id_of,
    stored_answers,
)
from bot.core.bank.uploads import parse_upload
from bot.core.clock import utcnow
from bot.services.bank.bank import import_items
from bot.services.quiz.quiz import QuizOptions, QuizService
from db.engine import create_engine, create_session_factory

MEMBERS = 2000
SPREAD = 2.0  # seconds over which a round's clicks arrive
ROUND_SECONDS = 10  # round 1 closes on this timer; long enough that no click is "too late"
RUNS = 3


async def prepare_database(workdir: Path, backend: str) -> str:
    url = await fresh_database(backend, workdir)
    engine = create_engine(url)
    try:
        parsed = parse_upload(mc_only_yaml(60), "bench.yaml")
        await import_items(create_session_factory(engine), [p.item for p in parsed.items])
    finally:
        await engine.dispose()
    return url


@dataclass
class BurstRun:
    kind: str
    backend: str
    clicks: list[Click] = field(default_factory=list)
    cpu: float = 0.0  # bot CPU seconds during the rounds' clicks
    rows: int = 0
    distinct: int = 0
    missing: int = 0  # confirmed answers not in the database
    confirmed: int = 0
    killed_at: float | None = None

    @property
    def in_time(self) -> int:
        return sum(1 for c in self.clicks if c.in_time())

    def cpu_ms_per_click(self) -> float:
        return self.cpu * 1000 / max(1, len(self.clicks))


async def run_burst(
    workdir: Path,
    kind: str,
    backend: str,
    *,
    members: int = MEMBERS,
    rounds: int = 2,
    kill_after: float | None = None,
    seed: int = 1,
) -> BurstRun:
    """One burst run; `kill_after`: SIGKILL the bot that many seconds into round 1."""
    rng = random.Random(seed)
    url = await prepare_database(workdir, backend) if kind == "quizbot" else ""
    result = BurstRun(kind, backend)
    async with new_fake() as fake:
        guild = fake.create_guild("big event")
        channel = fake.create_channel(guild, "live")
        people = [fake.create_member(guild, f"m{i}") for i in range(members)]
        async with remote_bot(fake, workdir, kind, url, gc="freeze") as bot:
            if kind == "quizbot":
                started = await fake.run_command(
                    people[0],
                    channel,
                    "quiz start",
                    {"questions": rounds, "seconds": ROUND_SECONDS, "kind": "facts"},
                )
                await started.response(timeout=10)
            after, message = 0, None
            for number in range(rounds):
                if kind == "quizbot" or message is None:
                    message = await next_round(channel, after, timeout=ROUND_SECONDS + 20)
                    after = message.id
                with driver_without_gc_pauses():
                    buttons = answer_buttons(message)
                    round_of = round_id_of(message)
                    t0 = time.monotonic()
                    clicks = [Click(m, t0 + rng.uniform(0, SPREAD), round_of) for m in people]
                    cpu0 = bot.cpu()
                    tasks = [
                        asyncio.create_task(click_at(fake, c, message, rng.choice(buttons)))
                        for c in clicks
                    ]
                    if kill_after is not None and number == 0:
                        await asyncio.sleep(max(0.0, t0 + kill_after - time.monotonic()))
                        bot.kill9()
                        result.killed_at = kill_after
                    await asyncio.gather(*tasks)
                if kill_after is None:
                    await bot.settle()
                    result.cpu += bot.cpu() - cpu0
                result.clicks += clicks
                if kill_after is not None:
                    break
        if kind == "quizbot":
            result.rows, result.distinct, keys = await stored_answers(url)
            confirmed = {(c.round_id, c.member.id) for c in result.clicks if c.confirmed}
            result.confirmed = len(confirmed)
            result.missing = len(confirmed - keys)
    return result


# -- a 10,000-member round closed and scored ------------------------------------------


async def close_big_round(workdir: Path, backend: str, members: int) -> dict[str, float]:
    """Seconds to close (score) two rounds and finish a run where `members` all answered."""
    url = await prepare_database(workdir, backend)
    engine = create_engine(url)
    guild = 1_300_000_000_000_000_000
    timings: dict[str, float] = {}
    try:
        quiz = QuizService(create_session_factory(engine), utcnow, random.Random(3))
        run = await quiz.start(guild, 77, 1, QuizOptions(questions=2, seconds=20, kind="facts"))
        for number in (1, 2):
            rnd = await quiz.open_next_round(run.run_id)
            assert rnd is not None
            now = utcnow()
            answers: list[tuple[Any, ...]] = [
                (
                    rnd.round_id,
                    guild,
                    10_000 + u,
                    rnd.question.id,
                    rnd.question.correct_index,
                    None,
                    u % 3 != 0,
                    u,
                    900 if u % 3 != 0 else 0,
                    0,
                    None,
                    now,
                )
                for u in range(members)
            ]
            await bulk_load(
                url,
                "quiz_answers",
                (
                    "round_id",
                    "guild_id",
                    "user_id",
                    "question_id",
                    "choice_index",
                    "text_answer",
                    "correct",
                    "elapsed_ms",
                    "points",
                    "changes",
                    "interaction_id",
                    "answered_at",
                ),
                answers,
            )
            if number == 1:
                await bulk_load(
                    url,
                    "quiz_participants",
                    (
                        "run_id",
                        "user_id",
                        "points",
                        "correct",
                        "answered",
                        "total_time_ms",
                        "streak",
                        "best_streak",
                    ),
                    [(run.run_id, 10_000 + u, 0, 0, 0, 0, 0, 0) for u in range(members)],
                )
            start = time.perf_counter()
            reveal = await quiz.close_round(rnd.round_id)
            timings[f"round {number}"] = time.perf_counter() - start
            assert reveal is not None and reveal.answered == members
        start = time.perf_counter()
        results = await quiz.finish(run.run_id)
        timings["finish"] = time.perf_counter() - start
        assert results is not None and len(results.ranking) == members
    finally:
        await engine.dispose()
    return timings


# -- the benchmark ------------------------------------------------------------------------


def _range(values: list[float], fmt: str = "{:.2f}") -> str:
    if not values:
        return "n/a"
    low, high = min(values), max(values)
    return fmt.format(low) if low == high else f"{fmt.format(low)}-{fmt.format(high)}"


def _ms_range(values: list[float]) -> str:
    finite = [v for v in values if v != float("inf")]
    if len(finite) < len(values):
        return (
            "late (> 3 s)"
            if not finite
            else _range([v * 1000 for v in finite], "{:.0f}") + " ms, some late"
        )
    return _range([v * 1000 for v in values], "{:.0f}") + " ms"


async def bench_burst(section: Section, quick: bool, workdir: Path) -> None:
    members = 300 if quick else MEMBERS
    runs = 1 if quick else RUNS
    backends = ["sqlite"] + (["postgresql"] if await pg_available() else [])
    variants = [("floor", "none")] + [("quizbot", b) for b in backends]
    results: dict[tuple[str, str], list[BurstRun]] = {v: [] for v in variants}
    for i in range(runs):  # interleaved, so a busy spell on the machine hits all alike
        for kind, backend in variants:
            results[(kind, backend)].append(
                await run_burst(workdir, kind, backend, members=members, seed=i + 1)
            )
    killed = {
        b: await run_burst(workdir, "quizbot", b, members=members, rounds=1, kill_after=1.0)
        for b in backends
    }
    close_sizes = [2000] if quick else [2000, 10_000]
    closes = {(b, n): await close_big_round(workdir, b, n) for b in backends for n in close_sizes}

    section.add(
        f"{members:,} members of one guild each click one answer button per round at a "
        f"random moment within {SPREAD:.0f} s of the round being posted; 2 rounds ("
        f"{2 * members:,} clicks per run), {runs} run(s) per row, interleaved. The fake "
        "Discord and the load generator run in this process, the bot in a child process "
        "(`bench/botproc.py`), as real Discord is elsewhere. Latency: from the moment the "
        "click was meant to happen to the bot's response reaching the fake. CPU: the bot "
        "process's user+system time during the rounds' clicks, per click. The floor is a bare "
        "discord.py bot that only acknowledges (same process setup, same runtime settings: "
        "`gc.freeze()` after start-up, default event loop and JSON). Ranges are over the runs."
    )
    section.add()
    header = [
        "bot, database",
        "answered within 3 s",
        "p50",
        "p99",
        "max",
        "CPU ms/click",
        "vs floor",
    ]
    floor_cpu = [r.cpu_ms_per_click() for r in results[("floor", "none")]]
    rows = []
    for (kind, backend), rs in results.items():
        total = 2 * members
        cpu = [r.cpu_ms_per_click() for r in rs]
        ratio = [f / o for f, o in zip(floor_cpu, cpu, strict=True) if o > 0]
        rows.append(
            [
                "floor (bare ack)" if kind == "floor" else f"QuizBot, {backend}",
                _range([float(r.in_time) for r in rs], "{:,.0f}") + f" of {total:,}",
                _ms_range([pct(latencies(r.clicks), 50) for r in rs]),
                _ms_range([pct(latencies(r.clicks), 99) for r in rs]),
                _ms_range([max(latencies(r.clicks)) for r in rs]),
                _range(cpu),
                "-" if kind == "floor" else _range([x * 100 for x in ratio], "{:.0f}") + " %",
            ]
        )
    section.table(header, rows)
    stored = []
    ok_answers = True
    for (kind, backend), rs in results.items():
        if kind != "quizbot":
            continue
        for r in rs:
            # Lost: confirmed but not stored. Doubled: two rows for one (round, member).
            # (A click answered after 3 s is stored but not confirmed: not lost.)
            ok_answers = ok_answers and r.missing == 0 and r.rows == r.distinct
        stored.append(
            f"{backend}: rows {_range([float(r.rows) for r in rs], '{:,.0f}')}, distinct "
            f"(round, member) {_range([float(r.distinct) for r in rs], '{:,.0f}')}, confirmed "
            f"clicks {_range([float(r.confirmed) for r in rs], '{:,.0f}')}"
        )
    section.add(
        "Answers stored per run (expected " + f"{2 * members:,}" + "): " + "; ".join(stored) + "."
    )
    section.add()
    kill_lines = []
    for backend, r in killed.items():
        kill_lines.append(
            f"{backend}: {r.confirmed:,} answers confirmed before the kill, {r.missing} of them "
            f"missing from the database, {r.rows:,} rows stored"
        )
    section.add(
        "Kill -9 during the burst: round 1 of the same burst, the bot process SIGKILLed 1 s "
        "in; then every answer a member was told is in is looked up in `quiz_answers`. "
        + "; ".join(kill_lines)
        + "."
    )
    section.add()
    _close_table(section, closes)

    for (kind, backend), rs in results.items():
        if kind != "quizbot":
            continue
        worst_in_time = min(r.in_time for r in rs)
        worst_p99 = max(pct(latencies(r.clicks), 99) for r in rs)
        section.targets += [
            Target(
                f"burst, {backend}: answered within 3 s (worst run)",
                f"{worst_in_time:,} of {2 * members:,}",
                f"{2 * members:,} of {2 * members:,}",
                worst_in_time == 2 * members if not quick else None,
            ),
            Target(
                f"burst, {backend}: p99 from the intended click (worst run)",
                dist_ms([worst_p99])[0],
                "< 300 ms",
                worst_p99 < 0.300 if not quick else None,
            ),
        ]
    section.targets.append(
        Target(
            "burst: lost (confirmed, not stored) or doubled answers",
            "0" if ok_answers else "mismatch (see section)",
            "0",
            ok_answers,
        )
    )
    missing = sum(r.missing for r in killed.values())
    section.targets.append(
        Target(
            "kill -9 during the burst: confirmed answers missing",
            str(missing),
            "0",
            missing == 0 and all(r.confirmed > 0 for r in killed.values()),
        )
    )
    _close_target(section, closes)


def _close_table(section: Section, closes: dict[tuple[str, int], dict[str, float]]) -> None:
    section.table(
        ["round close (no Discord)", *[f"{b}, {n:,} members" for b, n in closes]],
        [
            [step, *(f"{t[step] * 1000:.0f} ms" for t in closes.values())]
            for step in ("round 1", "round 2", "finish")
        ],
    )
    section.add(
        "Round close: two rounds where every member answered (two thirds right, so round 2 "
        "gives streak bonuses), answers bulk-loaded, then `QuizService.close_round` (claim, "
        "score the answers: streaks, participants' totals, score totals for three periods; "
        "read the reveal) and `finish` timed."
    )
    section.add()


def _close_target(section: Section, closes: dict[tuple[str, int], dict[str, float]]) -> None:
    if ("postgresql", 10_000) in closes:
        t = closes[("postgresql", 10_000)]
        worst = max(t["round 1"], t["round 2"])
        section.targets.append(
            Target(
                "10,000-member round close, PostgreSQL (slower of two rounds)",
                f"{worst * 1000:.0f} ms",
                "< 1 s",
                worst < 1.0,
            )
        )


async def bench_close(section: Section, quick: bool, workdir: Path) -> None:
    """Only the burst's round-close part (`--only close`), `repeat` times each."""
    backends = ["sqlite"] + (["postgresql"] if await pg_available() else [])
    sizes = [2000] if quick else [2000, 10_000]
    repeat = 1 if quick else 3
    closes: dict[tuple[str, int], dict[str, float]] = {}
    for b in backends:
        for n in sizes:
            runs = [await close_big_round(workdir, b, n) for _ in range(repeat)]
            # The median of each step over the repeats.
            closes[(b, n)] = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
    section.add(f"Median of {repeat} run(s) per column.")
    section.add()
    _close_table(section, closes)
    _close_target(section, closes)
