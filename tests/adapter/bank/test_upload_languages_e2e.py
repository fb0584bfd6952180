"""Uploaded items in two languages, end to end (issue 14): a moderator uploads a CSV whose
``uk_`` columns carry one item's Ukrainian; a Ukrainian server then plays that item in
Ukrainian and the item without a translation in English, marked "(лише англійською)"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.bank.test_questions_e2e import field, upload
from tests.adapter.harness import MANAGE_GUILD, Database, correct_custom_id, running_bot
from tests.adapter.languages.test_ukrainian_e2e import private, set_ukrainian
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

WIKI = "Kupiansk,Wikipedia,https://en.wikipedia.org/wiki/Kupiansk"
CSV = (
    "id,kind,text,choices,answer,explanation,source_title,source_publisher,source_url,tags,"
    "uk_text,uk_choices,uk_explanation\n"
    "csv-river,multiple_choice,Which river runs through Kupiansk?,Oskil|Dnipro|Donets|Desna,"
    f"Oskil,Kupiansk stands on the Oskil.,{WIKI},csvlang,"
    "Яка річка тече через Купʼянськ?,Оскіл|Дніпро|Донець|Десна,Купʼянськ стоїть на Осколі.\n"
    "csv-raion,true_false,Kupiansk is the centre of Kupiansk Raion.,,true,"
    f"It is the raion's administrative centre.,{WIKI},csvlang,,,\n"
).encode()
MARK = "(лише англійською)"


async def test_a_ukrainian_server_plays_an_uploaded_csv_in_its_language_or_marks_english(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Купʼянськ")
    channel = fake.create_channel(guild, "вікторина")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    olena = fake.create_member(guild, "olena", locale="uk")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)

    async with running_bot(fake, database, ManualClock()) as bot:
        await set_ukrainian(fake, moderator, channel)
        report = await upload(fake, moderator, channel, "bilingual.csv", CSV)
        assert field(report, "Нові") == "2" and field(report, "З помилками") == "0"
        confirm = await fake.click(
            moderator, report, next(c for c in report.custom_ids if c.endswith(":ok"))
        )
        await confirm.response()

        start = await fake.run_command(
            olena,
            channel,
            "quiz start",
            {"questions": 2, "seconds": 20, "topics": "csvlang", "kind": "facts"},
        )
        await start.response()
        seen: dict[str, str] = {}
        posted: list[object] = []
        for _ in range(2):
            message = await fake.wait_for_message(
                channel, lambda m: m not in posted and bool(m.custom_ids)
            )
            posted.append(message)
            await fake.wait_for_edit(message, lambda m: "Закриється <t:" in m.text)
            rnd = await bot.services.quiz.get_round(int(message.custom_ids[0].split(":")[1]))
            assert rnd is not None
            slug = rnd.question.slug
            seen[slug] = message.text
            labels = [b.get("label") for b in message.buttons]
            if slug == "csv-river":
                assert labels == [
                    ["Оскіл", "Дніпро", "Донець", "Десна"][rnd.question.choices.index(c)]
                    for c in rnd.shown_choices
                ]
            right = await correct_custom_id(bot, message)
            assert "прийнято" in await private(await fake.click(olena, message, right))
            bot.quiz_runner.everyone_answered(rnd.run_id)
            await fake.wait_for_edit(message, lambda m: "Турнірна таблиця" in m.text)
            seen[slug + ":reveal"] = message.text

        assert "Яка річка тече через Купʼянськ?" in seen["csv-river"]
        assert "Which river" not in seen["csv-river"] and MARK not in seen["csv-river"]
        assert "Купʼянськ стоїть на Осколі." in seen["csv-river:reveal"]
        assert "Kupiansk is the centre of Kupiansk Raion." in seen["csv-raion"]
        assert MARK in seen["csv-raion"]  # the server's language falls back, visibly
        assert "It is the raion's administrative centre." in seen["csv-raion:reveal"]
    fake.assert_no_rejections()
