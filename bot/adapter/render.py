"""Every message the bot sends is built here, within Discord's limits.

Text that came from the bank or from users is clipped visibly instead of
being rejected by Discord in the middle of a quiz; views carry stable
custom_ids so buttons keep working across restarts.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.adapter import limits, replies
from bot.adapter.limits import clip
from bot.core.discussion_result import DiscussionResult
from bot.services.discussions import DiscussionView, SteelmanView
from bot.services.questions import QuestionView
from bot.services.quiz import Results, RunInfo
from bot.services.stats import BoardRow, MemberStats

NO_MENTIONS = replies.NO_MENTIONS
QUIZ_COLOUR = discord.Colour.blurple()
RIGHT_COLOUR = discord.Colour.green()
DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
MEDALS = ["🥇", "🥈", "🥉"]


def relative(ts: datetime) -> str:
    """Discord renders this as a live countdown in each reader's client."""
    return f"<t:{int(ts.timestamp())}:R>"


def source_lines(sources: list[dict[str, str]], limit: int = limits.FIELD_VALUE) -> str:
    lines = [
        f"[{clip(s.get('title', 'source'), 120)}]({s.get('url', '')}) — {s.get('publisher', '')}"
        for s in sources
    ]
    return clip("\n".join(lines) or "—", limit)


def question_footer(question: QuestionView) -> str:
    parts = [DIFFICULTY.get(question.difficulty, "")]
    if question.tags:
        parts.append(", ".join(question.tags[:4]))
    if question.as_of:
        parts.append(f"as of {question.as_of.day} {question.as_of:%B %Y}")
    return clip(" · ".join(p for p in parts if p), limits.FOOTER)


def results_embed(run: RunInfo, results: Results) -> discord.Embed:
    title = "Quiz stopped: results" if results.run.status == "stopped" else "Quiz over: results"
    ranking = results.ranking
    if not ranking:
        return discord.Embed(
            title=title,
            description=f"{results.rounds_played} question(s) played; nobody answered.",
            colour=QUIZ_COLOUR,
        )
    podium = [
        f"{MEDALS[r.rank - 1] if r.rank <= 3 else f'{r.rank}.'} <@{r.user_id}> — "
        f"**{r.points}** pts ({r.result.correct}/{r.result.answered} right)"
        for r in ranking[:3]
    ]
    embed = discord.Embed(title=title, description="\n".join(podium), colour=QUIZ_COLOUR)
    rest = [
        f"{r.rank}. <@{r.user_id}> — {r.points} pts ({r.result.correct}/{r.result.answered})"
        for r in ranking[3:]
    ]
    if rest:
        embed.add_field(name="Everyone else", value=clip("\n".join(rest), limits.FIELD_VALUE))
    embed.set_footer(
        text=f"{results.rounds_played} question(s) · ties broken by total answer time · "
        "/leaderboard for the season"
    )
    return embed


def leaderboard_embed(rows: list[BoardRow], period: str) -> discord.Embed:
    names = {"week": "this week", "month": "this month", "all": "all time"}
    title = f"Leaderboard — {names.get(period, period)}"
    if not rows:
        return discord.Embed(
            title=title,
            description="No scores yet. Start one with /quiz start.",
            colour=QUIZ_COLOUR,
        )
    lines = [
        f"{MEDALS[r.rank - 1] if r.rank <= 3 else f'{r.rank}.'} <@{r.user_id}> — **{r.points}** "
        f"pts · {r.correct}/{r.answered} right"
        for r in rows
    ]
    return discord.Embed(title=title, description="\n".join(lines), colour=QUIZ_COLOUR)


def stats_embed(stats: MemberStats | None, user_id: int) -> discord.Embed:
    if stats is None:
        return discord.Embed(
            title="Stats",
            description=f"<@{user_id}> has not played a quiz on this server yet.",
            colour=QUIZ_COLOUR,
        )
    embed = discord.Embed(title="Stats", description=f"<@{user_id}>", colour=QUIZ_COLOUR)
    embed.add_field(name="Points", value=f"{stats.points} (rank {stats.rank})")
    embed.add_field(
        name="Accuracy", value=f"{stats.accuracy:.0%} ({stats.correct}/{stats.answered})"
    )
    embed.add_field(name="Best streak", value=str(stats.best_streak))
    embed.add_field(name="Quizzes", value=str(stats.quizzes))

    def topics(items: list) -> str:  # type: ignore[type-arg]
        return (
            "\n".join(f"{t.tag}: {t.accuracy:.0%} of {t.answered}" for t in items)
            or "not enough answers yet"
        )

    embed.add_field(name="Strong topics", value=clip(topics(stats.strong), 1024), inline=False)
    embed.add_field(name="Weak topics", value=clip(topics(stats.weak), 1024), inline=False)
    return embed


