"""Settings reject bad values with messages that name the variable and the fix."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.app import describe_validation_error
from bot.logs import REDACTED, RedactTokenFilter
from bot.settings import Settings

TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "DATABASE_URL is not a database URL"),
        ("mysql://root@localhost/quiz", "driver 'mysql'"),
        ("sqlite:///data/x.db", "async"),
        ("postgresql://u:p@h/db", "postgresql+asyncpg"),
    ],
)
def test_malformed_database_url_is_rejected_clearly(url: str, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        settings(database_url=url)
    assert expected in describe_validation_error(info.value)


@pytest.mark.parametrize(
    ("ids", "count", "expected"),
    [
        ("a,b", 4, "SHARD_IDS: 'a' is not a shard number"),
        ("0-9", 4, "out of range for SHARD_COUNT=4"),
        ("1,1", 4, "lists a shard twice"),
        ("0", None, "SHARD_COUNT is not"),
    ],
)
def test_malformed_shard_ids_are_rejected_clearly(
    ids: str, count: int | None, expected: str
) -> None:
    with pytest.raises(ValidationError) as info:
        settings(shard_ids=ids, shard_count=count)
    assert expected in describe_validation_error(info.value)


def test_shard_ids_ranges_and_ownership() -> None:
    s = settings(shard_ids="0-1,3", shard_count=4)
    assert s.shard_ids == [0, 1, 3]
    guild_on_shard_2 = (2 << 22) + 4 * (1 << 22) * 1000
    assert (guild_on_shard_2 >> 22) % 4 == 2
    assert not s.owns_guild(guild_on_shard_2)
    assert s.owns_guild(0)


def test_token_shape_is_checked_without_echoing_it() -> None:
    assert settings().token_problem() is not None
    assert "DISCORD_TOKEN is not set" in (settings().token_problem() or "")
    bad = settings(discord_token="hunter2-not-a-token")
    problem = bad.token_problem() or ""
    assert "does not look like a bot token" in problem and "hunter2" not in problem
    assert settings(discord_token=TOKEN).token_problem() is None
    assert TOKEN not in repr(settings(discord_token=TOKEN))


def test_log_records_never_carry_the_token(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login with %s", (TOKEN,), None)
    RedactTokenFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage() and REDACTED in record.getMessage()
    other = "OTk5OTk5OTk5OTk5OTk5OTk5.Gxyzab.abcdefghijklmnopqrstuvwxyz01234"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, f"bad {other}", None, None)
    RedactTokenFilter([]).filter(record)
    assert other not in record.getMessage()


def test_env_example_copied_as_is_loads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text("utf-8"), "utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "DEV_GUILD_ID", "SHARD_COUNT", "SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    loaded = Settings()
    assert loaded.dev_guild_id is None and loaded.shard_count is None
    assert (
        loaded.token_problem() is not None and "DISCORD_TOKEN is not set" in loaded.token_problem()
    )
