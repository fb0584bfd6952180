"""Health and metrics of the real bot against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapter.ops_hooks import gateway_probe
from bot.core.clock import ManualClock
from bot.ops.health import HealthServer, database_probe
from tests.adapter.harness import (
    Database,
    correct_custom_id,
    is_open_question,
    running_bot,
    wrong_custom_id,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def wait_for(port: int, path: str, ok: Callable[[int, str], bool]) -> tuple[int, str]:
    """Ask again until the answer is the expected one (bounded: 10 s of asking)."""
    status, body = await get(port, path)
    for _ in range(200):
        if ok(status, body):
            return status, body
        await asyncio.sleep(0.05)
        status, body = await get(port, path)
    raise AssertionError(f"{path} never became as expected; last: {status} {body!r}")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_healthz_follows_the_gateway(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    fake.create_guild("G")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    async with running_bot(fake, database) as bot:
        server = HealthServer(
            [gateway_probe(bot), database_probe(bot.services.sessions)], bot.metrics
        )
        port = await server.start()
        try:
            assert await get(port, "/healthz") == (200, "ok\n")
            fake.refuse_gateway = True  # an outage: reconnecting fails until it ends
            assert await fake.drop_gateway() == 1
            _, body = await wait_for(port, "/healthz", lambda s, _b: s == 503)
            assert "gateway disconnected" in body
            fake.refuse_gateway = False
            await wait_for(port, "/healthz", lambda s, _b: s == 200)
            await fake.wait_until_connected()
        finally:
            await server.stop()
    fake.assert_no_rejections()


async def test_healthz_says_when_the_database_does_not_answer(tmp_path: Path) -> None:
    from bot.ops.metrics import Metrics
    from db.engine import create_engine, create_session_factory

    engine = create_engine("postgresql+asyncpg://nobody:x@127.0.0.1:9/none")
    server = HealthServer([database_probe(create_session_factory(engine))], Metrics())
    port = await server.start()
    try:
        status, body = await get(port, "/healthz")
    finally:
        await server.stop()
        await engine.dispose()
    assert status == 503 and "database" in body


async def test_metrics_count_a_played_quizs_clicks(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    members = [fake.create_member(guild, f"m{i}") for i in range(3)]
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")
    async with running_bot(fake, database, clock, metrics_port=0) as bot:
        bot.metrics.watch_engine(bot.engine_for_tests)  # type: ignore[attr-defined]
        server = HealthServer([gateway_probe(bot)], bot.metrics)
        port = await server.start()
        try:
            start = await fake.run_command(
                members[0], channel, "quiz start", {"questions": 1, "kind": "claims"}
            )
            await start.response()
            question = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
            await fake.wait_until(lambda: is_open_question(question), what="the answers to open")
            _, page = await get(port, "/metrics")
            assert samples(page)[("quizbot_running_quizzes", ())] == 1
            right = await correct_custom_id(bot, question)
            wrong = await wrong_custom_id(bot, question)
            for member, custom_id in zip(members, (right, wrong, right), strict=True):
                await (await fake.click(member, question, custom_id)).response()
            key = (
                "quizbot_interactions_total",
                (("kind", "component"), ("outcome", "answered")),
            )
            _, page = await wait_for(port, "/metrics", lambda _s, body: samples(body).get(key) == 3)
        finally:
            await server.stop()
    found = samples(page)
    command = (("kind", "command"), ("outcome", "answered"))
    assert found[("quizbot_interactions_total", command)] == 1
    assert found[("quizbot_interaction_response_seconds_count", (("kind", "component"),))] == 3
    assert sum(v for (n, _l), v in found.items() if n == "quizbot_discord_responses_total") > 0
    assert found[("quizbot_db_transaction_seconds_count", (("outcome", "commit"),))] >= 1
    assert "quizbot_schedule_fire_lateness_seconds" in page  # every family is published
    assert found[("quizbot_gateway_connected", (("shard", "0"),))] == 1
    fake.assert_no_rejections()


async def test_without_metrics_port_no_request_is_counted(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Per-request metrics cost CPU at every click: collected only where served."""
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    olena = fake.create_member(guild, "olena")
    async with running_bot(fake, await Database.create(tmp_path / "bot.db")) as bot:
        board = await fake.run_command(olena, channel, "leaderboard")
        await board.response()
        page = (await bot.metrics.render()).decode()
    found = samples(page)
    assert not [k for k in found if k[0] == "quizbot_interactions_total"]
    assert not [k for k in found if k[0] == "quizbot_discord_responses_total"]
    fake.assert_no_rejections()
