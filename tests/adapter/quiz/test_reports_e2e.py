"""/quiz report end to end: a moderator downloads the CSV of a finished quiz."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import aiohttp
import pytest

from bot.core.clock import ManualClock
from bot.services.quiz.quiz import QuizOptions
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def csv_blocks(text: str) -> dict[str, list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    found = {"heading": [{r[0]: r[1]} for r in rows[: rows.index([])]]}
    i = rows.index([]) + 1
    while i < len(rows):
        end = rows.index([], i) if [] in rows[i:] else len(rows)
        found[rows[i][0]] = [dict(zip(rows[i + 1], r, strict=True)) for r in rows[i + 2 : end]]
        i = end + 1
    return found


async def play_quiz(bot, clock: ManualClock, guild_id: int, channel_id: int, players) -> int:  # type: ignore[no-untyped-def]
    """Two claim-check rounds played through the quiz service (the screen is not under
    test here): the first player right, the second wrong, the third right slowly."""
    quiz = bot.services.quiz
    run = await quiz.start(
        guild_id, channel_id, players[0].id, QuizOptions(questions=2, kind="claims")
    )
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        right = rnd.shown_choices.index(rnd.question.correct_text)
        wrong = (right + 1) % len(rnd.shown_choices)
        for player, choice, wait in zip(players, (right, wrong, right), (1, 2, 9), strict=True):
            clock.advance(seconds=wait)
            await quiz.answer(rnd.round_id, player.id, choice=choice)
        await quiz.close_round(rnd.round_id)
    await quiz.finish(run.run_id)
    return run.run_id


async def test_moderator_downloads_the_report_of_a_finished_quiz(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild, other = fake.create_guild("Kupiansk history club"), fake.create_guild("Other")
    channel, other_channel = fake.create_channel(guild, "quiz"), fake.create_channel(other, "q")
    mod = fake.create_member(guild, "teacher", permissions=MANAGE_GUILD)
    olena, petro, iryna = (fake.create_member(guild, n) for n in ("olena", "petro", "iryna"))
    other_mod = fake.create_member(other, "someone", permissions=MANAGE_GUILD)
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        quiz = next(c for c in fake.commands() if c["name"] == "quiz")
        assert "report" in {o["name"] for o in quiz["options"]}

        empty = await fake.run_command(mod, channel, "quiz report")
        assert "no finished quiz yet" in (await empty.response()).content

        first = await play_quiz(bot, clock, guild.id, channel.id, [olena, petro, iryna])
        clock.advance(minutes=10)
        second = await play_quiz(bot, clock, guild.id, channel.id, [petro, olena, iryna])

        picker = await fake.autocomplete(mod, channel, "quiz report", focused="quiz", value="")
        choices = (await picker.response()).choices
        assert [c["value"] for c in choices] == [str(second), str(first)]
        assert choices[0]["name"].startswith(f"#{second} · ") and "3 players" in choices[0]["name"]
        # Members see no quizzes in the picker, and other servers see none of ours.
        member_picker = await fake.autocomplete(
            olena, channel, "quiz report", focused="quiz", value=""
        )
        assert (await member_picker.response()).choices == []
        foreign = await fake.autocomplete(
            other_mod, other_channel, "quiz report", focused="quiz", value=""
        )
        assert (await foreign.response()).choices == []

        asked = await fake.run_command(mod, channel, "quiz report", {"quiz": str(first)})
        response = await asked.response()
        assert response.type == 5 and response.ephemeral  # "thinking", only the moderator sees it
        message = (await asked.followups(1))[0]
        assert message.ephemeral and f"quiz **#{first}**" in message.content
        assert [a["filename"] for a in message.attachments] == [f"quiz-{first}-report.csv"]
        url = message.attachments[0]["url"]
        async with aiohttp.ClientSession() as http, http.get(url) as got:  # as a moderator would
            assert got.status == 200
            data = await got.read()
        assert data == next(iter(message.attachment_data.values()))
        text = data.decode("utf-8-sig")
        blocks = csv_blocks(text)
        assert {"Quiz report": f"#{first}"} in blocks["heading"]

        questions = blocks["Questions"]
        assert [q["number"] for q in questions] == ["1", "2"]
        for q in questions:
            assert (q["answered"], q["right"], q["right rate"], q["no answer"]) == (
                "3",
                "2",
                "67%",
                "0",
            )
        for number in ("1", "2"):
            rows = [r for r in blocks["Choices"] if r["number"] == number]
            assert sum(int(r["picked by"]) for r in rows) == 3
            right = [r for r in rows if r["right answer"] == "yes"]
            assert len(right) == 1 and right[0]["picked by"] == "2"
            assert not {r["choice"] for r in rows} & set("ABCD")  # by their text, not letters

        members = blocks["Members"]
        assert [(m["rank"], m["member"], m["member id"]) for m in members] == [
            ("1", "olena", str(olena.id)),
            ("2", "iryna", str(iryna.id)),
            ("3", "petro", str(petro.id)),
        ]
        assert [m["answers"] for m in members] == ["2", "2", "2"]
        assert [m["right"] for m in members] == ["2", "2", "0"]
        assert (
            int(members[0]["points"]) > int(members[1]["points"]) > 0 == int(members[2]["points"])
        )
        assert members[0]["total time (s)"] == "2.0"

        # The latest by default.
        latest = await fake.run_command(mod, channel, "quiz report")
        await latest.response()
        assert (
            f"quiz-{second}-report.csv" in (await latest.followups(1))[0].attachments[0]["filename"]
        )

        # Members are refused on our side, whatever Discord's permission overrides say.
        refused = await fake.run_command(olena, channel, "quiz report", {"quiz": str(first)})
        reply = await refused.response()
        assert reply.ephemeral and "Only moderators" in reply.content
        # Another server's moderator cannot read our quiz by typing its number.
        foreign_report = await fake.run_command(
            other_mod, other_channel, "quiz report", {"quiz": str(first)}
        )
        assert f"no quiz #{first} on this server" in (await foreign_report.response()).content
        nonsense = await fake.run_command(mod, channel, "quiz report", {"quiz": "last week"})
        assert "Pick a quiz from the list" in (await nonsense.response()).content

    fake.assert_no_rejections()
