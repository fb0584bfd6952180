"""Live quizzes: starting a run, rounds, answers, reveals, results.

Every method is one short transaction and returns plain values; the task
that paces a run lives in `quiz_runner`, the messages in the adapter. The
database is the truth, so any process can pick a run up after a restart.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.core.quiz.judge import judge
from bot.core.quiz.scoring import PlayerResult, RankedResult, rank
from bot.i18n import _
from bot.services.bank.questions import (
    KIND_GROUPS,
    QuestionView,
    count_matching,
    draw_question_row,
    question_from_snapshot,
    question_view,
)
from bot.services.guilds import ensure_guild
from bot.services.quiz import round_statements as statements
from bot.services.quiz.round_scoring import count_quiz, score_round
from bot.services.quotas import check_quiz_start
from bot.services.revisions import current_revision
from db.engine import bound_engine
from db.models import (
    Question,
    QuestionRevision,
    QuizAnswer,
    QuizParticipant,
    QuizRound,
    QuizRun,
)
from db.one_trip import EngineTx, Tx, run_transaction, run_transactions
from db.upsert import insert_ignore

# One letter per answer button: up to four choices, five for a claim check's verdicts.
LETTERS = "ABCDE"
MIN_QUESTIONS, MAX_QUESTIONS = 1, 50
MIN_SECONDS, MAX_SECONDS = 5, 120
# How long a round may wait for its question to be posted before it times out anyway.
NOT_YET_SHOWN = timedelta(minutes=10)


class QuizError(Exception):
    """A refusal a member should read (the message is shown as is)."""


class QuizAlreadyRunning(QuizError):
    pass


class NoQuestions(QuizError):
    pass


class AnswerStatus(StrEnum):
    ACCEPTED = "accepted"
    CHANGED = "changed"
    DUPLICATE = "duplicate"
    LATE = "late"
    ENDED = "ended"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class QuizOptions:
    questions: int = 10
    tags: tuple[str, ...] = ()
    difficulty: int | None = None
    kind: str = "mixed"
    seconds: int = 20

    def validate(self) -> QuizOptions:
        if not MIN_QUESTIONS <= self.questions <= MAX_QUESTIONS:
            raise QuizError(
                _("Number of questions must be {min}-{max}.").format(
                    min=MIN_QUESTIONS, max=MAX_QUESTIONS
                )
            )
        if not MIN_SECONDS <= self.seconds <= MAX_SECONDS:
            raise QuizError(
                _("Seconds per question must be {min}-{max}.").format(
                    min=MIN_SECONDS, max=MAX_SECONDS
                )
            )
        if self.difficulty is not None and self.difficulty not in (1, 2, 3):
            raise QuizError(_("Difficulty must be 1 (easy), 2 (medium) or 3 (hard)."))
        if self.kind not in KIND_GROUPS:
            raise QuizError(_("Kind must be one of: {kinds}.").format(kinds=", ".join(KIND_GROUPS)))
        return self

    def as_dict(self) -> dict[str, object]:
        return {
            "tags": list(self.tags),
            "difficulty": self.difficulty,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    guild_id: int
    channel_id: int
    started_by: int | None
    question_count: int
    seconds: int
    status: str
    mode: str = "live"
    thread_id: int | None = None  # the thread the quiz is played in, if any
    # What the runner needs to draw and score a round without reading the run again.
    streak_bonus: bool = True
    allow_answer_change: bool = False
    tags: tuple[str, ...] = ()
    difficulty: int | None = None
    kind: str = "mixed"


@dataclass(frozen=True)
class RoundInfo:
    round_id: int
    run_id: int
    number: int
    total: int
    question: QuestionView
    # Choice texts in the order shown (index = button position).
    shown_choices: list[str]
    started_at: datetime
    deadline_at: datetime
    message_id: int | None = None
    closed: bool = False
    seconds: int = 0  # the answering time, once it starts
    # Indexes into `question.choices` in the order shown (shown_choices' source).
    choice_order: tuple[int, ...] = ()


@dataclass(frozen=True)
class AnswerOutcome:
    status: AnswerStatus
    shown_choice: int | None = None
    text: str | None = None
    all_answered: bool = False
    deadline_at: datetime | None = None


@dataclass(frozen=True)
class Reveal:
    round: RoundInfo
    correct_shown: int | None
    distribution: list[int]
    answered: int
    right: list[int]  # user ids, fastest first
    fastest: tuple[int, int] | None  # (user id, elapsed ms)
    wrong_texts: list[str] = field(default_factory=list)
    # Everyone who answered this round (the runner's list of who joined grows by it).
    answered_by: frozenset[int] = frozenset()
    # Places after this round, read in the close's own transaction when the caller
    # asked (`close_round(..., with_standings=True)`); None otherwise.
    standings: Standings | None = None


@dataclass(frozen=True)
class Drawn:
    """A question drawn for a run's next round, ahead of opening it (see `draw_next`).

    `content_hash` is the question's when drawn: the round opens with this
    revision only if the question is still drawable with that content.
    """

    question: QuestionView
    revision_id: int
    content_hash: str
    order: tuple[int, ...]  # the choices' order to show
    excluded: tuple[int, ...]  # the run's questions so far (not drawn again)


class LeaseLost(Exception):
    """Another process drives this run now: this one stops driving it, quietly."""


@dataclass(frozen=True)
class Results:
    run: RunInfo
    ranking: list[RankedResult]
    rounds_played: int
    # True only for the call that ended the run: results are posted once.
    ended_now: bool = True


@dataclass(frozen=True)
class Standing:
    """One member's place after a round, and what the round changed for them."""

    user_id: int
    place: int
    previous_place: int | None  # None: joined in this round
    points: int
    gained: int  # points of this round, streak bonus included
    answered: bool  # answered this round
    correct: bool
    streak: int


