"""Discussions: a contested prompt, an opening and a final vote, steelmen, a result.

Every method is one short transaction and returns plain dataclasses; the
adapter turns them into messages. The database is the truth, so a process
that restarts finds open discussions with :meth:`DiscussionService.due_to_close`
(and re-arms its timers from :meth:`DiscussionService.open_runs`).

Policies (the adapter shows them to members):

- **Vote windows** (see ``bot.core.discussions.discussion_result.VoteWindows``): the
  opening vote is open for the first half of the duration, the final vote
  for the last quarter until ``closes_at`` plus a 30-second grace. A member
  may change their vote while that phase's window is open; the last choice
  counts. Voting in only one phase is allowed (counted as such).
- **Privacy:** no method returns counts or shares of an open discussion,
  except :meth:`~DiscussionService.peek` for moderators. A member can read
  their own votes (:meth:`~DiscussionService.my_votes`).
- **Steelmen:** written for a viewpoint the member did *not* pick in their
  opening vote (so an opening vote is needed first; undecided may steelman
  any viewpoint), 50-1000 characters, one per member per viewpoint, while the
  discussion is open. Ratings 1-5, not of one's own; rating again replaces
  the earlier rating; ratings are accepted while the discussion is open.
- **Closing:** the timer (``closed_by=None``) may always close. A member may
  close only as the starter or when the adapter says they are a moderator
  (``is_moderator=True``: the adapter decides who is a moderator, the service
  enforces starter-or-moderator). Closing twice computes once; the second
  call returns the stored result with ``closed_now=False``.
- **Guild scoping:** every member-facing call takes the interaction's
  ``guild_id``; a run, prompt or steelman of another guild is "not found".
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.core.clock import Clock, utcnow
from bot.core.discussions.discussion_result import (
    VOTE_GRACE,
    DiscussionResult,
    Phase,
    Stage,
    VoteWindows,
    compute_result,
    validate_duration,
)
from bot.i18n import N_, _
from bot.services.discussions.prompts import PromptView, prompt_from_snapshot, prompt_view
from bot.services.quotas import check_discussion_start
from bot.services.revisions import prompt_revision
from db.models import (
    SHIPPED,
    DiscussionPrompt,
    DiscussionRun,
    DiscussionVote,
    PromptRevision,
    Steelman,
    SteelmanRating,
)
from db.upsert import insert_ignore

DEFAULT_DURATION = timedelta(hours=24)
STEELMAN_MIN, STEELMAN_MAX = 50, 1000
SUGGESTION_NAME_MAX = 100  # Discord's autocomplete choice name
# Bayesian average for "best steelmen": every steelman starts as if it had
# PRIOR_WEIGHT ratings of PRIOR_MEAN, so one 5 does not beat ten 4.8s.
PRIOR_MEAN, PRIOR_WEIGHT = 3.0, 2


class DiscussionError(Exception):
    """A refusal a member should read (the message is shown as is)."""


class NotFound(DiscussionError):
    pass


class NotAllowed(DiscussionError):
    pass


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PromptChoice:
    """An autocomplete entry: ``name`` fits Discord's 100 characters."""

    id: int
    name: str


@dataclass(frozen=True)
class DiscussionView:
    run_id: int
    guild_id: int
    channel_id: int
    started_by: int | None
    status: str  # 'open' | 'closed'
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    message_id: int | None
    thread_id: int | None
    prompt: PromptView
    result: DiscussionResult | None  # only once closed

    @property
    def windows(self) -> VoteWindows:
        return VoteWindows(self.created_at, self.closes_at)

    @property
    def close_due_at(self) -> datetime:
        """When the timer should close it: the end plus the vote grace."""
        return self.closes_at + VOTE_GRACE

    def stage(self, now: datetime) -> Stage:
        return Stage.ENDED if self.status == "closed" else self.windows.stage(now)


