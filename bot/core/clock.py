"""Time as a dependency: services ask a clock, tests hand them one they control."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: for tests of deadlines and schedules."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class ScaledClock:
    """Wall-clock time running `speed` times faster: end-to-end tests play a
    20-second round in a fraction of a second without changing any rule."""

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        import time

        self.speed = speed
        self._monotonic = time.monotonic
        self._origin = start or utcnow()
        self._started = self._monotonic()

    def __call__(self) -> datetime:
        return self._origin + timedelta(seconds=(self._monotonic() - self._started) * self.speed)


def real_seconds(clock: Clock, seconds: float) -> float:
    """How long to really wait for `seconds` to pass on `clock`."""
    return seconds / getattr(clock, "speed", 1.0)
