"""/discuss: contested viewpoints side by side, a vote before and after, steelmen."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Coroutine
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.languages.language import Localized, guild_language, public
from bot.adapter.limits import clip
from bot.adapter.permissions import is_moderator, posting_refusal
from bot.adapter.replies import reply
from bot.core.discussions.discussion_result import DiscussionResult, Phase, Stage
from bot.core.quotas import QuotaExceeded
from bot.i18n import N_, _
from bot.services.discussions.charts import draw_result_chart, result_text
from bot.services.discussions.discussions import DiscussionError, DiscussionView, VoteStatus
from bot.services.discussions.prompts import localized as localized_prompt
from bot.services.leases import DISCUSSION

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def localized_result(result: DiscussionResult, view: DiscussionView) -> DiscussionResult:
    """The result with its viewpoints named in the current language."""
    options = tuple(
        replace(
            o,
            label=_("Undecided")
            if o.position is None
            else render.label_of(view, view.prompt.viewpoints[o.position].label)
            if o.position < len(view.prompt.viewpoints)
            else o.label,
        )
        for o in result.options
    )
    return replace(result, options=options)


def discussion_view(view: DiscussionView) -> discord.ui.View:
    """The vote buttons, in the current language (the server's: the message is public)."""
    buttons = discord.ui.View(timeout=None)
    prompt, _had = localized_prompt(view.prompt, i18n.current())
    for vp in prompt.viewpoints:
        buttons.add_item(VoteButton(view.run_id, str(vp.position), clip(vp.label, 80)))
    buttons.add_item(VoteButton(view.run_id, "u", _("Undecided")))
    buttons.add_item(SteelmanButton(view.run_id))
    return buttons


class VoteButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"disc:(?P<run>\d+):(?P<pos>\d|u)",
):
    """One stance; the same buttons serve the opening and the final vote."""

    def __init__(self, run_id: int, pos: str, label: str = "?") -> None:
        style = discord.ButtonStyle.secondary if pos == "u" else discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"disc:{run_id}:{pos}")
        )
        self.run_id, self.pos = run_id, pos

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["run"]), match["pos"], item.label or "?")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        service = bot.services.discussions
        view = await service.get(self.run_id, guild_id=interaction.guild_id)
        if view is None:
            await reply(interaction, _("This discussion does not exist on this server."))
            return
        stage = view.stage(bot.services.clock())
        if stage is Stage.DISCUSSING:
            await reply(
                interaction,
                _("The opening vote has closed. The final vote opens {when}.").format(
                    when=render.relative(view.windows.after_opens)
                ),
            )
            return
        if stage is Stage.ENDED:
            await reply(interaction, _("This discussion has ended."))
            return
        phase = Phase.BEFORE if stage is Stage.OPENING_VOTE else Phase.AFTER
        position = None if self.pos == "u" else int(self.pos)
        try:
            outcome = await service.vote(
                self.run_id, interaction.user.id, phase, position, guild_id=interaction.guild_id
            )
        except DiscussionError as error:
            await reply(interaction, str(error))
            return
        label = clip(
            _("Undecided")
            if position is None
            else render.label_of(view, view.prompt.viewpoints[position].label),
            80,
        )
        opening = phase is Phase.BEFORE
        text = {
            VoteStatus.RECORDED: (
                _("Your opening vote: **{label}**. It stays private until the end.")
                if opening
                else _("Your final vote: **{label}**. It stays private until the end.")
            ),
            VoteStatus.CHANGED: (
                _("Changed your opening vote to **{label}**.")
                if opening
                else _("Changed your final vote to **{label}**.")
            ),
            VoteStatus.UNCHANGED: (
                _("Your opening vote is already **{label}**.")
                if opening
                else _("Your final vote is already **{label}**.")
            ),
        }.get(outcome.status, _("That vote is not open.")).format(label=label)
        await reply(interaction, text)


