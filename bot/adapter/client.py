"""The discord.py client: wiring cogs, persistent buttons and error replies.

discord.py is imported only under bot/adapter; everything below talks to
the services with plain values.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import ops_hooks, render
from bot.adapter.cogs.quiz import DiscordQuizPresenter
from bot.adapter.languages.language import guild_language, speak
from bot.adapter.languages.translator import CatalogTranslator
from bot.adapter.permissions import Refused
from bot.app import Database
from bot.core.quotas import QuotaExceeded
from bot.i18n import _
from bot.ops.metrics import Metrics
from bot.ops.runtime import OpsRuntime
from bot.services.container import Services
from bot.services.leases import DEFAULT_TTL, Leases
from bot.services.quiz.quiz import QuizError
from bot.services.quiz.quiz_runner import QuizRunner
from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.adapter.cogs.quiz",
    "bot.adapter.cogs.practice",
    "bot.adapter.cogs.discuss",
    "bot.adapter.cogs.schedule",
    "bot.adapter.cogs.questions",
    "bot.adapter.cogs.config",
    "bot.adapter.cogs.reports",  # adds /quiz report to the quiz cog's group: after quiz
    "bot.adapter.cogs.leaderboard",
    "bot.adapter.cogs.privacy",
)

# Everything the bot needs works without privileged intents: slash commands
# and components arrive as interactions, and GUILDS gives channels and roles.
INTENTS = discord.Intents.none()
INTENTS.guilds = True

# Send Messages, Embed Links, Attach Files, Read Message History, Create Public
# Threads, Send Messages in Threads, View Channel, Use External Emojis.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


class QuizTree(app_commands.CommandTree["QuizBot"]):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every command speaks the member's language (the server's for public posts)."""
        ops_hooks.bind_interaction_ids(interaction)  # ids on the command's log lines
        await speak(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """One place for errors: members get a clear ephemeral line, operators a log."""
        original = getattr(error, "original", error)
        if isinstance(original, QuizError | QuotaExceeded | Refused):
            message = str(original)
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = _("This command works in a server channel, not in direct messages.")
        elif isinstance(error, app_commands.CheckFailure):
            if interaction.response.is_done():
                return  # the check has told the member already: one refusal, not two
            message = _("You can't use this command here.")
        else:
            log.error(
                "command %r failed",
                interaction.command.qualified_name if interaction.command else "?",
                exc_info=original,
            )
            message = _("Something went wrong on our side; it has been logged. Please try again.")
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    message, ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    message, ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
        except discord.HTTPException:
            log.warning("could not tell the member about an error (interaction expired)")


# The bot never joins voice: discord.py's start-up warnings about voice support
# (PyNaCl, davey) would only alarm operators.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class QuizBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        pause_between_rounds: float = 4.0,
        get_ready_seconds: float = 3.0,
        heartbeat_seconds: float = 10.0,
        lease_ttl: timedelta = DEFAULT_TTL,
        metrics: Metrics | None = None,
        **options: Any,
    ) -> None:
        self.metrics = metrics or Metrics()
        # Per-request metrics (every REST response, every interaction's answer) only
        # where they are served: aiohttp's tracing of each request was about 3 % of a
        # live quiz's CPU per click (issue 18), spent on numbers nobody could read.
        collecting = settings.metrics_port is not None
        super().__init__(
            http_trace=self.metrics.trace_config() if collecting else None,
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            tree_cls=QuizTree,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.services = services
        # The cogs reach the presenter here: `load_extension` runs a cog's module anew,
        # and an isinstance check against that copy's class failed for this object.
        self.presenter = DiscordQuizPresenter(self)
        self.quiz_runner = QuizRunner(
            services.quiz,
            self.presenter,
            clock=services.clock,
            owns_guild=settings.owns_guild,
            pause_between_rounds=pause_between_rounds,
            live=services.live_answers,
            get_ready=get_ready_seconds,
            leases=Leases(services.sessions, services.clock, ttl=lease_ttl),
            heartbeat_seconds=heartbeat_seconds,
        )
        self.synced = False
        # Called with every interaction as it arrives, before any listener runs.
        self.interaction_hooks: list[Callable[[discord.Interaction], None]] = []
        ops_hooks.attach(self, self.metrics, per_request=collecting)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's dispatch, with `interaction_hooks` run in line: hooks that only
        record (the metrics' receipt time) as a listener cost a task per click, a few
        per cent of a live quiz's CPU (issue 18). A failing hook is logged, never
        a reason to drop the interaction."""
        if event_name == "interaction":
            for hook in self.interaction_hooks:
                try:
                    hook(args[0])
                except Exception:
                    log.exception("an interaction hook failed")
        super().dispatch(event_name, *args, **kwargs)

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.tree.set_translator(CatalogTranslator())
        await self.sync_commands()
        adopted = await self.quiz_runner.recover()
        if adopted:
            log.info("quizzes after restart: %d taken up (resumed, or revealed and ended)", adopted)
        self.quiz_runner.start_watchdog()

    async def sync_commands(self) -> None:
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            commands_ = await self.tree.sync(guild=guild)
        else:
            commands_ = await self.tree.sync()
        self.synced = True
        log.info("synced %d slash commands", len(commands_))

    # Once connected, move every object made so far (modules, cogs, commands, caches)
    # out of the garbage collector's reach: none of it is ever garbage, and a full
    # collection then scans far less. Measured in `python -m bench` (clicks, "gc").
    freeze_gc = True

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server starts in its Discord locale's language where the bot speaks it."""
        await guild_language(self.services, guild.id, guild.preferred_locale)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))
        if self.freeze_gc:
            self.freeze_gc = False  # once: later reconnects must not pin live objects
            gc.collect()
            gc.freeze()

    async def close(self) -> None:
        for name in list(self.cogs):
            await self.remove_cog(name)  # stops the cogs' background tasks first
        # Answers confirmed to members are written before the games are handed over.
        await self.quiz_runner.shutdown(flush=self.services.live_answers.shutdown)
        await super().close()


def point_at_api(base: str | None) -> None:
    """Send REST calls elsewhere (the fake Discord in tests); None keeps Discord's."""
    if base:
        discord.http.Route.BASE = base.rstrip("/")


async def serve(settings: Settings, database: Database) -> int:
    """Run until stopped. Returns a process exit code."""
    point_at_api(settings.discord_api_base)
    services = Services.build(database.sessions, database_url=settings.database_url)
    bot = QuizBot(settings, services)
    ops = OpsRuntime(settings, database, bot.metrics, [ops_hooks.gateway_probe(bot)], bot.close)
    try:
        async with bot, ops:
            await bot.start(settings.token or "")
    except discord.LoginFailure:
        log.error(
            "Discord refused the token (401). Reset it on the 'Bot' page of your application "
            "in the developer portal and put the new one in .env as DISCORD_TOKEN."
        )
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("Discord asked for privileged intents; this bot needs none. Please report this.")
        return 1
    return 1 if ops.timed_out else 0