@dataclass(frozen=True)
class Standings:
    """Everyone's place after a round: the top for the screen, all for "My result"."""

    round_id: int
    everyone: list[Standing]

    TOP = 5

    @property
    def top(self) -> list[Standing]:
        return self.everyone[: self.TOP]

    def of(self, user_id: int) -> Standing | None:
        return next((s for s in self.everyone if s.user_id == user_id), None)


def score_periods(when: datetime) -> list[str]:
    """Leaderboard buckets an answer counts toward: all time, its ISO week, its month."""
    year, week, _day = when.isocalendar()
    return ["all", f"w{year}-{week:02d}", f"m{when.year}-{when.month:02d}"]


def period_key(period: str, now: datetime) -> str:
    keys = dict(zip(("all", "week", "month"), score_periods(now), strict=True))
    if period not in keys:
        raise QuizError(_("Period must be week, month or all."))
    return keys[period]


def _run_info(run: QuizRun) -> RunInfo:
    return RunInfo(
        run_id=run.id,
        guild_id=run.guild_id,
        channel_id=run.channel_id,
        started_by=run.started_by,
        question_count=run.question_count,
        seconds=run.seconds_per_question,
        status=run.status,
        mode=run.mode,
        thread_id=run.thread_id,
        streak_bonus=run.streak_bonus,
        allow_answer_change=run.allow_answer_change,
        tags=tuple((run.options or {}).get("tags") or ()),
        difficulty=(run.options or {}).get("difficulty"),
        kind=(run.options or {}).get("kind") or "mixed",
    )


def _round_info(rnd: QuizRound, run: QuizRun, question: QuestionView) -> RoundInfo:
    return RoundInfo(
        round_id=rnd.id,
        run_id=run.id,
        number=rnd.number,
        total=run.question_count,
        question=question,
        shown_choices=[question.choices[i] for i in rnd.choice_order],
        started_at=rnd.started_at,
        deadline_at=rnd.deadline_at,
        message_id=rnd.message_id,
        closed=rnd.closed_at is not None,
        seconds=run.seconds_per_question,
        choice_order=tuple(rnd.choice_order),
    )


