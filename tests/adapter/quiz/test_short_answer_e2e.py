"""Two members type a short answer in the same round: both forms arrive, both score.

Finding: the form's id was fixed per round, and discord.py keeps one open form
per id, so the second member's form replaced the first one's and one answer was
lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from db.engine import create_engine, create_session_factory
from tests.adapter.harness import Database, round_id_of, running_bot, wait_for_question
from tests.factories import short
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_two_members_type_answers_in_one_round_and_both_score(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    engine = create_engine(database.url)
    await import_items(create_session_factory(engine), [short("river")], guild_id=guild.id)
    await engine.dispose()
    clock = ManualClock()

    async with running_bot(fake, database, clock) as bot:
        start = await fake.run_command(olena, channel, "quiz start", {"questions": 1})
        assert "Quiz starting" in (await start.response()).content
        question = await wait_for_question(fake, channel)  # its answers are open
        round_id = round_id_of(question)

        # Both open the form before either sends it, as happens in a real round.
        forms = {}
        for member in (olena, petro):
            opened = await fake.click(member, question, f"quiz:{round_id}:text")
            assert (await opened.response()).type == 9  # the form
            forms[member.name] = opened
        clock.advance(seconds=3)
        for member in (olena, petro):
            sent = await fake.submit_modal(member, forms[member.name], None, {"Answer": "Oskil"})
            assert "is in" in (await sent.response()).content

        clock.advance(seconds=30)
        bot.quiz_runner.everyone_answered((await bot.services.quiz.get_round(round_id)).run_id)
        await fake.wait_until(
            lambda: any(
                "results" in str(m.embeds) or "results" in m.text
                for m in fake.messages(channel, include_ephemeral=False)
            ),
            5,
            "the results",
        )
        for member in (olena, petro):
            stats = await bot.services.stats.member(guild.id, member.id)
            assert (stats.answered, stats.correct) == (1, 1), member.name
            assert stats.points > 0
    fake.assert_no_rejections()