@dataclass(frozen=True)
class DiscussionSummary:
    """A line of /discuss list; ``result`` only for closed discussions."""

    run_id: int
    channel_id: int
    thread_id: int | None
    message_id: int | None
    question: str
    status: str
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    result: DiscussionResult | None
    # The prompt's other languages as shown: {language: Translation fields}.
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def question_in(self, language: str) -> str:
        """The question in `language` where the prompt has it, else as written."""
        return str((self.translations.get(language) or {}).get("question") or self.question)

    def result_in(self, language: str) -> DiscussionResult | None:
        """The result with its viewpoints named in `language` where the prompt has it."""
        if self.result is None:
            return None
        words = (self.translations.get(language) or {}).get("viewpoints") or []

        def label(option: Any) -> str:
            at = option.position
            mine = words[at] if at is not None and at < len(words) else None
            return (
                str(mine.get("label") or option.label) if isinstance(mine, dict) else option.label
            )

        options = tuple(replace(o, label=label(o)) for o in self.result.options)
        return replace(self.result, options=options)


class VoteStatus(StrEnum):
    RECORDED = "recorded"  # first vote in this phase
    CHANGED = "changed"  # replaced an earlier vote in this phase
    UNCHANGED = "unchanged"  # same choice again (double click, re-delivery)
    NOT_OPEN_YET = "not_open_yet"  # the final vote opens later (see opens_at)
    PHASE_OVER = "phase_over"  # the opening vote has ended (see closes_at)
    ENDED = "ended"  # the discussion is closed or past its end


@dataclass(frozen=True)
class VoteOutcome:
    status: VoteStatus
    phase: Phase
    position: int | None = None  # the member's choice now stored (None = undecided)
    previous: int | None = None  # for CHANGED: what it was
    opens_at: datetime | None = None  # this phase's window
    closes_at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.status in (VoteStatus.RECORDED, VoteStatus.CHANGED, VoteStatus.UNCHANGED)


@dataclass(frozen=True)
class MemberVotes:
    """A member's own votes; ``*_voted`` tells undecided (None) from no vote."""

    before_voted: bool
    before: int | None
    after_voted: bool
    after: int | None


@dataclass(frozen=True)
class SteelmanView:
    id: int
    run_id: int
    user_id: int
    viewpoint_position: int
    label: str
    text: str
    message_id: int | None
    created_at: datetime
    mean_rating: float | None = None
    ratings: int = 0


@dataclass(frozen=True)
class RatingOutcome:
    steelman_id: int
    rating: int
    previous: int | None  # the member's earlier rating, replaced


@dataclass(frozen=True)
class CloseOutcome:
    discussion: DiscussionView  # status 'closed', result set
    result: DiscussionResult
    closed_now: bool  # False when it was already closed: do not post the result again


# --------------------------------------------------------------------------- helpers


def prompt_visible_to(guild_id: int) -> Any:
    """Shipped prompts and the guild's own, never another guild's."""
    return DiscussionPrompt.guild_id.in_([SHIPPED, guild_id])


def _stored_result(run: DiscussionRun) -> DiscussionResult | None:
    if run.status != "closed" or not run.result:
        return None
    return DiscussionResult.from_dict(run.result)


def _view(run: DiscussionRun, prompt: PromptView) -> DiscussionView:
    return DiscussionView(
        run_id=run.id,
        guild_id=run.guild_id,
        channel_id=run.channel_id,
        started_by=run.started_by,
        status=run.status,
        created_at=run.created_at,
        closes_at=run.closes_at,
        closed_at=run.closed_at,
        message_id=run.message_id,
        thread_id=run.thread_id,
        prompt=prompt,
        result=_stored_result(run),
    )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


RUN_NOT_FOUND = N_("That discussion does not exist on this server.")


