"""The bot in Ukrainian, end to end: a server set to Ukrainian plays a quiz, a discussion
and a scheduled quiz in Ukrainian; a member whose Discord speaks Ukrainian reads private
replies in Ukrainian while an English server's public screen stays English."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import (
    MANAGE_GUILD,
    Database,
    answer,
    correct_custom_id,
    round_id_of,
    running_bot,
    wrong_custom_id,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Message

pytestmark = pytest.mark.e2e

UK_VERDICTS = {"Точно", "Частково точно", "Неточно", "Неможливо перевірити", "Думка"}
ENGLISH = ("Question ", "Standings", "Get ready", "Closes", "Answer:", "Next question", "Source:")


def texts(payload: dict) -> str:  # type: ignore[type-arg]
    """The text displays of one version of a message."""
    return "\n".join(
        c.get("content", "") for c in _walk(payload["components"]) if c.get("type") == 10
    )


def _walk(components: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for comp in components:
        found.append(comp)
        found += _walk(comp.get("components") or [])
    return found


async def private(interaction) -> str:  # type: ignore[no-untyped-def]
    response = await interaction.response()
    assert response.ephemeral, response
    return response.content


async def set_ukrainian(fake: FakeDiscord, moderator, channel) -> None:  # type: ignore[no-untyped-def]
    done = await fake.run_command(moderator, channel, "config language", {"language": "uk"})
    assert "Мова сервера тепер" in await private(done)


async def test_a_ukrainian_server_plays_a_quiz_in_ukrainian(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Купʼянськ")
    channel = fake.create_channel(guild, "вікторина")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    olena = fake.create_member(guild, "olena", locale="uk")
    hans = fake.create_member(guild, "hans", locale="de")  # not ours: the server's language
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        await set_ukrainian(fake, moderator, channel)
        start = await fake.run_command(
            olena, channel, "quiz start", {"questions": 2, "seconds": 20, "kind": "claims"}
        )
        assert "Починається вікторина!" in (await start.response()).content
        assert "2 питання, по 20 с на кожне." in (await start.response()).content
        first = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))

        # Get ready, then answering: the question, its verdicts and the countdown in Ukrainian.
        await fake.wait_for_edit(first, lambda m: "Закриється <t:" in m.text)
        ready = texts(first.edits[0].before)
        assert "Питання 1 з 2" in ready and "Приготуйтеся: відповіді відкриються" in ready
        assert "Перевірка твердження: наскільки це точно?" in first.text
        assert "(лише англійською)" not in first.text  # the shipped bank speaks Ukrainian
        rnd = await bot.services.quiz.get_round(round_id_of(first))
        assert rnd is not None
        labels = [b.get("label") for b in first.buttons]
        assert set(labels) <= UK_VERDICTS and len(labels) == len(rnd.shown_choices)
        if not rnd.question.translations["uk"].get("text"):
            assert "переклад з англійської" in first.text  # the essay's words, translated

        right, wrong = await correct_custom_id(bot, first), await wrong_custom_id(bot, first)
        mine = await private(await fake.click(olena, first, right))
        assert "Вашу відповідь" in mine and "прийнято" in mine
        clicked = next(b["label"] for b in first.buttons if b.get("custom_id") == right)
        assert f"**{clicked}**" in mine  # named as its button shows it, in Ukrainian
        theirs = await private(await fake.click(hans, first, wrong))
        assert "прийнято" in theirs  # German Discord: the server's language

        bot.quiz_runner.everyone_answered(rnd.run_id)
        await fake.wait_for_edit(first, lambda m: "Турнірна таблиця" in m.text)
        revealed = first.text
        assert "**Відповідь:" in revealed and "Джерело:" in revealed
        assert "**Правильно:** 1 з 2" in revealed and "**Найшвидше:**" in revealed
        assert "Наступне питання — за кілька секунд." in revealed
        assert not [word for word in ENGLISH if word in revealed], revealed
        me = await private(await fake.click(olena, first, f"quizme:{rnd.round_id}"))
        assert "Правильно!" in me and "**1-й** з 2" in me
        [my_result] = [b["label"] for b in first.buttons]
        assert my_result == "Мій результат"

        second = await fake.wait_for_message(
            channel, lambda m: m is not first and bool(m.custom_ids)
        )
        await fake.wait_for_edit(second, lambda m: "Закриється <t:" in m.text)
        assert "Питання 2 з 2" in second.text
        await answer(fake, bot, olena, second, right=True)
        await answer(fake, bot, hans, second, right=False)
        await fake.wait_for_edit(second, lambda m: "Турнірна таблиця" in m.text)
        assert "Це було останнє питання: результати нижче." in second.text
        results = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "результати" in m.embeds[0]["title"]
        )
        assert results.embeds[0]["title"] == "Вікторину завершено: результати"
        assert "2 питання · за рівних балів" in results.embeds[0]["footer"]["text"]

        none = await fake.run_command(olena, channel, "quiz stop")
        assert await private(none) == "У цьому каналі зараз немає вікторини."
    fake.assert_no_rejections()


async def test_a_ukrainian_member_in_an_english_server(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    taras = fake.create_member(guild, "taras", locale="uk")
    anna = fake.create_member(guild, "anna")  # en-US
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        start = await fake.run_command(
            taras, channel, "quiz start", {"questions": 1, "kind": "claims"}
        )
        assert "Quiz starting!" in (await start.response()).content  # public: English
        message = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await fake.wait_for_edit(message, lambda m: "Closes <t:" in m.text)
        assert "Question 1 of 1" in message.text and "Питання" not in message.text
        assert "Вашу відповідь" in await answer(fake, bot, taras, message, right=True)
        assert "Your answer" in await answer(fake, bot, anna, message, right=False)
        rnd = await bot.services.quiz.get_round(round_id_of(message))
        assert rnd is not None
        bot.quiz_runner.everyone_answered(rnd.run_id)
        await fake.wait_for_edit(message, lambda m: "Standings" in m.text)
        assert "Турнірна" not in message.text
        mine = await private(await fake.click(taras, message, f"quizme:{rnd.round_id}"))
        assert "Правильно!" in mine
        hers = await private(await fake.click(anna, message, f"quizme:{rnd.round_id}"))
        assert "Not this time" in hers

        practice = await fake.run_command(taras, channel, "practice")
        shown = (await practice.response()).message
        assert shown.ephemeral and shown.embeds[0]["title"].startswith("Практика · ")
        refused = await fake.run_command(taras, channel, "config quiz", check_permissions=False)
        assert "Це можуть лише модератори" in await private(refused)
    fake.assert_no_rejections()


async def test_a_discussion_in_ukrainian(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "debate")
    host = fake.create_member(guild, "host", permissions=MANAGE_GUILD, locale="uk")
    voter = fake.create_member(guild, "voter")  # en-US: private replies in English
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        await set_ukrainian(fake, host, channel)
        started = await fake.run_command(host, channel, "discuss start", {"hours": 4.0})
        message: Message = (await started.response()).message
        embed = message.embeds[0]
        assert embed["footer"]["text"].startswith("Обговорення #")
        assert "**Перше голосування** до" in embed["description"]
        assert all("**Найсильніший аргумент:**" in f["value"] for f in embed["fields"])
        labels = [b.get("label") for b in message.buttons]
        assert "Не визначився" in labels and "Написати «сталеву людину»" in labels
        thread = await fake.wait_for_message(
            None, lambda m: m.content.startswith("**Як ми тут обговорюємо**")
        )
        assert thread is not None

        first = message.buttons[0]["custom_id"]
        voted = await private(await fake.click(host, message, first))
        assert voted.startswith("Ваш перший голос: **") and labels[0] in voted
        english = await private(await fake.click(voter, message, first))
        assert english.startswith("Your opening vote: **")

        close = await fake.run_command(host, channel, "discuss close", {"skip_final_vote": True})
        assert "Закриваю обговорення" in (await close.response()).content
        result = await fake.wait_for_message(
            channel,
            lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Результат:"),
            timeout=30,  # the chart is drawn first (matplotlib's import, on a busy machine)
        )
        assert "Нікого не оголошено правим" in result.embeds[0]["footer"]["text"]
        text = result.embeds[0]["description"]
        assert text.startswith("Частка тих, хто голосував") and f"• {labels[0]}: " in text
        assert "Перше голосування: 2 учасники." in text
    fake.assert_no_rejections()


async def test_a_scheduled_quiz_in_ukrainian(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz-night")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    member = fake.create_member(guild, "player", locale="uk")
    clock = ManualClock()  # Monday 5 January 2026, 12:00 UTC
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        await set_ukrainian(fake, moderator, channel)
        made = await fake.run_command(
            moderator,
            channel,
            "schedule add",
            {
                "channel": channel,
                "what": "quiz",
                "timezone": "UTC",
                "days": "daily",
                "time": "12:30",
                "questions": 1,
                "kind": "claims",
            },
        )
        assert "Заплановано. **#1** Вікторина у" in await private(made)
        upcoming = await private(await fake.run_command(moderator, channel, "schedule next"))
        assert "пн 05 січ. 2026 12:30" in upcoming and "вікторина в" in upcoming

        clock.advance(minutes=31)
        cog = bot.get_cog("ScheduleCog")
        report = await cog.scheduler.tick()  # type: ignore[union-attr]
        assert len(report.fired) == 1
        intro = await fake.wait_for_message(channel, lambda m: "запланована" in m.content)
        assert intro.content.startswith("**Починається запланована вікторина!** 1 питання")
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await fake.wait_for_edit(question, lambda m: "Закриється <t:" in m.text)
        assert "Питання 1 з 1" in question.text
        assert "прийнято" in await answer(fake, bot, member, question, right=True)
        rnd = await bot.services.quiz.get_round(round_id_of(question))
        assert rnd is not None
        bot.quiz_runner.everyone_answered(rnd.run_id)
        await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and "результати" in m.embeds[0]["title"]
        )
        history = await private(
            await fake.run_command(moderator, channel, "schedule history", {"schedule": 1})
        )
        assert "запущено" in history
    fake.assert_no_rejections()
