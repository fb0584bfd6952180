"""Discussions end to end: votes before and after, thread, steelman, result, restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

STEELMAN = (
    "People who kept the water running under occupation kept their neighbours alive; "
    "the law should look at what they did, not where they were."
)


async def start_discussion(fake: FakeDiscord, member, channel, hours: float = 4.0):  # type: ignore[no-untyped-def]
    started = await fake.run_command(member, channel, "discuss start", {"hours": hours})
    message = (await started.response()).message
    assert message is not None and not message.ephemeral
    return message


def vote_id(message, label: str) -> str:  # type: ignore[no-untyped-def]
    for button in message.buttons:
        if button.get("label") == label:
            return button["custom_id"]
    raise AssertionError(f"no button {label!r} in {[b.get('label') for b in message.buttons]}")


async def test_discussion_votes_steelman_and_result(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "debate")
    host = fake.create_member(guild, "host")
    a, b, c, d = (fake.create_member(guild, n) for n in "abcd")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        message = await start_discussion(fake, host, channel, hours=4)
        embed = message.embeds[0]
        assert embed["title"].endswith("?")
        labels = [f["name"] for f in embed["fields"]]
        assert 2 <= len(labels) <= 4
        assert all("Held by" in f["value"] for f in embed["fields"])
        await fake.wait_until(lambda: fake.threads(channel), 5, "the discussion thread")
        thread = fake.threads(channel)[0]
        guidelines = await fake.wait_for_message(thread, lambda m: "argue" in m.content.lower())
        assert "position, not the person" in guidelines.content

        first, second = labels[0], labels[1]
        votes = {a: first, b: first, c: second, d: "Undecided"}
        for member, label in votes.items():
            click = await fake.click(member, message, vote_id(message, label))
            assert "opening vote" in (await click.response()).content
        again = await fake.click(a, message, vote_id(message, second))
        assert "Changed your opening vote" in (await again.response()).content
        back = await fake.click(a, message, vote_id(message, first))
        assert "Changed your opening vote" in (await back.response()).content

        # Steelman: a argues for the second viewpoint, which a did not pick.
        opened = await fake.click(a, message, vote_id(message, "Write a steelman"))
        picker = (await opened.response()).message
        assert picker.ephemeral
        chosen = await fake.select(a, picker, picker.custom_ids[0], [str(labels.index(second))])
        assert (await chosen.response()).type == 9
        submitted = await fake.submit_modal(
            a, chosen, None, {"The strongest case for it": STEELMAN}
        )
        assert "posted in the thread" in (await submitted.response()).content
        steel = await fake.wait_for_message(
            thread, lambda m: bool(m.embeds) and "Steelman" in m.embeds[0]["title"]
        )
        for member, stars in ((b, 5), (c, 4)):
            rate = await fake.click(
                member, steel, f"{steel.custom_ids[0].rsplit(':', 1)[0]}:{stars}"
            )
            assert f"{stars}/5" in (await rate.response()).content
        own = await fake.click(a, steel, steel.custom_ids[0])
        assert "own" in (await own.response()).content.lower()

        clock.advance(hours=2, minutes=30)  # between the votes
        early = await fake.click(b, message, vote_id(message, second))
        assert "final vote opens" in (await early.response()).content

        clock.advance(hours=1)  # the final quarter
        for member, label in {a: first, b: second, c: second, d: first}.items():
            click = await fake.click(member, message, vote_id(message, label))
            assert "final vote" in (await click.response()).content

        clock.advance(hours=1)
        listing = await fake.run_command(host, channel, "discuss list")
        assert "open" in (await listing.response()).message.embeds[0]["description"]
        close = await fake.run_command(host, channel, "discuss close", {"skip_final_vote": True})
        assert "Closing" in (await close.response()).content
        result = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Result:")
        )
        text = result.embeds[0]["description"]
        # Opening: first 2 of 4 (50%), second 1 (25%), undecided 1; final: first 2, second 2.
        assert f"{first}: 50% → 50%" in text
        assert f"{second}: 25% → 50%" in text
        assert "Gained most" in text and second in text
        assert "right" not in text.lower().replace("nobody is declared right", "")
        assert [a["filename"] for a in result.attachments] == ["result.png"]
        png = next(iter(result.attachment_data.values()))
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert any("Steelman" in f["name"] for f in result.embeds[0]["fields"])
        await fake.wait_for_edit(message, lambda m: not m.custom_ids)
        # The finished discussion's message no longer shows its vote schedule or stage.
        assert message.embeds[0]["footer"]["text"].endswith("stage: ended")
        assert "Opening vote" not in message.text and "has ended" in message.text
    fake.assert_no_rejections()


async def test_close_that_falls_during_a_restart_happens_on_start(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "debate")
    host = fake.create_member(guild, "host")
    voter = fake.create_member(guild, "voter")
    outsider = fake.create_member(guild, "outsider")
    moderator = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock):
        message = await start_discussion(fake, host, channel, hours=1)
        first = message.embeds[0]["fields"][0]["name"]
        await fake.click(voter, message, vote_id(message, first))
        refused = await fake.run_command(outsider, channel, "discuss close")
        assert "Only the member who started" in (await refused.response()).content
        clock.advance(minutes=30)
        final = await fake.run_command(moderator, channel, "discuss close")
        assert "final vote is open" in (await final.response()).content.lower()
    clock.advance(hours=2)  # the end falls while the bot is down
    async with running_bot(fake, database, clock):
        result = await fake.wait_for_message(
            channel, lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Result:")
        )
        # Nobody voted in the final vote: no "100% → 0%", just the opening shares.
        description = result.embeds[0]["description"]
        assert "100%" in description and "→" not in description
    fake.assert_no_rejections()


async def test_every_shipped_prompt_renders_within_discord_limits(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channels = [fake.create_channel(guild, "debate"), fake.create_channel(guild, "debate-2")]
    owner = fake.create_member(guild, "owner")
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        # All at once is more than the quotas allow by default: lift them as an owner can.
        await bot.services.quotas.set_limit(guild.id, owner.id, "discussions_per_channel", 20)
        choices = await bot.services.discussions.prompt_suggestions(guild.id, "", 25)
        assert len(choices) >= 11
        for i, choice in enumerate(choices):
            host = fake.create_member(guild, f"host{i}")
            started = await fake.run_command(
                host, channels[i % 2], "discuss start", {"prompt": str(choice.id), "hours": 1}
            )
            message = (await started.response()).message
            assert message is not None and message.embeds[0]["fields"]
            # Each shipped viewpoint is shown with the evidence the other sides cite.
            assert all("Evidence cited against" in f["value"] for f in message.embeds[0]["fields"])
        await fake.wait_until(
            lambda: sum(len(fake.threads(c)) for c in channels) == len(choices),
            10,
            "one thread per discussion",
        )
    fake.assert_no_rejections()