class QuizService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.engine = bound_engine(sessions)  # the turnover's Core-only transactions
        self.clock = clock
        self.rng = rng or random.Random()

    # -- starting -------------------------------------------------------------

    async def start(
        self,
        guild_id: int,
        channel_id: int,
        started_by: int | None,
        options: QuizOptions,
        *,
        mode: str = "live",
        schedule_id: int | None = None,
        as_member: bool = False,
    ) -> RunInfo:
        """Open a run. ``as_member``: a member's /quiz start, so their quotas apply."""
        options.validate()
        kinds = KIND_GROUPS[options.kind]
        try:
            async with self.sessions.begin() as session:
                guild = await ensure_guild(session, guild_id)
                running = await session.scalar(
                    select(QuizRun.id).where(
                        QuizRun.channel_id == channel_id,
                        QuizRun.mode == mode,
                        QuizRun.status == "running",
                    )
                )
                if running is not None:
                    raise QuizAlreadyRunning(
                        _(
                            "A quiz is already running in this channel. Join in, or wait for it "
                            "to end (its starter or a moderator can end it with /quiz stop)."
                        )
                    )
                if as_member and started_by is not None:
                    await check_quiz_start(session, guild_id, started_by, self.clock())
                available = await count_matching(
                    session,
                    guild_id,
                    tags=options.tags,
                    difficulty=options.difficulty,
                    kinds=kinds,
                )
                if available == 0:
                    raise NoQuestions(
                        _(
                            "No questions match those options. Try other topics, another "
                            "difficulty, or kind 'mixed'."
                        )
                    )
                run = QuizRun(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    started_by=started_by,
                    schedule_id=schedule_id,
                    mode=mode,
                    status="running",
                    question_count=min(options.questions, available),
                    seconds_per_question=options.seconds,
                    options=options.as_dict(),
                    streak_bonus=guild.streak_bonus,
                    allow_answer_change=guild.allow_answer_change,
                    current_round=0,
                    created_at=self.clock(),  # the clock the cooldowns are measured on
                )
                session.add(run)
                await session.flush()
                return _run_info(run)
        except IntegrityError:
            # Another process started one in the same instant: the index said no.
            raise QuizAlreadyRunning(_("A quiz is already running in this channel.")) from None

    async def set_thread(self, run_id: int, thread_id: int) -> RunInfo | None:
        """The quiz is played in this thread (its channel keeps one line)."""
        async with self.sessions.begin() as session:
            run = await session.get(QuizRun, run_id)
            if run is None:
                return None
            run.thread_id = thread_id
            await session.flush()
            return _run_info(run)

    async def get_run(self, run_id: int) -> RunInfo | None:
        async with self.sessions() as session:
            run = await session.get(QuizRun, run_id)
            return _run_info(run) if run else None

    async def running_in_channel(self, channel_id: int, mode: str = "live") -> RunInfo | None:
        async with self.sessions() as session:
            run = await session.scalar(
                select(QuizRun).where(
                    QuizRun.channel_id == channel_id,
                    QuizRun.mode == mode,
                    QuizRun.status == "running",
                )
            )
            return _run_info(run) if run else None

    # -- rounds ---------------------------------------------------------------

    async def open_next_round(self, run_id: int, *, posted_later: bool = False) -> RoundInfo | None:
        """Draw the next question and open its round; None when the run is over.

        With `posted_later` the deadline is provisional until `start_answering`
        (the runner's way: the time starts once the question is visible). The
        runner itself uses `draw_next` and `open_round`, which need fewer statements.
        """
        async with self.sessions.begin() as session:
            run = await session.get(QuizRun, run_id, with_for_update=True)
            if run is None or run.status != "running":
                return None
            number = run.current_round + 1
            if number > run.question_count:
                return None
            info = _run_info(run)
            drawn = await self._draw(session, info, None)
            if drawn is None:
                return None
            run.current_round = number
            return await self._insert_round(
                await session.connection(), info, number, drawn, posted_later
            )

    async def draw_next(self, run: RunInfo, exclude: Sequence[int] | None) -> Drawn | None:
        """Draw a run's next question ahead of its round (while the current one is open),
        so opening the round does not wait on the draw. `exclude`: the run's questions
        so far, or None to read them (a run taken up after a restart)."""
        point = self.rng.random()
        draw = functools.partial(_next_question, run, exclude, point)
        found = await run_transaction(self.engine, draw)
        return self._drawn(found)

    async def _draw(
        self, session: AsyncSession, run: RunInfo, exclude: Sequence[int] | None
    ) -> Drawn | None:
        """`draw_next` in the session's transaction (the opens that read the run first)."""
        point = self.rng.random()
        conn = await session.connection()
        return self._drawn(
            await conn.run_sync(lambda sync: _next_question(run, exclude, point, EngineTx(sync)))
        )

    def _drawn(self, found: tuple[Any, int, tuple[int, ...]] | None) -> Drawn | None:
        """The drawn question with its choices in a random order."""
        if found is None:
            return None
        row, revision_id, excluded = found
        question = question_view(row)
        order = list(range(len(question.choices)))
        if question.kind in ("multiple_choice", "which_first"):
            self.rng.shuffle(order)
        return Drawn(question, revision_id, row.content_hash, tuple(order), excluded)

    async def open_round(
        self,
        run: RunInfo,
        number: int,
        drawn: Drawn | None,
        *,
        lease: tuple[str, datetime] | None = None,
    ) -> RoundInfo | None:
        """Open round `number` of a run the caller drives; None when the run is over.

        The runner's way: it holds the run and drew the question ahead, so this is
        one guarded UPDATE of the run and one INSERT of the round. The UPDATE holds
        only while the run is running, at round `number - 1`, driven by `lease`'s
        owner (whose lease it extends to the given time), and the question drawn is
        still active, visible to the server and unedited. Otherwise the run is read
        and the question drawn again here: a question a moderator edited, disabled
        or hid after it was drawn is never shown. Raises `LeaseLost` when another
        process holds the run. The deadline is provisional until `start_answering`.
        """
        now = self.clock()
        renew = {"lease_expires_at": lease[1]} if lease is not None else {}
        if drawn is not None:  # one transaction body (`db.one_trip`), no ORM session
            guard = statements.open_round(
                run_id=run.run_id,
                number=number,
                question_id=drawn.question.id,
                content_hash=drawn.content_hash,
                guild_id=run.guild_id,
                lease=lease,
            )
            insert, deadline = _round_insert(run, number, drawn, True, now)
            round_id = await run_transaction(
                self.engine, functools.partial(_insert_if_guarded, guard=guard, insert=insert)
            )
            if round_id is not None:
                return _opened(run, number, drawn, round_id, now, deadline)
        # The guard did not hold (it wrote nothing): read the run and draw again.
        async with self.sessions.begin() as session:
            conn = await session.connection()
            state = (
                await conn.execute(
                    select(QuizRun.status, QuizRun.current_round, QuizRun.lease_owner)
                    .where(QuizRun.id == run.run_id)
                    .with_for_update()
                )
            ).one_or_none()
            if state is None or state.status != "running":
                return None
            if lease is not None and state.lease_owner != lease[0]:
                raise LeaseLost(run.run_id)
            number = state.current_round + 1
            if number > run.question_count:
                return None
            drawn = await self._draw(session, run, None)
            if drawn is None:
                return None
            await conn.execute(
                update(QuizRun)
                .where(QuizRun.id == run.run_id)
                .values(current_round=number, **renew)
            )
            return await self._insert_round(conn, run, number, drawn, True, now)

    async def _insert_round(
        self,
        conn: AsyncConnection,
        run: RunInfo,
        number: int,
        drawn: Drawn,
        posted_later: bool,
        now: datetime | None = None,
    ) -> RoundInfo:
        now = now or self.clock()
        insert, deadline = _round_insert(run, number, drawn, posted_later, now)
        round_id = (await conn.execute(*insert)).scalar_one()
        return _opened(run, number, drawn, round_id, now, deadline)

    async def start_answering(
        self, rnd: RoundInfo, message_id: int | None = None
    ) -> RoundInfo | None:
        """Start a round's answering time now, once its question is visible.

        The round was opened with a provisional deadline; a post delayed by a
        429 or a retried 5xx must not eat the members' time. One UPDATE (a round
        turnover per quiz per question: 1,000 quizzes share one SQLite
        connection). None when the round closed meanwhile (a stop).
        """
        start, started = self._start(rnd, message_id)
        return started if await run_transaction(self.engine, start) else None

    async def start_and_draw(
        self, rnd: RoundInfo, message_id: int | None, run: RunInfo, exclude: Sequence[int]
    ) -> tuple[RoundInfo | None, Drawn | Exception | None]:
        """`start_answering`, then the run's next question drawn (`draw_next`) in a
        transaction of its own in the same trip: one trip fewer per round. The draw's
        failure is returned, never raised: the round has started either way."""
        start, started = self._start(rnd, message_id)
        draw = functools.partial(_next_question, run, exclude, self.rng.random())
        done, found = await run_transactions(self.engine, start, draw)
        drawn = found if isinstance(found, Exception) else self._drawn(found)
        return (started if done else None), drawn

    def _start(
        self, rnd: RoundInfo, message_id: int | None
    ) -> tuple[Callable[[Tx], int], RoundInfo]:
        """The start's transaction body (rows changed: 0 when the round closed
        meanwhile), and the round as it is once started."""
        now = self.clock()
        times = {"started_at": now, "deadline_at": now + timedelta(seconds=rnd.seconds)}
        shown = {"message_id": message_id} if message_id is not None else {}
        start = statements.start_answering(round_id=rnd.round_id, message_id=message_id, **times)
        return (lambda tx: tx.execute(*start).rowcount), replace(rnd, **times, **shown)

    async def run_state(self, run_id: int) -> tuple[RunInfo, RoundInfo | None] | None:
        """A running run with its latest round, to take it up (after a restart, or
        from a process that died); None when it is no longer running."""
        async with self.sessions() as session:
            run = await session.get(QuizRun, run_id)
            if run is None or run.status != "running":
                return None
            rnd = await session.scalar(
                select(QuizRound)
                .where(QuizRound.run_id == run.id)
                .order_by(QuizRound.number.desc())
                .limit(1)
            )
            info = (
                None if rnd is None else _round_info(rnd, run, await _shown_question(session, rnd))
            )
            return _run_info(run), info

    async def standings(self, round_id: int, run_id: int | None = None) -> Standings | None:
        """Places after a closed round and the places before it: one read of everyone's
        totals with their answer of this round (a second for the run when the caller
        does not give `run_id`)."""
        async with self.sessions() as session:
            conn = await session.connection()
            if run_id is None:
                run_id = (
                    await conn.execute(select(QuizRound.run_id).where(QuizRound.id == round_id))
                ).scalar()
                if run_id is None:
                    return None
            rows = (await conn.execute(*statements.standings_rows(round_id, run_id))).all()
        return _standings(round_id, rows)

    async def set_round_message(self, round_id: int, message_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(QuizRound).where(QuizRound.id == round_id).values(message_id=message_id)
            )

    async def get_round(self, round_id: int) -> RoundInfo | None:
        async with self.sessions() as session:
            return await self._load_round(session, round_id)

    async def _load_round(self, session: AsyncSession, round_id: int) -> RoundInfo | None:
        rnd = await session.get(QuizRound, round_id)
        if rnd is None:
            return None
        run = await session.get(QuizRun, rnd.run_id)
        assert run is not None
        return _round_info(rnd, run, await _shown_question(session, rnd))

    # -- answers --------------------------------------------------------------

    async def answerable(self, round_id: int) -> AnswerStatus:
        """Whether a round still takes answers (ACCEPTED), before showing an answer form."""
        now = self.clock()
        async with self.sessions() as session:
            rnd = await session.get(QuizRound, round_id)
            run = await session.get(QuizRun, rnd.run_id) if rnd else None
            if rnd is None or run is None:
                return AnswerStatus.UNKNOWN
            if run.status != "running":
                return AnswerStatus.ENDED
            if rnd.closed_at is not None or now > rnd.deadline_at:
                return AnswerStatus.LATE
            return AnswerStatus.ACCEPTED

    async def answer(
        self,
        round_id: int,
        user_id: int,
        *,
        choice: int | None = None,
        text: str | None = None,
        interaction_id: int | None = None,
        guild_id: int | None = None,
    ) -> AnswerOutcome:
        """Record one member's answer; a re-delivered or second click changes nothing.

        `guild_id` is the server the click came from: a round of another server is
        not answered from there (a forged custom id), it is UNKNOWN.

        The hot path of a live quiz (one call per click), so it is kept to four
        statements: one read of round, run and question together; the insert
        (the unique (round, user) key decides whether this is a first answer);
        the participant; from round 2 on, one count of who joined and who
        answered (after the commit on PostgreSQL, see below).
        """
        now = self.clock()
        async with self.sessions.begin() as session:
            found = (
                await session.execute(
                    select(
                        QuizRound.run_id,
                        QuizRound.number,
                        QuizRound.question_id,
                        QuizRound.choice_order,
                        QuizRound.started_at,
                        QuizRound.deadline_at,
                        QuizRound.closed_at,
                        QuizRun.guild_id,
                        QuizRun.status,
                        QuizRun.seconds_per_question,
                        QuizRun.allow_answer_change,
                        QuestionRevision.data,
                    )
                    .join(QuizRun, QuizRun.id == QuizRound.run_id)
                    .join(QuestionRevision, QuestionRevision.id == QuizRound.revision_id)
                    .where(QuizRound.id == round_id)
                )
            ).first()
            if found is None or (guild_id is not None and found.guild_id != guild_id):
                return AnswerOutcome(AnswerStatus.UNKNOWN)
            if found.status != "running":
                return AnswerOutcome(AnswerStatus.ENDED)
            if found.closed_at is not None or now > found.deadline_at:
                return AnswerOutcome(AnswerStatus.LATE, deadline_at=found.deadline_at)
            order = list(found.choice_order or [])
            # Not a round this process drives, so no monotonic start is known here: the
            # wall-clock time since the start, clamped to [0, limit] by the judge.
            verdict = judge(
                order=order,
                correct_index=found.data.get("correct_index"),
                accepted_answers=list(found.data.get("accepted_answers") or []),
                limit_seconds=found.seconds_per_question,
                elapsed_seconds=(now - found.started_at).total_seconds(),
                choice=choice,
                text=text,
            )
            if verdict is None:
                return AnswerOutcome(AnswerStatus.UNKNOWN)
            original, given_text, correct = verdict.choice_index, verdict.text, verdict.correct
            elapsed_ms, points = verdict.elapsed_ms, verdict.points

            inserted = await insert_ignore(
                session,
                QuizAnswer,
                {
                    "round_id": round_id,
                    "guild_id": found.guild_id,
                    "user_id": user_id,
                    "question_id": found.question_id,
                    "choice_index": original,
                    "text_answer": given_text,
                    "correct": correct,
                    "elapsed_ms": elapsed_ms,
                    "points": points,
                    "changes": 0,
                    "interaction_id": interaction_id,
                    "answered_at": now,
                },
            )
            if not inserted:
                # Answered before (a second click, or a re-delivered interaction).
                existing = await session.scalar(
                    select(QuizAnswer).where(
                        QuizAnswer.round_id == round_id, QuizAnswer.user_id == user_id
                    )
                )
                if existing is None:
                    return AnswerOutcome(AnswerStatus.DUPLICATE, choice, given_text)
                shown = _shown_index(order, existing.choice_index)
                if (
                    found.allow_answer_change
                    and existing.changes == 0
                    and (existing.choice_index, existing.text_answer) != (original, given_text)
                ):
                    existing.choice_index = original
                    existing.text_answer = given_text
                    existing.correct = correct
                    existing.elapsed_ms = elapsed_ms
                    existing.points = points
                    existing.changes = 1
                    existing.answered_at = now
                    return AnswerOutcome(AnswerStatus.CHANGED, choice, given_text)
                return AnswerOutcome(AnswerStatus.DUPLICATE, shown, existing.text_answer)
            await insert_ignore(
                session,
                QuizParticipant,
                {
                    "run_id": found.run_id,
                    "user_id": user_id,
                    "points": 0,
                    "correct": 0,
                    "answered": 0,
                    "total_time_ms": 0,
                    "streak": 0,
                    "best_streak": 0,
                },
            )
            # Round 1 always runs its full time: until then nobody has joined.
            counted = found.number > 1
            # SQLite serializes writers: inside this write transaction the count is
            # exact. PostgreSQL (READ COMMITTED) is not: two last answers committing
            # at once would each miss the other and the round would run its full
            # time, so there the count is read after the commit (below).
            serialized = session.bind is not None and session.bind.dialect.name == "sqlite"
            all_answered = False
            if counted and serialized:
                all_answered = await _everyone_in(session, found.run_id, round_id, None)
        if counted and not serialized:
            async with self.sessions() as session:
                all_answered = await _everyone_in(session, found.run_id, round_id, user_id)
        return AnswerOutcome(
            AnswerStatus.ACCEPTED, choice, given_text, all_answered, found.deadline_at
        )

    # -- closing --------------------------------------------------------------

    async def close_round(
        self,
        round_id: int,
        *,
        run: RunInfo | None = None,
        rnd: RoundInfo | None = None,
        with_standings: bool = False,
    ) -> Reveal | None:
        """Close a round once (idempotent), score it, and describe the reveal.

        The runner passes the run and the round it holds (`run`, `rnd`): then
        neither is read again, and the reveal describes `rnd` as it was shown.
        `with_standings`: the reveal also carries the places after the round, read
        in the same transaction (a live quiz's reveal shows them) rather than in one
        of their own afterwards.
        """
        now = self.clock()
        if run is not None and rnd is not None:
            # The runner's way: everything it needs is held, so the close is one
            # transaction body (on SQLite one trip to its thread, `db.one_trip`).
            answers, players = await run_transaction(
                self.engine,
                functools.partial(
                    _close,
                    round_id=round_id,
                    run_id=run.run_id,
                    guild_id=run.guild_id,
                    streak_bonus_on=run.streak_bonus,
                    number=rnd.number,
                    now=now,
                    with_standings=with_standings,
                ),
            )
            info, order = replace(rnd, closed=True), rnd.choice_order
        else:
            async with self.sessions.begin() as session:
                row = await session.get(QuizRound, round_id)
                if row is None:
                    return None
                found = await session.get(QuizRun, row.run_id)
                assert found is not None
                close = functools.partial(
                    _close,
                    round_id=round_id,
                    run_id=found.id,
                    guild_id=found.guild_id,
                    streak_bonus_on=found.streak_bonus,
                    number=row.number,
                    now=now,
                    with_standings=with_standings,
                )
                conn = await session.connection()
                answers, players = await conn.run_sync(lambda sync: close(EngineTx(sync)))
                await session.refresh(row)
                info = _round_info(row, found, await _shown_question(session, row))
                order = row.choice_order
        standings = _standings(round_id, players) if players is not None else None
        return replace(_reveal(info, order, answers), standings=standings)

    async def finish(
        self, run_id: int, *, stopped: bool = False, all_closed: bool = False
    ) -> Results | None:
        """End a run (closing its open round) and return the final ranking; idempotent.

        `all_closed`: the caller (the runner) closed every round it opened, so there
        is no open round to look for.
        """
        if not all_closed:
            async with self.sessions() as session:
                open_round = await session.scalar(
                    select(QuizRound.id).where(
                        QuizRound.run_id == run_id, QuizRound.closed_at.is_(None)
                    )
                )
            if open_round is not None:
                await self.close_round(open_round)
        now = self.clock()
        async with self.sessions.begin() as session:
            # The run as it ends, returned by the UPDATE that ends it (no read before).
            ended = (
                await session.execute(
                    update(QuizRun)
                    .where(QuizRun.id == run_id, QuizRun.status == "running")
                    .values(status="stopped" if stopped else "finished", finished_at=now)
                    .returning(QuizRun)
                    .execution_options(synchronize_session=False)
                )
            ).scalar_one_or_none()
            run = ended or await session.get(QuizRun, run_id)
            if run is None:
                return None
            players = [
                PlayerResult(*row)
                for row in (
                    await session.execute(
                        select(
                            QuizParticipant.user_id,
                            QuizParticipant.points,
                            QuizParticipant.correct,
                            QuizParticipant.answered,
                            QuizParticipant.total_time_ms,
                            QuizParticipant.best_streak,
                        ).where(QuizParticipant.run_id == run_id)
                    )
                )
            ]
            if ended is not None and players:
                await count_quiz(
                    session, run_id=run_id, guild_id=run.guild_id, periods=score_periods(now)
                )
            # Every round opened counted itself in current_round, in its own transaction.
            return Results(_run_info(run), rank(players), run.current_round, ended is not None)


