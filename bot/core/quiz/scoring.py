"""Points, streaks, rankings and per-round tallies for live quizzes.

Everything here is pure arithmetic so the live-game service, the reveal embed
and the leaderboard all agree on one set of numbers, and so the rules can be
tested without a clock, a database or Discord.

Rules chosen:

* Speed points follow Kahoot's published formula, so players who know Kahoot
  find the numbers familiar: a correct answer is worth between 1000 (instant)
  and 500 (at the buzzer) points, rounded half up.
* The streak bonus rewards consistency without letting one long streak bury
  everyone else: +100 per consecutive correct answer beyond the first, capped
  at +500.
* Ranking is by points, then by total answer time (faster is better), then by
  user id purely so the order is deterministic; only players equal on both
  points and time share a rank ("1224" competition ranking).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "MAX_POINTS",
    "STREAK_BONUS_CAP",
    "STREAK_BONUS_STEP",
    "PlayerResult",
    "RankedResult",
    "RoundAnswer",
    "RoundTally",
    "answer_points",
    "points_for",
    "rank",
    "streak_bonus",
]

MAX_POINTS = 1000
"""Points for a correct answer given instantly; half of this at the time limit."""

STREAK_BONUS_STEP = 100
"""Bonus added per consecutive correct answer beyond the first."""

STREAK_BONUS_CAP = 500
"""Largest streak bonus, reached at a streak of six."""


def _round_half_up(value: float) -> int:
    # Python's round() is banker's rounding; half-up is what players expect
    # when they check the arithmetic by hand.
    return math.floor(value + 0.5)


def points_for(correct: bool, elapsed: float, limit: float) -> int:
    """Kahoot's speed score: ``round(1000 * (1 - elapsed / limit / 2))``.

    Wrong answers and answers after the limit earn nothing, because the timer
    is the rule the whole channel saw. A negative ``elapsed`` (clock skew
    between the interaction timestamp and the round start) is clamped to zero
    rather than rewarded with more than 1000 points. ``elapsed`` and ``limit``
    share one unit (seconds or milliseconds, the caller's choice).

    Raises:
        ValueError: if ``limit`` is not a positive finite number or ``elapsed``
            is NaN, since silently scoring those would hide a caller bug.
    """
    if not math.isfinite(limit) or limit <= 0:
        raise ValueError(f"limit must be a positive finite number, got {limit!r}")
    if math.isnan(elapsed):
        raise ValueError("elapsed must be a number, got NaN")
    if not correct:
        return 0
    elapsed = max(0.0, elapsed)
    if elapsed > limit:
        return 0
    return _round_half_up(MAX_POINTS * (1 - elapsed / limit / 2))


def streak_bonus(streak: int) -> int:
    """Bonus for the ``streak``-th consecutive correct answer (this one included).

    A first correct answer earns no bonus so the bonus only ever rewards
    consistency; the cap keeps a long streak from deciding a game on its own.
    ``0`` (the answer was wrong) earns nothing.

    Raises:
        ValueError: for a negative streak, which can only be a caller bug.
    """
    if streak < 0:
        raise ValueError(f"streak must be >= 0, got {streak}")
    if streak <= 1:
        return 0
    return min(STREAK_BONUS_STEP * (streak - 1), STREAK_BONUS_CAP)


def answer_points(
    correct: bool,
    elapsed: float,
    limit: float,
    streak: int,
    *,
    streak_bonus_enabled: bool = True,
) -> int:
    """Total points for one answer: speed points plus the streak bonus if enabled.

    Kept in one place so the game loop cannot award a streak bonus on an answer
    that earned no speed points (wrong, or after the limit). ``streak`` counts
    consecutive correct answers including this one, as in :func:`streak_bonus`.
    """
    base = points_for(correct, elapsed, limit)
    if base == 0 or not streak_bonus_enabled:
        return base
    return base + streak_bonus(streak)


@dataclass(frozen=True)
class PlayerResult:
    """One player's totals for a game, as needed to rank them.

    ``total_time_ms`` is the sum of the player's answer times; it only breaks
    ties, so lower-is-better without further meaning.
    """

    user_id: int
    points: int
    correct: int
    answered: int
    total_time_ms: int
    best_streak: int


@dataclass(frozen=True)
class RankedResult:
    """A :class:`PlayerResult` with its 1-based rank; equal rank means an exact tie."""

    rank: int
    result: PlayerResult

    @property
    def user_id(self) -> int:
        """Shortcut because the leaderboard mostly needs who and where."""
        return self.result.user_id

    @property
    def points(self) -> int:
        """Shortcut because the leaderboard mostly needs who and how many points."""
        return self.result.points


def rank(results: Iterable[PlayerResult]) -> list[RankedResult]:
    """Order players for the leaderboard and number them.

    Points decide first; total answer time breaks ties (fast and right beats
    slow and right); user id is only a final tiebreak so the same inputs always
    produce the same list. Players equal on points *and* time share a rank and
    the next rank is skipped (1, 2, 2, 4), which is what people read as fair.
    """
    ordered = sorted(results, key=lambda r: (-r.points, r.total_time_ms, r.user_id))
    ranked: list[RankedResult] = []
    for position, result in enumerate(ordered, start=1):
        if ranked:
            previous = ranked[-1]
            same = (
                previous.result.points == result.points
                and previous.result.total_time_ms == result.total_time_ms
            )
            if same:
                ranked.append(RankedResult(rank=previous.rank, result=result))
                continue
        ranked.append(RankedResult(rank=position, result=result))
    return ranked


class RoundAnswer(NamedTuple):
    """One submitted answer; a plain tuple in this order works too.

    ``choice_index`` is ``None`` for short-answer (typed) questions.
    """

    user_id: int
    choice_index: int | None
    correct: bool
    elapsed_ms: int


@dataclass(frozen=True)
class RoundTally:
    """What the reveal shows after a question: how the room split and who won it.

    Built by :meth:`from_answers` so that the reveal, the stats page and tests
    all count the same way (first answer per user wins; ties on speed go to the
    lower user id for determinism).
    """

    distribution: tuple[int, ...]
    """Number of players who picked each choice, indexed like the choices."""
    typed: int
    """Answers without a choice index (short-answer questions)."""
    correct_user_ids: tuple[int, ...]
    """Players who were right, fastest first."""
    fastest_correct: RoundAnswer | None
    """The fastest correct answer, or ``None`` if nobody was right."""
    answered: int
    """Distinct players who answered."""

    @classmethod
    def from_answers(
        cls, answers: Iterable[tuple[int, int | None, bool, int]], choice_count: int = 0
    ) -> RoundTally:
        """Tally answers given as ``(user_id, choice_index | None, correct, elapsed_ms)``.

        Only a user's first answer counts: the live service should already
        refuse a second one, but the tally must not double-count if a retry
        slips through. ``choice_count`` sizes :attr:`distribution` so options
        nobody picked still show as zero.

        Raises:
            ValueError: if a choice index is outside ``range(choice_count)``,
                because a bar chart with a phantom option would mislead.
        """
        if choice_count < 0:
            raise ValueError(f"choice_count must be >= 0, got {choice_count}")
        counts = [0] * choice_count
        typed = 0
        seen: set[int] = set()
        correct: list[RoundAnswer] = []
        for raw in answers:
            answer = RoundAnswer(*raw)
            if answer.user_id in seen:
                continue
            seen.add(answer.user_id)
            if answer.choice_index is None:
                typed += 1
            elif 0 <= answer.choice_index < choice_count:
                counts[answer.choice_index] += 1
            else:
                raise ValueError(
                    f"choice_index {answer.choice_index} is outside 0..{choice_count - 1}"
                )
            if answer.correct:
                correct.append(answer)
        correct.sort(key=lambda a: (a.elapsed_ms, a.user_id))
        return cls(
            distribution=tuple(counts),
            typed=typed,
            correct_user_ids=tuple(a.user_id for a in correct),
            fastest_correct=correct[0] if correct else None,
            answered=len(seen),
        )

    @property
    def correct_count(self) -> int:
        """How many players were right; the reveal's headline number."""
        return len(self.correct_user_ids)

    def shares(self) -> Sequence[float]:
        """Fraction of choice answers per option (0.0 each when nobody chose).

        Fractions rather than percentages so the renderer decides rounding.
        """
        total = sum(self.distribution)
        if total == 0:
            return tuple(0.0 for _ in self.distribution)
        return tuple(count / total for count in self.distribution)
