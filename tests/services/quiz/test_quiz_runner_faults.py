"""The quiz runner under faults, on SQLite and PostgreSQL: edits mid-round, passing
and lasting errors, two processes on one database, a process that dies.

The presenter here records what would be shown; the Discord side of the same
faults is tested end to end in tests/adapter/test_faults_e2e.py.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.bank.question_admin import QuestionAdminService
from bot.services.leases import Leases
from bot.services.quiz.quiz import (
    Drawn,
    QuizOptions,
    QuizService,
    Results,
    Reveal,
    RoundInfo,
    RunInfo,
)
from bot.services.quiz.quiz_runner import QuizRunner
from db.models import SHIPPED, QuizAnswer, QuizRun
from tests.factories import mcq

GUILD, CHANNEL = 81_000_000_000_000_001, 555
ALICE, BOB = 11, 12


class Passing(Exception):
    """A presenter error the presenter calls transient (a 503, say)."""


class Recorder:
    """What the channel would show, and faults to inject into it."""

    def __init__(self) -> None:
        self.rounds: list[RoundInfo] = []
        self.reveals: list[Reveal] = []
        self.results: list[Results] = []
        self.failures: list[Results | None] = []
        self.fail_posts = 0
        self.posted = asyncio.Event()

    async def show_round(self, run: RunInfo, rnd: RoundInfo) -> int | None:
        if self.fail_posts:
            self.fail_posts -= 1
            raise Passing("503 Service Unavailable")
        self.rounds.append(rnd)
        self.posted.set()
        return 1000 + rnd.number

    async def show_reveal(self, run: RunInfo, reveal: Reveal) -> None:
        self.reveals.append(reveal)

    async def show_results(self, run: RunInfo, results: Results) -> None:
        self.results.append(results)

    async def show_failure(self, run: RunInfo, results: Results | None) -> None:
        self.failures.append(results)

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, Passing)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def quiz(sessions, clock) -> QuizService:  # type: ignore[no-untyped-def]
    await import_items(
        sessions, [mcq(f"q-{i}") for i in range(3)], guild_id=GUILD, rng=random.Random(1)
    )
    return QuizService(sessions, clock, random.Random(7))


def runner(quiz: QuizService, clock: ManualClock, presenter: Recorder, owner: str) -> QuizRunner:
    return QuizRunner(
        quiz,
        presenter,
        clock=clock,
        pause_between_rounds=0,
        leases=Leases(quiz.sessions, clock, owner=owner, ttl=timedelta(seconds=30)),
        retry_delays=(0.01, 0.01, 0.01),
    )


async def play_out(bot: QuizRunner, presenter: Recorder, clock: ManualClock, run_id: int) -> None:
    """End every round at once, as if its time ran out, until the run is done."""
    for _ in range(200):
        task = bot.tasks.get(run_id)
        if task is None:
            return
        clock.advance(seconds=60)
        bot.everyone_answered(run_id)
        await asyncio.sleep(0.02)
    raise AssertionError("the run never ended")


async def status(quiz: QuizService, run_id: int) -> str:
    run = await quiz.get_run(run_id)
    assert run is not None
    return run.status


async def test_an_edit_to_fewer_choices_mid_round_changes_nothing_under_it(
    quiz: QuizService, clock: ManualClock, sessions
) -> None:  # type: ignore[no-untyped-def]
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, seconds=20))
    bot.launch(run)
    await asyncio.wait_for(presenter.posted.wait(), 5)
    shown = presenter.rounds[0]
    last = len(shown.shown_choices) - 1
    # A moderator re-uploads the question with two choices and another answer.
    edited = mcq(shown.question.slug, answer="Dnipro")
    edited_data = {**edited.model_dump(), "choices": ["Dnipro", "Donets"]}
    await import_items(sessions, [type(edited).model_validate(edited_data)], guild_id=GUILD)

    # The last of the four buttons shown still means what it said.
    outcome = await quiz.answer(shown.round_id, BOB, choice=last)
    assert outcome.status == "accepted"
    await play_out(bot, presenter, clock, run.run_id)

    assert await status(quiz, run.run_id) == "finished"
    reveal = presenter.reveals[0]
    assert reveal.round.shown_choices == shown.shown_choices  # the four shown, not two
    assert reveal.round.question.correct_text == "Oskil"
    assert reveal.distribution[last] == 1
    async with sessions() as session:
        stored = await session.scalar(select(QuizAnswer).where(QuizAnswer.user_id == BOB))
    assert stored is not None
    assert shown.question.choices[stored.choice_index] == shown.shown_choices[last]
    assert presenter.failures == []


async def test_a_passing_post_failure_and_a_dropped_database_are_retried(
    quiz: QuizService, clock: ManualClock
) -> None:
    presenter = Recorder()
    presenter.fail_posts = 2  # two 503s in a row while posting the first question
    bot = runner(quiz, clock, presenter, "a")
    original = quiz.close_round
    drops = {"left": 2}

    async def flaky_close(round_id: int, **held: Any) -> Reveal | None:
        if drops["left"]:
            drops["left"] -= 1
            raise OperationalError("UPDATE quiz_rounds", {}, ConnectionResetError("dropped"))
        return await original(round_id, **held)

    quiz.close_round = flaky_close  # type: ignore[method-assign]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)

    assert await status(quiz, run.run_id) == "finished"
    assert [r.number for r in presenter.rounds] == [1, 2]
    assert len(presenter.reveals) == 2 and len(presenter.results) == 1
    assert presenter.failures == []


async def test_a_lasting_fault_ends_only_that_run_with_its_results_and_a_notice(
    quiz: QuizService, clock: ManualClock
) -> None:
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")

    shown = presenter.show_reveal

    async def channel_gone(run_: RunInfo, reveal: Reveal) -> None:
        if run_.channel_id == CHANNEL:
            raise PermissionError("403 Missing Access")  # not passing: retrying cannot help
        await shown(run_, reveal)

    presenter.show_reveal = channel_gone  # type: ignore[method-assign]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=3, seconds=20))
    other = await quiz.start(GUILD, CHANNEL + 1, BOB, QuizOptions(questions=1, seconds=20))
    bot.launch(run)
    bot.launch(other)
    for _ in range(250):  # until the failing run's first question is posted
        if any(r.run_id == run.run_id for r in presenter.rounds):
            break
        await asyncio.sleep(0.02)
    first_round = next(r for r in presenter.rounds if r.run_id == run.run_id)
    await quiz.answer(first_round.round_id, ALICE, choice=0)
    await play_out(bot, presenter, clock, run.run_id)

    assert await status(quiz, run.run_id) == "stopped"
    [notice] = presenter.failures
    assert notice is not None and [p.user_id for p in notice.ranking] == [ALICE]
    # The other run was not touched by this one's failure.
    await play_out(bot, presenter, clock, other.run_id)
    assert await status(quiz, other.run_id) == "finished"
    assert [r.run.run_id for r in presenter.results] == [other.run_id]
    # And /quiz start works again in the failed run's channel.
    again = await quiz.start(GUILD, CHANNEL, BOB, QuizOptions(questions=1))
    assert again.run_id != run.run_id


async def test_a_run_that_cannot_even_be_ended_is_finished_by_the_watchdog(
    quiz: QuizService, clock: ManualClock
) -> None:
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")

    async def disk_full(round_id: int, **_held: Any) -> Reveal | None:
        raise OperationalError("UPDATE quiz_rounds", {}, Exception("database or disk is full"))

    original = quiz.close_round
    quiz.close_round = disk_full  # type: ignore[method-assign]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)
    # Retries exhausted and ending it failed too: the run is released, not driven...
    assert await status(quiz, run.run_id) == "running" and run.run_id not in bot.tasks
    # ...and once the disk has room again the watchdog takes it up and ends it.
    quiz.close_round = original  # type: ignore[method-assign]
    await bot.heartbeat()
    assert run.run_id in bot.tasks
    await play_out(bot, presenter, clock, run.run_id)
    assert await status(quiz, run.run_id) in ("stopped", "finished")
    assert len(presenter.results) == 1


async def test_two_processes_on_one_database_drive_a_run_exactly_once(
    quiz: QuizService, clock: ManualClock
) -> None:
    one, two = Recorder(), Recorder()
    first, second = runner(quiz, clock, one, "first"), runner(quiz, clock, two, "second")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    first.launch(run)
    await asyncio.wait_for(one.posted.wait(), 5)
    second.launch(run)  # e.g. the bot started twice: the second finds the lease taken
    await second.heartbeat()  # its watchdog does not adopt what the first holds
    await asyncio.sleep(0.05)
    assert run.run_id not in second.tasks
    await play_out(first, one, clock, run.run_id)
    assert [r.number for r in one.rounds] == [1, 2] and two.rounds == []
    assert len(one.results) == 1 and two.results == []


async def test_a_dead_process_s_run_is_taken_over_when_its_lease_expires(
    quiz: QuizService, clock: ManualClock
) -> None:
    one, two = Recorder(), Recorder()
    first, second = runner(quiz, clock, one, "first"), runner(quiz, clock, two, "second")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    first.launch(run)
    await asyncio.wait_for(one.posted.wait(), 5)
    # kill -9: the task is gone and nothing was released.
    first.leases.release = _nothing  # type: ignore[method-assign]
    first.tasks[run.run_id].cancel()
    await asyncio.sleep(0.02)
    await second.heartbeat()
    assert run.run_id not in second.tasks  # the lease is still valid
    clock.advance(seconds=31)
    await second.heartbeat()
    assert run.run_id in second.tasks
    await play_out(second, two, clock, run.run_id)
    # The round that ran out while nobody drove it is revealed, then the quiz goes on
    # or ends; either way exactly one set of results is posted.
    assert len(two.reveals) >= 1 and len(two.results) == 1
    assert await status(quiz, run.run_id) in ("finished", "stopped")


async def test_recovery_with_an_edited_question_starts_and_resumes(
    quiz: QuizService, clock: ManualClock, sessions
) -> None:  # type: ignore[no-untyped-def]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, seconds=20))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    edited = mcq(rnd.question.slug)
    data = {**edited.model_dump(), "choices": ["Oskil", "Donets"]}
    await import_items(sessions, [type(edited).model_validate(data)], guild_id=GUILD)
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "restarted")
    assert await bot.recover() == 1
    await play_out(bot, presenter, clock, run.run_id)
    assert len(presenter.reveals[0].round.shown_choices) == 4
    assert presenter.failures == [] and await status(quiz, run.run_id) == "finished"


def after_drawing_ahead(quiz: QuizService, then: Callable[[Drawn], Awaitable[None]]) -> None:
    """Run `then` right after each draw ahead (drawn with a round's start)."""
    start_and_draw = quiz.start_and_draw

    async def drawn(*args: Any) -> tuple[RoundInfo | None, Drawn | Exception | None]:
        started, found = await start_and_draw(*args)
        if isinstance(found, Drawn):
            await then(found)
        return started, found

    quiz.start_and_draw = drawn  # type: ignore[method-assign]


async def test_the_next_question_is_drawn_while_a_round_is_open_and_then_shown(
    quiz: QuizService, clock: ManualClock
) -> None:
    drawn: list[tuple[int, Drawn]] = []
    presenter = Recorder()

    async def recorded(found: Drawn) -> None:
        drawn.append((len(presenter.rounds), found))  # questions posted at the draw

    after_drawing_ahead(quiz, recorded)
    bot = runner(quiz, clock, presenter, "a")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=3, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)

    # Rounds 2 and 3 were drawn as rounds 1 and 2 opened, and shown as drawn.
    assert [posted for posted, _ in drawn] == [1, 2]
    assert [d.question.slug for _, d in drawn] == [r.question.slug for r in presenter.rounds[1:]]
    assert len({r.question.slug for r in presenter.rounds}) == 3
    assert len(presenter.results) == 1 and presenter.failures == []


