"""What the fake Discord knows: guilds, channels, members, messages, interactions, records."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .limits import FLAG_EPHEMERAL, FLAG_LOADING

if TYPE_CHECKING:
    from .server import FakeDiscord

DISCORD_EPOCH_MS = 1420070400000
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def iso_in(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat()


class SnowflakeGenerator:
    """Realistic snowflakes: 42 bits of milliseconds since 2015, worker, process, increment."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._inc = 0

    def next(self, *, shard_id: int | None = None, shard_count: int | None = None) -> int:
        ms = max(int(time.time() * 1000), self._last_ms)
        if shard_count:
            offset = ms - DISCORD_EPOCH_MS
            ms += ((shard_id or 0) - offset) % shard_count
        if ms > self._last_ms:
            self._last_ms, self._inc = ms, 0
        else:
            self._inc += 1
            if self._inc >= 4096:
                self._last_ms, self._inc = ms + (shard_count or 1), 0
        return ((self._last_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (1 << 12) | self._inc


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


# --------------------------------------------------------------------------- people and places


@dataclass(eq=False)
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name or self.username,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 1

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    extra_permissions: int = 0
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)
    locale: str = "en-US"  # the member's own Discord language (sent as `locale`)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def permissions(self) -> int:
        guild = self.guild
        if guild.owner_id == self.user.id:
            return ALL_PERMISSIONS
        value = guild.everyone.permissions | self.extra_permissions
        for role in self.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def payload(self, *, with_user: bool = True, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


@dataclass(eq=False)
class Channel:
    """A guild text channel, or a thread (type 11 public / 12 private)."""

    id: int
    guild: Guild
    name: str
    type: int = 0
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    # thread state
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    invitable: bool = True
    starter_message_id: int | None = None
    thread_members: set[int] = field(default_factory=set)
    created_at: float = field(default_factory=time.monotonic)
    # content
    messages_list: list[Message] = field(default_factory=list)

    @property
    def guild_id(self) -> int:
        return self.guild.id

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self, *, with_guild_id: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": str(self.messages_list[-1].id) if self.messages_list else None,
            "flags": 0,
        }
        if with_guild_id:
            data["guild_id"] = str(self.guild.id)
        if self.parent_id is not None:
            data["parent_id"] = str(self.parent_id)
        if self.topic is not None:
            data["topic"] = self.topic
        if self.is_thread:
            data.pop("position")
            data.pop("permission_overwrites")
            data["owner_id"] = str(self.owner_id or 0)
            data["message_count"] = len(self.messages_list)
            data["total_message_sent"] = len(self.messages_list)
            data["member_count"] = len(self.thread_members)
            data["thread_metadata"] = {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": now_iso(),
                "locked": self.locked,
                "invitable": self.invitable,
                "create_timestamp": now_iso(),
            }
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    everyone: Role
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    bot_permissions: int = 0
    locale: str = "en-US"

    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if not c.is_thread]

    def payload(self, bot_member: dict[str, Any], *, joined: bool = False) -> dict[str, Any]:
        """The GUILD_CREATE body. At start-up (backfilling READY's unavailable guilds) it
        says `"unavailable": false`; when the bot joins a new guild, Discord leaves the
        field out (discord-api-docs #4518, #5124), and discord.py tells the two apart
        by it (on_guild_available vs on_guild_join)."""
        members = [m.payload() for m in self.members.values()]
        members.append(bot_member)
        payload = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": [
                c.payload(with_guild_id=False) for c in self.channels.values() if not c.is_thread
            ],
            "threads": [c.payload() for c in self.channels.values() if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
        if joined:
            del payload["unavailable"]
        return payload


@dataclass(eq=False)
class UserAttachment:
    """A file a user attached to a slash command; served by the fake at ``url``."""

    id: int
    filename: str
    data: bytes
    content_type: str
    url: str

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "ephemeral": True,
        }


# --------------------------------------------------------------------------- messages


@dataclass(eq=False)
class MessageEdit:
    at: float
    before: dict[str, Any]
    changes: dict[str, Any]


@dataclass(eq=False)
class Message:
    """A message the bot posted (or a user's message created by a test)."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    attachment_data: dict[int, bytes] = field(default_factory=dict)
    flags: int = 0
    poll: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    tts: bool = False
    source: str = "channel"  # channel | response | followup | user
    interaction: InteractionRecord | None = None
    visible_to: int | None = None  # user id, for ephemeral messages
    thread: Channel | None = None
    created_at: float = field(default_factory=time.monotonic)
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False
    deleted_at: float | None = None
    poll_votes: dict[int, set[int]] = field(default_factory=dict)  # answer id -> user ids
    poll_expiry: str | None = None
    poll_finalized: bool = False

    @property
    def channel_id(self) -> int:
        return self.channel.id

    @property
    def guild_id(self) -> int:
        return self.channel.guild.id

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    @property
    def mentions_disabled(self) -> bool:
        """True when ``allowed_mentions`` was sent and allows no mention at all."""
        am = self.allowed_mentions
        if am is None:
            return False
        return (
            not am.get("parse")
            and not am.get("users")
            and not am.get("roles")
            and not am.get("replied_user")
        )

    def walk_components(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stack = list(reversed(self.components))
        while stack:
            comp = stack.pop()
            out.append(comp)
            for key in ("components",):
                stack.extend(reversed(comp.get(key) or []))
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    stack.append(comp[key])
        return out

    def component(self, custom_id: str) -> dict[str, Any] | None:
        for comp in self.walk_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.walk_components() if c.get("type") == 2]

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.walk_components() if "custom_id" in c]

    @property
    def text(self) -> str:
        """Content, embed text and text displays, joined: handy for ``in`` assertions."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title") or "", e.get("description") or ""]
            parts += [f"{f.get('name')}\n{f.get('value')}" for f in e.get("fields") or []]
            parts.append((e.get("footer") or {}).get("text") or "")
        parts += [c.get("content", "") for c in self.walk_components() if c.get("type") == 10]
        return "\n".join(p for p in parts if p)

    def snapshot(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "attachments": self.attachments,
            "flags": self.flags,
        }

    def payload(self, app_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "guild_id": str(self.channel.guild.id),
            "type": 0,
            "content": self.content,
            "author": self.author.payload(),
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": self.tts,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "flags": self.flags,
        }
        if self.message_reference:
            data["type"] = 19
            data["message_reference"] = self.message_reference
        inter = self.interaction
        if inter is not None:
            data["webhook_id"] = str(app_id)
            data["application_id"] = str(app_id)
            if inter.type == 2 and self.source == "response":
                data["type"] = 20
            data["interaction_metadata"] = {
                "id": str(inter.id),
                "type": inter.type,
                "user": inter.member.user.payload(),
                "authorizing_integration_owners": {"0": str(self.channel.guild.id)},
            }
        if self.poll is not None:
            poll = dict(self.poll)
            poll.pop("duration", None)
            poll["expiry"] = self.poll_expiry
            poll.setdefault("allow_multiselect", False)
            poll.setdefault("layout_type", 1)
            poll["results"] = {
                "is_finalized": self.poll_finalized,
                "answer_counts": [
                    {"id": aid, "count": len(users), "me_voted": False}
                    for aid, users in self.poll_votes.items()
                    if users
                ],
            }
            data["poll"] = poll
        if self.thread is not None:
            data["thread"] = self.thread.payload()
        return data


