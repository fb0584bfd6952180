"""What a discussion's opening and final votes show, and when each vote is open.

Pure domain: no I/O, no clock of its own. Two parts:

**The vote windows.** A discussion runs from its start to ``closes_at``
(duration D). The *opening* vote ("before") is open for the first half,
``[start, start + D/2)``. The *final* vote ("after") is open for the last
quarter, ``[start + 3D/4, closes_at + VOTE_GRACE)``: the grace lets a click
made in the last second still count while it travels. Between the two
windows members read the viewpoints and argue in the thread. The windows
never overlap, so nobody can vote "before" after having voted "after".

**The result.** Each phase's shares are computed over *that phase's
voters* (undecided counts as a choice, so shares in a phase add up to 100 %).
A member who voted in only one phase counts in that phase's shares and is
reported separately (``only_before``, ``only_after``); "changed their mind"
is counted only over members who voted in *both* phases. The measure shown
(as in Intelligence Squared debates) is which viewpoint **gained most** share
points from the opening to the final vote. It describes movement during the
discussion; it does not rank the viewpoints, and nothing here calls any of
them a winner or right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from bot.core.translate import N_, _

UNDECIDED_LABEL = N_("Undecided")  # shown translated (the adapter's localized_result)
VOTE_GRACE = timedelta(seconds=30)
MIN_DURATION = timedelta(minutes=10)
MAX_DURATION = timedelta(days=7)


class Phase(StrEnum):
    BEFORE = "before"
    AFTER = "after"


class Stage(StrEnum):
    """Where a discussion stands at a given moment."""

    OPENING_VOTE = "opening_vote"  # 'before' votes accepted
    DISCUSSING = "discussing"  # no vote open: read and argue
    FINAL_VOTE = "final_vote"  # 'after' votes accepted
    ENDED = "ended"  # past closes_at + grace (or closed)


# --------------------------------------------------------------------------- windows


def validate_duration(duration: timedelta) -> timedelta:
    """The duration, or ValueError with a message a member can read (in their language)."""
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValueError(
            _("A discussion lasts between 10 minutes and 7 days (asked for {duration}).").format(
                duration=format_duration(duration)
            )
        )
    return duration


def format_duration(duration: timedelta) -> str:
    """A duration in short units of the current language: "7 d 1 h", "7 дн. 1 год"."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = (
        [_("{n} d").format(n=days)] * bool(days)
        + [_("{n} h").format(n=hours)] * bool(hours)
        + [_("{n} min").format(n=mins)] * bool(mins)
    )
    return " ".join(parts) or _("{n} s").format(n=int(duration.total_seconds()))


@dataclass(frozen=True)
class VoteWindows:
    """The opening vote is ``[before_opens, before_closes)``, the final vote
    ``[after_opens, after_closes)``; ``closes_at`` is when the discussion ends."""

    starts_at: datetime
    closes_at: datetime

    @property
    def duration(self) -> timedelta:
        return self.closes_at - self.starts_at

    @property
    def before_opens(self) -> datetime:
        return self.starts_at

    @property
    def before_closes(self) -> datetime:
        return self.starts_at + self.duration / 2

    @property
    def after_opens(self) -> datetime:
        return self.starts_at + self.duration * 3 / 4

    @property
    def after_closes(self) -> datetime:
        return self.closes_at + VOTE_GRACE

    def opens(self, phase: Phase) -> datetime:
        return self.before_opens if phase is Phase.BEFORE else self.after_opens

    def closes(self, phase: Phase) -> datetime:
        return self.before_closes if phase is Phase.BEFORE else self.after_closes

    def is_open(self, phase: Phase, now: datetime) -> bool:
        return self.opens(phase) <= now < self.closes(phase)

    def stage(self, now: datetime) -> Stage:
        if now < self.before_closes:
            return Stage.OPENING_VOTE
        if now < self.after_opens:
            return Stage.DISCUSSING
        if now < self.after_closes:
            return Stage.FINAL_VOTE
        return Stage.ENDED


# --------------------------------------------------------------------------- result


