"""Cron rules in a guild's local time, turned into exact UTC instants.

Guild admins think in wall-clock time ("every Monday at 19:30 in Kyiv"), the
scheduler sleeps until UTC instants. This module is the only place that
crosses between the two, so the daylight-saving policy lives here, stated once:

* The cron rule is evaluated over **naive local wall-clock times** (croniter
  never sees a timezone) and each matching wall time is then placed on the UTC
  line with :mod:`zoneinfo`. croniter 7's own DST handling is not used because
  it fires a daily 01:30 rule twice on a fall-back day.
* **Rules that name specific hours** (every rule whose hour field does not
  cover all 24 hours, e.g. ``30 2 * * *`` or ``0 9-17 * * 1-5``) are about the
  calendar, "once per named local time":

  - a wall time that does not exist (spring-forward gap) fires at the first
    valid instant after the gap, e.g. 02:30 on 8 March 2026 in
    America/New_York fires at 03:00 EDT; several wall times in one gap collapse
    into that one run. Exception: if the gap ends on the next local day
    (America/Nuuk jumps from 23:00 to 00:00), the run fires one minute before
    the gap instead, so it stays on its own calendar day;
  - a wall time that happens twice (fall-back) fires only at its first
    occurrence (``fold=0``).

  So a daily rule fires exactly once per local calendar day, never zero, never
  twice.
* **Rules that fire every hour** (hour field ``*`` or any list covering 0-23)
  are about elapsed time, "once per real hour": in a gap the wall times that
  do not exist are skipped (01:00 EST is followed by 03:00 EDT, one real hour
  later), and in a repeated hour both occurrences fire (01:00 EDT and 01:00
  EST are distinct real hours). This is the same split classic Vixie cron
  makes between "wildcard" and "fixed-time" jobs.

Results are always timezone-aware UTC and strictly increasing.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import CroniterBadDateError, CroniterError, croniter
from rapidfuzz import process

from bot.i18n import N_, _

__all__ = [
    "FIELD_NAMES",
    "cron_from_form",
    "decide_missed",
    "iter_runs",
    "next_run",
    "next_runs",
    "timezone_suggestions",
    "validate_cron",
    "validate_timezone",
]

FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")

_FIELD_HINTS = (
    N_("minutes are 0-59"),
    N_("hours are 0-23"),
    N_("days of the month are 1-31 (or L for the last day)"),
    N_("months are 1-12 or jan-dec"),
    N_("days of the week are 0-6 (0 = Sunday) or sun-sat"),
)

_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

_EXAMPLE = N_("e.g. '30 19 * * 1,3' for Mondays and Wednesdays at 19:30")

# Cron day-of-week numbers (0 = Sunday), keyed by accepted spellings.
_DAYS: dict[str, int] = {}
for _number, _spellings in enumerate(
    (
        ("sun", "sunday", "нд", "неділя"),
        ("mon", "monday", "пн", "понеділок"),
        ("tue", "tues", "tuesday", "вт", "вівторок"),
        ("wed", "wednesday", "ср", "середа"),
        ("thu", "thur", "thurs", "thursday", "чт", "четвер"),
        ("fri", "friday", "пт", "пʼятниця", "п'ятниця", "п’ятниця"),
        ("sat", "saturday", "сб", "субота"),
    )
):
    for _spelling in _spellings:
        _DAYS[_spelling] = _number

_DAY_GROUPS: dict[str, frozenset[int]] = {
    "daily": frozenset(range(7)),
    "every day": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(1, 6)),
    "weekends": frozenset({0, 6}),
}

_BEFORE_GAP = timedelta(minutes=1)

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_HASHED = re.compile(r"^[hr](\(|/|$)", re.IGNORECASE)

_POPULAR_ZONES = (
    "Europe/Kyiv",
    "UTC",
    "Europe/London",
    "Europe/Warsaw",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Vilnius",
    "Europe/Chisinau",
    "Europe/Prague",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Asia/Tbilisi",
    "Asia/Jerusalem",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Backward-compatibility link areas; real but rarely what a user means.
_LEGACY_AREAS = frozenset({"Etc", "US", "Canada", "Mexico", "Brazil", "Chile", "SystemV"})


# ---------------------------------------------------------------------------
# Forms and validation


def cron_from_form(days: Sequence[str] | str, time_hhmm: str) -> str:
    """Build a cron rule from the schedule form's days and 24-hour time.

    ``days`` is ``"daily"``, ``"weekdays"``, ``"weekends"``, a single day, a
    comma-separated string or a sequence of day names (English or Ukrainian,
    full or short, any case); groups and days may be mixed. The result uses
    cron day numbers (0 = Sunday) so it reads the same in any locale, with
    ``*`` for every day and ``1-5`` for weekdays.

    Raises:
        ValueError: naming the field (``days`` or ``time``) and what is wrong.
    """
    selected = _parse_days(days)
    hour, minute = _parse_time(time_hhmm)
    if len(selected) == 7:
        dow = "*"
    elif selected == frozenset(range(1, 6)):
        dow = "1-5"
    else:
        dow = ",".join(str(d) for d in sorted(selected))
    return f"{minute} {hour} * * {dow}"


def _parse_days(days: Sequence[str] | str) -> frozenset[int]:
    if isinstance(days, str):
        key = " ".join(days.strip().casefold().split())
        items = [key] if key in _DAY_GROUPS else [p for p in re.split(r"[,\s]+", key) if p]
    else:
        items = [" ".join(str(d).strip().casefold().split()) for d in days]
    if not items or all(not item for item in items):
        raise ValueError(_("days: pick at least one day (or 'daily', 'weekdays', 'weekends')"))
    selected: set[int] = set()
    for item in items:
        if item in _DAY_GROUPS:
            selected |= _DAY_GROUPS[item]
        elif item in _DAYS:
            selected.add(_DAYS[item])
        else:
            raise ValueError(
                _(
                    "days: {item} is not a day; use mon, tue, wed, thu, fri, sat, sun "
                    "or daily, weekdays, weekends"
                ).format(item=repr(item))
            )
    return frozenset(selected)


def _parse_time(time_hhmm: str) -> tuple[int, int]:
    match = _TIME.match(time_hhmm.strip())
    if match is None:
        raise ValueError(
            _("time: expected 24-hour HH:MM such as 19:30, got {time}").format(time=repr(time_hhmm))
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23:
        raise ValueError(
            _("time: hour {hour} in {time} is out of range 00-23").format(
                hour=hour, time=repr(time_hhmm)
            )
        )
    if minute > 59:
        raise ValueError(
            _("time: minute {minute} in {time} is out of range 00-59").format(
                minute=minute, time=repr(time_hhmm)
            )
        )
    return hour, minute


def validate_cron(expr: str) -> str:
    """Check a five-field cron rule and return it in canonical spacing.

    Accepts the common ``@daily``-style aliases (returned expanded). Refuses
    croniter's seconds/year columns and its hashed/random ``H``/``R`` syntax,
    because a quiz schedule must be predictable from what the admin typed.
    The message names the offending field, or says the rule can never fire
    (e.g. 30 February), so it can be shown to the admin verbatim.

    Raises:
        ValueError: with a message fit for the admin.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(
            _("Schedule rule is empty; expected 5 fields, {example}").format(example=_(_EXAMPLE))
        )
    text = " ".join(expr.split())
    text = _ALIASES.get(text.casefold(), text)
    fields = text.split(" ")
    if len(fields) != 5:
        raise ValueError(
            _(
                "Schedule rule {rule} has {n} field(s); expected 5 "
                "(minute hour day-of-month month day-of-week), {example}"
            ).format(rule=repr(expr.strip()), n=len(fields), example=_(_EXAMPLE))
        )
    for index, field in enumerate(fields):
        if any(_HASHED.match(part) for part in field.split(",")):
            raise ValueError(
                _(
                    "Schedule rule {rule}: {name} field {field} uses hashed/random syntax "
                    "(H or R), which is not supported"
                ).format(rule=repr(text), name=FIELD_NAMES[index], field=repr(field))
            )
        probe = ["*"] * 5
        probe[index] = field
        try:
            croniter(" ".join(probe))
        except (CroniterError, ValueError, KeyError, IndexError) as exc:
            raise ValueError(
                _("Schedule rule {rule}: {name} field {field} is invalid ({hint})").format(
                    rule=repr(text),
                    name=FIELD_NAMES[index],
                    field=repr(field),
                    hint=_(_FIELD_HINTS[index]),
                )
            ) from exc
    try:
        iterator = croniter(text, datetime(2000, 1, 1))
        iterator.get_next(datetime)
    except CroniterBadDateError as exc:
        raise ValueError(
            _(
                "Schedule rule {rule} never fires: no date matches its day-of-month and month"
            ).format(rule=repr(text))
        ) from exc
    except (CroniterError, ValueError, KeyError, IndexError) as exc:
        raise ValueError(
            _("Schedule rule {rule} is invalid: {problem}").format(rule=repr(text), problem=exc)
        ) from exc
    return text


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    # available_timezones() walks the tzdata files; do it once per process.
    return tuple(sorted(available_timezones() | {"UTC"}))


