"""Tests for bot.core.quiz.spaced: the Leitner rule and the practice pick order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.quiz.spaced import (
    INTERVALS,
    MAX_BOX,
    MIN_GAP_QUESTIONS,
    PracticeState,
    is_due,
    next_state,
    practice_order,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_intervals_are_the_documented_ladder() -> None:
    days = [i.days for i in INTERVALS]
    assert days == [0, 1, 3, 7, 16, 35]
    assert MAX_BOX == 5
    assert MIN_GAP_QUESTIONS >= 1


def test_new_item_correct_goes_to_box_one() -> None:
    state = next_state(None, True, NOW)
    assert state == PracticeState(box=1, due_at=NOW + timedelta(days=1), correct_streak=1, lapses=0)


def test_new_item_missed_is_due_now() -> None:
    state = next_state(None, False, NOW)
    assert state == PracticeState(box=0, due_at=NOW, correct_streak=0, lapses=1)
    assert is_due(state, NOW)
    # The next session, even one minute later, sees it as due.
    assert is_due(state, NOW + timedelta(minutes=1))


def test_correct_answers_climb_the_ladder_and_stay_at_the_top() -> None:
    state = None
    now = NOW
    expected_days = [1, 3, 7, 16, 35, 35, 35]
    for step, days in enumerate(expected_days, start=1):
        state = next_state(state, True, now)
        assert state.box == min(step, MAX_BOX)
        assert state.due_at - now == timedelta(days=days)
        assert state.correct_streak == step
        now = state.due_at


def test_miss_resets_box_and_streak_keeps_lapses() -> None:
    state = PracticeState(box=4, due_at=NOW, correct_streak=4, lapses=2)
    missed = next_state(state, False, NOW)
    assert missed == PracticeState(box=0, due_at=NOW, correct_streak=0, lapses=3)
    assert state.box == 4  # input untouched
    again = next_state(missed, True, NOW + timedelta(minutes=5))
    assert again.box == 1 and again.lapses == 3 and again.correct_streak == 1


def test_not_due_before_interval() -> None:
    state = next_state(None, True, NOW)
    assert not is_due(state, NOW + timedelta(hours=23))
    assert is_due(state, NOW + timedelta(days=1))
    assert not is_due(None, NOW)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_state(None, True, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        practice_order({}, datetime(2026, 1, 1))


@given(st.lists(st.booleans(), max_size=30))
def test_state_invariants(answers: list[bool]) -> None:
    state: PracticeState | None = None
    now = NOW
    misses = 0
    for correct in answers:
        state = next_state(state, correct, now)
        misses += not correct
        assert 0 <= state.box <= MAX_BOX
        assert state.due_at == now + INTERVALS[state.box]
        assert state.lapses == misses
        assert (state.box == 0) == (not correct)
        now += timedelta(hours=7)


def test_practice_order_due_then_new_then_later() -> None:
    states = {
        "later": PracticeState(box=3, due_at=NOW + timedelta(days=2), correct_streak=3, lapses=0),
        "new1": None,
        "old_due": PracticeState(box=2, due_at=NOW - timedelta(days=5), correct_streak=2, lapses=0),
        "missed": PracticeState(box=0, due_at=NOW - timedelta(hours=1), correct_streak=0, lapses=1),
        "new2": None,
        "soon": PracticeState(box=1, due_at=NOW + timedelta(hours=2), correct_streak=1, lapses=0),
    }
    assert practice_order(states, NOW) == ["old_due", "missed", "new1", "new2", "soon", "later"]


def test_just_missed_question_waits_for_the_gap() -> None:
    """A miss comes back in the same session, but only after MIN_GAP_QUESTIONS others."""
    keys = ["q1", "q2", "q3", "q4", "q5"]
    states: dict[str, PracticeState | None] = dict.fromkeys(keys)
    asked: list[str] = []
    now = NOW
    order_of_asking: list[str] = []
    for _ in range(8):
        pick = practice_order(states, now, recently_asked=asked)[0]
        order_of_asking.append(pick)
        asked.append(pick)
        states[pick] = next_state(states[pick], pick != "q1", now)  # q1 always missed
        now += timedelta(seconds=20)
    positions = [i for i, k in enumerate(order_of_asking) if k == "q1"]
    assert positions[0] == 0
    assert len(positions) >= 2
    for a, b in itertools.pairwise(positions):
        assert b - a - 1 >= MIN_GAP_QUESTIONS


def test_small_pool_still_yields_held_questions_last() -> None:
    states = {"a": None, "b": None}
    order = practice_order(states, NOW, recently_asked=["b", "a"], min_gap_questions=3)
    assert order == ["b", "a"]  # both held; the one asked longest ago first
    assert practice_order(states, NOW, recently_asked=["a"], min_gap_questions=0) == ["a", "b"]


def test_practice_order_accepts_pairs_and_rejects_bad_gap() -> None:
    assert practice_order([("x", None), ("y", None)], NOW) == ["x", "y"]
    with pytest.raises(ValueError, match="min_gap_questions"):
        practice_order({}, NOW, min_gap_questions=-1)