@pytest.mark.parametrize("owner", ["guild", "shipped"])
async def test_a_question_disabled_after_it_was_drawn_ahead_is_never_shown(
    sessions, clock: ManualClock, owner: str
) -> None:  # type: ignore[no-untyped-def]
    """The next question is drawn while a round is open; a moderator who disables
    it (or hides a shipped one) before its round opens is obeyed."""
    home = GUILD if owner == "guild" else SHIPPED
    await import_items(
        sessions, [mcq(f"q-{i}") for i in range(3)], guild_id=home, rng=random.Random(1)
    )
    quiz = QuizService(sessions, clock, random.Random(7))
    admin = QuestionAdminService(sessions)
    withdrawn: list[str] = []

    async def disabled(drawn: Drawn) -> None:  # the moderator acts right after the draw
        await admin.set_enabled(GUILD, ALICE, drawn.question.slug, enabled=False)
        withdrawn.append(drawn.question.slug)

    after_drawing_ahead(quiz, disabled)
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=3, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)

    assert withdrawn  # a question was drawn ahead
    shown = [r.question.slug for r in presenter.rounds]
    assert not set(shown) & set(withdrawn)
    # Round 2 took the one question left; none was left for round 3: the quiz ended.
    assert len(shown) == 2 and len(set(shown)) == 2
    [results] = presenter.results
    assert results.rounds_played == 2 and presenter.failures == []


