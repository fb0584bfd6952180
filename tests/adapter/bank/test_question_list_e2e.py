"""/questions list through the fake Discord: Next and Previous keep the search."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.bank.bank import import_items
from db.engine import create_engine, create_session_factory
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.factories import mcq
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_paging_through_a_search_and_back(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    engine = create_engine(database.url)
    items = [mcq(f"bridge-{i:02}", text=f"Which bridge, number {i:02}?") for i in range(23)]
    items += [mcq(f"other-{i}", text=f"Something else {i}?") for i in range(5)]
    await import_items(create_session_factory(engine), items, guild_id=guild.id)
    await engine.dispose()

    def numbers(message) -> list[str]:  # type: ignore[no-untyped-def]
        return [
            line.split("number ")[1][:2] for line in message.embeds[0]["description"].splitlines()
        ]

    async with running_bot(fake, database):
        listed = await fake.run_command(mod, channel, "questions list", {"search": "BRIDGE"})
        listing = (await listed.response()).message
        assert listing.embeds[0]["title"] == "Questions · page 1 of 3 (23)"
        assert numbers(listing) == [f"{i:02}" for i in range(10)]
        assert [b["label"] for b in listing.buttons] == ["Next ▶"]

        for page, first in ((2, 10), (3, 20)):
            await (await fake.click(mod, listing, listing.custom_ids[-1])).response()
            assert listing.embeds[0]["title"] == f"Questions · page {page} of 3 (23)"
            assert numbers(listing)[0] == f"{first:02}"
        assert [b["label"] for b in listing.buttons] == ["◀ Previous"]
        assert len(numbers(listing)) == 3

        await (await fake.click(mod, listing, listing.custom_ids[0])).response()
        assert listing.embeds[0]["title"] == "Questions · page 2 of 3 (23)"
        assert numbers(listing) == [f"{i:02}" for i in range(10, 20)]
        assert [b["label"] for b in listing.buttons] == ["◀ Previous", "Next ▶"]
    fake.assert_no_rejections()
