"""Restarts mid-quiz, practice across sessions, and every shipped item within limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.bank.questions import question_view
from db.models import Question
from tests.adapter.harness import (
    Database,
    answer,
    round_id_of,
    running_bot,
    wait_for_question,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_restart_mid_round_resumes_and_old_buttons_work(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        await (await fake.run_command(olena, channel, "quiz start", {"questions": 2})).response()
        before = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        assert "is in" in await answer(fake, bot, olena, before, right=True)
    # The bot is down; the round's deadline is still ahead when it comes back.
    clock.advance(seconds=5)
    async with running_bot(fake, database, clock) as bot:
        # The button on the message from before the restart still works.
        assert "is in" in await answer(fake, bot, petro, before, right=False)
        assert "already answered" in await answer(fake, bot, olena, before, right=False)
        rnd = await bot.services.quiz.get_round(round_id_of(before))
        assert rnd is not None
        bot.quiz_runner.everyone_answered(rnd.run_id)
        # The reveal edits the question's message from before the restart.
        await fake.wait_for_edit(before, lambda m: "Standings" in m.text)
        assert "**Right:** 1 of 2" in before.text
        second = await wait_for_question(fake, channel, after=before)
        assert "Question 2 of 2" in second.text
    # Down again, this time past the deadline: the quiz is closed with its results.
    clock.advance(minutes=5)
    async with running_bot(fake, database, clock) as bot:
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        assert f"<@{olena.id}>" in results.embeds[0]["description"]
        # The question that ran out while the bot was down is revealed in place; its
        # "My result" answers from the database after the restart.
        await fake.wait_for_edit(second, lambda m: "**Answer:" in m.text)
        assert second.custom_ids == [f"quizme:{round_id_of(second)}"]
        click = await fake.click(petro, second, second.custom_ids[0])
        assert "You did not answer this question" in (await click.response()).content
        board = await fake.run_command(petro, channel, "leaderboard")
        assert f"<@{olena.id}>" in (await board.response()).message.embeds[0]["description"]
    fake.assert_no_rejections()


async def test_practice_brings_a_missed_question_back_next_session(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "practice")
    member = fake.create_member(guild, "learner")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        start = await fake.run_command(member, channel, "practice")
        shown = (await start.response()).message
        assert shown.ephemeral and shown.embeds[0]["title"] == "Practice · New question"
        missed_text = shown.embeds[0]["description"]
        question_id = int(shown.custom_ids[0].split(":")[1].split(".")[0])
        async with bot.services.sessions() as session:
            row = await session.get(Question, question_id)
            assert row is not None
            question = question_view(row)
        if question.kind == "short_answer":
            opened = await fake.click(member, shown, shown.custom_ids[0])
            assert (await opened.response()).type == 9
            result = await fake.submit_modal(member, opened, None, {"Answer": "no idea at all"})
        else:
            wrong = next(
                c for c in shown.custom_ids if int(c.split(":")[2]) != question.correct_index
            )
            result = await fake.click(member, shown, wrong)
        assert (await result.response()).type == 7  # the same ephemeral message, updated
        assert shown.embeds[0]["title"].startswith("Not quite")
        assert "comes back later in this session" in shown.embeds[0]["footer"]["text"]

    clock.advance(hours=3)  # a later session, after a restart
    async with running_bot(fake, database, clock):
        again = await fake.run_command(member, channel, "practice")
        back = (await again.response()).message
        assert back.embeds[0]["title"] == "Practice · Back for review"
        assert int(back.custom_ids[0].split(":")[1].split(".")[0]) == question_id
        assert back.embeds[0]["description"].split("\n")[0] == missed_text.split("\n")[0]
    fake.assert_no_rejections()
