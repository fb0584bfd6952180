"""Nothing one server does stops another's clicks (issue 12's benchmark).

The database holds 3,000 open discussions (the discussion ticker passes over them
every 30 s) and a server with 200,000 questions of its own. Once the bot is up, it
imports a 5,000-item upload into that big server, inside the bot's process and
database pool as a moderator's upload would run. Meanwhile members of another server
click at a steady rate; their latency (from the intended click moment, bot in its own
process) shows whether the import or the ticker held them up. Also: the crafted 2 MiB
upload whose explanations are "A. A. A. ..." is parsed and timed.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bankgen import bank_yaml
from bench.burst import prepare_database
from bench.common import (
    QUESTION_COLUMNS,
    Section,
    Target,
    analyze,
    bulk_load,
    dist_ms,
    pct,
    pg_available,
)
from bench.remote import (
    Click,
    answer_buttons,
    click_at,
    latencies,
    new_fake,
    next_round,
    remote_bot,
    round_id_of,
)

BIG_GUILD = 1_400_000_000_000_000_000
DISCUSSION_GUILD = 1_500_000_000_000_000_000
QUESTIONS = 200_000
DISCUSSIONS = 3_000
IMPORT_ITEMS = 5_000
IMPORT_AFTER = 4.0  # s after the bot is ready
WINDOW = 40.0  # s of clicks: covers the import and at least one discussion tick (30 s)
RATE = 10.0  # clicks per second from the other server
FIRST_ID = 1_000_000  # ids of the bulk-loaded rows, clear of the imported bank's


async def load_big_guild(url: str, count: int) -> None:
    """`count` active multiple-choice questions of one server, straight through the driver."""
    rng = random.Random(4)
    rows = (
        (
            FIRST_ID + i,
            BIG_GUILD,
            f"big-{i:06d}",
            "multiple_choice",
            f"Big server question {i}?",
            [f"A{i}", f"B{i}", f"C{i}", f"D{i}"],
            0,
            [],
            "Because.",
            [{"title": "Bench", "url": "https://example.org"}],
            ["bench"],
            rng.randint(1, 3),
            {},
            "active",
            f"{i:064x}",
            rng.random(),
        )
        for i in range(count)
    )
    # Its owner raised the question quota (/config limits) to hold a bank this size.
    await bulk_load(
        url,
        "guilds",
        (
            "id",
            "allow_answer_change",
            "streak_bonus",
            "default_questions",
            "default_seconds",
            "timezone",
            "quiz_in_thread",
            "language",
            "limits",
        ),
        [(BIG_GUILD, False, True, 10, 20, "UTC", False, "en", {"questions_per_server": 1_000_000})],
    )
    await bulk_load(url, "questions", QUESTION_COLUMNS, rows)
    await bulk_load(
        url,
        "question_tags",
        ("question_id", "tag"),
        ((FIRST_ID + i, "bench") for i in range(count)),
    )


async def load_discussions(url: str, count: int) -> None:
    """One prompt with two viewpoints and `count` open discussions on it, a week long."""
    now = datetime.now(UTC)
    await bulk_load(
        url,
        "discussion_prompts",
        (
            "id",
            "guild_id",
            "slug",
            "question",
            "context",
            "sources",
            "tags",
            "data",
            "status",
            "content_hash",
        ),
        [
            (
                FIRST_ID,
                DISCUSSION_GUILD,
                "bench-prompt",
                "Should we?",
                "",
                [],
                [],
                {},
                "active",
                "0" * 64,
            )
        ],
    )
    await bulk_load(
        url,
        "viewpoints",
        ("id", "prompt_id", "position", "label", "stance", "argument", "held_by", "source"),
        [
            (
                FIRST_ID + p,
                FIRST_ID,
                p,
                f"View {p}",
                "Yes" if p else "No",
                "Because.",
                "Some",
                {"title": "Bench", "url": "https://example.org"},
            )
            for p in range(2)
        ],
    )
    await bulk_load(
        url,
        "prompt_revisions",
        ("id", "prompt_id", "content_hash", "data"),
        [
            (
                FIRST_ID,
                FIRST_ID,
                "0" * 64,
                {
                    "question": "Should we?",
                    "context": "",
                    "viewpoints": [
                        {"position": p, "label": f"View {p}", "stance": "Yes" if p else "No"}
                        for p in range(2)
                    ],
                },
            )
        ],
    )
    await bulk_load(
        url,
        "discussion_runs",
        (
            "id",
            "guild_id",
            "channel_id",
            "prompt_id",
            "prompt_revision_id",
            "status",
            "created_at",
            "closes_at",
            "final_vote_at",
        ),
        [
            (
                FIRST_ID + i,
                DISCUSSION_GUILD + i,
                900_000 + i,
                FIRST_ID,
                FIRST_ID,
                "open",
                now,
                now + timedelta(days=7),
                now + timedelta(days=6),
            )
            for i in range(count)
        ],
    )


async def run_isolation(
    workdir: Path, backend: str, questions: int, discussions: int, items: int, window: float
) -> tuple[list[Click], dict[str, float]]:
    url = await prepare_database(workdir, backend)
    await load_big_guild(url, questions)
    await load_discussions(url, discussions)
    await analyze(url)
    upload = workdir / "big-import.yaml"
    upload.write_bytes(bank_yaml(items, prefix="imp"))
    rng = random.Random(6)
    clicks: list[Click] = []
    async with new_fake() as fake:
        guild = fake.create_guild("another server")
        channel = fake.create_channel(guild, "quiz")
        people = [fake.create_member(guild, f"o{i}") for i in range(int(window * RATE) + 1)]
        async with remote_bot(
            fake,
            workdir,
            "quizbot",
            url,
            gc="freeze",
            import_file=str(upload),
            import_guild=BIG_GUILD,
            import_after=IMPORT_AFTER,
        ) as bot:
            started = await fake.run_command(
                people[0], channel, "quiz start", {"questions": 1, "seconds": 120, "kind": "facts"}
            )
            await started.response(timeout=10)
            message = await next_round(channel, 0, timeout=30)
            buttons, round_of = answer_buttons(message), round_id_of(message)
            t0 = time.monotonic()
            clicks = [Click(m, t0 + i / RATE, round_of) for i, m in enumerate(people)]
            await asyncio.gather(*(click_at(fake, c, message, rng.choice(buttons)) for c in clicks))
            await fake.wait_until(
                lambda: any(line.startswith("{") for line in bot.lines),
                timeout=120,
                what="the import to finish",
            )
            timings = json.loads(next(line for line in bot.lines if line.startswith("{")))
    return clicks, timings


CRAFTED_LIMIT = 60.0  # s; the quadratic parser took over 100 s on this machine


def parse_in_child(path: Path, limit: float) -> tuple[float, str]:
    """Seconds `parse_upload` takes on `path`, in a child process stopped after `limit`."""
    code = (
        "import sys, time; from pathlib import Path; "
        "from bot.core.bank.uploads import parse_upload; "
        "d = Path(sys.argv[1]).read_bytes(); t = time.perf_counter(); "
        "r = parse_upload(d, 'c.yaml'); "
        "print(time.perf_counter() - t, len(r.items), len(r.problems))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=limit,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return float("inf"), f"not done after {limit:.0f} s"
    seconds, items, problems = done.stdout.split()
    return float(seconds), f"{float(seconds):.2f} s ({items} items accepted, {problems} problems)"


def crafted_upload(limit: int = 2 * 2**20) -> bytes:
    """An upload just under 2 MiB whose explanations are "A. A. A. ..." up to the 1,024
    characters allowed: sentence counting's worst case, in as many items as fit."""
    filler = ("A. " * 341).strip()  # 1,022 characters
    lines = ["theme: crafted", "items:"]
    size, i = 0, 0
    while True:
        item = [
            f"  - id: crafted-{i:05d}",
            "    kind: multiple_choice",
            "    tags: [bench]",
            "    difficulty: 2",
            "    paragraph: null",
            f"    text: Which option is right in crafted question {i}?",
            f"    choices: [Alpha {i}, Beta {i}, Gamma {i}, Delta {i}]",
            f"    answer: Alpha {i}",
            f"    explanation: '{filler}'",
            f"    sources: [{{title: C {i}, publisher: C, url: 'https://example.org/{i}'}}]",
        ]
        grown = size + sum(len(line) + 1 for line in item)
        if grown > limit - 100:
            break
        lines += item
        size, i = grown, i + 1
    return ("\n".join(lines) + "\n").encode()


