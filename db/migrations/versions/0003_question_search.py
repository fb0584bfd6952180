"""question search and keyset paging indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:40:00

`/questions list` pages by key (guild, id) instead of OFFSET, through
ix_questions_guild_list, and searches through a trigram index: an FTS5 table
kept in sync by triggers on SQLite, pg_trgm GIN indexes on PostgreSQL (see
db/search.py). Where the database cannot have them (no FTS5 trigram
tokenizer; no right to CREATE EXTENSION pg_trgm), the migration says so in a
warning and searches scan, as before.

The SQL is written out here, not imported from db/search.py, so that this
migration keeps doing what it did when the code moves on.
"""

import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger("alembic.runtime.migration")

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE questions_fts USING fts5("
    "text, slug, content='questions', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER questions_fts_ai AFTER INSERT ON questions BEGIN
  INSERT INTO questions_fts(rowid, text, slug) VALUES (new.id, new.text, new.slug);
END""",
    """CREATE TRIGGER questions_fts_ad AFTER DELETE ON questions BEGIN
  INSERT INTO questions_fts(questions_fts, rowid, text, slug)
  VALUES ('delete', old.id, old.text, old.slug);
END""",
    """CREATE TRIGGER questions_fts_au AFTER UPDATE OF text, slug ON questions BEGIN
  INSERT INTO questions_fts(questions_fts, rowid, text, slug)
  VALUES ('delete', old.id, old.text, old.slug);
  INSERT INTO questions_fts(rowid, text, slug) VALUES (new.id, new.text, new.slug);
END""",
)


def _sqlite_has_trigram(bind: sa.engine.Connection) -> bool:
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    bind.exec_driver_sql("DROP TABLE temp.fts_probe")
    return True


def _postgres_trigram(bind: sa.engine.Connection) -> bool:
    """pg_trgm, created if it is available and we may (trusted since PostgreSQL 13)."""
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar():
        return True
    if not bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).scalar():
        return False
    savepoint = bind.begin_nested()  # a refusal must not abort the whole migration
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("could not CREATE EXTENSION pg_trgm (%s)", str(error).splitlines()[0])
        return False
    savepoint.commit()
    return True


def upgrade() -> None:
    op.create_index("ix_questions_guild_list", "questions", ["guild_id", "id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if not _sqlite_has_trigram(bind):
            log.warning(
                "this SQLite has no FTS5 trigram tokenizer (needs 3.34+): "
                "/questions list searches will scan"
            )
            return
        bind.exec_driver_sql(SQLITE_FTS)
        for trigger in SQLITE_TRIGGERS:
            bind.exec_driver_sql(trigger)
        bind.exec_driver_sql("INSERT INTO questions_fts(questions_fts) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        if not _postgres_trigram(bind):
            log.warning(
                "pg_trgm is not available to this database user: /questions list searches "
                "will scan. To index them, a superuser runs CREATE EXTENSION pg_trgm, then "
                "the two CREATE INDEX statements of migration 0003."
            )
            return
        op.execute(
            "CREATE INDEX ix_questions_text_trgm ON questions USING gin (lower(text) gin_trgm_ops)"
        )
        op.execute("CREATE INDEX ix_questions_slug_trgm ON questions USING gin (slug gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("questions_fts_ai", "questions_fts_ad", "questions_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS questions_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_questions_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_questions_slug_trgm")
    op.drop_index("ix_questions_guild_list", table_name="questions")