class GainStatus(StrEnum):
    GAINED = "gained"  # one viewpoint gained most
    TIED = "tied"  # several viewpoints gained the same, largest amount
    NO_GAIN = "no_gain"  # no viewpoint's share rose (unchanged, or only undecided rose)
    NOT_ENOUGH_VOTES = "not_enough_votes"  # a phase had no voters: nothing to compare


@dataclass(frozen=True)
class OptionShare:
    """One bar pair: a viewpoint (``position``) or undecided (``position`` None)."""

    position: int | None
    label: str
    before: int  # members choosing it in the opening vote
    after: int  # ... in the final vote
    before_voters: int
    after_voters: int

    @property
    def before_share(self) -> Fraction:
        return Fraction(self.before, self.before_voters) if self.before_voters else Fraction(0)

    @property
    def after_share(self) -> Fraction:
        return Fraction(self.after, self.after_voters) if self.after_voters else Fraction(0)

    @property
    def before_pct(self) -> float:
        return float(self.before_share * 100)

    @property
    def after_pct(self) -> float:
        return float(self.after_share * 100)

    @property
    def gain_points(self) -> Fraction:
        """Change in share, in percentage points (after minus before)."""
        return (self.after_share - self.before_share) * 100

    @property
    def before_whole(self) -> int:
        """Opening share in whole percent, as shown on the chart and in the text."""
        return whole(self.before_share * 100)

    @property
    def after_whole(self) -> int:
        return whole(self.after_share * 100)

    @property
    def gain_whole(self) -> int:
        """The exact change rounded (not the difference of the rounded shares)."""
        return whole(self.gain_points)

    @property
    def undecided(self) -> bool:
        return self.position is None


@dataclass(frozen=True)
class DiscussionResult:
    options: tuple[OptionShare, ...]  # viewpoints in position order, then undecided
    before_voters: int
    after_voters: int
    both_voters: int  # voted in both phases
    changed_mind: int  # of both_voters: final choice differs from opening (incl. undecided)
    switched_viewpoint: int  # of changed_mind: from one viewpoint to another viewpoint
    from_undecided: int  # of changed_mind: undecided, then a viewpoint
    to_undecided: int  # of changed_mind: a viewpoint, then undecided
    only_before: int
    only_after: int
    gain_status: GainStatus
    gained_most: tuple[int, ...]  # positions (viewpoints only); several when tied

    @property
    def viewpoints(self) -> tuple[OptionShare, ...]:
        return tuple(o for o in self.options if not o.undecided)

    def option(self, position: int | None) -> OptionShare:
        for o in self.options:
            if o.position == position:
                return o
        raise KeyError(position)

    @property
    def gained_most_options(self) -> tuple[OptionShare, ...]:
        return tuple(self.option(p) for p in self.gained_most)

    @property
    def top_gain_points(self) -> Fraction | None:
        picks = self.gained_most_options
        return picks[0].gain_points if picks else None

    def gain_sentence(self) -> str:
        """The measure in one sentence, in neutral words (never a winner)."""
        picks = self.gained_most_options
        from bot.i18n import _

        if self.gain_status is GainStatus.NOT_ENOUGH_VOTES:
            return _(
                "Not enough votes to compare: {opening} in the opening vote, "
                "{final} in the final vote."
            ).format(opening=_members(self.before_voters), final=_members(self.after_voters))
        if self.gain_status is GainStatus.NO_GAIN:
            return _("No viewpoint gained share between the opening and the final vote.")
        points = format_points(picks[0].gain_points)
        if self.gain_status is GainStatus.TIED:
            names = _(" and ").join(f"“{o.label}”" for o in picks)
            return _("Gained most share, tied: {names} ({points} points each).").format(
                names=names, points=points
            )
        return _(
            "Gained most share from the opening to the final vote: “{label}” ({points} points)."
        ).format(label=picks[0].label, points=points)

    # -- storage (the run's result JSON) ---------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "options": [
                {"position": o.position, "label": o.label, "before": o.before, "after": o.after}
                for o in self.options
            ],
            "before_voters": self.before_voters,
            "after_voters": self.after_voters,
            "both_voters": self.both_voters,
            "changed_mind": self.changed_mind,
            "switched_viewpoint": self.switched_viewpoint,
            "from_undecided": self.from_undecided,
            "to_undecided": self.to_undecided,
            "only_before": self.only_before,
            "only_after": self.only_after,
            "gain_status": self.gain_status.value,
            "gained_most": list(self.gained_most),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiscussionResult:
        before_voters, after_voters = int(data["before_voters"]), int(data["after_voters"])
        return cls(
            options=tuple(
                OptionShare(
                    position=o["position"],
                    label=o["label"],
                    before=int(o["before"]),
                    after=int(o["after"]),
                    before_voters=before_voters,
                    after_voters=after_voters,
                )
                for o in data["options"]
            ),
            before_voters=before_voters,
            after_voters=after_voters,
            both_voters=int(data["both_voters"]),
            changed_mind=int(data["changed_mind"]),
            switched_viewpoint=int(data["switched_viewpoint"]),
            from_undecided=int(data["from_undecided"]),
            to_undecided=int(data["to_undecided"]),
            only_before=int(data["only_before"]),
            only_after=int(data["only_after"]),
            gain_status=GainStatus(data["gain_status"]),
            gained_most=tuple(int(p) for p in data["gained_most"]),
        )


