"""Time as a dependency: services ask a clock, tests hand them one they control."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]


def utcnow() -> datetime:
    return datetime.now(UTC)


def monotonic_of(clock: Clock) -> Monotonic:
    """The monotonic seconds that go with `clock`: its own if it has one (a test clock),
    else the process's. Durations (an answer's time) are measured on this, so a wall
    clock that steps cannot make them negative or huge."""
    return getattr(clock, "monotonic", time.monotonic)


class ManualClock:
    """A clock that moves only when told: for tests of deadlines and schedules.

    `advance` moves the wall clock and the monotonic reading together, as real
    time passing does; `step` moves only the wall clock, as an NTP correction or
    a manual change of the system time does.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        self.elapsed = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, **delta: float) -> datetime:
        step = timedelta(**delta)
        self.now += step
        self.elapsed += step.total_seconds()
        return self.now

    def step(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
