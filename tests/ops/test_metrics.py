"""The interaction counters an operator reads on /metrics."""

from __future__ import annotations

from bot.ops.metrics import UNANSWERED_AFTER_S, Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counted(metrics: Metrics, outcome: str, kind: str = "component") -> float:
    value = metrics.registry.get_sample_value(
        "quizbot_interactions_total", {"kind": kind, "outcome": outcome}
    )
    return value or 0.0


def test_an_interaction_never_answered_is_counted_once_certainly_too_late() -> None:
    clock = Clock()
    metrics = Metrics(clock=clock)
    metrics.interaction_received(1, "component")  # never answered
    clock.now += 1
    metrics.interaction_received(2, "component")
    metrics.interaction_answered(2, 204)

    clock.now += UNANSWERED_AFTER_S - 2  # interaction 1 is 14 s old: it may still be answered
    metrics.interaction_received(3, "command")
    assert counted(metrics, "unanswered") == 0

    clock.now += 2  # now 16 s old
    metrics.interaction_received(4, "command")
    assert counted(metrics, "unanswered") == 1
    assert counted(metrics, "answered") == 1
    metrics.interaction_answered(3, 204)  # the younger ones are still tracked
    assert counted(metrics, "answered", "command") == 1


def test_many_interactions_in_flight_are_all_accounted_for() -> None:
    """A busy server has hundreds of clicks in flight; each is counted exactly once."""
    clock = Clock()
    metrics = Metrics(clock=clock)
    for interaction_id in range(500):
        metrics.interaction_received(interaction_id, "component")
        clock.now += 0.01
    for interaction_id in range(0, 500, 2):
        metrics.interaction_answered(interaction_id, 204)
    clock.now += UNANSWERED_AFTER_S + 1
    metrics.interaction_received(10_000, "component")
    assert counted(metrics, "answered") == 250
    assert counted(metrics, "unanswered") == 250
    metrics.interaction_answered(10_000, 404)
    assert counted(metrics, "expired") == 1
