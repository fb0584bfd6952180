"""The task that paces each running quiz: open a round, wait, reveal, repeat.

One asyncio task per run, each a supervised unit: a failure in one run is
logged with its ids, that run is ended cleanly with its results and a
notice, and nothing else notices. The presenter (the Discord adapter) shows
things; this module decides when.

A run is driven by the process that holds its lease (see `leases`): two
bot processes on one database never drive one game. A heartbeat renews the
leases held here, and a watchdog adopts every running quiz that nobody
drives (never claimed, or its process died and the lease expired), so no
run is left `running` without a driver. Discord and database calls on the
turnover path are retried with backoff before a run gives up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TypeVar

from bot.core.clock import Clock, utcnow
from bot.services.leases import Leases
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.quiz import (
    Drawn,
    LeaseLost,
    QuizService,
    Results,
    Reveal,
    RoundInfo,
    RunInfo,
)
from bot.services.transient import is_transient_db
from db.models import QuizRun

log = logging.getLogger(__name__)

T = TypeVar("T")

# Backoff between attempts of one turnover step: about 30 s in all, enough for
# a Discord 5xx episode or a database fail-over, short enough that members wait.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
# A round that ran out while no process drove it is revealed when the run is
# adopted; the quiz goes on only if nobody has waited longer than this.
STALE_AFTER = timedelta(minutes=5)


class QuizPresenter(Protocol):
    async def show_round(self, run: RunInfo, rnd: RoundInfo) -> int | None:
        """Post the question; return the message id (for clicks after a restart)."""

    async def show_reveal(self, run: RunInfo, reveal: Reveal) -> None: ...

    async def open_answers(self, run: RunInfo, rnd: RoundInfo) -> None:
        """Unlock the answers of a question shown by `show_round` (after get-ready)."""

    async def show_results(self, run: RunInfo, results: Results) -> None: ...

    async def show_failure(self, run: RunInfo, results: Results | None) -> None:
        """Tell the channel the quiz ended because of a fault, with the results so far."""

    def is_transient(self, error: BaseException) -> bool:
        """Whether a presenter error may pass if retried (a 5xx, a 429, a dropped link)."""


@dataclass
class _Held:
    """What the runner holds about a run it drives, so a turnover need not read it."""

    run: RunInfo
    number: int  # rounds opened so far
    used: list[int] | None = None  # its questions so far; None: not known here (resumed)
    joined: set[int] | None = None  # members who joined; None: not known here
    # The next question: being drawn (a task), or drawn with the round's start.
    ahead: asyncio.Future[Drawn | None] | None = None


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
        get_ready: float = 0.0,
        leases: Leases | None = None,
        heartbeat_seconds: float = 10.0,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.service = service
        self.presenter = presenter
        self.clock = clock
        self.pause = pause_between_rounds
        self.owns_guild = owns_guild
        self.live = live
        self.get_ready = get_ready  # seconds a question is shown before answers open
        self.leases = leases or Leases(service.sessions, clock)
        self.heartbeat_seconds = heartbeat_seconds
        self.retry_delays = tuple(retry_delays)
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self._stop_requested: set[int] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._closing = False

    # -- units ----------------------------------------------------------------

    def launch(self, run: RunInfo, resume: RoundInfo | None = None) -> None:
        """Drive a run here, if its lease can be had (a no-op when already driven here)."""
        if run.run_id in self.tasks:
            return
        self._wake[run.run_id] = asyncio.Event()
        task = asyncio.create_task(self._supervised(run, resume), name=f"quiz-run-{run.run_id}")
        self.tasks[run.run_id] = task
        task.add_done_callback(lambda _t, rid=run.run_id: self._forget(rid))

    def _forget(self, run_id: int) -> None:
        self.tasks.pop(run_id, None)
        self._wake.pop(run_id, None)
        self._stop_requested.discard(run_id)

    async def _supervised(self, run: RunInfo, resume: RoundInfo | None) -> None:
        """One unit of work: its failure is logged with its ids and stays local."""
        try:
            if not await self._retry(self.leases.claim, QuizRun, run.run_id):
                log.info("quiz run %s is driven by another process", run.run_id)
                return
        except Exception:
            log.exception(
                "quiz run %s: could not claim its lease; the watchdog retries", run.run_id
            )
            return
        try:
            await self._drive(run, resume)
        except asyncio.CancelledError:
            raise
        except LeaseLost:
            log.warning("quiz run %s: lease lost to another process; no longer driving", run.run_id)
        except Exception:
            log.exception(
                "quiz run %s (guild %s, channel %s) failed; ending it with the results so far",
                run.run_id,
                run.guild_id,
                run.channel_id,
            )
            await self._end_after_fault(run)
        finally:
            if not self._closing:  # on shutdown, released once answers are written
                with contextlib.suppress(Exception):
                    await self.leases.release(QuizRun, [run.run_id])

    async def _end_after_fault(self, run: RunInfo) -> None:
        """Close the one failed run cleanly: results kept, a notice in its channel.

        If even that fails (the database is gone), the lease is released and the
        watchdog finishes the run once the database answers again.
        """
        try:
            results = await self._retry(self.service.finish, run.run_id, stopped=True)
        except Exception:
            log.exception("quiz run %s: could not be ended now; the watchdog retries", run.run_id)
            return
        try:
            await self.presenter.show_failure(
                run, results if results is not None and results.ended_now else None
            )
        except Exception:
            log.warning("quiz run %s: could not post the notice of its end", run.run_id)

    async def _retry(self, step: Callable[..., Awaitable[T]], *args: object, **kw: object) -> T:
        """Run one turnover step, retrying passing faults (5xx, 429, lost connections)."""
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                return await step(*args, **kw)
            except Exception as error:
                transient = is_transient_db(error) or self.presenter.is_transient(error)
                if delay is None or not transient:
                    raise
                log.warning(
                    "%s failed (%s: %s); retry %d in %.1f s",
                    getattr(step, "__qualname__", step),
                    type(error).__name__,
                    error,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # -- pacing ---------------------------------------------------------------

    def everyone_answered(self, run_id: int) -> None:
        """Close the current round early: called when the last joined member answers."""
        event = self._wake.get(run_id)
        if event is not None:
            event.set()

    async def stop(self, run_id: int) -> Results | None:
        """End a run now; its results are still posted and saved (once)."""
        task = self.tasks.get(run_id)
        if task is None:
            # Not driven here (another process, or nobody): end it in the database;
            # its driver, if any, sees it ended and posts nothing more.
            results = await self.service.finish(run_id, stopped=True)
            if results is not None and results.ended_now:
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

    async def _open_round(self, held: _Held) -> RoundInfo | None:
        run = held.run
        if held.number >= run.question_count:
            return None  # every question was asked: nothing to read to know it
        drawn = await self._drawn_ahead(held)
        rnd = await self._retry(
            self.service.open_round,
            run,
            held.number + 1,
            drawn,
            lease=(self.leases.owner, self.leases.expiry()),
        )
        if rnd is None:
            return None
        if drawn is not None:  # (drawn again or not: its exclusions held)
            held.used = [*drawn.excluded, rnd.question.id]
        elif held.used is not None and rnd.number == held.number + 1:
            held.used = [*held.used, rnd.question.id]
        else:
            held.used = None  # a round was skipped (a retried open): read them next time
        held.number = rnd.number
        if self.live is not None:  # before the buttons can be clicked
            held.joined = await self.live.open(rnd, run=run, joined=held.joined)
        message_id = await self._retry(self.presenter.show_round, run, rnd)
        # -- game (issue 13): the get-ready beat. The question is shown with its
        # answers locked; they unlock, and the answering time starts, after it.
        if self.get_ready > 0:
            if message_id is not None:  # stored first: a restart during the beat finds it
                await self._retry(self.service.set_round_message, rnd.round_id, message_id)
            await asyncio.sleep(self.get_ready)
        # -- end of the get-ready beat
        # Answering time starts now that the question is visible: a slow post (a 429,
        # a retried 5xx) never eats into the members' time.
        started = await self._start(held, rnd, message_id)
        if started is not None and self.live is not None:
            self.live.retime(started)
        if started is not None:
            await self._unlock(run, started)
        return started or rnd

    async def _start(self, held: _Held, rnd: RoundInfo, message_id: int | None) -> RoundInfo | None:
        """Start the round's answering time and, in the same trip, draw the next
        round's question (the draw ahead); a failed draw is drawn again later."""
        if held.number >= held.run.question_count or held.used is None:
            return await self._retry(self.service.start_answering, rnd, message_id)
        started, drawn = await self._retry(
            self.service.start_and_draw, rnd, message_id, held.run, held.used
        )
        if isinstance(drawn, Exception):
            log.warning(
                "quiz run %s: drawing the next question failed (%s); drawing it again",
                held.run.run_id,
                drawn,
            )
        else:
            held.ahead = asyncio.get_running_loop().create_future()
            held.ahead.set_result(drawn)
        return started

    def _draw_ahead(self, held: _Held) -> None:
        """Draw the next round's question while this one is open (its members answer
        meanwhile), so the turnover does not wait on the draw."""
        if held.number >= held.run.question_count or held.ahead is not None:
            return
        held.ahead = asyncio.create_task(
            self.service.draw_next(held.run, held.used), name=f"quiz-draw-{held.run.run_id}"
        )

    async def _drawn_ahead(self, held: _Held) -> Drawn | None:
        """The question drawn ahead, or None: `open_round` then draws it itself."""
        ahead, held.ahead = held.ahead, None
        if ahead is None:
            return None
        try:
            return await ahead
        except Exception as error:  # the open draws again, with its retries
            log.warning(
                "quiz run %s: drawing ahead failed (%s); drawing at the turnover",
                held.run.run_id,
                error,
            )
            return None

    async def _unlock(self, run: RunInfo, rnd: RoundInfo) -> None:
        """game (issue 13): open the answer buttons of a question shown locked."""
        open_answers = getattr(self.presenter, "open_answers", None)
        if open_answers is not None:
            await self._retry(open_answers, run, rnd)

    async def _drive(self, run: RunInfo, resume: RoundInfo | None) -> None:
        held = _Held(run, number=resume.number if resume else 0)
        if resume is None:
            held.used, held.joined = [], set()  # a new run: nobody has joined yet
        try:
            await self._rounds(held, resume)
        finally:
            if held.ahead is not None:
                held.ahead.cancel()

    async def _rounds(self, held: _Held, resume: RoundInfo | None) -> None:
        run = held.run
        rnd = resume
        if rnd is not None and rnd.closed:
            rnd = None  # its reveal was shown; go on with the next question
        interrupted = False
        while run.run_id not in self._stop_requested:
            if rnd is None:
                rnd = await self._open_round(held)
                if rnd is None:
                    break
            else:  # resumed after a restart, or taken over from a dead process
                if rnd.message_id is None:
                    # It died between opening and posting: start the time now.
                    rnd = await self._retry(self.service.start_answering, rnd) or rnd
                if self.live is not None:
                    held.joined = await self.live.open(rnd)
                if rnd.deadline_at > self.clock():
                    await self._unlock(run, rnd)  # game: it may have stopped in its get-ready beat
            self._draw_ahead(held)
            overdue = self.clock() - rnd.deadline_at
            await self._wait_round(run.run_id, rnd)
            if self.live is not None:
                await self.live.close(rnd.round_id)  # every confirmed answer is written
            reveal = await self._retry(
                self.service.close_round,
                rnd.round_id,
                run=run,
                rnd=rnd,
                with_standings=run.mode == "live",
            )
            if held.joined is not None and reveal is not None:
                held.joined = held.joined | reveal.answered_by
            if reveal is not None and run.run_id not in self._stop_requested:
                await self._retry(self.presenter.show_reveal, run, reveal)
            rnd = None
            if overdue > STALE_AFTER:
                interrupted = True  # nobody drove it for long: reveal, then results
                break
            if run.run_id in self._stop_requested:
                break
            if self.pause > 0:
                await asyncio.sleep(self.pause)
        stopped = interrupted or run.run_id in self._stop_requested
        results = await self._retry(
            self.service.finish, run.run_id, stopped=stopped, all_closed=rnd is None
        )
        if results is not None and results.ended_now:
            await self._retry(self.presenter.show_results, run, results)

    # -- recovery, heartbeat, watchdog -----------------------------------------

    async def recover(self) -> int:
        """Adopt every running quiz of this process's guilds that nobody drives.

        Called at start and by the watchdog. Each run becomes its own supervised
        unit, so one bad row can never stop the others, or start-up. Returns how
        many runs were taken up.
        """
        adopted = 0
        try:
            orphans = await self._retry(self.leases.orphans, QuizRun)
        except Exception:
            log.exception("could not look for quizzes to take up; the watchdog retries")
            return 0
        for run_id, guild_id in orphans:
            if run_id in self.tasks or not self.owns_guild(guild_id):
                continue
            try:
                state = await self._retry(self.service.run_state, run_id)
            except Exception:
                log.exception("quiz run %s: could not be read for recovery", run_id)
                continue
            if state is None or state[0].mode != "live":
                continue  # questions of the day are closed by their own service
            self.launch(*state)
            adopted += 1
        return adopted

    def start_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.create_task(self._watch_forever(), name="quiz-watchdog")

    async def _watch_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await self.heartbeat()
            except Exception:
                log.exception("quiz heartbeat failed; retrying in %s s", self.heartbeat_seconds)

    async def heartbeat(self) -> None:
        """Renew the leases held here, stop driving lost ones, adopt orphans."""
        driven = set(self.tasks)
        held = await self.leases.renew(QuizRun, driven)
        for run_id in driven - held:
            task = self.tasks.get(run_id)
            if task is not None and run_id not in self._stop_requested:
                log.warning("quiz run %s: lease lost to another process; no longer driving", run_id)
                task.cancel()
        adopted = await self.recover()
        if adopted:
            log.info("watchdog: took up %d quiz run(s) that nobody drove", adopted)

    async def shutdown(self, flush: Callable[[], Awaitable[None]] | None = None) -> None:
        """Stop driving and hand the runs over: `flush` (the pending answers) is written
        first, then the leases are released, so the next start (or another process)
        resumes them at once, with every confirmed answer, instead of after expiry."""
        self._closing = True
        tasks = dict(self.tasks)
        for task in [self._watchdog, *tasks.values()]:
            if task is not None:
                task.cancel()
        for task in [self._watchdog, *tasks.values()]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if flush is not None:
            await flush()
        with contextlib.suppress(Exception):
            await self.leases.release(QuizRun, tasks)
