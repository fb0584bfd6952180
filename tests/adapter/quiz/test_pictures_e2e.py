"""Pictures in a live quiz: the reveal shows the item's picture in a gallery, the results
carry the podium; both are real PNGs attached to the message that shows them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from bot.core.clock import ManualClock
from tests.adapter.harness import Database, answer, round_id_of, running_bot, wait_for_question
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Message

pytestmark = pytest.mark.e2e


def walk(components: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for comp in components:
        found.append(comp)
        found += walk(comp.get("components") or [])
        found += walk(comp.get("items") or []) if comp.get("type") == 12 else []
    return found


def galleries(message: Message) -> list[dict]:  # type: ignore[type-arg]
    return [c for c in walk(message.components) if c.get("type") == 12]


def attached_png(message: Message, filename: str) -> Image.Image:
    by_name = {a["filename"]: a["id"] for a in message.attachments}
    assert filename in by_name, message.attachments
    data = message.attachment_data[int(by_name[filename])]
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size[0] >= 900 and image.size[1] >= 300
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 8  # not blank
    return image


async def test_reveal_shows_the_picture_and_results_the_podium(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    olena, petro, iryna = (fake.create_member(guild, n) for n in ("olena", "petro", "iryna"))
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        # Every shipped item tagged "population" has a picture.
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 1, "seconds": 20, "topics": "population"}
        )
        await start.response()
        question = await wait_for_question(fake, channel)
        assert not galleries(question) and not question.attachments  # it would give it away
        rnd = await bot.services.quiz.get_round(round_id_of(question))
        assert rnd is not None
        expected = await bot_picture(rnd.question.slug)

        await answer(fake, bot, olena, question, right=True)
        clock.advance(seconds=3)
        await answer(fake, bot, petro, question, right=True)
        clock.advance(seconds=3)
        await answer(fake, bot, iryna, question, right=False)
        bot.quiz_runner.everyone_answered(rnd.run_id)

        await fake.wait_for_edit(question, lambda m: "Standings" in m.text)
        (gallery,) = galleries(question)
        (item,) = gallery["items"]
        assert item["media"]["url"] == f"attachment://{expected}"
        assert item["description"] and len(item["description"]) <= 1024
        attached_png(question, expected)

        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "results" in m.embeds[0]["title"]
        )
        assert results.embeds[0]["image"]["url"] == "attachment://podium.png"
        attached_png(results, "podium.png")
        assert f"<@{olena.id}>" in results.embeds[0]["description"]  # the full results too

    fake.assert_no_rejections()


async def bot_picture(slug: str) -> str:
    from bot.services.pictures.pictures import bank_picture

    picture = await bank_picture(slug)
    assert picture is not None, f"{slug} has no picture"
    return picture.filename


async def test_every_pictured_item_reveals_within_discord_limits(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The reveal of every shipped item that has a picture, at its fullest (40 players
    right, full standings), with its picture attached: the fake refuses any breach."""
    from datetime import timedelta

    from sqlalchemy import select

    from bot.adapter.cogs.quiz import CONTROLS
    from bot.adapter.quiz.game_screen import Phase, RoundScreen, round_layout
    from bot.adapter.quiz.pictures import picture_file, reveal_picture, screen_picture
    from bot.adapter.render import NO_MENTIONS
    from bot.services.bank.questions import question_view
    from bot.services.quiz.quiz import Reveal, RoundInfo, Standing, Standings
    from db.models import Question

    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")
    big = 999_999_999_999_999_999
    async with running_bot(fake, database, clock) as bot:
        async with bot.services.sessions() as session:
            rows = (await session.execute(select(Question).order_by(Question.id))).scalars().all()
        target = bot.get_partial_messageable(channel.id, guild_id=guild.id)
        shown = 0
        for number, row in enumerate(rows, start=1):
            question = question_view(row)
            picture = await reveal_picture(question)
            if picture is None:
                continue
            rnd = RoundInfo(
                round_id=number,
                run_id=1,
                number=number,
                total=len(rows),
                question=question,
                shown_choices=list(question.choices),
                started_at=clock(),
                deadline_at=clock() + timedelta(seconds=20),
            )
            reveal = Reveal(
                round=rnd,
                correct_shown=question.correct_index,
                distribution=[30] * len(question.choices),
                answered=30 * max(1, len(question.choices)),
                right=[big - i for i in range(40)],
                fastest=(big, 1234),
            )
            everyone = [
                Standing(big - i, i + 1, i + 2, 99_999 - i, 1_500, True, True, 12)
                for i in range(40)
            ]
            screen = RoundScreen(
                rnd,
                Phase.REVEALED,
                reveal=reveal,
                standings=Standings(number, everyone),
                pictures=(screen_picture(picture),),
            )
            message = await target.send(
                view=round_layout(screen, CONTROLS),
                file=picture_file(picture),
                allowed_mentions=NO_MENTIONS,
            )
            posted = fake.message(message.id)
            (gallery,) = galleries(posted)
            assert gallery["items"][0]["media"]["url"] == f"attachment://{picture.filename}"
            assert [a["filename"] for a in posted.attachments] == [picture.filename]
            shown += 1
        assert shown >= 30  # every pictured item of the bank was tried
    fake.assert_no_rejections()