async def bench_isolation(section: Section, quick: bool, workdir: Path) -> None:
    questions, discussions, items, window = (
        (20_000, 300, 1000, 20.0) if quick else (QUESTIONS, DISCUSSIONS, IMPORT_ITEMS, WINDOW)
    )
    backends = ["sqlite"] + (["postgresql"] if await pg_available() else [])
    results = {
        b: await run_isolation(workdir, b, questions, discussions, items, window) for b in backends
    }
    crafted = workdir / "crafted.yaml"
    crafted.write_bytes(crafted_upload())
    crafted_s, crafted_note = parse_in_child(crafted, CRAFTED_LIMIT)

    section.add(
        f"{discussions:,} open discussions (week-long, so the ticker passes over them every "
        f"30 s) and a server with {questions:,} questions of its own; {IMPORT_AFTER:.0f} s after "
        f"the bot is ready it imports a {items:,}-item upload into that server the way a "
        "moderator does (`/questions upload`: parse, validate and diff; then Import: one "
        "short bulk write), through the bot's upload service, which runs both in its "
        "worker process with its own database connection. The import "
        "column is preview (parse + diff) / total. Meanwhile members of another "
        f"server click one answer each, {RATE:.0f} per second for {window:.0f} s. Latency from "
        "the intended click moment; bot in its own process."
    )
    section.add()
    rows = []
    for backend, (clicks, timings) in results.items():
        values = latencies(clicks)
        late = sum(1 for c in clicks if not c.in_time())
        rows.append(
            [
                backend,
                f"{len(clicks):,}",
                *dist_ms(values)[:3],
                dist_ms(values)[3],
                str(late),
                f"{timings['import_parse_s']:.1f} s / {timings['import_total_s']:.1f} s",
            ]
        )
    section.table(
        ["database", "clicks", "p50", "p95", "p99", "max", "late (> 3 s)", "import parse / total"],
        rows,
    )
    section.add(
        f"The crafted upload ({crafted.stat().st_size / 2**20:.2f} MiB; every explanation is "
        "'A. A. A. ...' up to the 1,024 characters allowed), `parse_upload` in a child "
        f"process stopped after {CRAFTED_LIMIT:.0f} s: {crafted_note}."
    )
    section.add()
    for backend, (clicks, _t) in results.items():
        p99 = pct(latencies(clicks), 99)
        section.targets.append(
            Target(
                f"another server's click during a big import and {discussions:,} open "
                f"discussions, p99 ({backend})",
                dist_ms([p99])[0],
                "< 250 ms",
                p99 < 0.250 if not quick else None,
            )
        )
    section.targets.append(
        Target("crafted 2 MiB upload parsed", crafted_note, "< 2 s", crafted_s < 2.0)
    )
