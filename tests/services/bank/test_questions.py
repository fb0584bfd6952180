"""The random draw: which question a quiz or practice gets, on SQLite and PostgreSQL.

The draw's rule: every question carries a random key; a random point is drawn
and the first visible, matching question whose key is at or after it is the
one, wrapping to the lowest key. So each question's chance is the gap of keys
below it, which is uniform in expectation because the keys are uniform. The
tests give the questions fixed keys and the draw fixed points.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.services.bank.bank import import_items
from bot.services.bank.questions import count_matching, draw_question
from db.models import SHIPPED, HiddenQuestion, PracticeItem, Question
from tests.factories import mcq, short

GUILD, OTHER_GUILD = 71_000_000_000_000_001, 71_000_000_000_000_002
MEMBER = 5

# slug -> (owner, key)
KEYS = {
    "ship-10": (SHIPPED, 0.10),
    "ship-50": (SHIPPED, 0.50),
    "ship-90": (SHIPPED, 0.90),
    "own-30": (GUILD, 0.30),
    "own-70": (GUILD, 0.70),
    "other-20": (OTHER_GUILD, 0.20),
    "other-40": (OTHER_GUILD, 0.40),
}


class Point(random.Random):
    """An rng whose next point is chosen by the test."""

    def __init__(self, point: float) -> None:
        super().__init__(0)
        self.point = point

    def random(self) -> float:
        return self.point


@pytest.fixture
async def bank(sessions):  # type: ignore[no-untyped-def]
    """The questions of KEYS, with their keys; tags and difficulty vary by slug."""
    for owner in (SHIPPED, GUILD, OTHER_GUILD):
        items = [
            mcq(slug, tags=["river", slug], difficulty=2 if slug.endswith("0") else 1)
            for slug, (who, _) in KEYS.items()
            if who == owner
        ]
        await import_items(sessions, items, guild_id=None if owner == SHIPPED else owner)
    async with sessions.begin() as session:
        for slug, (owner, key) in KEYS.items():
            await session.execute(
                update(Question)
                .where(Question.guild_id == owner, Question.slug == slug)
                .values(rand_key=key, difficulty=3 if slug in ("ship-50", "own-70") else 2)
            )
    return sessions


async def draw(sessions, point: float, **filters) -> str | None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        row = await draw_question(session, GUILD, rng=Point(point), **filters)
        return row.slug if row is not None else None


async def ids(sessions, *slugs: str) -> list[int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        found = {
            q.slug: q.id
            for q in (await session.execute(Question.__table__.select())).all()  # type: ignore[attr-defined]
        }
    return [found[s] for s in slugs]


async def test_the_first_key_at_or_after_the_point_across_shipped_and_own_items(
    bank,  # type: ignore[no-untyped-def]
) -> None:
    expected = {
        0.0: "ship-10",
        0.10: "ship-10",  # at the point counts
        0.15: "own-30",  # not another server's 0.20
        0.35: "ship-50",  # nor its 0.40
        0.55: "own-70",
        0.75: "ship-90",
        0.95: "ship-10",  # past the last key: wraps to the lowest
    }
    for point, slug in expected.items():
        assert await draw(bank, point) == slug, point


async def test_each_question_is_drawn_as_often_as_the_gap_below_its_key(bank) -> None:  # type: ignore[no-untyped-def]
    points = [i / 1000 for i in range(1000)]
    drawn = [await draw(bank, p) for p in points]
    share = {slug: drawn.count(slug) / len(points) for slug in set(drawn)}
    # Keys 0.1, 0.3, 0.5, 0.7, 0.9 of what this server sees; the wrap gives the
    # lowest key the gap above the highest too.
    assert share == pytest.approx(
        {"ship-10": 0.2, "own-30": 0.2, "ship-50": 0.2, "own-70": 0.2, "ship-90": 0.2}, abs=0.002
    )


async def test_a_hidden_shipped_question_is_never_drawn(bank) -> None:  # type: ignore[no-untyped-def]
    (hidden,) = await ids(bank, "ship-50")
    async with bank.begin() as session:
        session.add(HiddenQuestion(guild_id=GUILD, question_id=hidden, hidden_by=MEMBER))
    assert await draw(bank, 0.35) == "own-70"
    async with bank() as session:
        # Hidden for this server only.
        row = await draw_question(session, OTHER_GUILD, rng=Point(0.45))
        assert row is not None and row.slug == "ship-50"


async def test_filters_skip_to_the_next_matching_key_and_wrap(bank) -> None:  # type: ignore[no-untyped-def]
    assert await draw(bank, 0.15, tags=["ship-50"]) == "ship-50"
    assert await draw(bank, 0.55, tags=["ship-50"]) == "ship-50"  # wrapped
    assert await draw(bank, 0.15, tags=["ship-90", "own-30"]) == "own-30"
    assert await draw(bank, 0.0, difficulty=3) == "ship-50"
    assert await draw(bank, 0.6, difficulty=3) == "own-70"
    assert await draw(bank, 0.8, difficulty=3) == "ship-50"  # wrapped
    excluded = await ids(bank, "ship-90", "ship-10")
    assert await draw(bank, 0.75, exclude=excluded) == "own-30"  # both halves skip them
    assert await draw(bank, 0.0, kinds=["short_answer"]) is None
    assert await draw(bank, 0.0, tags=["no-such-tag"]) is None
    assert await draw(bank, 0.0, tags=["other-20"]) is None  # another server's


async def test_a_quiz_never_draws_a_question_it_has_shown(bank) -> None:  # type: ignore[no-untyped-def]
    """Round after round the run's shown questions are excluded, however many: each
    of the server's five is drawn once, then none is left."""
    shown: list[int] = []
    for _ in range(5):
        slug = await draw(bank, 0.5, exclude=shown)
        assert slug is not None
        (drawn,) = await ids(bank, slug)
        assert drawn not in shown
        shown.append(drawn)
    assert await draw(bank, 0.5, exclude=shown) is None
    assert await draw(bank, 0.5, exclude=shown[1:]) == "ship-50"  # the first one drawn


async def test_kinds_status_and_what_a_member_practised(bank) -> None:  # type: ignore[no-untyped-def]
    await import_items(bank, [short("own-short")], guild_id=GUILD)
    async with bank.begin() as session:
        await session.execute(
            update(Question).where(Question.slug == "own-short").values(rand_key=0.95)
        )
        await session.execute(
            update(Question).where(Question.slug == "ship-10").values(status="disabled")
        )
    assert await draw(bank, 0.92) == "own-short"
    assert await draw(bank, 0.92, kinds=["multiple_choice"]) == "own-30"  # no disabled 0.10
    assert await draw(bank, 0.0, kinds=["short_answer"]) == "own-short"

    seen = await ids(bank, "own-30", "ship-50")
    async with bank.begin() as session:
        session.add_all(
            PracticeItem(guild_id=GUILD, user_id=MEMBER, question_id=qid, due_at=datetime.now(UTC))
            for qid in seen
        )
    assert await draw(bank, 0.15, unseen_by=MEMBER) == "own-70"
    assert await draw(bank, 0.15, unseen_by=MEMBER + 1) == "own-30"


async def test_count_matching_counts_what_the_draw_can_reach(bank) -> None:  # type: ignore[no-untyped-def]
    points = [i / 100 for i in range(100)]
    for filters in ({}, {"difficulty": 3}, {"tags": ["ship-90", "own-30", "other-40"]}):
        reachable = {await draw(bank, p, **filters) for p in points}
        async with bank() as session:
            assert await count_matching(session, GUILD, **filters) == len(reachable), filters