@lru_cache(maxsize=1)
def _zone_lookup() -> dict[str, str]:
    return {name.casefold(): name for name in _zone_names()}


def validate_timezone(name: str) -> ZoneInfo:
    """Resolve an IANA timezone name typed by an admin, forgiving case and spaces.

    The returned zone's ``key`` is the canonical spelling, which is what should
    be stored. Unknown names get up to three close suggestions in the message
    because the usual mistake is a typo ("Europe/Kiyv").

    Raises:
        ValueError: with a message fit for the admin.
    """
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ValueError(_("Timezone is empty; use an IANA name such as Europe/Kyiv"))
    key = _zone_lookup().get(text.replace(" ", "_").casefold())
    if key is not None:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - broken tzdata
            raise ValueError(
                _("Timezone {name} is listed but cannot be loaded").format(name=repr(text))
            ) from exc
    close = [
        choice
        for choice, _score, _index in process.extract(
            text.replace(" ", "_"), _zone_names(), limit=3, score_cutoff=60
        )
    ]
    hint = _("; did you mean {names}?").format(names=", ".join(close)) if close else ""
    raise ValueError(
        _(
            "Unknown timezone {name}: use an IANA name such as Europe/Kyiv or America/New_York"
        ).format(name=repr(text))
        + hint
    )


