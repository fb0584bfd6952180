"""Several processes polling one database: every due run fires exactly once.

Two shapes, each on SQLite (several engines on one file: WAL and a busy
timeout, see db/engine.py) and on PostgreSQL (skipped with the fixture's
reason when TEST_DATABASE_URL is not set):

* in one test process, independent engines and session factories, one per
  "process", polling concurrently on one event loop;
* real OS processes: this file run as a script (`worker` mode) is one bot
  process's poller; the test starts several, releases them at the same
  instant for each due time, and collects what each one fired.

1,000 due runs: 200 hourly schedules over 5 due times.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.services.schedules.scheduler import Scheduler
from bot.services.schedules.schedules import Claim, ScheduleService
from db.engine import create_engine, create_session_factory
from db.models import Schedule, ScheduleRun

SCHEDULES = 200
DUE_TIMES = 5
TOTAL = SCHEDULES * DUE_TIMES
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def _key(schedule_id: int, due_at: datetime) -> str:
    return f"{schedule_id}@{due_at.isoformat()}"


# -- the worker (a separate OS process) ------------------------------------------------


async def _worker(url: str, name: str) -> None:
    """Protocol on stdin/stdout, one line each: 'tick <iso now>' → JSON list of fired
    keys; 'quit' ends. Prints 'ready' once connected."""
    engine = create_engine(url)
    clock = ManualClock(START)
    fired: list[str] = []

    def fire(claim: Claim) -> None:
        fired.append(_key(claim.schedule_id, claim.due_at))

    scheduler = Scheduler(
        ScheduleService(create_session_factory(engine), clock, process_name=name), fire, batch=50
    )
    async with engine.connect():
        pass
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line or line == "quit":
            break
        _, iso = line.split(" ", 1)
        clock.now = datetime.fromisoformat(iso)
        fired.clear()
        await scheduler.tick()
        print(json.dumps(fired), flush=True)
    await engine.dispose()


# -- the tests ---------------------------------------------------------------------------


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """200 hourly schedules in 40 guilds, all due at START."""
    async with sessions.begin() as session:
        session.add_all(
            Schedule(
                guild_id=((1000 + n % 40) << 22) | n,
                channel_id=10_000 + n,
                created_by=None,
                kind="quiz",
                cron="0 * * * *",
                timezone="UTC",
                options={},
                grace_seconds=600,
                paused=False,
                next_run_at=START,
            )
            for n in range(SCHEDULES)
        )


async def check_database(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessions() as session:
        per_due = (
            await session.execute(
                select(ScheduleRun.schedule_id, ScheduleRun.due_at, func.count()).group_by(
                    ScheduleRun.schedule_id, ScheduleRun.due_at
                )
            )
        ).all()
        statuses = Counter((await session.execute(select(ScheduleRun.status))).scalars().all())
        by_process = Counter((await session.execute(select(ScheduleRun.process))).scalars().all())
        moved = (await session.execute(select(Schedule.next_run_at))).scalars().all()
    assert len(per_due) == TOTAL
    assert {count for _s, _d, count in per_due} == {1}
    assert statuses == {"fired": TOTAL}
    assert set(moved) == {START + timedelta(hours=DUE_TIMES)}
    return by_process


def check_fires(fires: Sequence[str]) -> None:
    counts = Counter(fires)
    assert len(fires) == TOTAL, f"{len(fires)} fire calls for {TOTAL} due runs"
    doubled = [key for key, n in counts.items() if n > 1]
    assert not doubled, f"fired twice: {doubled[:5]}"


async def test_engines_race_for_1000_due_runs(database_url: str, sessions) -> None:  # type: ignore[no-untyped-def]
    processes = 2
    await seed(sessions)
    clock = ManualClock(START)
    fires: list[str] = []
    engines = [create_engine(database_url) for _ in range(processes)]

    def fire(claim: Claim) -> None:
        fires.append(_key(claim.schedule_id, claim.due_at))

    try:
        pollers = [
            Scheduler(
                ScheduleService(create_session_factory(e), clock, process_name=f"p{i}"),
                fire,
                batch=50,
            )
            for i, e in enumerate(engines)
        ]
        for hour in range(DUE_TIMES):
            clock.now = START + timedelta(hours=hour, seconds=5)
            await asyncio.gather(*(p.tick() for p in pollers))
    finally:
        for engine in engines:
            await engine.dispose()
    check_fires(fires)
    by_process = await check_database(sessions)
    # Both really took part (each await lets the other in), and shared the work.
    assert set(by_process) == {"p0", "p1"} and sum(by_process.values()) == TOTAL


async def test_os_processes_race_for_1000_due_runs(database_url: str, sessions) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "worker",
            database_url,
            f"os{i}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        for i in range(2)
    ]

    async def send(worker: asyncio.subprocess.Process, line: str) -> None:
        assert worker.stdin is not None
        worker.stdin.write((line + "\n").encode())
        await worker.stdin.drain()

    async def receive(worker: asyncio.subprocess.Process) -> str:
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), timeout=60)
        assert line, "worker died"
        return line.decode().strip()

    fires: list[str] = []
    try:
        assert await asyncio.gather(*(receive(w) for w in workers)) == ["ready"] * 2
        for hour in range(DUE_TIMES):
            now = START + timedelta(hours=hour, seconds=5)
            # Both processes are released for the same due time at once.
            await asyncio.gather(*(send(w, f"tick {now.isoformat()}") for w in workers))
            for reply in await asyncio.gather(*(receive(w) for w in workers)):
                fires.extend(json.loads(reply))
        await asyncio.gather(*(send(w, "quit") for w in workers))
        codes = await asyncio.gather(*(asyncio.wait_for(w.wait(), 30) for w in workers))
        assert codes == [0, 0]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    check_fires(fires)
    by_process = await check_database(sessions)
    assert set(by_process) <= {"os0", "os1"}


async def test_sqlite_engines_on_one_file_are_configured_for_it(tmp_path: Path) -> None:
    """The SQLite race above relies on WAL and the busy timeout of db/engine.py."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await engine.dispose()
    assert mode == "wal" and (timeout or 0) >= 1000


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    asyncio.run(_worker(sys.argv[2], sys.argv[3]))