class SteelmanModal(Localized, discord.ui.Modal, title="Steelman"):
    case: discord.ui.TextInput[SteelmanModal] = discord.ui.TextInput(
        label=N_("The strongest case for it"),
        style=discord.TextStyle.paragraph,
        min_length=50,
        max_length=1000,
    )

    def __init__(self, run_id: int, position: int, label: str) -> None:
        super().__init__(title=clip(_("Steelman: {label}").format(label=label), 45), timeout=1800)
        self.case._underlying.label = _("The strongest case for it")
        self.run_id, self.position = run_id, position

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        service = bot.services.discussions
        try:
            steel = await service.steelman(
                self.run_id,
                interaction.user.id,
                self.position,
                str(self.case.value),
                guild_id=interaction.guild_id,
            )
        except DiscussionError as error:
            await reply(interaction, str(error))
            return
        await reply(interaction, _("Thank you: your steelman is posted in the thread for rating."))
        view = await service.get(self.run_id, guild_id=interaction.guild_id)
        target_id = (view.thread_id or view.channel_id) if view else None
        if view is None or target_id is None:
            return
        with public(interaction):
            embed = render.steelman_embed(steel, view)
        message = await bot.get_partial_messageable(target_id).send(
            embed=embed,
            view=rating_view(steel.id),
            allowed_mentions=render.NO_MENTIONS,
        )
        await service.set_steelman_message(steel.id, message.id)