async def test_a_question_edited_after_it_was_drawn_ahead_shows_its_new_text(
    quiz: QuizService, clock: ManualClock, sessions
) -> None:  # type: ignore[no-untyped-def]
    edited: list[str] = []

    async def edit(drawn: Drawn) -> None:
        slug = drawn.question.slug
        await import_items(sessions, [mcq(slug, text=f"Edited: {slug}?")], guild_id=GUILD)
        edited.append(slug)

    after_drawing_ahead(quiz, edit)
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)

    assert len(edited) == 1 and len(presenter.rounds) == 2
    second = presenter.rounds[1]
    # Drawn again at the turnover: one of the two questions left, as it reads now.
    if second.question.slug == edited[0]:
        assert second.question.text == f"Edited: {edited[0]}?"
    else:
        assert not second.question.text.startswith("Edited")
    assert presenter.reveals[1].round.question.text == second.question.text
    assert presenter.failures == []


async def test_a_run_whose_lease_another_process_took_is_not_driven_on(
    quiz: QuizService, clock: ManualClock
) -> None:
    """A process that stalled past its lease (its watchdog had no chance to notice)
    stops at its next turnover: one game is never driven by two processes."""
    presenter = Recorder()
    first = runner(quiz, clock, presenter, "first")
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=3, seconds=20))
    first.launch(run)
    await asyncio.wait_for(presenter.posted.wait(), 5)
    clock.advance(seconds=31)  # the first process's lease expires...
    other = Leases(quiz.sessions, clock, owner="second", ttl=timedelta(seconds=30))
    assert await other.claim(QuizRun, run.run_id)  # ...and another process takes the run
    first.everyone_answered(run.run_id)  # round 1 ends; the first would open round 2
    for _ in range(100):
        if run.run_id not in first.tasks:
            break
        await asyncio.sleep(0.02)
    assert run.run_id not in first.tasks
    assert [r.number for r in presenter.rounds] == [1]  # no second question from the first
    assert presenter.results == [] and presenter.failures == []  # nor results, nor a notice
    assert await status(quiz, run.run_id) == "running"  # the second process drives it on


async def test_a_real_dropped_postgresql_connection_during_turnover_is_retried(
    quiz: QuizService, clock: ManualClock, sessions
) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        if session.bind.dialect.name != "postgresql":
            pytest.skip("terminating a server backend is a PostgreSQL fault")
    presenter = Recorder()
    bot = runner(quiz, clock, presenter, "a")
    original = quiz.close_round

    async def cut_then_close(round_id: int, **held: Any) -> Reveal | None:
        async with sessions() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        quiz.close_round = original  # type: ignore[method-assign]
        return await original(round_id, **held)

    quiz.close_round = cut_then_close  # type: ignore[method-assign]
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    bot.launch(run)
    await play_out(bot, presenter, clock, run.run_id)
    assert await status(quiz, run.run_id) == "finished"
    assert len(presenter.reveals) == 2 and presenter.failures == []


async def _nothing(*_args: Any, **_kw: Any) -> None:
    return None
