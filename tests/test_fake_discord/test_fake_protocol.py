"""The fake itself: REST answers, gateway protocol, interactions, failure injection."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import discord
import pytest

from tests.fake_discord import FakeDiscord, InteractionFailed, point_discord_py_at, shard_of

from .conftest import QUIZ_COMMAND, RawGateway, Rest, World


async def test_json_content_type_is_exact(fake_discord: FakeDiscord, http) -> None:
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with http.get(fake_discord.api_base + "/users/@me", headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["id"] == str(fake_discord.application_id)


async def test_auth_and_unknown_routes(rest: Rest, fake_discord: FakeDiscord) -> None:
    status, body = await rest("GET", "/users/@me", auth=False)
    assert status == 401
    status, body = await rest("GET", "/guilds/1/widget.json")
    assert status == 404 and "Not Found" in body["message"]
    assert [r.path for r in fake_discord.unknown_routes] == ["/guilds/1/widget.json"]
    assert fake_discord.rejections[-1].status == 404
    assert [r.status for r in fake_discord.requests] == [401, 404]


async def test_ready_guild_create_and_sequence(world: World) -> None:
    fake, gw = world.fake, world.gateway
    session = fake.shard_sessions[0]
    assert gw.session_id == session.session_id
    assert gw.seq == 2  # READY=1, GUILD_CREATE=2
    inter = await fake.run_command(world.member, world.channel, "quiz start", {"questions": 2})
    event = await gw.event("INTERACTION_CREATE")
    assert event["s"] == 3
    d = event["d"]
    assert d["id"] == str(inter.id) and d["token"] == inter.token
    assert d["application_id"] == str(fake.application_id)
    assert d["member"]["permissions"] and d["channel"]["id"] == str(world.channel.id)
    assert d["data"]["options"] == [
        {"type": 1, "name": "start", "options": [{"type": 4, "name": "questions", "value": 2}]}
    ]
    assert inter.dispatch is not None and inter.dispatch.sent_at is not None


async def test_ready_payload(fake_discord: FakeDiscord, http) -> None:
    fake = fake_discord
    guild = fake.create_guild("g")
    fake.create_channel(guild, "general")
    role = fake.create_role(guild, "mods", 8)
    fake.create_member(guild, "m", roles=[role])
    gw = RawGateway(fake, http)
    ready = await gw.identify()
    assert ready["op"] == 0 and ready["t"] == "READY" and ready["s"] == 1
    d = ready["d"]
    assert d["resume_gateway_url"] == fake.gateway_url
    assert d["application"] == {"id": str(fake.application_id), "flags": fake.application_flags}
    assert d["guilds"] == [{"id": str(guild.id), "unavailable": True}]
    assert "shard" not in d
    create = await gw.event("GUILD_CREATE")
    g = create["d"]
    assert [c["name"] for c in g["channels"]] == ["general"]
    assert {r["name"] for r in g["roles"]} == {"@everyone", "mods"}
    assert {m["user"]["username"] for m in g["members"]} == {"m", fake.bot_user.username}
    assert g["unavailable"] is False and g["preferred_locale"] == "en-US"
    await gw.close()


async def test_a_guild_joined_later_comes_without_unavailable(
    fake_discord: FakeDiscord, http
) -> None:
    """As Discord does: discord.py reads the missing field as a join (on_guild_join)."""
    fake = fake_discord
    gw = RawGateway(fake, http)
    await gw.identify()
    joined = fake.create_guild("new", locale="uk")
    create = await gw.event("GUILD_CREATE")
    g = create["d"]
    assert g["id"] == str(joined.id) and "unavailable" not in g
    assert g["preferred_locale"] == "uk"
    await gw.close()


async def test_bad_token_closes_4004(fake_discord: FakeDiscord, http) -> None:
    gw = RawGateway(fake_discord, http)
    closed = await gw.identify(token="nope")
    assert closed["closed"] == 4004


async def test_shards_only_get_their_guilds(fake_discord: FakeDiscord, http) -> None:
    fake = fake_discord
    guilds = [fake.create_guild(f"g{i}", shard=(i % 2, 2)) for i in range(4)]
    chosen = fake.create_guild("chosen", id=(1234 << 22) | 99)
    assert [shard_of(g.id, 2) for g in guilds] == [0, 1, 0, 1]
    gw0, gw1 = RawGateway(fake, http), RawGateway(fake, http)
    ready0 = await gw0.identify(shard=[0, 2])
    ready1 = await gw1.identify(shard=[1, 2])
    assert ready0["d"]["shard"] == [0, 2] and ready1["d"]["shard"] == [1, 2]
    ids0 = {int(g["id"]) for g in ready0["d"]["guilds"]}
    ids1 = {int(g["id"]) for g in ready1["d"]["guilds"]}
    assert ids0 == {guilds[0].id, guilds[2].id, chosen.id}
    assert ids1 == {guilds[1].id, guilds[3].id}
    bad = RawGateway(fake, http)
    assert (await bad.identify(shard=[2, 2]))["closed"] == 4010
    await gw0.close()
    await gw1.close()


async def test_resume_replays_missed_events(world: World) -> None:
    fake, gw = world.fake, world.gateway
    await fake.drop_gateway(code=4000)
    closed = await gw.next()
    assert closed["closed"] == 4000
    seq = gw.seq
    inter = await fake.run_command(world.member, world.channel, "quiz start")
    await gw.resume()
    replayed = await gw.next()
    assert replayed["t"] == "INTERACTION_CREATE" and replayed["s"] == seq + 1
    resumed = await gw.next()
    assert resumed["t"] == "RESUMED" and resumed["s"] == seq + 2
    assert fake.resumes[-1].replayed == 1 and fake.resumes[-1].seq == seq
    assert replayed["d"]["id"] == str(inter.id)


async def test_resume_with_unknown_session_is_invalid(world: World) -> None:
    gw = world.gateway
    await world.fake.drop_gateway()
    await gw.next()
    gw.session_id = "not-a-session"
    await gw.resume()
    invalid = await gw.next()
    assert invalid == {"op": 9, "d": False}
    assert world.fake.failed_resumes == 1


async def test_heartbeat_ack(world: World) -> None:
    assert world.gateway.ws is not None
    await world.gateway.ws.send_json({"op": 1, "d": world.gateway.seq})
    assert (await world.gateway.next())["op"] == 11


async def test_subcommand_groups_users_and_attachments(world: World) -> None:
    fake = world.fake
    author = fake.create_member(world.guild, "author")
    inter = await fake.run_command(
        world.member, world.channel, "quiz bank add", {"text": "Q?", "author": author}
    )
    data = inter.payload["data"]
    assert data["options"] == [
        {
            "type": 2,
            "name": "bank",
            "options": [
                {
                    "type": 1,
                    "name": "add",
                    "options": [
                        {"type": 3, "name": "text", "value": "Q?"},
                        {"type": 6, "name": "author", "value": str(author.id)},
                    ],
                }
            ],
        }
    ]
    assert data["resolved"]["users"][str(author.id)]["username"] == "author"
    assert str(author.id) in data["resolved"]["members"]

    upload = await fake.run_command(
        world.member, world.channel, "quiz start", attachments=[("bank.txt", b"hello")]
    )
    (att,) = upload.payload["data"]["resolved"]["attachments"].values()
    async with world.rest.http.get(att["url"]) as resp:
        assert await resp.read() == b"hello"

    with pytest.raises(ValueError, match="required"):
        await fake.run_command(world.member, world.channel, "quiz bank add")
    with pytest.raises(LookupError):
        await fake.run_command(world.member, world.channel, "quiz nope")
    with pytest.raises(LookupError):
        await fake.run_command(world.member, world.channel, "quiz start", {"colour": 1})
    with pytest.raises(ValueError, match="within"):
        await fake.run_command(world.member, world.channel, "quiz start", {"questions": 0})

    auto = await fake.autocomplete(
        world.member, world.channel, "quiz start", focused="tags", value="20"
    )
    (sub,) = auto.payload["data"]["options"]
    assert sub["options"] == [{"type": 3, "name": "tags", "value": "20", "focused": True}]
    assert auto.payload["type"] == 4


async def callback(world: World, inter, body, *, with_response: bool = True):
    query = "?with_response=1" if with_response else ""
    return await world.rest(
        "POST", f"/interactions/{inter.id}/{inter.token}/callback{query}", body, auth=False
    )


async def test_callback_with_response_and_followups(world: World) -> None:
    fake = world.fake
    inter = await fake.run_command(world.member, world.channel, "quiz start")
    app, token = fake.application_id, inter.token
    status, body = await world.rest("POST", f"/webhooks/{app}/{token}?wait=1", {"content": "x"})
    assert (status, body["code"]) == (404, 10015)  # no follow-up before the first response
    status, body = await callback(world, inter, {"type": 4, "data": {"content": "hi"}})
    assert status == 200
    assert body["resource"]["type"] == 4
    assert body["resource"]["message"]["content"] == "hi"
    assert body["interaction"]["response_message_id"] == body["resource"]["message"]["id"]
    status, body = await callback(world, inter, {"type": 4, "data": {"content": "again"}})
    assert (status, body["code"]) == (400, 40060)

    status, body = await world.rest(
        "POST", f"/webhooks/{app}/{token}?wait=1", {"content": "more", "flags": 64}
    )
    assert status == 200 and body["flags"] == 64
    status, body = await world.rest(
        "PATCH", f"/webhooks/{app}/{token}/messages/@original", {"content": "edited"}
    )
    assert status == 200 and body["content"] == "edited"
    assert inter.message is not None and inter.message.edits[0].before["content"] == "hi"
    status, _ = await world.rest("DELETE", f"/webhooks/{app}/{token}/messages/@original")
    assert status == 204 and inter.message.deleted
    (followup,) = await inter.followups(1)
    assert followup.ephemeral and followup.content == "more"

    other = await fake.run_command(world.member, world.channel, "quiz start")
    status, _ = await callback(world, other, {"type": 5}, with_response=False)
    assert status == 204
    assert other.message is not None and other.message.loading


async def test_late_callback_is_failed(fake_discord: FakeDiscord, http) -> None:
    fake = fake_discord
    fake.interaction_deadline = 0.2
    guild = fake.create_guild("g")
    channel, member = fake.create_channel(guild), fake.create_member(guild)
    rest = Rest(fake, http)
    await rest("PUT", f"/applications/{fake.application_id}/commands", [QUIZ_COMMAND])
    gw = RawGateway(fake, http)
    await gw.identify()
    inter = await fake.run_command(member, channel, "quiz start")
    await gw.event("INTERACTION_CREATE")
    await asyncio.sleep(0.3)
    status, body = await rest(
        "POST",
        f"/interactions/{inter.id}/{inter.token}/callback",
        {"type": 4, "data": {"content": "too late"}},
        auth=False,
    )
    assert (status, body["code"], body["message"]) == (404, 10062, "Unknown interaction")
    assert fake.failed_interactions == [inter]
    assert inter.failed is not None and "late" in inter.failed
    with pytest.raises(InteractionFailed):
        await inter.response()
    assert fake.messages(channel) == []

    ignored = await fake.run_command(member, channel, "quiz start")
    with pytest.raises(InteractionFailed, match="no initial response"):
        await ignored.response()
    assert fake.failed_interactions == [inter, ignored]
    with pytest.raises(AssertionError, match="refused"):
        fake.assert_no_rejections()
    await gw.close()


async def test_rate_limit_is_honoured_by_discord_py(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    guild = fake.create_guild("g")
    channel = fake.create_channel(guild, "c")
    fake.rate_limit_next(f"/channels/{channel.id}/messages", retry_after=0.3, method="POST")
    client = discord.Client(intents=discord.Intents.none())
    await client.login(fake.token)
    try:
        target = await client.fetch_channel(channel.id)
        assert isinstance(target, discord.TextChannel)
        started = time.monotonic()
        sent = await target.send("after the limit")
        assert time.monotonic() - started >= 0.3
    finally:
        await client.close()
    first, second = [r for r in fake.requests if r.method == "POST"]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.3
    assert fake.rate_limited == [first]
    assert sent.content == "after the limit"
    assert [m.content for m in fake.messages(channel)] == ["after the limit"]


async def test_429_headers(rest: Rest, fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit_next("/users/@me", retry_after=1.5)
    async with rest.http.get(
        fake_discord.api_base + "/users/@me",
        headers={"Authorization": f"Bot {fake_discord.token}"},
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.headers["X-RateLimit-Remaining"] == "0"
        assert float(resp.headers["X-RateLimit-Reset-After"]) == 1.5
        assert resp.headers["Retry-After"] == "2" and resp.headers["Via"]
        assert (await resp.json())["retry_after"] == 1.5
    assert (await rest("GET", "/users/@me"))[0] == 200


async def test_global_rate_limit(http) -> None:
    async with FakeDiscord(global_rate_limit=3) as fake:
        rest = Rest(fake, http)
        statuses = [(await rest("GET", "/users/@me"))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


async def test_multipart_upload_threads_polls_and_mentions(world: World) -> None:
    fake, rest = world.fake, world.rest
    form = aiohttp.FormData(quote_fields=False)
    form.add_field(
        "payload_json",
        '{"content": "file", "attachments": [{"id": 0, "filename": "a.txt"}],'
        ' "allowed_mentions": {"parse": []}}',
        content_type="application/json",
    )
    form.add_field("files[0]", b"abc", filename="a.txt", content_type="text/plain")
    status, body = await rest("POST", f"/channels/{world.channel.id}/messages", data=form)
    assert status == 200 and body["attachments"][0]["size"] == 3
    (msg,) = fake.messages(world.channel)
    assert msg.mentions_disabled and msg.attachment_data
    async with rest.http.get(body["attachments"][0]["url"]) as resp:
        assert await resp.read() == b"abc"

    status, loud = await rest(
        "POST", f"/channels/{world.channel.id}/messages", {"content": "@everyone"}
    )
    assert status == 200 and not fake.message(int(loud["id"])).mentions_disabled

    path = f"/channels/{world.channel.id}/messages/{msg.id}/threads"
    status, thread = await rest("POST", path, {"name": "talk", "auto_archive_duration": 60})
    assert status == 201 and thread["id"] == str(msg.id) and thread["parent_id"]
    status, body = await rest("POST", path, {"name": "again"})
    assert (status, body["code"]) == (400, 160004)
    status, _ = await rest("PUT", f"/channels/{thread['id']}/thread-members/@me")
    assert status == 204
    status, private = await rest(
        "POST", f"/channels/{world.channel.id}/threads", {"name": "private", "type": 12}
    )
    assert status == 201 and private["type"] == 12
    assert [t.name for t in fake.threads(world.channel)] == ["talk", "private"]

    poll = {"question": {"text": "Q?"}, "answers": [{"poll_media": {"text": "A"}}], "duration": 1}
    status, body = await rest("POST", f"/channels/{thread['id']}/messages", {"poll": poll})
    assert status == 200 and body["poll"]["answers"][0]["answer_id"] == 1
    pid = body["id"]
    await fake.vote(world.member, int(pid), 1)
    status, body = await rest("POST", f"/channels/{thread['id']}/polls/{pid}/expire")
    assert status == 200 and body["poll"]["results"]["is_finalized"]
    assert body["poll"]["results"]["answer_counts"] == [{"id": 1, "count": 1, "me_voted": False}]
    status, voters = await rest("GET", f"/channels/{thread['id']}/polls/{pid}/answers/1")
    assert [u["username"] for u in voters["users"]] == ["m"]


async def test_point_discord_py_at_restores() -> None:
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            assert fake.api_base == Route.BASE
            assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


def test_readme_example_is_the_tested_one() -> None:
    root = Path(__file__).parents[1]
    readme = (root / "fake_discord" / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    tested = (root / "test_fake_discord" / "test_readme_example.py").read_text()
    assert tested.endswith(example)
