"""All services, built once from a session factory and a clock."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.services.bank.question_admin import QuestionAdminService
from bot.services.bank.uploads import UploadService, UploadWorker
from bot.services.discussions.discussions import DiscussionService
from bot.services.guilds import GuildService
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.practice import PracticeService
from bot.services.quiz.quiz import QuizService
from bot.services.quiz.stats import StatsService
from bot.services.quotas import QuotaService
from bot.services.schedules.qotd import QotdService
from bot.services.schedules.schedules import ScheduleService


@dataclass
class Services:
    sessions: async_sessionmaker[AsyncSession]
    guilds: GuildService
    quiz: QuizService
    live_answers: LiveAnswers
    discussions: DiscussionService
    practice: PracticeService
    schedules: ScheduleService
    qotd: QotdService
    stats: StatsService
    uploads: UploadService
    question_admin: QuestionAdminService
    clock: Clock
    quotas: QuotaService

    @classmethod
    def build(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        rng: random.Random | None = None,
        *,
        database_url: str | None = None,
    ) -> Services:
        """``database_url``: where a worker process finds the database (uploads are checked
        and imported there); without it they run in this process (tools, some tests)."""
        rng = rng or random.Random()
        quiz = QuizService(sessions, clock, rng)
        return cls(
            sessions=sessions,
            guilds=GuildService(sessions),
            quiz=quiz,
            live_answers=LiveAnswers(sessions, clock),
            schedules=ScheduleService(sessions, clock, rng=rng),
            qotd=QotdService(sessions, clock, quiz, rng),
            discussions=DiscussionService(sessions, clock, rng),
            practice=PracticeService(sessions, clock, rng),
            stats=StatsService(sessions, clock),
            uploads=UploadService(sessions, clock, worker=UploadWorker.for_database(database_url)),
            question_admin=QuestionAdminService(sessions),
            clock=clock,
            quotas=QuotaService(sessions),
        )
