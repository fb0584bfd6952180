"""pytest plugin: the ``fake_discord`` fixture (a started FakeDiscord, discord.py aimed at it).

Enable with ``pytest_plugins = ["tests.fake_discord.pytest_plugin"]`` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .patching import point_discord_py_at
from .server import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A FakeDiscord on a random loopback port; ``Route.BASE`` restored afterwards."""
    fake = FakeDiscord()
    await fake.start()
    try:
        with point_discord_py_at(fake):
            yield fake
    finally:
        await fake.stop()
