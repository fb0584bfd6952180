"""One judge for both answer paths: choice mapping, typed answers, clamped time."""

from __future__ import annotations

from bot.core.quiz.judge import clamp_elapsed, judge

ORDER = [2, 0, 3, 1]  # button 0 shows choice 2, ...


def click(button: int, elapsed: float, limit: int = 20):  # type: ignore[no-untyped-def]
    return judge(
        order=ORDER,
        correct_index=0,
        accepted_answers=(),
        limit_seconds=limit,
        elapsed_seconds=elapsed,
        choice=button,
        text=None,
    )


def test_a_button_maps_to_its_choice_and_scores_by_speed() -> None:
    right = click(1, 0.0)
    assert right is not None and right.choice_index == 0 and right.correct
    assert right.points == 1000
    half = click(1, 20.0)
    assert half is not None and half.points == 500 and half.elapsed_ms == 20_000
    wrong = click(0, 1.0)
    assert wrong is not None and wrong.choice_index == 2 and not wrong.correct
    assert wrong.points == 0


def test_a_button_that_does_not_exist_is_refused() -> None:
    assert click(4, 1.0) is None
    assert click(-1, 1.0) is None


def test_a_clock_step_scores_no_more_than_an_honest_answer() -> None:
    back = click(1, -3600.0)  # the wall clock stepped back an hour
    assert back is not None and back.elapsed_ms == 0
    forward = click(1, 3600.0)  # or forward: held at the limit, not past it
    assert forward is not None and forward.elapsed_ms == 20_000 and forward.points == 500
    assert clamp_elapsed(float("nan"), 20) == 20


def test_typed_answers_are_trimmed_and_matched() -> None:
    typed = judge(
        order=[],
        correct_index=None,
        accepted_answers=("Oskil",),
        limit_seconds=20,
        elapsed_seconds=2.0,
        choice=None,
        text="  oskil  ",
    )
    assert typed is not None and typed.correct and typed.text == "oskil"
    assert typed.choice_index is None and typed.points == 950
