"""Slash commands and buttons of live quizzes, and /stats (/leaderboard: cogs/leaderboard.py)."""

from __future__ import annotations

import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.languages.language import Localized, guild_language, public, speak
from bot.adapter.limits import AUTOCOMPLETE_CHOICES, clip
from bot.adapter.permissions import is_moderator, posting_refusal
from bot.adapter.quiz import game_screen
from bot.adapter.quiz.game_screen import Phase, Picture, RoundScreen
from bot.adapter.quiz.pictures import (
    picture_file,
    prefetch,
    results_podium,
    reveal_picture,
    screen_picture,
)
from bot.adapter.quiz.topics import named_like, topic_names
from bot.adapter.replies import reply
from bot.adapter.transient import is_transient_discord
from bot.i18n import N_, _, ngettext
from bot.services.bank.questions import QuestionView, known_tags, tag_suggestions
from bot.services.quiz.quiz import (
    AnswerStatus,
    QuizOptions,
    Results,
    Reveal,
    RoundInfo,
    RunInfo,
    Standings,
)

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

log = logging.getLogger(__name__)


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


@functools.lru_cache(maxsize=4096)
def _choice_feedback(language: str, status: AnswerStatus, choice_text: str | None) -> str:
    """`answer_feedback` for a button's choice in `language` (the current one): a live
    round's members get the same few replies, made once each. Typed answers are not
    kept here: they are each member's own words."""
    return answer_feedback(status, choice_text)


def answer_feedback(status: AnswerStatus, given: str | None) -> str:
    """The private reply to an answer; `given` is the choice's text or the typed answer."""
    named = f"**{discord.utils.escape_markdown(clip(given, 100))}**" if given else None
    if status is AnswerStatus.ACCEPTED:
        return (
            (
                _("Your answer {answer} is in.").format(answer=named)
                if named
                else _("Your answer is in.")
            )
            + " "
            + _("The answer is revealed when the question closes.")
        )
    if status is AnswerStatus.CHANGED:
        return (
            (_("Changed to {answer}.").format(answer=named) if named else _("Answer changed."))
            + " "
            + _("That was your one change: it is final now.")
        )
    if status is AnswerStatus.DUPLICATE:
        return (
            _("You already answered {answer}; that answer stands.").format(answer=named)
            if named
            else _("You already answered; that answer stands.")
        )
    return {
        AnswerStatus.LATE: _("Too late: this question has closed."),
        AnswerStatus.ENDED: _("This quiz has ended. Start a new one with /quiz start."),
        AnswerStatus.UNKNOWN: _("This quiz has ended (or this button is no longer valid)."),
    }[status]


async def submit_answer(
    interaction: discord.Interaction,
    round_id: int,
    *,
    choice: int | None,
    text: str | None,
    choice_texts: Sequence[str] = (),
) -> None:
    """`choice_texts` are the texts of the buttons as shown, to name the member's choice."""
    bot = _bot(interaction)
    user, services = interaction.user.id, bot.services
    guild = interaction.guild_id or 0  # a round of another server is not answered here
    outcome = await services.live_answers.answer(
        round_id, user, choice=choice, text=text, interaction_id=interaction.id, guild_id=guild
    ) or await services.quiz.answer(
        round_id, user, choice=choice, text=text, interaction_id=interaction.id, guild_id=guild
    )
    if outcome.all_answered:
        run_id = services.live_answers.run_of(round_id)
        if run_id is None:
            info = await services.quiz.get_round(round_id)
            run_id = info.run_id if info else None
        if run_id is not None:
            bot.quiz_runner.everyone_answered(run_id)
    # The early close does not depend on the reply reaching the member (it may be late).
    shown = outcome.shown_choice
    given = choice_texts[shown] if shown is not None and shown < len(choice_texts) else outcome.text
    feedback = (
        _choice_feedback(i18n.current(), outcome.status, given)
        if choice is not None
        else answer_feedback(outcome.status, given)
    )
    await reply(interaction, feedback)


ANSWER_ID = re.compile(r"quiz:(?P<round>\d+):(?P<choice>\d)")