def timezone_suggestions(prefix: str, limit: int = 25) -> list[str]:
    """Timezone names for autocomplete (Discord shows at most 25).

    Ranked: names starting with the text, then names with a part starting with
    it ("kyiv" finds Europe/Kyiv, "new york" finds America/New_York), then
    names containing it; within each group real Area/City names come before
    legacy links such as ``US/Eastern``. An empty prefix returns common zones,
    Kyiv first, because that is who this bot is for.
    """
    if limit <= 0:
        return []
    query = prefix.strip().replace(" ", "_").casefold()
    if not query:
        return list(_POPULAR_ZONES[:limit])
    ranked: list[tuple[int, bool, str]] = []
    for name in _zone_names():
        folded = name.casefold()
        if folded.startswith(query):
            tier = 0
        elif any(part.startswith(query) for part in folded.split("/")[1:]):
            tier = 1
        elif query in folded:
            tier = 2
        else:
            continue
        ranked.append((tier, _is_legacy(name), name))
    ranked.sort()
    return [name for _tier, _legacy, name in ranked[:limit]]


def _is_legacy(name: str) -> bool:
    if name == "UTC":
        return False
    area, _, rest = name.partition("/")
    return not rest or area in _LEGACY_AREAS


# ---------------------------------------------------------------------------
# Next-run computation


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else validate_timezone(tz)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _fires_every_hour(expr: str) -> bool:
    hours = croniter(expr).expanded[1]
    return hours == ["*"] or set(hours) >= set(range(24))


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _gap_end(wall: datetime, zone: ZoneInfo, a: datetime, b: datetime) -> datetime:
    """First instant whose local wall time is later than ``wall`` (which is in a gap).

    zoneinfo exposes no transition list, so binary-search the UTC line between
    the two candidate readings of ``wall``; transitions fall on whole seconds.
    """
    lo, hi = min(a, b), max(a, b)
    if _local(hi, zone) <= wall:  # pragma: no cover - defensive, not a real gap
        return hi
    step = timedelta(seconds=1)
    while hi - lo > step:
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            mid = lo + step
        if _local(mid, zone) > wall:
            hi = mid
        else:
            lo = mid
    return hi


