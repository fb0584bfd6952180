"""/questions list on both databases: keyset pages that add up, searches through an index."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.bank import question_list
from bot.services.bank.bank import import_items
from bot.services.bank.question_admin import QuestionAdminService
from bot.services.bank.question_list import PAGE, Cursor, Page
from db.models import Question
from db.search import like_matches
from tests.factories import mcq

GUILD, OTHER = 92_000_000_000_000_001, 92_000_000_000_000_002


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """23 of the server's own, 12 shipped, 5 of another server's."""
    own = [
        mcq(f"own-{i:02}", text=f"Own question number {i:02} about the Oskil") for i in range(23)
    ]
    own[4] = mcq(
        "own-04", text="Коли Купʼянськ був звільнений? (own-04)", tags=["liberation", "ua"]
    )
    shipped = [mcq(f"bank-{i:02}", text=f"Shipped question {i:02}") for i in range(12)]
    other = [mcq(f"other-{i}", text=f"Another server's Oskil question {i}") for i in range(5)]
    await import_items(sessions, own, guild_id=GUILD)
    await import_items(sessions, shipped)
    await import_items(sessions, other, guild_id=OTHER)


async def walk_forward(admin: QuestionAdminService, search: str = "") -> list[Page]:
    pages = [await admin.list(GUILD, search)]
    while pages[-1].next is not None:
        pages.append(await admin.list(GUILD, search, after=pages[-1].next, page=pages[-1].page + 1))
    return pages


async def test_pages_cover_every_question_once_in_order_both_ways(sessions) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    admin = QuestionAdminService(sessions)
    pages = await walk_forward(admin)

    assert [p.page for p in pages] == [1, 2, 3, 4]
    assert all(p.pages == 4 and p.total == 35 and not p.more for p in pages)
    slugs = [q.slug for p in pages for q in p.items]
    assert len(slugs) == 35 == len(set(slugs))
    assert slugs[:23] == [f"own-{i:02}" for i in range(23)]  # this server's first, by id
    assert slugs[23:] == [f"bank-{i:02}" for i in range(12)]
    assert not any(s.startswith("other-") for s in slugs)
    assert pages[0].previous is None and pages[-1].next is None
    assert [len(p.items) for p in pages] == [PAGE, PAGE, PAGE, 5]

    # Previous from the last page gives back the same pages, with their numbers.
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        assert back.previous is not None
        back = await admin.list(GUILD, before=back.previous, page=back.page - 1)
        assert [q.slug for q in back.items] == [q.slug for q in expected.items]
        assert back.page == expected.page
    assert back.previous is None


async def test_previous_past_the_start_gives_the_full_first_page(sessions) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    admin = QuestionAdminService(sessions)
    first = await admin.list(GUILD)
    # A stale button: the key of the third question, as if two had been deleted since.
    stale = await admin.list(GUILD, before=Cursor.of(first.items[2]), page=2)
    assert stale.page == 1 and [q.slug for q in stale.items] == [q.slug for q in first.items]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("OSKIL", {f"own-{i:02}" for i in range(23)} - {"own-04"}),  # case-insensitive text
        ("number 1", {f"own-{i:02}" for i in range(10, 20)}),
        ("купʼянськ", {"own-04"}),  # Cyrillic, folded
        ("bank-1", {"bank-10", "bank-11"}),  # part of an id (slug)
        ("liberation", {"own-04"}),  # a tag
        ("ua", {"own-04"}),  # shorter than a trigram: tags only, no scan
        ("12", set()),
        ("zz-nothing", set()),
        ('say "quoted"', set()),  # FTS syntax in the search is only text
        ("100%", set()),  # LIKE wildcards are only text
    ],
)
async def test_search_finds_text_ids_and_tags_of_this_server_and_the_bank(
    sessions, search: str, expected: set[str]
) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    pages = await walk_forward(QuestionAdminService(sessions), search)
    found = [q.slug for p in pages for q in p.items]
    assert set(found) == expected and len(found) == len(expected)
    assert pages[0].total == len(expected)


async def test_search_follows_edits_and_deletes(sessions) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    admin = QuestionAdminService(sessions)
    await import_items(
        sessions, [mcq("own-07", text="Renamed: the Kupiansk bridge")], guild_id=GUILD
    )
    assert [q.slug for q in (await admin.list(GUILD, "bridge")).items] == ["own-07"]
    assert "own-07" not in {q.slug for q in (await admin.list(GUILD, "number 07")).items}
    async with sessions.begin() as session:
        await session.execute(
            update(Question).where(Question.slug == "own-07").values(status="disabled")
        )
    assert [q.status for q in (await admin.list(GUILD, "bridge")).items] == ["disabled"]
    async with sessions.begin() as session:
        await session.execute(delete(Question).where(Question.slug == "own-07"))
    assert (await admin.list(GUILD, "bridge")).items == []


async def test_a_huge_match_is_counted_up_to_a_cap(sessions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions)
    monkeypatch.setattr(question_list, "COUNT_CAP", 30)
    first = await QuestionAdminService(sessions).list(GUILD)
    assert (first.total, first.more, first.pages) == (30, True, 3)
    assert first.next is not None  # paging goes on past the count


async def test_the_search_is_answered_from_an_index(sessions) -> None:  # type: ignore[no-untyped-def]
    """The finding: a search read every question text. Its plan must use a text index."""
    await seed(sessions)
    async with sessions() as session:
        sync_engine = session.bind.sync_engine
        if sync_engine.dialect.name == "postgresql":
            # A tiny table is cheaper to scan: ask whether the index *can* answer the
            # condition the listing uses (the same expression as in the index).
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            query = select(Question.id).where(like_matches("oskil"))
            compiled = query.compile(sync_engine, compile_kwargs={"literal_binds": True})
            plan = (await session.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
            assert "ix_questions_text_trgm" in "\n".join(plan), plan
            return
        captured: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if "MATCH" in statement:
                captured.append((statement, parameters))

        event.listen(sync_engine, "before_cursor_execute", capture)
        try:
            page = await question_list.list_questions(session, GUILD, "oskil")
        finally:
            event.remove(sync_engine, "before_cursor_execute", capture)
        assert len(page.items) == PAGE
        statement, parameters = captured[0]
        plan = await session.run_sync(
            lambda s: (
                s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            )
        )
        steps = [row[-1] for row in plan]
        # The FTS index drives, in id order; questions are looked up by primary key.
        assert steps[0].startswith("SCAN questions_fts VIRTUAL TABLE INDEX"), steps
        assert "USING INTEGER PRIMARY KEY" in steps[1], steps
        assert not any("TEMP B-TREE" in step for step in steps), steps  # no sort of all matches
