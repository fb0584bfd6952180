"""Every shipped item, and one at the schema's maximums, in every phase of the game
screen and in both languages (Ukrainian text runs longer): posted and edited through
discord.py, so the fake Discord refuses any breach of Components V2's limits (40
components, 4,000 characters of text, labels, custom ids)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import i18n
from bot.adapter.cogs.quiz import CONTROLS
from bot.adapter.quiz.game_screen import Phase, RoundScreen, localize_round, round_layout
from bot.adapter.render import NO_MENTIONS
from bot.core.clock import ManualClock
from bot.services.bank.questions import QuestionView, question_view
from bot.services.quiz.quiz import Reveal, RoundInfo, Standing, Standings
from db.models import Question
from tests.adapter.harness import Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

BIG_ID = 999_999_999_999_999_999  # the longest mention a member id makes
BARE_LETTER = re.compile(r"(?:^|\s)\*{0,2}[A-D][.)]\s|`[A-D]`|\*\*[A-D]\*\*")


def longest_question() -> QuestionView:
    """A question at every maximum of the item schema."""
    source = {"title": "t" * 256, "publisher": "p" * 200, "url": "https://e.org/" + "u" * 490}
    return QuestionView(
        id=1,
        guild_id=1,
        slug="longest",
        kind="multiple_choice",
        text="Q" * 1000,
        choices=[f"{i}" * 76 for i in range(4)],
        correct_index=2,
        accepted_answers=["2" * 76],
        explanation="E" * 1024,
        sources=[source] * 5,
        tags=["t" * 40] * 8,
        difficulty=3,
        as_of=date(2025, 9, 30),
        status="active",
    )


def longest_ukrainian() -> QuestionView:
    """The longest question with a Ukrainian text at every maximum too."""
    question = longest_question()
    uk = {
        "text": "Ї" * 1000,
        "choices": [f"{i}" * 76 for i in range(4)],
        "explanation": "Є" * 1024,
        "sources": [
            {"title": "т" * 256, "publisher": "в" * 200, "url": "https://e.org/" + "u" * 490}
        ]
        * 5,
    }
    return QuestionView(**{**question.__dict__, "slug": "longest-uk", "translations": {"uk": uk}})


def standings(round_id: int) -> Standings:
    everyone = [
        Standing(BIG_ID - i, i + 1, i + 2, 99_999 - i, 1_500, True, True, 12) for i in range(40)
    ]
    return Standings(round_id, everyone)


def screens(rnd: RoundInfo, clock: ManualClock) -> list[RoundScreen]:
    n = max(len(rnd.shown_choices), 1)
    reveal = Reveal(
        round=rnd,
        correct_shown=rnd.question.correct_index,
        distribution=[30] * len(rnd.shown_choices),
        answered=30 * n,
        right=[BIG_ID - i for i in range(40)],
        fastest=(BIG_ID, 1234),
    )
    opens = clock() + timedelta(seconds=3)
    return [
        RoundScreen(rnd, Phase.GET_READY, opens_at=opens),
        RoundScreen(rnd, Phase.ANSWERING),
        RoundScreen(rnd, Phase.REVEALED, reveal=reveal, standings=standings(rnd.round_id)),
        RoundScreen(rnd, Phase.REVEALED, reveal=reveal, standings=standings(rnd.round_id),
                    stopped=True),
        RoundScreen(rnd, Phase.ANSWERING, mode="qotd"),
        RoundScreen(rnd, Phase.REVEALED, mode="qotd", reveal=reveal),
    ]  # fmt: skip


async def test_every_item_renders_in_every_phase_within_discord_limits(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "quiz")
    clock = ManualClock()
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database, clock) as bot:
        async with bot.services.sessions() as session:
            rows = (await session.execute(select(Question).order_by(Question.id))).scalars().all()
        questions = [question_view(row) for row in rows if row.kind != "discussion"]
        assert len(questions) >= 100
        questions += [longest_question(), longest_ukrainian()]
        target = bot.get_partial_messageable(channel.id, guild_id=guild.id)
        cases = [(language, q) for language in ("en", "uk") for q in questions]
        for number, (language, question) in enumerate(cases, start=1):
            rnd = RoundInfo(
                round_id=number,
                run_id=1,
                number=number,
                total=len(questions),
                question=question,
                shown_choices=list(question.choices),
                started_at=clock(),
                deadline_at=clock() + timedelta(seconds=20),
            )
            first, *later = screens(rnd, clock)
            with i18n.use(language):
                shown = localize_round(rnd)[0].shown_choices
                message = await target.send(
                    view=round_layout(first, CONTROLS), allowed_mentions=NO_MENTIONS
                )
                for screen in later:
                    await message.edit(
                        view=round_layout(screen, CONTROLS), allowed_mentions=NO_MENTIONS
                    )
            posted = fake.message(message.id)
            assert len(posted.edits) == len(later), question.slug
            # Never a bare letter: the buttons carry the choices' own text.
            for version in [e.before for e in posted.edits[:2]]:
                labels = [
                    c.get("label") for c in _walk(version["components"]) if c.get("type") == 2
                ]
                if question.kind != "short_answer":
                    assert labels == [c[:79] + "…" if len(c) > 80 else c for c in shown]
            assert not BARE_LETTER.search(posted.text), (question.slug, posted.text)
            # Every shipped item speaks Ukrainian; one that does not is marked.
            marked = "(лише англійською)" in posted.text
            assert marked == (language == "uk" and question.slug == "longest"), question.slug
    fake.assert_no_rejections()


def _walk(components: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for comp in components:
        found.append(comp)
        found += _walk(comp.get("components") or [])
        if isinstance(comp.get("accessory"), dict):
            found.append(comp["accessory"])
    return found
