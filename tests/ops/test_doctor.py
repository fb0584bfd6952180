"""`quizbot doctor` asks the fake Discord about the token and the configured channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.doctor import channel_permissions, missing, run_checks
from db.engine import create_engine, create_session_factory
from db.models import Schedule
from tests.adapter.harness import Database
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e
VIEW = 1 << 10


async def doctor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> list[str]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lines: list[str] = []
    ok = await run_checks(lines.append)
    lines.append(f"RESULT {ok}")
    return lines


async def test_doctor_checks_the_token_and_each_servers_channels(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    good = fake.create_guild("Good")
    good_channel = fake.create_channel(good, "quiz")
    muted = fake.create_guild("Muted", everyone_permissions=VIEW)
    muted_channel = fake.create_channel(muted, "quiz")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    engine = create_engine(database.url)
    async with create_session_factory(engine).begin() as session:
        for guild, channel_id in (
            (good, good_channel.id),
            (muted, muted_channel.id),
            (good, 424242),  # a deleted channel
        ):
            session.add(
                Schedule(
                    guild_id=guild.id,
                    channel_id=channel_id,
                    kind="quiz",
                    cron="0 12 * * *",
                    timezone="UTC",
                )
            )
    await engine.dispose()

    env = {
        "DISCORD_TOKEN": fake.token,
        "DATABASE_URL": database.url,
        "DISCORD_API_BASE": fake.api_base,
    }
    text = "\n".join(await doctor(monkeypatch, tmp_path, **env))
    assert "[ok] Discord accepts the token" in text
    assert "[ok] server 'Good', #quiz: the bot can post" in text
    assert "[FAIL] server 'Muted', #quiz: the bot lacks Send Messages" in text
    assert "channel 424242: cannot be read (404)" in text
    assert "[ok] database reachable, schema revision" in text
    assert "[ok] free disk space next to" in text
    assert text.endswith("RESULT False")
    assert fake.token not in text

    bad = "A" * 24 + "." + "B" * 6 + "." + "C" * 27
    refused = "\n".join(await doctor(monkeypatch, tmp_path, **{**env, "DISCORD_TOKEN": bad}))
    assert "[FAIL] Discord refused the token (401)" in refused
    assert [r for r in fake.requests if r.path == "/users/@me"]


def test_overwrites_follow_discords_order() -> None:
    guild, role, me = 1, 2, 3
    everyone = VIEW | (1 << 11)
    base = channel_permissions(guild, everyone, {role: 1 << 14}, [role], me, [])
    assert base == VIEW | (1 << 11) | (1 << 14)
    denied = channel_permissions(
        guild, everyone, {}, [role], me, [{"id": str(guild), "deny": str(1 << 11), "allow": "0"}]
    )
    assert "Send Messages" in missing(denied)
    back = channel_permissions(
        guild,
        everyone,
        {},
        [role],
        me,
        [
            {"id": str(guild), "deny": str(1 << 11), "allow": "0"},
            {"id": str(me), "deny": "0", "allow": str(1 << 11)},
        ],
    )
    assert "Send Messages" not in missing(back)
    assert channel_permissions(guild, 1 << 3, {}, [], me, []) == ~0  # administrator
