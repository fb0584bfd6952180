"""revisions, leases, threads, server language and limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 07:30:00

Questions and prompts gain immutable revisions (what was shown); rounds and
discussions point at the revision they showed. Existing rounds and
discussions are carried over: each gets a revision holding its item's
current content (the best record there is of what was shown before this
migration). Quiz runs and discussions gain a lease (owner, expiry).
"""

import hashlib
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        "question_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], name=op.f("fk_question_revisions_question_id_questions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_revisions")),
        sa.UniqueConstraint("question_id", "content_hash", name="uq_question_revisions_content"),
    )
    op.create_table(
        "prompt_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.ForeignKeyConstraint(["prompt_id"], ["discussion_prompts.id"], name=op.f("fk_prompt_revisions_prompt_id_discussion_prompts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_revisions")),
        sa.UniqueConstraint("prompt_id", "content_hash", name="uq_prompt_revisions_content"),
    )
    with op.batch_alter_table("guilds") as batch_op:
        batch_op.add_column(sa.Column("quiz_in_thread", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="en", nullable=False))
        batch_op.add_column(sa.Column("limits", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("quiz_runs") as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_quiz_runs_lease", ["status", "lease_expires_at"], unique=False)
    with op.batch_alter_table("quiz_rounds") as batch_op:
        batch_op.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("discussion_runs") as batch_op:
        batch_op.add_column(sa.Column("prompt_revision_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("final_vote_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("final_vote_announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_discussion_runs_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_discussion_runs_final_vote", ["status", "final_vote_at"], unique=False)

    _carry_over_questions()
    _carry_over_prompts()
    _final_vote_times()

    with op.batch_alter_table("quiz_rounds") as batch_op:
        batch_op.alter_column("revision_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_quiz_rounds_revision_id_question_revisions"),
            "question_revisions", ["revision_id"], ["id"], ondelete="RESTRICT",
        )
    with op.batch_alter_table("discussion_runs") as batch_op:
        batch_op.alter_column("prompt_revision_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("final_vote_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_discussion_runs_prompt_revision_id_prompt_revisions"),
            "prompt_revisions", ["prompt_revision_id"], ["id"], ondelete="RESTRICT",
        )


def _carry_over_questions() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, kind, text, choices, correct_index, accepted_answers, explanation,"
            " sources, tags, difficulty, as_of FROM questions"
            " WHERE id IN (SELECT DISTINCT question_id FROM quiz_rounds)"
        )
    ).mappings()
    for row in rows:
        as_of = row["as_of"]
        data = {
            "kind": row["kind"],
            "text": row["text"],
            "choices": _json(row["choices"]) or [],
            "correct_index": row["correct_index"],
            "accepted_answers": _json(row["accepted_answers"]) or [],
            "explanation": row["explanation"],
            "sources": _json(row["sources"]) or [],
            "tags": _json(row["tags"]) or [],
            "difficulty": row["difficulty"],
            "as_of": str(as_of)[:10] if as_of else None,
        }
        revision_id = bind.execute(
            sa.text(
                "INSERT INTO question_revisions (question_id, content_hash, data)"
                " VALUES (:q, :h, :d) RETURNING id"
            ),
            {"q": row["id"], "h": _hash(data), "d": json.dumps(data)},
        ).scalar_one()
        bind.execute(
            sa.text("UPDATE quiz_rounds SET revision_id = :r WHERE question_id = :q"),
            {"r": revision_id, "q": row["id"]},
        )


def _carry_over_prompts() -> None:
    bind = op.get_bind()
    prompts = bind.execute(
        sa.text(
            "SELECT id, question, context, sources, tags FROM discussion_prompts"
            " WHERE id IN (SELECT DISTINCT prompt_id FROM discussion_runs)"
        )
    ).mappings()
    for prompt in prompts:
        viewpoints = bind.execute(
            sa.text(
                "SELECT position, label, stance, argument, held_by, source FROM viewpoints"
                " WHERE prompt_id = :p ORDER BY position"
            ),
            {"p": prompt["id"]},
        ).mappings()
        data = {
            "question": prompt["question"],
            "context": prompt["context"] or "",
            "sources": _json(prompt["sources"]) or [],
            "tags": _json(prompt["tags"]) or [],
            "viewpoints": [
                {
                    "position": v["position"],
                    "label": v["label"],
                    "stance": v["stance"],
                    "argument": v["argument"],
                    "held_by": v["held_by"],
                    "source": _json(v["source"]) or {},
                }
                for v in viewpoints
            ],
        }
        revision_id = bind.execute(
            sa.text(
                "INSERT INTO prompt_revisions (prompt_id, content_hash, data)"
                " VALUES (:p, :h, :d) RETURNING id"
            ),
            {"p": prompt["id"], "h": _hash(data), "d": json.dumps(data)},
        ).scalar_one()
        bind.execute(
            sa.text("UPDATE discussion_runs SET prompt_revision_id = :r WHERE prompt_id = :p"),
            {"r": revision_id, "p": prompt["id"]},
        )


def _final_vote_times() -> None:
    """The final vote opens at the start of the last quarter (VoteWindows.after_opens);
    open discussions whose final vote already opened count as announced (the old
    ticker did it)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, created_at, closes_at, status FROM discussion_runs")).mappings()
    for row in rows:
        created, closes = _when(row["created_at"]), _when(row["closes_at"])
        opens = created + (closes - created) * 3 / 4
        started = opens <= (now if opens.tzinfo else now.replace(tzinfo=None))
        bind.execute(
            sa.text("UPDATE discussion_runs SET final_vote_at = :at, final_vote_announced_at = :ann WHERE id = :id"),
            {"at": opens, "ann": opens if started else None, "id": row["id"]},
        )


def _when(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade() -> None:
    with op.batch_alter_table("discussion_runs") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_discussion_runs_prompt_revision_id_prompt_revisions"), type_="foreignkey")
        batch_op.drop_index("ix_discussion_runs_final_vote")
        batch_op.drop_index("ix_discussion_runs_lease")
        batch_op.drop_column("final_vote_announced_at")
        batch_op.drop_column("final_vote_at")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("prompt_revision_id")
    with op.batch_alter_table("quiz_rounds") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_quiz_rounds_revision_id_question_revisions"), type_="foreignkey")
        batch_op.drop_column("revision_id")
    with op.batch_alter_table("quiz_runs") as batch_op:
        batch_op.drop_index("ix_quiz_runs_lease")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("guilds") as batch_op:
        batch_op.drop_column("limits")
        batch_op.drop_column("language")
        batch_op.drop_column("quiz_in_thread")
    op.drop_table("prompt_revisions")
    op.drop_table("question_revisions")
