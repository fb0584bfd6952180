"""Shared helpers: results, percentiles, machine facts, databases and bulk loading."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://quizbot:quizbot@127.0.0.1:5432/quizbot_bench"
)
TARGET_ROWS_NOTE = "quick mode: scaled down"


@dataclass
class Target:
    what: str
    measured: str
    target: str
    ok: bool | None  # None: not measured


@dataclass
class Section:
    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    load: str = ""  # load average and CPU steal while this benchmark ran

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("| " + " | ".join("---" for _ in header) + " |")
        for row in rows:
            self.lines.append("| " + " | ".join(str(c) for c in row) + " |")
        self.lines.append("")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Section:
        data = json.loads(text)
        data["targets"] = [Target(**t) for t in data["targets"]]
        return cls(**data)


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds == float("inf"):
        return "late (> 3 s)"
    return f"{seconds * 1000:.1f} ms"


def dist_ms(values: Sequence[float]) -> list[str]:
    """p50, p95, p99, max as formatted milliseconds."""
    return [ms(pct(values, 50)), ms(pct(values, 95)), ms(pct(values, 99)), ms(max(values))]


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.start


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


async def pg_version() -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(pg_dsn(), timeout=3)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
    except Exception:
        return None


def cpu_counters() -> tuple[float, float]:
    """(busy-or-idle total, stolen) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    steal = fields[7] if len(fields) > 7 else 0.0
    return sum(fields[:8]), steal


def load_note(start: tuple[float, float]) -> str:
    """The 1-minute load average now, and the share of CPU time stolen by the
    hypervisor since `start` (a `cpu_counters()` reading): how shared the machine was."""
    total, steal = cpu_counters()
    share = (steal - start[1]) / (total - start[0]) if total > start[0] else 0.0
    return f"load {os.getloadavg()[0]:.1f}, CPU steal {share:.0%}"


def machine() -> dict[str, str]:
    import discord
    import sqlalchemy

    mem = psutil.virtual_memory()
    load = os.getloadavg()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu_model()}, {os.cpu_count()} cores",
        "ram": f"{mem.total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": asyncio.run(pg_version()) or "not reachable",
        "discord.py": discord.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "os": platform.platform(),
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


# -- databases ---------------------------------------------------------------


def pg_dsn() -> str:
    return PG_URL.replace("postgresql+asyncpg://", "postgresql://")


async def pg_available() -> bool:
    return await pg_version() is not None


async def fresh_database(kind: str, workdir: Path) -> str:
    """A migrated, empty database: a new SQLite file, or the bench PostgreSQL DB reset."""
    from db.engine import create_engine
    from db.migrate import upgrade

    if kind == "sqlite":
        path = workdir / f"bench-{time.monotonic_ns()}.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        import asyncpg

        conn = await asyncpg.connect(pg_dsn())
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
        url = PG_URL
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


def sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


async def bulk_load(url: str, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Load rows fast, straight through the driver (executemany on SQLite, COPY on PostgreSQL)."""
    if url.startswith("sqlite"):

        def load() -> None:
            conn = sqlite3.connect(sqlite_path(url))
            try:
                conn.execute("PRAGMA foreign_keys=OFF")
                conn.execute("PRAGMA synchronous=OFF")
                marks = ", ".join("?" for _ in columns)
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    (tuple(_sqlite_value(v) for v in row) for row in rows),
                )
                conn.commit()
            finally:
                conn.close()

        await asyncio.to_thread(load)
        return
    import asyncpg

    conn = await asyncpg.connect(pg_dsn())
    try:
        await conn.copy_records_to_table(
            table,
            records=[tuple(_pg_value(v) for v in row) for row in rows],
            columns=list(columns),
        )
    finally:
        await conn.close()


async def analyze(url: str) -> None:
    if url.startswith("sqlite"):

        def run() -> None:
            conn = sqlite3.connect(sqlite_path(url))
            try:
                conn.execute("ANALYZE")
            finally:
                conn.close()

        await asyncio.to_thread(run)
        return
    import asyncpg

    conn = await asyncpg.connect(pg_dsn())
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


QUESTION_COLUMNS = (
    "id",
    "guild_id",
    "slug",
    "kind",
    "text",
    "choices",
    "correct_index",
    "accepted_answers",
    "explanation",
    "sources",
    "tags",
    "difficulty",
    "data",
    "status",
    "content_hash",
    "rand_key",
)
TAGS = [f"topic{i:02d}" for i in range(20)]


async def load_questions(url: str, count: int, guild_id: int = 0, seed: int = 1) -> None:
    """`count` multiple-choice rows with 1-3 of 20 tags, difficulty 1-3, random keys."""
    import random

    rng = random.Random(seed)
    rows = []
    tag_rows = []
    for i in range(1, count + 1):
        tags = rng.sample(TAGS, rng.randint(1, 3))
        rows.append(
            (
                i,
                guild_id,
                f"bench-{i}",
                "multiple_choice",
                f"Bench question {i}?",
                [f"A{i}", f"B{i}", f"C{i}", f"D{i}"],
                0,
                [],
                "Because.",
                [{"title": "Bench", "url": "https://example.org"}],
                tags,
                rng.randint(1, 3),
                {},
                "active",
                f"{i:064x}",
                rng.random(),
            )
        )
        tag_rows.extend((i, t) for t in tags)
    await bulk_load(url, "questions", QUESTION_COLUMNS, rows)
    await bulk_load(url, "question_tags", ("question_id", "tag"), tag_rows)
    # Rounds show a revision of their question: revision i is question i's first.
    await bulk_load(
        url,
        "question_revisions",
        ("id", "question_id", "content_hash", "data"),
        (
            (
                row[0],
                row[0],
                row[14],
                {
                    "kind": row[3],
                    "text": row[4],
                    "choices": row[5],
                    "correct_index": row[6],
                    "accepted_answers": row[7],
                    "explanation": row[8],
                    "sources": row[9],
                    "tags": row[10],
                    "difficulty": row[11],
                    "as_of": None,
                },
            )
            for row in rows
        ),
    )
