"""The task that paces each running quiz: open a round, wait, reveal, repeat.

One asyncio task per run. The presenter (the Discord adapter) shows things;
this module decides when. Because every step is stored by QuizService, a
restart loses nothing: `recover()` picks runs up where the database says
they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from bot.core.clock import Clock, utcnow
from bot.services.live_answers import LiveAnswers
from bot.services.quiz import QuizService, Results, Reveal, RoundInfo, RunInfo

log = logging.getLogger(__name__)


class QuizPresenter(Protocol):
    async def show_round(self, run: RunInfo, rnd: RoundInfo) -> int | None:
        """Post the question; return the message id (for clicks after a restart)."""

    async def show_reveal(self, run: RunInfo, reveal: Reveal) -> None: ...

    async def open_answers(self, run: RunInfo, rnd: RoundInfo) -> None:
        """Unlock the answers of a question shown by `show_round` (after get-ready)."""

    async def show_results(self, run: RunInfo, results: Results) -> None: ...


class QuizRunner:
    def __init__(
        self,
        service: QuizService,
        presenter: QuizPresenter,
        *,
        clock: Clock = utcnow,
        pause_between_rounds: float = 4.0,
        owns_guild: Callable[[int], bool] = lambda _guild_id: True,
        live: LiveAnswers | None = None,
        get_ready: float = 3.0,
    ) -> None:
        self.service = service
        self.presenter = presenter
        self.clock = clock
        self.pause = pause_between_rounds
        self.owns_guild = owns_guild
        self.live = live
        self.get_ready = get_ready  # seconds a question is shown before answers open
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self._stop_requested: set[int] = set()

    def launch(self, run: RunInfo, resume: RoundInfo | None = None) -> None:
        if run.run_id in self.tasks:
            return
        self._wake[run.run_id] = asyncio.Event()
        task = asyncio.create_task(self._drive(run, resume), name=f"quiz-run-{run.run_id}")
        self.tasks[run.run_id] = task
        task.add_done_callback(lambda _t, rid=run.run_id: self._forget(rid))

    def _forget(self, run_id: int) -> None:
        self.tasks.pop(run_id, None)
        self._wake.pop(run_id, None)
        self._stop_requested.discard(run_id)

    def everyone_answered(self, run_id: int) -> None:
        """Close the current round early: called when the last joined member answers."""
        event = self._wake.get(run_id)
        if event is not None:
            event.set()

    async def stop(self, run_id: int) -> Results | None:
        """End a run now; its results are still posted and saved."""
        task = self.tasks.get(run_id)
        if task is None:
            # Not driven here (e.g. after a crash before recovery): end it directly.
            run = await self.service.get_run(run_id)
            results = await self.service.finish(run_id, stopped=True)
            if run is not None and results is not None:
                await self.presenter.show_results(results.run, results)
            return results
        self._stop_requested.add(run_id)
        self.everyone_answered(run_id)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return await self.service.finish(run_id, stopped=True)

    async def _wait_round(self, run_id: int, rnd: RoundInfo) -> None:
        event = self._wake[run_id]
        remaining = (rnd.deadline_at - self.clock()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=remaining)
        event.clear()

    async def _drive(self, run: RunInfo, resume: RoundInfo | None) -> None:
        try:
            rnd = resume if resume is not None and not resume.closed else None
            while run.run_id not in self._stop_requested:
                if rnd is None:
                    rnd = await self.service.open_next_round(run.run_id)
                    if rnd is None:
                        break
                    message_id = await self.presenter.show_round(run, rnd)
                    if message_id is not None:
                        await self.service.set_round_message(rnd.round_id, message_id)
                    # -- game (issue 13): the get-ready beat. The question is shown with
                    # its answers locked; the answering time starts when they unlock.
                    await asyncio.sleep(self.get_ready)
                    rnd = await self.service.start_answering(rnd.round_id) or rnd
                    if self.live is not None:
                        await self.live.open(rnd)  # before the buttons can be clicked
                    open_answers = getattr(self.presenter, "open_answers", None)
                    if open_answers is not None:
                        await open_answers(run, rnd)
                    # -- end of the get-ready beat
                elif self.live is not None:
                    await self.live.open(rnd)  # resumed after a restart
                await self._wait_round(run.run_id, rnd)
                if self.live is not None:
                    await self.live.close(rnd.round_id)  # every confirmed answer is written
                reveal = await self.service.close_round(rnd.round_id)
                if reveal is not None and run.run_id not in self._stop_requested:
                    await self.presenter.show_reveal(run, reveal)
                rnd = None
                if run.run_id in self._stop_requested:
                    break
                if self.pause > 0:
                    await asyncio.sleep(self.pause)
            stopped = run.run_id in self._stop_requested
            results = await self.service.finish(run.run_id, stopped=stopped)
            if results is not None:
                await self.presenter.show_results(run, results)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz run %s failed; ending it with the results so far", run.run_id)
            with contextlib.suppress(Exception):
                results = await self.service.finish(run.run_id, stopped=True)
                if results is not None:
                    await self.presenter.show_results(run, results)

    async def recover(self) -> tuple[int, int]:
        """After a restart: resume runs whose round is still open, close the others.

        Returns (resumed, closed).
        """
        resumed = closed = 0
        for run, rnd in await self.service.running_runs(self.owns_guild):
            if rnd is not None and not rnd.closed and rnd.deadline_at > self.clock():
                self.launch(run, rnd)
                resumed += 1
                continue
            results = await self.service.finish(run.run_id, stopped=True)
            closed += 1
            if results is not None:
                with contextlib.suppress(Exception):
                    await self.presenter.show_results(run, results)
        return resumed, closed

    async def shutdown(self) -> None:
        """Stop driving (the runs stay 'running' in the database for the next start)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
