"""/leaderboard and /leaderboard-reset end to end, through the fake Discord."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.services.quiz.quiz import period_key
from db.models import AuditEntry, ScoreTotal
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def seed_board(bot, guild_id: int, user_ids: list[int], clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    """Totals as quizzes leave them: the first user leads, 50 points apart."""
    async with bot.services.sessions.begin() as session:
        for period in ("all", "week"):
            key = period_key(period, clock())
            for i, user_id in enumerate(user_ids):
                session.add(
                    ScoreTotal(
                        guild_id=guild_id,
                        period=key,
                        user_id=user_id,
                        points=5000 - 50 * i,
                        correct=3,
                        answered=4,
                        answer_time_ms=20_000,
                        quizzes=1,
                        best_streak=2,
                    )
                )


def lines(message) -> list[str]:  # type: ignore[no-untyped-def]
    return message.embeds[0]["description"].splitlines()


def field(message, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def test_pages_show_everyone_and_my_place(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    players = [fake.create_member(guild, f"player{i:02d}") for i in range(23)]
    newcomer = fake.create_member(guild, "newcomer")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)

    async with running_bot(fake, database, clock) as bot:
        await seed_board(bot, guild.id, [p.id for p in players], clock)
        last = players[-1]
        asked = await fake.run_command(last, channel, "leaderboard")
        board = (await asked.response()).message
        assert not board.ephemeral  # the board itself is for the channel
        assert len(lines(board)) == 10 and lines(board)[0].startswith("🥇")
        assert f"<@{players[0].id}>" in lines(board)[0] and "5,000" in lines(board)[0]
        assert f"<@{last.id}>: **23rd** of 23" in field(board, "Your place")
        assert "Page 1 of 3 · 23 players" in board.embeds[0]["footer"]["text"]
        assert board.buttons and [b["label"] for b in board.buttons] == ["Next ▶"]
        assert board.mentions_disabled

        # Next, pressed by another member: a private copy at page 2, with their place.
        second = players[12]
        click = await fake.click(second, board, "lb:all:2")
        mine = (await click.response()).message
        assert mine.ephemeral and lines(board)[0].startswith("🥇")  # the public board stays
        assert [line.split(" ")[0] for line in lines(mine)][:2] == ["11.", "12."]
        assert any(line.startswith("**▶**") and f"<@{second.id}>" in line for line in lines(mine))
        assert "**13th** of 23" in field(mine, "Your place")
        assert [b["label"] for b in mine.buttons] == ["◀ Previous", "Next ▶"]

        # On the private copy, paging edits it in place.
        onward = await fake.click(second, mine, "lb:all:3")
        assert (await onward.response()).type == 7
        assert [line.split(" ")[0] for line in lines(mine)] == ["21.", "22.", "23."]
        assert [b["label"] for b in mine.buttons] == ["◀ Previous"]

        week = await fake.run_command(
            newcomer, channel, "leaderboard", {"period": "week", "page": 9}
        )
        shown = (await week.response()).message
        assert "this week" in shown.embeds[0]["title"]
        assert "Page 3 of 3" in shown.embeds[0]["footer"]["text"]  # past the end: the last
        assert "not on this board yet" in field(shown, "Your place")

    fake.assert_no_rejections()


async def test_moderator_resets_a_period_after_confirming(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    mod = fake.create_member(guild, "teacher", permissions=MANAGE_GUILD)
    olena, petro = fake.create_member(guild, "olena"), fake.create_member(guild, "petro")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)

    async with running_bot(fake, database, clock) as bot:
        await seed_board(bot, guild.id, [olena.id, petro.id], clock)
        with pytest.raises(PermissionError):  # hidden from members (and checked by us)
            await fake.run_command(olena, channel, "leaderboard-reset", {"period": "week"})

        asked = await fake.run_command(mod, channel, "leaderboard-reset", {"period": "week"})
        confirm = (await asked.response()).message
        assert confirm.ephemeral and "clears the points of 2 members" in confirm.content
        key = period_key("week", clock())
        assert confirm.custom_ids == [f"lbreset:week:{key}:yes", f"lbreset:week:{key}:no"]

        cancel = await fake.click(mod, confirm, f"lbreset:week:{key}:no")
        await cancel.response()
        assert confirm.content == "Nothing was reset." and not confirm.custom_ids
        assert (await bot.services.stats.board_page(guild.id, "week")).total == 2

        again = await fake.run_command(mod, channel, "leaderboard-reset", {"period": "week"})
        confirm = (await again.response()).message
        done = await fake.click(mod, confirm, f"lbreset:week:{key}:yes")
        await done.response()
        assert "reset: 2 members, 9,950 points cleared" in confirm.content
        assert (await bot.services.stats.board_page(guild.id, "week")).total == 0
        assert (await bot.services.stats.board_page(guild.id, "all")).total == 2

        empty = await fake.run_command(olena, channel, "leaderboard", {"period": "week"})
        assert "No scores yet" in (await empty.response()).message.embeds[0]["description"]
        nothing = await fake.run_command(mod, channel, "leaderboard-reset", {"period": "week"})
        assert "already empty" in (await nothing.response()).content

        # A confirmation pressed after the week rolled over clears nothing.
        stale = await fake.run_command(mod, channel, "leaderboard-reset", {"period": "all"})
        stale_confirm = (await stale.response()).message
        clock.advance(days=400)  # "all" never rolls over: this one still works
        await (await fake.click(mod, stale_confirm, "lbreset:all:all:yes")).response()
        assert "reset: 2 members" in stale_confirm.content

    async with bot.services.sessions() as session:
        audit = (await session.execute(select(AuditEntry))).scalars().all()
    assert [(a.action, a.user_id, a.target_id) for a in audit] == [
        ("leaderboard.reset", mod.id, key),
        ("leaderboard.reset", mod.id, "all"),
    ]
    fake.assert_no_rejections()


async def test_a_confirmation_from_last_week_clears_nothing(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk history club")
    channel = fake.create_channel(guild, "quiz")
    mod = fake.create_member(guild, "teacher", permissions=MANAGE_GUILD)
    member = fake.create_member(guild, "olena")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)

    async with running_bot(fake, database, clock) as bot:
        await seed_board(bot, guild.id, [member.id], clock)
        asked = await fake.run_command(mod, channel, "leaderboard-reset", {"period": "week"})
        confirm = (await asked.response()).message
        yes = confirm.custom_ids[0]
        clock.advance(days=7)
        await (await fake.click(mod, confirm, yes)).response()
        assert "nothing was reset" in confirm.content
        async with bot.services.sessions() as session:
            assert (await session.execute(select(AuditEntry))).first() is None
            assert len((await session.execute(select(ScoreTotal))).all()) == 2
    fake.assert_no_rejections()
