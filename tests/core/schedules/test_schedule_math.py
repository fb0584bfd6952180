"""Tests for bot.core.schedules.schedule_math: forms, validation and DST-safe next runs.

Transition dates are read from zoneinfo (tzdata), not assumed: Ukraine's
parliament voted in 2024 to drop DST, but as long as tzdata still lists Kyiv
transitions the scheduler must handle them, and if a future tzdata drops them
the derived tests still hold.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.schedules.schedule_math import (
    cron_from_form,
    decide_missed,
    iter_runs,
    next_run,
    next_runs,
    timezone_suggestions,
    validate_cron,
    validate_timezone,
)

NY = ZoneInfo("America/New_York")
KYIV = ZoneInfo("Europe/Kyiv")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@cache
def _transitions(zone: ZoneInfo, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(instant, offset before, offset after) for each offset change in ``year``, from tzdata."""
    found: list[tuple[datetime, timedelta, timedelta]] = []
    t = _utc(year, 1, 1)
    prev = t.astimezone(zone).utcoffset()
    while t.year == year:
        nxt = t + timedelta(minutes=15)
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            found.append((nxt, prev, off))
            prev = off
        t = nxt
    return tuple(found)


def _expected_daily(zone: ZoneInfo, day: date, at: time) -> datetime:
    """The stated policy, computed from the transition table alone (not from folds)."""
    wall = datetime.combine(day, at)
    for instant, before, after in _transitions(zone, day.year):
        start, end = instant + before, instant + after  # wall clock, as naive-in-UTC
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        if after > before and start <= wall < end:
            return instant  # gap: first valid instant after it
        if after < before and end <= wall < start:
            return (wall - before).replace(tzinfo=UTC)  # repeat: first occurrence
    offset = wall.replace(tzinfo=zone).utcoffset()
    assert offset is not None
    return (wall - offset).replace(tzinfo=UTC)


# ---------------------------------------------------------------------------
# Transition data sanity


def test_tzdata_transition_dates_for_2026() -> None:
    ny = [t for t, _, _ in _transitions(NY, 2026)]
    assert ny == [_utc(2026, 3, 8, 7), _utc(2026, 11, 1, 6)]
    kyiv = [t for t, _, _ in _transitions(KYIV, 2026)]
    if not kyiv:
        pytest.skip("this tzdata has no Kyiv DST; derived tests still cover the policy")
    # EU rule: last Sunday of March / October at 01:00 UTC (03:00->04:00, 04:00->03:00 local).
    assert kyiv == [_utc(2026, 3, 29, 1), _utc(2026, 10, 25, 1)]


# ---------------------------------------------------------------------------
# Daily rules across the changes


@pytest.mark.parametrize("zone", [NY, KYIV], ids=["new_york", "kyiv"])
@pytest.mark.parametrize("at", [time(1, 30), time(2, 30), time(3, 0), time(3, 30), time(0, 0)])
def test_daily_rule_one_run_per_local_day_around_each_change(zone: ZoneInfo, at: time) -> None:
    cron = f"{at.minute} {at.hour} * * *"
    for instant in [t for t, _, _ in _transitions(zone, 2026)] or [_utc(2026, 3, 29)]:
        local_day = instant.astimezone(zone).date()
        start = datetime.combine(local_day - timedelta(days=4), time(12), tzinfo=zone)
        runs = next_runs(cron, zone.key, start.astimezone(UTC), 8)
        days = [r.astimezone(zone).date() for r in runs]
        assert days == [local_day - timedelta(days=3) + timedelta(days=i) for i in range(8)]
        assert runs == sorted(set(runs))
        assert runs == [_expected_daily(zone, d, at) for d in days]


def test_new_york_0230_spring_forward_fires_at_0300_once() -> None:
    runs = next_runs("30 2 * * *", "America/New_York", _utc(2026, 3, 7), 3)
    assert runs == [_utc(2026, 3, 7, 7, 30), _utc(2026, 3, 8, 7), _utc(2026, 3, 9, 6, 30)]
    assert runs[1].astimezone(NY).time() == time(3, 0)


