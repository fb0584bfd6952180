"""Answer clicks are taken by their custom id, outside discord.py's views (issue 18).

The answer buttons are not dispatchable to discord.py, so it neither rebuilds the
game screen as a view at each click nor keeps one per posted round. These tests
fail if discord.py stops honouring that (it is pinned to 2.7 for this), and show
that every click is still answered, after a restart too.
"""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.adapter.cogs.quiz import CONTROLS, AnswerButton
from bot.core.clock import ManualClock
from tests.adapter.harness import (
    Database,
    answer,
    round_id_of,
    round_messages,
    running_bot,
    wait_for_question,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def test_an_answer_button_is_not_dispatchable_so_no_view_is_kept_for_it() -> None:
    view = discord.ui.LayoutView(timeout=None)
    row = discord.ui.ActionRow()
    for choice in range(4):
        row.add_item(CONTROLS.answer(7, choice, f"choice {choice}", False))
    view.add_item(row)
    assert all(isinstance(item, AnswerButton) for item in row.children)
    assert not view.is_dispatchable()


async def test_clicks_are_answered_and_no_view_piles_up_round_after_round(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        store = bot._connection._view_store  # the internal this test guards
        kept_before = len(store._views)
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 3, "seconds": 20, "kind": "facts"}
        )
        await start.response()
        question = first = None
        for number in (1, 2, 3):
            question = await wait_for_question(fake, channel, after=question)
            first = first or question
            assert "is in" in await answer(fake, bot, olena, question, right=True)
            # A second click by the same member: the first answer stands.
            assert "already answered" in await answer(fake, bot, olena, question, right=False)
            assert len(store._views) == kept_before
            if number == 3:
                break  # left open across the restart
            assert "is in" in await answer(fake, bot, petro, question, right=False)
            if number == 1:  # round 1 knows nobody yet: its timer ends it
                rnd = await bot.services.quiz.get_round(round_id_of(question))
                assert rnd is not None
                bot.quiz_runner.everyone_answered(rnd.run_id)
            await fake.wait_for_edit(question, lambda m: "Standings" in m.text)
        assert len(store._views) == kept_before

    assert question is not None
    async with running_bot(fake, database, clock) as bot:  # a restart mid-round
        # The button on the message posted before the restart is still answered.
        assert "is in" in await answer(fake, bot, petro, question, right=True)
        await fake.wait_for_edit(question, lambda m: "Standings" in m.text)
        assert "Right:** 2 of 2" in question.text
        # "My result" under a reveal the process before showed: no view of this
        # process holds that button.
        assert first is not None
        mine = await fake.click(olena, first, f"quizme:{round_id_of(first)}")
        assert "Right!" in (await mine.response()).content
    assert len({round_id_of(m) for m in round_messages(fake, channel)}) == 3