class DiscussionService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.rng = rng or random.Random()

    # -- prompts --------------------------------------------------------------

    async def prompt_suggestions(
        self, guild_id: int, text: str, limit: int = 25
    ) -> builtins.list[PromptChoice]:
        """Active prompts visible to the guild whose question, tags or id contain ``text``."""
        needle = " ".join(text.split()).lower()
        stmt = select(DiscussionPrompt.id, DiscussionPrompt.question).where(
            prompt_visible_to(guild_id), DiscussionPrompt.status == "active"
        )
        if needle:
            stmt = stmt.where(
                or_(
                    func.lower(DiscussionPrompt.question).contains(needle, autoescape=True),
                    func.lower(DiscussionPrompt.slug).contains(needle, autoescape=True),
                    # Tags are a small JSON list; its text form is enough for a contains.
                    func.lower(cast(DiscussionPrompt.tags, String)).contains(
                        needle, autoescape=True
                    ),
                )
            )
        stmt = stmt.order_by(DiscussionPrompt.question, DiscussionPrompt.id).limit(limit)
        async with self.sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [PromptChoice(id=r.id, name=_shorten(r.question, SUGGESTION_NAME_MAX)) for r in rows]

    async def pick_prompt(
        self, guild_id: int, prompt_id: int | None = None, rng: random.Random | None = None
    ) -> PromptView:
        """The chosen prompt (if visible and active), or a random active one."""
        async with self.sessions() as session:
            return await self._pick_prompt(session, guild_id, prompt_id, rng or self.rng)

    async def _pick_prompt(
        self, session: AsyncSession, guild_id: int, prompt_id: int | None, rng: random.Random
    ) -> PromptView:
        if prompt_id is None:
            ids = list(
                (
                    await session.execute(
                        select(DiscussionPrompt.id)
                        .where(prompt_visible_to(guild_id), DiscussionPrompt.status == "active")
                        .order_by(DiscussionPrompt.id)
                    )
                ).scalars()
            )
            if not ids:
                raise NotFound(_("There are no discussion prompts to choose from on this server."))
            prompt_id = rng.choice(ids)
        return prompt_view(await self._pick_prompt_row(session, guild_id, prompt_id))

    async def _pick_prompt_row(
        self, session: AsyncSession, guild_id: int, prompt_id: int
    ) -> DiscussionPrompt:
        row = await session.scalar(
            select(DiscussionPrompt)
            .where(DiscussionPrompt.id == prompt_id, prompt_visible_to(guild_id))
            .options(selectinload(DiscussionPrompt.viewpoints))
        )
        if row is None:
            raise NotFound(_("That discussion prompt does not exist on this server."))
        if row.status != "active":
            raise NotAllowed(
                _("That discussion prompt is {status}; pick an active one.").format(
                    status=row.status
                )
            )
        if len(row.viewpoints) < 2:
            raise NotAllowed(_("That discussion prompt has fewer than two viewpoints."))
        return row

    # -- starting -------------------------------------------------------------

    async def start(
        self,
        guild_id: int,
        channel_id: int,
        started_by: int | None,
        prompt_id: int | None = None,
        duration: timedelta = DEFAULT_DURATION,
        *,
        rng: random.Random | None = None,
        as_member: bool = False,
    ) -> DiscussionView:
        """Open a discussion of a prompt (random active one when ``prompt_id`` is None).

        ``as_member``: a member's /discuss start, so their quotas apply."""
        try:
            validate_duration(duration)
        except ValueError as exc:
            raise DiscussionError(str(exc)) from None
        now = self.clock()
        async with self.sessions.begin() as session:
            if as_member and started_by is not None:
                await check_discussion_start(session, guild_id, channel_id, started_by, now)
            prompt = await self._pick_prompt(session, guild_id, prompt_id, rng or self.rng)
            row = await self._pick_prompt_row(session, guild_id, prompt.id)
            run = DiscussionRun(
                guild_id=guild_id,
                channel_id=channel_id,
                prompt_id=prompt.id,
                prompt_revision_id=await prompt_revision(session, row),
                started_by=started_by,
                status="open",
                created_at=now,
                closes_at=now + duration,
                final_vote_at=VoteWindows(now, now + duration).after_opens,
            )
            session.add(run)
            await session.flush()
            return _view(run, prompt)

    async def set_message(
        self, run_id: int, message_id: int | None, thread_id: int | None = None
    ) -> None:
        """Remember where the discussion was posted (adapter bookkeeping, no guild check)."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(DiscussionRun)
                .where(DiscussionRun.id == run_id)
                .values(message_id=message_id, thread_id=thread_id)
            )

    async def get(self, run_id: int, *, guild_id: int | None = None) -> DiscussionView | None:
        """A discussion (with its stored result once closed); None if absent or another guild's."""
        async with self.sessions() as session:
            run = await self._run(session, run_id, guild_id)
            return None if run is None else await self._load_view(session, run)

    # -- votes ----------------------------------------------------------------

    async def vote(
        self,
        run_id: int,
        user_id: int,
        phase: Phase | str,
        viewpoint_position: int | None,
        *,
        guild_id: int,
    ) -> VoteOutcome:
        """Record a member's opening ('before') or final ('after') vote; None = undecided.

        Raises NotFound (unknown run, another guild's, or a position the prompt
        does not have); refusals for timing come back as a VoteOutcome status.
        """
        phase = Phase(phase)
        now = self.clock()
        async with self.sessions.begin() as session:
            run = await self._run(session, run_id, guild_id)
            if run is None:
                raise NotFound(_(RUN_NOT_FOUND))
            windows = VoteWindows(run.created_at, run.closes_at)
            opens, closes = windows.opens(phase), windows.closes(phase)
            if run.status != "open" or now >= windows.after_closes:
                return VoteOutcome(VoteStatus.ENDED, phase, opens_at=opens, closes_at=closes)
            if now < opens:
                return VoteOutcome(VoteStatus.NOT_OPEN_YET, phase, opens_at=opens, closes_at=closes)
            if now >= closes:
                return VoteOutcome(VoteStatus.PHASE_OVER, phase, opens_at=opens, closes_at=closes)
            if viewpoint_position is not None:
                count = await self._viewpoint_count(session, run)
                if not 0 <= viewpoint_position < count:
                    raise NotFound(_("That viewpoint is not part of this discussion."))

            def outcome(status: VoteStatus, previous: int | None = None) -> VoteOutcome:
                return VoteOutcome(status, phase, viewpoint_position, previous, opens, closes)

            existing = await self._vote_row(session, run_id, user_id, phase)
            if existing is None:
                inserted = await insert_ignore(
                    session,
                    DiscussionVote,
                    {
                        "run_id": run_id,
                        "user_id": user_id,
                        "phase": phase.value,
                        "viewpoint_position": viewpoint_position,
                        "voted_at": now,
                    },
                )
                if inserted:
                    return outcome(VoteStatus.RECORDED)
                # A concurrent click of the same member got in first: treat as a change.
                existing = await self._vote_row(session, run_id, user_id, phase)
                assert existing is not None
            if existing.viewpoint_position == viewpoint_position:
                return outcome(VoteStatus.UNCHANGED)
            previous = existing.viewpoint_position
            existing.viewpoint_position = viewpoint_position
            existing.voted_at = now
            return outcome(VoteStatus.CHANGED, previous)

    async def my_votes(self, run_id: int, user_id: int, *, guild_id: int) -> MemberVotes:
        """The member's own votes (never anyone else's)."""
        async with self.sessions() as session:
            if await self._run(session, run_id, guild_id) is None:
                raise NotFound(_(RUN_NOT_FOUND))
            rows = {
                v.phase: v
                for v in (
                    await session.execute(
                        select(DiscussionVote).where(
                            DiscussionVote.run_id == run_id, DiscussionVote.user_id == user_id
                        )
                    )
                ).scalars()
            }
        before, after = rows.get(Phase.BEFORE.value), rows.get(Phase.AFTER.value)
        return MemberVotes(
            before_voted=before is not None,
            before=before.viewpoint_position if before else None,
            after_voted=after is not None,
            after=after.viewpoint_position if after else None,
        )

    async def peek(self, run_id: int, *, guild_id: int, is_moderator: bool) -> DiscussionResult:
        """Interim figures of an open discussion, for moderators only (the stored
        result once closed)."""
        if not is_moderator:
            raise NotAllowed(_("Only moderators can see the votes before the discussion ends."))
        async with self.sessions() as session:
            run = await self._run(session, run_id, guild_id)
            if run is None:
                raise NotFound(_(RUN_NOT_FOUND))
            stored = _stored_result(run)
            if stored is not None:
                return stored
            return await self._compute(session, run)

    # -- steelmen -------------------------------------------------------------

    async def steelman(
        self, run_id: int, user_id: int, viewpoint_position: int, text: str, *, guild_id: int
    ) -> SteelmanView:
        """Store a member's strongest case for a viewpoint they did not pick."""
        text = text.strip()
        if not STEELMAN_MIN <= len(text) <= STEELMAN_MAX:
            raise DiscussionError(
                _("A steelman is {min}-{max} characters long (yours has {n}).").format(
                    min=STEELMAN_MIN, max=STEELMAN_MAX, n=len(text)
                )
            )
        now = self.clock()
        try:
            async with self.sessions.begin() as session:
                run = await self._run(session, run_id, guild_id)
                if run is None:
                    raise NotFound(_(RUN_NOT_FOUND))
                if run.status != "open" or now >= run.closes_at + VOTE_GRACE:
                    raise NotAllowed(_("This discussion has ended; steelmen are closed."))
                prompt = await self._prompt(session, run)
                if not 0 <= viewpoint_position < len(prompt.viewpoints):
                    raise NotFound(_("That viewpoint is not part of this discussion."))
                label = prompt.viewpoints[viewpoint_position].label
                opening = await self._vote_row(session, run_id, user_id, Phase.BEFORE)
                if opening is None:
                    raise NotAllowed(
                        _(
                            "Cast your opening vote first (undecided is fine): a steelman makes "
                            "the best case for a viewpoint you did not pick."
                        )
                    )
                if opening.viewpoint_position == viewpoint_position:
                    raise NotAllowed(
                        _(
                            "You picked “{label}” in your opening vote. A steelman makes the "
                            "strongest case for a viewpoint you did not pick: choose another one."
                        ).format(label=label)
                    )
                duplicate = await session.scalar(
                    select(Steelman.id).where(
                        Steelman.run_id == run_id,
                        Steelman.user_id == user_id,
                        Steelman.viewpoint_position == viewpoint_position,
                    )
                )
                if duplicate is not None:
                    raise NotAllowed(_(_ALREADY_STEELMANNED).format(label=label))
                row = Steelman(
                    run_id=run_id,
                    user_id=user_id,
                    viewpoint_position=viewpoint_position,
                    text=text,
                    created_at=now,
                )
                session.add(row)
                await session.flush()
                return SteelmanView(
                    id=row.id,
                    run_id=run_id,
                    user_id=user_id,
                    viewpoint_position=viewpoint_position,
                    label=label,
                    text=text,
                    message_id=None,
                    created_at=now,
                )
        except IntegrityError:
            # A double submit of the same modal: the unique key said no.
            raise NotAllowed(_(_ALREADY_STEELMANNED).format(label=_("this viewpoint"))) from None

    async def set_steelman_message(self, steelman_id: int, message_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(Steelman).where(Steelman.id == steelman_id).values(message_id=message_id)
            )

    async def rate_steelman(
        self, steelman_id: int, user_id: int, rating: int, *, guild_id: int
    ) -> RatingOutcome:
        """Rate another member's steelman 1-5; rating again replaces the earlier rating."""
        if rating not in range(1, 6):
            raise DiscussionError(_("A rating is a whole number from 1 to 5."))
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await session.get(Steelman, steelman_id)
            run = None if row is None else await self._run(session, row.run_id, guild_id)
            if row is None or run is None:
                raise NotFound(_("That steelman does not exist on this server."))
            if row.user_id == user_id:
                raise NotAllowed(_("You cannot rate your own steelman."))
            if run.status != "open" or now >= run.closes_at + VOTE_GRACE:
                raise NotAllowed(_("This discussion has ended; ratings are closed."))
            values = {"steelman_id": steelman_id, "user_id": user_id, "rating": rating}
            if await insert_ignore(session, SteelmanRating, values):
                return RatingOutcome(steelman_id, rating, None)
            existing = await session.get(SteelmanRating, (steelman_id, user_id))
            assert existing is not None
            previous, existing.rating = existing.rating, rating
            return RatingOutcome(steelman_id, rating, previous)

    async def best_steelmen(
        self, run_id: int, n: int = 3, *, guild_id: int | None = None
    ) -> builtins.list[SteelmanView]:
        """The best-rated steelmen (only rated ones), best first.

        Ranked by a Bayesian average (each starts with PRIOR_WEIGHT ratings
        of PRIOR_MEAN), then more ratings, then earlier.
        """
        async with self.sessions() as session:
            run = await self._run(session, run_id, guild_id)
            if run is None:
                raise NotFound(_(RUN_NOT_FOUND))
            prompt = await self._prompt(session, run)
            stats = (
                await session.execute(
                    select(
                        Steelman,
                        func.count(SteelmanRating.rating).label("count"),
                        func.coalesce(func.sum(SteelmanRating.rating), 0).label("total"),
                    )
                    .join(SteelmanRating, SteelmanRating.steelman_id == Steelman.id)
                    .where(Steelman.run_id == run_id)
                    .group_by(Steelman.id)
                )
            ).all()
        labels = prompt.labels

        def score(total: int, count: int) -> float:
            return (total + PRIOR_MEAN * PRIOR_WEIGHT) / (count + PRIOR_WEIGHT)

        ranked = sorted(
            stats,
            key=lambda r: (
                -score(int(r.total), r.count),
                -r.count,
                r.Steelman.created_at,
                r.Steelman.id,
            ),
        )
        return [
            SteelmanView(
                id=r.Steelman.id,
                run_id=run_id,
                user_id=r.Steelman.user_id,
                viewpoint_position=r.Steelman.viewpoint_position,
                label=labels[r.Steelman.viewpoint_position]
                if r.Steelman.viewpoint_position < len(labels)
                else "",
                text=r.Steelman.text,
                message_id=r.Steelman.message_id,
                created_at=r.Steelman.created_at,
                mean_rating=int(r.total) / r.count,
                ratings=r.count,
            )
            for r in ranked[: max(0, n)]
        ]

    # -- closing --------------------------------------------------------------

    async def close(
        self,
        run_id: int,
        closed_by: int | None = None,
        *,
        guild_id: int | None = None,
        is_moderator: bool = False,
    ) -> CloseOutcome:
        """Close a discussion and store its result; idempotent.

        ``closed_by=None`` is the timer (always allowed). A member
        (``closed_by`` set) needs ``guild_id`` and must be the starter or a
        moderator (``is_moderator``, decided by the adapter).
        """
        if closed_by is not None and guild_id is None:
            raise ValueError("a member's close needs the guild_id of the interaction")
        now = self.clock()
        async with self.sessions.begin() as session:
            run = await self._run(session, run_id, guild_id, for_update=True)
            if run is None:
                raise NotFound(_(RUN_NOT_FOUND))
            if run.status == "closed":
                await session.refresh(run)
                view = await self._load_view(session, run)
                assert view.result is not None
                return CloseOutcome(view, view.result, closed_now=False)
            if closed_by is not None and not (is_moderator or closed_by == run.started_by):
                raise NotAllowed(
                    _("Only the member who started this discussion, or a moderator, can close it.")
                )
            result = await self._compute(session, run)
            stored = {**result.to_dict(), "closed_by": closed_by}
            claimed = await session.execute(
                update(DiscussionRun)
                .where(DiscussionRun.id == run_id, DiscussionRun.status == "open")
                .values(status="closed", closed_at=now, result=stored)
                .execution_options(synchronize_session=False)
            )
            await session.refresh(run)
            view = await self._load_view(session, run)
            assert view.result is not None
            return CloseOutcome(view, view.result, closed_now=bool(claimed.rowcount))  # type: ignore[attr-defined]

    async def call_final_vote(
        self, run_id: int, closed_by: int, *, guild_id: int, is_moderator: bool
    ) -> DiscussionView | None:
        """End a discussion early the fair way: open the final vote now.

        The windows derive from (created_at, closes_at), so moving closes_at to
        now + (elapsed / 3) puts "now" exactly at the start of the final
        quarter (capped at an hour of final vote). Returns None when there is
        too little time for a final vote (under a minute): close directly then.
        """
        now = self.clock()
        async with self.sessions.begin() as session:
            run = await self._run(session, run_id, guild_id, for_update=True)
            if run is None or run.status != "open":
                raise NotFound(_(RUN_NOT_FOUND))
            if not (is_moderator or closed_by == run.started_by):
                raise NotAllowed(
                    _("Only the member who started this discussion, or a moderator, can close it.")
                )
            view = await self._load_view(session, run)
            if view.stage(now) is Stage.FINAL_VOTE:
                return view
            final = min((now - run.created_at) / 3, timedelta(hours=1))
            if final < timedelta(minutes=1):
                return None
            run.closes_at = now + final
            run.final_vote_at = now
            run.final_vote_announced_at = now  # the command's reply announces it
            await session.flush()
            return await self._load_view(session, run)

    async def due_to_close(
        self, now: datetime | None = None, *, owns_guild: Callable[[int], bool] | None = None
    ) -> builtins.list[DiscussionView]:
        """Open discussions whose end (plus the vote grace) has passed, oldest first.

        Called at start (after a restart) and by a periodic check; close each
        with ``close(run_id)``.
        """
        now = now or self.clock()
        return await self._open_where(DiscussionRun.closes_at <= now - VOTE_GRACE, owns_guild)

    async def final_votes_due(
        self, now: datetime | None = None, *, owns_guild: Callable[[int], bool] | None = None
    ) -> builtins.list[DiscussionView]:
        """Open discussions whose final vote has opened and was not announced yet.

        Read through the (status, final_vote_at) index: only what is due, never
        every open discussion (a busy bot has thousands open for days).
        """
        now = now or self.clock()
        return await self._open_where(
            (DiscussionRun.final_vote_at <= now) & DiscussionRun.final_vote_announced_at.is_(None),
            owns_guild,
        )

    async def claim_final_vote_notice(self, run_id: int) -> bool:
        """True for exactly one caller (of any process): that one announces it."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(DiscussionRun)
                .where(
                    DiscussionRun.id == run_id,
                    DiscussionRun.status == "open",
                    DiscussionRun.final_vote_announced_at.is_(None),
                )
                .values(final_vote_announced_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_in_channel(self, guild_id: int, channel_id: int) -> DiscussionView | None:
        """The newest open discussion posted in this channel or its thread."""
        stmt = (
            select(DiscussionRun)
            .where(
                DiscussionRun.status == "open",
                DiscussionRun.guild_id == guild_id,
                or_(DiscussionRun.channel_id == channel_id, DiscussionRun.thread_id == channel_id),
            )
            .order_by(DiscussionRun.id.desc())
            .limit(1)
        )
        async with self.sessions() as session:
            run = await session.scalar(stmt)
            return None if run is None else await self._load_view(session, run)

    async def open_runs(
        self, *, owns_guild: Callable[[int], bool] | None = None
    ) -> builtins.list[DiscussionView]:
        """Every open discussion (to re-arm timers and persistent views after a restart)."""
        return await self._open_where(None, owns_guild)

    async def _open_where(
        self, condition: Any, owns_guild: Callable[[int], bool] | None
    ) -> builtins.list[DiscussionView]:
        stmt = select(DiscussionRun).where(DiscussionRun.status == "open")
        if condition is not None:
            stmt = stmt.where(condition)
        stmt = stmt.order_by(DiscussionRun.closes_at, DiscussionRun.id)
        async with self.sessions() as session:
            runs = list((await session.execute(stmt)).scalars())
            return [
                await self._load_view(session, run)
                for run in runs
                if owns_guild is None or owns_guild(run.guild_id)
            ]

    # -- internals ------------------------------------------------------------

    async def _run(
        self,
        session: AsyncSession,
        run_id: int,
        guild_id: int | None,
        *,
        for_update: bool = False,
    ) -> DiscussionRun | None:
        run = await session.get(DiscussionRun, run_id, with_for_update=for_update)
        if run is None or (guild_id is not None and run.guild_id != guild_id):
            return None
        return run

    async def _prompt(self, session: AsyncSession, run: DiscussionRun) -> PromptView:
        """The prompt as this discussion showed it (its revision), whatever was edited since."""
        found = (
            await session.execute(
                select(
                    DiscussionPrompt.guild_id,
                    DiscussionPrompt.slug,
                    DiscussionPrompt.status,
                    PromptRevision.data,
                )
                .join(PromptRevision, PromptRevision.prompt_id == DiscussionPrompt.id)
                .where(PromptRevision.id == run.prompt_revision_id)
            )
        ).one()
        return prompt_from_snapshot(
            found.data,
            prompt_id=run.prompt_id,
            guild_id=found.guild_id,
            slug=found.slug,
            status=found.status,
        )

    async def _load_view(self, session: AsyncSession, run: DiscussionRun) -> DiscussionView:
        return _view(run, await self._prompt(session, run))

    async def _viewpoint_count(self, session: AsyncSession, run: DiscussionRun) -> int:
        return len((await self._prompt(session, run)).viewpoints)

    async def _vote_row(
        self, session: AsyncSession, run_id: int, user_id: int, phase: Phase
    ) -> DiscussionVote | None:
        return await session.scalar(
            select(DiscussionVote).where(
                DiscussionVote.run_id == run_id,
                DiscussionVote.user_id == user_id,
                DiscussionVote.phase == phase.value,
            )
        )

    async def _compute(self, session: AsyncSession, run: DiscussionRun) -> DiscussionResult:
        prompt = await self._prompt(session, run)
        votes = (
            await session.execute(
                select(
                    DiscussionVote.user_id, DiscussionVote.phase, DiscussionVote.viewpoint_position
                ).where(DiscussionVote.run_id == run.id)
            )
        ).all()
        phases: dict[str, dict[int, int | None]] = {p.value: {} for p in Phase}
        for user_id, phase, position in votes:
            phases[phase][user_id] = position
        return compute_result(prompt.labels, phases[Phase.BEFORE], phases[Phase.AFTER])

    # Last, so that `list` in the annotations above still means the builtin.
    async def list(self, guild_id: int, limit: int = 10) -> builtins.list[DiscussionSummary]:
        """The guild's discussions, open and past, newest first (no counts for open ones)."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(DiscussionRun, PromptRevision.data)
                    .join(PromptRevision, PromptRevision.id == DiscussionRun.prompt_revision_id)
                    .where(DiscussionRun.guild_id == guild_id)
                    .order_by(DiscussionRun.created_at.desc(), DiscussionRun.id.desc())
                    .limit(limit)
                )
            ).all()
        return [
            DiscussionSummary(
                run_id=run.id,
                channel_id=run.channel_id,
                thread_id=run.thread_id,
                message_id=run.message_id,
                question=str(data.get("question") or ""),
                status=run.status,
                created_at=run.created_at,
                closes_at=run.closes_at,
                closed_at=run.closed_at,
                result=_stored_result(run),
                translations={
                    language: text
                    for language, text in (data.get("translations") or {}).items()
                    if isinstance(text, dict)
                },
            )
            for run, data in rows
        ]


_ALREADY_STEELMANNED = N_(
    "You already wrote a steelman for “{label}” in this discussion (one per viewpoint)."
)
