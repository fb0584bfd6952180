"""Practice alone, at one's own pace, with missed questions coming back.

The session itself keeps no server state: the adapter carries the last few
question ids in its buttons, so practice survives restarts for free. What
persists is each member's spaced-repetition state per question.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.core.quiz.matching import matches
from bot.core.quiz.spaced import MIN_GAP_QUESTIONS, PracticeState, next_state
from bot.services.bank.questions import (
    KIND_GROUPS,
    QuestionView,
    draw_question,
    get_visible,
    question_from_snapshot,
    question_view,
    visible_to,
)
from bot.services.revisions import question_revision
from db.models import PracticeItem, Question, QuestionRevision


@dataclass(frozen=True)
class PracticeQuestion:
    question: QuestionView
    reason: str  # "due" (missed or due for review), "new", or "review"
    choice_order: list[int]
    # The content shown: the answer is judged against it even if edited meanwhile.
    revision_id: int | None = None

    @property
    def shown_choices(self) -> list[str]:
        return [self.question.choices[i] for i in self.choice_order]


@dataclass(frozen=True)
class PracticeResult:
    question: QuestionView
    correct: bool
    box: int
    due_in_days: float


class PracticeService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.rng = rng or random.Random()

    async def next_question(
        self, guild_id: int, user_id: int, recent: Sequence[int] = (), kind: str = "mixed"
    ) -> PracticeQuestion | None:
        """Due questions first, then new ones, then the soonest review."""
        now = self.clock()
        held = list(recent)[-MIN_GAP_QUESTIONS:]
        kinds = KIND_GROUPS.get(kind, KIND_GROUPS["mixed"])
        async with self.sessions.begin() as session:
            base = (
                select(Question)
                .join(PracticeItem, PracticeItem.question_id == Question.id)
                .where(
                    PracticeItem.guild_id == guild_id,
                    PracticeItem.user_id == user_id,
                    visible_to(guild_id),
                    Question.status == "active",
                    Question.kind.in_(kinds),
                )
            )
            if held:
                base = base.where(Question.id.not_in(held))
            row = await session.scalar(
                base.where(PracticeItem.due_at <= now).order_by(PracticeItem.due_at).limit(1)
            )
            reason = "due"
            if row is None:
                reason = "new"
                row = await draw_question(
                    session, guild_id, kinds=kinds, exclude=held, unseen_by=user_id, rng=self.rng
                )
            if row is None:
                reason = "review"
                row = await session.scalar(base.order_by(PracticeItem.due_at).limit(1))
            if row is None:
                return None
            question = question_view(row)
            order = list(range(len(question.choices)))
            if question.kind in ("multiple_choice", "which_first"):
                self.rng.shuffle(order)
            return PracticeQuestion(question, reason, order, await question_revision(session, row))

    async def answer(
        self,
        guild_id: int,
        user_id: int,
        question_id: int,
        *,
        original_choice: int | None = None,
        text: str | None = None,
        revision_id: int | None = None,
    ) -> PracticeResult | None:
        """Judge against the revision the member was shown (when the button names it)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await get_visible(session, guild_id, question_id)
            if row is None:
                return None
            question = question_view(row)
            shown = revision_id and await session.get(QuestionRevision, revision_id)
            if shown and shown.question_id == question_id:
                question = question_from_snapshot(
                    shown.data,
                    question_id=row.id,
                    guild_id=row.guild_id,
                    slug=row.slug,
                    status=row.status,
                )
            if original_choice is not None:
                correct = original_choice == question.correct_index
            else:
                correct = matches(text or "", question.accepted_answers)
            item = await session.get(PracticeItem, (guild_id, user_id, question_id))
            previous = (
                PracticeState(item.box, item.due_at, item.correct_streak, item.lapses)
                if item
                else None
            )
            state = next_state(previous, correct, now)
            if item is None:
                item = PracticeItem(guild_id=guild_id, user_id=user_id, question_id=question_id)
                session.add(item)
            item.box = state.box
            item.due_at = state.due_at
            item.correct_streak = state.correct_streak
            item.lapses = state.lapses
            item.seen = (item.seen or 0) + 1
            item.last_seen_at = now
            days = (state.due_at - now).total_seconds() / 86400
            return PracticeResult(question, correct, state.box, days)
