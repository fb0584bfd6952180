"""Components V2 (flag IS_COMPONENTS_V2) and threads, as Discord documents them.

The raw cases send a layout that breaks one rule and then the same layout
within it; the discord.py cases build the payloads with the real library's
`LayoutView`, `Container`, `Section`, `TextDisplay`, `MediaGallery`,
`Separator` and `Thumbnail`, so what the bot sends is what is checked.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord

from .conftest import World

V2 = 1 << 15


def text(content: str = "hi") -> dict[str, Any]:
    return {"type": 10, "content": content}


def button(cid: str, label: str = "ok") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": cid}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def section(*texts: dict[str, Any], accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": 9, "components": list(texts), "accessory": accessory or button("acc")}


def container(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 17, "components": list(components)}


def media(url: str = "https://example.org/a.png") -> dict[str, Any]:
    return {"media": {"url": url}}


def thumbnail(url: str = "https://example.org/a.png") -> dict[str, Any]:
    return {"type": 11, **media(url)}


def gallery(n: int) -> dict[str, Any]:
    return {"type": 12, "items": [media() for _ in range(n)]}


def v2(*components: dict[str, Any]) -> dict[str, Any]:
    return {"flags": V2, "components": list(components)}


# (name, a layout that breaks a rule, error path, the nearest layout within it)
CASES: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, Any]]] = [
    ("section of four texts", v2(section(text(), text(), text(), text())),
     ("components", "0", "components"), v2(section(text(), text(), text()))),
    ("section without text", v2(section()), ("components", "0", "components"),
     v2(section(text()))),
    ("section holding a button", v2(section(button("b"))),
     ("components", "0", "components", "0", "type"), v2(section(text()))),
    ("section accessory a text", v2(section(text(), accessory=text())),
     ("components", "0", "accessory", "type"), v2(section(text(), accessory=thumbnail()))),
    ("section without accessory", v2({"type": 9, "components": [text()]}),
     ("components", "0", "accessory"), v2(section(text()))),
    ("container in a container", v2(container(container(text()))),
     ("components", "0", "components", "0", "type"), v2(container(text()), container(text()))),
    ("thumbnail at the top", v2(thumbnail()), ("components", "0", "type"),
     v2(section(text(), accessory=thumbnail()))),
    ("thumbnail without url", v2(section(text(), accessory={"type": 11, "media": {}})),
     ("components", "0", "accessory", "media", "url"), v2(section(text(), accessory=thumbnail()))),
    ("gallery of eleven", v2(gallery(11)), ("components", "0", "items"), v2(gallery(10))),
    ("empty gallery", v2(gallery(0)), ("components", "0", "items"), v2(gallery(1))),
    ("gallery item without url", v2({"type": 12, "items": [{"media": {"url": "nope"}}]}),
     ("components", "0", "items", "0", "media", "url"), v2(gallery(1))),
    ("file from a url", v2({"type": 13, "file": {"url": "https://example.org/a.csv"}}),
     ("components", "0", "file", "url"), v2(text())),
    ("separator spacing", v2({"type": 14, "spacing": 3}), ("components", "0", "spacing"),
     v2({"type": 14, "spacing": 2})),
    ("text in an action row", v2(row(text())), ("components", "0", "components", "0", "type"),
     v2(row(button("a")))),
    ("button label", v2(container(row(button("a", "x" * 81)))),
     ("components", "0", "components", "0", "components", "0", "label"),
     v2(container(row(button("a", "x" * 80))))),
    ("custom id length", v2(row(button("x" * 101))),
     ("components", "0", "components", "0", "custom_id"), v2(row(button("x" * 100)))),
    ("custom id across section and row", v2(section(text(), accessory=button("a")),
                                            row(button("a"))),
     ("components", "1", "components", "0", "custom_id"),
     v2(section(text(), accessory=button("a")), row(button("b")))),
    ("41 components counting nested ones",
     v2(container(*[row(*[button(f"b{r}{i}") for i in range(4)]) for r in range(8)]),
        text()),  # 1 + 8 rows + 32 buttons = 41, then the text: 42
     ("components",),
     v2(container(*[row(*[button(f"b{r}{i}") for i in range(4)]) for r in range(7)]),
        row(button("x")))),  # 1 + 7 + 28 + 2 = 38
    ("text in all over 4000", v2(container(text("x" * 3000), section(text("x" * 1001)))),
     ("components",), v2(container(text("x" * 3000), section(text("x" * 1000))))),
    ("embeds beside v2", {**v2(text()), "embeds": [{"title": "t"}]}, ("embeds",), v2(text())),
]  # fmt: skip


def error_at(body: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, str]]:
    node = body["errors"]
    for part in path:
        node = node[part]
    return node["_errors"]


@pytest.mark.parametrize(
    ("bad", "path", "good"), [pytest.param(b, p, g, id=n) for n, b, p, g in CASES]
)
async def test_layout_rules_on_create_and_edit(
    world: World, bad: dict[str, Any], path: tuple[str, ...], good: dict[str, Any]
) -> None:
    url = f"/channels/{world.channel.id}/messages"
    status, body = await world.rest("POST", url, bad)
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert error_at(body, path), body
    status, body = await world.rest("POST", url, good)
    assert status == 200, body
    (msg,) = world.fake.messages(world.channel)
    # The same rules hold when the message is edited.
    status, body = await world.rest("PATCH", f"{url}/{msg.id}", bad)
    assert (status, body["code"]) == (400, 50035)
    assert msg.edits == []


async def test_a_classic_message_is_not_v2_and_keeps_the_flag_once_set(world: World) -> None:
    url = f"/channels/{world.channel.id}/messages"
    status, body = await world.rest("POST", url, {"components": [text()]})
    assert (status, body["code"]) == (400, 50035)  # v2 types need the flag
    status, body = await world.rest("POST", url, v2(container(text("one"))))
    assert status == 200 and body["flags"] & V2
    # An edit without flags keeps IS_COMPONENTS_V2; content cannot come back.
    status, body = await world.rest("PATCH", f"{url}/{body['id']}", {"content": "plain"})
    assert (status, body["code"]) == (400, 50035)


async def test_thread_rules(world: World) -> None:
    rest, channel = world.rest, world.channel
    status, body = await rest("POST", f"/channels/{channel.id}/threads", {"name": ""})
    assert (status, body["code"]) == (400, 50035)
    status, body = await rest("POST", f"/channels/{channel.id}/threads", {"name": "x" * 101})
    assert (status, body["code"]) == (400, 50035)
    bad = {"name": "Quiz", "auto_archive_duration": 30, "type": 11}
    status, body = await rest("POST", f"/channels/{channel.id}/threads", bad)
    assert (status, body["code"]) == (400, 50035)
    status, thread = await rest(
        "POST", f"/channels/{channel.id}/threads", {**bad, "auto_archive_duration": 60}
    )
    assert status == 201 and thread["parent_id"] == str(channel.id)
    created = await world.gateway.event("THREAD_CREATE")
    assert created["d"]["id"] == thread["id"] and created["d"]["newly_created"]
    # A thread is a channel the bot posts in, Components V2 included.
    status, _ = await rest("POST", f"/channels/{thread['id']}/messages", v2(text("in thread")))
    assert status == 200
    status, body = await rest("PATCH", f"/channels/{thread['id']}", {"archived": "yes"})
    assert (status, body["code"]) == (400, 50035)
    status, body = await rest("PATCH", f"/channels/{thread['id']}", {"auto_archive_duration": 5})
    assert (status, body["code"]) == (400, 50035)
    status, body = await rest("PATCH", f"/channels/{thread['id']}", {"archived": True})
    assert status == 200 and body["thread_metadata"]["archived"] is True
    updated = await world.gateway.event("THREAD_UPDATE")
    assert updated["d"]["thread_metadata"]["archived"] is True
    # A thread cannot hold a thread.
    status, body = await rest("POST", f"/channels/{thread['id']}/threads", {"name": "inner"})
    assert status == 400


# -- the real library against the fake -------------------------------------------------


class Board(discord.ui.LayoutView):
    """A small game screen: a question with a picture, choices, a vote row."""

    def __init__(self, phase: str, *, big: bool = False) -> None:
        super().__init__(timeout=None)
        words = "x" * 4001 if big else f"Phase: {phase}"
        container: discord.ui.Container[Board] = discord.ui.Container(
            discord.ui.TextDisplay(f"## Question 1 of 1\n{words}"),
            accent_colour=discord.Colour.blurple(),
        )
        section: discord.ui.Section[Board] = discord.ui.Section(
            discord.ui.TextDisplay("Kupiansk lies on the Oskil."),
            accessory=discord.ui.Thumbnail("https://example.org/map.png"),
        )
        container.add_item(section)
        container.add_item(
            discord.ui.MediaGallery(discord.MediaGalleryItem("https://example.org/chart.png"))
        )
        container.add_item(discord.ui.Separator())
        row: discord.ui.ActionRow[Board] = discord.ui.ActionRow()
        done = phase != "answering"
        for cid, label in (("v2:true", "True"), ("v2:false", "False")):
            button: discord.ui.Button[Board] = discord.ui.Button(
                label=label, custom_id=cid, disabled=done
            )
            button.callback = self.pressed  # type: ignore[method-assign]
            row.add_item(button)
        container.add_item(row)
        self.add_item(container)

    async def pressed(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(view=Board("revealed"))


class LayoutBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.errors: list[int] = []
        self.posted: discord.Message | None = None
        self.thread: discord.Thread | None = None

        @app_commands.command(name="board", description="Post the board")
        async def board(interaction: discord.Interaction, big: bool = False) -> None:
            try:
                await interaction.response.send_message(view=Board("get-ready", big=big))
            except discord.HTTPException as error:
                self.errors.append(error.code)
                await interaction.response.send_message("refused", ephemeral=True)
                return
            await interaction.edit_original_response(view=Board("answering"))

        @app_commands.command(name="threaded", description="Post in a new thread")
        async def threaded(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Quiz in progress", ephemeral=True)
            channel = interaction.channel
            assert isinstance(channel, discord.TextChannel)
            self.thread = await channel.create_thread(
                name="Quiz", type=discord.ChannelType.public_thread, auto_archive_duration=60
            )
            self.posted = await self.thread.send(view=Board("get-ready"))
            await self.posted.edit(view=Board("answering"))
            try:
                await self.posted.edit(view=Board("answering", big=True))
            except discord.HTTPException as error:
                self.errors.append(error.code)
            await self.thread.edit(archived=True)

        self.tree.add_command(board)
        self.tree.add_command(threaded)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def test_layout_view_phases_through_discord_py(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "olena")
    bot = LayoutBot()
    async with fake.running(bot):
        first = await fake.run_command(member, channel, "board")
        message = (await first.response()).message
        assert message.flags & V2 and not message.content and not message.embeds
        await fake.wait_for_edit(message, lambda m: "Phase: answering" in m.text)
        before = message.edits[0].before
        assert before["flags"] & V2
        assert any(b.get("disabled") for b in _buttons(before["components"]))
        kinds = [c["type"] for c in message.walk_components()]
        assert kinds[:3] == [17, 10, 9] and {11, 12, 14, 1, 2} <= set(kinds)

        click = await fake.click(member, message, "v2:true")
        assert (await click.response()).type == 7
        assert "Phase: revealed" in message.text
        assert all(b.get("disabled") for b in message.buttons)

        refused = await fake.run_command(member, channel, "board", {"big": True})
        assert (await refused.response()).content == "refused"
        assert bot.errors == [50035]
        assert fake.rejections[-1].code == 50035
        fake.rejections.clear()


async def test_threads_through_discord_py(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("Kupiansk")
    channel = fake.create_channel(guild, "quiz")
    member = fake.create_member(guild, "olena")
    bot = LayoutBot()
    async with fake.running(bot):
        await (await fake.run_command(member, channel, "threaded")).response()
        await fake.wait_until(
            lambda: bool(fake.threads(channel)) and fake.threads(channel)[0].archived
        )
        (thread,) = fake.threads(channel)
        assert thread.name == "Quiz" and thread.auto_archive_duration == 60
        (posted,) = fake.messages(thread)
        assert "Phase: answering" in posted.text and len(posted.edits) == 1
        assert bot.errors == [50035]  # the oversized edit was refused, the message kept
        assert any(e.name == "THREAD_CREATE" for e in fake.events)
        fake.rejections.clear()


def _buttons(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for comp in components:
        if comp.get("type") == 2:
            found.append(comp)
        found += _buttons(comp.get("components") or [])
        if isinstance(comp.get("accessory"), dict):
            found += _buttons([comp["accessory"]])
    return found