def practice_embed(question: QuestionView, shown: list[str], reason: str) -> discord.Embed:
    lines = [clip(question.text, 3000)]
    label = {"due": "Back for review", "new": "New question", "review": "Extra review"}
    embed = discord.Embed(
        title=f"Practice · {label.get(reason, reason)}",
        description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=QUIZ_COLOUR,
    )
    embed.set_footer(text=question_footer(question))
    return embed


def practice_result_embed(
    question: QuestionView, correct: bool, due_in_days: float
) -> discord.Embed:
    when = "later in this session" if due_in_days < 0.01 else f"in {due_in_days:.0f} day(s)"
    embed = discord.Embed(
        title=clip(
            ("Right! " if correct else "Not quite. ") + f"Answer: {question.correct_text}",
            limits.EMBED_TITLE,
        ),
        description=clip(question.explanation, limits.EMBED_DESCRIPTION),
        colour=RIGHT_COLOUR if correct else discord.Colour.orange(),
    )
    if question.sources:
        embed.add_field(name="Source", value=source_lines(question.sources), inline=False)
    embed.set_footer(text=f"This question comes back {when}.")
    return embed


# -- discussions --------------------------------------------------------------

GUIDELINES = (
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


def discussion_embed(view: DiscussionView, now: datetime, *, ended: bool = False) -> discord.Embed:
    """The prompt and its viewpoints side by side (inline fields stack on phones).
    Once `ended`, the vote schedule and stage give way to a pointer to the result."""
    prompt = view.prompt
    lines = [clip(prompt.context, 1500)] if prompt.context else []
    windows = view.windows
    if ended:
        lines.append("\n**This discussion has ended.** The result is posted below.")
    else:
        lines.append(
            f"\n**Opening vote** until {relative(windows.before_closes)} · "
            f"**final vote** from {relative(windows.after_opens)} · "
            f"ends {relative(view.closes_at)}"
        )
        lines.append("Votes stay private until the end. No viewpoint is declared right.")
    embed = discord.Embed(
        title=clip(prompt.question, limits.EMBED_TITLE),
        description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    inline = len(prompt.viewpoints) <= 3
    for vp in prompt.viewpoints:
        parts = [vp.stance, f"**Strongest argument:** {vp.argument}", f"**Held by:** {vp.held_by}"]
        if vp.source:
            parts.append(source_lines([vp.source], 300))
        embed.add_field(
            name=clip(vp.label, limits.FIELD_NAME),
            value=clip("\n".join(parts), limits.FIELD_VALUE),
            inline=inline,
        )
    stage = "ended" if ended else view.stage(now).value.replace("_", " ")
    embed.set_footer(text=f"Discussion #{view.run_id} · stage: {stage}")
    return fit_embed(embed)


def discussion_result_embed(
    view: DiscussionView, result: DiscussionResult, text: str, best: list[SteelmanView]
) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"Result: {view.prompt.question}", limits.EMBED_TITLE),
        description=clip(text, limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    for steel in best[:3]:
        rating = (
            f"{steel.mean_rating:.1f}/5 from {steel.ratings}" if steel.mean_rating else "unrated"
        )
        embed.add_field(
            name=clip(f"Steelman for “{steel.label}” ({rating})", limits.FIELD_NAME),
            value=clip(f"{steel.text}\n— <@{steel.user_id}>", limits.FIELD_VALUE),
            inline=False,
        )
    embed.set_image(url="attachment://result.png")
    embed.set_footer(text="Shares are of each vote's own voters. Nobody is declared right.")
    return fit_embed(embed)


def steelman_embed(steel: SteelmanView) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"Steelman for “{steel.label}”", limits.EMBED_TITLE),
        description=clip(steel.text, limits.EMBED_DESCRIPTION),
        colour=discord.Colour.dark_teal(),
    )
    embed.add_field(name="Written by", value=f"<@{steel.user_id}>")
    embed.set_footer(text="Rate how strong the case is (1-5); your rating stays private.")
    return embed
