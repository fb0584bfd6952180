"""Where the running bot meets bot/ops: metrics hooks, the gateway's health, ids in logs.

Only public discord.py API: each interaction as `Client.dispatch` hands it on
(`QuizBot.interaction_hooks`), `http_trace` (an aiohttp TraceConfig given at
construction), and each shard's `is_closed()` and latency. Each hook only records;
none can change what a member sees.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord

from bot.logs import bind_log_ids
from bot.ops.health import Probe
from bot.ops.metrics import Metrics, count_open_discussions

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

KINDS = {
    discord.InteractionType.application_command: "command",
    discord.InteractionType.component: "component",
    discord.InteractionType.modal_submit: "modal",
    discord.InteractionType.autocomplete: "autocomplete",
}


def bind_interaction_ids(interaction: discord.Interaction) -> None:
    """Guild, channel and interaction ids on every log line of this command's task."""
    bind_log_ids(
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        interaction_id=interaction.id,
    )


def attach(bot: QuizBot, metrics: Metrics, *, per_request: bool = True) -> None:
    """The gauges read at each scrape; with `per_request`, each interaction's receipt
    too (its answer is seen by the `http_trace` the bot was built with)."""

    def received(interaction: discord.Interaction) -> None:
        metrics.interaction_received(interaction.id, KINDS.get(interaction.type, "other"))

    if per_request:
        bot.interaction_hooks.append(received)

    async def refresh(m: Metrics) -> None:
        m.running_quizzes.set(len(bot.quiz_runner.tasks))
        if not bot.is_closed() and bot.is_ready():
            for shard_id, shard in bot.shards.items():
                latency = shard.latency
                if math.isfinite(latency):
                    m.gateway_latency.labels(str(shard_id)).set(latency)
                m.gateway_connected.labels(str(shard_id)).set(0 if shard.is_closed() else 1)
        m.open_discussions.set(await count_open_discussions(bot.services.sessions))

    metrics.on_refresh(refresh)


def gateway_probe(bot: QuizBot) -> Probe:
    """None while every shard's gateway is connected; otherwise what is down."""

    async def probe() -> str | None:
        if bot.is_closed():
            return "gateway closed (the bot is stopping)"
        if not bot.is_ready():
            return "gateway not connected yet"
        down = sorted(shard_id for shard_id, shard in bot.shards.items() if shard.is_closed())
        if down:
            return "gateway disconnected (shard " + ", ".join(map(str, down)) + ")"
        return None

    return probe