class AnswerButton(discord.ui.Button):
    """One answer button; works on messages from before a restart too.

    Its clicks bypass discord.py's views: `QuizCog.on_interaction` takes them by their
    custom id (`ANSWER_ID`). As a dynamic item, every click had discord.py rebuild the
    whole game screen as a view from the message (`View.from_message`) only to find
    this button in it: about a tenth of the bot's CPU per click in a live quiz (issue
    18, BENCHMARKS.md). Not dispatchable, the button is never kept in discord.py's
    view store either, however many rounds are posted.
    """

    def __init__(self, round_id: int, choice: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            label=label,
            style=discord.ButtonStyle.primary,
            custom_id=f"quiz:{round_id}:{choice}",
            disabled=disabled,
        )

    def is_dispatchable(self) -> bool:
        # discord.py (pinned to 2.7 in pyproject.toml) stores a sent view, and
        # dispatches clicks to it, only when an item is dispatchable;
        # tests/adapter/quiz/test_answer_clicks.py fails if that changes.
        return False


async def answer_click(interaction: discord.Interaction) -> None:
    """Answer the click if it is on an answer button; any other interaction is not ours."""
    if interaction.type is not discord.InteractionType.component:
        return
    custom_id = (interaction.data or {}).get("custom_id")
    match = ANSWER_ID.fullmatch(custom_id) if isinstance(custom_id, str) else None
    if match is None:
        return
    await speak(interaction)
    round_id = int(match["round"])
    await submit_answer(
        interaction,
        round_id,
        choice=int(match["choice"]),
        text=None,
        choice_texts=_bot(interaction).presenter.labels(round_id)
        or _button_labels(interaction, round_id),
    )


def _button_labels(interaction: discord.Interaction, round_id: int) -> list[str]:
    """The answer buttons' labels (each is its choice's text), by position, read from
    the clicked message: for rounds this process did not show (a restart)."""
    labels: dict[int, str] = {}
    prefix = f"quiz:{round_id}:"
    for row in interaction.message.components if interaction.message else []:
        for item in _walk(row):
            custom_id = getattr(item, "custom_id", None) or ""
            if custom_id.startswith(prefix) and custom_id[len(prefix) :].isdigit():
                labels[int(custom_id[len(prefix) :])] = getattr(item, "label", None) or ""
    return [labels.get(i, "") for i in range(max(labels, default=-1) + 1)]


def _walk(component: object) -> list[object]:
    found = [component]
    for child in getattr(component, "children", None) or []:
        found += _walk(child)
    accessory = getattr(component, "accessory", None)
    if accessory is not None:
        found.append(accessory)
    return found


