"""The quota rules: defaults, a server's overrides within the bot's bounds, the wording."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.quotas import (
    BY_NAME,
    LIMITS,
    Limits,
    QuotaExceeded,
    UnknownLimit,
    check_override,
    describe,
    refuse_cooldown,
    too_many,
)


def test_every_default_lies_within_its_bounds() -> None:
    for limit in LIMITS:
        assert limit.minimum <= limit.default <= limit.maximum, limit.name
    assert len(BY_NAME) == len(LIMITS)


def test_overrides_apply_and_junk_in_the_stored_json_is_ignored() -> None:
    limits = Limits.for_server(
        {
            "quizzes_per_member": 4,  # valid
            "quizzes_per_server": 10_000,  # past the bot's maximum: ignored
            "quiz_cooldown": 1,  # under the minimum: ignored
            "discussions_per_member": True,  # not a number
            "discussions_per_channel": "7",  # not a number
            "no_such_limit": 3,
        }
    )
    assert limits["quizzes_per_member"] == 4
    for name in ("quizzes_per_server", "quiz_cooldown", "discussions_per_member"):
        assert limits[name] == BY_NAME[name].default
    assert limits["discussions_per_channel"] == BY_NAME["discussions_per_channel"].default
    assert Limits.for_server(None)["questions_per_server"] == 20_000
    assert limits.cooldown("quiz_cooldown") == timedelta(seconds=30)


def test_a_value_outside_the_bounds_is_refused_with_the_bounds() -> None:
    assert check_override("quizzes_per_member", 10).name == "quizzes_per_member"
    with pytest.raises(QuotaExceeded, match=r"from 0 to 10 .* 11 is outside them"):
        check_override("quizzes_per_member", 11)
    with pytest.raises(QuotaExceeded, match="from 5 s to 3,600 s"):
        check_override("quiz_cooldown", 0)
    with pytest.raises(UnknownLimit):
        check_override("quizzes", 1)


def test_a_refusal_names_the_limit_and_how_to_raise_it() -> None:
    text = str(too_many(Limits.for_server({}), "quizzes_per_member", "You have 2 running", "Wait."))
    assert text.startswith(
        "Limit reached: quizzes running at once that one member started: 2. You have 2 running."
    )
    assert "running. Wait." in text
    assert "**Manage Server**" in text and "`/config limits`" in text
    assert "`quizzes_per_member`, up to 10" in text
    at_most = Limits.for_server({"quizzes_per_member": 10})
    text = str(too_many(at_most, "quizzes_per_member", "you have 10 running", "Wait."))
    assert "the most the bot allows" in text and "/config limits" not in text


def test_a_cooldown_says_how_long_to_wait_rounded_up() -> None:
    limits = Limits.for_server({})
    text = str(refuse_cooldown(limits, "quiz_cooldown", timedelta(seconds=12.2), "Started."))
    assert "wait 13 s more (cooldown: 30 s per member)" in text
    assert "`quiz_cooldown`" in text
    text = str(refuse_cooldown(limits, "quiz_cooldown", timedelta(milliseconds=5), "Started."))
    assert "wait 1 s more" in text


def test_the_listing_shows_each_limit_with_its_default_when_changed() -> None:
    lines = describe(Limits.for_server({"quiz_cooldown": 10}))
    assert len(lines) == len(LIMITS)
    assert any(line.startswith("`quiz_cooldown` **10 s** (default 30 s)") for line in lines)
    assert any(line.startswith("`quizzes_per_member` **2**:") for line in lines)
