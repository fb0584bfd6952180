"""Worker processes: jobs run there, and a worker never outlives the bot's process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.services.workers import WorkerPool

ROOT = Path(__file__).resolve().parents[2]

# A bot's process in miniature: start a worker, say its pid, then wait to be killed.
BOT = """
import asyncio, sys, time
from bot.services.workers import WorkerPool
pool = WorkerPool("test")
print(asyncio.run(pool.pid()), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited already
        return stat.read().split(")")[-1].split()[0] != "Z"


async def test_jobs_run_in_another_process_and_fall_back_to_a_thread() -> None:
    pool = WorkerPool("test")
    try:
        assert await pool.pid() != os.getpid()
        assert await pool.run(sorted, [3, 1, 2]) == [1, 2, 3]
    finally:
        pool.shutdown()
    no_process = WorkerPool("test")
    no_process.use_threads = True  # as when a process cannot be started here
    assert await no_process.pid() == os.getpid()


def test_a_worker_exits_when_the_bots_process_is_killed() -> None:
    bot = subprocess.Popen([sys.executable, "-c", BOT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None
        worker = int(bot.stdout.readline())
        assert _alive(worker)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the bot's process"
        # ...and so the bot's stdout is closed: whoever reads it sees the end.
        assert bot.stdout.read() == ""
    finally:
        bot.kill()
