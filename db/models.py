"""The database schema: one typed model per table.

Designed up front for every feature (quizzes, practice, discussions, uploads,
schedules) so that later work adds rows, not migrations. Constraints live
here, not in hopeful code: an answer is unique per (round, user), a channel
has at most one running quiz, a schedule fires a given due time once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# guild_id of the shipped bank: Discord snowflakes are never 0, so 0 can mean
# "everyone's" without a nullable column (NULLs are distinct in unique keys).
SHIPPED = 0

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Snowflake = BigInteger


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class TZDateTime(TypeDecorator[datetime]):
    """Timestamps go in and come out as UTC-aware datetimes on every backend.

    SQLite has no time zones and hands back naive values; without this the
    code would compare naive and aware datetimes depending on the database.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Guild(Base):
    """A server and its settings; created lazily on first use."""

    __tablename__ = "guilds"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    moderator_role_id: Mapped[int | None] = mapped_column(Snowflake)
    allow_answer_change: Mapped[bool] = mapped_column(Boolean, default=False)
    streak_bonus: Mapped[bool] = mapped_column(Boolean, default=True)
    default_questions: Mapped[int] = mapped_column(Integer, default=10)
    default_seconds: Mapped[int] = mapped_column(Integer, default=20)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Run live quizzes in a thread the bot creates (the channel keeps one line).
    quiz_in_thread: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # The server's language for public messages ('en', 'uk').
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Quota overrides set by the server owner; missing keys take the defaults.
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class Question(Base):
    """A quiz item: shipped (guild_id = SHIPPED) or a guild's own."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("guild_id", "slug", name="uq_questions_guild_slug"),
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),
        CheckConstraint("status IN ('active', 'disabled', 'draft')", name="status"),
        # The random draw walks this index from a random point: no ORDER BY RANDOM().
        Index("ix_questions_draw", "guild_id", "status", "rand_key"),
        Index("ix_questions_draw_difficulty", "guild_id", "status", "difficulty", "rand_key"),
        Index("ix_questions_guild_hash", "guild_id", "content_hash"),
        # /questions list pages by (guild, id) keys. Its text search indexes are
        # outside the models (an FTS5 table, pg_trgm indexes): see db/search.py.
        Index("ix_questions_guild_list", "guild_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, default=SHIPPED)
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    correct_index: Mapped[int | None] = mapped_column(Integer)
    accepted_answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    difficulty: Mapped[int] = mapped_column(Integer, default=2)
    essay_paragraph: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date)
    theme: Mapped[str | None] = mapped_column(String(64))
    # The full item as authored (schema-valid), so export re-imports losslessly.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active")
    content_hash: Mapped[str] = mapped_column(String(64))
    rand_key: Mapped[float] = mapped_column(Float)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        TZDateTime(), server_default=func.now(), onupdate=func.now()
    )

    tag_rows: Mapped[list[QuestionTag]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )


class QuestionTag(Base):
    """One row per (question, tag): tag filters use an index instead of scanning JSON."""

    __tablename__ = "question_tags"
    __table_args__ = (Index("ix_question_tags_tag", "tag", "question_id"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(48), primary_key=True)

    question: Mapped[Question] = relationship(back_populates="tag_rows")


class QuestionRevision(Base):
    """What a question looked like when it was shown: never changed once written.

    Rounds and practice answers point here, so an edit or re-upload can never
    make "what you answered" or a past round's distribution false. One row per
    distinct content (the hash is the key), created when that content is first
    shown or when a writer asks for it.
    """

    __tablename__ = "question_revisions"
    __table_args__ = (
        UniqueConstraint("question_id", "content_hash", name="uq_question_revisions_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class PromptRevision(Base):
    """A discussion prompt with its viewpoints as shown: votes index into this."""

    __tablename__ = "prompt_revisions"
    __table_args__ = (
        UniqueConstraint("prompt_id", "content_hash", name="uq_prompt_revisions_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("discussion_prompts.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class HiddenQuestion(Base):
    """A shipped item a guild chose not to draw (the shipped bank itself is read-only)."""

    __tablename__ = "hidden_questions"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    hidden_by: Mapped[int | None] = mapped_column(Snowflake)
    hidden_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class DiscussionPrompt(Base):
    __tablename__ = "discussion_prompts"
    __table_args__ = (
        UniqueConstraint("guild_id", "slug", name="uq_discussion_prompts_guild_slug"),
        CheckConstraint("status IN ('active', 'disabled', 'draft')", name="status"),
        Index("ix_discussion_prompts_guild_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, default=SHIPPED)
    slug: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    essay_paragraph: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        TZDateTime(), server_default=func.now(), onupdate=func.now()
    )

    viewpoints: Mapped[list[Viewpoint]] = relationship(
        back_populates="prompt",
        cascade="all, delete-orphan",
        order_by="Viewpoint.position",
    )


class Viewpoint(Base):
    __tablename__ = "viewpoints"
    __table_args__ = (UniqueConstraint("prompt_id", "position", name="uq_viewpoints_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_prompts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80))
    stance: Mapped[str] = mapped_column(Text)
    argument: Mapped[str] = mapped_column(Text)
    held_by: Mapped[str] = mapped_column(Text)
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    prompt: Mapped[DiscussionPrompt] = relationship(back_populates="viewpoints")


class QuizRun(Base):
    """A quiz in a channel (mode 'live') or a question of the day (mode 'qotd').

    The row is the truth about the run; the asyncio task that drives it can be
    rebuilt from it after a restart.
    """

    __tablename__ = "quiz_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'finished', 'stopped')", name="status"),
        # One running quiz per channel, enforced by the database itself.
        Index(
            "uq_quiz_runs_running_channel",
            "channel_id",
            "mode",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        Index("ix_quiz_runs_status", "status", "guild_id"),
        Index("ix_quiz_runs_guild_created", "guild_id", "created_at"),
        Index("ix_quiz_runs_lease", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    started_by: Mapped[int | None] = mapped_column(Snowflake)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="live")
    status: Mapped[str] = mapped_column(String(16), default="running")
    question_count: Mapped[int] = mapped_column(Integer)
    seconds_per_question: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    streak_bonus: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_answer_change: Mapped[bool] = mapped_column(Boolean, default=False)
    current_round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    results_message_id: Mapped[int | None] = mapped_column(Snowflake)
    # The thread the quiz runs in, when the server or the starter asked for one.
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    # Which process drives the run, until when (renewed by its heartbeat).
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    rounds: Mapped[list[QuizRound]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="QuizRound.number"
    )
    participants: Mapped[list[QuizParticipant]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class QuizParticipant(Base):
    """Who joined a run (by answering), and their running totals for it."""

    __tablename__ = "quiz_participants"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_runs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    total_time_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)

    run: Mapped[QuizRun] = relationship(back_populates="participants")


class QuizRound(Base):
    __tablename__ = "quiz_rounds"
    __table_args__ = (
        UniqueConstraint("run_id", "number", name="uq_quiz_rounds_run_number"),
        Index("ix_quiz_rounds_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("quiz_runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    # The content shown; answers' choice_index points into its choices.
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("question_revisions.id", ondelete="RESTRICT")
    )
    # The order in which choices were shown (indexes into the revision's choices).
    choice_order: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    started_at: Mapped[datetime] = mapped_column(TZDateTime())
    deadline_at: Mapped[datetime] = mapped_column(TZDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    run: Mapped[QuizRun] = relationship(back_populates="rounds")
    question: Mapped[Question] = relationship()
    revision: Mapped[QuestionRevision] = relationship()


class QuizAnswer(Base):
    """One member's answer in one round; the unique key makes re-delivery harmless."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_quiz_answers_round_user"),
        Index("ix_quiz_answers_member", "guild_id", "user_id", "answered_at"),
        Index("ix_quiz_answers_question", "question_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    choice_index: Mapped[int | None] = mapped_column(Integer)
    text_answer: Mapped[str | None] = mapped_column(String(200))
    correct: Mapped[bool] = mapped_column(Boolean)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    interaction_id: Mapped[int | None] = mapped_column(Snowflake)
    answered_at: Mapped[datetime] = mapped_column(TZDateTime())


class ScoreTotal(Base):
    """Points per member per period ('all', '2026-W48', '2026-11').

    Kept up to date as rounds close, so a leaderboard is a walk down one index
    rather than an aggregate over every answer ever given.
    """

    __tablename__ = "score_totals"
    __table_args__ = (
        Index("ix_score_totals_board", "guild_id", "period", "points", "answer_time_ms"),
    )

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answer_time_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    quizzes: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)


