"""Members' data: what the bot keeps about a member, and erasing it.

A member's erasure covers every server the bot keeps something about them
in (they ask once, wherever they are). Their answers, quiz participations
and discussion votes stay, so a server's statistics keep their totals, but
under a pseudonymous id: a random negative
number (Discord ids are positive, so it can never be anyone's id), the same
for all of the member's rows in that server so per-player counts still add
up, and drawn at random rather than derived from the id, so nobody can
recompute it from a member list. What only describes the member (leaderboard
totals, practice progress, streaks, the arguments they wrote) is deleted;
"who did this" columns (started_by, created_by, ...) are cleared.

A server owner's erasure deletes everything the server has in the database.
Both are written to the audit log, the member's under the pseudonym.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import _, format_number, ngettext
from db.models import (
    AuditEntry,
    Base,
    DailyStreak,
    DiscussionPrompt,
    DiscussionRun,
    DiscussionVote,
    Guild,
    HiddenQuestion,
    PracticeItem,
    PromptRevision,
    Question,
    QuestionRevision,
    QuizAnswer,
    QuizParticipant,
    QuizRun,
    Schedule,
    ScoreTotal,
    Steelman,
    SteelmanRating,
    Upload,
)


def pseudonym() -> int:
    """A random id below zero: never a Discord id, never derivable from one."""
    return -(secrets.randbits(62) + 1)


@dataclass(frozen=True)
class Holding:
    """One kind of thing the bot keeps about a member in a server, in the words (and
    the language) of the member who asked."""

    what: str
    count: int
    detail: str = ""


@dataclass
class MemberData:
    holdings: list[Holding] = field(default_factory=list)
    other_servers: int = 0

    @property
    def empty(self) -> bool:
        return not any(h.count for h in self.holdings)


@dataclass(frozen=True)
class Erased:
    anonymised: int
    deleted: int
    cleared: int


def _in_guild_runs(column: Any, run_model: Any, guild_id: int) -> ColumnElement[bool]:
    return column.in_(select(run_model.id).where(run_model.guild_id == guild_id))


class PrivacyService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # -- what is stored ---------------------------------------------------------------

    async def member_data(self, guild_id: int, user_id: int) -> MemberData:
        async with self.sessions() as session:

            async def count(model: Any, *where: ColumnElement[bool]) -> int:
                return int(
                    await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
                )

            answers = await session.execute(
                select(
                    func.count(), func.min(QuizAnswer.answered_at), func.max(QuizAnswer.answered_at)
                ).where(QuizAnswer.guild_id == guild_id, QuizAnswer.user_id == user_id)
            )
            n_answers, first, last = answers.one()
            span = (
                _("from {first} to {last}").format(
                    first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}"
                )
                if n_answers
                else ""
            )
            total = await session.scalar(
                select(ScoreTotal.points).where(
                    ScoreTotal.guild_id == guild_id,
                    ScoreTotal.user_id == user_id,
                    ScoreTotal.period == "all",
                )
            )
            holdings = [
                Holding(_("quiz answers (your choice, right or not, time taken)"), n_answers, span),
                Holding(
                    _("quizzes you took part in (your points and streaks in each)"),
                    await count(
                        QuizParticipant,
                        QuizParticipant.user_id == user_id,
                        _in_guild_runs(QuizParticipant.run_id, QuizRun, guild_id),
                    ),
                ),
                Holding(
                    _("leaderboard totals (all time, per week, per month)"),
                    await count(
                        ScoreTotal, ScoreTotal.guild_id == guild_id, ScoreTotal.user_id == user_id
                    ),
                    ngettext("{n} point all time", "{n} points all time", total).format(
                        n=format_number(total)
                    )
                    if total is not None
                    else "",
                ),
                Holding(
                    _("practice progress (which questions come back when)"),
                    await count(
                        PracticeItem,
                        PracticeItem.guild_id == guild_id,
                        PracticeItem.user_id == user_id,
                    ),
                ),
                Holding(
                    _("question-of-the-day streak"),
                    await count(
                        DailyStreak,
                        DailyStreak.guild_id == guild_id,
                        DailyStreak.user_id == user_id,
                    ),
                ),
                Holding(
                    _("discussion votes (where you stood, before and after)"),
                    await count(
                        DiscussionVote,
                        DiscussionVote.user_id == user_id,
                        _in_guild_runs(DiscussionVote.run_id, DiscussionRun, guild_id),
                    ),
                ),
                Holding(
                    _("steelman arguments you wrote"),
                    await count(
                        Steelman,
                        Steelman.user_id == user_id,
                        _in_guild_runs(Steelman.run_id, DiscussionRun, guild_id),
                    ),
                ),
                Holding(
                    _("ratings you gave to steelman arguments"),
                    await count(
                        SteelmanRating,
                        SteelmanRating.user_id == user_id,
                        SteelmanRating.steelman_id.in_(
                            select(Steelman.id).where(
                                _in_guild_runs(Steelman.run_id, DiscussionRun, guild_id)
                            )
                        ),
                    ),
                ),
                Holding(
                    _("quizzes and discussions you started, schedules and questions you made"),
                    sum(
                        [
                            await count(
                                QuizRun, QuizRun.guild_id == guild_id, QuizRun.started_by == user_id
                            ),
                            await count(
                                DiscussionRun,
                                DiscussionRun.guild_id == guild_id,
                                DiscussionRun.started_by == user_id,
                            ),
                            await count(
                                Schedule,
                                Schedule.guild_id == guild_id,
                                Schedule.created_by == user_id,
                            ),
                            await count(
                                Question,
                                Question.guild_id == guild_id,
                                Question.created_by == user_id,
                            ),
                            await count(
                                DiscussionPrompt,
                                DiscussionPrompt.guild_id == guild_id,
                                DiscussionPrompt.created_by == user_id,
                            ),
                        ]
                    ),
                ),
                Holding(
                    _("question files you uploaded"),
                    await count(Upload, Upload.guild_id == guild_id, Upload.user_id == user_id),
                ),
                Holding(
                    _("audit log entries of changes you made as a moderator"),
                    await count(
                        AuditEntry, AuditEntry.guild_id == guild_id, AuditEntry.user_id == user_id
                    ),
                ),
            ]
            others = [g for g in await _guilds_of(session, user_id) if g != guild_id]
        return MemberData(holdings, len(others))

    # -- a member's erasure ------------------------------------------------------------

    async def erase_member(self, user_id: int) -> Erased:
        """Everything about one member, in every server: anonymised, deleted or cleared.

        Each server's rows get that server's own pseudonym, so nothing links the
        member's activity across servers either.
        """
        totals = Erased(0, 0, 0)
        async with self.sessions.begin() as session:
            for guild_id in await _guilds_of(session, user_id):
                done = await _erase_in_guild(session, guild_id, user_id)
                totals = Erased(
                    totals.anonymised + done.anonymised,
                    totals.deleted + done.deleted,
                    totals.cleared + done.cleared,
                )
        return totals

    # -- a server's erasure --------------------------------------------------------------

    async def active_in_guild(self, guild_id: int) -> int:
        """Running quizzes and open discussions: a server is erased only when none are."""
        async with self.sessions() as session:
            quizzes = await session.scalar(
                select(func.count())
                .select_from(QuizRun)
                .where(QuizRun.guild_id == guild_id, QuizRun.status == "running")
            )
            discussions = await session.scalar(
                select(func.count())
                .select_from(DiscussionRun)
                .where(DiscussionRun.guild_id == guild_id, DiscussionRun.status == "open")
            )
        return int(quizzes or 0) + int(discussions or 0)

    async def erase_guild(self, guild_id: int, owner_id: int) -> int:
        """Delete every row the server has; returns how many went. Audited."""
        removed = 0
        async with self.sessions.begin() as session:
            for table in _guild_tables_in_delete_order():
                result = await session.execute(delete(table).where(table.c.guild_id == guild_id))
                removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
            await session.execute(delete(Guild).where(Guild.id == guild_id))
            session.add(
                AuditEntry(
                    guild_id=guild_id,
                    user_id=owner_id,
                    action="privacy.erase_server",
                    target_type="guild",
                    target_id=str(guild_id),
                    detail={"rows": removed},
                )
            )
        return removed


def _guild_tables_in_delete_order() -> Sequence[Table]:
    """Every table with a guild_id. Runs go first: their rounds refer (RESTRICT) to the
    server's own questions and prompts. Rows without a guild_id (rounds, votes, tags,
    schedule runs) go with their parents through ON DELETE CASCADE."""
    runs = [QuizRun.__table__, DiscussionRun.__table__]
    others = [
        t for t in reversed(Base.metadata.sorted_tables) if "guild_id" in t.c and t not in runs
    ]
    return [*runs, *others]


async def _guilds_of(session: AsyncSession, user_id: int) -> list[int]:
    """Every server that holds something about the member."""
    quiz_runs = select(QuizParticipant.run_id).where(QuizParticipant.user_id == user_id)
    discussions = union(
        select(DiscussionVote.run_id).where(DiscussionVote.user_id == user_id),
        select(Steelman.run_id).where(Steelman.user_id == user_id),
        select(Steelman.run_id)
        .join(SteelmanRating, SteelmanRating.steelman_id == Steelman.id)
        .where(SteelmanRating.user_id == user_id),
    )
    queries: list[Any] = [
        select(QuizRun.guild_id).where(QuizRun.id.in_(quiz_runs)),
        select(DiscussionRun.guild_id).where(DiscussionRun.id.in_(discussions)),
    ]
    for model in (QuizAnswer, ScoreTotal, PracticeItem, DailyStreak, Upload, AuditEntry):
        queries.append(select(model.guild_id).where(model.user_id == user_id))
    for model, column in _WHO_DID_IT:
        queries.append(select(model.guild_id).where(column == user_id))
    queries.append(
        select(Question.guild_id)
        .join(QuestionRevision, QuestionRevision.question_id == Question.id)
        .where(QuestionRevision.created_by == user_id)
    )
    queries.append(
        select(DiscussionPrompt.guild_id)
        .join(PromptRevision, PromptRevision.prompt_id == DiscussionPrompt.id)
        .where(PromptRevision.created_by == user_id)
    )
    found: set[int] = set()
    for query in queries:
        found.update((await session.execute(query)).scalars())
    found.update(guild for guild, _run, _result in await _closed_by(session, user_id))
    return sorted(found)


async def _closed_by(
    session: AsyncSession, user_id: int, guild_id: int | None = None
) -> list[tuple[int, int, dict[str, Any]]]:
    """(guild, run, result) of discussions whose stored result names the member as closer.
    Read in Python: JSON paths differ between SQLite and PostgreSQL, and erasures are rare."""
    query = select(DiscussionRun.guild_id, DiscussionRun.id, DiscussionRun.result).where(
        DiscussionRun.result.is_not(None)
    )
    if guild_id is not None:
        query = query.where(DiscussionRun.guild_id == guild_id)
    return [
        (guild, run_id, result)
        for guild, run_id, result in await session.execute(query)
        if isinstance(result, dict) and result.get("closed_by") == user_id
    ]


async def _results_closed_by(
    session: AsyncSession, user_id: int, guild_id: int
) -> list[tuple[int, dict[str, Any]]]:
    return [(run_id, result) for _g, run_id, result in await _closed_by(session, user_id, guild_id)]


_WHO_DID_IT: tuple[tuple[Any, Any], ...] = (
    (QuizRun, QuizRun.started_by),
    (DiscussionRun, DiscussionRun.started_by),
    (Schedule, Schedule.created_by),
    (Question, Question.created_by),
    (DiscussionPrompt, DiscussionPrompt.created_by),
    (HiddenQuestion, HiddenQuestion.hidden_by),
)


async def _erase_in_guild(session: AsyncSession, guild_id: int, user_id: int) -> Erased:
    alias = pseudonym()
    anonymised = deleted = cleared = 0

    async def run(statement: Any) -> int:
        result = await session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    guild_quiz_runs = _in_guild_runs(QuizParticipant.run_id, QuizRun, guild_id)
    guild_discussions = select(DiscussionRun.id).where(DiscussionRun.guild_id == guild_id)
    guild_steelmen = select(Steelman.id).where(Steelman.run_id.in_(guild_discussions))

    # Kept for the server's totals, under the pseudonym.
    anonymised += await run(
        update(QuizAnswer)
        .where(QuizAnswer.guild_id == guild_id, QuizAnswer.user_id == user_id)
        .values(user_id=alias, interaction_id=None)
    )
    anonymised += await run(
        update(QuizParticipant)
        .where(QuizParticipant.user_id == user_id, guild_quiz_runs)
        .values(user_id=alias)
    )
    anonymised += await run(
        update(DiscussionVote)
        .where(DiscussionVote.user_id == user_id, DiscussionVote.run_id.in_(guild_discussions))
        .values(user_id=alias)
    )
    anonymised += await run(
        update(SteelmanRating)
        .where(SteelmanRating.user_id == user_id, SteelmanRating.steelman_id.in_(guild_steelmen))
        .values(user_id=alias)
    )
    for model in (Upload, AuditEntry):
        anonymised += await run(
            update(model)
            .where(model.guild_id == guild_id, model.user_id == user_id)
            .values(user_id=alias)
        )
    # Only about the member: gone.
    for model in (ScoreTotal, PracticeItem, DailyStreak):
        deleted += await run(
            delete(model).where(model.guild_id == guild_id, model.user_id == user_id)
        )
    deleted += await run(
        delete(Steelman).where(Steelman.user_id == user_id, Steelman.run_id.in_(guild_discussions))
    )
    # "Who did this": forgotten.
    for model, column in _WHO_DID_IT:
        cleared += await run(
            update(model)
            .where(model.guild_id == guild_id, column == user_id)
            .values({column.key: None})
        )
    # Who called a discussion's final vote is kept inside its stored result.
    for run_id, result in await _results_closed_by(session, user_id, guild_id):
        await session.execute(
            update(DiscussionRun)
            .where(DiscussionRun.id == run_id)
            .values(result={**result, "closed_by": None})
        )
        cleared += 1
    # Revisions belong to the server through their question or prompt.
    for revision, parent, key in (
        (QuestionRevision, Question, QuestionRevision.question_id),
        (PromptRevision, DiscussionPrompt, PromptRevision.prompt_id),
    ):
        cleared += await run(
            update(revision)
            .where(
                revision.created_by == user_id,
                key.in_(select(parent.id).where(parent.guild_id == guild_id)),
            )
            .values(created_by=None)
        )
    session.add(
        AuditEntry(
            guild_id=guild_id,
            user_id=alias,
            action="privacy.erase_member",
            target_type="member",
            target_id=None,
            detail={"anonymised": anonymised, "deleted": deleted, "cleared": cleared},
        )
    )
    return Erased(anonymised, deleted, cleared)