def _round_insert(
    run: RunInfo, number: int, drawn: Drawn, posted_later: bool, now: datetime
) -> tuple[statements.Bound, datetime]:
    """A new round's INSERT (it returns the round's id) and the round's deadline."""
    # Provisional when posted later: a click is never "too late" however long
    # Discord held the post back.
    deadline = (
        now + timedelta(seconds=run.seconds) + (NOT_YET_SHOWN if posted_later else timedelta(0))
    )
    insert = statements.insert_round(
        run_id=run.run_id,
        number=number,
        question_id=drawn.question.id,
        revision_id=drawn.revision_id,
        choice_order=list(drawn.order),
        started_at=now,
        deadline_at=deadline,
    )
    return insert, deadline


def _insert_if_guarded(tx: Tx, *, guard: statements.Bound, insert: statements.Bound) -> int | None:
    """The round's INSERT (its id), if the guard's UPDATE changed the run."""
    return tx.execute(*insert).scalar() if tx.execute(*guard).rowcount else None


def _opened(
    run: RunInfo, number: int, drawn: Drawn, round_id: int, now: datetime, deadline: datetime
) -> RoundInfo:
    choices = drawn.question.choices
    return RoundInfo(
        round_id=round_id,
        run_id=run.run_id,
        number=number,
        total=run.question_count,
        question=drawn.question,
        shown_choices=[choices[i] for i in drawn.order],
        started_at=now,
        deadline_at=deadline,
        seconds=run.seconds,
        choice_order=drawn.order,
    )


