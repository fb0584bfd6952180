"""The driver's side of a click benchmark: the fake Discord and the load in this process,
the bot under test in a child process (`bench.botproc`), as real Discord is elsewhere.

Latency is measured in this process on one clock (`time.monotonic`): from the moment
a member was meant to click (the load generator's schedule, not when the fake got to
queue the event) to the bot's response arriving at the fake. The bot's CPU time is read
from outside with psutil, so it includes everything the bot's process does (its
threads too: aiosqlite runs statements on one) and nothing the fake does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select

from bench.botproc import BotConfig
from tests.fake_discord import FakeDiscord, InteractionFailed, InteractionRecord
from tests.fake_discord.models import Channel, Member, Message

ROUND_BUTTON = re.compile(r"^quiz:(\d+):(\d)$")
HISTORY = 20_000  # the fake keeps about this many interactions (flat memory on long runs)
DEADLINE = 3.0  # Discord fails an interaction not answered within 3 s


def new_fake() -> FakeDiscord:
    return FakeDiscord(history_limit=HISTORY)


@contextlib.contextmanager
def driver_without_gc_pauses() -> Iterator[None]:
    """Keep this process's garbage collector out of the timed clicks.

    The fake Discord and the load generator are Python too: in a 2,000-click burst
    their full (generation 2) collections paused this process for 90-140 ms, and every
    click due meanwhile was late by as much, the bare floor's as well as the bot's
    (its whole p99). Real Discord has no such pauses, so collection is off while the
    clicks run and is done once afterwards, outside the timing. The bot's process is
    not touched: its pauses are its own and count.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


@dataclass
class Remote:
    """A running bot process."""

    proc: asyncio.subprocess.Process
    ps: psutil.Process
    fake: FakeDiscord
    lines: list[str] = field(default_factory=list)

    def cpu(self) -> float:
        """CPU seconds (user + system) the bot process has used so far."""
        times = self.ps.cpu_times()
        return times.user + times.system

    async def settle(self, quiet: float = 0.02, limit: float = 30.0) -> None:
        """Until the bot process stops using CPU: the work it queued is done."""
        last, start = self.cpu(), time.monotonic()
        while time.monotonic() - start < limit:
            await asyncio.sleep(0.25)
            now = self.cpu()
            if now - last < quiet:
                return
            last = now

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode().strip())
            self.fake.notify()  # wakes `fake.wait_until` callers waiting on a line


@contextlib.asynccontextmanager
async def remote_bot(
    fake: FakeDiscord, workdir: Path, kind: str, database_url: str = "", **options: Any
) -> AsyncIterator[Remote]:
    """Start the bot in a child process pointed at `fake`; stop (SIGKILL) it afterwards.
    `BENCH_JSON=orjson` sets discord.py's JSON library for every bot a run starts (the
    closed loop compares both itself)."""
    options.setdefault("json", os.environ.get("BENCH_JSON", "stdlib"))
    config = BotConfig(
        kind=kind,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        token=fake.token,
        database_url=database_url,
        **options,
    )
    log = (workdir / f"bot-{kind}-{time.monotonic_ns()}.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.botproc",
        config.to_json(),
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # Its own process group: the bot's drawing process (pictures) inherits its
        # stdout, and would keep the pipe open, and `proc.wait()` waiting, after the
        # bot is killed. The group is killed together.
        start_new_session=True,
    )
    remote = Remote(proc, psutil.Process(proc.pid), fake)
    reader = asyncio.create_task(remote._read())
    try:
        await fake.wait_until(lambda: "ready" in remote.lines, timeout=60, what="bot ready")
        await fake.wait_until_connected(timeout=30)
        yield remote
    finally:
        if proc.returncode is None and os.environ.get("BENCH_PROFILE"):
            proc.terminate()  # the profiled bot writes its profile on SIGTERM
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the bot and what it started
        await proc.wait()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        log.close()


def round_after(channel: Channel, after_id: int) -> Message | None:
    """The newest round message posted after message `after_id`, once its answer buttons
    can be clicked."""
    for message in reversed(channel.messages_list[-30:]):
        if message.id <= after_id:
            return None
        if message.ephemeral or message.deleted:
            continue
        if any(ROUND_BUTTON.match(c) for c in message.custom_ids):
            # A question is shown first with its buttons disabled ("get ready"), then
            # enabled: members can click only then (Discord refuses a disabled button).
            return message if _clickable(message) else None
    return None


def _clickable(message: Message) -> bool:
    return any(
        ROUND_BUTTON.match(c.get("custom_id", "")) and not c.get("disabled")
        for c in message.walk_components()
    )


async def next_round(channel: Channel, after_id: int, timeout: float = 30.0) -> Message:  # noqa: ASYNC109
    """Wait for the next round's message (polled: cheap, and adds at most 5 ms)."""
    deadline = time.monotonic() + timeout
    while (message := round_after(channel, after_id)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no round posted in channel {channel.id} within {timeout} s")
        await asyncio.sleep(0.005)
    return message


def round_id_of(message: Message) -> int:
    for custom_id in message.custom_ids:
        if match := ROUND_BUTTON.match(custom_id):
            return int(match[1])
    raise ValueError("not a round message")


def answer_buttons(message: Message) -> list[str]:
    return [c for c in message.custom_ids if ROUND_BUTTON.match(c)]


@dataclass
class Click:
    """One member's click: when it was meant to happen, and what came back."""

    member: Member
    intended: float
    round_id: int = 0
    record: InteractionRecord | None = None
    error: str | None = None

    @property
    def latency(self) -> float:
        """Seconds from the intended moment to the response; inf if none came in time."""
        r = self.record
        if r is None or r.response_record is None or r.failed is not None:
            return float("inf")
        return r.response_record.at - self.intended

    @property
    def confirmed(self) -> bool:
        """The member was told their answer is in."""
        r = self.record
        if r is None or r.response_record is None or r.failed is not None:
            return False
        message = r.response_record.message
        return message is not None and "is in" in message.text

    def in_time(self) -> bool:
        return self.latency <= DEADLINE


async def click_at(
    fake: FakeDiscord, click: Click, message: Message, custom_id: str, wait: bool = True
) -> None:
    """Click at `click.intended` (monotonic), then wait for the response."""
    delay = click.intended - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    try:
        click.record = await fake.click(click.member, message, custom_id)
    except Exception as error:  # the bot was killed: no gateway session to deliver to
        click.error = repr(error)
        return
    if wait:
        with contextlib.suppress(InteractionFailed, TimeoutError):
            await click.record.response(timeout=DEADLINE + 2)


async def stored_answers(database_url: str) -> tuple[int, int, set[tuple[int, int]]]:
    """(rows, distinct (round, member), the set of (round, member)) in quiz_answers."""
    from db.engine import create_engine, create_session_factory
    from db.models import QuizAnswer

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = (await session.execute(select(QuizAnswer.round_id, QuizAnswer.user_id))).all()
            total = await session.scalar(select(func.count()).select_from(QuizAnswer))
    finally:
        await engine.dispose()
    keys = {(int(r[0]), int(r[1])) for r in rows}
    return int(total or 0), len(keys), keys


def latencies(clicks: Sequence[Click]) -> list[float]:
    return [c.latency for c in clicks]
