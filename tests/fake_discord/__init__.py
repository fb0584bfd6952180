"""A fake Discord (REST + gateway on loopback) for end-to-end tests of the real bot.

Start with tests/fake_discord/README.md.
"""

from .limits import FormErrors
from .models import (
    Channel,
    Guild,
    InteractionFailed,
    InteractionRecord,
    InteractionResponse,
    Member,
    Message,
    Rejection,
    RequestRecord,
    Role,
    User,
    UserAttachment,
    shard_of,
)
from .patching import point_discord_py_at
from .server import DEFAULT_BOT_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS, FakeDiscord

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "Channel",
    "FakeDiscord",
    "FormErrors",
    "Guild",
    "InteractionFailed",
    "InteractionRecord",
    "InteractionResponse",
    "Member",
    "Message",
    "Rejection",
    "RequestRecord",
    "Role",
    "User",
    "UserAttachment",
    "point_discord_py_at",
    "shard_of",
]
