"""Faults end to end through the fake Discord: what members see when things go wrong.

Edits and re-uploads mid-round and mid-discussion, a restart with such rows
present, a 503 and a long 429 while a question is posted. The runner's own
fault handling on both databases is in tests/services/quiz/test_quiz_runner_faults.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.bank.items import parse_item
from bot.core.clock import ManualClock, utcnow
from bot.services.bank.bank import import_items
from db.engine import create_engine, create_session_factory
from tests.adapter.harness import Database, round_id_of, running_bot, wait_for_question
from tests.factories import mcq
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def is_round(message) -> bool:  # type: ignore[no-untyped-def]
    return bool(message.custom_ids) and message.custom_ids[0].startswith("quiz:")


async def guild_bank(database: Database, guild_id: int, items) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(database.url)
    await import_items(create_session_factory(engine), items, guild_id=guild_id)
    await engine.dispose()


async def test_a_question_edited_to_fewer_choices_mid_round_survives_a_restart(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    await guild_bank(database, guild.id, [mcq("river")])

    async with running_bot(fake, database, clock) as bot:
        await (await fake.run_command(olena, channel, "quiz start", {"questions": 1})).response()
        posted = await wait_for_question(fake, channel)
        rnd = await bot.services.quiz.get_round(round_id_of(posted))
        assert rnd is not None
        right = rnd.shown_choices.index("Oskil")
        # A moderator re-uploads the question with two choices, the answer moved.
        edited = mcq("river", answer="Donets").model_dump()
        edited["choices"] = ["Donets", "Dnipro"]
        await guild_bank(database, guild.id, [parse_item(edited)])
        click = await fake.click(olena, posted, f"quiz:{rnd.round_id}:{right}")
        assert "is in" in (await click.response()).content
    # A restart with the edited row present: the bot starts and resumes the round.
    clock.advance(seconds=3)
    async with running_bot(fake, database, clock) as bot:
        last = len(rnd.shown_choices) - 1
        click = await fake.click(petro, posted, f"quiz:{rnd.round_id}:{last}")
        assert "is in" in (await click.response()).content
        clock.advance(seconds=60)
        bot.quiz_runner.everyone_answered(rnd.run_id)
        await fake.wait_for_edit(posted, lambda m: "**Answer:" in m.text)
        assert "**Answer: Oskil**" in posted.text  # the answer shown, not the edit's
        results = await fake.wait_for_message(channel, lambda m: "results" in str(m.embeds))
        assert f"<@{olena.id}>" in results.embeds[0]["description"]
        assert not [m for m in fake.messages(channel) if "had to stop" in m.content]
    fake.assert_no_rejections()


async def test_a_503_while_posting_a_question_is_retried_not_the_end_of_the_quiz(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena = fake.create_member(guild, "olena")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    await guild_bank(database, guild.id, [mcq("river"), mcq("river-2")])

    async with running_bot(fake, database, clock) as bot:
        bot.quiz_runner.retry_delays = (0.05, 0.05, 0.05)
        fake.fail_next(f"/channels/{channel.id}/messages", 503, method="POST", count=2)
        started = await fake.run_command(olena, channel, "quiz start", {"questions": 2})
        await started.response()
        posted = await fake.wait_for_message(channel, is_round)
        rnd = await bot.services.quiz.get_round(round_id_of(posted))
        assert rnd is not None and rnd.number == 1
        failed = [r for r in fake.requests if r.status == 503]
        assert len(failed) == 2  # Discord failed twice; the bot tried again
        clock.advance(seconds=60)
        bot.quiz_runner.everyone_answered(rnd.run_id)
        second = await fake.wait_for_message(channel, lambda m: is_round(m) and m.id != posted.id)
        assert "Question 2 of 2" in second.text
        assert not [m for m in fake.messages(channel) if "had to stop" in m.content]


async def test_answering_time_starts_when_the_question_is_posted_after_a_429(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena = fake.create_member(guild, "olena")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    await guild_bank(database, guild.id, [mcq("river")])

    async with running_bot(fake, database, utcnow) as bot:
        # Discord holds the post back longer than the round lasts.
        fake.rate_limit_next(f"/channels/{channel.id}/messages", retry_after=6.0, method="POST")
        asked = utcnow()
        command = {"questions": 1, "seconds": 5}
        await (await fake.run_command(olena, channel, "quiz start", command)).response()
        posted = await wait_for_question(fake, channel, timeout=15)
        assert len(fake.rate_limited) == 1
        click = await fake.click(olena, posted, posted.custom_ids[0])
        assert "is in" in (await click.response()).content  # not "Too late"
        rnd = await bot.services.quiz.get_round(round_id_of(posted))
        assert rnd is not None
        assert rnd.started_at >= asked + timedelta(seconds=5)


async def test_a_prompt_reuploaded_with_fewer_viewpoints_mid_discussion(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    first, second = fake.create_guild("A"), fake.create_guild("B")
    here, there = fake.create_channel(first, "debate"), fake.create_channel(second, "debate")
    host_a, host_b = fake.create_member(first, "a"), fake.create_member(second, "b")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        started = await fake.run_command(host_a, here, "discuss start", {"hours": 1})
        message = (await started.response()).message
        assert message is not None
        run = await bot.services.discussions.open_in_channel(first.id, here.id)
        assert run is not None
        labels = [v.label for v in run.prompt.viewpoints]
        last = labels[-1]
        vote = next(b["custom_id"] for b in message.buttons if b.get("label") == last)
        assert (
            "opening vote" in (await (await fake.click(host_a, message, vote)).response()).content
        )
        other = await fake.run_command(host_b, there, "discuss start", {"hours": 1})
        await other.response()

        # The shipped prompt is re-uploaded with only its first two viewpoints.
        engine = create_engine(database.url)
        sessions = create_session_factory(engine)
        async with sessions() as session:
            from sqlalchemy import select

            from db.models import DiscussionPrompt

            data = await session.scalar(
                select(DiscussionPrompt.data).where(DiscussionPrompt.id == run.prompt.id)
            )
        assert data is not None
        data = {**data, "viewpoints": data["viewpoints"][:2]}
        for translation in data.get("translations", {}).values():
            translation["viewpoints"] = translation["viewpoints"][:2]
        await import_items(sessions, [parse_item(data)])
        await engine.dispose()

        clock.advance(hours=2)
        cog = bot.get_cog("DiscussCog")
        await cog.tick()  # type: ignore[union-attr]
        for channel in (here, there):
            await fake.wait_for_message(channel, lambda m: bool(m.attachments), timeout=10)
        assert await bot.services.discussions.open_in_channel(first.id, here.id) is None
        assert await bot.services.discussions.open_in_channel(second.id, there.id) is None
        result = next(m for m in fake.messages(here) if m.attachments)
        assert last in str(result.embeds)  # the viewpoint shown still has its vote
    # Restart with the re-uploaded prompt present: the cog loads, nothing is re-posted.
    async with running_bot(fake, database, clock) as bot:
        assert bot.get_cog("DiscussCog") is not None
