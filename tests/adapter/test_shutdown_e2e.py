"""`quizbot run` as a real process: SIGTERM mid-round, then the next start.

The bot runs in a subprocess (its own event loop, its own signal handling),
pointed at the fake Discord of this test through the environment alone,
exactly as an operator's `.env` would point it at Discord.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.adapter.harness import Database, is_open_question
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Message

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    def __init__(self, fake: FakeDiscord, database: Database, guild_id: int, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE"))},
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": fake.token,
            "DATABASE_URL": database.url,
            "DISCORD_API_BASE": fake.api_base,
            "DEV_GUILD_ID": str(guild_id),
            "METRICS_PORT": str(self.port),
            "LOG_FORMAT": "json",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, cwd: Path) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=cwd, env=self.env, stdout=out, stderr=out
            )
        await self.healthy()

    async def healthy(self) -> None:
        """Until /healthz says 200: connected to the gateway, database answering."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        async with aiohttp.ClientSession() as session:
            for _ in range(600):  # at most a minute on a slow machine
                assert self.process is not None and self.process.returncode is None, self.tail()
                try:
                    async with session.get(url) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the bot never became healthy\n" + self.tail())

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        # A hang guard, not a speed test: the bot's own limit is 9 s.
        return await asyncio.wait_for(self.process.wait(), 60)

    def tail(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-4000:]


def answers_in(path: Path, round_id: int) -> set[int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT user_id FROM quiz_answers WHERE round_id = ?", (round_id,)
        ).fetchall()
    return {row[0] for row in rows}


async def test_sigterm_mid_round_loses_no_confirmed_answer_and_the_next_start_resumes(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.interaction_deadline = 10.0  # a slow CI machine must not turn this into a timing test
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    members = [fake.create_member(guild, f"m{i}") for i in range(6)]
    db_path = tmp_path / "bot.db"
    database = await Database.create(db_path)
    log = tmp_path / "bot.log"

    first = BotProcess(fake, database, guild.id, log)
    await first.start(tmp_path)
    started = await fake.run_command(
        members[0], channel, "quiz start", {"questions": 2, "seconds": 120, "kind": "claims"}
    )
    assert "Quiz starting" in (await started.response()).content
    question: Message = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
    await fake.wait_until(lambda: is_open_question(question), 30, "the answers to open")
    button = question.custom_ids[0]
    round_id = int(button.split(":")[1])

    for member in members[:2]:
        reply = await (await fake.click(member, question, button)).response()
        assert "is in" in reply.content
    # Clicks still arriving as SIGTERM lands: any the bot confirms must survive.
    late = [asyncio.create_task(fake.click(m, question, button)) for m in members[2:4]]
    await asyncio.sleep(0)
    code = await first.terminate()
    assert code == 0, first.tail()
    confirmed = {m.id for m in members[:2]}
    for member, task in zip(members[2:4], late, strict=True):
        interaction = await task
        try:
            reply = await interaction.response(timeout=1)
        except Exception:  # not answered before the gateway closed: not confirmed
            continue
        if "is in" in reply.content:
            confirmed.add(member.id)
    assert confirmed <= answers_in(db_path, round_id), first.tail()
    assert '"message": "SIGTERM: stopping' in log.read_text("utf-8")  # JSON lines

    second = BotProcess(fake, database, guild.id, log)
    await second.start(tmp_path)
    try:
        # The same round goes on: a new member's click counts, a repeated one does not.
        again = await (await fake.click(members[0], question, button)).response()
        assert "already answered" in again.content
        newcomer = await (await fake.click(members[4], question, button)).response()
        assert "is in" in newcomer.content
        assert answers_in(db_path, round_id) >= {*confirmed, members[4].id}
        stopped = await fake.run_command(members[0], channel, "quiz stop")
        assert "Stopping" in (await stopped.response()).content
        mention = f"<@{members[0].id}>"
        results = await fake.wait_for_message(channel, lambda m: mention in m.text)
        text = results.text
        assert all(f"<@{user}>" in text for user in confirmed), text
    finally:
        assert await second.terminate() == 0, second.tail()
    assert not [r for r in fake.rejections if r.status != 404], fake.rejections
