"""Reports of finished quizzes for moderators, as Kahoot's reports give teachers.

A report reads what the quiz recorded: each round's question as it was shown
(its revision), every answer, and each player's totals, the same totals the
results message and the leaderboard used. :func:`report_csv` turns it into a
CSV a spreadsheet opens: a heading block, then the questions, every choice with
how many picked it, and the members. Guild scoping is in every query: a
moderator can never read another server's quiz.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.quiz.scoring import PlayerResult, rank
from bot.i18n import _, format_datetime, ngettext
from db.models import Question, QuestionRevision, QuizAnswer, QuizParticipant, QuizRound, QuizRun

ENDED = ("finished", "stopped")
SHORT_DATE = "d MMM y, HH:mm"  # CLDR: "30 Nov 2026, 10:03", "30 лист. 2026 р., 10:03"
TYPED_OTHER = "(any other typed answer)"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ReportError(Exception):
    """A refusal the moderator reads as is."""


@dataclass(frozen=True)
class FinishedQuiz:
    """One line of the quiz picker: enough to recognise a quiz by."""

    run_id: int
    mode: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    rounds: int
    players: int

    @property
    def label(self) -> str:
        when = self.finished_at or self.created_at
        what = (
            _("question of the day")
            if self.mode == "qotd"
            else ngettext("{n} question", "{n} questions", self.rounds).format(n=self.rounds)
        )
        players = ngettext("{n} player", "{n} players", self.players).format(n=self.players)
        stopped = _(", stopped") if self.status == "stopped" else ""
        # The quiz number leads: the picker's value and a typed label both start "#12 ".
        day = format_datetime(when, pattern=SHORT_DATE)
        return f"#{self.run_id} · {day} UTC · {what} · {players}{stopped}"


@dataclass(frozen=True)
class ChoiceCount:
    text: str
    right: bool
    picked: int


@dataclass(frozen=True)
class QuestionReport:
    number: int
    slug: str
    kind: str
    text: str
    choices: list[ChoiceCount]
    answered: int
    right: int
    no_answer: int
    average_ms: int | None

    @property
    def right_rate(self) -> float | None:
        """Of those who answered; None when nobody did."""
        return self.right / self.answered if self.answered else None


@dataclass(frozen=True)
class MemberReport:
    rank: int
    user_id: int
    answered: int
    right: int
    points: int
    time_ms: int


@dataclass(frozen=True)
class QuizReport:
    run_id: int
    guild_id: int
    channel_id: int
    mode: str
    status: str
    started_by: int | None
    created_at: datetime
    finished_at: datetime | None
    questions: list[QuestionReport]
    members: list[MemberReport]

    @property
    def filename(self) -> str:
        return f"quiz-{self.run_id}-report.csv"


class ReportService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def recent(self, guild_id: int, typed: str = "", limit: int = 25) -> list[FinishedQuiz]:
        """This server's ended quizzes, newest first; ``typed`` filters by number or label."""
        rounds = (
            select(func.count())
            .where(QuizRound.run_id == QuizRun.id)
            .correlate(QuizRun)
            .scalar_subquery()
        )
        players = (
            select(func.count())
            .where(QuizParticipant.run_id == QuizRun.id)
            .correlate(QuizRun)
            .scalar_subquery()
        )
        query = (
            select(QuizRun, rounds, players)
            .where(QuizRun.guild_id == guild_id, QuizRun.status.in_(ENDED))
            .order_by(QuizRun.created_at.desc(), QuizRun.id.desc())
        )
        needle = typed.strip().lstrip("#").lower()
        # Without a filter one page is enough; with one, look a little further back.
        query = query.limit(limit if not needle else limit * 8)
        async with self.sessions() as session:
            found = [
                FinishedQuiz(
                    run.id,
                    run.mode,
                    run.status,
                    run.created_at,
                    run.finished_at,
                    int(n_rounds or 0),
                    int(n_players or 0),
                )
                for run, n_rounds, n_players in (await session.execute(query)).all()
            ]
        if needle.isdigit():  # a quiz number as typed so far
            found = [f for f in found if str(f.run_id).startswith(needle)]
        elif needle:
            found = [f for f in found if needle in f.label.lower()]
        return found[:limit]

    async def report(self, guild_id: int, run_id: int | None = None) -> QuizReport:
        """The report of one ended quiz of this server (default: the latest)."""
        async with self.sessions() as session:
            if run_id is None:
                run = await session.scalar(
                    select(QuizRun)
                    .where(QuizRun.guild_id == guild_id, QuizRun.status.in_(ENDED))
                    .order_by(QuizRun.created_at.desc(), QuizRun.id.desc())
                    .limit(1)
                )
                if run is None:
                    raise ReportError(_("This server has no finished quiz yet."))
            else:
                run = await session.get(QuizRun, run_id)
                if run is None or run.guild_id != guild_id:
                    raise ReportError(
                        _("There is no quiz #{number} on this server.").format(number=run_id)
                    )
                if run.status not in ENDED:
                    raise ReportError(
                        _(
                            "Quiz #{number} is still running; its report is ready when it ends."
                        ).format(number=run_id)
                    )
            rounds = (
                await session.execute(
                    select(QuizRound, Question.slug, QuestionRevision.data)
                    .join(QuestionRevision, QuestionRevision.id == QuizRound.revision_id)
                    .join(Question, Question.id == QuizRound.question_id)
                    .where(QuizRound.run_id == run.id)
                    .order_by(QuizRound.number)
                )
            ).all()
            answers = list(
                (
                    await session.execute(
                        select(QuizAnswer)
                        .join(QuizRound, QuizRound.id == QuizAnswer.round_id)
                        .where(QuizRound.run_id == run.id, QuizAnswer.guild_id == guild_id)
                    )
                ).scalars()
            )
            participants = list(
                (
                    await session.execute(
                        select(QuizParticipant).where(QuizParticipant.run_id == run.id)
                    )
                ).scalars()
            )
        by_round: dict[int, list[QuizAnswer]] = {}
        for answer in answers:
            by_round.setdefault(answer.round_id, []).append(answer)
        questions = [
            _question_report(rnd.number, slug, data, by_round.get(rnd.id, []), len(participants))
            for rnd, slug, data in rounds
        ]
        ranking = rank(
            PlayerResult(
                user_id=p.user_id,
                points=p.points,
                correct=p.correct,
                answered=p.answered,
                total_time_ms=p.total_time_ms,
                best_streak=p.best_streak,
            )
            for p in participants
        )
        members = [
            MemberReport(
                r.rank,
                r.user_id,
                r.result.answered,
                r.result.correct,
                r.points,
                r.result.total_time_ms,
            )
            for r in ranking
        ]
        return QuizReport(
            run_id=run.id,
            guild_id=run.guild_id,
            channel_id=run.channel_id,
            mode=run.mode,
            status=run.status,
            started_by=run.started_by,
            created_at=run.created_at,
            finished_at=run.finished_at,
            questions=questions,
            members=members,
        )