# --------------------------------------------------------------------------- interactions


class InteractionFailed(AssertionError):
    """The user would have seen "This interaction failed"."""


@dataclass(eq=False)
class InteractionResponse:
    """The bot's initial answer to an interaction (the callback)."""

    type: int
    data: dict[str, Any]
    at: float
    message: Message | None = None

    @property
    def ephemeral(self) -> bool:
        return bool((self.data.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def content(self) -> str:
        if self.message is not None:
            return self.message.content
        return self.data.get("content") or ""

    @property
    def choices(self) -> list[dict[str, Any]]:
        return self.data.get("choices") or []


@dataclass(eq=False)
class InteractionRecord:
    """One interaction a test caused (command, autocomplete, click, select, modal submit)."""

    fake: FakeDiscord
    id: int
    token: str
    type: int
    name: str  # command path or custom_id
    payload: dict[str, Any]
    member: Member
    channel: Channel
    source_message: Message | None = None
    shard_id: int = 0
    queued_at: float = 0.0
    dispatch: DispatchRecord | None = None
    response_record: InteractionResponse | None = None
    original: Message | None = None
    followup_messages: list[Message] = field(default_factory=list)
    failed: str | None = None
    timer: asyncio.TimerHandle | None = None
    _done: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event | None = None

    @property
    def acknowledged(self) -> bool:
        return self.response_record is not None

    @property
    def sent_at(self) -> float | None:
        """Monotonic time the INTERACTION_CREATE went out on the socket."""
        return self.dispatch.sent_at if self.dispatch else None

    @property
    def responded_at(self) -> float | None:
        return self.response_record.at if self.response_record else None

    @property
    def latency(self) -> float | None:
        """Seconds from the event to the bot's initial callback."""
        if self.response_record is None:
            return None
        return self.response_record.at - self.queued_at

    @property
    def message(self) -> Message | None:
        """The message the initial response created in the channel, if any."""
        return self.original

    async def response(self, timeout: float = 5.0) -> InteractionResponse:  # noqa: ASYNC109
        """Wait for the initial callback; raises InteractionFailed if it never came in time."""
        try:
            await asyncio.wait_for(self._done.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no response to interaction {self.name!r} within {timeout} s"
            ) from None
        if self.response_record is None:
            raise InteractionFailed(f"interaction {self.name!r} failed: {self.failed}")
        return self.response_record

    def _touch(self) -> None:
        """Something about this interaction changed: wake its own waiters only."""
        ev = self._changed
        if ev is not None:
            self._changed = None
            ev.set()

    async def _wait(self, condition: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            if self._changed is None:
                self._changed = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until at least ``n`` follow-up messages exist; return the first ``n``."""
        await self._wait(
            lambda: len(self.followup_messages) >= n,
            timeout,
            f"{n} follow-up(s) to {self.name!r}",
        )
        return self.followup_messages[:n]

    async def original_message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait for the response message to exist and stop "thinking"."""
        await self._wait(
            lambda: self.original is not None and not self.original.loading,
            timeout,
            f"the original response to {self.name!r}",
        )
        assert self.original is not None
        return self.original


# --------------------------------------------------------------------------- records


@dataclass(eq=False)
class RequestRecord:
    method: str
    path: str  # relative to /api/v10
    query: dict[str, str]
    at: float
    route: str = ""
    status: int = 0
    body: Any = None
    done_at: float | None = None


@dataclass(eq=False)
class Rejection:
    at: float
    method: str
    path: str
    status: int
    code: int
    message: str
    errors: dict[str, Any] | None = None
    body: Any = None

    def __str__(self) -> str:
        return f"{self.status} {self.code} {self.message} on {self.method} {self.path}"


@dataclass(eq=False)
class DispatchRecord:
    name: str
    shard_id: int
    seq: int
    queued_at: float
    sent_at: float | None = None
    sends: int = 0


@dataclass(eq=False)
class ResumeRecord:
    shard_id: int
    session_id: str
    seq: int
    replayed: int
    at: float


@dataclass(eq=False)
class CommandSync:
    guild_id: int | None
    commands: list[dict[str, Any]]
    at: float