def _resolve(wall: datetime, zone: ZoneInfo, every_hour: bool) -> tuple[list[datetime], datetime]:
    """UTC instants at which a matching wall time fires, plus a lower bound.

    The bound is no later than any instant produced by a later wall time; the
    iterator uses it to emit runs in UTC order even when both occurrences of a
    repeated hour fire.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    first_exists = _local(first, zone) == wall
    second_exists = _local(second, zone) == wall
    if first_exists and second_exists:
        if first == second or not every_hour:
            return [first], first
        return sorted({first, second}), min(first, second)
    if first_exists:
        return [first], first
    if second_exists:  # pragma: no cover - zoneinfo never does this, kept for safety
        return [second], second
    end = _gap_end(wall, zone, first, second)
    if every_hour:
        return [], end
    if _local(end, zone).date() != wall.date():
        # The gap runs to midnight (America/Nuuk skips 23:00-24:00): firing
        # after it would move the run to tomorrow, so fire just before it.
        before = end - _BEFORE_GAP
        if _local(before, zone).date() == wall.date():
            return [before], before
    return [end], end


def iter_runs(cron: str, tz: str | ZoneInfo, after_utc: datetime) -> Iterator[datetime]:
    """Endless, strictly increasing aware-UTC run instants after ``after_utc``.

    See the module docstring for the DST policy. Iteration starts a day before
    ``after_utc`` in local time because, for every-hour rules, the second
    occurrence of a repeated hour belongs to a wall time that is *earlier* than
    ``after_utc``'s own wall time.

    Raises:
        ValueError: for a bad rule, an unknown zone or a naive ``after_utc``.
    """
    expr = validate_cron(cron)
    zone = _zone(tz)
    _require_aware(after_utc, "after_utc")
    return _iter_runs(expr, zone, after_utc.astimezone(UTC))


def _iter_runs(expr: str, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    every_hour = _fires_every_hour(expr)
    walls = croniter(expr, _local(after, zone) - timedelta(days=1))
    pending: list[datetime] = []
    last = after
    while True:
        wall = walls.get_next(datetime)
        instants, bound = _resolve(wall, zone, every_hour)
        for instant in instants:
            if instant > last:
                heapq.heappush(pending, instant)
        while pending and pending[0] <= bound:
            instant = heapq.heappop(pending)
            if instant > last:
                last = instant
                yield instant


def next_run(cron: str, tz: str | ZoneInfo, after_utc: datetime) -> datetime:
    """The first run strictly after ``after_utc``, as an aware UTC datetime.

    Raises:
        ValueError: for a bad rule, an unknown zone or a naive ``after_utc``.
    """
    return next(iter_runs(cron, tz, after_utc))


def next_runs(cron: str, tz: str | ZoneInfo, after_utc: datetime, n: int = 5) -> list[datetime]:
    """The next ``n`` runs strictly after ``after_utc`` (for the schedule preview).

    Raises:
        ValueError: as :func:`next_run`, or for a negative ``n``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    runs = iter_runs(cron, tz, after_utc)
    return [next(runs) for _ in range(n)]


def decide_missed(due_at: datetime, now: datetime, grace: timedelta) -> Literal["run", "skip"]:
    """Whether a run the bot was not awake for should still happen.

    A quiz that starts a little late is fine; one that starts hours late (bot
    was down overnight) would surprise a channel that has moved on, so it is
    skipped and the caller records the skip and schedules the next run. A run
    exactly ``grace`` late still runs. A ``due_at`` in the future is not missed,
    so it is "run" too.

    Raises:
        ValueError: for naive datetimes or a negative grace.
    """
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")
    return "run" if now - due_at <= grace else "skip"
