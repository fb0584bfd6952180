"""Pictures speak the server's language: a Ukrainian server's reveal shows the bank
picture with Ukrainian alt text and its results the podium in Ukrainian (plural forms
and all); an English server's stay English. Both PNGs are real and within limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.pictures import pictures
from tests.adapter.harness import (
    MANAGE_GUILD,
    Database,
    answer,
    round_id_of,
    running_bot,
    wait_for_question,
)
from tests.adapter.languages.test_ukrainian_e2e import set_ukrainian
from tests.adapter.quiz.test_pictures_e2e import attached_png, galleries
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def play_pictured_quiz(fake: FakeDiscord, tmp_path: Path, *, ukrainian: bool):  # type: ignore[no-untyped-def]
    """One question with a picture, two players; returns the shipped picture's spec, the
    reveal's gallery description and the podium attachment's description."""
    guild = fake.create_guild("Куп'янськ" if ukrainian else "Kupiansk club")
    channel = fake.create_channel(guild, "quiz")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    olena, petro = (fake.create_member(guild, n) for n in ("olena", "petro"))
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")
    async with running_bot(fake, database, clock) as bot:
        if ukrainian:
            await set_ukrainian(fake, moderator, channel)
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 1, "seconds": 20, "topics": "population"}
        )
        await start.response()
        question = await wait_for_question(fake, channel)
        rnd = await bot.services.quiz.get_round(round_id_of(question))
        assert rnd is not None
        spec = pictures.store().spec_for(rnd.question.slug)
        assert spec is not None, f"{rnd.question.slug} has no picture"

        await answer(fake, bot, olena, question, right=True)
        clock.advance(seconds=3)
        await answer(fake, bot, petro, question, right=False)
        bot.quiz_runner.everyone_answered(rnd.run_id)

        await fake.wait_for_edit(question, lambda m: bool(galleries(m)))
        (gallery,) = galleries(question)
        (item,) = gallery["items"]
        attached_png(question, f"{spec.id}.png")
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0].get("image") is not None
        )
        attached_png(results, "podium.png")
        (podium,) = [a for a in results.attachments if a["filename"] == "podium.png"]
    fake.assert_no_rejections()
    return spec, item["description"], podium["description"]


async def test_a_ukrainian_servers_pictures_speak_ukrainian(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    spec, alt, podium = await play_pictured_quiz(fake_discord, tmp_path, ukrainian=True)
    uk = spec.in_language("uk")
    assert uk.title != spec.title
    assert alt.startswith(f"{uk.title}. ") and len(alt) <= 1024
    assert uk.points[0].label in alt and spec.points[0].label not in alt
    assert spec.title not in alt
    # The podium in Ukrainian, figures written the Ukrainian way ("1 000", plural "балів").
    assert re.fullmatch(
        r"П'єдестал: 1\. olena, 1\s000 балів, 1 з 1 правильно; "
        r"2\. petro, 0 балів, 0 з 1 правильно\.",
        podium,
    ), podium


async def test_an_english_servers_pictures_stay_english(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    spec, alt, podium = await play_pictured_quiz(fake_discord, tmp_path, ukrainian=False)
    assert alt.startswith(f"{spec.title}. ")
    assert not re.search("[а-яієїґ]", alt, re.IGNORECASE), alt
    assert (
        podium == "Podium: 1. olena, 1,000 points, 1 of 1 right; 2. petro, 0 points, 0 of 1 right."
    )
