"""Every message the bot sends is built here, within Discord's limits.

Text that came from the bank or from users is clipped visibly instead of
being rejected by Discord in the middle of a quiz; views carry stable
custom_ids so buttons keep working across restarts.
"""

from __future__ import annotations

from datetime import datetime

import discord
from babel.numbers import format_decimal

from bot import i18n
from bot.adapter import limits, replies
from bot.adapter.limits import clip
from bot.adapter.quiz.topics import topic_name, topic_names
from bot.core.discussions.discussion_result import DiscussionResult
from bot.i18n import N_, _, format_number, ngettext
from bot.services.bank.questions import QuestionView
from bot.services.discussions.discussions import DiscussionView, SteelmanView
from bot.services.discussions.prompts import localized as localized_prompt
from bot.services.quiz.quiz import Results, RunInfo
from bot.services.quiz.stats import MemberStats

NO_MENTIONS = replies.NO_MENTIONS
QUIZ_COLOUR = discord.Colour.blurple()
RIGHT_COLOUR = discord.Colour.green()
DIFFICULTY = {1: N_("easy"), 2: N_("medium"), 3: N_("hard")}
MEDALS = ["🥇", "🥈", "🥉"]


def percent(share: float) -> str:
    """A share as a whole percentage, the language's way ("85%", "85%")."""
    return f"{share:.0%}"


def relative(ts: datetime) -> str:
    """Discord renders this as a live countdown in each reader's client."""
    return f"<t:{int(ts.timestamp())}:R>"


def source_lines(sources: list[dict[str, str]], limit: int = limits.FIELD_VALUE) -> str:
    lines = [
        f"[{clip(s.get('title') or _('source'), 120)}]({s.get('url', '')}) — "
        f"{s.get('publisher', '')}"
        for s in sources
    ]
    return clip("\n".join(lines) or "—", limit)


def question_footer(question: QuestionView) -> str:
    from bot.adapter.quiz.game_screen import as_of

    level = DIFFICULTY.get(question.difficulty)
    parts = [_(level) if level else ""]
    if question.tags:
        parts.append(topic_names(question.tags[:4]))
    if question.as_of:
        parts.append(as_of(question.as_of))
    return clip(" · ".join(p for p in parts if p), limits.FOOTER)


def results_embed(run: RunInfo, results: Results) -> discord.Embed:
    title = (
        _("Quiz stopped: results") if results.run.status == "stopped" else _("Quiz over: results")
    )
    ranking = results.ranking
    played = results.rounds_played
    if not ranking:
        return discord.Embed(
            title=title,
            description=ngettext(
                "{n} question played; nobody answered.",
                "{n} questions played; nobody answered.",
                played,
            ).format(n=played),
            colour=QUIZ_COLOUR,
        )
    podium = [
        f"{MEDALS[r.rank - 1] if r.rank <= 3 else f'{r.rank}.'} <@{r.user_id}> — "
        + _("**{points}** pts ({correct}/{answered} right)").format(
            points=format_number(r.points), correct=r.result.correct, answered=r.result.answered
        )
        for r in ranking[:3]
    ]
    embed = discord.Embed(title=title, description="\n".join(podium), colour=QUIZ_COLOUR)
    rest = [
        f"{r.rank}. <@{r.user_id}> — "
        + _("{points} pts ({correct}/{answered})").format(
            points=format_number(r.points), correct=r.result.correct, answered=r.result.answered
        )
        for r in ranking[3:]
    ]
    if rest:
        embed.add_field(name=_("Everyone else"), value=clip("\n".join(rest), limits.FIELD_VALUE))
    embed.set_footer(
        text=ngettext(
            "{n} question · ties broken by total answer time · /leaderboard for the season",
            "{n} questions · ties broken by total answer time · /leaderboard for the season",
            played,
        ).format(n=played)
    )
    return embed


