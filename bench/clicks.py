"""Answer clicks, closed loop: the real QuizBot's CPU per click against a bare-ack floor.

The fake Discord and the load generator run in this process, the bot under test in a
child process (`bench.remote`), as real Discord is elsewhere. Every member of every
quiz clicks one answer per round as soon as the round is posted; the next round opens
when the last of them answered (round 1 runs its timer). The bot's CPU time (user +
system, read from outside) over the whole run, divided by the clicks, includes the
round turnovers (close, score, reveal, next question, post) shared by a round's
members. The floor, a bare discord.py bot that only acknowledges, gets the same clicks
with the same runtime settings; the ratio floor / ours is the share of discord.py's
own cost that the bot keeps. Runs are interleaved and repeated; ranges are reported.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.burst import prepare_database
from bench.common import Section, Target, pct, pg_available
from bench.remote import (
    Click,
    answer_buttons,
    click_at,
    latencies,
    new_fake,
    next_round,
    remote_bot,
    round_id_of,
    stored_answers,
)
from tests.fake_discord.models import Channel, Member

ROUND_SECONDS = 5  # round 1 closes on its timer; later rounds when everyone answered
RUNS = 3
LABELS = {"floor": "floor (bare ack)", "rounds": "rounds floor (ack + a round's Discord calls)"}


@dataclass
class LoopRun:
    kind: str
    backend: str
    gc: str
    json: str = "stdlib"
    clicks: list[Click] = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0
    rows: int = 0
    distinct: int = 0
    confirmed: int = 0
    missing: int = 0  # confirmed answers not in the database

    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(1, len(self.clicks))


async def closed_loop(
    workdir: Path,
    kind: str,
    backend: str,
    gc: str,
    quizzes: int,
    members: int,
    rounds: int,
    json: str = "stdlib",
) -> LoopRun:
    # "sqlite+metrics": QuizBot collecting its per-request metrics (METRICS_PORT set).
    database, metrics = backend.removesuffix("+metrics"), backend.endswith("+metrics")
    url = await prepare_database(workdir, database) if kind == "quizbot" else ""
    run = LoopRun(kind, backend, gc, json)
    async with new_fake() as fake:
        world: list[tuple[Channel, list[Member]]] = []
        for q in range(quizzes):
            guild = fake.create_guild(f"bench-{q}")
            channel = fake.create_channel(guild, "quiz")
            world.append(
                (channel, [fake.create_member(guild, f"m{q}-{i}") for i in range(members)])
            )
        sizes = {"round_size": members, "rounds": rounds} if kind == "rounds" else {}
        if metrics:
            sizes["metrics"] = True
        async with remote_bot(fake, workdir, kind, url, gc=gc, json=json, **sizes) as bot:
            if kind == "quizbot":
                for channel, people in world:
                    started = await fake.run_command(
                        people[0],
                        channel,
                        "quiz start",
                        {"questions": rounds, "seconds": ROUND_SECONDS, "kind": "facts"},
                    )
                    await started.response(timeout=10)

            async def drive(channel: Channel, people: list[Member]) -> None:
                after, message = 0, None
                for number in range(rounds):
                    if kind != "floor" or message is None:  # a new message each round
                        message = await next_round(channel, after, timeout=ROUND_SECONDS + 30)
                        after = message.id
                    buttons = answer_buttons(message)
                    round_of = round_id_of(message)
                    now = time.monotonic()
                    clicks = [Click(m, now, round_of) for m in people]
                    await asyncio.gather(
                        *(
                            click_at(fake, c, message, buttons[(i + number) % len(buttons)])
                            for i, c in enumerate(clicks)
                        )
                    )
                    run.clicks += clicks

            cpu0, start = bot.cpu(), time.monotonic()
            await asyncio.gather(*(drive(c, p) for c, p in world))
            await bot.settle()
            run.cpu, run.wall = bot.cpu() - cpu0, time.monotonic() - start
        if kind == "quizbot":
            run.rows, run.distinct, _keys = await stored_answers(url)
            confirmed = {(c.round_id, c.member.id) for c in run.clicks if c.confirmed}
            run.confirmed = len(confirmed)
            run.missing = len(confirmed - _keys)
    return run


def _label(kind: str, backend: str) -> str:
    """A row's name: "QuizBot, sqlite", or "QuizBot, sqlite, metrics collected"."""
    if kind in LABELS:
        return LABELS[kind]
    database, _, collected = backend.partition("+")
    return f"QuizBot, {database}" + (f", {collected} collected" if collected else "")


def _range(values: list[float], fmt: str = "{:.2f}") -> str:
    low, high = min(values), max(values)
    return (
        fmt.format(low)
        if fmt.format(low) == fmt.format(high)
        else (f"{fmt.format(low)}-{fmt.format(high)}")
    )


def _ms(values: list[float]) -> str:
    if any(v == float("inf") for v in values):
        return "late (> 3 s) in some run"
    return _range([v * 1000 for v in values], "{:.0f}") + " ms"


