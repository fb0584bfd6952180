"""The click path of rounds this process drives: checked in memory, written in groups.

A live round's rules (deadline, choice order, right answer, who already
answered) fit in memory, so a click is judged without reading the database.
Writes are grouped: while one transaction commits, the clicks that arrive
queue for the next one (group commit), so a burst of clicks costs a few
transactions instead of one each. A member's click is confirmed only after
the transaction holding it has committed: nothing acknowledged is ever lost.

Rounds this process does not hold in memory (another process's, or one
from before a restart that is not resumed yet) fall back to
`QuizService.answer`, which does everything in the database. The unique
(round, user) key guards both paths, so a re-delivered click never counts
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, monotonic_of, utcnow
from bot.core.quiz.judge import clamp_elapsed, judge
from bot.services.quiz.quiz import AnswerOutcome, AnswerStatus, RoundInfo, RunInfo
from db.engine import bound_engine
from db.models import QuizAnswer, QuizParticipant, QuizRun
from db.one_trip import Tx, run_transaction
from db.upsert import insert_ignore_rows

log = logging.getLogger(__name__)

# How long shutdown waits for the answers being written before it gives up on them.
SHUTDOWN_WAIT = 30.0

# Seconds the writer waits after a click before it writes, so that the clicks of those
# moments share the transaction. Without it a burst (2,000 members within 2 s) took
# about 1,300 transactions of one or two answers, each costing more CPU than the answers
# in it: half of a click's CPU. A click is confirmed this much later; nothing else
# changes (it is still confirmed only once written).
GROUP_WINDOW = 0.010


@dataclass(slots=True)
class _Answer:
    user_id: int
    shown: int | None
    text: str | None
    row: dict[str, object]
    participant: dict[str, object] | None
    done: asyncio.Future[bool]


@dataclass
class LiveRound:
    info: RoundInfo
    guild_id: int
    seconds: int
    order: list[int]
    joined: set[int]
    # Monotonic seconds of the round's start and deadline in this process: an
    # answer's time is measured on them, so a wall clock step changes nothing.
    started: float
    deadline: float
    answers: dict[int, _Answer] = field(default_factory=dict)
    closed: bool = False
    # Members who joined the run and have not answered this round yet.
    waiting: set[int] = field(default_factory=set)

    def everyone_in(self) -> bool:
        # Round 1 always runs its full time: until then nobody has joined.
        return self.info.number > 1 and not self.waiting


class LiveAnswers:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        window: float = GROUP_WINDOW,
    ) -> None:
        self.sessions = sessions
        self.engine = bound_engine(sessions)  # the group commit's Core statements
        self.window = window
        self.clock = clock
        self.monotonic = monotonic_of(clock)
        self.rounds: dict[int, LiveRound] = {}
        self._queue: list[_Answer] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self.transactions = 0  # write transactions so far: grouping shows here

    def run_of(self, round_id: int) -> int | None:
        live = self.rounds.get(round_id)
        return live.info.run_id if live else None

    async def open(
        self,
        info: RoundInfo,
        *,
        run: RunInfo | None = None,
        joined: set[int] | None = None,
    ) -> set[int] | None:
        """Hold a round in memory; rounds of runs that allow a changed answer stay in the DB.

        Returns the members who joined the run before this round (None when the round
        is not held here). The runner passes a round it has just opened with the run
        and who joined (the previous round's joined and answerers): then nothing is
        read. Without them (a round taken up after a restart) three reads.
        """
        if self._stopping:
            return None  # shutting down: clicks take the database path
        if run is not None and run.allow_answer_change:
            return None
        if run is not None and joined is not None:
            guild_id, seconds = run.guild_id, run.seconds
        else:
            async with self.sessions() as session:
                found = await session.get(QuizRun, info.run_id)
                if found is None or found.allow_answer_change:
                    return None
                joined = set(
                    (
                        await session.execute(
                            select(QuizParticipant.user_id).where(
                                QuizParticipant.run_id == found.id
                            )
                        )
                    ).scalars()
                )
                taken = await session.scalar(
                    select(QuizAnswer.user_id).where(QuizAnswer.round_id == info.round_id).limit(1)
                )
            if taken is not None:  # resumed after a restart with answers in: the DB path knows them
                return None
            guild_id, seconds = found.guild_id, found.seconds_per_question
        order = list(info.choice_order) or [
            info.question.choices.index(text) for text in info.shown_choices
        ]
        started, deadline = self._monotonic_span(info, seconds)
        self.rounds[info.round_id] = LiveRound(
            info, guild_id, seconds, order, set(joined), started, deadline, waiting=set(joined)
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="live-answers")
        return joined

    def retime(self, info: RoundInfo) -> None:
        """The round's answering time started once its question was visible."""
        live = self.rounds.get(info.round_id)
        if live is not None:
            live.info = info
            live.started, live.deadline = self._monotonic_span(info, live.seconds)

    def _monotonic_span(self, info: RoundInfo, seconds: int) -> tuple[float, float]:
        """The round's start and deadline on this process's monotonic clock.

        The round started (by the wall clock) this long ago; a round opened or
        retimed just now gives about 0. Clamped, so a clock step in between is
        harmless; from here on only the monotonic clock counts.
        """
        since = clamp_elapsed((self.clock() - info.started_at).total_seconds(), seconds)
        started = self.monotonic() - since
        return started, started + (info.deadline_at - info.started_at).total_seconds()

    async def answer(
        self,
        round_id: int,
        user_id: int,
        *,
        choice: int | None,
        text: str | None,
        interaction_id: int | None = None,
        guild_id: int | None = None,
    ) -> AnswerOutcome | None:
        """Judge and record a click; None when the round is not held here.

        `guild_id` is the server the click came from: a round of another server
        is not answered from there (a forged custom id).
        """
        live = self.rounds.get(round_id)
        if live is None or self._stopping:
            return None  # the database path answers it
        info = live.info
        if guild_id is not None and guild_id != live.guild_id:
            return AnswerOutcome(AnswerStatus.UNKNOWN)
        elapsed = self.monotonic() - live.started
        if live.closed or elapsed > live.deadline - live.started:
            return AnswerOutcome(AnswerStatus.LATE, deadline_at=info.deadline_at)
        previous = live.answers.get(user_id)
        if previous is not None:
            await asyncio.shield(previous.done)
            return AnswerOutcome(AnswerStatus.DUPLICATE, previous.shown, previous.text)
        question = info.question
        verdict = judge(
            order=live.order,
            correct_index=question.correct_index,
            accepted_answers=question.accepted_answers,
            limit_seconds=live.seconds,
            elapsed_seconds=elapsed,
            choice=choice,
            text=text,
        )
        if verdict is None:
            return AnswerOutcome(AnswerStatus.UNKNOWN)
        row: dict[str, object] = {
            "round_id": round_id,
            "guild_id": live.guild_id,
            "user_id": user_id,
            "question_id": question.id,
            "choice_index": verdict.choice_index,
            "text_answer": verdict.text,
            "correct": verdict.correct,
            "elapsed_ms": verdict.elapsed_ms,
            "points": verdict.points,
            "changes": 0,
            "interaction_id": interaction_id,
            "answered_at": self.clock(),
        }
        participant = None
        if user_id not in live.joined:  # joined members' rows exist already
            participant = {
                "run_id": info.run_id,
                "user_id": user_id,
                "points": 0,
                "correct": 0,
                "answered": 0,
                "total_time_ms": 0,
                "streak": 0,
                "best_streak": 0,
            }
        pending = _Answer(
            user_id,
            choice,
            verdict.text,
            row,
            participant,
            asyncio.get_running_loop().create_future(),
        )
        live.answers[user_id] = pending
        self._queue.append(pending)
        self._wake.set()
        try:
            # Not shielded: only this click owns the future (a repeated click waits
            # on it shielded), and the writer skips a future cancelled with its click.
            await pending.done
        except Exception:
            live.answers.pop(user_id, None)
            raise
        live.waiting.discard(user_id)
        return AnswerOutcome(
            AnswerStatus.ACCEPTED, choice, verdict.text, live.everyone_in(), info.deadline_at
        )

    async def close(self, round_id: int) -> None:
        """No more answers for this round; returns once all of its answers are written."""
        live = self.rounds.get(round_id)
        if live is None:
            return
        live.closed = True
        waiting = [a.done for a in live.answers.values() if not a.done.done()]
        if waiting:
            await asyncio.gather(*waiting, return_exceptions=True)
        self.rounds.pop(round_id, None)

    async def _write_forever(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            if self.window > 0:
                # The clicks of the next moments join this transaction (`GROUP_WINDOW`).
                await asyncio.sleep(self.window)
            self._wake.clear()
            if self._queue:
                batch, self._queue = self._queue, []
                await self._write(batch)
            if self._queue:
                self._wake.set()  # more came while writing: they are the next batch

    async def _write(self, batch: list[_Answer]) -> None:
        """One transaction for the batch (on SQLite one trip to its thread)."""
        participants = [a.participant for a in batch if a.participant is not None]
        try:
            self.transactions += 1
            await run_transaction(
                self.engine, functools.partial(_write_batch, [a.row for a in batch], participants)
            )
        except asyncio.CancelledError:
            # Given up at shutdown: tell the waiting clicks (never confirmed) at once.
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(RuntimeError("the answer could not be written"))
            raise
        except Exception as error:
            log.exception("writing %d answers failed", len(batch))
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(error)
            return
        for item in batch:
            if not item.done.done():
                item.done.set_result(True)

    async def shutdown(self) -> None:
        """Stop taking clicks and write (and confirm) every answer taken so far.

        The writer finishes the batch it is writing and then what queued behind it;
        it is cancelled only if the database does not answer within `SHUTDOWN_WAIT` (those
        answers were never confirmed, so none that a member was told is lost). Clicks
        that come later take the database path.
        """
        self._stopping = True
        self._wake.set()
        writer = self._writer
        if writer is not None and not writer.done():
            try:
                await asyncio.wait_for(asyncio.shield(writer), SHUTDOWN_WAIT)
            except TimeoutError:
                log.error("answers not written %.0f s into shutdown; giving up", SHUTDOWN_WAIT)
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
        if self._queue:  # no writer ran (or it gave up): write what is left here
            batch, self._queue = self._queue, []
            await self._write(batch)


def _write_batch(
    answers: list[dict[str, object]], participants: list[dict[str, object]], tx: Tx
) -> None:
    """A group commit's body: two cached statements, each run once per row."""
    insert_ignore_rows(tx, QuizAnswer, answers)
    insert_ignore_rows(tx, QuizParticipant, participants)