class PracticeItem(Base):
    """Spaced-repetition state of one question for one member (practice mode)."""

    __tablename__ = "practice_items"
    __table_args__ = (Index("ix_practice_items_due", "guild_id", "user_id", "due_at"),)

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    box: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(TZDateTime())
    correct_streak: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    last_seen_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class DiscussionRun(Base):
    __tablename__ = "discussion_runs"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_discussion_runs_due", "status", "closes_at"),
        Index("ix_discussion_runs_guild", "guild_id", "created_at"),
        Index("ix_discussion_runs_message", "message_id"),
        Index("ix_discussion_runs_lease", "status", "lease_expires_at"),
        Index("ix_discussion_runs_final_vote", "status", "final_vote_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("discussion_prompts.id", ondelete="RESTRICT"))
    # The prompt and viewpoints as shown; votes' positions point into it.
    prompt_revision_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_revisions.id", ondelete="RESTRICT")
    )
    started_by: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
    closes_at: Mapped[datetime] = mapped_column(TZDateTime())
    # When the final vote opens (derived from created_at and closes_at, stored so
    # the ticker finds what is due through an index), and when it was announced.
    final_vote_at: Mapped[datetime] = mapped_column(TZDateTime())
    final_vote_announced_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    prompt: Mapped[DiscussionPrompt] = relationship()


