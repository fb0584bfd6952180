"""Live quizzes end to end: the real bot, a real database, the fake Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.quiz.quiz import QuizOptions
from tests.adapter.harness import (
    MANAGE_GUILD,
    Database,
    answer,
    answering_started,
    correct_custom_id,
    round_id_of,
    running_bot,
    wait_for_question,
    wrong_custom_id,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Message

pytestmark = pytest.mark.e2e


async def ephemeral_text(interaction) -> str:  # type: ignore[no-untyped-def]
    response = await interaction.response()
    assert response.ephemeral, response
    return response.content


V2 = 1 << 15


def labels(message: Message) -> list[str]:
    return [b.get("label", "") for b in message.buttons]


async def test_full_quiz_with_three_members(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
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
        assert first.flags & V2 and not first.embeds and not first.content

        # Phase 1, get ready: the question is shown, its answers locked, a countdown.
        await fake.wait_for_edit(first, lambda m: "Closes <t:" in m.text)
        ready = first.edits[0].before
        ready_text = "\n".join(
            c.get("content", "") for c in _walk(ready["components"]) if c.get("type") == 10
        )
        assert "Question 1 of 2" in ready_text and "Get ready: answers open <t:" in ready_text
        ready_buttons = [c for c in _walk(ready["components"]) if c.get("type") == 2]
        assert ready_buttons and all(b.get("disabled") for b in ready_buttons)

        # Phase 2, answering: the verdicts by their words, open.
        rnd = await bot.services.quiz.get_round(round_id_of(first))
        assert rnd is not None
        assert labels(first) == rnd.shown_choices
        assert not any(b.get("disabled") for b in first.buttons)
        right, wrong = await correct_custom_id(bot, first), await wrong_custom_id(bot, first)
        right_text = rnd.question.correct_text

        assert f"Your answer **{right_text}** is in" in await ephemeral_text(
            await fake.click(olena, first, right)
        )
        clock.advance(seconds=5)
        assert "is in" in await ephemeral_text(await fake.click(petro, first, wrong))
        # A double click: the first answer stands, named by its text.
        again = await ephemeral_text(await fake.click(olena, first, wrong))
        assert f"already answered **{right_text}**" in again
        clock.advance(seconds=16)  # past the 20 s deadline
        late = await ephemeral_text(await fake.click(iryna, first, right))
        assert "Too late" in late and "next question" not in late.lower()

        bot.quiz_runner.everyone_answered(rnd.run_id)  # as if the deadline timer fired
        # Phase 3, the reveal, in the same message.
        await fake.wait_for_edit(first, lambda m: "Standings" in m.text)
        text = first.text
        assert f"✅ **{right_text}**" in text
        for choice in rnd.shown_choices:
            assert choice in text  # each choice's bar is named by its text
        assert f"**Answer: {right_text}**" in text and "Source:" in text and "http" in text
        assert "**Right:** 1 of 2" in text and f"**Fastest:** <@{olena.id}>" in text
        standings = text[text.index("**Standings**") :]
        assert standings.index(f"<@{olena.id}>") < standings.index(f"<@{petro.id}>")
        assert f"<@{iryna.id}>" not in standings
        assert "Next question in a few seconds." in text
        assert first.custom_ids == [f"quizme:{rnd.round_id}"]  # answer buttons gone

        # Private feedback: one button, each member reads their own result.
        mine = await ephemeral_text(await fake.click(olena, first, f"quizme:{rnd.round_id}"))
        assert "Right!" in mine and "**1st** of 2" in mine
        theirs = await ephemeral_text(await fake.click(petro, first, f"quizme:{rnd.round_id}"))
        assert f"Not this time: the answer was **{right_text}**" in theirs and "2nd" in theirs
        absent = await ephemeral_text(await fake.click(iryna, first, f"quizme:{rnd.round_id}"))
        assert "not answered in this quiz yet" in absent

        second = await fake.wait_for_message(
            channel, lambda m: m is not first and bool(m.custom_ids) and m.flags & V2
        )
        await fake.wait_for_edit(second, lambda m: "Closes <t:" in m.text)
        assert "Question 2 of 2" in second.text
        await answer(fake, bot, petro, second, right=True)
        await answer(fake, bot, olena, second, right=False)  # all who joined: closes early
        await fake.wait_for_edit(second, lambda m: "Standings" in m.text)
        assert "That was the last question" in second.text
        assert "Next question" not in second.text
        standings = second.text[second.text.index("**Standings**") :]
        assert "▲" in standings or "▼" in standings or "=" in standings

        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        podium = results.embeds[0]["description"].splitlines()
        assert len(podium) == 2 and f"<@{iryna.id}>" not in results.embeds[0]["description"]

        # One message per question: the start line, two questions, the results.
        public = fake.messages(channel, include_ephemeral=False)
        assert [m.id for m in public] == [start.original.id, first.id, second.id, results.id]

        board = await fake.run_command(petro, channel, "leaderboard", {"period": "week"})
        assert f"<@{olena.id}>" in (await board.response()).message.embeds[0]["description"]
        stats = await fake.run_command(petro, channel, "stats")
        embed = (await stats.response()).message.embeds[0]
        assert any(f["name"] == "Accuracy" for f in embed["fields"])

    assert all(m.mentions_disabled for m in fake.messages() if not m.deleted)
    fake.assert_no_rejections()


def _walk(components: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for comp in components:
        found.append(comp)
        found += _walk(comp.get("components") or [])
        if isinstance(comp.get("accessory"), dict):
            found.append(comp["accessory"])
    return found


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
        # The open question is revealed in place and its answer buttons are gone.
        await fake.wait_for_edit(question, lambda m: "**Answer:" in m.text)
        assert "The quiz was stopped" in question.text and "Next question" not in question.text
        assert not any(c.startswith("quiz:") for c in question.custom_ids)
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


async def test_quiz_in_a_thread_leaves_one_line_in_the_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    olena = fake.create_member(guild, "olena")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        setting = await fake.run_command(moderator, channel, "config quiz", {"in_thread": True})
        assert "quizzes in a thread: **yes**" in (await setting.response()).content

        start = await fake.run_command(olena, channel, "quiz start", {"questions": 1})
        await start.response()
        (thread,) = await fake.wait_until(lambda: fake.threads(channel))
        assert thread.auto_archive_duration == 60 and thread.type == 11
        await fake.wait_for_edit(start.original, lambda m: "Quiz in progress" in m.content)
        assert start.original.content == f"Quiz in progress → <#{thread.id}>"

        question = await wait_for_question(fake, thread)
        await answer(fake, bot, olena, question, right=True)
        rnd = await bot.services.quiz.get_round(round_id_of(question))
        assert rnd is not None
        run = await bot.services.quiz.get_run(rnd.run_id)
        assert run is not None and run.thread_id == thread.id and run.channel_id == channel.id
        # Until the end the channel holds just the one line.
        assert fake.messages(channel, include_ephemeral=False) == [start.original]

        bot.quiz_runner.everyone_answered(rnd.run_id)
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        assert f"<@{olena.id}>" in results.embeds[0]["description"]
        await fake.wait_until(lambda: thread.archived, what="the thread to be archived")
        assert "Quiz over" in fake.messages(thread)[-1].content
        assert "**Answer:" in question.text  # revealed in the thread, in place

        # A second quiz in the thread, stopped from inside the thread.
        bot.services.clock.advance(seconds=31)  # type: ignore[attr-defined]  # quiz_cooldown
        await (await fake.run_command(olena, channel, "quiz start", {"questions": 3})).response()
        threads = await fake.wait_until(
            lambda: len(fake.threads(channel)) == 2 and fake.threads(channel)
        )
        inner = threads[-1]
        question = await wait_for_question(fake, inner)
        stop = await fake.run_command(olena, inner, "quiz stop")
        assert "Stopping" in (await stop.response()).content
        await fake.wait_until(lambda: inner.archived, what="the second thread to be archived")
        assert "The quiz was stopped" in question.text

        # The option overrides the server's setting.
        bot.services.clock.advance(seconds=31)  # type: ignore[attr-defined]  # quiz_cooldown
        again = await fake.run_command(olena, channel, "quiz start", {"thread": False})
        await again.response()
        assert (await wait_for_question(fake, channel)).channel is channel
        assert len(fake.threads(channel)) == 2
    fake.assert_no_rejections()


async def test_a_question_stopped_in_its_get_ready_beat_opens_after_a_restart(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena = fake.create_member(guild, "olena")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        bot.quiz_runner.get_ready = 60  # the bot goes down during the beat
        await (await fake.run_command(olena, channel, "quiz start", {"questions": 1})).response()
        locked = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        assert "Get ready" in locked.text and all(b.get("disabled") for b in locked.buttons)
        await answering_started(bot, locked)  # here: its message id is kept, before the beat
    async with running_bot(fake, database, clock) as bot:
        await fake.wait_for_edit(locked, lambda m: "Closes <t:" in m.text)
        assert "is in" in await answer(fake, bot, olena, locked, right=True)
    fake.assert_no_rejections()


async def test_a_scheduled_quiz_follows_the_servers_thread_setting(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    clock = ManualClock()  # Monday 5 January 2026, 12:00 UTC
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        await (
            await fake.run_command(moderator, channel, "config quiz", {"in_thread": True})
        ).response()
        made = await fake.run_command(
            moderator,
            channel,
            "schedule add",
            {"channel": channel, "what": "quiz", "timezone": "UTC", "days": "daily",
             "time": "12:30", "questions": 1},
        )  # fmt: skip
        assert "Scheduled" in (await made.response()).content
        clock.advance(minutes=30)
        cog = bot.get_cog("ScheduleCog")
        assert len((await cog.scheduler.tick()).fired) == 1  # type: ignore[union-attr]
        (thread,) = await fake.wait_until(lambda: fake.threads(channel))
        line = await fake.wait_for_message(channel, lambda m: "in progress" in m.content)
        assert line.content == f"Scheduled quiz in progress → <#{thread.id}>"
        await wait_for_question(fake, thread)
    fake.assert_no_rejections()


async def test_a_round_opened_but_never_posted_is_posted_when_the_run_resumes(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena = fake.create_member(guild, "olena")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        # The process died right after drawing the question, before posting it.
        run = await bot.services.quiz.start(guild.id, channel.id, olena.id, QuizOptions(1))
        assert await bot.services.quiz.open_next_round(run.run_id) is not None
    async with running_bot(fake, database, clock) as bot:
        question = await wait_for_question(fake, channel)
        assert "Question 1 of 1" in question.text
        assert "is in" in await answer(fake, bot, olena, question, right=True)
        bot.quiz_runner.everyone_answered(run.run_id)
        await fake.wait_for_edit(question, lambda m: "**Answer:" in m.text)
    fake.assert_no_rejections()
