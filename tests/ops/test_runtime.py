"""What `quizbot run` does around the bot before it ever reaches Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

from bot.app import open_database
from bot.ops.metrics import Metrics
from bot.ops.runtime import OpsRuntime
from bot.settings import Settings
from tests.adapter.harness import Database
from tests.test_cli import quizbot

FAKE_TOKEN = "A" * 24 + "." + "B" * 6 + "." + "C" * 27


def test_a_metrics_port_in_use_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = quizbot(
            "run",
            cwd=tmp_path,
            DISCORD_TOKEN=FAKE_TOKEN,
            METRICS_PORT=str(port),
            DISCORD_API_BASE="http://127.0.0.1:9/api/v10",  # never reached
        )
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "METRICS_PORT" in result.stderr
    assert "Traceback" not in result.stderr


async def test_runtime_takes_the_daily_backup_and_stops_on_sigterm(tmp_path: Path) -> None:
    created = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=created.url,
        backup_dir=tmp_path / "daily",
        metrics_port=0,
    )
    database = await open_database(settings, migrate=False)
    stopped = asyncio.Event()

    async def stop() -> None:
        stopped.set()

    try:
        async with OpsRuntime(settings, database, Metrics(), [], stop) as ops:
            assert ops.server is not None and ops.server.port > 0
            assert ops.backups is not None
            for _ in range(200):  # the first copy is due at once: the folder is empty
                if ops.backups.taken:
                    break
                await asyncio.sleep(0.05)
            assert ops.backups.taken and ops.backups.taken[0].path.parent == tmp_path / "daily"
            os.kill(os.getpid(), signal.SIGTERM)  # handled by the runtime, not fatal
            await asyncio.wait_for(stopped.wait(), 30)
    finally:
        await database.close()
    assert not ops.timed_out