def test_new_york_0130_fall_back_fires_first_occurrence_only() -> None:
    runs = next_runs("30 1 * * *", "America/New_York", _utc(2026, 10, 31), 3)
    assert runs == [_utc(2026, 10, 31, 5, 30), _utc(2026, 11, 1, 5, 30), _utc(2026, 11, 2, 6, 30)]
    assert runs[1].astimezone(NY).fold == 0
    # Asked from inside the repeated hour (after the first 01:30), the next run is tomorrow.
    assert next_run("30 1 * * *", NY, _utc(2026, 11, 1, 6, 10)) == _utc(2026, 11, 2, 6, 30)


def test_new_york_unaffected_times() -> None:
    # 01:30 exists once on the spring-forward day; 02:30 exists once on the fall-back day.
    assert next_run("30 1 * * *", NY, _utc(2026, 3, 8)) == _utc(2026, 3, 8, 6, 30)
    assert next_run("30 2 * * *", NY, _utc(2026, 11, 1)) == _utc(2026, 11, 1, 7, 30)


def test_kyiv_explicit_clock() -> None:
    if [t for t, _, _ in _transitions(KYIV, 2026)] != [_utc(2026, 3, 29, 1), _utc(2026, 10, 25, 1)]:
        pytest.skip("tzdata's Kyiv transitions differ from the 2026 EU rule")
    # 03:30 is in the spring gap (03:00-04:00): fires at 04:00 EEST.
    assert next_run("30 3 * * *", "Europe/Kyiv", _utc(2026, 3, 28, 12)) == _utc(2026, 3, 29, 1)
    # 03:30 happens twice on 25 October: first occurrence (EEST) only.
    runs = next_runs("30 3 * * *", "Europe/Kyiv", _utc(2026, 10, 24, 12), 2)
    assert runs == [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30)]
    # 02:30 and 01:30 are never affected in Kyiv.
    assert next_run("30 2 * * *", KYIV, _utc(2026, 3, 28, 12)) == _utc(2026, 3, 29, 0, 30)
    assert next_run("30 1 * * *", KYIV, _utc(2026, 10, 24, 12)) == _utc(2026, 10, 24, 22, 30)


def test_gap_reaching_midnight_keeps_the_run_on_its_day() -> None:
    nuuk = ZoneInfo("America/Nuuk")
    gaps = [t for t, b, a in _transitions(nuuk, 2026) if a > b]
    wall_before = gaps[0].astimezone(nuuk) - timedelta(seconds=1)
    wall_after = gaps[0].astimezone(nuuk)
    if wall_before.date() == wall_after.date():
        pytest.skip("this tzdata's Nuuk gap no longer ends at midnight")
    runs = next_runs("30 23 * * *", nuuk, gaps[0] - timedelta(days=2), 4)
    days = [r.astimezone(nuuk).date() for r in runs]
    assert days == [days[0] + timedelta(days=i) for i in range(4)]
    assert gaps[0] - timedelta(minutes=1) in runs  # 22:59, still the gap's own day


# ---------------------------------------------------------------------------
# Rules that fire every hour: one run per real hour


def test_hourly_across_fall_back_fires_each_utc_hour() -> None:
    runs = next_runs("0 * * * *", "America/New_York", _utc(2026, 11, 1, 3), 6)
    assert runs == [_utc(2026, 11, 1, h) for h in range(4, 10)]
    walls = [r.astimezone(NY).strftime("%H:%M %Z") for r in runs]
    assert walls == ["00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST", "03:00 EST", "04:00 EST"]


def test_hourly_across_spring_forward_skips_the_missing_hour() -> None:
    runs = next_runs("0 * * * *", "America/New_York", _utc(2026, 3, 8, 4), 5)
    assert runs == [_utc(2026, 3, 8, h) for h in range(5, 10)]
    assert [r.astimezone(NY).hour for r in runs] == [0, 1, 3, 4, 5]


