"""The gateway websocket: HELLO, IDENTIFY, heartbeats, READY, dispatch, RESUME, shards."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import DispatchRecord, ResumeRecord, shard_of

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_VOICE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_POLLS = 1 << 24

#: Discord closes a connection (4008) that sends more than this many payloads per minute
SEND_LIMIT = 120

#: events kept per session for RESUME; older ones cannot be replayed (op 9 instead)
REPLAY_BUFFER = 10_000


class GatewaySession:
    """One identified session (one shard). Outlives its websocket so it can be resumed."""

    def __init__(
        self, fake: FakeDiscord, shard_id: int, shard_count: int, intents: int, sharded: bool
    ) -> None:
        self.fake = fake
        self.session_id = secrets.token_hex(16)
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.sharded = sharded
        self.seq = 0
        self.base = 1  # seq of events[0]
        self.events: list[tuple[int, str, DispatchRecord]] = []
        self.ws: web.WebSocketResponse | None = None
        self.wakeup = asyncio.Event()
        self.invalid = False
        self.ready_seq = 0  # seq of the last start-up event (READY + GUILD_CREATEs)
        self.ready_sent = False
        self.identified_at = time.monotonic()

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def dispatch(self, name: str, data: Any) -> DispatchRecord:
        """Sequence an event and hand it to the writer (buffered while disconnected)."""
        self.seq += 1
        record = DispatchRecord(name, self.shard_id, self.seq, time.monotonic())
        text = json.dumps({"op": OP_DISPATCH, "t": name, "s": self.seq, "d": data})
        self.events.append((self.seq, text, record))
        if len(self.events) > 2 * REPLAY_BUFFER:
            drop = len(self.events) - REPLAY_BUFFER
            del self.events[:drop]
            self.base += drop
        self.fake.events.append(record)
        self.wakeup.set()
        return record

    async def writer(self, ws: web.WebSocketResponse, cursor: int) -> None:
        """Send every event after ``cursor`` in order, then wait for more."""
        while self.ws is ws and not ws.closed:
            if cursor < self.seq:
                index = cursor + 1 - self.base
                if index < 0:  # fell out of the buffer: cannot happen for a live socket
                    index = 0
                seq, text, record = self.events[index]
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    return
                now = time.monotonic()
                if record.sent_at is None:
                    record.sent_at = now
                record.sends += 1
                cursor = seq
                if seq == self.ready_seq and not self.ready_sent:
                    self.ready_sent = True
                    self.fake.notify()
            else:
                self.wakeup.clear()
                await self.wakeup.wait()


async def gateway_handler(fake: FakeDiscord, request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
    await ws.prepare(request)
    fake.gateway_connections += 1
    fake.sockets.add(ws)
    await ws.send_str(
        json.dumps({"op": OP_HELLO, "d": {"heartbeat_interval": fake.heartbeat_interval_ms}})
    )
    session: GatewaySession | None = None
    writer: asyncio.Task[None] | None = None
    sent: deque[float] = deque()
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            now = time.monotonic()
            while sent and now - sent[0] >= 60.0:
                sent.popleft()
            sent.append(now)
            if len(sent) > SEND_LIMIT:
                fake.gateway_errors.append("4008 Rate limited")
                await ws.close(code=4008, message=b"Rate limited.")
                break
            try:
                payload = json.loads(msg.data)
                op = payload["op"]
                data = payload.get("d")
            except (ValueError, KeyError, TypeError):
                await ws.close(code=4002, message=b"Error while decoding payload.")
                break
            if op == OP_HEARTBEAT:
                fake.heartbeats += 1
                await ws.send_str('{"op": 11, "d": null}')
            elif op == OP_IDENTIFY:
                if session is not None:
                    await ws.close(code=4005, message=b"Already authenticated.")
                    break
                session = await _identify(fake, ws, data or {})
                if session is None:
                    break
                writer = asyncio.create_task(session.writer(ws, 0))
            elif op == OP_RESUME:
                if session is not None:
                    await ws.close(code=4005, message=b"Already authenticated.")
                    break
                session, cursor = await _resume(fake, ws, data or {})
                if session is None:
                    continue  # op 9 was sent; the client closes and identifies again
                writer = asyncio.create_task(session.writer(ws, cursor))
            elif op == OP_REQUEST_MEMBERS:
                if session is None:
                    await ws.close(code=4003, message=b"Not authenticated.")
                    break
                _request_members(fake, session, data or {})
            elif op in (OP_PRESENCE, OP_VOICE):
                continue
            else:
                await ws.close(code=4001, message=b"Unknown opcode.")
                break
    finally:
        if session is not None and session.ws is ws:
            session.ws = None
            session.wakeup.set()
        fake.sockets.discard(ws)
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        fake.notify()
    return ws


async def _identify(
    fake: FakeDiscord, ws: web.WebSocketResponse, data: dict[str, Any]
) -> GatewaySession | None:
    if data.get("token") != fake.token:
        fake.gateway_errors.append("4004 Authentication failed")
        await ws.close(code=4004, message=b"Authentication failed.")
        return None
    shard = data.get("shard")
    sharded = shard is not None
    shard_id, shard_count = (0, 1)
    if sharded and isinstance(shard, list) and len(shard) == 2:
        shard_id, shard_count = shard
    if (
        (sharded and not (isinstance(shard, list) and len(shard) == 2))
        or not (isinstance(shard_id, int) and isinstance(shard_count, int))
        or not 0 <= shard_id < shard_count
    ):
        fake.gateway_errors.append(f"4010 Invalid shard {shard!r}")
        await ws.close(code=4010, message=b"Invalid shard.")
        return None
    guilds = [g for g in fake.guilds.values() if shard_of(g.id, shard_count) == shard_id]
    if len(guilds) > 2500:
        fake.gateway_errors.append("4011 Sharding required")
        await ws.close(code=4011, message=b"Sharding required.")
        return None
    old = fake.shard_sessions.get(shard_id)
    if old is not None:
        old.invalid = True
        fake.sessions.pop(old.session_id, None)
    session = GatewaySession(fake, shard_id, shard_count, int(data.get("intents") or 0), sharded)
    session.ws = ws
    fake.sessions[session.session_id] = session
    fake.shard_sessions[shard_id] = session
    fake.shard_count = shard_count
    fake.identifies.append((shard_id, shard_count, time.monotonic()))
    ready: dict[str, Any] = {
        "v": 10,
        "user": fake.bot_user_payload(),
        "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
        "session_id": session.session_id,
        "session_type": "normal",
        "resume_gateway_url": fake.gateway_url,
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "application": {"id": str(fake.application_id), "flags": fake.application_flags},
        "_trace": ["fake-discord"],
    }
    if sharded:
        ready["shard"] = [shard_id, shard_count]
    record = session.dispatch("READY", ready)
    for guild in guilds:
        record = session.dispatch("GUILD_CREATE", guild.payload(fake.bot_member_payload(guild)))
    session.ready_seq = record.seq
    return session


async def _resume(
    fake: FakeDiscord, ws: web.WebSocketResponse, data: dict[str, Any]
) -> tuple[GatewaySession | None, int]:
    session = fake.sessions.get(str(data.get("session_id")))
    seq = data.get("seq") or 0
    if (
        data.get("token") != fake.token
        or session is None
        or session.invalid
        or not isinstance(seq, int)
        or seq < session.base - 1
        or seq > session.seq
    ):
        fake.failed_resumes += 1
        await ws.send_str(json.dumps({"op": OP_INVALID_SESSION, "d": False}))
        return None, 0
    old = session.ws
    session.ws = ws
    if old is not None and not old.closed:
        await old.close(code=4000)
    replayed = session.seq - seq
    session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
    session.ready_sent = True
    fake.resumes.append(
        ResumeRecord(session.shard_id, session.session_id, seq, replayed, time.monotonic())
    )
    fake.notify()
    return session, seq


def _request_members(fake: FakeDiscord, session: GatewaySession, data: dict[str, Any]) -> None:
    guild_ids = data.get("guild_id")
    if not isinstance(guild_ids, list):
        guild_ids = [guild_ids]
    query = (data.get("query") or "").lower()
    wanted = {int(u) for u in data.get("user_ids") or []}
    limit = data.get("limit") or 0
    for gid in guild_ids:
        guild = fake.guilds.get(int(gid))
        if guild is None:
            continue
        members = [m.payload() for m in guild.members.values()]
        members.append(fake.bot_member_payload(guild))
        if wanted:
            members = [m for m in members if int(m["user"]["id"]) in wanted]
        elif query:
            members = [m for m in members if m["user"]["username"].lower().startswith(query)]
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
