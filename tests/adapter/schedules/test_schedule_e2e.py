"""A schedule made through the command fires, its quiz runs, and the run is listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import MANAGE_GUILD, Database, answer, round_id_of, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_scheduled_quiz_fires_runs_and_is_listed(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz-night")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    member = fake.create_member(guild, "player")
    clock = ManualClock()  # Monday 5 January 2026, 12:00 UTC
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        with pytest.raises(PermissionError):  # hidden in the client by default_permissions...
            await fake.run_command(member, channel, "schedule list")
        # ...and refused by the bot when a server lets everyone see the command.
        refused = await fake.run_command(member, channel, "schedule list", check_permissions=False)
        assert "Only moderators" in (await refused.response()).content

        zones = await fake.autocomplete(
            moderator,
            channel,
            "schedule add",
            focused="timezone",
            value="Europe/Ky",
            options={"channel": channel, "what": "quiz"},
        )
        assert "Europe/Kyiv" in [c["value"] for c in (await zones.response()).choices]

        bad = await fake.run_command(
            moderator,
            channel,
            "schedule add",
            {
                "channel": channel,
                "what": "quiz",
                "timezone": "Mars/Base",
                "days": "daily",
                "time": "12:30",
            },
        )
        assert "timezone" in (await bad.response()).content

        made = await fake.run_command(
            moderator,
            channel,
            "schedule add",
            {
                "channel": channel,
                "what": "quiz",
                "timezone": "UTC",
                "days": "daily",
                "time": "12:30",
                "questions": 1,
                "kind": "claims",
            },
        )
        assert "Scheduled" in (await made.response()).content
        upcoming = await fake.run_command(moderator, channel, "schedule next")
        assert "Mon 05 Jan 2026 12:30" in (await upcoming.response()).content

        clock.advance(minutes=31)  # due at 12:30, one minute late: within the grace
        cog = bot.get_cog("ScheduleCog")
        report = await cog.scheduler.tick()  # type: ignore[union-attr]
        assert len(report.fired) == 1
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        assert "is in" in await answer(fake, bot, member, question, right=True)
        rnd = await bot.services.quiz.get_round(round_id_of(question))
        assert rnd is not None
        bot.quiz_runner.everyone_answered(rnd.run_id)
        await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        history = await fake.run_command(moderator, channel, "schedule history", {"schedule": 1})
        assert "fired" in (await history.response()).content
        listed = await fake.run_command(moderator, channel, "schedule list")
        assert "next" in (await listed.response()).content
    fake.assert_no_rejections()


async def test_question_of_the_day_posts_closes_and_counts_streaks(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "daily")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    player = fake.create_member(guild, "player")
    clock = ManualClock()  # Monday 5 January 2026, 12:00 UTC
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        made = await fake.run_command(
            moderator,
            channel,
            "schedule add",
            {
                "channel": channel,
                "what": "qotd",
                "timezone": "Europe/Kyiv",
                "days": "daily",
                "time": "14:05",  # 12:05 UTC in winter
                "kind": "claims",
                "open_hours": 2,
            },
        )
        assert "Scheduled" in (await made.response()).content
        cog = bot.get_cog("ScheduleCog")
        for day in range(2):
            clock.advance(minutes=5 if day == 0 else 22 * 60)  # 12:05 UTC on each day
            report = await cog.scheduler.tick()  # type: ignore[union-attr]
            assert len(report.fired) == 1, report
            question = await fake.wait_for_message(
                channel,
                lambda m: bool(m.custom_ids) and "Question of the day" in m.text,
            )
            assert "is in" in await answer(fake, bot, player, question, right=True)
            clock.advance(hours=2, minutes=1)
            report = await cog.scheduler.tick()  # type: ignore[union-attr]
            assert len(report.qotds_closed) == 1
            await fake.wait_for_edit(question, lambda m: not m.custom_ids)
        streaks = await fake.wait_for_message(channel, lambda m: "Daily streaks" in m.content)
        assert f"<@{player.id}> 2 days" in streaks.content
        # Each day's reveal is in that day's question message.
        reveals = [m for m in fake.messages(channel) if "**Answer:" in m.text]
        assert len(reveals) == 2 and all("Question of the day" in m.text for m in reveals)
    fake.assert_no_rejections()