class TextAnswerModal(Localized, discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[TextAnswerModal] = discord.ui.TextInput(
        label=N_("Answer"), max_length=200, placeholder=N_("Type your answer")
    )

    def __init__(self, round_id: int, user_id: int) -> None:
        # One id per member: discord.py files an open modal under its custom_id alone,
        # so with one id per round the second member's form replaced the first one's.
        super().__init__(
            title=_("Your answer"), custom_id=f"quiztext:{round_id}:{user_id}", timeout=600
        )
        self.answer._underlying.label = _("Answer")
        self.answer.placeholder = _("Type your answer")
        self.round_id = round_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await submit_answer(interaction, self.round_id, choice=None, text=str(self.answer.value))


class TextAnswerButton(
    Localized, discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:(?P<round>\d+):text"
):
    def __init__(self, round_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Answer"),
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:{round_id}:text",
                disabled=disabled,
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> TextAnswerButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        status = await _bot(interaction).services.quiz.answerable(self.round_id)
        if status is not AnswerStatus.ACCEPTED:
            await reply(interaction, answer_feedback(status, None))
            return
        await interaction.response.send_modal(TextAnswerModal(self.round_id, interaction.user.id))


class MyResultButton(
    Localized, discord.ui.DynamicItem[discord.ui.Button], template=r"quizme:(?P<round>\d+)"
):
    """After a reveal: the member's own result, privately."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("My result"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"quizme:{round_id}",
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MyResultButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        text = await _bot(interaction).presenter.my_result(self.round_id, interaction.user.id)
        await reply(interaction, text)


CONTROLS = game_screen.Controls(
    answer=lambda round_id, choice, label, disabled: AnswerButton(
        round_id, choice, label, disabled=disabled
    ),
    text_answer=lambda round_id, disabled: TextAnswerButton(round_id, disabled=disabled),
    my_result=MyResultButton,
)


def _in_run_language(
    method: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """A presenter method posting publicly: it speaks the run's server's language."""

    @functools.wraps(method)
    async def speaking(self: DiscordQuizPresenter, run: RunInfo, *args: Any, **kw: Any) -> Any:
        with i18n.use(await self.language(run)):
            return await method(self, run, *args, **kw)

    return speaking


@dataclass
class _Shown:
    """What a round's message shows, kept to edit it and to answer "My result"."""

    run: RunInfo
    rnd: RoundInfo
    reveal: Reveal | None = None
    standings: Standings | None = None
    # The answer buttons' labels as shown, to name a member's choice in the reply
    # without walking the clicked message's components at every click.
    labels: Sequence[str] = ()


class DiscordQuizPresenter:
    """Shows what the quiz runner decides: one message per question, edited in place."""

    # Rounds remembered: each run's latest (its open question, or the reveal whose
    # "My result" members press); older rounds of a run are forgotten as it moves on.
    KEEP_ROUNDS = 1000

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.rounds: OrderedDict[int, _Shown] = OrderedDict()
        # Rounds revealed before a restart: (standings, the answer's text).
        self.earlier: OrderedDict[int, tuple[Standings | None, QuestionView]] = OrderedDict()
        # Each run's public language (its server's), read once per run.
        self.languages: OrderedDict[int, str] = OrderedDict()

    async def language(self, run: RunInfo) -> str:
        """The language of a run's public posts: its server's, read when the run first
        shows something (a change of /config language applies from the next quiz)."""
        found = self.languages.get(run.run_id)
        if found is None:
            found = await guild_language(self.bot.services, run.guild_id)
            self.languages[run.run_id] = found
            while len(self.languages) > self.KEEP_ROUNDS:
                self.languages.popitem(last=False)
        return found

    def _channel(self, run: RunInfo) -> discord.PartialMessageable:
        """Where the questions go: the quiz's thread, if it has one."""
        return self.bot.get_partial_messageable(
            run.thread_id or run.channel_id, guild_id=run.guild_id
        )

    def pictures(self, rnd: RoundInfo) -> Sequence[Picture]:
        """Pictures shown under a question (a MediaGallery); none yet. The hook for
        bank pictures: return `Picture(url)`s, e.g. ``attachment://`` ones."""
        return ()

    def _screen(self, run: RunInfo, rnd: RoundInfo, phase: Phase, **details: Any) -> RoundScreen:
        """Every phase of a round's message is built here, pictures included."""
        return RoundScreen(rnd, phase, run.mode, pictures=self.pictures(rnd), **details)

    def labels(self, round_id: int) -> Sequence[str]:
        """The answer buttons' labels of a round this process showed open, else ()."""
        shown = self.rounds.get(round_id)
        return shown.labels if shown is not None else ()

    def _answering(self, run: RunInfo, rnd: RoundInfo, message_id: int | None) -> _Shown:
        """Remember a round whose answers are open, with its buttons' labels."""
        labels = game_screen.answer_labels(game_screen.localize_round(rnd)[0])
        return self._remember(_Shown(run, replace(rnd, message_id=message_id), labels=labels))

    def _remember(self, shown: _Shown) -> _Shown:
        self.rounds[shown.rnd.round_id] = shown
        self.rounds.move_to_end(shown.rnd.round_id)
        while len(self.rounds) > self.KEEP_ROUNDS:
            self.rounds.popitem(last=False)
        return shown

    async def _edit(
        self,
        run: RunInfo,
        message_id: int | None,
        screen: RoundScreen,
        files: Sequence[discord.File] = (),
    ) -> bool:
        if message_id is None:
            return False
        try:
            await (
                self._channel(run)
                .get_partial_message(message_id)
                .edit(
                    view=game_screen.round_layout(screen, CONTROLS),
                    allowed_mentions=render.NO_MENTIONS,
                    **({"attachments": list(files)} if files else {}),
                )
            )
        except discord.NotFound:
            log.warning("the message of round %s is gone", screen.rnd.round_id)
            return False
        # Other errors reach the runner, which retries the passing ones (5xx, 429).
        return True

    @_in_run_language
    async def show_round(self, run: RunInfo, rnd: RoundInfo) -> int | None:
        """Post the question with its answers locked (a live quiz's get-ready beat);
        a question of the day opens at once."""
        if run.mode == "live":
            beat = self.bot.quiz_runner.get_ready
            opens = self.bot.services.clock() + timedelta(seconds=beat)
            screen = self._screen(run, rnd, Phase.GET_READY, opens_at=opens)
        else:
            screen = self._screen(run, rnd, Phase.ANSWERING)
        if screen.phase is Phase.ANSWERING:  # (clicks may come before Discord's answer)
            self._answering(run, rnd, None)
        message = await self._channel(run).send(
            view=game_screen.round_layout(screen, CONTROLS), allowed_mentions=render.NO_MENTIONS
        )
        if screen.phase is Phase.ANSWERING:
            self._answering(run, rnd, message.id)
        else:
            self._remember(_Shown(run, replace(rnd, message_id=message.id)))
        prefetch(rnd.question)  # the reveal's picture, drawn while members answer
        return message.id

    @_in_run_language
    async def open_answers(self, run: RunInfo, rnd: RoundInfo) -> None:
        """The get-ready beat is over: unlock the buttons; the countdown is the deadline."""
        shown = self.rounds.get(rnd.round_id)
        message_id = rnd.message_id or (shown.rnd.message_id if shown else None)
        screen = self._screen(run, rnd, Phase.ANSWERING)
        # Remembered first: members click as soon as they see the buttons, which can
        # be before Discord's answer to the edit reaches this process.
        self._answering(run, rnd, message_id)
        if not await self._edit(run, message_id, screen):
            # No message known (a restart before its id was kept) or it is gone: post it,
            # so members can answer; the reveal edits this one.
            message = await self._channel(run).send(
                view=game_screen.round_layout(screen, CONTROLS),
                allowed_mentions=render.NO_MENTIONS,
            )
            self._answering(run, rnd, message.id)

    @_in_run_language
    async def show_reveal(self, run: RunInfo, reveal: Reveal, *, stopped: bool = False) -> None:
        """The reveal replaces the question's buttons in the same message."""
        rnd = reveal.round
        standings = reveal.standings  # the runner's close read them
        if standings is None and run.mode == "live":
            standings = await self.bot.services.quiz.standings(rnd.round_id, run.run_id)
        for older in [
            rid
            for rid, s in self.rounds.items()
            if s.run.run_id == run.run_id and rid != rnd.round_id
        ]:
            del self.rounds[older]  # "My result" there reads the database (once a round)
        before = self.rounds.get(rnd.round_id)  # the message this process posted, if any
        message_id = (before.rnd.message_id if before else None) or rnd.message_id
        self._remember(_Shown(run, replace(rnd, message_id=message_id), reveal, standings))
        screen = self._screen(
            run, rnd, Phase.REVEALED, reveal=reveal, standings=standings, stopped=stopped
        )
        # A bank picture shows the answer, so it comes with the reveal, never before.
        picture = await reveal_picture(rnd.question)
        if picture is not None:
            screen = replace(screen, pictures=(*screen.pictures, screen_picture(picture)))
        if not await self._edit(
            run, message_id, screen, [picture_file(picture)] if picture else []
        ):
            # The question's message is gone: the reveal still reaches the channel.
            await self._channel(run).send(
                view=game_screen.round_layout(screen, CONTROLS),
                files=[picture_file(picture)] if picture else [],
                allowed_mentions=render.NO_MENTIONS,
            )

    @_in_run_language
    async def show_results(self, run: RunInfo, results: Results) -> None:
        # A stopped quiz still reveals the question that was open, and locks its buttons.
        for shown in [s for s in self.rounds.values() if s.run.run_id == run.run_id]:
            if shown.reveal is None:
                reveal = await self.bot.services.quiz.close_round(shown.rnd.round_id)
                if reveal is not None:
                    await self.show_reveal(run, reveal, stopped=True)
        channel = self.bot.get_partial_messageable(run.channel_id, guild_id=run.guild_id)
        embed = render.results_embed(run, results)
        podium = await results_podium(self.bot, results)  # beside the full results
        if podium is not None:
            embed.set_image(url=f"attachment://{podium.filename}")
        await channel.send(
            embed=embed,
            files=[picture_file(podium)] if podium else [],
            allowed_mentions=render.NO_MENTIONS,
        )
        thread_id = results.run.thread_id or run.thread_id
        if thread_id:
            await self._close_thread(run, thread_id)

    async def _close_thread(self, run: RunInfo, thread_id: int) -> None:
        """The results went back to the channel; the thread says so and is archived."""
        try:
            thread = self.bot.get_channel(thread_id) or await self.bot.fetch_channel(thread_id)
            assert isinstance(thread, discord.Thread)
            await thread.send(
                _("Quiz over: the results are in {channel}.").format(
                    channel=f"<#{run.channel_id}>"
                ),
                allowed_mentions=render.NO_MENTIONS,
            )
            await thread.edit(archived=True)
        except (discord.HTTPException, AssertionError):
            log.warning("could not archive the thread of quiz %s", run.run_id)

    async def my_result(self, round_id: int, user_id: int) -> str:
        """From memory: the reveal's standings hold everyone's place. A round from
        before a restart costs one read of its standings, then it is remembered too."""
        shown = self.rounds.get(round_id)
        if shown is not None and shown.reveal is not None:
            answer = game_screen.answer_text(game_screen.localize_reveal(shown.reveal))
            return game_screen.my_result_text(shown.standings, user_id, answer)
        found = self.earlier.get(round_id)
        if found is None:
            rnd = await self.bot.services.quiz.get_round(round_id)
            if rnd is None or not rnd.closed:
                return _("This question has not been revealed yet.")
            found = (await self.bot.services.quiz.standings(round_id), rnd.question)
            self.earlier[round_id] = found
            while len(self.earlier) > self.KEEP_ROUNDS:
                self.earlier.popitem(last=False)
        answer = game_screen.correct_text(found[1])
        return game_screen.my_result_text(found[0], user_id, answer)

    @_in_run_language
    async def show_failure(self, run: RunInfo, results: Results | None) -> None:
        await self._channel(run).send(
            _(
                "This quiz had to stop because of a problem on our side (it has been logged). "
                "The answers given so far are kept and the results follow."
            )
            if results is not None
            else _(
                "This quiz had to stop because of a problem on our side (it has been logged). "
                "The answers given so far are kept."
            ),
            embed=render.results_embed(run, results)
            if results is not None
            else discord.utils.MISSING,
            allowed_mentions=render.NO_MENTIONS,
        )

    def is_transient(self, error: BaseException) -> bool:
        return is_transient_discord(error)


KINDS = [
    app_commands.Choice(name="mixed", value="mixed"),
    app_commands.Choice(name="facts", value="facts"),
    app_commands.Choice(name="claim checks", value="claims"),
]
DIFFICULTIES = [
    app_commands.Choice(name="easy", value=1),
    app_commands.Choice(name="medium", value=2),
    app_commands.Choice(name="hard", value=3),
]


async def start_thread(
    bot: QuizBot, run: RunInfo, intro: str
) -> tuple[RunInfo, discord.Thread | None]:
    """Move a starting quiz into a thread of its own channel; the caller turns its
    announcement into the one line that points there. None: play in the channel."""
    channel = bot.get_channel(run.channel_id)
    if not isinstance(channel, discord.TextChannel):
        return run, None  # a thread already (or a channel without threads): play here
    try:
        thread = await channel.create_thread(
            name=clip(
                ngettext("Quiz · {n} question", "Quiz · {n} questions", run.question_count).format(
                    n=run.question_count
                ),
                100,
            ),
            type=discord.ChannelType.public_thread,
            auto_archive_duration=60,
        )
    except discord.HTTPException:
        log.warning("could not create a thread for quiz %s; playing in the channel", run.run_id)
        return run, None
    moved = await bot.services.quiz.set_thread(run.run_id, thread.id) or run
    await thread.send(intro, allowed_mentions=render.NO_MENTIONS)
    return moved, thread


def _no_such_topics(unknown: Sequence[str]) -> str:
    named = ", ".join(f"“{discord.utils.escape_markdown(clip(t, 40))}”" for t in unknown[:5])
    return _("No questions here carry the topic {topics}.").format(topics=named)


def quiz_intro(questions: int, seconds: int, tags: Sequence[str]) -> str:
    """The public line a quiz starts with."""
    count = ngettext(
        "{n} question, {seconds} s each.", "{n} questions, {seconds} s each.", questions
    ).format(n=questions, seconds=seconds)
    title = (
        _("**Quiz starting on {topics}!**").format(topics=clip(topic_names(tags), 200))
        if tags
        else _("**Quiz starting!**")
    )
    return f"{title} {count} " + _("Answer with the buttons; faster right answers score more.")


def parse_topics(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(t.strip().lower() for t in re.split(r"[,\s]+", text) if t.strip()))


@app_commands.guild_only()
class QuizCog(
    commands.GroupCog, group_name="quiz", group_description="Live quizzes in this channel"
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        super().__init__()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_click(interaction)

    @app_commands.command(name="start", description="Start a live quiz in this channel")
    @app_commands.describe(
        questions="How many questions (1-50, default 10)",
        topics="Topic tags, comma-separated (suggestions as you type)",
        difficulty="Only questions of this difficulty",
        kind="Facts, claim checks of the essay, or both",
        seconds="Seconds per question (5-120, default 20)",
        thread="Play in a thread of its own (default: the server's setting)",
    )
    @app_commands.choices(kind=KINDS, difficulty=DIFFICULTIES)
    async def start(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, 1, 50] | None = None,
        topics: str | None = None,
        difficulty: app_commands.Choice[int] | None = None,
        kind: app_commands.Choice[str] | None = None,
        seconds: app_commands.Range[int, 5, 120] | None = None,
        thread: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if refusal := posting_refusal(interaction, _("a quiz")):
            await reply(interaction, refusal)
            return
        settings = await self.bot.services.guilds.get(interaction.guild_id)
        in_thread = settings.quiz_in_thread if thread is None else thread
        # Public text names only the tags that matched; what else was typed stays private.
        asked = parse_topics(topics)
        async with self.bot.services.sessions() as session:
            known = await known_tags(session, interaction.guild_id, asked)
        unknown = [t for t in asked if t not in known]
        if unknown and not known:
            await reply(interaction, _no_such_topics(unknown) + " " + _("Pick one as you type."))
            return
        options = QuizOptions(
            questions=questions or settings.default_questions,
            tags=tuple(t for t in asked if t in known),
            difficulty=difficulty.value if difficulty else None,
            kind=kind.value if kind else "mixed",
            seconds=seconds or settings.default_seconds,
        )
        run = await self.bot.services.quiz.start(
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id,
            options,
            as_member=True,
        )
        with public(interaction):
            intro = quiz_intro(run.question_count, run.seconds, options.tags)
        await interaction.response.send_message(intro, allowed_mentions=render.NO_MENTIONS)
        if unknown:
            await interaction.followup.send(
                _no_such_topics(unknown) + " " + _("The quiz runs on the others."),
                ephemeral=True,
                allowed_mentions=render.NO_MENTIONS,
            )
        if in_thread:
            with public(interaction):
                run, thread = await start_thread(self.bot, run, intro)
                progress = _("Quiz in progress → {thread}")
            if thread is not None:
                await interaction.edit_original_response(
                    content=progress.format(thread=thread.mention),
                    allowed_mentions=render.NO_MENTIONS,
                )
        self.bot.quiz_runner.launch(run)

    @start.autocomplete("topics")
    async def topics_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        *done, typing = [t.strip() for t in current.split(",")] if current else [""]
        prefix = ", ".join(d for d in done if d)
        guild = interaction.guild_id or 0
        async with self.bot.services.sessions() as session:
            tags = await tag_suggestions(session, guild, typing)
            # Typed in the member's language ("окуп"): the tags whose names match.
            named = [t for t in named_like(typing, i18n.current()) if t not in tags]
            if named:
                tags += sorted(await known_tags(session, guild, named))
        # The member reads topic names in their language; the value stays the tags.
        shown = topic_names(d for d in done if d)
        choices = []
        for tag in tags[:AUTOCOMPLETE_CHOICES]:
            value = f"{prefix}, {tag}" if prefix else tag
            name = f"{shown}, {topic_names([tag])}" if shown else topic_names([tag])
            choices.append(app_commands.Choice(name=clip(name, 100), value=clip(value, 100)))
        return choices

    @app_commands.command(name="stop", description="End the quiz in this channel now")
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.channel_id is not None
        run = await self.bot.services.quiz.running_in_channel(interaction.channel_id)
        channel = interaction.channel
        if run is None and isinstance(channel, discord.Thread) and channel.parent_id:
            # Typed in the quiz's own thread: the run belongs to the thread's channel.
            found = await self.bot.services.quiz.running_in_channel(channel.parent_id)
            run = found if found is not None and found.thread_id == channel.id else None
        if run is None or run.guild_id != interaction.guild_id:
            await reply(interaction, _("No quiz is running in this channel."))
            return
        if run.started_by != interaction.user.id and not await is_moderator(
            interaction, self.bot.services
        ):
            await reply(
                interaction,
                _("Only the member who started this quiz, or a moderator, can stop it."),
            )
            return
        with public(interaction):
            stopping = _("Stopping the quiz; results follow.")
        await interaction.response.send_message(stopping, allowed_mentions=render.NO_MENTIONS)
        await self.bot.quiz_runner.stop(run.run_id)


class StatsCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="Accuracy, points, streaks and topics")
    @app_commands.describe(member="Whose stats (default: yours)")
    @app_commands.guild_only()
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        user_id = (member or interaction.user).id
        stats = await self.bot.services.stats.member(interaction.guild_id, user_id)
        await interaction.response.send_message(
            embed=render.stats_embed(stats, user_id),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(TextAnswerButton, MyResultButton)
    await bot.add_cog(QuizCog(bot))
    await bot.add_cog(StatsCog(bot))
