"""Pictures as the adapter sends them: attachment, gallery, and the podium's real names."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.adapter.quiz.pictures import picture_file, picture_gallery, picture_source, podium_picture
from bot.core.quiz.scoring import PlayerResult, rank
from bot.services.bank.questions import QuestionView
from bot.services.pictures.pictures import bank_picture, question_picture
from bot.services.quiz.quiz import Results, RunInfo
from tests.adapter.harness import Database, running_bot
from tests.fake_discord import FakeDiscord


async def test_a_bank_picture_as_file_and_gallery() -> None:
    picture = await bank_picture("recent-right-bank-civilians")
    assert picture is not None
    attached = picture_file(picture)
    assert attached.filename == "civilians-and-evacuations.png"
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.Container(discord.ui.TextDisplay("Answer"), picture_gallery(picture)))
    payload = view.to_components()
    gallery = payload[0]["components"][1]
    assert gallery["type"] == 12
    item = gallery["items"][0]
    assert item["media"]["url"] == "attachment://civilians-and-evacuations.png"
    assert 0 < len(item["description"]) <= 1024
    source = picture_source(picture)
    assert source is not None and "pravda.com.ua/eng/news/2025/09/25/7532462" in source


def _view(slug: str, guild_id: int) -> QuestionView:
    return QuestionView(
        id=1,
        guild_id=guild_id,
        slug=slug,
        kind="multiple_choice",
        text="?",
        choices=["a", "b"],
        correct_index=0,
        accepted_answers=[],
        explanation="",
        sources=[],
        tags=[],
        difficulty=1,
        as_of=None,
        status="active",
    )


async def test_only_shipped_items_get_the_shipped_picture() -> None:
    shipped = await question_picture(_view("place-pop-1989", 0))
    assert shipped is not None and shipped.filename == "city-population.png"
    assert await question_picture(_view("place-pop-1989", 81_000_000_000_000_001)) is None


@pytest.mark.e2e
async def test_podium_names_come_from_the_server(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    ranking = rank(
        [
            PlayerResult(olena.id, 1900, 2, 2, 3000, 2),
            PlayerResult(petro.id, 800, 1, 2, 5000, 1),
            PlayerResult(424242, 100, 0, 2, 9000, 0),  # left the server
        ]
    )
    run = RunInfo(7, guild.id, 1, olena.id, 2, 20, "finished")
    async with running_bot(fake, database) as bot:
        picture = await podium_picture(bot, Results(run, ranking, 2))
    assert picture.filename == "podium.png"
    assert picture.alt == (
        "Podium: 1. olena, 1,900 points, 2 of 2 right; 2. petro, 800 points, 1 of 2 right; "
        "3. member …4242, 100 points, 0 of 2 right."
    )
    # The member who left is a 404 Unknown Member, as on Discord; nothing else was refused.
    assert {r.code for r in fake.rejections} <= {10007}


async def test_a_picture_that_cannot_be_drawn_leaves_the_reveal_alone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.adapter.quiz import pictures as adapter_pictures

    async def broken(question: QuestionView) -> None:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(adapter_pictures, "question_picture", broken)
    assert await adapter_pictures.reveal_picture(_view("place-pop-1989", 0)) is None
    assert "could not draw the picture of place-pop-1989" in caplog.text

    run = RunInfo(7, 1, 1, None, 2, 20, "finished")
    assert await adapter_pictures.results_podium(None, Results(run, [], 2)) is None  # type: ignore[arg-type]


async def test_prefetch_draws_before_the_reveal_asks() -> None:
    from bot.adapter.quiz.pictures import _prefetching, prefetch, reveal_picture

    question = _view("un-ga-votes-not-an-item", 0)
    prefetch(question)  # no picture for this id: nothing drawn, nothing raised
    prefetch(_view("treaty-ga-68-262-vote", 0))
    await asyncio.gather(*_prefetching)
    picture = await reveal_picture(_view("treaty-ga-68-262-vote", 0))
    assert picture is not None and picture.filename == "un-ga-votes.png"
