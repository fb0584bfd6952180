"""FakeDiscord: REST + gateway on loopback, a driver API for tests, and what the bot did."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import mimetypes
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import limits
from .gateway import (
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MEMBERS,
    INTENT_MESSAGE_CONTENT,
    INTENT_POLLS,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    GatewaySession,
    gateway_handler,
)
from .limits import FLAG_EPHEMERAL, FLAG_LOADING, FormErrors
from .models import (
    ALL_PERMISSIONS,
    Channel,
    CommandSync,
    DispatchRecord,
    Guild,
    InteractionRecord,
    InteractionResponse,
    Member,
    Message,
    MessageEdit,
    Rejection,
    RequestRecord,
    ResumeRecord,
    Role,
    SnowflakeGenerator,
    User,
    UserAttachment,
    iso_in,
    now_iso,
    shard_of,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

P = {
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "use_external_emojis": 1 << 18,
    "use_application_commands": 1 << 31,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "send_messages_in_threads": 1 << 38,
    "send_polls": 1 << 49,
}
#: what @everyone may do in a new guild
DEFAULT_MEMBER_PERMISSIONS = (
    P["add_reactions"]
    | P["view_channel"]
    | P["send_messages"]
    | P["embed_links"]
    | P["attach_files"]
    | P["read_message_history"]
    | P["use_application_commands"]
    | P["create_public_threads"]
    | P["send_messages_in_threads"]
)
#: what the bot's integration role grants in a new guild
DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | sum(
    P[k] for k in ("use_external_emojis", "manage_threads", "send_polls")
)

OPTION_TYPES = {
    "SUB_COMMAND": 1,
    "SUB_COMMAND_GROUP": 2,
    "STRING": 3,
    "INTEGER": 4,
    "BOOLEAN": 5,
    "USER": 6,
    "CHANNEL": 7,
    "ROLE": 8,
    "MENTIONABLE": 9,
    "NUMBER": 10,
    "ATTACHMENT": 11,
}


class APIError(Exception):
    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    @classmethod
    def form(cls, errs: FormErrors) -> APIError:
        return cls(400, 50035, "Invalid Form Body", errs.errors())


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    """A JSON answer with ``Content-Type: application/json`` exactly (discord.py needs it)."""
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return web.Response(body=json.dumps(data).encode(), status=status, headers=h)


def empty_response() -> web.Response:
    return web.Response(status=204)


_RECORD = web.RequestKey("record", RequestRecord)


@dataclass
class _RateLimitRule:
    prefix: str
    method: str | None
    retry_after: float
    remaining: int
    is_global: bool
    status: int = 429  # or a 5xx: Discord's (or Cloudflare's) passing server errors


@dataclass
class _UploadedFile:
    index: int
    filename: str
    data: bytes
    content_type: str


class FakeDiscord:
    """A Discord that speaks the real REST + gateway protocol on 127.0.0.1.

    See tests/fake_discord/README.md for a walk-through.
    """

    def __init__(
        self,
        *,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60,
        recommended_shards: int = 1,
        heartbeat_interval_ms: int = 41_250,
        global_rate_limit: int | None = None,
        upload_limit: int = 10 * 1024 * 1024,
        bot_name: str = "Quiz Bot",
        history_limit: int | None = None,
    ) -> None:
        self.snowflakes = SnowflakeGenerator()
        self.application_id = self.snowflakes.next()
        self.application_flags = 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.owner_user = User(self.snowflakes.next(), "app-owner")
        # Shaped like a real bot token (base64 id . timestamp . HMAC), so the bot's
        # own token checks pass against the fake as they would against Discord.
        user_part = base64.urlsafe_b64encode(str(self.application_id).encode()).decode()
        self.token = (
            f"{user_part.rstrip('=')}.{secrets.token_urlsafe(6)[:6]}.{secrets.token_urlsafe(27)}"
        )
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        self.recommended_shards = recommended_shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.global_rate_limit = global_rate_limit
        self.upload_limit = upload_limit
        # Benchmarks: keep only about this many of the latest interactions, requests,
        # events and messages (None keeps everything, as tests need).
        self.history_limit = history_limit

        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._messages: dict[int, Message] = {}
        self._attachments: dict[int, tuple[bytes, str]] = {}
        self._global_commands: dict[tuple[int, str], dict[str, Any]] = {}
        self._guild_commands: dict[int, dict[tuple[int, str], dict[str, Any]]] = {}
        self._interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self._rate_rules: list[_RateLimitRule] = []
        self._global_window: deque[float] = deque()

        # gateway
        self.sessions: dict[str, GatewaySession] = {}
        self.shard_sessions: dict[int, GatewaySession] = {}
        self.shard_count: int | None = None
        self.gateway_connections = 0
        self.sockets: set[web.WebSocketResponse] = set()
        self.heartbeats = 0
        self.failed_resumes = 0
        self.gateway_errors: list[str] = []
        # While True, new gateway connections get HTTP 503 (an outage): clients back off.
        self.refuse_gateway = False

        # what happened, in order
        self.requests: list[RequestRecord] = []
        self.rejections: list[Rejection] = []
        self.unknown_routes: list[RequestRecord] = []
        self.rate_limited: list[RequestRecord] = []
        self.interactions: list[InteractionRecord] = []
        self.failed_interactions: list[InteractionRecord] = []
        self.events: list[DispatchRecord] = []
        self.resumes: list[ResumeRecord] = []
        self.identifies: list[tuple[int, int, float]] = []
        self.command_syncs: list[CommandSync] = []

        self._change: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._routes(app.router)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for inter in self.interactions:
            if inter.timer is not None:
                inter.timer.cancel()

        async def close(ws: web.WebSocketResponse) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001), 0.5)

        await asyncio.gather(*(close(ws) for ws in list(self.sockets) if not ws.closed))
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ------------------------------------------------------------------ world building

    def create_guild(
        self,
        name: str = "Test Guild",
        *,
        id: int | None = None,
        shard: tuple[int, int] | None = None,
        owner: User | None = None,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        locale: str = "en-US",
    ) -> Guild:
        """A guild (with a #general channel). ``shard=(i, n)`` picks an id on shard i of n."""
        if id is None:
            if shard is not None:
                id = self.snowflakes.next(shard_id=shard[0], shard_count=shard[1])
            else:
                id = self.snowflakes.next()
        if id in self.guilds:
            raise ValueError(f"guild {id} exists")
        owner = owner or self.owner_user
        self.users.setdefault(owner.id, owner)
        everyone = Role(id, id, "@everyone", everyone_permissions, position=0)
        guild = Guild(id, name, owner.id, everyone, bot_permissions=bot_permissions, locale=locale)
        guild.roles[id] = everyone
        self.guilds[id] = guild
        self._emit(
            guild,
            "GUILD_CREATE",
            INTENT_GUILDS,
            lambda: guild.payload(self._bot_member(guild), joined=True),
        )
        self.notify()
        return guild

    def create_channel(
        self, guild: Guild, name: str = "general", *, type: int = 0, topic: str | None = None
    ) -> Channel:
        channel = Channel(
            self.snowflakes.next(), guild, name, type, topic=topic, position=len(guild.channels)
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._emit(guild, "CHANNEL_CREATE", INTENT_GUILDS, channel.payload)
        return channel

    def create_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = Role(self.snowflakes.next(), guild.id, name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self._emit(
            guild,
            "GUILD_ROLE_CREATE",
            INTENT_GUILDS,
            lambda: {"guild_id": str(guild.id), "role": role.payload()},
        )
        return role

    def create_member(
        self,
        guild: Guild,
        name: str = "member",
        *,
        permissions: int = 0,
        roles: Iterable[Role] = (),
        nick: str | None = None,
        user: User | None = None,
        locale: str = "en-US",
    ) -> Member:
        """A member; ``permissions`` adds to what @everyone and ``roles`` grant;
        ``locale`` is the member's Discord language, sent with each interaction."""
        user = user or User(self.snowflakes.next(), name)
        self.users[user.id] = user
        member = Member(user, guild, list(roles), permissions, nick, locale=locale)
        guild.members[user.id] = member

        def payload() -> dict[str, Any]:
            return {"guild_id": str(guild.id), **member.payload()}

        self._emit(guild, "GUILD_MEMBER_ADD", INTENT_MEMBERS, payload)
        return member

    def user_attachment(
        self, filename: str, data: bytes | str, content_type: str | None = None
    ) -> UserAttachment:
        """A file as a user would attach it to a command; the fake serves its bytes."""
        if isinstance(data, str):
            data = data.encode()
        content_type = (
            content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        aid = self.snowflakes.next()
        self._attachments[aid] = (data, content_type)
        url = f"{self.base_url}/attachments/0/{aid}/{filename}"
        return UserAttachment(aid, filename, data, content_type, url)

    # ------------------------------------------------------------------ driving the bot

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Registered commands: global, or one guild's."""
        if guild is None:
            return list(self._global_commands.values())
        return list(self._guild_commands.get(guild.id, {}).values())

    async def run_command(
        self,
        member: Member,
        channel: Channel,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        attachments: Iterable[Any] | Mapping[str, Any] | None = None,
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """Run ``/command [group] [subcommand]`` as ``member`` in ``channel``.

        ``options`` maps option names to values (Member/User/Channel/Role records for
        those option types; UserAttachment or ``(filename, bytes)`` for attachments).
        ``attachments`` fills attachment options: a list, in declaration order, or a
        mapping of option name to file.
        """
        return self._command_interaction(
            2,
            member,
            channel,
            command,
            dict(options or {}),
            attachments,
            None,
            None,
            check_permissions,
        )

    async def autocomplete(
        self,
        member: Member,
        channel: Channel,
        command: str,
        *,
        focused: str,
        value: Any = "",
        options: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        """The user is typing ``value`` into option ``focused`` of ``command``."""
        return self._command_interaction(
            4, member, channel, command, dict(options or {}), None, focused, value, True
        )

    async def click(
        self, member: Member, message: Message | int, custom_id: str
    ) -> InteractionRecord:
        """Click the button ``custom_id`` on ``message``."""
        msg = self._resolve_message(message)
        comp = self._find_component(msg, custom_id, member)
        if comp.get("type") != 2 or comp.get("style") in (5, 6):
            raise ValueError(f"{custom_id!r} is not a clickable button")
        data = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        return self._dispatch_interaction(3, member, msg.channel, data, custom_id, message=msg)

    async def select(
        self, member: Member, message: Message | int, custom_id: str, values: Iterable[Any]
    ) -> InteractionRecord:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``."""
        msg = self._resolve_message(message)
        comp = self._find_component(msg, custom_id, member)
        ctype = comp.get("type")
        if ctype not in limits.SELECT_TYPES:
            raise ValueError(f"{custom_id!r} is not a select menu")
        resolved: dict[str, Any] = {}
        out = [self._resolve_value(v, resolved) for v in values]
        if ctype == 3:
            allowed = {o.get("value") for o in comp.get("options") or []}
            bad = [v for v in out if v not in allowed]
            if bad:
                raise ValueError(f"{bad!r} are not options of {custom_id!r}")
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(out) <= hi:
            raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values, got {len(out)}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype, "values": out}
        if resolved:
            data["resolved"] = resolved
        return self._dispatch_interaction(3, member, msg.channel, data, custom_id, message=msg)

    async def submit_modal(
        self,
        member: Member,
        source: InteractionRecord | Channel,
        custom_id: str | None,
        values: Mapping[str, Any],
    ) -> InteractionRecord:
        """Submit a modal. ``source`` is the interaction the bot answered with that modal
        (its fields are checked; ``values`` may be keyed by custom_id or by label;
        ``custom_id=None`` means the modal shown), or a channel to submit blindly (keys
        are then custom_ids)."""
        if isinstance(source, InteractionRecord):
            resp = source.response_record
            if resp is None or resp.type != 9:
                raise ValueError(f"interaction {source.name!r} was not answered with a modal")
            if custom_id is None:
                custom_id = resp.data.get("custom_id")
            if resp.data.get("custom_id") != custom_id:
                raise ValueError(f"the modal shown has custom_id {resp.data.get('custom_id')!r}")
            components = _modal_submission(resp.data.get("components") or [], dict(values))
            channel, message = source.channel, source.source_message
        else:
            if custom_id is None:
                raise ValueError("custom_id is needed when submitting without the modal")
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()
            ]
            channel, message = source, None
        data = {"custom_id": custom_id, "components": components}
        return self._dispatch_interaction(5, member, channel, data, str(custom_id), message=message)

    async def post_message(self, member: Member, channel: Channel, content: str) -> Message:
        """A user writes in a channel (MESSAGE_CREATE reaches bots with that intent)."""
        msg = Message(self.snowflakes.next(), channel, member.user, content, source="user")
        self._store_message(msg)
        payload = msg.payload(self.application_id)
        payload["member"] = member.payload(with_user=False)
        session = self._session_for(channel.guild)
        mentioned = f"<@{self.bot_user.id}>" in content
        if session is not None and not session.intents & INTENT_MESSAGE_CONTENT and not mentioned:
            payload["content"] = ""  # Discord withholds content without the privileged intent
        self._emit(channel.guild, "MESSAGE_CREATE", INTENT_GUILD_MESSAGES, lambda: payload)
        return msg

    async def vote(self, member: Member, message: Message | int, answer_id: int) -> None:
        """``member`` votes for answer ``answer_id`` (1-based) of a poll."""
        msg = self._resolve_message(message)
        if msg.poll is None or msg.poll_finalized:
            raise ValueError("no open poll on that message")
        if answer_id not in msg.poll_votes:
            raise ValueError(f"poll has no answer {answer_id}")
        msg.poll_votes[answer_id].add(member.id)
        self._emit(
            msg.channel.guild,
            "MESSAGE_POLL_VOTE_ADD",
            INTENT_POLLS,
            lambda: {
                "user_id": str(member.id),
                "channel_id": str(msg.channel.id),
                "message_id": str(msg.id),
                "guild_id": str(msg.guild_id),
                "answer_id": answer_id,
            },
        )
        self.notify()

    # ------------------------------------------------------------------ inspection

    def messages(
        self,
        channel: Channel | None = None,
        *,
        include_deleted: bool = False,
        include_ephemeral: bool = True,
        bot_only: bool = True,
    ) -> list[Message]:
        """Messages in creation order (all channels when ``channel`` is None)."""
        source = channel.messages_list if channel is not None else self._messages.values()
        return [
            m
            for m in source
            if (include_deleted or not m.deleted)
            and (include_ephemeral or not m.ephemeral)
            and (not bot_only or m.source != "user")
        ]

    def message(self, message_id: int) -> Message:
        return self._messages[message_id]

    def threads(self, parent: Channel | None = None) -> list[Channel]:
        return [
            c
            for c in self.channels.values()
            if c.is_thread and (parent is None or c.parent_id == parent.id)
        ]

    def polls(self, channel: Channel | None = None) -> list[Message]:
        return [m for m in self.messages(channel) if m.poll is not None]

    def assert_no_rejections(self) -> None:
        """Fail with a readable list if Discord would have refused anything."""
        problems = [str(r) for r in self.rejections]
        problems += [f"interaction {i.name!r} failed: {i.failed}" for i in self.failed_interactions]
        if problems:
            raise AssertionError("fake Discord refused:\n  " + "\n  ".join(problems))

    # ------------------------------------------------------------------ waiting

    def notify(self) -> None:
        ev = self._change
        if ev is not None:
            self._change = None
            ev.set()

    async def wait_until(
        self,
        condition: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "a condition",
    ) -> Any:
        """Return ``condition()``'s first truthy value; re-checked whenever state changes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            if self._change is None:
                self._change = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._change.wait(), remaining)

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Message:
        """The first live bot message (in ``channel``) for which ``predicate`` holds now."""

        def find() -> Message | None:
            for m in self.messages(channel):
                if not m.loading and (predicate is None or predicate(m)):
                    return m
            return None

        return await self.wait_until(find, timeout, "a matching message")

    async def wait_for_edit(
        self,
        message: Message,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Message:
        """With a predicate: wait until an edited ``message`` satisfies it. Without: wait
        for the next edit after this call."""
        start = len(message.edits)

        def done() -> bool:
            if predicate is None:
                return len(message.edits) > start
            return bool(message.edits) and predicate(message)

        await self.wait_until(done, timeout, f"an edit of message {message.id}")
        return message

    async def wait_for_request(
        self,
        method: str,
        path_prefix: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        start: int = 0,
    ) -> RequestRecord:
        """The first recorded request (from index ``start``) matching method and path."""
        path_prefix = path_prefix.removeprefix(API_PREFIX)

        def find() -> RequestRecord | None:
            for r in self.requests[start:]:
                if r.method == method and r.path.startswith(path_prefix) and r.status:
                    return r
            return None

        return await self.wait_until(find, timeout, f"{method} {path_prefix}")

    async def wait_until_connected(
        self,
        shard_ids: Iterable[int] | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Until every shard (default: all of the announced count) got READY + its guilds."""

        def ready() -> bool:
            if self.shard_count is None:
                return False
            ids = range(self.shard_count) if shard_ids is None else shard_ids
            for sid in ids:
                s = self.shard_sessions.get(sid)
                if s is None or not s.connected or not s.ready_sent:
                    return False
            return True

        await self.wait_until(ready, timeout, "the bot's gateway sessions")

    async def wait_for_resume(self, count: int = 1, *, timeout: float = 10.0) -> ResumeRecord:  # noqa: ASYNC109
        await self.wait_until(lambda: len(self.resumes) >= count, timeout, f"{count} resume(s)")
        return self.resumes[count - 1]

    async def wait_for_commands(
        self,
        *names: str,
        guild: Guild | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        def have() -> list[dict[str, Any]] | None:
            cmds = self.commands(guild)
            got = {c["name"] for c in cmds}
            return cmds if cmds and all(n in got for n in names) else None

        return await self.wait_until(have, timeout, f"commands {names}")

    @contextlib.asynccontextmanager
    async def running(
        self,
        bot: Any,
        *,
        timeout: float = 15.0,  # noqa: ASYNC109
        wait_ready: bool = True,
    ) -> AsyncIterator[Any]:
        """Run ``bot.start(fake.token)`` for the body of an ``async with``; close it after.

        Waits until the fake sent READY and every guild to each shard the bot runs,
        then (``wait_ready``) until the bot dispatched ``on_ready``. Pass
        ``guild_ready_timeout=0.1`` to the bot, or on_ready comes 2 s late.
        """
        task = asyncio.create_task(bot.start(self.token), name="fake-discord-bot")
        try:
            shard_ids = getattr(bot, "shard_ids", None)
            waiter = asyncio.create_task(self.wait_until_connected(shard_ids, timeout=timeout))
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                waiter.cancel()
                task.result()
                raise RuntimeError("the bot stopped during start-up")
            waiter.result()
            if wait_ready:
                await asyncio.wait_for(bot.wait_until_ready(), timeout)
            yield bot
        finally:
            await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 5.0)

    # ------------------------------------------------------------------ failure injection

    def rate_limit_next(
        self,
        route_prefix: str,
        retry_after: float = 0.2,
        *,
        method: str | None = None,
        count: int = 1,
        is_global: bool = False,
    ) -> None:
        """The next ``count`` requests whose path (after /api/v10) starts with
        ``route_prefix`` get 429 with ``retry_after`` and Discord's headers."""
        prefix = route_prefix.removeprefix(API_PREFIX)
        self._rate_rules.append(_RateLimitRule(prefix, method, retry_after, count, is_global))

    def fail_next(
        self, route_prefix: str, status: int = 503, *, method: str | None = None, count: int = 1
    ) -> None:
        """The next ``count`` matching requests fail with a server error (503 by default),
        as Discord does in an incident; discord.py retries 500/502/504 itself, not 503."""
        prefix = route_prefix.removeprefix(API_PREFIX)
        self._rate_rules.append(_RateLimitRule(prefix, method, 0.0, count, False, status))

    async def drop_gateway(
        self, shard_id: int | None = None, *, mode: str = "close", code: int = 4000
    ) -> int:
        """Cut the gateway of one shard (or all). ``mode``: "close" (close code ``code``;
        the client resumes), "reconnect" (op 7), or "invalidate" (op 9, client must
        identify again). Returns how many connections were cut."""
        cut = 0
        for session in list(self.shard_sessions.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            ws = session.ws
            if ws is None or ws.closed:
                continue
            cut += 1
            if mode == "reconnect":
                await ws.send_str(json.dumps({"op": OP_RECONNECT, "d": None}))
            elif mode == "invalidate":
                session.invalid = True
                self.sessions.pop(session.session_id, None)
                await ws.send_str(json.dumps({"op": OP_INVALID_SESSION, "d": False}))
            else:
                await ws.close(code=code, message=b"fake-discord drop")
        return cut

    # ------------------------------------------------------------------ internals: helpers

    def bot_user_payload(self) -> dict[str, Any]:
        data = self.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "flags": 0, "email": None})
        return data

    def _bot_member(self, guild: Guild) -> dict[str, Any]:
        return {
            "user": self.bot_user.payload(),
            "roles": [],
            "nick": None,
            "avatar": None,
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    bot_member_payload = _bot_member

    def _session_for(self, guild: Guild) -> GatewaySession | None:
        if self.shard_count is None:
            return None
        return self.shard_sessions.get(shard_of(guild.id, self.shard_count))

    def _emit(
        self, guild: Guild, name: str, intent: int, payload: Callable[[], dict[str, Any]]
    ) -> None:
        """Dispatch an event to the guild's shard if the session asked for its intent."""
        session = self._session_for(guild)
        if session is not None and not session.invalid and session.intents & intent:
            session.dispatch(name, payload())

    def _store_message(self, msg: Message) -> None:
        self._messages[msg.id] = msg
        msg.channel.messages_list.append(msg)
        self.notify()

    def _resolve_message(self, message: Message | int) -> Message:
        msg = message if isinstance(message, Message) else self._messages.get(int(message))
        if msg is None or msg.deleted:
            raise LookupError(f"no such message: {message!r}")
        return msg

    def _find_component(self, msg: Message, custom_id: str, member: Member) -> dict[str, Any]:
        if msg.ephemeral and msg.visible_to not in (None, member.id):
            raise PermissionError("that ephemeral message is not visible to this member")
        comp = msg.component(custom_id)
        if comp is None:
            raise LookupError(f"message {msg.id} has no component {custom_id!r}: {msg.custom_ids}")
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        return comp

    def _resolve_value(self, value: Any, resolved: dict[str, Any]) -> Any:
        """Turn records into ids and fill ``resolved`` the way Discord does."""
        if isinstance(value, Member):
            resolved.setdefault("users", {})[str(value.id)] = value.user.payload()
            resolved.setdefault("members", {})[str(value.id)] = value.payload(
                with_user=False, with_permissions=True
            )
            return str(value.id)
        if isinstance(value, User):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            return str(value.id)
        if isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if isinstance(value, Channel):
            data = value.payload()
            data["permissions"] = str(ALL_PERMISSIONS)
            resolved.setdefault("channels", {})[str(value.id)] = data
            return str(value.id)
        return value

    # ------------------------------------------------------------------ internals: interactions

    def _lookup_command(self, guild: Guild, name: str) -> dict[str, Any]:
        cmd = self._guild_commands.get(guild.id, {}).get((1, name))
        if cmd is None:
            cmd = self._global_commands.get((1, name))
        if cmd is None:
            known = sorted(n for (_, n) in self._global_commands) + sorted(
                n for (_, n) in self._guild_commands.get(guild.id, {})
            )
            raise LookupError(f"no slash command {name!r} registered (known: {known})")
        return cmd

    def _command_interaction(
        self,
        itype: int,
        member: Member,
        channel: Channel,
        command: str,
        options: dict[str, Any],
        attachments: Iterable[Any] | Mapping[str, Any] | None,
        focused: str | None,
        focused_value: Any,
        check_permissions: bool,
    ) -> InteractionRecord:
        tokens = command.split()
        if not tokens:
            raise ValueError("empty command")
        cmd = self._lookup_command(channel.guild, tokens[0])
        needed = cmd.get("default_member_permissions")
        if check_permissions and needed is not None:
            needed = int(needed)
            if member.permissions & needed != needed:
                raise PermissionError(f"{member.name} may not use /{tokens[0]} (needs {needed})")
        if focused is not None:
            options[focused] = focused_value
        resolved: dict[str, Any] = {}
        builder = _OptionBuilder(self, resolved, focused)
        built = builder.build(cmd.get("options") or [], tokens[1:], options, attachments)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return self._dispatch_interaction(itype, member, channel, data, command)

    def _dispatch_interaction(
        self,
        itype: int,
        member: Member,
        channel: Channel,
        data: dict[str, Any],
        name: str,
        *,
        message: Message | None = None,
    ) -> InteractionRecord:
        guild = channel.guild
        session = self._session_for(guild)
        if session is None:
            raise RuntimeError(
                f"no gateway session holds guild {guild.id}; is the bot connected "
                f"(await fake.wait_until_connected())?"
            )
        iid = self.snowflakes.next()
        token = f"aW50ZXJhY3Rpb24.{iid}.{secrets.token_urlsafe(32)}"
        channel_payload = channel.payload()
        channel_payload["permissions"] = str(member.permissions)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member.payload(with_permissions=True),
            "token": token,
            "version": 1,
            "app_permissions": str(guild.bot_permissions),
            "locale": member.locale,
            "guild_locale": guild.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": self.upload_limit,
        }
        if message is not None:
            payload["message"] = message.payload(self.application_id)
        inter = InteractionRecord(
            self, iid, token, itype, name, payload, member, channel, message, session.shard_id
        )
        self._interactions[iid] = inter
        self._by_token[token] = inter
        self.interactions.append(inter)
        if self.history_limit is not None and len(self._interactions) > 2 * self.history_limit:
            self._forget_old(self.history_limit)
        inter.dispatch = session.dispatch("INTERACTION_CREATE", payload)
        inter.queued_at = inter.dispatch.queued_at
        inter.timer = asyncio.get_running_loop().call_later(
            self.interaction_deadline, self._deadline, inter
        )
        return inter

    def _forget_old(self, keep: int) -> None:
        """Drop all but the latest `keep` records of each kind (a long benchmark's
        memory stays flat). Interactions dropped can no longer be answered."""
        for records in (self.requests, self.events, self.interactions):
            del records[:-keep]
        for table in (self._interactions, self._by_token, self._messages):
            for key in list(itertools.islice(table, max(0, len(table) - keep))):
                del table[key]
        for channel in self.channels.values():
            del channel.messages_list[:-keep]

    def _deadline(self, inter: InteractionRecord) -> None:
        if inter.response_record is None and inter.failed is None:
            inter.failed = f"no initial response within {self.interaction_deadline} s"
            self.failed_interactions.append(inter)
            inter._done.set()
            self.notify()

    # ------------------------------------------------------------------ internals: HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if not path.startswith(API_PREFIX):
            return await handler(request)
        rel = path[len(API_PREFIX) :]
        record = RequestRecord(request.method, rel, dict(request.query), time.monotonic())
        info = request.match_info
        record.route = getattr(info.route.resource, "canonical", "") if info.route else ""
        self.requests.append(record)
        request[_RECORD] = record
        try:
            rule = self._take_rate_rule(request.method, rel)
            if rule is not None and rule.status != 429:
                response = json_response({"message": "Service Unavailable", "code": 0}, rule.status)
            elif rule is not None:
                response = self._too_many(rule.retry_after, rule.is_global)
                self.rate_limited.append(record)
            else:
                self._check_auth(request, rel)
                limited = self._global_limit(rel, record.at)
                if limited is not None:
                    response = self._too_many(limited, True)
                    self.rate_limited.append(record)
                else:
                    response = await handler(request)
        except APIError as exc:
            if record.body is None and request.can_read_body:
                with contextlib.suppress(Exception):
                    record.body = (await request.read()).decode(errors="replace")
            self.rejections.append(
                Rejection(
                    record.at,
                    request.method,
                    rel,
                    exc.status,
                    exc.code,
                    exc.message,
                    exc.errors,
                    record.body,
                )
            )
            body: dict[str, Any] = {"message": exc.message, "code": exc.code}
            if exc.errors is not None:
                body["errors"] = exc.errors
            response = json_response(body, exc.status)
        record.status = response.status
        record.done_at = time.monotonic()
        self.notify()
        return response

    def _take_rate_rule(self, method: str, rel: str) -> _RateLimitRule | None:
        for rule in self._rate_rules:
            if rel.startswith(rule.prefix) and (rule.method is None or rule.method == method):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rate_rules.remove(rule)
                return rule
        return None

    def _global_limit(self, rel: str, now: float) -> float | None:
        if self.global_rate_limit is None or rel.startswith("/interactions/"):
            return None
        window = self._global_window
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.global_rate_limit:
            return max(0.001, 1.0 - (now - window[0]))
        window.append(now)
        return None

    def _too_many(self, retry_after: float, is_global: bool) -> web.Response:
        headers = {
            "Retry-After": str(max(1, round(retry_after + 0.499))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fake" + secrets.token_hex(8),
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        if is_global:
            body["code"] = 0
        return json_response(body, 429, headers)

    def _check_auth(self, request: web.Request, rel: str) -> None:
        if rel.startswith(("/interactions/", "/webhooks/")) or rel == "/gateway":
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise APIError(401, 0, "401: Unauthorized")

    async def _read_body(self, request: web.Request) -> tuple[Any, list[_UploadedFile]]:
        files: list[_UploadedFile] = []
        body: Any = None
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                name = part.name or ""  # type: ignore[union-attr]
                raw = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    body = _loads(bytes(raw))
                elif name.startswith("files["):
                    try:
                        index = int(name[6:-1])
                    except ValueError:
                        raise APIError(400, 50035, "Invalid Form Body") from None
                    filename = part.filename or f"file{index}"  # type: ignore[union-attr]
                    ct = part.headers.get("Content-Type", "application/octet-stream")  # type: ignore[union-attr]
                    files.append(_UploadedFile(index, filename, bytes(raw), ct))
        elif request.can_read_body:
            body = _loads(await request.read())
        request[_RECORD].body = body
        for f in files:
            if len(f.data) > self.upload_limit:
                raise APIError(413, 40005, "Request entity too large")
        return body, files

    # ------------------------------------------------------------------ internals: messages

    def _attachments_for(
        self,
        body: dict[str, Any],
        files: list[_UploadedFile],
        channel: Channel,
        existing: list[dict[str, Any]] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[int, bytes]]:
        by_index = {f.index: f for f in files}
        out: list[dict[str, Any]] = []
        blobs: dict[int, bytes] = {}
        old = {a["id"]: a for a in existing or []}
        described: dict[int, dict[str, Any]] = {}
        for item in body.get("attachments") or []:
            if not isinstance(item, dict):
                continue
            key = str(item.get("id"))
            if key in old:
                out.append(old[key])
            else:
                with contextlib.suppress(TypeError, ValueError):
                    described[int(item.get("id"))] = item
        for index in sorted(by_index):
            f = by_index[index]
            meta = described.get(index, {})
            aid = self.snowflakes.next()
            filename = meta.get("filename") or f.filename
            url = f"{self.base_url}/attachments/{channel.id}/{aid}/{filename}"
            self._attachments[aid] = (f.data, f.content_type)
            blobs[aid] = f.data
            att = {
                "id": str(aid),
                "filename": filename,
                "size": len(f.data),
                "url": url,
                "proxy_url": url,
                "content_type": f.content_type,
            }
            if meta.get("description"):
                att["description"] = meta["description"]
            out.append(att)
        return out, blobs

    def _new_message(
        self,
        channel: Channel,
        body: Any,
        files: list[_UploadedFile],
        *,
        source: str,
        interaction: InteractionRecord | None = None,
        allow_ephemeral: bool = False,
        extra_flags: int = 0,
    ) -> Message:
        if not isinstance(body, dict):
            raise APIError(400, 50109, "The request body contains invalid JSON.")
        errs = FormErrors()
        limits.validate_message(errs, body, file_count=len(files), allow_ephemeral=allow_ephemeral)
        if errs:
            raise APIError.form(errs)
        attachments, blobs = self._attachments_for(body, files, channel)
        msg = Message(
            self.snowflakes.next(),
            channel,
            self.bot_user,
            content=body.get("content") or "",
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            components=body.get("components") or [],
            attachments=attachments,
            attachment_data=blobs,
            flags=(body.get("flags") or 0) | extra_flags,
            poll=body.get("poll"),
            allowed_mentions=body.get("allowed_mentions"),
            message_reference=body.get("message_reference"),
            tts=bool(body.get("tts")),
            source=source,
            interaction=interaction,
        )
        if msg.poll is not None:
            hours = msg.poll.get("duration", 24)
            msg.poll_expiry = iso_in(hours * 3600)
            answers = []
            for i, answer in enumerate(msg.poll.get("answers") or [], start=1):
                answers.append({"answer_id": i, **answer})
                msg.poll_votes[i] = set()
            msg.poll = {**msg.poll, "answers": answers}
        if msg.ephemeral and interaction is not None:
            msg.visible_to = interaction.member.id
        self._store_message(msg)
        if not msg.ephemeral:
            self._emit(
                channel.guild,
                "MESSAGE_CREATE",
                INTENT_GUILD_MESSAGES,
                lambda: msg.payload(self.application_id),
            )
        return msg

    def _edit_message(self, msg: Message, body: Any, files: list[_UploadedFile]) -> Message:
        if msg.deleted:
            raise APIError(404, 10008, "Unknown Message")
        if not isinstance(body, dict):
            body = {}
        errs = FormErrors()
        if "poll" in body and body["poll"] is not None:
            errs.add(("poll",), "POLL_EDIT_FORBIDDEN", "A poll cannot be edited")
        merged = msg.snapshot()
        merged["poll"] = msg.poll
        for key in ("content", "embeds", "components"):
            if key in body:
                merged[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        flags = msg.flags & ~FLAG_LOADING
        if body.get("flags") is not None:
            keep = FLAG_EPHEMERAL | limits.FLAG_IS_COMPONENTS_V2
            flags = (flags & keep) | (body["flags"] & ~FLAG_EPHEMERAL)
        merged["flags"] = flags
        if "attachments" in body or files:
            new_attachments, blobs = self._attachments_for(
                body, files, msg.channel, msg.attachments
            )
            if "attachments" not in body:
                new_attachments = msg.attachments + new_attachments
        else:
            new_attachments, blobs = msg.attachments, {}
        merged["attachments"] = new_attachments
        limits.validate_message(errs, merged, allow_ephemeral=True)
        if errs:
            raise APIError.form(errs)
        before = msg.snapshot()
        was_loading = msg.loading
        msg.content = merged["content"] or ""
        msg.embeds = [{"type": "rich", **e} for e in merged["embeds"] or []]
        msg.components = merged["components"] or []
        msg.flags = flags
        msg.attachments = new_attachments
        msg.attachment_data.update(blobs)
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        if not was_loading:
            msg.edited_timestamp = now_iso()
            msg.edits.append(MessageEdit(time.monotonic(), before, body))
        if msg.interaction is not None:
            msg.interaction._touch()
        self.notify()
        if not msg.ephemeral:
            self._emit(
                msg.channel.guild,
                "MESSAGE_UPDATE",
                INTENT_GUILD_MESSAGES,
                lambda: msg.payload(self.application_id),
            )
        return msg

    def _delete_message(self, msg: Message) -> None:
        if msg.deleted:
            raise APIError(404, 10008, "Unknown Message")
        msg.deleted = True
        msg.deleted_at = time.monotonic()
        self.notify()
        if not msg.ephemeral:
            self._emit(
                msg.channel.guild,
                "MESSAGE_DELETE",
                INTENT_GUILD_MESSAGES,
                lambda: {
                    "id": str(msg.id),
                    "channel_id": str(msg.channel.id),
                    "guild_id": str(msg.guild_id),
                },
            )

    def _channel(self, request: web.Request, key: str = "channel") -> Channel:
        try:
            channel = self.channels.get(int(request.match_info[key]))
        except ValueError:
            channel = None
        if channel is None:
            raise APIError(404, 10003, "Unknown Channel")
        return channel

    def _channel_message(self, request: web.Request) -> tuple[Channel, Message]:
        channel = self._channel(request)
        try:
            msg = self._messages.get(int(request.match_info["message"]))
        except ValueError:
            msg = None
        if msg is None or msg.deleted or msg.channel is not channel or msg.ephemeral:
            raise APIError(404, 10008, "Unknown Message")
        return channel, msg

    # ------------------------------------------------------------------ routes

    def _routes(self, r: web.UrlDispatcher) -> None:
        a = API_PREFIX
        r.add_get("/gateway", self._gateway_ws)
        r.add_get("/attachments/{channel}/{id}/{filename}", self._serve_attachment)
        r.add_get(f"{a}/gateway", self._get_gateway)
        r.add_get(f"{a}/gateway/bot", self._get_gateway_bot)
        r.add_get(f"{a}/users/@me", self._get_me)
        r.add_get(f"{a}/users/{{user}}", self._get_user)
        r.add_get(f"{a}/oauth2/applications/@me", self._get_app)
        r.add_get(f"{a}/applications/@me", self._get_app)
        r.add_get(f"{a}/applications/{{app}}/commands", self._get_commands)
        r.add_put(f"{a}/applications/{{app}}/commands", self._put_commands)
        r.add_post(f"{a}/applications/{{app}}/commands", self._post_command)
        r.add_get(f"{a}/applications/{{app}}/guilds/{{guild}}/commands", self._get_commands)
        r.add_put(f"{a}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands)
        r.add_post(f"{a}/applications/{{app}}/guilds/{{guild}}/commands", self._post_command)
        r.add_post(f"{a}/interactions/{{id}}/{{token}}/callback", self._callback)
        r.add_post(f"{a}/webhooks/{{app}}/{{token}}", self._followup)
        wm = f"{a}/webhooks/{{app}}/{{token}}/messages/{{message}}"
        r.add_get(wm, self._webhook_get)
        r.add_patch(wm, self._webhook_edit)
        r.add_delete(wm, self._webhook_delete)
        r.add_get(f"{a}/guilds/{{guild}}", self._get_guild)
        r.add_get(f"{a}/guilds/{{guild}}/channels", self._get_guild_channels)
        r.add_get(f"{a}/guilds/{{guild}}/roles", self._get_guild_roles)
        r.add_get(f"{a}/guilds/{{guild}}/members/{{user}}", self._get_guild_member)
        r.add_get(f"{a}/channels/{{channel}}", self._get_channel)
        r.add_patch(f"{a}/channels/{{channel}}", self._patch_channel)
        r.add_delete(f"{a}/channels/{{channel}}", self._delete_channel)
        r.add_post(f"{a}/channels/{{channel}}/typing", self._no_content)
        r.add_get(f"{a}/channels/{{channel}}/messages", self._list_messages)
        r.add_post(f"{a}/channels/{{channel}}/messages", self._create_message)
        cm = f"{a}/channels/{{channel}}/messages/{{message}}"
        r.add_get(cm, self._get_message)
        r.add_patch(cm, self._patch_message)
        r.add_delete(cm, self._delete_message_route)
        r.add_route("*", f"{cm}/reactions/{{tail:.*}}", self._no_content)
        r.add_post(f"{cm}/threads", self._thread_from_message)
        r.add_post(f"{a}/channels/{{channel}}/threads", self._thread_without_message)
        r.add_put(f"{a}/channels/{{channel}}/thread-members/{{user}}", self._join_thread)
        r.add_delete(f"{a}/channels/{{channel}}/thread-members/{{user}}", self._leave_thread)
        r.add_post(f"{a}/channels/{{channel}}/polls/{{message}}/expire", self._expire_poll)
        r.add_get(f"{a}/channels/{{channel}}/polls/{{message}}/answers/{{answer}}", self._voters)
        r.add_route("*", f"{a}/{{tail:.*}}", self._unknown)

    async def _gateway_ws(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_gateway:
            return web.Response(status=503, text="fake-discord: gateway outage")
        return await gateway_handler(self, request)

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        try:
            data, ctype = self._attachments[int(request.match_info["id"])]
        except (KeyError, ValueError):
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, headers={"Content-Type": ctype})

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(request[_RECORD])
        raise APIError(404, 0, f"404: Not Found ({request.method} {request.path})")

    async def _no_content(self, request: web.Request) -> web.Response:
        return empty_response()

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(self.bot_user_payload())

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(_int(request.match_info["user"]))
        if user is None:
            raise APIError(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def _get_app(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner_user.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
                "bot": self.bot_user.payload(),
            }
        )

    # -- commands

    def _command_scope(self, request: web.Request) -> tuple[int | None, dict[tuple[int, str], Any]]:
        if request.match_info["app"] != str(self.application_id):
            raise APIError(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        gid = request.match_info.get("guild")
        if gid is None:
            return None, self._global_commands
        guild_id = _int(gid)
        if guild_id not in self.guilds:
            raise APIError(403, 50001, "Missing Access")
        return guild_id, self._guild_commands.setdefault(guild_id, {})

    def _stored_command(
        self, cmd: dict[str, Any], guild_id: int | None, old: Mapping[tuple[int, str], Any]
    ) -> dict[str, Any]:
        ctype = cmd.get("type", 1)
        previous = old.get((ctype, cmd["name"]))
        stored = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **cmd,
            "type": ctype,
            "id": previous["id"] if previous else str(self.snowflakes.next()),
            "application_id": str(self.application_id),
            "version": str(self.snowflakes.next()),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def _get_commands(self, request: web.Request) -> web.Response:
        _, store = self._command_scope(request)
        return json_response(list(store.values()))

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild_id, store = self._command_scope(request)
        body, _ = await self._read_body(request)
        errs = FormErrors()
        limits.validate_command_list(errs, body)
        if errs:
            raise APIError.form(errs)
        new = {}
        for cmd in body:
            stored = self._stored_command(cmd, guild_id, store)
            new[(stored["type"], stored["name"])] = stored
        store.clear()
        store.update(new)
        self.command_syncs.append(CommandSync(guild_id, list(new.values()), time.monotonic()))
        return json_response(list(new.values()))

    async def _post_command(self, request: web.Request) -> web.Response:
        guild_id, store = self._command_scope(request)
        body, _ = await self._read_body(request)
        errs = FormErrors()
        limits.validate_command(errs, (), body)
        if errs:
            raise APIError.form(errs)
        stored = self._stored_command(body, guild_id, store)
        store[(stored["type"], stored["name"])] = stored
        self.command_syncs.append(CommandSync(guild_id, [stored], time.monotonic()))
        return json_response(stored, 201)

    # -- interactions

    async def _callback(self, request: web.Request) -> web.Response:
        inter = self._interactions.get(_int(request.match_info["id"]))
        if inter is None or inter.token != request.match_info["token"]:
            raise APIError(404, 10062, "Unknown interaction")
        body, files = await self._read_body(request)
        now = time.monotonic()
        if inter.response_record is not None:
            raise APIError(400, 40060, "Interaction has already been acknowledged.")
        elapsed = now - inter.queued_at
        if elapsed > self.interaction_deadline:
            late = f"late initial response ({elapsed:.2f} s after the event)"
            if inter.failed is None:
                self.failed_interactions.append(inter)
            inter.failed = late
            inter._done.set()
            raise APIError(404, 10062, "Unknown interaction")
        if not isinstance(body, dict) or not isinstance(body.get("type"), int):
            errs = FormErrors()
            errs.add(("type",), "BASE_TYPE_REQUIRED", "This field is required")
            raise APIError.form(errs)
        rtype: int = body["type"]
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise APIError(400, 50035, "Invalid Form Body")
        allowed = {1: (1,), 4: (2, 3, 5), 5: (2, 3, 5), 6: (3, 5), 7: (3, 5), 8: (4,), 9: (2, 3)}
        if (
            rtype not in allowed
            or inter.type not in allowed[rtype]
            or (rtype in (6, 7) and inter.source_message is None)
        ):
            errs = FormErrors()
            errs.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Response type {rtype} is not valid for interaction type {inter.type}",
            )
            raise APIError.form(errs)
        message: Message | None = None
        if rtype == 4:
            message = self._new_message(
                inter.channel,
                data,
                files,
                source="response",
                interaction=inter,
                allow_ephemeral=True,
            )
            inter.original = message
        elif rtype == 5:
            flags = (data.get("flags") or 0) & FLAG_EPHEMERAL
            message = Message(
                self.snowflakes.next(),
                inter.channel,
                self.bot_user,
                flags=flags | FLAG_LOADING,
                source="response",
                interaction=inter,
            )
            if message.ephemeral:
                message.visible_to = inter.member.id
            else:
                deferred = message
                self._emit(
                    inter.channel.guild,
                    "MESSAGE_CREATE",
                    INTENT_GUILD_MESSAGES,
                    lambda: deferred.payload(self.application_id),
                )
            self._store_message(message)
            inter.original = message
        elif rtype == 7:
            assert inter.source_message is not None
            message = self._edit_message(inter.source_message, data, files)
            inter.original = message
        elif rtype == 6:
            inter.original = inter.source_message
        elif rtype == 8:
            errs = FormErrors()
            limits.validate_autocomplete(errs, data)
            if errs:
                raise APIError.form(errs)
        elif rtype == 9:
            errs = FormErrors()
            limits.validate_modal(errs, data)
            if errs:
                raise APIError.form(errs)
        inter.response_record = InteractionResponse(rtype, data, now, message)
        if inter.timer is not None:
            inter.timer.cancel()
        inter._done.set()
        inter._touch()
        self.notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return empty_response()
        response_id = (
            message.id
            if message
            else (inter.source_message.id if rtype == 6 and inter.source_message else None)
        )
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "activity_instance_id": None,
                "response_message_id": str(response_id) if response_id else None,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": rtype},
        }
        if message is not None:
            result["resource"]["message"] = message.payload(self.application_id)
        return json_response(result)

    def _webhook_interaction(self, request: web.Request) -> InteractionRecord:
        if request.match_info["app"] != str(self.application_id):
            raise APIError(404, 10015, "Unknown Webhook")
        inter = self._by_token.get(request.match_info["token"])
        if inter is None or inter.response_record is None:
            raise APIError(404, 10015, "Unknown Webhook")
        if time.monotonic() - inter.queued_at > self.token_lifetime:
            raise APIError(401, 50027, "Invalid Webhook Token")
        return inter

    def _webhook_message(self, request: web.Request, inter: InteractionRecord) -> Message:
        key = request.match_info["message"]
        if key == "@original":
            msg = inter.original
        else:
            msg = self._messages.get(_int(key))
            if msg is not None and msg is not inter.original and msg.interaction is not inter:
                msg = None
        if msg is None or msg.deleted:
            raise APIError(404, 10008, "Unknown Message")
        return msg

    async def _followup(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        body, files = await self._read_body(request)
        original = inter.original
        if (
            original is not None
            and original.loading
            and inter.response_record is not None
            and inter.response_record.type == 5
        ):
            # Discord: the first follow-up after a deferred reply fills in the "thinking" message
            msg = self._edit_message(original, body, files)
        else:
            msg = self._new_message(
                inter.channel,
                body,
                files,
                source="followup",
                interaction=inter,
                allow_ephemeral=True,
            )
        inter.followup_messages.append(msg)
        inter._touch()
        self.notify()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(msg.payload(self.application_id))
        return empty_response()

    async def _webhook_get(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        return json_response(self._webhook_message(request, inter).payload(self.application_id))

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        msg = self._webhook_message(request, inter)
        body, files = await self._read_body(request)
        self._edit_message(msg, body, files)
        return json_response(msg.payload(self.application_id))

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        self._delete_message(self._webhook_message(request, inter))
        return empty_response()

    # -- guilds and channels

    def _guild(self, request: web.Request) -> Guild:
        guild = self.guilds.get(_int(request.match_info["guild"]))
        if guild is None:
            raise APIError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        data = guild.payload(self._bot_member(guild))
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key)
        return json_response(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([c.payload() for c in guild.text_channels()])

    async def _get_guild_roles(self, request: web.Request) -> web.Response:
        return json_response([r.payload() for r in self._guild(request).roles.values()])

    async def _get_guild_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        uid = _int(request.match_info["user"])
        if uid == self.bot_user.id:
            return json_response(self._bot_member(guild))
        member = guild.members.get(uid)
        if member is None:
            raise APIError(404, 10007, "Unknown Member")
        return json_response(member.payload())

    async def _get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request).payload())

    async def _patch_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, _ = await self._read_body(request)
        if not isinstance(body, dict):
            raise APIError(400, 50109, "The request body contains invalid JSON.")
        errs = FormErrors()
        if "name" in body:
            limits.check_str(
                errs, ("name",), body["name"], limits.THREAD_NAME, min_len=1, required=True
            )
        if channel.is_thread:
            duration = body.get("auto_archive_duration")
            if duration is not None and duration not in limits.THREAD_ARCHIVE_MINUTES:
                errs.add(
                    ("auto_archive_duration",),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of (60, 1440, 4320, 10080).",
                )
            for key in ("archived", "locked", "invitable"):
                if key in body and not isinstance(body[key], bool):
                    errs.add((key,), "BASE_TYPE_BOOLEAN", "Must be either true or false.")
        if errs:
            raise APIError.form(errs)
        for key in ("name", "topic", "archived", "locked", "auto_archive_duration", "invitable"):
            if key in body:
                setattr(channel, key, body[key])
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self._emit(channel.guild, event, INTENT_GUILDS, channel.payload)
        self.notify()
        return json_response(channel.payload())

    async def _delete_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        channel.guild.channels.pop(channel.id, None)
        self.channels.pop(channel.id, None)
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        self._emit(channel.guild, event, INTENT_GUILDS, channel.payload)
        self.notify()
        return json_response(channel.payload())

    # -- messages

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit = min(100, max(1, _int(request.query.get("limit", "50"))))
        msgs = [m for m in channel.messages_list if not m.deleted and not m.ephemeral]
        before, after = request.query.get("before"), request.query.get("after")
        if before:
            msgs = [m for m in msgs if m.id < _int(before)]
        if after:
            msgs = [m for m in msgs if m.id > _int(after)][:limit]
        msgs = msgs[-limit:]
        return json_response([m.payload(self.application_id) for m in reversed(msgs)])

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, files = await self._read_body(request)
        if channel.is_thread and channel.locked:
            raise APIError(403, 50083, "Thread is archived")
        msg = self._new_message(channel, body, files, source="channel")
        if channel.is_thread and channel.archived:
            channel.archived = False
        return json_response(msg.payload(self.application_id))

    async def _get_message(self, request: web.Request) -> web.Response:
        _, msg = self._channel_message(request)
        return json_response(msg.payload(self.application_id))

    async def _patch_message(self, request: web.Request) -> web.Response:
        _, msg = self._channel_message(request)
        body, files = await self._read_body(request)
        if msg.author is not self.bot_user:
            raise APIError(403, 50005, "Cannot edit a message authored by another user")
        self._edit_message(msg, body, files)
        return json_response(msg.payload(self.application_id))

    async def _delete_message_route(self, request: web.Request) -> web.Response:
        _, msg = self._channel_message(request)
        self._delete_message(msg)
        return empty_response()

    # -- threads

    def _new_thread(
        self, parent: Channel, body: Any, *, thread_id: int | None, default_type: int
    ) -> Channel:
        if not isinstance(body, dict):
            raise APIError(400, 50109, "The request body contains invalid JSON.")
        errs = FormErrors()
        limits.check_str(
            errs, ("name",), body.get("name"), limits.THREAD_NAME, min_len=1, required=True
        )
        duration = body.get("auto_archive_duration", 1440)
        if duration not in limits.THREAD_ARCHIVE_MINUTES:
            errs.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of (60, 1440, 4320, 10080).",
            )
        ttype = body.get("type", default_type)
        if ttype not in (10, 11, 12):
            errs.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
        if errs:
            raise APIError.form(errs)
        if parent.is_thread:
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        thread = Channel(
            thread_id or self.snowflakes.next(),
            parent.guild,
            body["name"],
            ttype,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=duration,
            invitable=body.get("invitable", True),
            starter_message_id=thread_id,
        )
        thread.thread_members.add(self.bot_user.id)
        parent.guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        self.notify()

        def payload() -> dict[str, Any]:
            return {**thread.payload(), "newly_created": True}

        self._emit(parent.guild, "THREAD_CREATE", INTENT_GUILDS, payload)
        return thread

    async def _thread_from_message(self, request: web.Request) -> web.Response:
        channel, msg = self._channel_message(request)
        body, _ = await self._read_body(request)
        if msg.thread is not None:
            raise APIError(400, 160004, "A thread has already been created for this message")
        thread = self._new_thread(channel, body, thread_id=msg.id, default_type=11)
        msg.thread = thread
        return json_response(thread.payload(), 201)

    async def _thread_without_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, _ = await self._read_body(request)
        thread = self._new_thread(channel, body, thread_id=None, default_type=12)
        return json_response(thread.payload(), 201)

    async def _join_thread(self, request: web.Request) -> web.Response:
        thread = self._channel(request)
        if not thread.is_thread:
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        user = request.match_info["user"]
        thread.thread_members.add(self.bot_user.id if user == "@me" else _int(user))
        self.notify()
        return empty_response()

    async def _leave_thread(self, request: web.Request) -> web.Response:
        thread = self._channel(request)
        user = request.match_info["user"]
        thread.thread_members.discard(self.bot_user.id if user == "@me" else _int(user))
        return empty_response()

    # -- polls

    async def _expire_poll(self, request: web.Request) -> web.Response:
        _, msg = self._channel_message(request)
        if msg.poll is None:
            raise APIError(400, 520001, "This message has no poll")
        if msg.author is not self.bot_user:
            raise APIError(403, 50005, "Cannot expire a poll authored by another user")
        if msg.poll_finalized:
            raise APIError(400, 520002, "This poll has already expired")
        msg.poll_finalized = True
        msg.poll_expiry = now_iso()
        self.notify()
        return json_response(msg.payload(self.application_id))

    async def _voters(self, request: web.Request) -> web.Response:
        _, msg = self._channel_message(request)
        voters = msg.poll_votes.get(_int(request.match_info["answer"]))
        if voters is None:
            raise APIError(404, 10008, "Unknown Message")
        return json_response({"users": [self.users[u].payload() for u in sorted(voters)]})


# --------------------------------------------------------------------------- helpers


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise APIError(404, 0, f"404: Not Found ({value!r} is not a snowflake)") from None


def _loads(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise APIError(400, 50109, "The request body contains invalid JSON.") from None


def _modal_submission(
    components: list[dict[str, Any]], values: dict[str, str]
) -> list[dict[str, Any]]:
    """Mirror a modal's layout with the user's values, as the Discord client would."""
    out: list[dict[str, Any]] = []
    used: set[str] = set()

    def key_for(comp: dict[str, Any], label: str | None) -> str | None:
        cid = comp.get("custom_id")
        if cid in values:
            return cid
        label = label or comp.get("label")
        return label if label in values else None

    def field(comp: dict[str, Any], label: str | None = None) -> dict[str, Any]:
        cid = comp.get("custom_id")
        ctype = comp.get("type")
        key = key_for(comp, label)
        if key is not None:
            used.add(key)
        name = label or comp.get("label") or cid
        if ctype == 4:
            value = values[key] if key is not None else comp.get("value") or ""
            required = comp.get("required", True)
            if required and not value:
                raise ValueError(f"modal field {name!r} is required")
            lo, hi = comp.get("min_length", 0), comp.get("max_length", limits.TEXT_INPUT_VALUE)
            if value and not lo <= len(value) <= hi:
                raise ValueError(f"modal field {name!r} takes {lo}..{hi} characters")
            return {"type": 4, "custom_id": cid, "value": value}
        if ctype in limits.SELECT_TYPES:
            chosen = values[key] if key is not None else []
            return {"type": ctype, "custom_id": cid, "values": list(chosen)}
        return {"type": ctype, "custom_id": cid, "value": values[key] if key else None}

    for comp in components:
        ctype = comp.get("type")
        if ctype == 1:
            out.append({"type": 1, "components": [field(c) for c in comp.get("components") or []]})
        elif ctype == 18 and isinstance(comp.get("component"), dict):
            out.append({"type": 18, "component": field(comp["component"], comp.get("label"))})
        elif ctype == 10:
            out.append({"type": 10})
    unknown = set(values) - used
    if unknown:
        raise ValueError(f"the modal has no fields {sorted(unknown)}")
    return out


class _OptionBuilder:
    """Builds ``data.options`` (with subcommand nesting) from a registered command."""

    def __init__(self, fake: FakeDiscord, resolved: dict[str, Any], focused: str | None) -> None:
        self.fake = fake
        self.resolved = resolved
        self.focused = focused

    def build(
        self,
        defs: list[dict[str, Any]],
        path: list[str],
        values: dict[str, Any],
        attachments: Iterable[Any] | Mapping[str, Any] | None,
    ) -> list[dict[str, Any]]:
        if path:
            for d in defs:
                if d.get("name") == path[0] and d.get("type") in (1, 2):
                    inner = self.build(d.get("options") or [], path[1:], values, attachments)
                    entry: dict[str, Any] = {"type": d["type"], "name": d["name"]}
                    if inner or d["type"] == 2:
                        entry["options"] = inner
                    return [entry]
            names = [d.get("name") for d in defs if d.get("type") in (1, 2)]
            raise LookupError(f"no subcommand {path[0]!r} (have {names})")
        subs = [d.get("name") for d in defs if d.get("type") in (1, 2)]
        if subs:
            raise LookupError(f"this command needs a subcommand: one of {subs}")
        values = dict(values)
        if isinstance(attachments, Mapping):
            values.update(attachments)
        elif attachments is not None:
            pending = list(attachments)
            for d in defs:
                if pending and d.get("type") == 11 and d.get("name") not in values:
                    values[d["name"]] = pending.pop(0)
            if pending:
                raise ValueError("more attachments than attachment options")
        known = {d.get("name") for d in defs}
        unknown = set(values) - known
        if unknown:
            raise LookupError(f"unknown options {sorted(unknown)}; the command has {sorted(known)}")
        out = []
        for d in defs:
            name = d["name"]
            if name not in values:
                if d.get("required") and name != self.focused:
                    raise ValueError(f"option {name!r} is required")
                continue
            out.append(self.option(d, values[name]))
        return out

    def option(self, d: dict[str, Any], value: Any) -> dict[str, Any]:
        otype = d["type"]
        name = d["name"]
        entry: dict[str, Any] = {"type": otype, "name": name}
        if name == self.focused:
            entry["value"] = str(value)
            entry["focused"] = True
            return entry
        if otype == 3:
            value = str(value)
            lo, hi = d.get("min_length", 0), d.get("max_length", 6000)
            if not lo <= len(value) <= hi:
                raise ValueError(f"option {name!r} takes {lo}..{hi} characters")
        elif otype == 4:
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(f"option {name!r} must be an integer")
            value = int(value)
        elif otype == 10:
            value = float(value)
        elif otype == 5:
            value = bool(value)
        elif otype == 11:
            if isinstance(value, tuple):
                value = self.fake.user_attachment(*value)
            if not isinstance(value, UserAttachment):
                raise TypeError(f"option {name!r} wants a UserAttachment or (filename, bytes)")
            self.resolved.setdefault("attachments", {})[str(value.id)] = value.payload()
            value = str(value.id)
        elif otype in (6, 7, 8, 9):
            value = self.fake._resolve_value(value, self.resolved)
        if otype in (4, 10):
            lo, hi = d.get("min_value"), d.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"option {name!r} must be within {lo}..{hi}")
        choices = d.get("choices")
        if choices and value not in [c.get("value") for c in choices]:
            raise ValueError(f"option {name!r} must be one of the choices {choices}")
        entry["value"] = value
        return entry
