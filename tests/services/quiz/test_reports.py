"""Quiz reports on a real database (SQLite and PostgreSQL): what a moderator downloads."""

from __future__ import annotations

import csv
import io
import random

import pytest

from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.quiz.quiz import QuizOptions, QuizService
from bot.services.quiz.reports import ReportError, ReportService, report_csv
from tests.factories import mcq, short

GUILD, OTHER_GUILD, CHANNEL = 81_000_000_000_000_001, 81_000_000_000_000_002, 555
ALICE, BOB, CAROL = 11, 12, 13


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def quiz(sessions, clock) -> QuizService:  # type: ignore[no-untyped-def]
    await import_items(
        sessions,
        [mcq("q-river", text='=HYPERLINK("x") Which river?'), short("q-typed")],
        rng=random.Random(1),
    )
    return QuizService(sessions, clock, random.Random(7))


def blocks(text: str) -> dict[str, list[dict[str, str]]]:
    """The CSV's blocks by title, each as rows keyed by its header."""
    rows = list(csv.reader(io.StringIO(text)))
    found: dict[str, list[dict[str, str]]] = {}
    i = rows.index([]) + 1  # after the heading block
    while i < len(rows):
        title, header = rows[i][0], rows[i + 1]
        end = rows.index([], i) if [] in rows[i:] else len(rows)
        found[title] = [dict(zip(header, r, strict=True)) for r in rows[i + 2 : end]]
        i = end + 1
    return found


async def play(quiz: QuizService, clock: ManualClock) -> int:
    """Two rounds: Alice right and fast, Bob right then typed wrong, Carol wrong, and
    she skips the typed one."""
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2, seconds=20))
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        if rnd.question.kind == "short_answer":
            clock.advance(seconds=4)
            await quiz.answer(rnd.round_id, ALICE, text="Oskil")
            clock.advance(seconds=4)
            await quiz.answer(rnd.round_id, BOB, text="=cmd|' /C calc'!A0")
        else:
            right = rnd.shown_choices.index("Oskil")
            clock.advance(seconds=2)
            await quiz.answer(rnd.round_id, ALICE, choice=right)
            clock.advance(seconds=6)
            await quiz.answer(rnd.round_id, BOB, choice=right)
            await quiz.answer(rnd.round_id, CAROL, choice=rnd.shown_choices.index("Dnipro"))
        await quiz.close_round(rnd.round_id)
    await quiz.finish(run.run_id)
    return run.run_id


async def test_report_counts_choices_by_text_and_ranks_members(
    sessions, quiz: QuizService, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    run_id = await play(quiz, clock)
    report = await ReportService(sessions).report(GUILD, run_id)
    assert report.filename == f"quiz-{run_id}-report.csv"
    by_slug = {q.slug: q for q in report.questions}
    river = by_slug["q-river"]
    assert [(c.text, c.right, c.picked) for c in river.choices] == [
        ("Oskil", True, 2),
        ("Dnipro", False, 1),
        ("Donets", False, 0),
        ("Desna", False, 0),
    ]
    assert (river.answered, river.right, river.no_answer) == (3, 2, 0)
    assert river.right_rate == pytest.approx(2 / 3)
    typed = by_slug["q-typed"]
    assert [(c.text, c.picked) for c in typed.choices] == [
        ("Oskil", 1),
        ("(any other typed answer)", 1),
    ]
    assert (typed.answered, typed.no_answer) == (2, 1)  # Carol did not answer this one
    assert [m.user_id for m in report.members] == [ALICE, BOB, CAROL]
    alice = report.members[0]
    assert (alice.rank, alice.answered, alice.right) == (1, 2, 2) and alice.points > 1000

    text = report_csv(report, {ALICE: "Alice", BOB: "@everyone"})
    assert text.startswith(f"Quiz report,#{run_id}\r\n")
    found = blocks(text)
    assert set(found) == {"Questions", "Choices", "Members"}
    river_row = next(r for r in found["Questions"] if r["question id"] == "q-river")
    assert river_row["question"].startswith("'=HYPERLINK")  # never run as a formula
    assert (river_row["answered"], river_row["right"], river_row["right rate"]) == ("3", "2", "67%")
    choices = [(r["choice"], r["right answer"], r["picked by"]) for r in found["Choices"]]
    assert ("Dnipro", "no", "1") in choices and ("Oskil", "yes", "2") in choices
    assert "calc" not in text  # typed answers are counted, never echoed
    members = found["Members"]
    assert [(m["rank"], m["member"], m["member id"]) for m in members] == [
        ("1", "Alice", str(ALICE)),
        ("2", "'@everyone", str(BOB)),
        ("3", "", str(CAROL)),
    ]
    assert members[0]["answers"] == "2" and members[0]["total time (s)"] == "6.0"


async def test_latest_by_default_recent_list_and_refusals(
    sessions, quiz: QuizService, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    reports = ReportService(sessions)
    with pytest.raises(ReportError, match="no finished quiz yet"):
        await reports.report(GUILD)
    first = await play(quiz, clock)
    clock.advance(minutes=5)
    second = await play(quiz, clock)
    running = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1))

    assert (await reports.report(GUILD)).run_id == second
    recent = await reports.recent(GUILD)
    assert [r.run_id for r in recent] == [second, first]  # the running one is not listed
    assert recent[0].label.startswith(f"#{second} · ") and "2 questions · 3 players" in (
        recent[0].label
    )
    assert [r.run_id for r in await reports.recent(GUILD, f"#{first}")] == [first]
    assert [r.run_id for r in await reports.recent(GUILD, "day")] == []  # no qotd here
    assert await reports.recent(OTHER_GUILD) == []

    with pytest.raises(ReportError, match="still running"):
        await reports.report(GUILD, running.run_id)
    with pytest.raises(ReportError, match=f"no quiz #{first} on this server"):
        await reports.report(OTHER_GUILD, first)  # another server's quiz stays hidden
    with pytest.raises(ReportError, match="no quiz #999999"):
        await reports.report(GUILD, 999_999)
