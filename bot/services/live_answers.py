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
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.core.matching import matches
from bot.core.scoring import points_for
from bot.services.quiz import AnswerOutcome, AnswerStatus, RoundInfo
from db.models import QuizAnswer, QuizParticipant, QuizRun
from db.upsert import insert_ignore

log = logging.getLogger(__name__)


@dataclass
class _Answer:
    user_id: int
    shown: int | None
    text: str | None
    row: dict[str, object]
    done: asyncio.Future[bool]


@dataclass
class LiveRound:
    info: RoundInfo
    guild_id: int
    seconds: int
    order: list[int]
    joined: set[int]
    answers: dict[int, _Answer] = field(default_factory=dict)
    closed: bool = False

    def everyone_in(self) -> bool:
        # Round 1 always runs its full time: until then nobody has joined.
        return self.info.number > 1 and self.joined <= self.answers.keys()


class LiveAnswers:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock
        self.rounds: dict[int, LiveRound] = {}
        self._queue: list[_Answer] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # write transactions so far: grouping shows here

    def run_of(self, round_id: int) -> int | None:
        live = self.rounds.get(round_id)
        return live.info.run_id if live else None

    async def open(self, info: RoundInfo) -> None:
        """Hold a round in memory; rounds of runs that allow a changed answer stay in the DB."""
        async with self.sessions() as session:
            run = await session.get(QuizRun, info.run_id)
            if run is None or run.allow_answer_change:
                return
            joined = set(
                (
                    await session.execute(
                        select(QuizParticipant.user_id).where(QuizParticipant.run_id == run.id)
                    )
                ).scalars()
            )
            taken = set(
                (
                    await session.execute(
                        select(QuizAnswer.user_id).where(QuizAnswer.round_id == info.round_id)
                    )
                ).scalars()
            )
        if taken:  # resumed after a restart with answers already in: the DB path knows them
            return
        choices = info.question.choices
        order = [choices.index(text) for text in info.shown_choices]
        self.rounds[info.round_id] = LiveRound(
            info, run.guild_id, run.seconds_per_question, order, joined
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="live-answers")

    def retime(self, info: RoundInfo) -> None:
        """The round's answering time started once its question was visible."""
        live = self.rounds.get(info.round_id)
        if live is not None:
            live.info = info

    async def answer(
        self,
        round_id: int,
        user_id: int,
        *,
        choice: int | None,
        text: str | None,
        interaction_id: int | None = None,
    ) -> AnswerOutcome | None:
        """Judge and record a click; None when the round is not held here."""
        live = self.rounds.get(round_id)
        if live is None:
            return None
        info = live.info
        now = self.clock()
        if live.closed or now > info.deadline_at:
            return AnswerOutcome(AnswerStatus.LATE, deadline_at=info.deadline_at)
        previous = live.answers.get(user_id)
        if previous is not None:
            await asyncio.shield(previous.done)
            return AnswerOutcome(AnswerStatus.DUPLICATE, previous.shown, previous.text)
        question = info.question
        if choice is not None:
            if not 0 <= choice < len(live.order):
                return AnswerOutcome(AnswerStatus.UNKNOWN)
            original: int | None = live.order[choice]
            correct = original == question.correct_index
            given = None
        else:
            original, given = None, (text or "").strip()[:200]
            correct = matches(given, question.accepted_answers)
        elapsed_ms = max(0, int((now - info.started_at).total_seconds() * 1000))
        row = {
            "round_id": round_id,
            "guild_id": live.guild_id,
            "user_id": user_id,
            "question_id": question.id,
            "choice_index": original,
            "text_answer": given,
            "correct": correct,
            "elapsed_ms": elapsed_ms,
            "points": points_for(correct, elapsed_ms / 1000, live.seconds),
            "changes": 0,
            "interaction_id": interaction_id,
            "answered_at": now,
        }
        pending = _Answer(user_id, choice, given, row, asyncio.get_running_loop().create_future())
        live.answers[user_id] = pending
        self._queue.append(pending)
        self._wake.set()
        try:
            await asyncio.shield(pending.done)
        except Exception:
            live.answers.pop(user_id, None)
            raise
        return AnswerOutcome(
            AnswerStatus.ACCEPTED, choice, given, live.everyone_in(), info.deadline_at
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
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue, []
                await self._write(batch)

    async def _write(self, batch: list[_Answer]) -> None:
        participants = {
            (a.row["round_id"], a.user_id): {
                "run_id": self.rounds[a.row["round_id"]].info.run_id,  # type: ignore[index]
                "user_id": a.user_id,
                "points": 0,
                "correct": 0,
                "answered": 0,
                "total_time_ms": 0,
                "streak": 0,
                "best_streak": 0,
            }
            for a in batch
            if a.row["round_id"] in self.rounds
        }
        try:
            self.transactions += 1
            async with self.sessions.begin() as session:
                await insert_ignore(session, QuizAnswer, [a.row for a in batch])
                if participants:
                    await insert_ignore(session, QuizParticipant, list(participants.values()))
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
        if self._queue:
            batch, self._queue = self._queue, []
            await self._write(batch)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
