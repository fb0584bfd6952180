"""/questions and /quiz report in Ukrainian, end to end: a moderator whose Discord speaks
Ukrainian reads the upload report, its problems (which line, which item, which field,
why), the buttons, the form's refusals and /questions list in Ukrainian; a moderator of
the same server whose Discord speaks English reads the same things in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapter.bank.test_questions_e2e import attached, field, guild_questions, upload
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

SOURCE = "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk"
GOOD = (
    "  - id: good-{n}\n    kind: true_false\n    text: Is Kupiansk on the Oskil ({n})?\n"
    "    answer: true\n    explanation: It is.\n    tags: [geo]\n    difficulty: 1\n"
    "    paragraph: null\n    sources:\n      - {{title: K, publisher: W, url: 'https://w.org/k'}}\n"
)
BAD = (  # line 17: answer not a choice; line 30: difficulty 7; line 32: an unknown field
    "  - id: bad-answer\n    kind: multiple_choice\n    text: Which river?\n"
    "    choices: [Oskil, Dnipro]\n    answer: Desna\n    explanation: x.\n    tags: [geo]\n"
    "    difficulty: 1\n    paragraph: null\n"
    "    sources:\n      - {title: K, publisher: W, url: 'https://w.org/k'}\n"
    "  - id: bad-field\n    kind: true_false\n    text: Is it?\n    answer: true\n"
    "    explanation: x.\n    tags: [geo]\n    difficulty: 7\n    paragraph: null\n"
    "    colour: red\n    sources:\n      - {title: K, publisher: W, url: 'https://w.org/k'}\n"
)
MIXED = ("theme: mine\nitems:\n" + GOOD.format(n=1) + BAD).encode()
ENGLISH_WORDS = ("line ", "item ", "Problems", "Nothing", "must be", "unknown field", "Import")


def names(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["name"] for f in message.embeds[0]["fields"]]


async def test_a_ukrainian_moderator_reads_the_upload_report_and_its_problems_in_ukrainian(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Купʼянськ")
    channel = fake.create_channel(guild, "модератори")
    olena = fake.create_member(guild, "olena", permissions=MANAGE_GUILD, locale="uk")
    john = fake.create_member(guild, "john", permissions=MANAGE_GUILD, locale="en-US")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        report = await upload(fake, olena, channel, "mine.yaml", MIXED)
        embed = report.embeds[0]
        assert embed["title"] == "Перевірка завантаження: mine.yaml (yaml)"
        assert embed["description"].startswith("Нічого не буде імпортовано")
        assert names(report)[:7] == [
            "Нові",
            "Оновлені",
            "Без змін",
            "Дублікати",
            "З помилками",
            "Чернетки",
            "Пропущені",
        ]
        problems = field(report, "Помилки")
        # Which line, which item, which field, why: in Ukrainian, ids and fields as written.
        assert "рядок 17, запис bad-answer: answer: 'Desna' не є жодним із варіантів" in problems
        assert "рядок 30, запис bad-field: difficulty: має бути щонайбільше 3, а отримано 7" in (
            problems
        )
        assert (
            "рядок 32, запис bad-field: colour: невідоме поле 'colour' (його немає у форматі)"
            in problems
        )
        assert not [w for w in ENGLISH_WORDS if w in problems], problems
        assert not report.custom_ids  # nothing to import
        # The whole report beside it is in Ukrainian too.
        text = attached(report, "report.txt")
        assert text.startswith("mine.yaml (yaml): нових — 1, оновлених — 0")
        assert "Помилки (3): нічого не можна імпортувати, доки їх не виправлено" in text

        # An English moderator of the same (English) server reads it in English.
        english = await upload(fake, john, channel, "mine.yaml", MIXED)
        assert english.embeds[0]["title"] == "Upload check: mine.yaml (yaml)"
        assert "line 17, item bad-answer: answer: 'Desna' is not one of the choices" in (
            field(english, "Problems")
        )
        assert "difficulty: must be at most 3, got 7" in field(english, "Problems")
        assert "Problems (3): nothing can be imported until fixed" in attached(
            english, "report.txt"
        )

        # A good file: the preview, its buttons and the outcome in Ukrainian.
        good = ("theme: mine\nitems:\n" + GOOD.format(n=1) + GOOD.format(n=2)).encode()
        preview = await upload(fake, olena, channel, "good.yaml", good)
        assert preview.embeds[0]["description"].startswith("Натисніть **Імпортувати**")
        assert field(preview, "Нові") == "2"
        assert [b["label"] for b in preview.buttons] == ["Імпортувати", "Скасувати"]
        confirm = await fake.click(
            olena, preview, next(c for c in preview.custom_ids if c.endswith(":ok"))
        )
        await confirm.response()
        assert preview.content.startswith("Імпортовано: 2 нові, 0 оновлених, 0 без змін.")
        assert await guild_questions(bot, guild.id) == 2

        # The same file again: nothing new.
        again = await upload(fake, olena, channel, "good.yaml", good)
        assert again.embeds[0]["description"] == "Нічого нового для імпорту."
    fake.assert_no_rejections()


async def test_questions_list_form_and_quiz_report_in_the_moderators_language(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Купʼянськ")
    channel = fake.create_channel(guild, "модератори")
    olena = fake.create_member(guild, "olena", permissions=MANAGE_GUILD, locale="uk")
    john = fake.create_member(guild, "john", permissions=MANAGE_GUILD, locale="en-GB")
    petro = fake.create_member(guild, "petro", locale="uk")  # not a moderator
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database):
        listed = await fake.run_command(olena, channel, "questions list")
        listing = (await listed.response()).message
        embed = listing.embeds[0]
        assert embed["title"].startswith("Питання · сторінка 1 з ")
        assert embed["footer"]["text"].startswith("🏠 цього сервера · 📚 вбудовані")
        assert [b["label"] for b in listing.buttons] == ["Далі ▶"]
        turned = await fake.click(olena, listing, listing.custom_ids[-1])
        assert (await turned.response()).type == 7
        assert listing.embeds[0]["title"].startswith("Питання · сторінка 2 з ")
        assert [b["label"] for b in listing.buttons] == ["◀ Назад", "Далі ▶"]

        short = await fake.run_command(olena, channel, "questions list", {"search": "ws"})
        footer = (await short.response()).message.embeds[0]["footer"]["text"]
        assert "пошук коротший за 3 літери шукає лише за тегами" in footer

        theirs = await fake.run_command(john, channel, "questions list")
        assert (
            (await theirs.response())
            .message.embeds[0]["title"]
            .startswith("Questions · page 1 of ")
        )

        # The form: its labels and its refusals, named by the form's own fields.
        opened = await fake.run_command(olena, channel, "questions add")
        await opened.response()
        refused = await fake.submit_modal(
            olena,
            opened,
            None,
            {
                "Питання": "На якій річці стоїть Купʼянськ?",
                "Відповіді: спершу правильна": "Оскіл\nДніпро\nДесна\nДон\nСейм",
                "Пояснення (показується після відповіді)": "Оскіл тече через місто.",
                "Джерело: назва | видавець | url": SOURCE,
                "Теги (через кому)": "geography",
            },
        )
        assert (
            await refused.response()
        ).content == "Не збережено:\nВідповіді: щонайбільше 4 рядки."
        opened = await fake.run_command(olena, channel, "questions add")
        await opened.response()
        saved = await fake.submit_modal(
            olena,
            opened,
            None,
            {
                "Питання": "На якій річці стоїть Купʼянськ?",
                "Відповіді: спершу правильна": "Оскіл\nДніпро\nДесна",
                "Теги (через кому)": "geography",
            },
        )
        content = (await saved.response()).content
        assert content.startswith("Збережено як `custom-")
        assert "Це **чернетка** (немає пояснення, немає джерела)" in content
        slug = content.split("`")[1]
        shown = await fake.run_command(olena, channel, "questions show", {"question": slug})
        detail = (await shown.response()).message.embeds[0]
        assert [f["name"] for f in detail["fields"]] == ["Варіанти", "Пояснення"]
        assert "чернетка · цей сервер · теги: geography" in detail["footer"]["text"]
        enable = await fake.run_command(olena, channel, "questions enable", {"question": slug})
        assert "— чернетка: спершу допишіть її" in (await enable.response()).content

        # /quiz report: its refusal in each moderator's language.
        none_yet = await fake.run_command(olena, channel, "quiz report")
        assert (
            await none_yet.response()
        ).content == "На цьому сервері ще немає завершених вікторин."
        refused = await fake.run_command(petro, channel, "quiz report", check_permissions=False)
        assert (await refused.response()).content.startswith("Це можуть лише модератори")
        refused = await fake.run_command(petro, channel, "questions list", check_permissions=False)
        assert (await refused.response()).content.startswith("Це можуть лише модератори")
        none_yet = await fake.run_command(john, channel, "quiz report")
        assert (await none_yet.response()).content == "This server has no finished quiz yet."
    fake.assert_no_rejections()
