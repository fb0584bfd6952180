"""The bot under test, in its own process: `python -m bench.botproc '<json config>'`.

Real Discord runs elsewhere, so the benchmarks put the fake Discord and the load
generator in the driver process and the bot here: the bot's CPU is then its own,
measured by the driver from outside (`psutil.Process(pid).cpu_times()`), and the
fake's work never competes with it inside one event loop.

Both bots under test, the real `QuizBot` and the floor (a bare discord.py bot that
only acknowledges clicks), start through `main` with the same runtime settings
(event loop, garbage-collector settings, JSON library), so tuning that helps both is
not counted as the bot's own. Prints one line `ready` to stdout once connected.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route


@dataclass(frozen=True)
class BotConfig:
    kind: str  # "quizbot", "floor" or "rounds" (the floor with a quiz's Discord calls)
    api_base: str
    gateway_url: str
    token: str
    database_url: str = ""
    gc: str = "default"  # "default" or "freeze" (gc.freeze() once connected)
    # discord.py's JSON library: "stdlib" (json) or "orjson" (discord.py[speed]; the
    # other speed extras change nothing against the fake: no DNS, no compression).
    json: str = "stdlib"
    # The isolation benchmark: import this upload into this guild after a delay.
    import_file: str = ""
    import_guild: int = 0
    import_after: float = 0.0
    # The rounds floor: members per round (the round turns over when all clicked), rounds.
    round_size: int = 0
    rounds: int = 0
    # QuizBot with per-request Prometheus metrics collected (as with METRICS_PORT set).
    metrics: bool = False

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


# -- the floor: discord.py acknowledging a click, nothing else -----------------------


class AckButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:(?P<r>\d+):(?P<c>\d)"):
    def __init__(self, r: int, c: int) -> None:
        super().__init__(discord.ui.Button(label="ABCD"[c], custom_id=f"quiz:{r}:{c}"))
        self.r = r

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AckButton:
        return cls(int(match["r"]), int(match["c"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Your answer is in.", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        if isinstance(interaction.client, RoundsFloorBot):
            await interaction.client.answered(self.r)


class FloorBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        from bot.adapter.client import INTENTS

        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            help_command=None,
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AckButton)

    async def on_ready(self) -> None:
        """Post one question with four buttons in every text channel: the clicks' target."""
        number = 0
        for guild in self.guilds:
            for channel in guild.text_channels:
                number += 1
                view = discord.ui.View(timeout=None)
                for c in range(4):
                    view.add_item(AckButton(number, c))
                await channel.send("Question", view=view)


# -- the rounds floor: the floor, plus a quiz's Discord calls per round, no database -----


QUESTION = (
    "**Question {number} of {total}**\nWhich river flows through Kupiansk and divides the "
    "city into a western and an eastern part?"
)
CHOICES = ("The Oskil", "The Siverskyi Donets", "The Dnipro", "The Vorskla")


def _round_view(number: int, total: int, round_id: int, phase: str) -> discord.ui.LayoutView:
    """A message about the size of the bot's game screen: question, answers, a line of
    timing; the reveal a few lines of results and one button."""
    view = discord.ui.LayoutView(timeout=None)
    box: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=0x3B82F6)
    box.add_item(discord.ui.TextDisplay(QUESTION.format(number=number, total=total)))
    if phase == "reveal":
        box.add_item(discord.ui.Separator())
        lines = [f"{c}: {'█' * (4 - i)} {4 - i}" for i, c in enumerate(CHOICES)]
        box.add_item(discord.ui.TextDisplay("\n".join(lines)))
        box.add_item(discord.ui.TextDisplay("**Answer: The Oskil**\nIt runs north to south."))
        box.add_item(discord.ui.TextDisplay("1. <@1> 2,400\n2. <@2> 2,100\n3. <@3> 1,900"))
        row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
        row.add_item(discord.ui.Button(label="My result", custom_id=f"quizme:{round_id}"))
        box.add_item(row)
    else:
        row = discord.ui.ActionRow()
        for c, label in enumerate(CHOICES):
            row.add_item(
                AckButton(round_id, c)
                if phase == "open"
                else discord.ui.Button(label=label, custom_id=f"quiz:{round_id}:{c}", disabled=True)
            )
        box.add_item(row)
        box.add_item(discord.ui.TextDisplay("⏱️ Closes <t:2000000000:R>"))
    view.add_item(box)
    return view


