"""The paged leaderboard, the caller's own place, and a moderator's reset (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.services.quiz.quiz import period_key
from bot.services.quiz.stats import StatsService
from db.models import AuditEntry, ScoreTotal

GUILD, OTHER_GUILD = 81_000_000_000_000_001, 81_000_000_000_000_002
MODERATOR = 99


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def seed(sessions, clock: ManualClock, guild: int, members: int, period: str) -> None:  # type: ignore[no-untyped-def]
    """Members 1..n with points 100*(n+1-i): member 1 leads; members 3 and 4 tie on points
    and time (so the member id decides)."""
    key = period_key(period, clock())
    async with sessions.begin() as session:
        for user in range(1, members + 1):
            points = 100 * (members + 1 - user)
            if user == 4:
                points = 100 * (members + 1 - 3)
            session.add(
                ScoreTotal(
                    guild_id=guild,
                    period=key,
                    user_id=user,
                    points=points,
                    correct=user % 5,
                    answered=5,
                    answer_time_ms=10_000,
                    quizzes=1,
                    best_streak=1,
                )
            )


async def test_pages_through_everyone_with_my_place(sessions, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions, clock, GUILD, 23, "all")
    await seed(sessions, clock, OTHER_GUILD, 40, "all")
    stats = StatsService(sessions, clock)

    first = await stats.board_page(GUILD, "all", 1, user_id=17)
    assert (first.page, first.pages, first.total) == (1, 3, 23)
    assert [r.rank for r in first.rows] == list(range(1, 11))
    assert [r.user_id for r in first.rows[:5]] == [1, 2, 3, 4, 5]  # 3 before 4: same points
    assert first.me is not None and (first.me.rank, first.me.user_id) == (17, 17)
    assert not first.me_on_page

    second = await stats.board_page(GUILD, "all", 2, user_id=17)
    assert [r.rank for r in second.rows] == list(range(11, 21)) and second.me_on_page
    assert second.me == next(r for r in second.rows if r.user_id == 17)

    seen = []
    for page in range(1, 4):
        seen += [r.user_id for r in (await stats.board_page(GUILD, "all", page)).rows]
    assert sorted(seen) == list(range(1, 24))  # everyone once, no overlap

    past_end = await stats.board_page(GUILD, "all", 99, user_id=4)
    assert past_end.page == 3 and [r.rank for r in past_end.rows] == [21, 22, 23]
    assert past_end.me is not None and past_end.me.rank == 4  # tie broken by member id

    nobody = await stats.board_page(GUILD, "week", 1, user_id=1)
    assert (nobody.rows, nobody.pages, nobody.total, nobody.me) == ([], 1, 0, None)

    # The old top-N call still agrees with the pages.
    top = await stats.leaderboard(GUILD, "all", limit=10)
    assert [r.user_id for r in top] == [r.user_id for r in first.rows]


async def test_reset_clears_one_period_of_one_server_and_is_audited(
    sessions, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions, clock, GUILD, 5, "week")
    await seed(sessions, clock, GUILD, 5, "all")
    await seed(sessions, clock, OTHER_GUILD, 5, "week")
    stats = StatsService(sessions, clock)

    reset = await stats.reset_period(GUILD, "week", by=MODERATOR)
    assert (reset.members, reset.points) == (5, 100 * (5 + 4 + 4 + 2 + 1))
    assert reset.key == period_key("week", clock())
    assert (await stats.board_page(GUILD, "week")).total == 0
    assert (await stats.board_page(GUILD, "all")).total == 5  # other periods stay
    assert (await stats.board_page(OTHER_GUILD, "week")).total == 5  # other servers stay

    async with sessions() as session:
        entry = (await session.execute(select(AuditEntry))).scalar_one()
    assert (entry.guild_id, entry.user_id, entry.action, entry.target_id) == (
        GUILD,
        MODERATOR,
        "leaderboard.reset",
        reset.key,
    )
    assert entry.detail == {"period": "week", "members": 5, "points": reset.points}
