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

from bot.i18n import N_, _, format_number


@dataclass(frozen=True)
class Limit:
    """One quota: its name in ``/config limits``, default and the bounds a server may set."""

    name: str
    default: int
    minimum: int
    maximum: int
    # What is counted, in the user's words ("quizzes running per member"); marked for
    # the catalog with N_ and translated where it is shown (`what`).
    describes: str
    seconds: bool = False  # a cooldown, shown as "30 s"

    @property
    def what(self) -> str:
        return _(self.describes)

    def show(self, value: int) -> str:
        """A value of this limit the language's way ("20,000", "20 000"; "30 s", "30 с")."""
        number = format_number(value)
        return _("{n} s").format(n=number) if self.seconds else number


# The one list of quotas. Order is the order `/config limits` shows them in.
LIMITS: tuple[Limit, ...] = (
    Limit("quizzes_per_member", 2, 0, 10, N_("quizzes running at once that one member started")),
    Limit("quizzes_per_server", 10, 0, 50, N_("quizzes running at once on this server")),
    Limit(
        "quiz_cooldown",
        30,
        5,
        3600,
        N_("wait between two /quiz start by one member"),
        seconds=True,
    ),
    Limit("discussions_per_member", 3, 0, 20, N_("open discussions that one member started")),
    Limit("discussions_per_channel", 3, 0, 20, N_("open discussions in one channel")),
    Limit("discussions_per_server", 25, 0, 200, N_("open discussions on this server")),
    Limit(
        "discussion_cooldown",
        60,
        5,
        3600,
        N_("wait between two /discuss start by one member"),
        seconds=True,
    ),
    Limit("questions_per_server", 20_000, 0, 1_000_000, N_("questions of this server's own")),
    Limit("pending_uploads", 3, 0, 20, N_("uploads waiting for Import or Cancel on this server")),
)
BY_NAME: dict[str, Limit] = {limit.name: limit for limit in LIMITS}

HOW_TO_CHANGE = N_("A member with **Manage Server** can change it with `/config limits`")


class QuotaExceeded(Exception):
    """A refusal because a quota is reached; the message names the limit (shown as is,
    so it is written in the language of the interaction that hit it)."""


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
        raise UnknownLimit(_("There is no limit called `{name}`.").format(name=name))
    if not limit.minimum <= value <= limit.maximum:
        raise QuotaExceeded(
            _(
                "`{name}` can be set from {minimum} to {maximum} (the bot's bounds, which "
                "protect every server it serves); {value} is outside them."
            ).format(
                name=name,
                minimum=limit.show(limit.minimum),
                maximum=limit.show(limit.maximum),
                value=limit.show(value),
            )
        )
    return limit


def how_to_raise(limits: Limits, name: str) -> str:
    """The closing sentence of a refusal: who can change the limit, and how far."""
    limit = BY_NAME[name]
    if limits[name] >= limit.maximum:
        return _("That is the most the bot allows (`{name}` = {maximum}).").format(
            name=name, maximum=limit.show(limit.maximum)
        )
    return _("{how_to_change} (`{name}`, up to {maximum}).").format(
        how_to_change=_(HOW_TO_CHANGE), name=name, maximum=limit.show(limit.maximum)
    )


def too_many(limits: Limits, name: str, counted: str, advice: str) -> QuotaExceeded:
    """A refusal for a count limit: which limit and its value, how many there are (the
    sentence ``counted``, already in the member's language, with its count's plural),
    what to do, who can change it."""
    limit = BY_NAME[name]
    return QuotaExceeded(
        _("Limit reached: {what}: {value}. {counted}. {advice} {how_to_raise}").format(
            what=limit.what,
            value=limit.show(limits[name]),
            counted=counted,
            advice=advice,
            how_to_raise=how_to_raise(limits, name),
        )
    )


def refuse_cooldown(limits: Limits, name: str, wait: timedelta, what: str) -> QuotaExceeded:
    seconds = max(1, int(-(-wait.total_seconds() // 1)))  # round up: never "wait 0 s"
    return QuotaExceeded(
        _(
            "{what} Please wait {seconds} s more (cooldown: {cooldown} s per member). "
            "{how_to_change} (`{name}`)."
        ).format(
            what=what,
            seconds=seconds,
            cooldown=limits[name],
            how_to_change=_(HOW_TO_CHANGE),
            name=name,
        )
    )


def describe(limits: Limits) -> list[str]:
    """One line per limit for `/config limits`: value, default, bounds."""
    lines = []
    for limit in LIMITS:
        value = limits[limit.name]
        mark = (
            ""
            if value == limit.default
            else " " + _("(default {default})").format(default=limit.show(limit.default))
        )
        lines.append(
            f"`{limit.name}` **{limit.show(value)}**{mark}: {limit.what} · "
            f"{limit.show(limit.minimum)}-{limit.show(limit.maximum)}"
        )
    return lines