class RoundsFloorBot(FloorBot):
    """The floor, plus what a quiz does on Discord each round: the question posted with
    its answers locked, unlocked by an edit, the reveal edited in once `round_size`
    members clicked, then the next question; `rounds` of them in every text channel.
    No database, no scoring: what is left of the bot's cost beyond this is its own."""

    def __init__(self, round_size: int, rounds: int) -> None:
        super().__init__()
        self.round_size, self.rounds = round_size, rounds
        self.clicks: dict[int, int] = {}  # round id: clicks so far
        self.messages: dict[int, tuple[discord.abc.Messageable, int, discord.Message]] = {}

    async def on_ready(self) -> None:
        channels = [c for g in self.guilds for c in g.text_channels]
        await asyncio.gather(*(self._ask(c, i, 1) for i, c in enumerate(channels, start=1)))

    async def _ask(self, channel: discord.abc.Messageable, index: int, number: int) -> None:
        round_id = index * 1000 + number
        message = await channel.send(view=_round_view(number, self.rounds, round_id, "locked"))
        self.messages[round_id] = (channel, number, message)
        await message.edit(view=_round_view(number, self.rounds, round_id, "open"))

    async def answered(self, round_id: int) -> None:
        self.clicks[round_id] = self.clicks.get(round_id, 0) + 1
        if self.clicks[round_id] != self.round_size or round_id not in self.messages:
            return
        channel, number, message = self.messages.pop(round_id)
        await message.edit(view=_round_view(number, self.rounds, round_id, "reveal"))
        if number < self.rounds:
            await self._ask(channel, round_id // 1000, number + 1)


def make_quizbot(config: BotConfig) -> commands.AutoShardedBot:
    from bot.adapter.client import QuizBot
    from bot.core.clock import utcnow
    from bot.services.container import Services
    from bot.settings import Settings
    from db.engine import create_engine, create_session_factory

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=config.token,
        database_url=config.database_url,
        metrics_port=0 if config.metrics else None,  # collected; nothing is served here
    )
    engine = create_engine(config.database_url)
    services = Services.build(
        create_session_factory(engine),
        utcnow,
        random.Random(5),
        database_url=config.database_url,
    )
    bot = QuizBot(
        settings, services, pause_between_rounds=0, get_ready_seconds=0, guild_ready_timeout=0.05
    )
    bot.freeze_gc = False  # the benchmark applies one setting to both bots (`main`)
    return bot


async def import_later(bot: Any, config: BotConfig) -> None:
    """The isolation benchmark's big import, inside the bot's process and database pool
    (as a moderator's upload would run), `import_after` seconds after start-up."""
    await asyncio.sleep(config.import_after)
    started = time.perf_counter()
    path = Path(config.import_file)
    uploads = bot.services.uploads
    # The moderator's path: /questions upload (parse, validate, diff: no write), then Import.
    data = await asyncio.to_thread(path.read_bytes)
    report = await uploads.preview(config.import_guild, 1, path.name, data)
    parse_s = time.perf_counter() - started
    assert report.upload_id is not None, "the benchmark's upload was refused"
    await uploads.confirm(config.import_guild, report.upload_id, 1)
    print(
        json.dumps({"import_parse_s": parse_s, "import_total_s": time.perf_counter() - started}),
        flush=True,
    )


def use_json(library: str) -> None:
    """Make discord.py encode and decode with `library`, whichever it found installed."""
    utils = discord.utils
    if library == "orjson":
        import orjson

        utils._to_json = lambda obj: orjson.dumps(obj).decode("utf-8")
        utils._from_json = orjson.loads
    elif library == "stdlib":
        utils._to_json = lambda obj: json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
        utils._from_json = json.loads
    else:
        raise ValueError(f"unknown JSON library {library!r}")
    utils.HAS_ORJSON = library == "orjson"


async def main(config: BotConfig) -> None:
    use_json(config.json)
    Route.BASE = config.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
    bot: commands.AutoShardedBot
    if config.kind == "floor":
        bot = FloorBot()
    elif config.kind == "rounds":
        bot = RoundsFloorBot(config.round_size, config.rounds)
    else:
        bot = make_quizbot(config)
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready)
    async with bot:
        task = asyncio.create_task(bot.start(config.token))
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # failed to start: raise
        if config.gc == "freeze":
            gc.collect()
            gc.freeze()  # start-up objects are never garbage: keep them out of every scan
        if config.import_file:
            asyncio.create_task(import_later(bot, config))  # noqa: RUF006
        print("ready", flush=True)
        await task


def profiled(config: BotConfig, path: str) -> None:
    """Run under cProfile (for finding where a click's CPU goes); written on SIGTERM."""
    import cProfile
    import signal

    profile = cProfile.Profile()

    def dump(*_: object) -> None:
        profile.disable()
        profile.dump_stats(path)
        os._exit(0)

    signal.signal(signal.SIGTERM, dump)
    profile.enable()
    asyncio.run(main(config))


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    bench_config = BotConfig(**json.loads(sys.argv[1]))
    if os.environ.get("BENCH_PROFILE"):  # BENCH_PROFILE=/tmp/bot.prof python -m bench ...
        profiled(bench_config, f"{os.environ['BENCH_PROFILE']}.{bench_config.kind}")
    else:
        asyncio.run(main(bench_config))
