"""/schedule: recurring quizzes and a question of the day (moderators)."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from babel.dates import format_datetime
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.cogs.quiz import KINDS, parse_topics, start_thread
from bot.adapter.languages.language import guild_language
from bot.adapter.limits import clip
from bot.adapter.permissions import ModeratorOnly, posting_refusal
from bot.adapter.replies import reply
from bot.core.schedules.schedule_math import timezone_suggestions
from bot.i18n import _, ngettext
from bot.services.schedules.qotd import QotdClosed
from bot.services.schedules.scheduler import ChannelGone, Scheduler
from bot.services.schedules.schedules import (
    Claim,
    PausedNotice,
    ScheduleError,
    ScheduleView,
    Shards,
    quiz_options_from,
)

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

log = logging.getLogger(__name__)

WHAT = [
    app_commands.Choice(name="quiz", value="quiz"),
    app_commands.Choice(name="question of the day", value="qotd"),
]


def describe(view: ScheduleView) -> str:
    what = _("Question of the day") if view.kind == "qotd" else _("Quiz")
    if view.paused:
        state = _("paused ({reason})").format(
            reason=clip(view.paused_reason or _("by a moderator"), 120)
        )
    elif view.next_run_at:
        state = _("next {when}").format(when=render.relative(view.next_run_at))
    else:
        state = _("no next run")
    where = f"<#{view.channel_id}> · `{view.cron}` {view.timezone}"
    return _("**#{number}** {what} in {where} · {state}").format(
        number=view.schedule_id, what=what, where=where, state=state
    )


def when(at: datetime) -> str:
    """A local time written the language's way (Babel): "Mon 01 Dec 2026 09:00"."""
    return format_datetime(at, "EEE dd MMM y HH:mm", locale=i18n.current())


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ScheduleCog(
    ModeratorOnly,
    commands.GroupCog,
    group_name="schedule",
    group_description="Scheduled quizzes (moderators)",
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.services = bot.services
        services = bot.services
        self.scheduler = Scheduler(
            services.schedules,
            self.fire,
            clock=services.clock,
            shards=Shards.from_settings(bot.settings),
            qotd=services.qotd,
            on_qotd_closed=self.qotd_closed,
            on_paused=self.paused,
        )
        super().__init__()

    async def cog_load(self) -> None:
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop(grace=5)

    # -- what a due run does ------------------------------------------------------

    async def _check_channel(self, channel_id: int) -> None:
        if self.bot.get_channel(channel_id) is not None:
            return
        try:
            await self.bot.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden) as error:
            raise ChannelGone(
                f"channel {channel_id} is gone or unreadable ({error.status})"
            ) from None

    async def fire(self, claim: Claim) -> int:
        self.bot.metrics.schedule_fired(claim.late_by.total_seconds())
        await self._check_channel(claim.channel_id)
        services = self.bot.services
        if claim.kind == "qotd":
            opened = await services.qotd.open_from_claim(claim)
            message_id = await self.bot.quiz_runner.presenter.show_round(opened.run, opened.round)
            if message_id is not None:
                await services.quiz.set_round_message(opened.round.round_id, message_id)
            return opened.run.run_id
        run = await services.quiz.start(
            claim.guild_id,
            claim.channel_id,
            None,
            quiz_options_from(claim.options),
            schedule_id=claim.schedule_id,
        )
        settings = await services.guilds.get(claim.guild_id)
        with i18n.use(settings.language):
            intro = (
                _("**Scheduled quiz starting!**")
                + " "
                + ngettext(
                    "{n} question, {seconds} s each.",
                    "{n} questions, {seconds} s each.",
                    run.question_count,
                ).format(n=run.question_count, seconds=run.seconds)
            )
            progress = _("Scheduled quiz in progress → {thread}")
        line = await self.bot.get_partial_messageable(claim.channel_id).send(
            intro, allowed_mentions=render.NO_MENTIONS
        )
        if settings.quiz_in_thread:
            with i18n.use(settings.language):
                run, thread = await start_thread(self.bot, run, intro)
            if thread is not None:
                await line.edit(content=progress.format(thread=thread.mention))
        self.bot.quiz_runner.launch(run)
        return run.run_id

    async def qotd_closed(self, closed: QotdClosed) -> None:
        await self.bot.quiz_runner.presenter.show_reveal(closed.run, closed.reveal)
        streaks = [s for s in closed.streaks if s.correct and s.current > 1]
        if streaks:
            with i18n.use(await guild_language(self.bot.services, closed.run.guild_id)):
                text = " · ".join(
                    f"<@{s.user_id}> "
                    + ngettext("{n} day", "{n} days", s.current).format(n=s.current)
                    for s in streaks[:20]
                )
                text = _("Daily streaks: {streaks}").format(streaks=text)
            await self.bot.get_partial_messageable(closed.run.channel_id).send(
                clip(text, 2000), allowed_mentions=render.NO_MENTIONS
            )

    async def paused(self, notice: PausedNotice) -> None:
        """Tell the guild's moderators where they will see it: the system channel."""
        guild = self.bot.get_guild(notice.guild_id)
        channel = guild.system_channel if guild else None
        if channel is None:
            log.warning("schedule %s paused: %s", notice.schedule_id, notice.reason)
            return
        with i18n.use(await guild_language(self.bot.services, notice.guild_id)):
            text = _(
                "Schedule #{number} is paused: its channel is gone or the bot cannot post "
                "there. Fix it, then `/schedule resume`."
            ).format(number=notice.schedule_id)
        with contextlib.suppress(discord.HTTPException):
            await channel.send(
                text,
                allowed_mentions=render.NO_MENTIONS,
            )

    # -- commands -----------------------------------------------------------------

    @app_commands.command(name="add", description="Schedule a quiz or a question of the day")
    @app_commands.describe(
        channel="Where it runs",
        what="A quiz, or one question of the day",
        timezone="IANA time zone, e.g. Europe/Kyiv (suggestions as you type)",
        days="daily, weekdays, weekends, or days like mon,wed,fri",
        time="Local time, HH:MM (24 h)",
        cron="Instead of days and time: a cron rule (minute hour day month weekday)",
        questions="Quiz: number of questions (1-50)",
        seconds="Quiz: seconds per question (5-120)",
        kind="Facts, claim checks, or both",
        topics="Topic tags, comma-separated",
        open_hours="Question of the day: hours it stays open (default 24)",
        grace_minutes="Run late by at most this much after downtime (default 10)",
    )
    @app_commands.choices(what=WHAT, kind=KINDS)
    async def add(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        what: app_commands.Choice[str],
        timezone: str,
        days: str | None = None,
        time: str | None = None,
        cron: str | None = None,
        questions: app_commands.Range[int, 1, 50] | None = None,
        seconds: app_commands.Range[int, 5, 120] | None = None,
        kind: app_commands.Choice[str] | None = None,
        topics: str | None = None,
        open_hours: app_commands.Range[float, 1.0, 168.0] | None = None,
        grace_minutes: app_commands.Range[int, 0, 240] = 10,
    ) -> None:
        assert interaction.guild_id is not None
        if channel.guild.id != interaction.guild_id:
            await reply(interaction, _("Pick a channel of this server."))
            return
        if refusal := posting_refusal(interaction, _("scheduled games"), channel):
            await reply(interaction, refusal)
            return
        if cron is None and (days is None or time is None):
            await reply(interaction, _("Give `days` and `time` (or, for experts, a `cron` rule)."))
            return
        options: dict[str, object] = {"kind": kind.value if kind else "mixed"}
        if topics:
            options["tags"] = list(parse_topics(topics))
        if what.value == "quiz":
            options["questions"] = questions or 10
            options["seconds"] = seconds or 20
        elif open_hours is not None:
            options["open_hours"] = open_hours
        try:
            view = await self.bot.services.schedules.add(
                interaction.guild_id,
                channel.id,
                interaction.user.id,
                kind=what.value,
                cron=cron,
                days=None if cron else days,
                time_hhmm=None if cron else time,
                timezone=timezone,
                options=options,
                grace_seconds=grace_minutes * 60,
            )
        except ScheduleError as error:
            await reply(interaction, _("Not scheduled: {reason}").format(reason=error))
            return
        await reply(interaction, _("Scheduled. {schedule}").format(schedule=describe(view)))

    @add.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_suggestions(current, 25)]

    @app_commands.command(name="list", description="This server's schedules")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        views = await self.bot.services.schedules.list(interaction.guild_id)
        text = "\n".join(describe(v) for v in views) or _("No schedules yet: `/schedule add`.")
        await reply(interaction, clip(text, 2000))

    async def _change(self, interaction: discord.Interaction, action: str, schedule: int) -> None:
        assert interaction.guild_id is not None
        service = self.bot.services.schedules
        try:
            view = await getattr(service, action)(interaction.guild_id, schedule)
        except ScheduleError as error:
            await reply(interaction, str(error))
            return
        done = {
            "pause": _("Paused: {schedule}"),
            "resume": _("Resumed: {schedule}"),
            "remove": _("Removed: {schedule}"),
        }[action]
        await reply(interaction, done.format(schedule=describe(view)))

    @app_commands.command(name="pause", description="Pause a schedule")
    async def pause(self, interaction: discord.Interaction, schedule: int) -> None:
        await self._change(interaction, "pause", schedule)

    @app_commands.command(name="resume", description="Resume a paused schedule")
    async def resume(self, interaction: discord.Interaction, schedule: int) -> None:
        await self._change(interaction, "resume", schedule)

    @app_commands.command(name="remove", description="Delete a schedule")
    async def remove(self, interaction: discord.Interaction, schedule: int) -> None:
        await self._change(interaction, "remove", schedule)

    @app_commands.command(name="next", description="The next five scheduled runs")
    async def next_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        upcoming = await self.bot.services.schedules.next_times(interaction.guild_id, 5)
        lines = [
            f"• {when(u.at)} {u.timezone} ({render.relative(u.at_utc)}) — "
            + (
                _("question of the day in {channel}")
                if u.kind == "qotd"
                else _("quiz in {channel}")
            ).format(channel=f"<#{u.channel_id}>")
            for u in upcoming
        ]
        await reply(interaction, "\n".join(lines) or _("Nothing scheduled."))

    @app_commands.command(name="history", description="What a schedule did: fired, skipped, failed")
    async def history(self, interaction: discord.Interaction, schedule: int) -> None:
        assert interaction.guild_id is not None
        try:
            runs = await self.bot.services.schedules.runs(interaction.guild_id, schedule, 15)
        except ScheduleError as error:
            await reply(interaction, str(error))
            return
        statuses = {
            "fired": _("fired"),
            "skipped": _("skipped"),
            "failed": _("failed"),
        }
        lines = [
            f"• {r.due_at:%Y-%m-%d %H:%M} UTC — {statuses.get(r.status, r.status)}"
            + (f" ({clip(r.detail, 80)})" if r.detail else "")
            for r in runs
        ]
        await reply(interaction, "\n".join(lines) or _("No runs yet."))


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ScheduleCog(bot))