def _question_report(
    number: int, slug: str, data: Mapping[str, object], answers: list[QuizAnswer], players: int
) -> QuestionReport:
    kind = str(data.get("kind", ""))
    choices_text = [str(c) for c in data.get("choices") or []]  # type: ignore[attr-defined]
    right = sum(1 for a in answers if a.correct)
    if choices_text:
        picked = Counter(a.choice_index for a in answers if a.choice_index is not None)
        correct_index = data.get("correct_index")
        choices = [
            ChoiceCount(text, i == correct_index, picked[i]) for i, text in enumerate(choices_text)
        ]
    else:
        # Typed answers: counted as right or not, never echoed (they are members' raw input).
        accepted = [str(a) for a in data.get("accepted_answers") or []]  # type: ignore[attr-defined]
        choices = [
            ChoiceCount(accepted[0] if accepted else "(accepted answer)", True, right),
            ChoiceCount(TYPED_OTHER, False, len(answers) - right),
        ]
    times = [a.elapsed_ms for a in answers]
    return QuestionReport(
        number=number,
        slug=slug,
        kind=kind,
        text=str(data.get("text", "")),
        choices=choices,
        answered=len(answers),
        right=right,
        no_answer=max(0, players - len(answers)),
        average_ms=round(sum(times) / len(times)) if times else None,
    )


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula is prefixed with ' (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f}"


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"


def report_csv(report: QuizReport, names: Mapping[int, str] | None = None) -> str:
    """The report as CSV: a heading block, then Questions, Choices and Members blocks,
    each with its own header row and a blank line between them.

    Not translated on purpose: the headings, column names and cell words (yes/no, the
    kind) stay English whatever the server's language, so a spreadsheet or a script
    reads every server's report the same way (machine-readable, like the file name).
    The members' and questions' own texts are as they were written."""
    names = names or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def row(*cells: object) -> None:
        writer.writerow([_cell(c) for c in cells])

    ended = report.finished_at or report.created_at
    row("Quiz report", f"#{report.run_id}")
    row("Kind", "question of the day" if report.mode == "qotd" else "live quiz")
    row("Status", report.status)
    row("Started (UTC)", f"{report.created_at:%Y-%m-%d %H:%M}")
    row("Ended (UTC)", f"{ended:%Y-%m-%d %H:%M}")
    row("Questions", len(report.questions))
    row("Players", len(report.members))
    row()
    row("Questions")
    row(
        "number",
        "question id",
        "question",
        "kind",
        "answered",
        "right",
        "right rate",
        "no answer",
        "avg time (s)",
    )
    for q in report.questions:
        row(
            q.number,
            q.slug,
            q.text,
            q.kind,
            q.answered,
            q.right,
            _percent(q.right_rate),
            q.no_answer,
            _seconds(q.average_ms),
        )
    row()
    row("Choices")
    row("number", "choice", "right answer", "picked by", "share of answers")
    for q in report.questions:
        for c in q.choices:
            share = c.picked / q.answered if q.answered else None
            row(q.number, c.text, "yes" if c.right else "no", c.picked, _percent(share))
    row()
    row("Members")
    row("rank", "member", "member id", "answers", "right", "points", "total time (s)")
    for m in report.members:
        row(
            m.rank,
            names.get(m.user_id, ""),
            str(m.user_id),
            m.answered,
            m.right,
            m.points,
            _seconds(m.time_ms),
        )
    return out.getvalue()