class SteelmanSelect(
    Localized, discord.ui.DynamicItem[discord.ui.Select], template=r"discsteel:(?P<run>\d+)"
):
    def __init__(self, run_id: int, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"discsteel:{run_id}",
                placeholder=_("Which viewpoint will you make the case for?"),
                options=options,
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> SteelmanSelect:
        return cls(int(match["run"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []  # type: ignore[union-attr]
        position = int(values[0])
        label = next((o.label for o in self.item.options if o.value == values[0]), "?")
        await interaction.response.send_modal(SteelmanModal(self.run_id, position, label))


class SteelmanButton(
    Localized, discord.ui.DynamicItem[discord.ui.Button], template=r"disc:(?P<run>\d+):steel"
):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Write a steelman"),
                emoji="✍️",
                style=discord.ButtonStyle.success,
                custom_id=f"disc:{run_id}:steel",
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SteelmanButton:
        return cls(int(match["run"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        service = _bot(interaction).services.discussions
        view = await service.get(self.run_id, guild_id=interaction.guild_id)
        if view is None or view.status != "open":
            await reply(interaction, _("This discussion has ended."))
            return
        mine = await service.my_votes(
            self.run_id, interaction.user.id, guild_id=interaction.guild_id or 0
        )
        if not mine.before_voted:
            await reply(
                interaction, _("Vote first: a steelman argues for a view you did not pick.")
            )
            return
        prompt, _had = localized_prompt(view.prompt, i18n.current())
        options = [
            discord.SelectOption(label=clip(vp.label, 100), value=str(vp.position))
            for vp in prompt.viewpoints
            if vp.position != mine.before
        ]
        picker = discord.ui.View(timeout=None)
        picker.add_item(SteelmanSelect(self.run_id, options))
        await interaction.response.send_message(
            _("Make the strongest case for a viewpoint you did not pick:"),
            view=picker,
            ephemeral=True,
        )


class RateButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"discrate:(?P<steel>\d+):(?P<n>[1-5])",
):
    def __init__(self, steelman_id: int, rating: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="★" * rating,
                style=discord.ButtonStyle.secondary,
                custom_id=f"discrate:{steelman_id}:{rating}",
            )
        )
        self.steelman_id, self.rating = steelman_id, rating

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RateButton:
        return cls(int(match["steel"]), int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        service = _bot(interaction).services.discussions
        try:
            await service.rate_steelman(
                self.steelman_id, interaction.user.id, self.rating, guild_id=interaction.guild_id
            )
        except DiscussionError as error:
            await reply(interaction, str(error))
            return
        await reply(
            interaction, _("You rated this steelman {rating}/5.").format(rating=self.rating)
        )


def rating_view(steelman_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for n in range(1, 6):
        view.add_item(RateButton(steelman_id, n))
    return view


@app_commands.guild_only()
class DiscussCog(
    commands.GroupCog, group_name="discuss", group_description="Discuss contested questions"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self._ticker: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        # Closes that fell while the bot was down happen now; a failure here is
        # logged and retried by the ticker, never a cog that fails to load.
        try:
            await self.tick()
        except Exception:
            log.exception("discussion tick at start failed; the ticker retries")
        self._ticker = asyncio.create_task(self._tick_forever(), name="discussion-ticker")

    async def cog_unload(self) -> None:
        if self._ticker:
            self._ticker.cancel()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self.tick()
            except Exception:
                log.exception("discussion tick failed")

    async def tick(self) -> None:
        """Close discussions that are due; announce final votes that just opened.

        Each discussion is its own unit: one that fails is logged with its ids
        and the others go on (and it is tried again at the next tick).
        """
        service = self.bot.services.discussions
        owns = self.bot.settings.owns_guild
        for view in await service.due_to_close(owns_guild=owns):
            await self._unit(view, self._close_due(view))
        for view in await service.final_votes_due(owns_guild=owns):
            await self._unit(view, self._announce_final_vote(view))

    async def _unit(self, view: DiscussionView, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception(
                "discussion %s (guild %s, channel %s) failed in the ticker",
                view.run_id,
                view.guild_id,
                view.channel_id,
            )

    async def _close_due(self, view: DiscussionView) -> None:
        """Close under the discussion's lease, so a second process never posts twice."""
        leases = self.bot.quiz_runner.leases
        if not await leases.claim(DISCUSSION, view.run_id):
            return
        try:
            await self.close_and_post(view.run_id)
        finally:
            await leases.release(DISCUSSION, [view.run_id])

    async def _announce_final_vote(self, view: DiscussionView) -> None:
        if not await self.bot.services.discussions.claim_final_vote_notice(view.run_id):
            return  # announced by another process, or by /discuss close
        target = view.thread_id or view.channel_id
        with i18n.use(await guild_language(self.bot.services, view.guild_id)):
            text = _(
                "**The final vote is open** until {when}: where do you stand now? "
                "Use the buttons on the discussion message."
            ).format(when=render.relative(view.closes_at))
        with contextlib.suppress(discord.HTTPException):
            await self.bot.get_partial_messageable(target).send(
                text,
                allowed_mentions=render.NO_MENTIONS,
            )

    async def close_and_post(
        self,
        run_id: int,
        closed_by: int | None = None,
        *,
        guild_id: int | None = None,
        moderator: bool = False,
    ) -> None:
        service = self.bot.services.discussions
        outcome = await service.close(run_id, closed_by, guild_id=guild_id, is_moderator=moderator)
        if not outcome.closed_now:
            return
        view = outcome.discussion
        language = await guild_language(self.bot.services, view.guild_id)
        with i18n.use(language):
            prompt, _had = localized_prompt(view.prompt, language)
            result = localized_result(outcome.result, view)
            png = await draw_result_chart(result, prompt.question)
            best = await service.best_steelmen(run_id, 3, guild_id=view.guild_id)
            embed = render.discussion_result_embed(view, result, result_text(result), best)
            ended = render.discussion_embed(view, self.bot.services.clock(), ended=True)
        channel = self.bot.get_partial_messageable(view.channel_id, guild_id=view.guild_id)
        await channel.send(
            embed=embed,
            file=discord.File(io.BytesIO(png), filename="result.png"),
            allowed_mentions=render.NO_MENTIONS,
        )
        if view.message_id:
            # The buttons go, and the vote schedule gives way to "ended".
            with contextlib.suppress(discord.HTTPException):
                await channel.get_partial_message(view.message_id).edit(embed=ended, view=None)

    @app_commands.command(name="start", description="Start a discussion of a contested question")
    @app_commands.describe(
        prompt="Which question (type to search; empty for a random one)",
        hours="How long it runs, in hours (0.25-168, default 24)",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        prompt: str | None = None,
        hours: app_commands.Range[float, 0.25, 168.0] = 24.0,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if refusal := posting_refusal(interaction, _("a discussion")):
            await reply(interaction, refusal)
            return
        prompt_id = int(prompt) if prompt and prompt.isdigit() else None
        if prompt and prompt_id is None:
            choices = await self.bot.services.discussions.prompt_suggestions(
                interaction.guild_id, prompt, 1
            )
            if not choices:
                await reply(interaction, _("No discussion prompt matches that; pick a suggestion."))
                return
            prompt_id = choices[0].id
        try:
            view = await self.bot.services.discussions.start(
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                prompt_id,
                timedelta(hours=hours),
                as_member=True,
            )
        except (DiscussionError, QuotaExceeded) as error:
            await reply(interaction, str(error))
            return
        with public(interaction):
            embed = render.discussion_embed(view, self.bot.services.clock())
            buttons = discussion_view(view)
            prompt, _had = localized_prompt(view.prompt, i18n.current())
            guidelines = _(render.GUIDELINES)
        await interaction.response.send_message(
            embed=embed, view=buttons, allowed_mentions=render.NO_MENTIONS
        )
        message = await interaction.original_response()
        thread_id = None
        try:
            thread = await message.create_thread(
                name=clip(prompt.question, 100), auto_archive_duration=1440
            )
            await thread.send(guidelines, allowed_mentions=render.NO_MENTIONS)
            thread_id = thread.id
        except discord.HTTPException:
            log.warning("could not open a thread for discussion %s", view.run_id)
        await self.bot.services.discussions.set_message(view.run_id, message.id, thread_id)

    @start.autocomplete("prompt")
    async def prompt_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.bot.services.discussions.prompt_suggestions(
            interaction.guild_id or 0, current
        )
        return [app_commands.Choice(name=c.name, value=str(c.id)) for c in choices]

    async def _open_here(self, interaction: discord.Interaction) -> DiscussionView | None:
        return await self.bot.services.discussions.open_in_channel(
            interaction.guild_id or 0, interaction.channel_id or 0
        )

    @app_commands.command(name="close", description="Close the discussion in this channel")
    @app_commands.describe(skip_final_vote="Close at once instead of opening the final vote")
    async def close(self, interaction: discord.Interaction, skip_final_vote: bool = False) -> None:
        view = await self._open_here(interaction)
        if view is None:
            await reply(interaction, _("No discussion is open in this channel."))
            return
        moderator = await is_moderator(interaction, self.bot.services)
        service = self.bot.services.discussions
        try:
            if not skip_final_vote:
                final = await service.call_final_vote(
                    view.run_id,
                    interaction.user.id,
                    guild_id=interaction.guild_id or 0,
                    is_moderator=moderator,
                )
                if final is not None:
                    with public(interaction):
                        text = _(
                            "**The final vote is open** until {when}; the result follows."
                        ).format(when=render.relative(final.closes_at))
                    await interaction.response.send_message(
                        text, allowed_mentions=render.NO_MENTIONS
                    )
                    return
            with public(interaction):
                text = _("Closing the discussion; the result follows.")
            await interaction.response.send_message(text, allowed_mentions=render.NO_MENTIONS)
            await self.close_and_post(
                view.run_id,
                interaction.user.id,
                guild_id=interaction.guild_id,
                moderator=moderator,
            )
        except DiscussionError as error:
            await reply(interaction, str(error))

    @app_commands.command(name="list", description="Open and past discussions of this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.bot.services.discussions.list(interaction.guild_id, 15)
        if not rows:
            await reply(interaction, _("No discussions yet. Start one with /discuss start."))
            return
        lines = []
        for row in rows:
            where = f"<#{row.thread_id or row.channel_id}>"
            if row.status == "open":
                state = _("open, ends {when}").format(when=render.relative(row.closes_at))
            else:
                result = row.result_in(i18n.current())
                gain = result.gain_sentence() if result else ""
                state = _("closed · {result}").format(result=clip(gain, 120))
            question = row.question_in(i18n.current())
            lines.append(f"• **{clip(question, 120)}** — {state} · {where}")
        embed = discord.Embed(
            title=_("Discussions"),
            description=clip("\n".join(lines), 4096),
            colour=discord.Colour.dark_teal(),
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(VoteButton, SteelmanButton, SteelmanSelect, RateButton)
    await bot.add_cog(DiscussCog(bot))
