"""Discussions against a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core.bank.items import BaseItem, parse_item
from bot.core.clock import ManualClock
from bot.core.discussions.discussion_result import GainStatus, Phase, Stage
from bot.services.bank.bank import import_items
from bot.services.discussions.discussions import (
    DiscussionError,
    DiscussionService,
    NotAllowed,
    NotFound,
    VoteStatus,
)
from db.models import DiscussionRun, DiscussionVote

GUILD, OTHER_GUILD, CHANNEL = 81_000_000_000_000_001, 81_000_000_000_000_002, 555
STARTER, ALICE, BOB, CAROL, DAN, ERIN, FRANK = 10, 11, 12, 13, 14, 15, 16
MOD = 99
SOURCE = {
    "title": "Kupiansk",
    "publisher": "Wikipedia",
    "url": "https://en.wikipedia.org/wiki/Kupiansk",
}
STEEL = (
    "The strongest case for this side: a state under attack must keep the trust of the "
    "people it could not protect."
)


def discussion(slug: str, question: str, labels: list[str], tags: list[str]) -> BaseItem:
    return parse_item(
        {
            "id": slug,
            "kind": "discussion",
            "question": question,
            "tags": tags,
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
                for label in labels
            ],
        }
    )


LAW = discussion(
    "disc-law",
    "How should the law treat people who kept working under occupation?",
    ["Prosecute", "Punish real harm only", "Amnesty"],
    ["law", "occupation"],
)
MAYOR = discussion(
    "disc-mayor",
    "Should the mayor's agreement be judged as a betrayal?",
    ["A betrayal", "A choice under threat"],
    ["mayor"],
)
OWN = discussion(
    "disc-own", "What should our town's memorial say?", ["Names", "No names"], ["memorial"]
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def svc(sessions, clock) -> DiscussionService:  # type: ignore[no-untyped-def]
    await import_items(sessions, [LAW, MAYOR])
    await import_items(sessions, [OWN], guild_id=OTHER_GUILD)
    return DiscussionService(sessions, clock, random.Random(5))


async def prompt_id(svc: DiscussionService, guild: int, slug: str) -> int:
    choices = await svc.prompt_suggestions(guild, slug)
    assert len(choices) == 1, choices
    return choices[0].id


async def test_suggestions_and_picks_are_guild_scoped(svc: DiscussionService) -> None:
    names = [c.name for c in await svc.prompt_suggestions(GUILD, "")]
    assert names == [
        "How should the law treat people who kept working under occupation?",
        "Should the mayor's agreement be judged as a betrayal?",
    ]
    # By words of the question, case-insensitively, and by tag.
    assert [c.name for c in await svc.prompt_suggestions(GUILD, "MAYOR'S")] == [names[1]]
    assert [c.name for c in await svc.prompt_suggestions(GUILD, "occupation")] == [names[0]]
    assert [c.name for c in await svc.prompt_suggestions(GUILD, "law")] == [names[0]]
    assert await svc.prompt_suggestions(GUILD, "memorial") == []
    assert await svc.prompt_suggestions(GUILD, "100%_") == []
    assert len(await svc.prompt_suggestions(OTHER_GUILD, "")) == 3
    assert len(await svc.prompt_suggestions(GUILD, "", limit=1)) == 1

    own = await prompt_id(svc, OTHER_GUILD, "memorial")
    with pytest.raises(NotFound, match="does not exist on this server"):
        await svc.pick_prompt(GUILD, own)
    assert (await svc.pick_prompt(OTHER_GUILD, own)).slug == "disc-own"
    picked = {(await svc.pick_prompt(GUILD, None, random.Random(i))).slug for i in range(20)}
    assert picked == {"disc-law", "disc-mayor"}
    law = await svc.pick_prompt(GUILD, await prompt_id(svc, GUILD, "law"))
    assert law.labels == ["Prosecute", "Punish real harm only", "Amnesty"]
    assert law.viewpoints[1].stance == "Punish real harm only is the position held."
    assert law.viewpoints[0].source["publisher"] == "Wikipedia"


async def test_no_prompts_and_bad_durations(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    svc = DiscussionService(sessions, clock)
    with pytest.raises(NotFound, match="no discussion prompts"):
        await svc.start(GUILD, CHANNEL, STARTER)
    await import_items(sessions, [LAW])
    with pytest.raises(DiscussionError, match="between 10 minutes and 7 days"):
        await svc.start(GUILD, CHANNEL, STARTER, duration=timedelta(minutes=5))
    with pytest.raises(DiscussionError, match="between 10 minutes and 7 days"):
        await svc.start(GUILD, CHANNEL, STARTER, duration=timedelta(days=8))
    view = await svc.start(GUILD, CHANNEL, STARTER, duration=timedelta(minutes=10))
    assert view.closes_at - view.created_at == timedelta(minutes=10)


async def test_a_full_discussion(svc: DiscussionService, clock, sessions) -> None:  # type: ignore[no-untyped-def]
    law = await prompt_id(svc, GUILD, "law")
    view = await svc.start(GUILD, CHANNEL, STARTER, law, timedelta(hours=24))
    assert view.status == "open" and view.result is None
    assert view.closes_at == clock.now + timedelta(hours=24)
    assert view.prompt.labels == ["Prosecute", "Punish real harm only", "Amnesty"]
    await svc.set_message(view.run_id, 777, 888)
    run = view.run_id

    # -- opening vote (first half) --
    assert view.stage(clock.now) is Stage.OPENING_VOTE
    opening = {ALICE: 0, BOB: 0, CAROL: 1, DAN: None, ERIN: 2}
    for user, pos in opening.items():
        outcome = await svc.vote(run, user, "before", pos, guild_id=GUILD)
        assert outcome.status is VoteStatus.RECORDED and outcome.accepted
    # Same click again: harmless. A different choice within the window: changed.
    again = await svc.vote(run, ALICE, Phase.BEFORE, 0, guild_id=GUILD)
    assert again.status is VoteStatus.UNCHANGED
    changed = await svc.vote(run, ERIN, Phase.BEFORE, 1, guild_id=GUILD)
    assert changed.status is VoteStatus.CHANGED and changed.previous == 2
    changed = await svc.vote(run, ERIN, Phase.BEFORE, 2, guild_id=GUILD)  # and back
    assert changed.previous == 1
    # The final vote is not open yet.
    early = await svc.vote(run, ALICE, "after", 1, guild_id=GUILD)
    assert early.status is VoteStatus.NOT_OPEN_YET and not early.accepted
    assert early.opens_at == view.created_at + timedelta(hours=18)
    with pytest.raises(NotFound, match="viewpoint"):
        await svc.vote(run, ALICE, "before", 3, guild_id=GUILD)

    mine = await svc.my_votes(run, DAN, guild_id=GUILD)
    assert mine.before_voted and mine.before is None and not mine.after_voted

    # -- steelmen, while the discussion is open --
    with pytest.raises(NotAllowed, match="you did not pick"):
        await svc.steelman(run, ALICE, 0, STEEL, guild_id=GUILD)
    with pytest.raises(DiscussionError, match="50-1000 characters long \\(yours has 9\\)"):
        await svc.steelman(run, ALICE, 1, "too short", guild_id=GUILD)
    with pytest.raises(DiscussionError, match="yours has 1001"):
        await svc.steelman(run, ALICE, 1, "x" * 1001, guild_id=GUILD)
    with pytest.raises(NotAllowed, match="opening vote first"):
        await svc.steelman(run, FRANK, 1, STEEL, guild_id=GUILD)
    alice_steel = await svc.steelman(run, ALICE, 1, f"  {STEEL}  ", guild_id=GUILD)
    assert alice_steel.label == "Punish real harm only" and alice_steel.text == STEEL
    await svc.set_steelman_message(alice_steel.id, 4242)
    with pytest.raises(NotAllowed, match="already wrote a steelman"):
        await svc.steelman(run, ALICE, 1, STEEL, guild_id=GUILD)
    carol_steel = await svc.steelman(run, CAROL, 0, STEEL, guild_id=GUILD)
    dan_steel = await svc.steelman(run, DAN, 2, STEEL, guild_id=GUILD)  # undecided: any side

    with pytest.raises(NotAllowed, match="your own"):
        await svc.rate_steelman(alice_steel.id, ALICE, 5, guild_id=GUILD)
    with pytest.raises(DiscussionError, match="1 to 5"):
        await svc.rate_steelman(alice_steel.id, BOB, 6, guild_id=GUILD)
    first = await svc.rate_steelman(alice_steel.id, BOB, 3, guild_id=GUILD)
    assert first.previous is None
    replaced = await svc.rate_steelman(alice_steel.id, BOB, 5, guild_id=GUILD)
    assert replaced.previous == 3 and replaced.rating == 5
    for user in (CAROL, DAN, ERIN):
        await svc.rate_steelman(alice_steel.id, user, 5, guild_id=GUILD)
    await svc.rate_steelman(carol_steel.id, BOB, 5, guild_id=GUILD)  # one 5: less sure
    await svc.rate_steelman(dan_steel.id, BOB, 2, guild_id=GUILD)
    best = await svc.best_steelmen(run, guild_id=GUILD)
    assert [s.id for s in best] == [alice_steel.id, carol_steel.id, dan_steel.id]
    assert best[0].mean_rating == 5 and best[0].ratings == 4 and best[0].message_id == 4242
    assert [s.id for s in await svc.best_steelmen(run, n=1, guild_id=GUILD)] == [alice_steel.id]

    # -- the middle: no vote open --
    clock.advance(hours=12)
    assert view.stage(clock.now) is Stage.DISCUSSING
    late = await svc.vote(run, FRANK, "before", 0, guild_id=GUILD)
    assert late.status is VoteStatus.PHASE_OVER
    assert (await svc.vote(run, FRANK, "after", 0, guild_id=GUILD)).status is (
        VoteStatus.NOT_OPEN_YET
    )

    # -- final vote (last quarter) --
    clock.advance(hours=6)
    assert view.stage(clock.now) is Stage.FINAL_VOTE
    final = {ALICE: 1, BOB: 0, CAROL: 1, DAN: 1, FRANK: None}  # ERIN votes once
    for user, pos in final.items():
        assert (await svc.vote(run, user, "after", pos, guild_id=GUILD)).accepted
    # Votes stay private while open: only a moderator can peek.
    with pytest.raises(NotAllowed, match="Only moderators"):
        await svc.peek(run, guild_id=GUILD, is_moderator=False)
    interim = await svc.peek(run, guild_id=GUILD, is_moderator=True)
    assert interim.after_voters == 5
    # A click in the last second still counts (grace), then the vote ends.
    clock.advance(hours=6, seconds=10)
    assert (await svc.vote(run, ALICE, "after", 1, guild_id=GUILD)).status is (VoteStatus.UNCHANGED)
    assert await svc.due_to_close() == []  # the grace is still running
    clock.advance(seconds=30)
    assert (await svc.vote(run, ERIN, "after", 0, guild_id=GUILD)).status is VoteStatus.ENDED
    assert [d.run_id for d in await svc.due_to_close()] == [run]

    # -- closing: only the starter or a moderator --
    with pytest.raises(NotAllowed, match="who started this discussion, or a moderator"):
        await svc.close(run, BOB, guild_id=GUILD)
    closed = await svc.close(run, STARTER, guild_id=GUILD)
    assert closed.closed_now and closed.discussion.status == "closed"
    result = closed.result
    assert result.before_voters == 5 and result.after_voters == 5
    assert result.both_voters == 4 and result.only_before == 1 and result.only_after == 1
    # ALICE 0->1, CAROL stays, BOB stays, DAN undecided->1.
    assert result.changed_mind == 2 and result.switched_viewpoint == 1
    punish = result.option(1)
    assert (punish.before, punish.after) == (1, 3)
    assert result.gain_status is GainStatus.GAINED and result.gained_most == (1,)

    # Closing again (timer, moderator, anyone) computes nothing new.
    again_closed = await svc.close(run)
    assert not again_closed.closed_now and again_closed.result == result
    assert not (await svc.close(run, BOB, guild_id=GUILD)).closed_now
    assert await svc.due_to_close() == []
    async with sessions() as session:
        row = await session.get(DiscussionRun, run)
        assert row is not None and row.status == "closed" and row.result is not None
        assert row.result["closed_by"] == STARTER
        assert row.message_id == 777 and row.thread_id == 888
    fetched = await svc.get(run, guild_id=GUILD)
    assert fetched is not None and fetched.result == result
    assert fetched.stage(clock.now) is Stage.ENDED
    # After the end: no more steelmen or ratings.
    with pytest.raises(NotAllowed, match="has ended"):
        await svc.steelman(run, BOB, 2, STEEL, guild_id=GUILD)
    with pytest.raises(NotAllowed, match="has ended"):
        await svc.rate_steelman(carol_steel.id, ALICE, 4, guild_id=GUILD)

    listing = await svc.list(GUILD)
    assert [(d.run_id, d.status) for d in listing] == [(run, "closed")]
    assert listing[0].result == result


async def test_close_after_a_restart(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [LAW, MAYOR])
    svc = DiscussionService(sessions, clock)
    first = await svc.start(GUILD, CHANNEL, STARTER, duration=timedelta(hours=1))
    second = await svc.start(GUILD, CHANNEL + 1, STARTER, duration=timedelta(hours=3))
    await svc.vote(first.run_id, ALICE, "before", 0, guild_id=GUILD)
    clock.advance(minutes=50)
    await svc.vote(first.run_id, ALICE, "after", 1, guild_id=GUILD)
    del svc  # the process stops...

    clock.advance(hours=2)  # ...and comes back after the first discussion's end
    restarted = DiscussionService(sessions, clock)
    assert [d.run_id for d in await restarted.open_runs()] == [first.run_id, second.run_id]
    due = await restarted.due_to_close()
    assert [d.run_id for d in due] == [first.run_id]
    assert due[0].close_due_at < clock.now
    outcome = await restarted.close(due[0].run_id)
    assert outcome.closed_now and outcome.result.changed_mind == 1
    assert outcome.result.gained_most == (1,)
    assert await restarted.due_to_close() == []
    # Sharding: a process only sees the guilds it owns.
    clock.advance(hours=1)
    assert await restarted.due_to_close(owns_guild=lambda g: g != GUILD) == []
    assert [d.run_id for d in await restarted.due_to_close(clock.now)] == [second.run_id]


async def test_a_moderator_may_close_early(svc: DiscussionService, clock) -> None:  # type: ignore[no-untyped-def]
    view = await svc.start(GUILD, CHANNEL, STARTER)
    await svc.vote(view.run_id, ALICE, "before", 0, guild_id=GUILD)
    closed = await svc.close(view.run_id, MOD, guild_id=GUILD, is_moderator=True)
    assert closed.closed_now
    assert closed.result.gain_status is GainStatus.NOT_ENOUGH_VOTES
    ended = await svc.vote(view.run_id, BOB, "before", 1, guild_id=GUILD)
    assert ended.status is VoteStatus.ENDED


async def test_other_guilds_cannot_reach_a_discussion(svc: DiscussionService, sessions) -> None:  # type: ignore[no-untyped-def]
    view = await svc.start(GUILD, CHANNEL, STARTER)
    run = view.run_id
    await svc.vote(run, ALICE, "before", 0, guild_id=GUILD)
    steel = await svc.steelman(run, ALICE, 1, STEEL, guild_id=GUILD)

    calls: list[Any] = [
        svc.vote(run, BOB, "before", 1, guild_id=OTHER_GUILD),
        svc.my_votes(run, ALICE, guild_id=OTHER_GUILD),
        svc.peek(run, guild_id=OTHER_GUILD, is_moderator=True),
        svc.steelman(run, BOB, 1, STEEL, guild_id=OTHER_GUILD),
        svc.rate_steelman(steel.id, BOB, 5, guild_id=OTHER_GUILD),
        svc.best_steelmen(run, guild_id=OTHER_GUILD),
        svc.close(run, STARTER, guild_id=OTHER_GUILD, is_moderator=True),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="does not exist on this server"):
            await call
    assert await svc.get(run, guild_id=OTHER_GUILD) is None
    assert await svc.list(OTHER_GUILD) == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DiscussionVote)) == 1
    assert (await svc.get(run, guild_id=GUILD)) is not None


async def test_list_is_newest_first_and_hides_open_counts(svc: DiscussionService, clock) -> None:  # type: ignore[no-untyped-def]
    old = await svc.start(GUILD, CHANNEL, STARTER, duration=timedelta(minutes=10))
    clock.advance(minutes=1)
    new = await svc.start(GUILD, CHANNEL, STARTER)
    await svc.vote(new.run_id, ALICE, "before", 0, guild_id=GUILD)
    clock.advance(minutes=10)
    await svc.close(old.run_id)
    listing = await svc.list(GUILD, limit=5)
    assert [(d.run_id, d.status) for d in listing] == [(new.run_id, "open"), (old.run_id, "closed")]
    assert listing[0].result is None and listing[1].result is not None
    assert [d.run_id for d in await svc.list(GUILD, limit=1)] == [new.run_id]


async def test_the_final_vote_is_announced_once_whoever_asks(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    """Two bot processes (two services on one database) find the final vote due; only one
    gets to announce it, and a discussion not yet in its last quarter is not due."""
    await import_items(sessions, [LAW, MAYOR])
    first = DiscussionService(sessions, clock, random.Random(5))
    second = DiscussionService(sessions, clock, random.Random(6))
    early = await first.start(GUILD, CHANNEL, STARTER, duration=timedelta(hours=4))
    later = await first.start(GUILD, CHANNEL + 1, STARTER, duration=timedelta(hours=8))
    clock.advance(hours=3, minutes=1)  # the 4 h one is in its last quarter, the 8 h one not
    due = [d.run_id for d in await second.final_votes_due()]
    assert due == [early.run_id] and later.run_id not in due
    claims = [await s.claim_final_vote_notice(early.run_id) for s in (first, second, first)]
    assert claims == [True, False, False]
    assert await second.final_votes_due() == []
