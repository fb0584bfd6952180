"""What one member or one server may hold at once: the quotas, in one typed place.

Why: the bot serves many servers from one process and one database, so what
one server does must not slow down another. A member once started fifteen
50-question quizzes and twenty week-long discussions in one channel; with
these limits that is refused with a message that names the limit and says who
can change it.

Each limit has a default (what every server gets) and bounds: a server owner
may move it within them with ``/config limits``, but never past the bot's
maximum, because the maximum is what protects the *other* servers. Overrides
are stored per server (``guilds.limits``, a JSON object of name -> number);
anything unknown or out of bounds in it is ignored, never trusted.

Pure: no I/O. The counting lives in ``bot/services/quotas.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Limit:
    """One quota: its name in ``/config limits``, default and the bounds a server may set."""

    name: str
    default: int
    minimum: int
    maximum: int
    describes: str  # what is counted, in the user's words, e.g. "quizzes running per member"
    unit: str = ""  # " s" for cooldowns

    def show(self, value: int) -> str:
        return f"{value:,}{self.unit}"


# The one list of quotas. Order is the order `/config limits` shows them in.
LIMITS: tuple[Limit, ...] = (
    Limit("quizzes_per_member", 2, 0, 10, "quizzes running at once that one member started"),
    Limit("quizzes_per_server", 10, 0, 50, "quizzes running at once on this server"),
    Limit("quiz_cooldown", 30, 5, 3600, "wait between two /quiz start by one member", " s"),
    Limit("discussions_per_member", 3, 0, 20, "open discussions that one member started"),
    Limit("discussions_per_channel", 3, 0, 20, "open discussions in one channel"),
    Limit("discussions_per_server", 25, 0, 200, "open discussions on this server"),
    Limit(
        "discussion_cooldown", 60, 5, 3600, "wait between two /discuss start by one member", " s"
    ),
    Limit("questions_per_server", 20_000, 0, 1_000_000, "questions of this server's own"),
    Limit("pending_uploads", 3, 0, 20, "uploads waiting for Import or Cancel on this server"),
)
BY_NAME: dict[str, Limit] = {limit.name: limit for limit in LIMITS}

HOW_TO_CHANGE = "A member with **Manage Server** can change it with `/config limits`"


class QuotaExceeded(Exception):
    """A refusal because a quota is reached; the message names the limit (shown as is)."""


class UnknownLimit(ValueError):
    pass


@dataclass(frozen=True)
class Limits:
    """A server's effective limits: the defaults with its valid overrides applied."""

    values: Mapping[str, int]

    @classmethod
    def for_server(cls, overrides: Mapping[str, object] | None) -> Limits:
        values = {limit.name: limit.default for limit in LIMITS}
        for name, value in (overrides or {}).items():
            limit = BY_NAME.get(name)
            # JSON may hold anything; a bool is an int in Python, and not a limit.
            if limit is None or not isinstance(value, int) or isinstance(value, bool):
                continue
            if limit.minimum <= value <= limit.maximum:
                values[name] = value
        return cls(values)

    def __getitem__(self, name: str) -> int:
        return self.values[name]

    def cooldown(self, name: str) -> timedelta:
        return timedelta(seconds=self.values[name])


def check_override(name: str, value: int) -> Limit:
    """The limit a server owner wants to set, if the value is within its bounds."""
    limit = BY_NAME.get(name)
    if limit is None:
        raise UnknownLimit(f"There is no limit called {name!r}.")
    if not limit.minimum <= value <= limit.maximum:
        raise QuotaExceeded(
            f"`{name}` can be set from {limit.show(limit.minimum)} to "
            f"{limit.show(limit.maximum)} (the bot's bounds, which protect every server "
            f"it serves); {limit.show(value)} is outside them."
        )
    return limit


def how_to_raise(limits: Limits, name: str) -> str:
    """The closing sentence of a refusal: who can change the limit, and how far."""
    limit = BY_NAME[name]
    if limits[name] >= limit.maximum:
        return f"That is the most the bot allows (`{name}` = {limit.show(limit.maximum)})."
    return f"{HOW_TO_CHANGE} (`{name}`, up to {limit.show(limit.maximum)})."


def too_many(limits: Limits, name: str, counted: str, advice: str) -> QuotaExceeded:
    """A refusal for a count limit: which limit and its value, how many there are (the
    sentence ``counted``), what to do, who can change it."""
    return QuotaExceeded(
        f"Limit reached: {BY_NAME[name].describes}: {limits[name]:,}. {counted}. {advice} "
        f"{how_to_raise(limits, name)}"
    )


def refuse_cooldown(limits: Limits, name: str, wait: timedelta, what: str) -> QuotaExceeded:
    seconds = max(1, int(-(-wait.total_seconds() // 1)))  # round up: never "wait 0 s"
    return QuotaExceeded(
        f"{what} Please wait {seconds} s more (cooldown: {limits[name]} s per member). "
        f"{HOW_TO_CHANGE} (`{name}`)."
    )


def describe(limits: Limits) -> list[str]:
    """One line per limit for `/config limits`: value, default, bounds."""
    lines = []
    for limit in LIMITS:
        value = limits[limit.name]
        mark = "" if value == limit.default else f" (default {limit.show(limit.default)})"
        lines.append(
            f"`{limit.name}` **{limit.show(value)}**{mark}: {limit.describes} · "
            f"{limit.show(limit.minimum)}-{limit.show(limit.maximum)}"
        )
    return lines
