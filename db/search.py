"""Text search over questions through an index, on whichever database runs.

Why: `/questions list` searched with ``LIKE '%x%'`` over every question text;
on a server with 200,000 questions five searches held SQLite for 5.7 s and
another server's click waited. A search is a substring search (what moderators
type is part of a question, a slug or a tag), so the indexes are trigram
indexes, which answer substring queries:

- **SQLite**: an FTS5 table ``questions_fts`` with the ``trigram`` tokenizer
  (SQLite 3.34+), external content (it stores no second copy of the texts),
  kept in sync by triggers on ``questions``, so every writer (the bank, imports,
  the form) keeps it right without knowing it exists.
- **PostgreSQL**: GIN indexes with ``pg_trgm`` on ``lower(text)`` and ``slug``;
  the query is the plain ``LIKE`` and the planner picks the index.

Fallbacks, said plainly: when migration 0003 could not create them (SQLite
without FTS5 or trigram, PostgreSQL where ``CREATE EXTENSION pg_trgm`` is not
allowed), searches still work, as a scan, and the migration logs a warning
that says so. A search shorter than three characters cannot use a
trigram index and scans on both databases.

The FTS objects are not SQLAlchemy models (a virtual table and triggers are
not something ``Base.metadata`` can describe), so autogenerate is told to leave
them alone with :func:`include_name`. A migration that rebuilds the questions
table on SQLite (batch mode) drops its triggers: re-create them with
:data:`SQLITE_TRIGGERS` (a test checks they exist at head).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Question

FTS_TABLE = "questions_fts"
TRIGRAM_INDEXES = ("ix_questions_text_trgm", "ix_questions_slug_trgm")
MIN_INDEXED = 3  # a trigram index needs at least three characters

SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "text, slug, content='questions', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON questions BEGIN
  INSERT INTO {FTS_TABLE}(rowid, text, slug) VALUES (new.id, new.text, new.slug);
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON questions BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, slug)
  VALUES ('delete', old.id, old.text, old.slug);
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF text, slug ON questions BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, slug)
  VALUES ('delete', old.id, old.text, old.slug);
  INSERT INTO {FTS_TABLE}(rowid, text, slug) VALUES (new.id, new.text, new.slug);
END""",
)
SQLITE_TRIGGER_NAMES = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic autogenerate: the search objects live outside the models."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(FTS_TABLE):
        return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, _config)
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


async def sqlite_fts_ready(session: AsyncSession) -> bool:
    """Whether this SQLite database has the FTS table (migration 0003 made it)."""
    found = await session.scalar(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": FTS_TABLE},
    )
    return found is not None


def fts_phrase(needle: str) -> str:
    """An FTS5 query matching ``needle`` as a substring (a quoted phrase; trigram)."""
    return '"' + needle.replace('"', '""') + '"'


def fts_match_ids(
    needle: str, guild_ids: Sequence[int], *, after: int | None = None, before: int | None = None
) -> Select[Any]:
    """SQLite: ids of the servers' questions whose text or slug contains ``needle`` (at
    least :data:`MIN_INDEXED` characters), in id order (descending with ``before``).

    The FTS table drives (CROSS JOIN keeps it the outer loop): it streams matching
    rowids in order, so with a LIMIT the query stops after a page instead of
    collecting every match of a common word first."""
    phrase = fts_phrase(needle)
    query = (
        select(literal_column("q.id", Integer).label("id"))
        .select_from(text(f"{FTS_TABLE} CROSS JOIN questions AS q ON q.id = {FTS_TABLE}.rowid"))
        .where(text(f"{FTS_TABLE} MATCH :fts_phrase").bindparams(fts_phrase=phrase))
        .where(
            text("q.guild_id IN :fts_guilds").bindparams(
                bindparam("fts_guilds", list(guild_ids), expanding=True)
            )
        )
    )
    rowid = literal_column(f"{FTS_TABLE}.rowid", Integer)
    if before is not None:
        return query.where(rowid < before).order_by(rowid.desc())
    if after is not None:
        query = query.where(rowid > after)
    return query.order_by(rowid)


def like_matches(needle: str) -> ColumnElement[bool]:
    """The question's text or slug contains ``needle`` (lower case): a ``LIKE`` that
    PostgreSQL answers from its trigram indexes, and that scans elsewhere."""
    return or_(
        func.lower(Question.text).contains(needle, autoescape=True),
        Question.slug.contains(needle, autoescape=True),
    )