def stats_embed(stats: MemberStats | None, user_id: int) -> discord.Embed:
    if stats is None:
        return discord.Embed(
            title=_("Stats"),
            description=_("{member} has not played a quiz on this server yet.").format(
                member=f"<@{user_id}>"
            ),
            colour=QUIZ_COLOUR,
        )
    embed = discord.Embed(title=_("Stats"), description=f"<@{user_id}>", colour=QUIZ_COLOUR)
    embed.add_field(
        name=_("Points"),
        value=_("{points} (rank {rank})").format(
            points=format_number(stats.points), rank=stats.rank
        ),
    )
    embed.add_field(
        name=_("Accuracy"), value=f"{percent(stats.accuracy)} ({stats.correct}/{stats.answered})"
    )
    embed.add_field(name=_("Best streak"), value=str(stats.best_streak))
    embed.add_field(name=_("Quizzes"), value=str(stats.quizzes))

    def topics(items: list) -> str:  # type: ignore[type-arg]
        return "\n".join(
            _("{topic}: {accuracy} of {answered}").format(
                topic=topic_name(t.tag), accuracy=percent(t.accuracy), answered=t.answered
            )
            for t in items
        ) or _("not enough answers yet")

    embed.add_field(name=_("Strong topics"), value=clip(topics(stats.strong), 1024), inline=False)
    embed.add_field(name=_("Weak topics"), value=clip(topics(stats.weak), 1024), inline=False)
    return embed


def practice_embed(
    question: QuestionView, shown: list[str], reason: str, *, other_language: bool = False
) -> discord.Embed:
    lines = [clip(question.text, 3000)]
    if other_language:
        lines.append("-# " + _("(English only)"))
    label = {"due": _("Back for review"), "new": _("New question"), "review": _("Extra review")}
    embed = discord.Embed(
        title=_("Practice · {reason}").format(reason=label.get(reason, reason)),
        description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=QUIZ_COLOUR,
    )
    embed.set_footer(text=question_footer(question))
    return embed


def practice_result_embed(
    question: QuestionView, correct: bool, due_in_days: float
) -> discord.Embed:
    days = round(due_in_days)
    when = (
        _("This question comes back later in this session.")
        if due_in_days < 0.01
        else ngettext(
            "This question comes back in {n} day.", "This question comes back in {n} days.", days
        ).format(n=days)
    )
    verdict = _("Right!") if correct else _("Not quite.")
    embed = discord.Embed(
        title=clip(
            verdict + " " + _("Answer: {answer}").format(answer=question.correct_text),
            limits.EMBED_TITLE,
        ),
        description=clip(question.explanation, limits.EMBED_DESCRIPTION),
        colour=RIGHT_COLOUR if correct else discord.Colour.orange(),
    )
    if question.sources:
        embed.add_field(name=_("Source"), value=source_lines(question.sources), inline=False)
    embed.set_footer(text=when)
    return embed


# -- discussions --------------------------------------------------------------