class DiscussionVote(Base):
    """A member's stance before or after the discussion; None means undecided."""

    __tablename__ = "discussion_votes"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", "phase", name="uq_discussion_votes_member_phase"),
        CheckConstraint("phase IN ('before', 'after')", name="phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("discussion_runs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    phase: Mapped[str] = mapped_column(String(8))
    viewpoint_position: Mapped[int | None] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(TZDateTime())


class Steelman(Base):
    """A member's strongest case for a viewpoint they did not pick."""

    __tablename__ = "steelmen"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", "viewpoint_position", name="uq_steelmen_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("discussion_runs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    viewpoint_position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class SteelmanRating(Base):
    __tablename__ = "steelman_ratings"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)

    steelman_id: Mapped[int] = mapped_column(
        ForeignKey("steelmen.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)


class Schedule(Base):
    """A recurring quiz or question of the day; `next_run_at` is UTC."""

    __tablename__ = "schedules"
    __table_args__ = (
        CheckConstraint("kind IN ('quiz', 'qotd')", name="kind"),
        Index("ix_schedules_due", "paused", "next_run_at"),
        Index("ix_schedules_guild", "guild_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    # Denormalised shard key input, so a process can claim only its shards' rows.
    channel_id: Mapped[int] = mapped_column(Snowflake)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    kind: Mapped[str] = mapped_column(String(8))
    cron: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=600)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())


class ScheduleRun(Base):
    """Every due time of a schedule, with what happened; unique so it fires once."""

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_schedule_runs_due"),
        CheckConstraint("status IN ('fired', 'skipped', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(TZDateTime())
    fired_at: Mapped[datetime] = mapped_column(TZDateTime())
    status: Mapped[str] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(Text)
    quiz_run_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_runs.id", ondelete="SET NULL"))
    process: Mapped[str | None] = mapped_column(String(64))


class DailyStreak(Base):
    """Question-of-the-day streak of one member in one guild."""

    __tablename__ = "daily_streaks"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[int] = mapped_column(Integer, default=0)
    last_day: Mapped[date | None] = mapped_column(Date)


class Upload(Base):
    """A moderator's upload: parsed and validated, waiting for confirmation.

    The normalised items are stored so a confirmation still works after a
    restart, and the report stays as a record of what was imported.
    """

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'imported', 'cancelled', 'rejected')", name="status"
        ),
        Index("ix_uploads_guild", "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(24))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class AuditEntry(Base):
    """Who changed what, when: every moderator change to questions and settings."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_guild", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int | None] = mapped_column(Snowflake)
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), server_default=func.now())