def _next_question(
    run: RunInfo, exclude: Sequence[int] | None, point: float, tx: Tx
) -> tuple[Any, int, tuple[int, ...]] | None:
    """A run's next question as one transaction body: its row, the id of the revision
    holding its content (stored if new), and the questions left out. `exclude`: the
    run's questions so far, or None to read them (a run taken up after a restart)."""
    if exclude is None:
        exclude = [r.question_id for r in tx.execute(*statements.run_questions(run.run_id)).rows]
    row = draw_question_row(
        tx,
        run.guild_id,
        tags=run.tags,
        difficulty=run.difficulty,
        kinds=KIND_GROUPS[run.kind],
        exclude=exclude,
        point=point,
    )
    if row is None:
        return None
    return row, current_revision(tx, row), tuple(exclude)


def _close(
    tx: Tx,
    *,
    round_id: int,
    run_id: int,
    guild_id: int,
    streak_bonus_on: bool,
    number: int,
    now: datetime,
    with_standings: bool,
) -> tuple[list[_AnswerRow], list[Any] | None]:
    """A round's close as one transaction body: claimed once, scored by the claim's
    winner, and its answers (and standings) read back for the reveal."""
    if tx.execute(*statements.claim_close(round_id=round_id, closed_at=now)).rowcount:
        score_round(
            tx,
            run_id=run_id,
            guild_id=guild_id,
            round_id=round_id,
            round_number=number,
            streak_bonus_on=streak_bonus_on,
            periods=score_periods(now),
        )
    # Plain rows, not ORM objects: a big server's round has thousands of answers.
    answers = [_AnswerRow(*a) for a in tx.execute(*statements.round_answers(round_id)).rows]
    # Read here, ranked after the commit: the ranking is Python work that should not
    # hold SQLite's write lock (a 10,000-member round's takes milliseconds).
    players = None
    if with_standings:
        players = tx.execute(*statements.standings_rows(round_id, run_id)).rows
    return answers, players


