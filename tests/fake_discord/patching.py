"""Point an unmodified discord.py at a FakeDiscord (two class attributes, restored after)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from .server import FakeDiscord


class point_discord_py_at:
    """Set ``Route.BASE`` (REST) and ``DiscordWebSocket.DEFAULT_GATEWAY`` to the fake.

    Takes effect at once; undo with ``.restore()`` or use it as a context manager::

        with point_discord_py_at(fake):
            ...

    ``DEFAULT_GATEWAY`` matters where discord.py does not ask ``/gateway/bot``: a plain
    ``Client``, a bot given an explicit ``shard_count``, and the re-IDENTIFY after an
    invalidated session. An ``AutoShardedBot`` without ``shard_count`` takes the URL
    from ``GET /gateway/bot``.
    """

    def __init__(self, fake: FakeDiscord) -> None:
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = fake.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def restore(self) -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved

    def __enter__(self) -> point_discord_py_at:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.restore()
