"""Quotas counted on both databases, inside the transaction that would pass them."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.bank.items import BaseItem, parse_item
from bot.core.clock import ManualClock
from bot.core.quotas import QuotaExceeded
from bot.i18n import use
from bot.services.bank.bank import import_items
from bot.services.discussions.discussions import DiscussionService
from bot.services.quiz.quiz import QuizOptions, QuizService
from bot.services.quotas import QuotaService, check_question_room
from db.models import AuditEntry
from tests.factories import SOURCE, mcq

GUILD, OTHER = 93_000_000_000_000_001, 93_000_000_000_000_002
OLENA, PETRO, OWNER = 21, 22, 23


def prompt(slug: str) -> BaseItem:
    return parse_item(
        {
            "id": slug,
            "kind": "discussion",
            "question": f"How should the city be rebuilt ({slug})?",
            "tags": ["rebuilding"],
            "paragraph": None,
            "sources": [SOURCE],
            "viewpoints": [
                {
                    "label": label,
                    "position": f"{label} is the position held.",
                    "argument": f"The best case for {label.lower()}.",
                    "held_by": "A named body, as reported by a named outlet",
                    "source": SOURCE,
                }
                for label in ("Rebuild", "Relocate")
            ],
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def test_quiz_starts_per_member_per_server_and_the_cooldown(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"q-{i}") for i in range(3)], rng=random.Random(1))
    quiz = QuizService(sessions, clock, random.Random(7))
    options = QuizOptions(questions=2)

    await quiz.start(GUILD, 1, OLENA, options, as_member=True)
    with pytest.raises(QuotaExceeded, match=r"Please wait 30 s more .*`quiz_cooldown`"):
        await quiz.start(GUILD, 2, OLENA, options, as_member=True)
    clock.advance(seconds=12)
    with pytest.raises(QuotaExceeded, match="Please wait 18 s more"):
        await quiz.start(GUILD, 2, OLENA, options, as_member=True)
    await quiz.start(GUILD, 2, PETRO, options, as_member=True)  # the cooldown is per member
    clock.advance(seconds=19)
    await quiz.start(GUILD, 3, OLENA, options, as_member=True)
    clock.advance(minutes=1)
    with pytest.raises(
        QuotaExceeded, match=r"that one member started: 2\. You have 2 quizzes running"
    ):
        await quiz.start(GUILD, 4, OLENA, options, as_member=True)
    await quiz.start(OTHER, 4, OLENA, options, as_member=True)  # per server

    quotas = QuotaService(sessions)
    await quotas.set_limit(GUILD, OWNER, "quizzes_per_server", 3)
    with pytest.raises(
        QuotaExceeded, match=r"running at once on this server: 3\. 3 are running now"
    ):
        await quiz.start(GUILD, 5, OWNER, options, as_member=True)
    # Schedules are the moderators' plan: not refused, but they count.
    assert (await quiz.start(GUILD, 6, None, options)).run_id


async def test_discussions_per_member_channel_server_and_the_cooldown(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [prompt(f"p-{i}") for i in range(2)])
    talks = DiscussionService(sessions, clock, random.Random(3))
    hours = timedelta(hours=1)

    async def start(channel: int, member: int) -> None:
        await talks.start(GUILD, channel, member, None, hours, as_member=True)
        clock.advance(minutes=2)  # past the cooldown

    for member in (OLENA, PETRO, OWNER):
        await start(1, member)
    with pytest.raises(
        QuotaExceeded, match=r"open discussions in one channel: 3\. 3 are open in this channel"
    ):
        await start(1, 24)
    await start(2, OLENA)
    await start(3, OLENA)
    with pytest.raises(QuotaExceeded, match=r"one member started: 3\. You have 3 discussions open"):
        await start(4, OLENA)
    await talks.start(GUILD, 4, PETRO, None, hours, as_member=True)
    with pytest.raises(QuotaExceeded, match=r"Please wait 60 s more .*`discussion_cooldown`"):
        await talks.start(GUILD, 5, PETRO, None, hours, as_member=True)

    await QuotaService(sessions).set_limit(GUILD, OWNER, "discussions_per_server", 6)
    with pytest.raises(QuotaExceeded, match=r"open discussions on this server: 6\. 6 are open now"):
        await start(5, 25)


async def test_two_starts_at_the_same_instant_count_each_other(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"q-{i}") for i in range(3)], rng=random.Random(1))
    quiz = QuizService(sessions, clock, random.Random(7))
    await QuotaService(sessions).set_limit(GUILD, OWNER, "quizzes_per_server", 1)
    outcomes = await asyncio.gather(
        *(
            quiz.start(GUILD, c, m, QuizOptions(questions=1), as_member=True)
            for c, m in ((1, 31), (2, 32))
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(o, QuotaExceeded) for o in outcomes) == 1, outcomes


async def test_questions_per_server_counts_only_the_servers_own(sessions) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq(f"bank-{i}") for i in range(5)])  # shipped: no limit
    await import_items(sessions, [mcq(f"own-{i}") for i in range(3)], guild_id=GUILD)
    quotas = QuotaService(sessions)
    await quotas.set_limit(GUILD, OWNER, "questions_per_server", 4)
    await quotas.check_question_room(GUILD, 1)
    with pytest.raises(QuotaExceeded) as refused:
        await quotas.check_question_room(GUILD, 2)
    assert "questions of this server's own: 4. This server has 3, so 2 new questions" in str(
        refused.value
    )
    assert "(room for 1). Nothing was added." in str(refused.value)
    async with sessions() as session:
        await check_question_room(session, OTHER, 4)  # another server has room
        await check_question_room(session, 0, 10**6)  # the shipped bank has no limit


async def test_an_owner_changes_a_limit_and_it_is_audited(sessions) -> None:  # type: ignore[no-untyped-def]
    quotas = QuotaService(sessions)
    assert (await quotas.limits(GUILD))["quiz_cooldown"] == 30
    changed = await quotas.set_limit(GUILD, OWNER, "quiz_cooldown", 10)
    assert changed["quiz_cooldown"] == 10 and (await quotas.limits(GUILD))["quiz_cooldown"] == 10
    assert (await quotas.limits(OTHER))["quiz_cooldown"] == 30
    with pytest.raises(QuotaExceeded, match="outside them"):
        await quotas.set_limit(GUILD, OWNER, "quiz_cooldown", 4)
    await quotas.set_limit(GUILD, OWNER, "quiz_cooldown", None)  # back to the default
    assert (await quotas.limits(GUILD))["quiz_cooldown"] == 30
    async with sessions() as session:
        entries = (
            (
                await session.execute(
                    select(AuditEntry.detail).where(AuditEntry.action == "settings.limits")
                )
            )
            .scalars()
            .all()
        )
    assert entries == [
        {"limit": "quiz_cooldown", "before": None, "after": 10},
        {"limit": "quiz_cooldown", "before": 10, "after": None},
    ]


async def test_refusals_in_ukrainian_name_the_limit_with_its_plural(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    """One/few/many: 1 вікторина, 2 вікторини, 5 вікторин; numbers the Ukrainian way."""
    await import_items(sessions, [mcq(f"q-{i}") for i in range(3)], rng=random.Random(1))
    quiz = QuizService(sessions, clock, random.Random(7))
    quotas = QuotaService(sessions)
    refusals = {}
    for limit in (1, 2, 5):
        guild = GUILD + limit
        await quotas.set_limit(guild, OWNER, "quizzes_per_member", limit)
        for channel in range(limit):
            await quiz.start(
                guild, limit * 100 + channel, OLENA, QuizOptions(questions=1), as_member=True
            )
            clock.advance(minutes=1)
        with use("uk"), pytest.raises(QuotaExceeded) as refused:
            await quiz.start(
                guild, limit * 100 + 99, OLENA, QuizOptions(questions=1), as_member=True
            )
        refusals[limit] = str(refused.value)
    assert refusals[1].startswith(
        "Досягнуто ліміту: одночасних вікторин, розпочатих одним учасником: 1. "
        "У вас уже йде 1 вікторина. Зачекайте, поки одна з них завершиться"
    )
    assert "У вас уже йдуть 2 вікторини." in refusals[2]
    assert "У вас уже йде 5 вікторин." in refusals[5]
    assert "(`quizzes_per_member`, до 10)." in refusals[5]

    await import_items(sessions, [mcq(f"own-{i}") for i in range(3)], guild_id=GUILD)
    await quotas.set_limit(GUILD, OWNER, "questions_per_server", 4)
    with use("uk"), pytest.raises(QuotaExceeded) as refused:
        await quotas.check_question_room(GUILD, 21)
    assert "тож 21 нове питання не вміститься (місця лишилося на 1). Нічого не додано." in str(
        refused.value
    )
    with use("uk"), pytest.raises(QuotaExceeded, match="від 0 до 1\xa0000\xa0000"):
        await quotas.set_limit(GUILD, OWNER, "questions_per_server", 2_000_000)