def test_hourly_asked_inside_the_repeated_hour() -> None:
    # 05:45Z is 01:45 EDT; the next :30 is 01:30 EST (second occurrence), 06:30Z.
    assert next_run("30 * * * *", NY, _utc(2026, 11, 1, 5, 45)) == _utc(2026, 11, 1, 6, 30)
    assert next_run("30 * * * *", NY, _utc(2026, 11, 1, 6, 30)) == _utc(2026, 11, 1, 7, 30)


@pytest.mark.parametrize("zone", [NY, KYIV], ids=["new_york", "kyiv"])
def test_hourly_run_count_equals_day_length(zone: ZoneInfo) -> None:
    for instant, before, after in _transitions(zone, 2026):
        day = instant.astimezone(zone).date()
        start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        runs = next_runs("0 * * * *", zone, start - timedelta(seconds=1), 30)
        in_day = [r for r in runs if r < end]
        hours = int((end - start) / timedelta(hours=1))
        assert hours == 24 - int((after - before) / timedelta(hours=1))
        assert len(in_day) == hours
        assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(in_day))


def test_specific_hours_rule_in_repeated_hour_fires_once() -> None:
    runs = next_runs("0 1,2 * * *", NY, _utc(2026, 11, 1, 4), 2)
    assert runs == [_utc(2026, 11, 1, 5), _utc(2026, 11, 1, 7)]  # 01:00 EDT, 02:00 EST


def test_several_times_in_one_gap_collapse_into_one_run() -> None:
    runs = next_runs("*/20 2 * * *", NY, _utc(2026, 3, 8), 2)
    assert runs == [_utc(2026, 3, 8, 7), _utc(2026, 3, 9, 6)]


# ---------------------------------------------------------------------------
# Weekly form rules


def test_weekly_form_rule_across_spring_change_in_kyiv() -> None:
    cron = cron_from_form(["mon", "wed"], "19:30")
    assert cron == "30 19 * * 1,3"
    runs = next_runs(cron, "Europe/Kyiv", _utc(2026, 3, 22), 4)  # Sunday
    local = [r.astimezone(KYIV) for r in runs]
    assert [d.strftime("%a %H:%M") for d in local] == ["Mon 19:30", "Wed 19:30"] * 2
    assert [d.date() for d in local] == [
        date(2026, 3, 23),
        date(2026, 3, 25),
        date(2026, 3, 30),
        date(2026, 4, 1),
    ]
    offsets = {r.astimezone(KYIV).utcoffset() for r in runs}
    assert len(offsets) == (2 if _transitions(KYIV, 2026) else 1)


@pytest.mark.parametrize(
    ("days", "hhmm", "expected"),
    [
        ("daily", "19:30", "30 19 * * *"),
        ("Every Day", "7:05", "5 7 * * *"),
        ("weekdays", "08:00", "0 8 * * 1-5"),
        ("weekends", "10:15", "15 10 * * 0,6"),
        (["sun", "sat"], "10:15", "15 10 * * 0,6"),
        (["Monday", "WED", "fri"], "00:00", "0 0 * * 1,3,5"),
        ("mon, wed", "23:59", "59 23 * * 1,3"),
        ("tue", "12:00", "0 12 * * 2"),
        (["weekends", "mon"], "09:00", "0 9 * * 0,1,6"),
        (["mon", "tue", "wed", "thu", "fri"], "09:00", "0 9 * * 1-5"),
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "09:00", "0 9 * * *"),
        (["пн", "чт"], "18:00", "0 18 * * 1,4"),
        (["mon", "mon"], " 09:00 ", "0 9 * * 1"),
    ],
)
def test_cron_from_form(days: list[str] | str, hhmm: str, expected: str) -> None:
    cron = cron_from_form(days, hhmm)
    assert cron == expected
    assert validate_cron(cron) == cron


