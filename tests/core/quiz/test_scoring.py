"""Tests for bot.core.quiz.scoring: Kahoot points, streaks, ranking and round tallies."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.quiz.scoring import (
    PlayerResult,
    RankedResult,
    RoundAnswer,
    RoundTally,
    answer_points,
    points_for,
    rank,
    streak_bonus,
)


@pytest.mark.parametrize(
    ("correct", "elapsed", "limit", "expected"),
    [
        (True, 0.0, 20.0, 1000),
        (True, 10.0, 20.0, 750),
        (True, 20.0, 20.0, 500),
        (True, 20.01, 20.0, 0),
        (True, -3.0, 20.0, 1000),  # clock skew is clamped, never > 1000
        (False, 0.0, 20.0, 0),
        (False, 5.0, 20.0, 0),
        (True, 1.0, 30.0, 983),  # 983.33 rounds down
        (True, 3.0, 20.0, 925),
        (True, 1.0, 8.0, 938),  # 937.5 rounds half up
        (True, 5000, 20000, 875),  # milliseconds work the same
    ],
)
def test_points_for(correct: bool, elapsed: float, limit: float, expected: int) -> None:
    assert points_for(correct, elapsed, limit) == expected


@pytest.mark.parametrize("limit", [0.0, -1.0, float("inf"), float("nan")])
def test_points_for_rejects_bad_limit(limit: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        points_for(True, 1.0, limit)


def test_points_for_rejects_nan_elapsed() -> None:
    with pytest.raises(ValueError, match="elapsed"):
        points_for(True, float("nan"), 10.0)


@given(st.floats(min_value=-1e6, max_value=1e6), st.floats(min_value=0.001, max_value=1e6))
def test_points_for_bounds(elapsed: float, limit: float) -> None:
    points = points_for(True, elapsed, limit)
    assert points == 0 or 500 <= points <= 1000


@pytest.mark.parametrize(
    ("streak", "bonus"),
    [(0, 0), (1, 0), (2, 100), (3, 200), (4, 300), (5, 400), (6, 500), (7, 500), (50, 500)],
)
def test_streak_bonus(streak: int, bonus: int) -> None:
    assert streak_bonus(streak) == bonus


def test_streak_bonus_rejects_negative() -> None:
    with pytest.raises(ValueError):
        streak_bonus(-1)


def test_answer_points_combines_and_respects_switch() -> None:
    assert answer_points(True, 0, 20, 3) == 1200
    assert answer_points(True, 0, 20, 3, streak_bonus_enabled=False) == 1000
    assert answer_points(False, 0, 20, 3) == 0  # no bonus without speed points
    assert answer_points(True, 25, 20, 3) == 0  # too late: no bonus either


def _p(uid: int, points: int, time_ms: int) -> PlayerResult:
    return PlayerResult(
        user_id=uid, points=points, correct=1, answered=1, total_time_ms=time_ms, best_streak=1
    )


def test_rank_orders_by_points_then_time_then_id() -> None:
    results = [_p(5, 900, 4000), _p(1, 1500, 9000), _p(3, 900, 3000), _p(2, 900, 3000)]
    ranked = rank(results)
    assert [r.user_id for r in ranked] == [1, 2, 3, 5]
    assert [r.rank for r in ranked] == [1, 2, 2, 4]  # 2 and 3 tie exactly
    assert ranked[0] == RankedResult(rank=1, result=results[1])
    assert ranked[0].points == 1500


def test_rank_same_points_different_time_do_not_share() -> None:
    ranked = rank([_p(1, 100, 2), _p(2, 100, 1)])
    assert [(r.user_id, r.rank) for r in ranked] == [(2, 1), (1, 2)]


def test_rank_empty_and_all_tied() -> None:
    assert rank([]) == []
    assert [r.rank for r in rank([_p(i, 0, 0) for i in range(4)])] == [1, 1, 1, 1]


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
        max_size=30,
    )
)
def test_rank_properties(rows: list[tuple[int, int]]) -> None:
    results = [_p(uid, pts * 100, t) for uid, (pts, t) in enumerate(rows)]
    ranked = rank(results)
    assert sorted(r.user_id for r in ranked) == list(range(len(rows)))
    for position, (a, b) in enumerate(itertools.pairwise(ranked), start=2):
        assert (a.points, -a.result.total_time_ms) >= (b.points, -b.result.total_time_ms)
        tied = (a.points, a.result.total_time_ms) == (b.points, b.result.total_time_ms)
        assert b.rank == (a.rank if tied else position)
    assert rank(list(reversed(results))) == ranked  # input order never matters


def test_round_tally_distribution_and_fastest() -> None:
    answers = [
        RoundAnswer(10, 0, False, 1200),
        (11, 2, True, 3000),
        (12, 2, True, 800),
        (13, 2, True, 800),  # same time as 12: lower id first
        (14, 1, False, 500),
        (12, 0, False, 100),  # second answer from 12 is ignored
    ]
    tally = RoundTally.from_answers(answers, choice_count=4)
    assert tally.distribution == (1, 1, 3, 0)
    assert tally.typed == 0
    assert tally.answered == 5
    assert tally.correct_user_ids == (12, 13, 11)
    assert tally.correct_count == 3
    assert tally.fastest_correct == RoundAnswer(12, 2, True, 800)
    assert tally.shares() == pytest.approx((0.2, 0.2, 0.6, 0.0))


def test_round_tally_typed_and_nobody_right() -> None:
    tally = RoundTally.from_answers([(1, None, False, 10), (2, None, False, 20)])
    assert tally.distribution == ()
    assert tally.typed == 2
    assert tally.fastest_correct is None
    assert tally.correct_user_ids == ()
    assert RoundTally.from_answers([], choice_count=3).shares() == (0.0, 0.0, 0.0)


def test_round_tally_rejects_phantom_choice() -> None:
    with pytest.raises(ValueError, match="choice_index 4"):
        RoundTally.from_answers([(1, 4, True, 10)], choice_count=4)