GUIDELINES = N_(
    "**How we discuss here**\n"
    "• Argue with the position, not the person.\n"
    "• Cite sources for facts; say when something is your opinion.\n"
    "• Try the steelman: write the strongest case for a view you did not pick.\n"
    "• No slurs or collective labels for groups of people."
)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Shrink the longest field values until the embed is within 6,000 characters."""
    while len(embed) > limits.EMBED_TOTAL:
        index, field = max(enumerate(embed.fields), key=lambda pair: len(pair[1].value or ""))
        value = field.value or ""
        embed.set_field_at(
            index,
            name=field.name,
            value=clip(value, max(50, len(value) - (len(embed) - limits.EMBED_TOTAL) - 1)),
            inline=field.inline,
        )
    return embed


STAGES = {
    "opening_vote": N_("opening vote"),
    "discussing": N_("discussing"),
    "final_vote": N_("final vote"),
    "ended": N_("ended"),
}


def label_of(view: DiscussionView, label: str) -> str:
    """A viewpoint's label in the current language (the prompt's own, else as given)."""
    prompt, _had = localized_prompt(view.prompt, i18n.current())
    for original, mine in zip(view.prompt.viewpoints, prompt.viewpoints, strict=False):
        if original.label == label:
            return mine.label
    return label


def discussion_embed(view: DiscussionView, now: datetime, *, ended: bool = False) -> discord.Embed:
    """The prompt and its viewpoints side by side (inline fields stack on phones).
    Once `ended`, the vote schedule and stage give way to a pointer to the result."""
    prompt, had_language = localized_prompt(view.prompt, i18n.current())
    other_language = not had_language
    lines = [clip(prompt.context, 1500)] if prompt.context else []
    windows = view.windows
    if other_language:
        lines.append(_("(English only)"))
    if ended:
        lines.append("\n" + _("**This discussion has ended.** The result is posted below."))
    else:
        lines.append(
            "\n"
            + _(
                "**Opening vote** until {opening_closes} · **final vote** from {final_opens} · "
                "ends {ends}"
            ).format(
                opening_closes=relative(windows.before_closes),
                final_opens=relative(windows.after_opens),
                ends=relative(view.closes_at),
            )
        )
        lines.append(_("Votes stay private until the end. No viewpoint is declared right."))
    embed = discord.Embed(
        title=clip(prompt.question, limits.EMBED_TITLE),
        description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    inline = len(prompt.viewpoints) <= 3
    for vp in prompt.viewpoints:
        parts = [
            vp.stance,
            _("**Strongest argument:** {argument}").format(argument=vp.argument),
            _("**Held by:** {held_by}").format(held_by=vp.held_by),
        ]
        if vp.source:
            parts.append(source_lines([vp.source], 300))
        embed.add_field(
            name=clip(vp.label, limits.FIELD_NAME),
            value=clip("\n".join(parts), limits.FIELD_VALUE),
            inline=inline,
        )
    stage = _("ended") if ended else _(STAGES.get(view.stage(now).value, view.stage(now).value))
    embed.set_footer(
        text=_("Discussion #{number} · stage: {stage}").format(number=view.run_id, stage=stage)
    )
    return fit_embed(embed)


def discussion_result_embed(
    view: DiscussionView, result: DiscussionResult, text: str, best: list[SteelmanView]
) -> discord.Embed:
    prompt, _had = localized_prompt(view.prompt, i18n.current())
    embed = discord.Embed(
        title=clip(_("Result: {question}").format(question=prompt.question), limits.EMBED_TITLE),
        description=clip(text, limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    for steel in best[:3]:
        rating = (
            ngettext("{mean}/5 from {n} rating", "{mean}/5 from {n} ratings", steel.ratings).format(
                mean=format_decimal(steel.mean_rating, format="0.0", locale=i18n.current()),
                n=steel.ratings,
            )
            if steel.mean_rating
            else _("unrated")
        )
        embed.add_field(
            name=clip(
                _("Steelman for “{label}” ({rating})").format(
                    label=label_of(view, steel.label), rating=rating
                ),
                limits.FIELD_NAME,
            ),
            value=clip(f"{steel.text}\n— <@{steel.user_id}>", limits.FIELD_VALUE),
            inline=False,
        )
    embed.set_image(url="attachment://result.png")
    embed.set_footer(text=_("Shares are of each vote's own voters. Nobody is declared right."))
    return fit_embed(embed)


def steelman_embed(steel: SteelmanView, view: DiscussionView | None = None) -> discord.Embed:
    label = label_of(view, steel.label) if view is not None else steel.label
    embed = discord.Embed(
        title=clip(_("Steelman for “{label}”").format(label=label), limits.EMBED_TITLE),
        description=clip(steel.text, limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    embed.add_field(name=_("Written by"), value=f"<@{steel.user_id}>")
    embed.set_footer(text=_("Rate how strong the case is (1-5); your rating stays private."))
    return embed
