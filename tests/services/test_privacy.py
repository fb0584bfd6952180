"""Members' data: what /privacy shows, and erasures that leave no trace of the id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.privacy import PrivacyService
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
    QuizRound,
    QuizRun,
    Schedule,
    ScoreTotal,
    Steelman,
    SteelmanRating,
    Upload,
)

MEMBER, OTHER, OWNER = 111_111_111_111_111_111, 222_222_222_222_222_222, 333_333_333_333_333_333
GUILD, ELSEWHERE = 444_444_444_444_444_444, 555_555_555_555_555_555
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def populate(session: AsyncSession, guild_id: int) -> None:
    """A server where MEMBER and OTHER did everything the bot can record."""
    session.add(Guild(id=guild_id, moderator_role_id=None))
    question = Question(
        guild_id=guild_id,
        slug=f"q{guild_id}",
        kind="true_false",
        text="Is it?",
        content_hash="h",
        rand_key=0.5,
        created_by=MEMBER,
    )
    prompt = DiscussionPrompt(
        guild_id=guild_id,
        slug=f"p{guild_id}",
        question="Should it?",
        content_hash="h",
        created_by=MEMBER,
    )
    session.add_all([question, prompt])
    await session.flush()
    revision = QuestionRevision(
        question_id=question.id, content_hash="h", data={}, created_by=MEMBER
    )
    prompt_revision = PromptRevision(
        prompt_id=prompt.id, content_hash="h", data={}, created_by=MEMBER
    )
    session.add_all([revision, prompt_revision])
    await session.flush()
    run = QuizRun(
        guild_id=guild_id,
        channel_id=1,
        started_by=MEMBER,
        question_count=1,
        seconds_per_question=20,
        status="finished",
    )
    discussion = DiscussionRun(
        guild_id=guild_id,
        channel_id=1,
        prompt_id=prompt.id,
        prompt_revision_id=prompt_revision.id,
        started_by=MEMBER,
        closes_at=NOW + timedelta(days=1),
        final_vote_at=NOW + timedelta(hours=18),
        result={"version": 1, "before_voters": 2, "closed_by": MEMBER},  # a final vote she called
    )
    schedule = Schedule(
        guild_id=guild_id,
        channel_id=1,
        created_by=MEMBER,
        kind="quiz",
        cron="0 12 * * *",
        timezone="UTC",
    )
    session.add_all([run, discussion, schedule])
    await session.flush()
    rnd = QuizRound(
        run_id=run.id,
        number=1,
        question_id=question.id,
        revision_id=revision.id,
        started_at=NOW,
        deadline_at=NOW,
    )
    session.add(rnd)
    await session.flush()
    for user, right in ((MEMBER, True), (OTHER, False)):
        session.add_all(
            [
                QuizAnswer(
                    round_id=rnd.id,
                    guild_id=guild_id,
                    user_id=user,
                    question_id=question.id,
                    choice_index=0,
                    correct=right,
                    elapsed_ms=1500,
                    points=900 if right else 0,
                    interaction_id=user + 1,
                    answered_at=NOW,
                ),
                QuizParticipant(run_id=run.id, user_id=user, points=900, correct=1, answered=1),
                ScoreTotal(guild_id=guild_id, period="all", user_id=user, points=900),
                PracticeItem(guild_id=guild_id, user_id=user, question_id=question.id, due_at=NOW),
                DailyStreak(guild_id=guild_id, user_id=user, current=2, best=3),
                DiscussionVote(
                    run_id=discussion.id,
                    user_id=user,
                    phase="before",
                    viewpoint_position=0,
                    voted_at=NOW,
                ),
                Upload(
                    guild_id=guild_id,
                    user_id=user,
                    filename="q.csv",
                    format="csv",
                    sha256="x",
                    size_bytes=10,
                ),
                AuditEntry(
                    guild_id=guild_id,
                    user_id=user,
                    action="question.add",
                    target_type="question",
                    target_id=str(question.id),
                ),
            ]
        )
    session.add(HiddenQuestion(guild_id=guild_id, question_id=question.id, hidden_by=MEMBER))
    mine = Steelman(run_id=discussion.id, user_id=MEMBER, viewpoint_position=1, text="Their case")
    theirs = Steelman(run_id=discussion.id, user_id=OTHER, viewpoint_position=1, text="A case")
    session.add_all([mine, theirs])
    await session.flush()
    session.add_all(
        [
            SteelmanRating(steelman_id=theirs.id, user_id=MEMBER, rating=5),
            SteelmanRating(steelman_id=mine.id, user_id=OTHER, rating=4),
        ]
    )


async def rows_holding(session: AsyncSession, value: int) -> list[tuple[str, str, Any]]:
    """Every (table, column, value) in the whole database that holds `value`,
    as a number or inside text or JSON."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).mappings():
            for column, cell in row.items():
                if cell == value or (cell is not None and str(value) in str(cell)):
                    found.append((table.name, column, cell))
    return found


async def test_member_sees_their_data_and_erasure_leaves_no_row_with_their_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await populate(session, GUILD)
        await populate(session, ELSEWHERE)
    privacy = PrivacyService(sessions)

    shown = await privacy.member_data(GUILD, MEMBER)
    counts = {h.what.split(" (")[0]: h.count for h in shown.holdings}
    assert counts["quiz answers"] == 1 and counts["leaderboard totals"] == 1
    assert counts["steelman arguments you wrote"] == 1
    assert shown.other_servers == 1 and not shown.empty

    async with sessions() as session:
        answers_before = await session.scalar(select(func.count()).select_from(QuizAnswer))
        assert await rows_holding(session, MEMBER)

    erased = await privacy.erase_member(MEMBER)
    assert erased.anonymised and erased.deleted and erased.cleared

    async with sessions() as session:
        assert await rows_holding(session, MEMBER) == []
        # The servers' statistics keep their totals, under pseudonyms that are not ids.
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == answers_before
        aliases = {
            (a.guild_id, a.user_id)
            for a in (await session.scalars(select(QuizAnswer))).all()
            if a.user_id != OTHER
        }
        assert len(aliases) == 2 and all(user < 0 for _, user in aliases)
        assert len({user for _, user in aliases}) == 2  # one per server: nothing links them
        # OTHER keeps everything.
        assert len(await rows_holding(session, OTHER)) >= 2 * 8
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "privacy.erase_member")
            )
        ).all()
        assert {a.guild_id for a in audit} == {GUILD, ELSEWHERE}
        assert {(a.guild_id, a.user_id) for a in audit} == aliases  # audited, as the alias
    assert (await privacy.member_data(GUILD, MEMBER)).empty


async def test_owner_erases_the_servers_data(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await populate(session, GUILD)
        await populate(session, ELSEWHERE)
    removed = await PrivacyService(sessions).erase_guild(GUILD, OWNER)
    assert removed > 10
    async with sessions() as session:
        left = await rows_holding(session, GUILD)
        # Only the audit entry of the erasure itself remains.
        assert [(t, c) for t, c, _ in left] == [
            ("audit_log", "guild_id"),
            ("audit_log", "target_id"),
        ]
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.guild_id == GUILD))
        assert entry is not None and entry.action == "privacy.erase_server"
        assert entry.user_id == OWNER
        assert len(await rows_holding(session, ELSEWHERE)) > 10  # other servers untouched
