"""A claim check with the "unverifiable" verdict plays through a live quiz: five verdict
buttons, the right one scores, the reveal names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.clock import ManualClock
from db.engine import create_engine
from db.models import Question
from tests.adapter.harness import Database, correct_custom_id, round_id_of, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

ONLY = "cc-heavily-pro-russian"  # a shipped claim check whose verdict is "unverifiable"
VERDICT_BUTTONS = ["Accurate", "Partly accurate", "Inaccurate", "Unverifiable", "Opinion"]


async def keep_only_one_claim_check(database: Database) -> None:
    """Disable every other claim check so the quiz draws this one."""
    engine = create_engine(database.url)
    async with engine.begin() as conn:
        await conn.execute(
            update(Question)
            .where(Question.kind == "claim_check", Question.slug != ONLY)
            .values(status="disabled")
        )
    await engine.dispose()


async def test_an_unverifiable_claim_check_plays_through(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    database = await Database.create(tmp_path / "bot.db")
    await keep_only_one_claim_check(database)

    async with running_bot(fake, database, ManualClock()) as bot:
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 1, "seconds": 20, "kind": "claims"}
        )
        assert "Quiz starting" in (await start.response()).content
        shown = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        assert "heavily pro-Russian" in shown.embeds[0]["description"]
        assert [b.get("label") for b in shown.buttons] == VERDICT_BUTTONS

        right = await correct_custom_id(bot, shown)
        by_id = {b["custom_id"]: b.get("label") for b in shown.buttons}
        assert by_id[right] == "Unverifiable"
        opinion = next(c for c, label in by_id.items() if label == "Opinion")
        assert "is in" in (await (await fake.click(olena, shown, right)).response()).content
        assert "is in" in (await (await fake.click(petro, shown, opinion)).response()).content

        rnd = await bot.services.quiz.get_round(round_id_of(shown))
        assert rnd is not None
        bot.quiz_runner.everyone_answered(rnd.run_id)
        reveal = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Answer:")
        )
        assert reveal.embeds[0]["title"] == "Answer: D. Unverifiable"
        fields = {f["name"]: f["value"] for f in reveal.embeds[0]["fields"]}
        assert f"<@{olena.id}>" in fields["Right"] and f"<@{petro.id}>" not in fields["Right"]
        counts = [int(line.rsplit(" ", 1)[1]) for line in fields["Answers"].splitlines()]
        assert counts == [0, 0, 0, 1, 1]

        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        assert results.embeds[0]["description"].splitlines()[0].startswith("🥇")
        assert f"<@{olena.id}>" in results.embeds[0]["description"].splitlines()[0]
    fake.assert_no_rejections()
