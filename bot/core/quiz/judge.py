"""Judging one answer: which choice it meant, whether it is right, its time and points.

There are two ways an answer is recorded: the in-memory fast path of rounds this
process drives (`bot.services.quiz.live_answers`) and the database path for every
other round (`QuizService.answer`). Both call `judge`, so the two can never
disagree on what a click is worth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.quiz.matching import matches
from bot.core.quiz.scoring import points_for

MAX_TEXT_ANSWER = 200
"""Characters of a typed answer that are kept (the form allows no more)."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """What one answer is worth. ``choice_index`` is in the question's own order."""

    choice_index: int | None
    text: str | None
    correct: bool
    elapsed_ms: int
    points: int


def clamp_elapsed(elapsed_seconds: float, limit_seconds: float) -> float:
    """Elapsed time held to ``[0, limit]``.

    A wall clock that steps (NTP, a manual change) can make the time since a
    round's start negative or huge; clamping means such a step can neither award
    more than a member could earn honestly (1,000 points at 0 ms) nor crash.
    """
    if math.isnan(elapsed_seconds):
        return float(limit_seconds)
    return min(max(0.0, elapsed_seconds), float(limit_seconds))


def judge(
    *,
    order: Sequence[int],
    correct_index: int | None,
    accepted_answers: Sequence[str],
    limit_seconds: int,
    elapsed_seconds: float,
    choice: int | None,
    text: str | None,
) -> Judgement | None:
    """Judge a click on button ``choice`` (a shown position) or a typed ``text``.

    ``order`` maps shown positions to the question's choice indexes. Returns None
    for a button that does not exist (a forged or stale custom id).
    """
    elapsed = clamp_elapsed(elapsed_seconds, limit_seconds)
    elapsed_ms = int(elapsed * 1000)
    if choice is not None:
        if not 0 <= choice < len(order):
            return None
        original: int | None = order[choice]
        given = None
        correct = original == correct_index
    else:
        original, given = None, (text or "").strip()[:MAX_TEXT_ANSWER]
        correct = matches(given, list(accepted_answers))
    points = points_for(correct, elapsed_ms / 1000, limit_seconds)
    return Judgement(original, given, correct, elapsed_ms, points)