def compute_result(
    labels: Sequence[str],
    before: Mapping[int, int | None],
    after: Mapping[int, int | None],
) -> DiscussionResult:
    """The result from each member's votes.

    ``labels[i]`` is viewpoint position ``i``; ``before``/``after`` map a
    member's id to the position they chose, or None for undecided. A member
    missing from a mapping did not vote in that phase. Positions outside
    ``labels`` are a programming error (ValueError).
    """
    for votes in (before, after):
        for position in votes.values():
            if position is not None and not 0 <= position < len(labels):
                raise ValueError(f"no viewpoint at position {position}")
    positions: list[int | None] = [*range(len(labels)), None]
    before_counts = {p: 0 for p in positions}
    after_counts = {p: 0 for p in positions}
    for p in before.values():
        before_counts[p] += 1
    for p in after.values():
        after_counts[p] += 1
    options = tuple(
        OptionShare(
            position=p,
            label=UNDECIDED_LABEL if p is None else labels[p],
            before=before_counts[p],
            after=after_counts[p],
            before_voters=len(before),
            after_voters=len(after),
        )
        for p in positions
    )
    both = before.keys() & after.keys()
    changed = [m for m in both if before[m] != after[m]]
    switched = [m for m in changed if before[m] is not None and after[m] is not None]
    from_undecided = [m for m in changed if before[m] is None]
    to_undecided = [m for m in changed if after[m] is None]
    status, gained = _gained_most(options, bool(before) and bool(after))
    return DiscussionResult(
        options=options,
        before_voters=len(before),
        after_voters=len(after),
        both_voters=len(both),
        changed_mind=len(changed),
        switched_viewpoint=len(switched),
        from_undecided=len(from_undecided),
        to_undecided=len(to_undecided),
        only_before=len(before.keys() - after.keys()),
        only_after=len(after.keys() - before.keys()),
        gain_status=status,
        gained_most=gained,
    )


def _gained_most(
    options: Sequence[OptionShare], comparable: bool
) -> tuple[GainStatus, tuple[int, ...]]:
    if not comparable:
        return GainStatus.NOT_ENOUGH_VOTES, ()
    viewpoints = [o for o in options if o.position is not None]
    best = max((o.gain_points for o in viewpoints), default=Fraction(0))
    if best <= 0:
        return GainStatus.NO_GAIN, ()
    # Exact fractions: a tie is a tie, never decided by rounding.
    top = tuple(o.position for o in viewpoints if o.gain_points == best and o.position is not None)
    return (GainStatus.TIED if len(top) > 1 else GainStatus.GAINED), top


def whole(value: Fraction) -> int:
    """Round to a whole number, halves away from zero (62.5 -> 63, -2.5 -> -3).

    Charts and text both round through here, so they always show the same figures.
    """
    magnitude = int(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def format_points(points: Fraction) -> str:
    """Signed whole percentage points: ``+12``, ``−5`` (true minus sign), ``0``."""
    value = whole(points)
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"
    return "0"


def _members(n: int) -> str:
    from bot.i18n import ngettext

    return ngettext("{n} member", "{n} members", n).format(n=n)
