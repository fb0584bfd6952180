"""The poller: every few seconds, close due questions of the day and fire due schedules.

One asyncio task per process. Each tick:

1. closes every question of the day whose time is up (if a QotdService is
   given) and hands each reveal to `on_qotd_closed`; this comes first so a
   daily question closes before the next day's one opens in its channel;
2. claims due schedule runs (`ScheduleService.claim_due`, exactly once
   across processes) until nothing more is due for this process;
3. for each 'fired' claim calls the adapter's `fire(claim)`, which starts the
   quiz or opens the question of the day and posts it. `fire` may return the
   quiz run id it started, which is then linked to the schedule run. If
   `fire` raises `ChannelGone` the schedule is paused (not retried every
   day) and `on_paused` gets a notice for the moderators; any other
   exception marks the run 'failed' with the reason. A 'skipped' claim (missed
   beyond grace) goes to `on_skipped`, if given.

Nothing is retried: a claimed run is settled the moment it is claimed, so a
crash inside `fire` costs at most that one run, never a second copy of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import Clock
from bot.services.schedules.qotd import QotdClosed, QotdService
from bot.services.schedules.schedules import Claim, PausedNotice, ScheduleService, Shards

log = logging.getLogger(__name__)

__all__ = ["ChannelGone", "Scheduler", "TickReport"]

FireCallback = Callable[[Claim], Awaitable[int | None] | int | None]
Notify = Callable[[Any], Awaitable[None] | None]


class ChannelGone(Exception):
    """Raised by `fire` when the schedule's channel is deleted or the bot can no
    longer see or post in it; the message is the reason shown to moderators."""


@dataclass
class TickReport:
    fired: list[Claim] = field(default_factory=list)
    skipped: list[Claim] = field(default_factory=list)
    failed: list[tuple[Claim, str]] = field(default_factory=list)
    paused: list[PausedNotice] = field(default_factory=list)
    qotds_closed: list[QotdClosed] = field(default_factory=list)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class Scheduler:
    def __init__(
        self,
        schedules: ScheduleService,
        fire: FireCallback,
        *,
        interval: float = 15.0,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        owns_guild: Callable[[int], bool] | None = None,
        shards: Shards | None = None,
        batch: int = 100,
        qotd: QotdService | None = None,
        on_qotd_closed: Notify | None = None,
        on_paused: Notify | None = None,
        on_skipped: Notify | None = None,
    ) -> None:
        self.schedules = schedules
        self.fire = fire
        self.interval = interval
        self.clock = clock or schedules.clock
        self._sleep = sleep
        self.owns_guild = owns_guild
        self.shards = shards
        self.batch = batch
        self.qotd = qotd
        self.on_qotd_closed = on_qotd_closed
        self.on_paused = on_paused
        self.on_skipped = on_skipped
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # -- one poll -------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """One poll: close due questions of the day, then claim and fire due runs."""
        report = TickReport()
        if self.qotd is not None:
            try:
                closed = await self.qotd.close_due_qotds(
                    self.clock(), owns_guild=self.owns_guild, shards=self.shards
                )
            except Exception:
                log.exception("closing due questions of the day failed")
                closed = []
            for item in closed:
                report.qotds_closed.append(item)
                await self._notify(self.on_qotd_closed, item, "on_qotd_closed")
        while True:
            claims = await self.schedules.claim_due(
                self.clock(), owns_guild=self.owns_guild, shards=self.shards, limit=self.batch
            )
            for claim in claims:
                await self._handle(claim, report)
            if len(claims) < self.batch:
                return report

    async def _handle(self, claim: Claim, report: TickReport) -> None:
        if not claim.should_fire:
            report.skipped.append(claim)
            log.info(
                "schedule %s: run due %s skipped (missed by %s)",
                claim.schedule_id,
                claim.due_at.isoformat(),
                claim.late_by,
            )
            await self._notify(self.on_skipped, claim, "on_skipped")
            return
        try:
            quiz_run_id = await _maybe_await(self.fire(claim))
        except ChannelGone as exc:
            reason = str(exc) or "the channel is gone or the bot cannot post there"
            report.failed.append((claim, reason))
            await self._settle(claim, "failed", f"channel gone: {reason}")
            notice = await self.schedules.pause_for_missing_channel(claim.schedule_id, reason)
            if notice is not None:
                report.paused.append(notice)
                await self._notify(self.on_paused, notice, "on_paused")
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("schedule %s: run %s failed: %s", claim.schedule_id, claim.run_id, reason)
            report.failed.append((claim, reason))
            await self._settle(claim, "failed", reason)
            return
        report.fired.append(claim)
        if isinstance(quiz_run_id, int) and not isinstance(quiz_run_id, bool):
            await self._settle(claim, "fired", None, quiz_run_id)

    async def _settle(
        self, claim: Claim, status: str, detail: str | None, quiz_run_id: int | None = None
    ) -> None:
        try:
            await self.schedules.record_outcome(
                claim.run_id,
                status,  # type: ignore[arg-type]
                detail,
                quiz_run_id,
            )
        except Exception:
            log.exception("could not record the outcome of schedule run %s", claim.run_id)

    async def _notify(self, callback: Notify | None, value: Any, name: str) -> None:
        if callback is None:
            return
        try:
            await _maybe_await(callback(value))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler callback %s failed", name)

    # -- the task ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        """Start polling in the background (idempotent)."""
        if self._task is None or self._task.done():
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name="schedule-poller")
        return self._task

    async def stop(self, grace: float = 30.0) -> None:
        """Stop after the current tick (a tick in progress finishes its fires);
        cancel it if that takes longer than `grace` seconds."""
        task = self._task
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not kill the poller; the next tick retries.
                log.exception("schedule poll failed")
            if self._stopping.is_set():
                break
            await self._pause()

    async def _pause(self) -> None:
        """Sleep `interval` (with the injectable sleep) or until stop() is called."""
        nap = asyncio.ensure_future(self._sleep(self.interval))
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({nap, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (nap, stop):
                if not pending.done():
                    pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await pending
