"""Leitner-style spaced repetition for solo practice, across sessions.

Practice should spend a learner's time where it helps: questions they missed
come back soon (in the same session after a short gap, and first thing next
session), questions they know drift out to ever longer intervals.

The rule (one state per learner and question):

* A question never seen has no state (``None``) and counts as "new".
* A **correct** answer moves the question up one box (at most
  :data:`MAX_BOX`) and schedules it ``INTERVALS[box]`` later:
  box 1 → 1 day, 2 → 3 days, 3 → 7 days, 4 → 16 days, 5 → 35 days (and 35 days
  again for every further correct answer at box 5).
* A **miss** sends the question back to box 0 and makes it due *immediately*
  (``due_at = now``), and counts a lapse. "Due now" is what makes it come back
  first in the next session even if that starts a minute later; within the
  current session :func:`practice_order` holds it back until at least
  :data:`MIN_GAP_QUESTIONS` other questions have been asked, so the learner
  answers from memory rather than from the reveal they just read.
* ``lapses`` counts every miss, including a miss on a first sighting, because
  its use is "which questions are hard for this learner", not Anki's
  forgetting-after-learning statistic.

All datetimes must be timezone-aware (UTC in practice): comparing naive and
aware times is a bug that would surface only in production.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

__all__ = [
    "INTERVALS",
    "MAX_BOX",
    "MIN_GAP_QUESTIONS",
    "PracticeState",
    "is_due",
    "next_state",
    "practice_order",
]

INTERVALS: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=16),
    timedelta(days=35),
)
"""Wait before a question in box ``i`` is due again; box 0 (missed) is due at once."""

MAX_BOX = len(INTERVALS) - 1

MIN_GAP_QUESTIONS = 3
"""Other questions to ask before a just-missed question may repeat in a session."""

K = TypeVar("K", bound=Hashable)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")


@dataclass
class PracticeState:
    """Where one question stands for one learner.

    ``box`` is the Leitner box (0 = missed/learning, :data:`MAX_BOX` = known),
    ``due_at`` when it should next be asked, ``correct_streak`` consecutive
    correct answers, ``lapses`` total misses.
    """

    box: int
    due_at: datetime
    correct_streak: int
    lapses: int


def next_state(state: PracticeState | None, correct: bool, now: datetime) -> PracticeState:
    """The state after answering a question at ``now``; ``state`` is not modified.

    A new question answered correctly goes straight to box 1 (due tomorrow):
    getting it right cold is evidence enough to wait a day. See the module
    docstring for the full rule.

    Raises:
        ValueError: if ``now`` is naive.
    """
    _require_aware(now, "now")
    box = state.box if state is not None else 0
    streak = state.correct_streak if state is not None else 0
    lapses = state.lapses if state is not None else 0
    if correct:
        new_box = min(max(box, 0) + 1, MAX_BOX)
        return PracticeState(
            box=new_box,
            due_at=now + INTERVALS[new_box],
            correct_streak=streak + 1,
            lapses=lapses,
        )
    return PracticeState(box=0, due_at=now, correct_streak=0, lapses=lapses + 1)


def is_due(state: PracticeState | None, now: datetime) -> bool:
    """True if the question should be asked again by ``now`` (new questions are not "due")."""
    _require_aware(now, "now")
    return state is not None and state.due_at <= now


def practice_order(
    states: Mapping[K, PracticeState | None] | Iterable[tuple[K, PracticeState | None]],
    now: datetime,
    recently_asked: Iterable[K] = (),
    min_gap_questions: int = MIN_GAP_QUESTIONS,
) -> list[K]:
    """Order question keys for the next pick of a practice session.

    Order: due questions first (most overdue first, then lower box, so the
    freshest misses lead), then new questions (in the given order, so the
    caller controls their shuffle), then not-yet-due questions soonest-first
    (so a learner who wants to keep going still gets the weakest material).

    Questions among the last ``min_gap_questions`` of ``recently_asked``
    (oldest first, as asked in this session) are moved to the very end rather
    than dropped, so a tiny question pool still yields something to ask.

    Raises:
        ValueError: if ``now`` is naive or ``min_gap_questions`` is negative.
    """
    _require_aware(now, "now")
    if min_gap_questions < 0:
        raise ValueError(f"min_gap_questions must be >= 0, got {min_gap_questions}")
    items = list(states.items()) if isinstance(states, Mapping) else list(states)
    asked = list(recently_asked)
    recent = asked[max(0, len(asked) - min_gap_questions) :]
    held = set(recent)

    due: list[tuple[datetime, int, int, K]] = []
    new: list[K] = []
    later: list[tuple[datetime, int, int, K]] = []
    for position, (key, state) in enumerate(items):
        if state is None:
            new.append(key)
        elif state.due_at <= now:
            due.append((state.due_at, state.box, position, key))
        else:
            later.append((state.due_at, state.box, position, key))
    due.sort(key=lambda t: t[:3])
    later.sort(key=lambda t: t[:3])
    ordered = [t[3] for t in due] + new + [t[3] for t in later]
    known = set(ordered)
    fresh = [k for k in ordered if k not in held]
    # Held-back keys go last, the one asked longest ago first.
    last_asked = {k: i for i, k in enumerate(recent)}
    held_order = sorted((k for k in last_asked if k in known), key=last_asked.__getitem__)
    return fresh + held_order
