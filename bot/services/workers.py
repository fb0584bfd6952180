"""Worker processes for CPU-heavy jobs, so the event loop's process keeps answering.

A thread does not help with pure-Python work: it holds the GIL, and every time the
event loop wants it back (after each socket read, each aiosqlite hand-off) it waits up
to the switch interval. A 5,000-item upload parsed in a thread made another server's
clicks wait close to a second (issue 12's benchmark). So drawing pictures and checking
and importing uploads run in a process of their own, one per kind of job, started on
first use (spawn, not fork: the bot's process has threads and an event loop), by
default at a lower scheduling priority, so under contention the bot's own process is
served first.

If no process can be started (a sandbox without ``fork``/``spawn``, say), the job runs
in a thread instead; if the worker dies (killed, out of memory), the job in hand runs in
a thread and the next one starts a fresh process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

STARTUP_TIMEOUT_S = 60
WORKER_NICENESS = 10
PARENT_CHECK_S = 1.0


def lower_priority() -> None:
    """Run in each worker at start: the bot's own process is scheduled first."""
    with contextlib.suppress(OSError):  # not permitted: the worker runs at normal priority
        os.nice(WORKER_NICENESS)


def normal_priority() -> None:
    """For a worker that holds something the bot's process waits for (a database lock)."""


def exit_with_parent() -> None:
    """Run in each worker at start: when the bot's process is gone (kill -9, a crash), the
    worker goes too, instead of lingering and holding the bot's stdout and stderr open."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _start_worker(initializer: Callable[[], None]) -> None:
    exit_with_parent()
    initializer()


class WorkerPool:
    """One worker process for one kind of job (jobs of a kind run one at a time)."""

    def __init__(self, name: str, initializer: Callable[[], None] = lower_priority) -> None:
        self.name = name
        self.initializer = initializer
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.use_threads = False  # set once starting a process failed

    def _start(self) -> ProcessPoolExecutor | None:
        """The worker, started if need be; None once starting one failed.
        Blocking (it waits for the process to start): call it in a thread."""
        with self._lock:
            if self._pool is None and not self.use_threads:
                pool = None
                try:
                    pool = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_start_worker,
                        initargs=(self.initializer,),
                    )
                    # The process starts at the first submit: do it here, off the loop.
                    pool.submit(os.getpid).result(timeout=STARTUP_TIMEOUT_S)
                    self._pool = pool
                except (OSError, ValueError, NotImplementedError, BrokenProcessPool, TimeoutError):
                    log.warning("no %s process; its jobs run in a thread", self.name, exc_info=True)
                    self.use_threads = True
                    if pool is not None:
                        pool.shutdown(wait=False, cancel_futures=True)
            return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the worker (a picklable, module-level function), else a thread."""
        # Starting the process is done in a thread too: the loop never waits on it.
        pool = self._pool if self._pool is not None else await asyncio.to_thread(self._start)
        if pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                with self._lock:
                    if self._pool is pool:
                        self._pool = None
                log.warning("the %s process died; running this job in a thread", self.name)
        return await asyncio.to_thread(fn, *args)

    async def pid(self) -> int:
        """The worker's process id (this process's when jobs run in threads)."""
        return await self.run(os.getpid)

    def shutdown(self) -> None:
        """Stop the worker (at exit; a later job starts a new one)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
