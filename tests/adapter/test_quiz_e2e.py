"""Live quizzes end to end: the real bot, a real database, the fake Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import (
    MANAGE_GUILD,
    Database,
    answer,
    correct_custom_id,
    round_id_of,
    running_bot,
    wrong_custom_id,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def ephemeral_text(interaction) -> str:  # type: ignore[no-untyped-def]
    response = await interaction.response()
    assert response.ephemeral, response
    return response.content


async def test_full_quiz_with_three_members(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")  # questions drawn: multiple choice
    channel = fake.create_channel(guild, "quiz")
    olena, petro, iryna = (fake.create_member(guild, n) for n in ("olena", "petro", "iryna"))
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        assert {c["name"] for c in fake.commands()} >= {"quiz", "practice", "leaderboard", "stats"}
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 2, "seconds": 20, "kind": "claims"}
        )
        assert "Quiz starting" in (await start.response()).content
        first = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        assert first.embeds[0]["title"] == "Question 1 of 2"
        assert "<t:" in first.embeds[0]["fields"][0]["value"]  # live countdown
        right, wrong = await correct_custom_id(bot, first), await wrong_custom_id(bot, first)

        assert "is in" in await ephemeral_text(await fake.click(olena, first, right))
        clock.advance(seconds=5)
        assert "is in" in await ephemeral_text(await fake.click(petro, first, wrong))
        # A double click: the first answer is final.
        assert "already answered" in await ephemeral_text(await fake.click(olena, first, wrong))
        clock.advance(seconds=16)  # past the 20 s deadline
        assert "Too late" in await ephemeral_text(await fake.click(iryna, first, right))

        first_round = await bot.services.quiz.get_round(round_id_of(first))
        assert first_round is not None
        bot.quiz_runner.everyone_answered(first_round.run_id)  # as if the deadline timer fired
        reveal = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Answer:")
        )
        fields = {f["name"]: f["value"] for f in reveal.embeds[0]["fields"]}
        assert "Source" in fields and "http" in fields["Source"]
        assert "1 of 2" in fields["Right"] and f"<@{olena.id}>" in fields["Right"]
        assert "Fastest" in fields["Right"]
        counts = [int(line.rsplit(" ", 1)[1]) for line in fields["Answers"].splitlines()]
        assert sum(counts) == 2
        await fake.wait_for_edit(first, lambda m: not m.custom_ids)  # buttons off after the close

        second = await fake.wait_for_message(
            channel, lambda m: bool(m.custom_ids) and m.embeds[0]["title"] == "Question 2 of 2"
        )
        await answer(fake, bot, olena, second, right=True)
        await answer(fake, bot, petro, second, right=True)  # all who joined answered: closes early
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        podium = results.embeds[0]["description"].splitlines()
        assert podium[0].startswith("🥇") and f"<@{olena.id}>" in podium[0]
        assert f"<@{petro.id}>" in podium[1]
        assert f"<@{iryna.id}>" not in results.embeds[0]["description"]

        board = await fake.run_command(petro, channel, "leaderboard", {"period": "week"})
        text = (await board.response()).message.embeds[0]["description"]
        assert text.index(f"<@{olena.id}>") < text.index(f"<@{petro.id}>")

        stats = await fake.run_command(petro, channel, "stats")
        embed = (await stats.response()).message.embeds[0]
        assert any(f["name"] == "Accuracy" and "50%" in f["value"] for f in embed["fields"])

    assert all(m.mentions_disabled for m in fake.messages() if not m.deleted)
    fake.assert_no_rejections()


async def test_one_quiz_per_channel_and_two_channels_at_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild_a, guild_b = fake.create_guild("A"), fake.create_guild("B")
    chan_a, chan_b = fake.create_channel(guild_a, "quiz"), fake.create_channel(guild_b, "quiz")
    anna, bohdan = fake.create_member(guild_a, "anna"), fake.create_member(guild_b, "bohdan")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        await (await fake.run_command(anna, chan_a, "quiz start", {"questions": 1})).response()
        again = await fake.run_command(anna, chan_a, "quiz start")
        assert "already running" in (await again.response()).content
        await (await fake.run_command(bohdan, chan_b, "quiz start", {"questions": 1})).response()

        qa = await fake.wait_for_message(chan_a, lambda m: bool(m.custom_ids))
        qb = await fake.wait_for_message(chan_b, lambda m: bool(m.custom_ids))
        await answer(fake, bot, anna, qa, right=True)
        await answer(fake, bot, bohdan, qb, right=False)
        for message in (qa, qb):
            run = await bot.services.quiz.get_round(round_id_of(message))
            assert run is not None
            bot.quiz_runner.everyone_answered(run.run_id)
        for channel in (chan_a, chan_b):
            await fake.wait_for_message(
                channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
            )
        board_a = await fake.run_command(anna, chan_a, "leaderboard")
        board_b = await fake.run_command(bohdan, chan_b, "leaderboard")
        text_a = (await board_a.response()).message.embeds[0]["description"]
        text_b = (await board_b.response()).message.embeds[0]["description"]
        assert f"<@{anna.id}>" in text_a and f"<@{bohdan.id}>" not in text_a
        assert f"<@{bohdan.id}>" in text_b and "**0** pts" in text_b  # answered, wrongly
        assert f"<@{anna.id}>" not in text_b
    fake.assert_no_rejections()


async def test_stop_by_starter_or_moderator_only(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    starter = fake.create_member(guild, "starter")
    other = fake.create_member(guild, "other")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        await (await fake.run_command(starter, channel, "quiz start", {"questions": 5})).response()
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await answer(fake, bot, other, question, right=True)

        refused = await fake.run_command(other, channel, "quiz stop")
        assert "Only the member who started" in (await refused.response()).content
        stop = await fake.run_command(moderator, channel, "quiz stop")
        assert "Stopping" in (await stop.response()).content
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0]["title"] == "Quiz stopped: results"
        )
        assert f"<@{other.id}>" in results.embeds[0]["description"]
        assert (
            "No quiz is running"
            in (await (await fake.run_command(starter, channel, "quiz stop")).response()).content
        )
        board = await fake.run_command(starter, channel, "leaderboard")
        assert f"<@{other.id}>" in (await board.response()).message.embeds[0]["description"]
    fake.assert_no_rejections()


async def test_topics_autocomplete_and_a_dropped_gateway_mid_quiz(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "m")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        typed = await fake.autocomplete(
            member, channel, "quiz start", focused="topics", value="geography, treat"
        )
        values = [c["value"] for c in (await typed.response()).choices]
        assert values and all(v.startswith("geography, treat") for v in values)

        await (await fake.run_command(member, channel, "quiz start", {"questions": 2})).response()
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await fake.drop_gateway(mode="close", code=4000)
        await fake.wait_for_resume()
        assert "is in" in await answer(fake, bot, member, question, right=True)
    fake.assert_no_rejections()