async def bench_clicks(section: Section, quick: bool, workdir: Path) -> None:
    quizzes, members, rounds = (6, 10, 3) if quick else (16, 25, 8)
    runs = 1 if quick else RUNS
    variants = [
        ("floor", "none", "freeze", "stdlib"),
        ("rounds", "none", "freeze", "stdlib"),
        ("quizbot", "sqlite", "freeze", "stdlib"),
        ("quizbot", "sqlite+metrics", "freeze", "stdlib"),
        ("floor", "none", "default", "stdlib"),
        ("quizbot", "sqlite", "default", "stdlib"),
    ]
    if importlib.util.find_spec("orjson") is not None:  # discord.py[speed] installed
        variants += [
            ("floor", "none", "freeze", "orjson"),
            ("quizbot", "sqlite", "freeze", "orjson"),
        ]
    if not quick and await pg_available():
        variants.append(("quizbot", "postgresql", "freeze", "stdlib"))
    results: dict[tuple[str, str, str, str], list[LoopRun]] = {v: [] for v in variants}
    for _ in range(runs):  # interleaved: a busy spell on the machine hits every variant
        for kind, backend, gc, json in variants:
            results[(kind, backend, gc, json)].append(
                await closed_loop(workdir, kind, backend, gc, quizzes, members, rounds, json)
            )

    clicks = quizzes * members * rounds
    section.add(
        f"Closed loop: {quizzes} quizzes at once, {members} members each, {rounds} rounds "
        f"({clicks:,} clicks per run); every member clicks one answer per round as soon as "
        "it is posted; the next round opens when the last member answered (round 1 runs its "
        f"{ROUND_SECONDS} s timer). The bot runs in its own process; its CPU (user + system, "
        "all threads) from the first click until it is idle after the last, divided by the "
        "clicks, includes the round turnovers. The floor is a bare discord.py bot that only "
        "acknowledges, run with the same runtime settings; the rounds floor is the floor "
        "that also makes a quiz's Discord calls each round (the question posted locked, "
        "unlocked by an edit, the reveal edited in once every member clicked, then the next "
        "question; messages about the game screen's size) with no database and no scoring, "
        "so what QuizBot costs beyond it is its own work. 'gc freeze': `gc.collect()` and "
        "`gc.freeze()` once connected, in both bots. 'json': the JSON library discord.py "
        "uses in both bots (stdlib `json`, or `orjson` from `discord.py[speed]`). "
        "'metrics collected': QuizBot as with `METRICS_PORT` set, when it counts every "
        "REST response and interaction for Prometheus (aiohttp tracing of each request); "
        "without it, as by default, it collects none. "
        f"{runs} runs per row, interleaved; ranges over the runs."
    )
    section.add()
    rows = []
    for (kind, backend, gc, json), rs in results.items():
        floor = results.get(("floor", "none", gc, json), [])
        ratio = [f.cpu_ms() / o.cpu_ms() for f, o in zip(floor, rs, strict=False) if o.cpu_ms()]
        late = [sum(1 for c in r.clicks if not c.in_time()) for r in rs]
        rows.append(
            [
                _label(kind, backend),
                gc,
                json,
                _range([r.cpu_ms() for r in rs]),
                "-" if kind == "floor" else _range([x * 100 for x in ratio], "{:.0f}") + " %",
                _range([len(r.clicks) / r.wall for r in rs], "{:.0f}"),
                _ms([pct(latencies(r.clicks), 50) for r in rs]),
                _ms([pct(latencies(r.clicks), 99) for r in rs]),
                _range([float(x) for x in late], "{:.0f}"),
            ]
        )
    section.table(
        [
            "bot",
            "gc",
            "json",
            "CPU ms/click",
            "floor/ours",
            "clicks/s",
            "p50",
            "p99",
            "late (> 3 s)",
        ],
        rows,
    )
    ok = True
    stored = []
    for (kind, backend, gc, json), rs in results.items():
        if kind != "quizbot":
            continue
        for r in rs:
            ok = ok and r.missing == 0 and r.rows == r.distinct
        stored.append(
            f"{backend} ({gc}, {json}): rows {_range([float(r.rows) for r in rs], '{:,.0f}')}, "
            f"confirmed {_range([float(r.confirmed) for r in rs], '{:,.0f}')}"
        )
    section.add(
        f"Answers stored (expected {clicks:,} per run): " + "; ".join(stored) + ". clicks/s "
        "here is bounded by round 1's timer and the round turnovers, not a capacity figure."
    )
    section.add()
    main = results[("quizbot", "sqlite", "freeze", "stdlib")]
    floor = results[("floor", "none", "freeze", "stdlib")]
    ratios = [f.cpu_ms() / o.cpu_ms() for f, o in zip(floor, main, strict=True)]
    with_rounds = results[("rounds", "none", "freeze", "stdlib")]
    own = [(o.cpu_ms() - r.cpu_ms()) * members for r, o in zip(with_rounds, main, strict=True)]
    section.add(
        "Against the rounds floor (gc freeze): QuizBot on SQLite costs "
        + _range(
            [r.cpu_ms() / o.cpu_ms() * 100 for r, o in zip(with_rounds, main, strict=True)],
            "{:.0f}",
        )
        + " % of its CPU; what it spends beyond it, its own work (database, scoring, "
        f"judging, rendering), comes to {_range(own, '{:.1f}')} ms of CPU per round of "
        f"{members} clicks."
    )
    section.add()
    section.targets += [
        Target(
            "closed loop: floor CPU / QuizBot CPU per click (SQLite, worst run)",
            f"{min(ratios):.0%} ({min(r.cpu_ms() for r in main):.2f}-"
            f"{max(r.cpu_ms() for r in main):.2f} ms vs {min(r.cpu_ms() for r in floor):.2f}-"
            f"{max(r.cpu_ms() for r in floor):.2f} ms)",
            ">= 70%",
            min(ratios) >= 0.70 if not quick else None,
        ),
        Target(
            "closed loop: lost (confirmed, not stored) or doubled answers",
            "0" if ok else "mismatch (see section)",
            "0",
            ok,
        ),
    ]
