"""A claim check with the "unverifiable" verdict plays through a live quiz: five verdict
buttons, the right one scores, the reveal names it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.clock import ManualClock
from db.engine import create_engine
from db.models import Question
from tests.adapter.harness import (
    Database,
    correct_custom_id,
    round_id_of,
    running_bot,
    wait_for_question,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

ONLY = "cc-heavily-pro-russian"  # a shipped claim check whose verdict is "unverifiable"
BAR = re.compile(r"^(?:✅|▫️) \**([^*`]+?)\** `[^`]*` (\d+)$", re.M)  # choice, count
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
        shown = await wait_for_question(fake, channel)
        assert "heavily pro-Russian" in shown.text
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
        # The reveal, in the same message, names the verdict by its word.
        await fake.wait_for_edit(shown, lambda m: "**Answer:" in m.text)
        assert "**Answer: Unverifiable**" in shown.text
        right_line = next(line for line in shown.text.splitlines() if "**Right:**" in line)
        assert f"<@{olena.id}>" in right_line and f"<@{petro.id}>" not in right_line
        bars = dict(BAR.findall(shown.text))
        assert {k: int(v) for k, v in bars.items()} == {
            "Accurate": 0,
            "Partly accurate": 0,
            "Inaccurate": 0,
            "Unverifiable": 1,
            "Opinion": 1,
        }

        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        assert results.embeds[0]["description"].splitlines()[0].startswith("🥇")
        assert f"<@{olena.id}>" in results.embeds[0]["description"].splitlines()[0]
    fake.assert_no_rejections()