@pytest.mark.parametrize(
    ("days", "hhmm", "message"),
    [
        ([], "19:30", r"^days: pick at least one day"),
        ("", "19:30", r"^days: pick at least one day"),
        (["funday"], "19:30", r"^days: 'funday' is not a day"),
        ("mon,xyz", "19:30", r"^days: 'xyz' is not a day"),
        ("daily", "24:00", r"^time: hour 24 .* out of range"),
        ("daily", "19:60", r"^time: minute 60 .* out of range"),
        ("daily", "7pm", r"^time: expected 24-hour HH:MM"),
        ("daily", "", r"^time: expected 24-hour HH:MM"),
        ("daily", "19:3", r"^time: expected 24-hour HH:MM"),
    ],
)
def test_cron_from_form_errors(days: list[str] | str, hhmm: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cron_from_form(days, hhmm)


# ---------------------------------------------------------------------------
# Validation messages


@pytest.mark.parametrize(
    ("expr", "normal"),
    [
        ("  30   19 * *  1,3 ", "30 19 * * 1,3"),
        ("@daily", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
        ("0 9 * * mon-fri", "0 9 * * mon-fri"),
        ("0 0 L * *", "0 0 L * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),  # leap days exist
    ],
)
def test_validate_cron_accepts(expr: str, normal: str) -> None:
    assert validate_cron(expr) == normal


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("* * * *", "has 4 field"),
        ("0 0 0 * * *", "has 6 field"),
        ("61 * * * *", "minute field '61' is invalid"),
        ("0 24 * * *", "hour field '24' is invalid"),
        ("0 0 32 * *", "day-of-month field '32' is invalid"),
        ("0 0 * 13 *", "month field '13' is invalid"),
        ("0 0 * * 8", "day-of-week field '8' is invalid"),
        ("0 0 * * fun", "day-of-week field 'fun' is invalid"),
        ("x * * * *", "minute field 'x' is invalid"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4 *", "never fires"),
        ("H * * * *", "hashed/random"),
        ("0 R * * *", "hashed/random"),
    ],
)
def test_validate_cron_rejects_with_clear_message(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_cron(expr)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/kyiv", "Europe/Kyiv"),
        (" America/New York ", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_validate_timezone(name: str, key: str) -> None:
    zone = validate_timezone(name)
    assert isinstance(zone, ZoneInfo)
    assert zone.key == key


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Timezone is empty"),
        ("  ", "Timezone is empty"),
        ("Mars/Olympus_Mons", "Unknown timezone 'Mars/Olympus_Mons'"),
        ("../../etc/passwd", "Unknown timezone"),
        ("Europe/Kiyv", r"did you mean .*Europe/Kyiv"),
    ],
)
def test_validate_timezone_errors(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_timezone(name)


def test_timezone_suggestions() -> None:
    assert timezone_suggestions("kyiv")[0] == "Europe/Kyiv"
    assert timezone_suggestions("new york")[0] == "America/New_York"
    assert timezone_suggestions("")[0] == "Europe/Kyiv"
    assert len(timezone_suggestions("")) == 25
    europe = timezone_suggestions("Europe/", limit=10)
    assert len(europe) == 10 and all(n.startswith("Europe/") for n in europe)
    assert len(timezone_suggestions("a")) == 25
    assert timezone_suggestions("zzzzz") == []
    assert timezone_suggestions("kyiv", limit=0) == []
    eastern = timezone_suggestions("eastern")
    assert eastern and all("eastern" in n.casefold() for n in eastern)


# ---------------------------------------------------------------------------
# Misc behaviour


def test_next_run_is_strictly_after_and_utc() -> None:
    run = next_run("30 19 * * *", "Europe/Kyiv", _utc(2026, 1, 1))
    assert run == _utc(2026, 1, 1, 17, 30) and run.tzinfo is UTC
    # Exactly at a run: the next one.
    assert next_run("30 19 * * *", KYIV, run) == _utc(2026, 1, 2, 17, 30)
    # A non-UTC aware "after" is fine.
    assert next_run("30 19 * * *", KYIV, run.astimezone(NY)) == _utc(2026, 1, 2, 17, 30)


def test_next_runs_bad_inputs() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run("0 9 * * *", "UTC", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="Unknown timezone"):
        next_run("0 9 * * *", "Nowhere/City", _utc(2026, 1, 1))
    with pytest.raises(ValueError, match="hour field"):
        next_runs("0 25 * * *", "UTC", _utc(2026, 1, 1))
    with pytest.raises(ValueError, match="n must be"):
        next_runs("0 9 * * *", "UTC", _utc(2026, 1, 1), n=-1)
    assert next_runs("0 9 * * *", "UTC", _utc(2026, 1, 1), n=0) == []


def test_iter_runs_is_lazy_and_endless() -> None:
    runs = iter_runs("0 9 1 1 *", "UTC", _utc(2026, 1, 1))
    assert [next(runs).year for _ in range(3)] == [2026, 2027, 2028]


@pytest.mark.parametrize(
    ("late", "grace", "decision"),
    [
        (timedelta(0), timedelta(minutes=10), "run"),
        (timedelta(minutes=9), timedelta(minutes=10), "run"),
        (timedelta(minutes=10), timedelta(minutes=10), "run"),
        (timedelta(minutes=10, seconds=1), timedelta(minutes=10), "skip"),
        (timedelta(hours=8), timedelta(minutes=10), "skip"),
        (timedelta(seconds=1), timedelta(0), "skip"),
        (-timedelta(minutes=5), timedelta(0), "run"),  # not due yet: nothing missed
    ],
)
def test_decide_missed(late: timedelta, grace: timedelta, decision: str) -> None:
    due = _utc(2026, 5, 1, 19)
    assert decide_missed(due, due + late, grace) == decision


def test_decide_missed_bad_inputs() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_missed(datetime(2026, 1, 1), _utc(2026, 1, 1), timedelta(0))
    with pytest.raises(ValueError, match="negative"):
        decide_missed(_utc(2026, 1, 1), _utc(2026, 1, 1), timedelta(seconds=-1))


# ---------------------------------------------------------------------------
# Properties

ZONES = sorted(
    {"Europe/Kyiv", "America/New_York", "America/Nuuk", "Australia/Lord_Howe"}
    | {"Antarctica/Troll", "America/Santiago", "Asia/Beirut", "Pacific/Chatham", "UTC"}
    | {"Europe/London", "America/Havana", "Asia/Tehran", "Africa/Casablanca"}
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone_name=st.sampled_from(ZONES) | st.sampled_from(sorted(available_timezones())),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_daily_rule_exactly_once_per_local_day(
    hour: int, minute: int, zone_name: str, start: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    runs = next_runs(f"{minute} {hour} * * *", zone_name, start.replace(tzinfo=UTC), 400)
    assert all(a < b for a, b in itertools.pairwise(runs))
    days = [r.astimezone(zone).date() for r in runs]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    for run in runs:
        local = run.astimezone(zone)
        if (local.hour, local.minute) != (hour, minute):
            # Only allowed when the named wall time does not exist that day.
            wall = datetime.combine(local.date(), time(hour, minute))
            back = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            assert back.replace(tzinfo=None) != wall


@settings(max_examples=30, deadline=None)
@given(
    minute=st.integers(0, 59),
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_hourly_rule_never_repeats_an_instant(minute: int, zone_name: str, start: datetime) -> None:
    zone = ZoneInfo(zone_name)
    runs = next_runs(f"{minute} * * * *", zone_name, start.replace(tzinfo=UTC), 200)
    assert all(a < b for a, b in itertools.pairwise(runs))
    assert all(r.astimezone(zone).minute == minute for r in runs)
    assert all(b - a <= timedelta(hours=3) for a, b in itertools.pairwise(runs))
