"""`/questions list`: a server's questions, then the shipped ones, a page at a time.

Why keyset paging: an OFFSET makes the database read and throw away every row
before the page, so page 500 of a 200,000-question server read 5,000 rows, and
a search read every text. A page here starts from a key (the last question
shown) and reads only about one page of rows: through ``ix_questions_guild_list``
(guild, id); for a search, through the trigram index of ``db/search.py``
(streamed in id order on SQLite) or an exact tag through ``ix_question_tags_tag``.
A search of one or two characters, which no trigram index can answer, matches
tags only.
Previous reads backwards from the first question shown. The total is counted
up to :data:`COUNT_CAP` and shown as "1,000+" beyond, so a common word is not
counted row by row while another server waits (SQLite has one connection).

The order: the server's own questions first, then the shipped bank, each by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.bank.questions import QuestionView, question_view
from db.models import SHIPPED, Question, QuestionTag
from db.search import MIN_INDEXED, fts_match_ids, like_matches, sqlite_fts_ready

PAGE = 10
COUNT_CAP = 1_000


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in the listing order; ``shipped`` sorts after the server's own."""

    shipped: bool
    id: int

    def encode(self) -> str:
        return ("s" if self.shipped else "o") + str(self.id)

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        if len(text) >= 2 and text[0] in "os" and text[1:].isdigit():
            return cls(text[0] == "s", int(text[1:]))
        return None

    @classmethod
    def of(cls, view: QuestionView) -> Cursor:
        return cls(view.guild_id == SHIPPED, view.id)


@dataclass(frozen=True)
class Page:
    items: list[QuestionView]
    page: int
    total: int  # matches, counted up to COUNT_CAP
    more: bool  # True when there are more than ``total`` (the count stopped)
    previous: Cursor | None  # list before this (its first item); None on the first page
    next: Cursor | None  # list after this (its last item); None on the last page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))


@dataclass(frozen=True)
class _Search:
    """How one search is answered on this database: as separate streams of ids in id
    order (text matches, tag matches), each from its own index, merged here. One
    query with ``text LIKE .. OR id IN (tagged)`` makes PostgreSQL give up the
    trigram index and read every row (2.3 s on 200,000 questions)."""

    needle: str
    fts: bool  # text matches from the SQLite FTS table (else LIKE: pg_trgm on PostgreSQL)

    def streams(self, guild_ids: list[int], bound: int | None, backwards: bool) -> list[Any]:
        """Queries of matching ids, nearest the bound first (no limit yet)."""
        if not self.needle:
            everything = select(Question.id).where(Question.guild_id.in_(guild_ids))
            return [_bounded(everything, Question.id, bound, backwards)]
        tagged = (
            select(QuestionTag.question_id.label("id"))
            .join(Question, Question.id == QuestionTag.question_id)
            .where(QuestionTag.tag == self.needle, Question.guild_id.in_(guild_ids))
        )
        found = [_bounded(tagged, QuestionTag.question_id, bound, backwards)]
        if len(self.needle) < MIN_INDEXED:
            return found  # no index answers "contains 'ab'": tags only, never a scan
        if self.fts:
            found.append(
                fts_match_ids(
                    self.needle,
                    guild_ids,
                    after=None if backwards else bound,
                    before=bound if backwards else None,
                )
            )
        else:
            by_text = select(Question.id).where(
                Question.guild_id.in_(guild_ids), like_matches(self.needle)
            )
            found.append(_bounded(by_text, Question.id, bound, backwards))
        return found

    async def ids(
        self, session: AsyncSession, scope: int, bound: int | None, backwards: bool, limit: int
    ) -> list[int]:
        """Up to ``limit`` matching ids of one scope (a server, or the shipped bank) after
        (or, ``backwards``, before) ``bound``, nearest first."""
        found: set[int] = set()
        for query in self.streams([scope], bound, backwards):
            found.update((await session.execute(query.limit(limit))).scalars())
        return sorted(found, reverse=backwards)[:limit]

    async def count(self, session: AsyncSession, guild_ids: list[int]) -> int:
        """Matches, up to COUNT_CAP + 1 (each stream stops there)."""
        parts = [
            select(q.limit(COUNT_CAP + 1).subquery()) for q in self.streams(guild_ids, None, False)
        ]
        matched = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
        return await session.scalar(select(func.count()).select_from(matched)) or 0


def _bounded(query: Any, key: Any, bound: int | None, backwards: bool) -> Any:
    if bound is not None:
        query = query.where(key < bound if backwards else key > bound)
    return query.order_by(key.desc() if backwards else key)


async def list_questions(
    session: AsyncSession,
    guild_id: int,
    search: str = "",
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    page: int = 1,
) -> Page:
    """One page of the questions a server sees that match ``search``: after ``after``,
    before ``before``, or the first page. ``page`` is only the number to show."""
    needle = search.strip().lower()
    fts = (
        len(needle) >= MIN_INDEXED
        and session.bind.dialect.name == "sqlite"
        and await sqlite_fts_ready(session)
    )
    how = _Search(needle, fts)
    cursor = before or after
    backwards = before is not None
    keys: list[Cursor] = []
    for shipped in (True, False) if backwards else (False, True):
        if cursor is not None and (
            shipped > cursor.shipped if backwards else shipped < cursor.shipped
        ):
            continue  # this part of the order lies on the other side of the cursor
        bound = cursor.id if cursor is not None and shipped == cursor.shipped else None
        scope = SHIPPED if shipped else guild_id
        ids = await how.ids(session, scope, bound, backwards, PAGE + 1 - len(keys))
        keys.extend(Cursor(shipped, i) for i in ids)
        if len(keys) > PAGE:
            break
    beyond = len(keys) > PAGE
    keys = keys[:PAGE]
    if backwards:
        if not beyond:  # nothing before these: this is the first page
            return await list_questions(session, guild_id, search)
        keys.reverse()
    rows = {
        row.id: row
        for row in (
            await session.execute(select(Question).where(Question.id.in_([k.id for k in keys])))
        ).scalars()
    }
    items = [question_view(rows[k.id]) for k in keys if k.id in rows]
    total = await how.count(session, [guild_id, SHIPPED])
    first_page = cursor is None
    return Page(
        items,
        1 if first_page else max(2, page) if backwards else page,
        min(total, COUNT_CAP),
        total > COUNT_CAP,
        Cursor.of(items[0]) if items and not first_page else None,
        # Backwards, the page we came from follows this one; forwards, only if found.
        Cursor.of(items[-1]) if items and (backwards or beyond) else None,
    )
