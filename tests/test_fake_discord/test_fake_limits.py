"""Each limit in DISCORD_LIMITS.md is refused the way Discord refuses it (400 / 50035),
and the value right at the limit is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_discord import FakeDiscord

from .conftest import Rest, World


def button(cid: str, label: str = "ok") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": cid}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def select(cid: str = "s", n: int = 3, **extra: Any) -> dict[str, Any]:
    options = [{"label": f"o{i}", "value": f"v{i}"} for i in range(n)]
    return {"type": 3, "custom_id": cid, "options": options, **extra}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", **fields}


def field(name: str = "n", value: str = "v") -> dict[str, str]:
    return {"name": name, "value": value}


def poll(question: str = "Q?", answers: int = 2, text: str = "A", duration: Any = 24):
    return {
        "question": {"text": question},
        "answers": [{"poll_media": {"text": text}} for _ in range(answers)],
        "duration": duration,
    }


V2 = 1 << 15

# (name, body that breaks a limit, error path, body right at the limit)
MESSAGE_CASES: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, Any]]] = [
    ("content", {"content": "x" * 2001}, ("content",), {"content": "x" * 2000}),
    ("embeds count", {"embeds": [embed()] * 11}, ("embeds",), {"embeds": [embed()] * 10}),
    (
        "embeds total",
        {"embeds": [embed(description="x" * 4000), embed(description="x" * 1999)]},
        ("embeds",),
        {"embeds": [embed(description="x" * 4000), embed(description="x" * 1998)]},
    ),
    ("title", {"embeds": [{"title": "x" * 257}]}, ("embeds", "0", "title"),
     {"embeds": [{"title": "x" * 256}]}),
    ("description", {"embeds": [{"description": "x" * 4097}]},
     ("embeds", "0", "description"), {"embeds": [{"description": "x" * 4096}]}),
    ("fields", {"embeds": [embed(fields=[field()] * 26)]}, ("embeds", "0", "fields"),
     {"embeds": [embed(fields=[field()] * 25)]}),
    ("field name", {"embeds": [embed(fields=[field(name="x" * 257)])]},
     ("embeds", "0", "fields", "0", "name"), {"embeds": [embed(fields=[field(name="x" * 256)])]}),
    ("field value", {"embeds": [embed(fields=[field(value="x" * 1025)])]},
     ("embeds", "0", "fields", "0", "value"),
     {"embeds": [embed(fields=[field(value="x" * 1024)])]}),
    ("field empty", {"embeds": [embed(fields=[field(value="")])]},
     ("embeds", "0", "fields", "0", "value"), {"embeds": [embed(fields=[field(value="v")])]}),
    ("footer", {"embeds": [embed(footer={"text": "x" * 2049})]}, ("embeds", "0", "footer", "text"),
     {"embeds": [embed(footer={"text": "x" * 2048})]}),
    ("author", {"embeds": [embed(author={"name": "x" * 257})]}, ("embeds", "0", "author", "name"),
     {"embeds": [embed(author={"name": "x" * 256})]}),
    ("action rows", {"components": [row(button(f"b{i}")) for i in range(6)]}, ("components",),
     {"components": [row(button(f"b{i}")) for i in range(5)]}),
    ("buttons per row", {"components": [row(*(button(f"b{i}") for i in range(6)))]},
     ("components", "0", "components"),
     {"components": [row(*(button(f"b{i}") for i in range(5)))]}),
    ("select shares a row", {"components": [row(select(), button("b"))]},
     ("components", "0", "components"), {"components": [row(select()), row(button("b"))]}),
    ("custom_id long", {"components": [row(button("x" * 101))]},
     ("components", "0", "components", "0", "custom_id"), {"components": [row(button("x" * 100))]}),
    ("custom_id empty", {"components": [row(button(""))]},
     ("components", "0", "components", "0", "custom_id"), {"components": [row(button("a"))]}),
    ("custom_id unique", {"components": [row(button("a")), row(button("a"))]},
     ("components", "1", "components", "0", "custom_id"),
     {"components": [row(button("a")), row(button("b"))]}),
    ("button label", {"components": [row(button("a", "x" * 81))]},
     ("components", "0", "components", "0", "label"), {"components": [row(button("a", "x" * 80))]}),
    ("select options many", {"components": [row(select(n=26))]},
     ("components", "0", "components", "0", "options"), {"components": [row(select(n=25))]}),
    ("select options none", {"components": [row(select(n=0))]},
     ("components", "0", "components", "0", "options"), {"components": [row(select(n=1))]}),
    ("option label", {"components": [row({"type": 3, "custom_id": "s", "options": [
        {"label": "x" * 101, "value": "v"}]})]},
     ("components", "0", "components", "0", "options", "0", "label"),
     {"components": [row({"type": 3, "custom_id": "s", "options": [
         {"label": "x" * 100, "value": "v"}]})]}),
    ("option value", {"components": [row({"type": 3, "custom_id": "s", "options": [
        {"label": "l", "value": "x" * 101}]})]},
     ("components", "0", "components", "0", "options", "0", "value"),
     {"components": [row({"type": 3, "custom_id": "s", "options": [
         {"label": "l", "value": "x" * 100}]})]}),
    ("option description", {"components": [row({"type": 3, "custom_id": "s", "options": [
        {"label": "l", "value": "v", "description": "x" * 101}]})]},
     ("components", "0", "components", "0", "options", "0", "description"),
     {"components": [row({"type": 3, "custom_id": "s", "options": [
         {"label": "l", "value": "v", "description": "x" * 100}]})]}),
    ("placeholder", {"components": [row(select(placeholder="x" * 151))]},
     ("components", "0", "components", "0", "placeholder"),
     {"components": [row(select(placeholder="x" * 150))]}),
    ("text input in a message", {"components": [row(
        {"type": 4, "custom_id": "t", "style": 1, "label": "l"})]},
     ("components", "0", "components"), {"components": [row(button("t"))]}),
    ("poll question", {"poll": poll(question="x" * 301)}, ("poll", "question", "text"),
     {"poll": poll(question="x" * 300)}),
    ("poll answers many", {"poll": poll(answers=11)}, ("poll", "answers"),
     {"poll": poll(answers=10)}),
    ("poll answers none", {"poll": poll(answers=0)}, ("poll", "answers"),
     {"poll": poll(answers=1)}),
    ("poll answer text", {"poll": poll(text="x" * 56)}, ("poll", "answers", "0", "poll_media",
                                                         "text"), {"poll": poll(text="x" * 55)}),
    ("poll duration short", {"poll": poll(duration=0)}, ("poll", "duration"),
     {"poll": poll(duration=1)}),
    ("poll duration long", {"poll": poll(duration=769)}, ("poll", "duration"),
     {"poll": poll(duration=768.0)}),
    ("v2 with content", {"flags": V2, "content": "x",
                         "components": [{"type": 10, "content": "hi"}]},
     ("content",), {"flags": V2, "components": [{"type": 10, "content": "hi"}]}),
    ("v2 component count", {"flags": V2, "components": [
        {"type": 17, "components": [{"type": 10, "content": "x"}] * 40}]},
     ("components",), {"flags": V2, "components": [
         {"type": 17, "components": [{"type": 10, "content": "x"}] * 39}]}),
    ("v2 text total", {"flags": V2, "components": [{"type": 10, "content": "x" * 2000}] * 2
                       + [{"type": 10, "content": "x"}]},
     ("components",), {"flags": V2, "components": [{"type": 10, "content": "x" * 2000}] * 2}),
    ("empty message", {"content": ""}, (), {"content": "x"}),
    ("ephemeral outside interactions", {"content": "x", "flags": 64}, ("flags",),
     {"content": "x", "flags": 4096}),
]  # fmt: skip


def error_at(body: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, str]]:
    node = body["errors"]
    for part in path:
        node = node[part]
    return node["_errors"]


@pytest.mark.parametrize(
    ("bad", "path", "good"),
    [pytest.param(bad, path, good, id=name) for name, bad, path, good in MESSAGE_CASES],
)
async def test_message_limits(world: World, bad: dict, path: tuple, good: dict) -> None:
    url = f"/channels/{world.channel.id}/messages"
    status, body = await world.rest("POST", url, bad)
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert error_at(body, path)
    assert world.fake.rejections[-1].code == 50035
    assert world.fake.messages(world.channel) == []

    status, body = await world.rest("POST", url, good)
    assert status == 200, body
    (msg,) = world.fake.messages(world.channel)

    # the same limits hold on edit (a poll cannot be edited; flags other than
    # SUPPRESS_EMBEDS / IS_COMPONENTS_V2 are ignored on edit)
    status, body = await world.rest("PATCH", f"{url}/{msg.id}", bad | {"poll": None})
    if "poll" not in bad and bad.get("flags") != 64:
        assert (status, body["code"]) == (400, 50035)
        assert msg.edits == []


async def test_limits_hold_in_callbacks_and_followups(world: World) -> None:
    fake = world.fake
    inter = await fake.run_command(world.member, world.channel, "quiz start")
    url = f"/interactions/{inter.id}/{inter.token}/callback"
    status, body = await world.rest(
        "POST", url, {"type": 4, "data": {"content": "x" * 2001}}, auth=False
    )
    assert (status, body["code"]) == (400, 50035)
    assert not inter.acknowledged  # a refused answer is no answer
    status, _ = await world.rest("POST", url, {"type": 4, "data": {"content": "ok"}}, auth=False)
    assert status == 204
    hook = f"/webhooks/{fake.application_id}/{inter.token}"
    status, body = await world.rest("POST", hook, {"embeds": [embed()] * 11})
    assert (status, body["code"]) == (400, 50035)
    status, body = await world.rest(
        "PATCH", f"{hook}/messages/@original", {"components": [row(button("a", "x" * 81))]}
    )
    assert (status, body["code"]) == (400, 50035)
    status, body = await world.rest("POST", url, {"type": 9, "data": {}}, auth=False)
    assert (status, body["code"]) == (400, 40060)


def text_input(cid: str = "t", label: str = "Label") -> dict[str, Any]:
    return row({"type": 4, "custom_id": cid, "style": 1, "label": label})


MODAL_CASES = [
    ("title", {"custom_id": "m", "title": "x" * 46, "components": [text_input()]},
     ("data", "title"), {"custom_id": "m", "title": "x" * 45, "components": [text_input()]}),
    ("no inputs", {"custom_id": "m", "title": "t", "components": []}, ("data", "components"),
     {"custom_id": "m", "title": "t", "components": [text_input()]}),
    ("six inputs", {"custom_id": "m", "title": "t",
                    "components": [text_input(f"t{i}") for i in range(6)]},
     ("data", "components"), {"custom_id": "m", "title": "t",
                              "components": [text_input(f"t{i}") for i in range(5)]}),
    ("input label", {"custom_id": "m", "title": "t", "components": [text_input(label="x" * 46)]},
     ("data", "components", "0", "components", "0", "label"),
     {"custom_id": "m", "title": "t", "components": [text_input(label="x" * 45)]}),
    ("label component", {"custom_id": "m", "title": "t", "components": [
        {"type": 18, "label": "x" * 46, "component": {"type": 4, "custom_id": "a", "style": 1}}]},
     ("data", "components", "0", "label"), {"custom_id": "m", "title": "t", "components": [
        {"type": 18, "label": "x" * 45, "component": {"type": 4, "custom_id": "a", "style": 1}}]}),
    ("value", {"custom_id": "m", "title": "t", "components": [row(
        {"type": 4, "custom_id": "a", "style": 2, "label": "l", "value": "x" * 4001})]},
     ("data", "components", "0", "components", "0", "value"),
     {"custom_id": "m", "title": "t", "components": [row(
         {"type": 4, "custom_id": "a", "style": 2, "label": "l", "value": "x" * 4000})]}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "path", "good"), [pytest.param(b, p, g, id=n) for n, b, p, g in MODAL_CASES]
)
async def test_modal_limits(world: World, bad: dict, path: tuple, good: dict) -> None:
    inter = await world.fake.run_command(world.member, world.channel, "quiz start")
    url = f"/interactions/{inter.id}/{inter.token}/callback"
    status, body = await world.rest("POST", url, {"type": 9, "data": bad}, auth=False)
    assert (status, body["code"]) == (400, 50035)
    assert error_at(body, path)
    status, _ = await world.rest("POST", url, {"type": 9, "data": good}, auth=False)
    assert status == 204
    assert (await inter.response()).type == 9


async def test_autocomplete_limits(world: World) -> None:
    fake = world.fake
    inter = await fake.autocomplete(world.member, world.channel, "quiz start", focused="tags")
    url = f"/interactions/{inter.id}/{inter.token}/callback"
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    status, body = await world.rest(
        "POST", url, {"type": 8, "data": {"choices": choices}}, auth=False
    )
    assert (status, body["code"]) == (400, 50035) and error_at(body, ("data", "choices"))
    long_name = [{"name": "x" * 101, "value": "v"}]
    status, body = await world.rest(
        "POST", url, {"type": 8, "data": {"choices": long_name}}, auth=False
    )
    assert error_at(body, ("data", "choices", "0", "name"))
    # a message response is not valid for autocomplete
    status, body = await world.rest("POST", url, {"type": 4, "data": {"content": "x"}}, auth=False)
    assert error_at(body, ("type",))
    status, _ = await world.rest(
        "POST", url, {"type": 8, "data": {"choices": choices[:25]}}, auth=False
    )
    assert status == 204
    assert len((await inter.response()).choices) == 25


def command(**overrides: Any) -> dict[str, Any]:
    return {"name": "quiz", "description": "d", "type": 1, **overrides}


def opt(name: str = "o", **overrides: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "d", **overrides}


COMMAND_CASES = [
    ("name uppercase", [command(name="Quiz")], ("0", "name"), [command(name="quiz")]),
    ("name long", [command(name="x" * 33)], ("0", "name"), [command(name="x" * 32)]),
    ("name space", [command(name="a b")], ("0", "name"), [command(name="a-b")]),
    ("description long", [command(description="x" * 101)], ("0", "description"),
     [command(description="x" * 100)]),
    ("description empty", [command(description="")], ("0", "description"),
     [command(description="d")]),
    ("options", [command(options=[opt(f"o{i}") for i in range(26)])], ("0", "options"),
     [command(options=[opt(f"o{i}") for i in range(25)])]),
    ("choices", [command(options=[opt(choices=[{"name": f"c{i}", "value": f"{i}"}
                                               for i in range(26)])])],
     ("0", "options", "0", "choices"),
     [command(options=[opt(choices=[{"name": f"c{i}", "value": f"{i}"} for i in range(25)])])]),
    ("option name", [command(options=[opt("Bad Name")])], ("0", "options", "0", "name"),
     [command(options=[opt("good_name")])]),
    ("option description", [command(options=[opt(description="x" * 101)])],
     ("0", "options", "0", "description"), [command(options=[opt(description="x" * 100)])]),
    ("required after optional", [command(options=[opt("a"), opt("b", required=True)])],
     ("0", "options", "1", "required"), [command(options=[opt("b", required=True), opt("a")])]),
    ("duplicate names", [command(), command()], ("1", "name"), [command(), command(name="b")]),
    ("too many commands", [command(name=f"c{i}") for i in range(101)], (),
     [command(name=f"c{i}") for i in range(100)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "path", "good"), [pytest.param(b, p, g, id=n) for n, b, p, g in COMMAND_CASES]
)
async def test_command_sync_limits(
    rest: Rest, fake_discord: FakeDiscord, bad: list, path: tuple, good: list
) -> None:
    url = f"/applications/{fake_discord.application_id}/commands"
    status, body = await rest("PUT", url, bad)
    assert (status, body["code"]) == (400, 50035)
    assert error_at(body, path)
    assert fake_discord.commands() == []
    status, body = await rest("PUT", url, good)
    assert status == 200 and len(body) == len(good)
    assert fake_discord.command_syncs[-1].commands == body


async def test_malformed_bodies(world: World) -> None:
    url = f"/channels/{world.channel.id}/messages"
    async with world.rest.http.post(
        world.fake.api_base + url,
        data=b"{not json",
        headers={"Authorization": f"Bot {world.fake.token}", "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400 and (await resp.json())["code"] == 50109
    status, body = await world.rest("POST", url, {"embeds": "nope"})
    assert (status, body["code"]) == (400, 50035)
    status, body = await world.rest("POST", "/channels/1/messages", {"content": "x"})
    assert (status, body["code"]) == (404, 10003)
