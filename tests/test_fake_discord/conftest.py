"""Raw-protocol helpers: talk to the fake Discord without discord.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.fake_discord import Channel, FakeDiscord, Guild, Member

QUIZ_COMMAND = {
    "name": "quiz",
    "description": "Quiz commands",
    "options": [
        {
            "type": 1,
            "name": "start",
            "description": "Start",
            "options": [
                {"type": 4, "name": "questions", "description": "How many", "min_value": 1},
                {"type": 3, "name": "tags", "description": "Tags", "autocomplete": True},
                {"type": 11, "name": "file", "description": "A bank"},
            ],
        },
        {
            "type": 2,
            "name": "bank",
            "description": "Question bank",
            "options": [
                {
                    "type": 1,
                    "name": "add",
                    "description": "Add",
                    "options": [
                        {"type": 3, "name": "text", "description": "Text", "required": True},
                        {"type": 6, "name": "author", "description": "Who"},
                    ],
                }
            ],
        },
    ],
}


class Rest:
    """Bare aiohttp requests against the fake, authenticated as the bot."""

    def __init__(self, fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http

    async def __call__(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, **kw: Any
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.fake.token}"} if auth else {}
        if body is not None:
            kw["data"] = json.dumps(body)
            headers["Content-Type"] = "application/json"
        async with self.http.request(
            method, self.fake.api_base + path, headers=headers, **kw
        ) as resp:
            raw = await resp.read()
            return resp.status, json.loads(raw) if raw else None


class RawGateway:
    """A minimal gateway client: identify / resume and read events."""

    def __init__(self, fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.seq = 0
        self.session_id = ""

    async def open(self) -> dict[str, Any]:
        self.ws = await self.http.ws_connect(self.fake.gateway_url + "?v=10&encoding=json")
        hello = await self.ws.receive_json(timeout=5)
        assert hello["op"] == 10
        return hello

    async def identify(
        self, *, shard: list[int] | None = None, intents: int = 1, token: str | None = None
    ) -> dict[str, Any]:
        await self.open()
        d: dict[str, Any] = {
            "token": token or self.fake.token,
            "intents": intents,
            "properties": {},
        }
        if shard is not None:
            d["shard"] = shard
        assert self.ws is not None
        await self.ws.send_json({"op": 2, "d": d})
        ready = await self.next()
        if ready.get("t") == "READY":
            self.session_id = ready["d"]["session_id"]
        return ready

    async def resume(self) -> None:
        await self.open()
        assert self.ws is not None
        d = {"token": self.fake.token, "session_id": self.session_id, "seq": self.seq}
        await self.ws.send_json({"op": 6, "d": d})

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.ws is not None
        msg = await self.ws.receive(timeout=timeout)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return {"closed": self.ws.close_code, "type": msg.type}
        data = json.loads(msg.data)
        if data.get("s") is not None:
            self.seq = data["s"]
        return data

    async def event(self, name: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        while True:
            data = await self.next(timeout)
            if data.get("t") == name or "closed" in data:
                return data

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


@dataclass
class World:
    fake: FakeDiscord
    rest: Rest
    gateway: RawGateway
    guild: Guild
    channel: Channel
    member: Member


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def rest(fake_discord: FakeDiscord, http: aiohttp.ClientSession) -> Rest:
    return Rest(fake_discord, http)


@pytest_asyncio.fixture
async def world(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, rest: Rest
) -> AsyncIterator[World]:
    """A guild with a channel and a member, the /quiz command registered, and a raw
    gateway session that has read READY and the GUILD_CREATE."""
    fake = fake_discord
    guild = fake.create_guild("g")
    channel = fake.create_channel(guild, "c")
    member = fake.create_member(guild, "m")
    status, _ = await rest("PUT", f"/applications/{fake.application_id}/commands", [QUIZ_COMMAND])
    assert status == 200
    gateway = RawGateway(fake, http)
    await gateway.identify()
    await gateway.event("GUILD_CREATE")
    yield World(fake, rest, gateway, guild, channel, member)
    await gateway.close()
