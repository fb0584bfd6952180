"""The live game screen: one Components V2 message per question, edited through its phases.

get ready    the question and its choices, buttons locked, "answers open <t:…:R>"
answering    the same, buttons open, "closes <t:…:R>"
revealed     the right choice marked, the answers as bars by choice text, the
             explanation and sources, who was right and fastest, the top 5 with
             their movement, and a "My result" button

Everything a member reads names a choice by its text, never by a letter. The
layout is built from plain values; the buttons themselves (persistent dynamic
items) come from the quiz cog through `Controls`, so this module only lays out.
A picture (a `MediaGallery`) can be plugged in with `RoundScreen.pictures`.

Discord allows at most 40 components and 4,000 characters of text in such a
message; `fit_texts` shrinks the longest texts until the screen fits, so a long
bank item is clipped visibly instead of being refused in the middle of a quiz.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

import discord
from babel.dates import format_date
from babel.numbers import format_decimal

from bot import i18n
from bot.adapter.limits import BUTTON_LABEL, clip
from bot.adapter.quiz.topics import topic_names
from bot.i18n import N_, _, format_number, ngettext
from bot.services.bank.questions import QuestionView, localized
from bot.services.quiz.quiz import Reveal, RoundInfo, Standing, Standings

V2_TEXT = 4000  # text display content, all of a message together
V2_COMPONENTS = 40
BAR_WIDTH = 10
DIFFICULTY = {1: N_("easy"), 2: N_("medium"), 3: N_("hard")}
# Verdict buttons are the bank's English words, shown through the catalog.
VERDICT_WORDS = (
    N_("True"),
    N_("False"),
    N_("Accurate"),
    N_("Partly accurate"),
    N_("Inaccurate"),
    N_("Unverifiable"),
    N_("Opinion"),
)
VERDICT_KINDS = ("true_false", "claim_check")
QUIZ_ACCENT = discord.Colour.blurple()
REVEAL_ACCENT = discord.Colour.green()
STOPPED_ACCENT = discord.Colour.dark_grey()


class Phase(StrEnum):
    GET_READY = "get_ready"
    ANSWERING = "answering"
    REVEALED = "revealed"


@dataclass(frozen=True)
class Picture:
    """An image shown under the question (a URL or ``attachment://name``)."""

    url: str
    description: str | None = None


@dataclass(frozen=True)
class RoundScreen:
    rnd: RoundInfo
    phase: Phase
    mode: str = "live"  # live | qotd
    opens_at: datetime | None = None  # get ready: when the answers unlock
    reveal: Reveal | None = None
    standings: Standings | None = None
    stopped: bool = False  # revealed because the quiz was stopped
    pictures: Sequence[Picture] = field(default_factory=tuple)

    @property
    def last(self) -> bool:
        return self.rnd.number >= self.rnd.total or self.stopped


@dataclass(frozen=True)
class Controls:
    """Makes the screen's buttons; the quiz cog supplies its persistent items."""

    answer: Callable[[int, int, str, bool], discord.ui.Item[discord.ui.LayoutView]]
    text_answer: Callable[[int, bool], discord.ui.Item[discord.ui.LayoutView]]
    my_result: Callable[[int], discord.ui.Item[discord.ui.LayoutView]]


# -- text pieces ---------------------------------------------------------------------


def relative(ts: datetime) -> str:
    """Discord renders this as a live countdown in each reader's client."""
    return f"<t:{int(ts.timestamp())}:R>"


def plain(text: str) -> str:
    """Bank or upload text shown as written, not as markdown."""
    return discord.utils.escape_markdown(text or "")


def as_of(day: object) -> str:
    """ "as of 3 June 2022", the date written the language's way (Babel)."""
    return _("as of {date}").format(date=format_date(day, "d MMMM y", locale=i18n.current()))


def seconds(ms: int) -> str:
    """Elapsed time in seconds with one decimal, the language's way ("2.1", "2,1")."""
    return format_decimal(ms / 1000, format="0.0", locale=i18n.current())


def header(rnd: RoundInfo, mode: str, *, other_language: bool = False) -> str:
    question = rnd.question
    title = (
        _("Question of the day")
        if mode == "qotd"
        else _("Question {number} of {total}").format(number=rnd.number, total=rnd.total)
    )
    level = DIFFICULTY.get(question.difficulty)
    parts = [title, _(level) if level else ""]
    if question.tags:
        parts.append(topic_names(question.tags[:4]))
    if question.as_of:
        parts.append(as_of(question.as_of))
    if other_language:
        parts.append(_("(English only)"))
    return "-# " + " · ".join(p for p in parts if p)


def prompt_line(question: QuestionView) -> str:
    lead = {
        "true_false": _("True or false?"),
        "claim_check": _("Claim check: how accurate is this?"),
        "short_answer": _("Type your answer."),
    }.get(question.kind)
    return f"-# {lead}" if lead else ""


def localize_question(question: QuestionView) -> tuple[QuestionView, bool]:
    """The question in the current language, verdict buttons included, and whether
    its item had that language (else the caller shows the "(English only)" mark)."""
    shown, had = localized(question, i18n.current())
    if shown.kind in VERDICT_KINDS:
        shown = replace(shown, choices=[_(c) for c in shown.choices])
    return shown, had


def localize_round(rnd: RoundInfo) -> tuple[RoundInfo, bool]:
    """The round in the current language (`i18n.use`), and whether its item had it.
    The answer keeps its position: only the words change; verdicts come from the catalog."""
    question, had = localize_question(rnd.question)
    choices = question.choices
    original = rnd.question.choices
    order = [original.index(t) if t in original else i for i, t in enumerate(rnd.shown_choices)]
    shown = [choices[i] if i < len(choices) else rnd.shown_choices[n] for n, i in enumerate(order)]
    return replace(rnd, question=question, shown_choices=shown), had


def correct_text(question: QuestionView) -> str:
    """The right answer's words in the current language."""
    return localize_question(question)[0].correct_text


def localize_reveal(reveal: Reveal) -> Reveal:
    return replace(reveal, round=localize_round(reveal.round)[0])


def bar(count: int, most: int) -> str:
    if not count:
        return "·"
    return "▇" * max(1, round(BAR_WIDTH * count / max(most, 1)))


def distribution_lines(reveal: Reveal) -> list[str]:
    """Each choice by its text: marked right or not, with its bar and count."""
    rnd = reveal.round
    most = max(reveal.distribution or [0]) or 1
    lines = []
    for i, text in enumerate(rnd.shown_choices):
        count = reveal.distribution[i] if i < len(reveal.distribution) else 0
        mark = "✅" if i == reveal.correct_shown else "▫️"
        name = f"**{plain(text)}**" if i == reveal.correct_shown else plain(text)
        lines.append(f"{mark} {name} `{bar(count, most)}` {count}")
    return lines


def right_line(reveal: Reveal) -> str:
    if not reveal.answered:
        return _("Nobody answered this one.")
    names = ", ".join(f"<@{u}>" for u in reveal.right[:15]) or _("nobody")
    if len(reveal.right) > 15:
        more = len(reveal.right) - 15
        names += ngettext(" and {n} more", " and {n} more", more).format(n=more)
    text = _("**Right:** {right} of {answered} · {names}").format(
        right=len(reveal.right), answered=reveal.answered, names=names
    )
    if reveal.fastest:
        user, ms = reveal.fastest
        text += "\n" + _("**Fastest:** {member} in {seconds} s").format(
            member=f"<@{user}>", seconds=seconds(ms)
        )
    return text


def movement(standing: Standing) -> str:
    if standing.previous_place is None:
        return _("new")
    change = standing.previous_place - standing.place
    if change > 0:
        return f"▲{change}"
    if change < 0:
        return f"▼{-change}"
    return "="


def standings_text(standings: Standings) -> str:
    lines = [_("**Standings**")]
    for s in standings.top:
        points = ngettext("{points} pts", "{points} pts", s.points).format(
            points=format_number(s.points)
        )
        lines.append(f"{s.place}. <@{s.user_id}> · {points} · {movement(s)}")
    if len(standings.everyone) > len(standings.top):
        players = len(standings.everyone)
        lines.append(
            "-# "
            + ngettext(
                "{n} player · press My result for your place",
                "{n} players · press My result for your place",
                players,
            ).format(n=players)
        )
    return "\n".join(lines)


def source_lines(sources: list[dict[str, str]]) -> str:
    lines = []
    for s in sources[:3]:
        title = clip(plain(s.get("title") or _("source")), 120)
        url, publisher = s.get("url", ""), plain(s.get("publisher", ""))
        linked = f"[{title}](<{url}>)" if url else title
        lines.append(
            "-# "
            + _("Source: {source}").format(source=linked)
            + (f" — {publisher}" if publisher else "")
        )
    return "\n".join(lines)


def answer_text(reveal: Reveal) -> str:
    question = reveal.round.question
    if reveal.correct_shown is not None:
        return reveal.round.shown_choices[reveal.correct_shown]
    return " / ".join(question.accepted_answers[:3])


def ordinal(n: int) -> str:
    """A place: "23rd", "1,234th"; Ukrainian "23-й" (the game screen and /leaderboard)."""
    if i18n.current() != "en":
        return _("{n}th").format(n=format_number(n))  # Ukrainian: "{n}-й"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def my_result_text(standings: Standings | None, user_id: int, reveal_answer: str | None) -> str:
    """The private line behind "My result": right or wrong, points, streak, place."""
    mine = standings.of(user_id) if standings else None
    if standings is None or mine is None:
        return _(
            "You have not answered in this quiz yet: answer the next question to join. "
            "Your result will show here."
        )
    place = _("You are **{place}** of {players}").format(
        place=ordinal(mine.place), players=len(standings.everyone)
    )
    moved = movement(mine)
    if mine.previous_place is not None and moved != "=":
        place += f" ({moved})"
    if not mine.answered:
        verdict = _("You did not answer this question.")
    elif mine.correct:
        verdict = ngettext(
            "✅ Right! **+{points}** point.", "✅ Right! **+{points}** points.", mine.gained
        ).format(points=format_number(mine.gained))
        if mine.streak > 1:
            verdict += " " + ngettext(
                "Streak: {n} in a row.", "Streak: {n} in a row.", mine.streak
            ).format(n=mine.streak)
    elif reveal_answer:
        verdict = _("❌ Not this time: the answer was **{answer}**.").format(
            answer=plain(reveal_answer)
        )
    else:
        verdict = _("❌ Not this time.")
    total = ngettext("{place} with {points} point.", "{place} with {points} points.", mine.points)
    return verdict + "\n" + total.format(place=place, points=format_number(mine.points))


# -- fitting ---------------------------------------------------------------------------


@dataclass
class _Text:
    content: str
    shrinkable: bool = True


def fit_texts(texts: list[_Text], budget: int = V2_TEXT) -> None:
    """Shrink the longest shrinkable text until all of them fit Discord's 4,000."""
    while sum(len(t.content) for t in texts) > budget:
        candidates = [t for t in texts if t.shrinkable and len(t.content) > 60]
        if not candidates:
            break
        longest = max(candidates, key=lambda t: len(t.content))
        over = sum(len(t.content) for t in texts) - budget
        longest.content = clip(longest.content, max(60, len(longest.content) - over))


# -- the layout ------------------------------------------------------------------------


def round_layout(screen: RoundScreen, controls: Controls) -> discord.ui.LayoutView:
    """The whole message for one phase of one question."""
    rnd, had_language = localize_round(screen.rnd)
    other_language = not had_language
    question, phase = rnd.question, screen.phase
    if screen.reveal is not None:
        screen = replace(screen, rnd=rnd, reveal=replace(screen.reveal, round=rnd))
    else:
        screen = replace(screen, rnd=rnd)
    view = discord.ui.LayoutView(timeout=None)
    revealed = phase is Phase.REVEALED and screen.reveal is not None
    accent = REVEAL_ACCENT if revealed else QUIZ_ACCENT
    if screen.stopped:
        accent = STOPPED_ACCENT

    top = _Text(
        f"{header(rnd, screen.mode, other_language=other_language)}\n**{plain(question.text)}**"
    )
    lead = prompt_line(question)
    if lead:
        top.content += f"\n{lead}"
    texts: list[_Text] = [top]

    timing: _Text | None = None
    if phase is Phase.GET_READY:
        when = relative(screen.opens_at) if screen.opens_at else _("in a moment")
        timing = _Text(_("⏳ Get ready: answers open {when}").format(when=when), shrinkable=False)
    elif phase is Phase.ANSWERING:
        timing = _Text(
            _("⏱️ Closes {when}").format(when=relative(rnd.deadline_at)), shrinkable=False
        )

    body: list[_Text] = []
    footer: _Text | None = None
    if revealed:
        reveal = screen.reveal
        assert reveal is not None
        if question.kind == "short_answer":
            body.append(_Text(f"✅ **{plain(answer_text(reveal))}**"))
        else:
            body.append(_Text("\n".join(distribution_lines(reveal))))
        explanation = plain(question.explanation)
        answer = _("**Answer: {answer}**").format(answer=plain(answer_text(reveal)))
        body.append(_Text(f"{answer}\n{explanation}"))
        if question.sources:
            body.append(_Text(source_lines(question.sources)))
        body.append(_Text(right_line(reveal)))
        if screen.standings is not None and screen.standings.everyone:
            body.append(_Text(standings_text(screen.standings), shrinkable=False))
        if screen.stopped:
            footer = _Text("-# " + _("The quiz was stopped: results below."), shrinkable=False)
        elif screen.mode == "live":
            footer = _Text(
                "-# " + _("That was the last question: results below.")
                if screen.last
                else "-# " + _("Next question in a few seconds."),
                shrinkable=False,
            )

    every = [*texts, *([timing] if timing else []), *body, *([footer] if footer else [])]
    fit_texts(every)

    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(
        accent_colour=accent
    )
    container.add_item(discord.ui.TextDisplay(top.content))
    if screen.pictures:
        container.add_item(
            discord.ui.MediaGallery(
                *[
                    discord.MediaGalleryItem(p.url, description=p.description)
                    for p in screen.pictures[:10]
                ]
            )
        )
    if not revealed:
        _add_answer_controls(container, screen, controls, enabled=phase is Phase.ANSWERING)
        if timing is not None:
            container.add_item(discord.ui.TextDisplay(timing.content))
    else:
        container.add_item(discord.ui.Separator())
        for piece in body:
            container.add_item(discord.ui.TextDisplay(piece.content))
        if footer is not None:
            container.add_item(discord.ui.TextDisplay(footer.content))
        if screen.mode == "live":
            row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
            row.add_item(controls.my_result(rnd.round_id))
            container.add_item(row)
    view.add_item(container)
    return view


def _add_answer_controls(
    container: discord.ui.Container[discord.ui.LayoutView],
    screen: RoundScreen,
    controls: Controls,
    *,
    enabled: bool,
) -> None:
    rnd, question = screen.rnd, screen.rnd.question
    if question.kind == "short_answer":
        row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
        row.add_item(controls.text_answer(rnd.round_id, not enabled))
        container.add_item(row)
        return
    if question.kind in VERDICT_KINDS:
        # Verdicts are short words: one row of buttons, each named by its word.
        row = discord.ui.ActionRow()
        for i, label in enumerate(answer_labels(rnd)):
            row.add_item(controls.answer(rnd.round_id, i, label, not enabled))
        container.add_item(row)
        return
    # Choices are whole phrases: one per row, each button carries its choice's text.
    for i, label in enumerate(answer_labels(rnd)):
        row = discord.ui.ActionRow()
        row.add_item(controls.answer(rnd.round_id, i, label, not enabled))
        container.add_item(row)


def answer_labels(rnd: RoundInfo) -> list[str]:
    """The answer buttons' labels by position (a button label is at most 80 characters);
    `rnd` as `localize_round` gives it, in the language the buttons are shown in."""
    return [clip(text, BUTTON_LABEL) for text in rnd.shown_choices]


def screen_payload_size(view: discord.ui.LayoutView) -> tuple[int, int]:
    """(components in all, characters of text in all): what Discord counts."""
    count = text = 0
    for item in view.walk_children():
        count += 1
        if isinstance(item, discord.ui.TextDisplay):
            text += len(item.content)
    return count, text