def _player_result(p: QuizParticipant | Row[Any]) -> PlayerResult:
    return PlayerResult(
        user_id=p.user_id,
        points=p.points,
        correct=p.correct,
        answered=p.answered,
        total_time_ms=p.total_time_ms,
        best_streak=p.best_streak,
    )


async def _everyone_in(
    session: AsyncSession, run_id: int, round_id: int, last_user: int | None
) -> bool:
    """Has everyone who joined the run answered this round? With `last_user`, only
    if that member holds the round's latest answer too: of several callers that see
    everyone in after their commits, just one asks for the early close."""
    joined = select(func.count()).where(QuizParticipant.run_id == run_id).scalar_subquery()
    answered = select(func.count()).where(QuizAnswer.round_id == round_id).scalar_subquery()
    last = (
        select(QuizAnswer.user_id)
        .where(QuizAnswer.round_id == round_id)
        .order_by(QuizAnswer.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    counts = (await session.execute(select(joined, answered, last))).one()
    return counts[1] >= counts[0] and (last_user is None or counts[2] == last_user)


class _RoundAnswer(NamedTuple):
    """One member's answer of a round, as the standings need it."""

    user_id: int
    correct: bool
    points: int
    elapsed_ms: int


class _AnswerRow(NamedTuple):
    """One answer of a round, as the reveal and the scoring need it."""

    id: int
    user_id: int
    choice_index: int | None
    text_answer: str | None
    correct: bool
    elapsed_ms: int
    points: int


async def _shown_question(session: AsyncSession, rnd: QuizRound) -> QuestionView:
    """The question as this round showed it (its revision), whatever was edited since."""
    found = (
        await session.execute(
            select(Question.guild_id, Question.slug, Question.status, QuestionRevision.data)
            .join(QuestionRevision, QuestionRevision.question_id == Question.id)
            .where(QuestionRevision.id == rnd.revision_id)
        )
    ).one()
    return question_from_snapshot(
        found.data,
        question_id=rnd.question_id,
        guild_id=found.guild_id,
        slug=found.slug,
        status=found.status,
    )


def _shown_index(order: Sequence[int], original: int | None) -> int | None:
    if original is None:
        return None
    return list(order).index(original) if original in order else None


def _standings(round_id: int, players: Sequence[Row[Any]]) -> Standings:
    """The places from `statements.standings_rows`, read after the round was scored, so
    they do not depend on how the scoring is done: the previous places are the ranking
    without this round's points and time."""
    answers = {
        r.user_id: _RoundAnswer(r.user_id, r.answer_correct, r.answer_points, r.answer_ms)
        for r in players
        if r.answer_id is not None
    }
    now_ranked = rank([_player_result(p) for p in players])
    before = rank(
        [
            PlayerResult(
                user_id=p.user_id,
                points=p.points - answers[p.user_id].points,
                correct=p.correct - int(answers[p.user_id].correct),
                answered=p.answered - 1,
                total_time_ms=p.total_time_ms - answers[p.user_id].elapsed_ms,
                best_streak=p.best_streak,
            )
            for p in players
            if p.user_id in answers and p.answered > 1
        ]
        + [_player_result(p) for p in players if p.user_id not in answers]
    )
    previous = {r.user_id: r.rank for r in before}
    streaks = {p.user_id: p.streak for p in players}
    everyone = []
    for r in now_ranked:
        answer = answers.get(r.user_id)
        everyone.append(
            Standing(
                user_id=r.user_id,
                place=r.rank,
                previous_place=previous.get(r.user_id),
                points=r.points,
                gained=answer.points if answer else 0,
                answered=answer is not None,
                correct=bool(answer and answer.correct),
                streak=streaks.get(r.user_id, 0),
            )
        )
    return Standings(round_id, everyone)


def _reveal(info: RoundInfo, order: Sequence[int], answers: Sequence[_AnswerRow]) -> Reveal:
    counts = Counter(_shown_index(order, a.choice_index) for a in answers)
    distribution = [counts.get(i, 0) for i in range(len(order))]
    right = [a for a in answers if a.correct]
    correct_shown = _shown_index(order, info.question.correct_index)
    return Reveal(
        round=info,
        correct_shown=correct_shown,
        distribution=distribution,
        answered=len(answers),
        right=[a.user_id for a in right],
        fastest=(right[0].user_id, right[0].elapsed_ms) if right else None,
        wrong_texts=[a.text_answer for a in answers if not a.correct and a.text_answer][:5],
        answered_by=frozenset(a.user_id for a in answers),
    )
