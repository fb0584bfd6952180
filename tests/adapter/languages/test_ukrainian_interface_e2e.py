"""The rest of the interface in Ukrainian, end to end: /help (with the command names a
Ukrainian Discord shows), /privacy, quota refusals, /config limits, /leaderboard,
topic names and /discuss list; a server whose Discord speaks Ukrainian plays in
Ukrainian without /config language; an English member still reads English."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.adapter.quiz.test_leaderboard_e2e import seed_board
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def private(interaction) -> str:  # type: ignore[no-untyped-def]
    response = await interaction.response()
    assert response.ephemeral, response
    return response.content


async def help_text(fake: FakeDiscord, member, channel) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = await (await fake.run_command(member, channel, "help")).response()
    assert response.ephemeral
    [embed] = response.message.embeds
    return embed["title"], embed["description"]


async def test_a_ukrainian_member_in_an_english_server(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")  # en-US
    channels = [fake.create_channel(guild, f"quiz-{i}") for i in range(4)]
    taras = fake.create_member(guild, "taras", locale="uk")
    anna = fake.create_member(guild, "anna")  # en-US
    owner = fake.create_member(guild, "owner", permissions=MANAGE_GUILD, locale="uk")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        # /help: Ukrainian words, and the command names his Discord shows him.
        title, text = await help_text(fake, taras, channels[0])
        assert title == "Довідка"
        assert "**Команди**" in text and "Куп'янськ" in text
        assert "`/вікторина почати` — Почати вікторину в цьому каналі" in text
        assert "`/рейтинг`" in text and "`/quiz start`" not in text
        assert "**Модераторам**" not in text  # not a moderator
        title, text = await help_text(fake, owner, channels[0])
        assert "**Модераторам**" in text and "`/налаштування ліміти`" in text
        # Anna's Discord is English: the same list in English.
        title, text = await help_text(fake, anna, channels[0])
        assert title == "Help"
        assert "`/quiz start` — Start a live quiz in this channel" in text

        # /privacy with nothing kept.
        nothing = await private(await fake.run_command(taras, channels[0], "privacy"))
        assert nothing.startswith("Бот нічого не зберігає про вас на цьому сервері.")
        assert "Зберігається, доки ви не зітрете це тут" in nothing

        # Quotas: the cooldown, then the limit, named, with its number and plural.
        start = {"questions": 1}
        await fake.run_command(taras, channels[0], "quiz start", start)
        refused = await private(await fake.run_command(taras, channels[1], "quiz start", start))
        assert refused.startswith("Ви щойно почали вікторину. Зачекайте ще 30 с")
        assert "(пауза: 30 с для кожного учасника)" in refused
        assert "командою `/config limits` (`quiz_cooldown`)" in refused
        clock.advance(seconds=31)
        await fake.run_command(taras, channels[1], "quiz start", start)
        clock.advance(seconds=31)
        refused = await private(await fake.run_command(taras, channels[2], "quiz start", start))
        assert refused.startswith(
            "Досягнуто ліміту: одночасних вікторин, розпочатих одним учасником: 2. "
            "У вас уже йдуть 2 вікторини."
        ), refused
        assert "(`quizzes_per_member`, до 10)" in refused
        # Anna's refusal is English.
        started = await (await fake.run_command(anna, channels[2], "quiz start", start)).response()
        assert started.content.startswith("**Quiz starting!**")
        refused = await private(await fake.run_command(anna, channels[3], "quiz start", start))
        assert refused.startswith("You started a quiz a moment ago. Please wait 30 s more")

        # The owner's /config limits and a change, in Ukrainian (20 000: the Ukrainian way).
        listing = await private(await fake.run_command(owner, channels[0], "config limits"))
        assert listing.startswith("**Ліміти на цьому сервері**")
        assert "`quiz_cooldown` **30 с**: пауза між двома /quiz start одного учасника" in listing
        assert "`questions_per_server` **20\xa0000**" in listing
        changed = await private(
            await fake.run_command(
                owner, channels[0], "config limits", {"limit": "quizzes_per_member", "value": 5}
            )
        )
        assert changed.startswith("`quizzes_per_member` на цьому сервері тепер **5** (типово 2).")
        shown = await private(await fake.run_command(owner, channels[0], "config quiz"))
        assert shown.startswith("Зміна відповіді: **ні** · бонус за серію: **увімкнено**")

        # /privacy with something kept: the list, the buttons and their answers in Ukrainian.
        shown = await (await fake.run_command(taras, channels[0], "privacy")).response()
        assert shown.content.startswith("**Що бот зберігає про вас на цьому сервері**")
        assert (
            "• вікторини й обговорення, які ви почали, розклади й питання, які ви створили: 2"
            in (shown.content)
        )
        assert shown.content.endswith("Стерти? Це не можна скасувати.")
        labels = [b["label"] for b in shown.message.buttons]
        assert labels == ["Стерти мої дані (усі сервери)", "Скасувати"]
        await (await fake.click(taras, shown.message, shown.message.custom_ids[1])).response()
        assert shown.message.content == "Нічого не стерто."

        # The public board follows the server (English).
        board = await (await fake.run_command(taras, channels[0], "leaderboard")).response()
        assert not board.ephemeral
        assert board.message.embeds[0]["title"] == "Leaderboard — all time"
        assert "No scores yet" in board.message.embeds[0]["description"]
    fake.assert_no_rejections()


async def test_a_server_whose_discord_speaks_ukrainian_plays_in_ukrainian(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Купʼянськ", locale="uk")  # preferred_locale: uk
    channel = fake.create_channel(guild, "вікторина")
    olena = fake.create_member(guild, "olena", locale="uk")
    anna = fake.create_member(guild, "anna")  # en-US: her private replies stay English
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        # Olena finds topics by their Ukrainian names; the value stays the tags.
        typed = await fake.autocomplete(
            olena, channel, "quiz start", focused="topics", value="geography, догов"
        )
        choices = (await typed.response()).choices
        assert {"name": "географія, договори", "value": "geography, treaties"} in [
            {"name": c["name"], "value": c["value"]} for c in choices
        ]
        start = await fake.run_command(
            anna, channel, "quiz start", {"questions": 1, "topics": "treaties"}
        )
        intro = (await start.response()).content
        assert intro.startswith("**Починається вікторина на теми: договори!**"), intro
        question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        await fake.wait_for_edit(question, lambda m: "Закриється <t:" in m.text)
        assert "договори" in question.text and "treaties" not in question.text
        none = await fake.run_command(anna, channel, "discuss close")
        assert await private(none) == "No discussion is open in this channel."

        board = await (await fake.run_command(olena, channel, "leaderboard")).response()
        assert board.message.embeds[0]["title"] == "Рейтинг — увесь час"
        assert board.message.embeds[0]["description"].startswith("Балів ще немає.")

        # A moderator's choice wins over Discord's: from now on, English.
        chosen = await fake.run_command(moderator, channel, "config language", {"language": "en"})
        assert (await private(chosen)).startswith("The server's language is now **English**")
        board = await (await fake.run_command(olena, channel, "leaderboard")).response()
        assert board.message.embeds[0]["title"] == "Leaderboard — all time"
        assert await bot.services.guilds.language(guild.id, "uk") == "en"

        # A server that adds the bot while it runs starts in its Discord's language.
        english = fake.create_guild("Elsewhere")
        joined = fake.create_guild("Харків", locale="uk")
        for _ in range(200):  # on_guild_join runs after the guild is in the cache
            if await bot.services.guilds.language(joined.id) == "uk":
                break
            await asyncio.sleep(0.01)
        assert await bot.services.guilds.language(joined.id) == "uk"
        assert await bot.services.guilds.language(english.id) == "en"
    fake.assert_no_rejections()


async def test_a_full_board_its_reset_and_a_discussion_list_in_ukrainian(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G", locale="uk")
    channel = fake.create_channel(guild, "debate")
    players = [fake.create_member(guild, f"player{i:02d}", locale="uk") for i in range(23)]
    anna = fake.create_member(guild, "anna")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD, locale="uk")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        await seed_board(bot, guild.id, [p.id for p in players], clock)
        last = players[-1]
        board = (await (await fake.run_command(last, channel, "leaderboard")).response()).message
        embed = board.embeds[0]
        assert embed["title"] == "Рейтинг — увесь час"
        assert "**5,000** бал. · 3/4 правильно" not in embed["description"]
        assert "**5\xa0000** бал. · 3/4 правильно" in embed["description"]
        [mine] = [f["value"] for f in embed["fields"] if f["name"] == "Ваше місце"]
        assert f"<@{last.id}>: **23-й** з 23 · 3\xa0900 бал." in mine
        assert embed["footer"]["text"].startswith("Сторінка 1 з 3 · 23 гравці · ")
        assert [b["label"] for b in board.buttons] == ["Далі ▶"]
        # Anna pages on a copy of her own, in English.
        copy = await (await fake.click(anna, board, board.custom_ids[0])).response()
        assert copy.ephemeral and copy.message.embeds[0]["title"] == "Leaderboard — all time"
        assert "Page 2 of 3 · 23 players" in copy.message.embeds[0]["footer"]["text"]

        asked = await (
            await fake.run_command(moderator, channel, "leaderboard-reset", {"period": "all"})
        ).response()
        assert asked.content.startswith(
            "Скинути рейтинг за **увесь час**? Це очистить бали 23 учасників за увесь час"
        )
        labels = [b["label"] for b in asked.message.buttons]
        assert labels == ["Скинути: увесь час", "Скасувати"]
        done = await fake.click(moderator, asked.message, asked.message.custom_ids[0])
        assert (await done.response()).type == 7
        assert asked.message.content.startswith(
            "Рейтинг за увесь час скинуто: очищено бали 23 учасників"
        )

        # /discuss list names each discussion in the reader's language.
        started = await fake.run_command(players[0], channel, "discuss start", {"hours": 4})
        assert not (await started.response()).ephemeral
        [summary] = await bot.services.discussions.list(guild.id)
        view = await bot.services.discussions.get(summary.run_id)
        assert view is not None
        uk_question = view.prompt.translations["uk"]["question"]
        listing = await (await fake.run_command(players[0], channel, "discuss list")).response()
        description = listing.message.embeds[0]["description"]
        assert uk_question in description and "відкрите, завершення" in description
        listing = await (await fake.run_command(anna, channel, "discuss list")).response()
        description = listing.message.embeds[0]["description"]
        assert view.prompt.question in description and uk_question not in description
    fake.assert_no_rejections()
