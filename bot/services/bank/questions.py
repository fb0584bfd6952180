"""Reading questions: the random draw and lookups, always scoped to a guild.

A guild sees the shipped bank (minus items it hid) plus its own questions,
never another guild's.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    all_,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.core.bank.items import BASE_LANGUAGE, DEFAULT_WHICH_FIRST_TEXT
from db.models import SHIPPED, HiddenQuestion, PracticeItem, Question, QuestionTag
from db.one_trip import Tx
from db.upsert import dialect_name

FACT_KINDS = ("multiple_choice", "true_false", "short_answer", "which_first")
CLAIM_KINDS = ("claim_check",)
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "mixed": FACT_KINDS + CLAIM_KINDS,
    "facts": FACT_KINDS,
    "claims": CLAIM_KINDS,
}


@dataclass(frozen=True)
class QuestionView:
    id: int
    guild_id: int
    slug: str
    kind: str
    text: str
    choices: list[str]
    correct_index: int | None
    accepted_answers: list[str]
    explanation: str
    sources: list[dict[str, Any]]
    tags: list[str]
    difficulty: int
    as_of: date | None
    status: str
    image: str | None = None  # an https picture URL to show with the question (issue 13)
    # {language: Translation fields} as authored (see bot.core.bank.items.Translation).
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def correct_text(self) -> str:
        if self.correct_index is not None and 0 <= self.correct_index < len(self.choices):
            return self.choices[self.correct_index]
        return self.accepted_answers[0] if self.accepted_answers else ""


def question_view(row: Question | Any) -> QuestionView:
    """An ORM question or a row of the questions table (`draw_question_row`)."""
    return QuestionView(
        id=row.id,
        guild_id=row.guild_id,
        slug=row.slug,
        kind=row.kind,
        text=row.text,
        choices=list(row.choices or []),
        correct_index=row.correct_index,
        accepted_answers=list(row.accepted_answers or []),
        explanation=row.explanation,
        sources=list(row.sources or []),
        tags=list(row.tags or []),
        difficulty=row.difficulty,
        as_of=row.as_of,
        status=row.status,
        image=(row.data or {}).get("image"),
        translations=dict((row.data or {}).get("translations") or {}),
    )


def localized(view: QuestionView, language: str) -> tuple[QuestionView, bool]:
    """The question in `language`, and whether it had that language.

    Only words change: the answer is at the same position in every language. An
    item without the language is returned as it is (the caller marks it).
    """
    text = view.translations.get(language)
    if language == BASE_LANGUAGE or not view.translations:
        return view, language == BASE_LANGUAGE
    if not text:
        return view, False
    accepted = view.accepted_answers
    if text.get("accepted"):  # its own language's answer first in the reveal
        accepted = list(dict.fromkeys([*text["accepted"], *accepted]))
    with i18n.use(language):
        words = text.get("text") or framed_claim(view, text.get("claim"))
        if not words and view.kind == "which_first" and view.text == DEFAULT_WHICH_FIRST_TEXT:
            words = i18n._(DEFAULT_WHICH_FIRST_TEXT)
    return (
        replace(
            view,
            text=words or view.text,
            choices=list(text.get("choices") or text.get("events") or view.choices)
            if view.kind != "claim_check"
            else view.choices,
            accepted_answers=accepted,
            explanation=text.get("explanation") or view.explanation,
            sources=[*view.sources, *text.get("sources", [])],
        ),
        True,
    )


# The bank's default which-first question, shown through the catalog.
i18n.N_("Which came first?")


def framed_claim(view: QuestionView, claim: str | None) -> str | None:
    """A claim check's translated claim in the catalog's framing sentence, marked as a
    translation: the essay was written in English (the language of the caller's `use`)."""
    if view.kind != "claim_check" or not claim:
        return None
    claim = claim.rstrip(" .")
    if view.text.startswith("In paraphrase"):
        return i18n._(
            "In paraphrase, the essay says (translated from English): {claim}. "
            "How does that hold up?"
        ).format(claim=claim)
    return i18n._(
        "The essay says (translated from English): “{claim}”. How does that hold up?"
    ).format(claim=claim)


_IDENTITY = ("id", "guild_id", "slug", "status")


def question_snapshot(view: QuestionView) -> dict[str, Any]:
    """What a member is shown and judged against, as plain JSON: a revision's data."""
    data = asdict(view)
    for key in _IDENTITY:
        data.pop(key)
    data["as_of"] = view.as_of.isoformat() if view.as_of else None
    return data


def question_from_snapshot(
    data: dict[str, Any], *, question_id: int, guild_id: int, slug: str, status: str
) -> QuestionView:
    """The question as it was shown; fields added to the view since keep their defaults."""
    known = {f.name for f in fields(QuestionView)} - set(_IDENTITY)
    values = {k: v for k, v in data.items() if k in known}
    if values.get("as_of"):
        values["as_of"] = date.fromisoformat(values["as_of"])
    return QuestionView(id=question_id, guild_id=guild_id, slug=slug, status=status, **values)


def visible_scopes(guild_id: int | BindParameter[int]) -> tuple[Any, Any]:
    """The two halves of `visible_to`: shipped items not hidden, the guild's own items."""
    hidden = exists().where(
        HiddenQuestion.guild_id == guild_id, HiddenQuestion.question_id == Question.id
    )
    return and_(Question.guild_id == SHIPPED, ~hidden), Question.guild_id == guild_id


def visible_to(guild_id: int | BindParameter[int]) -> Any:
    """Shipped items the guild has not hidden, and the guild's own items."""
    return or_(*visible_scopes(guild_id))


class _Shape(NamedTuple):
    """Which optional filters a draw or count has. The statement of each shape is built
    once and cached, its values passed as parameters: building and cache-keying a fresh
    statement cost more CPU than the database spent on the draw (issue 18)."""

    tags: bool
    difficulty: bool
    kinds: bool
    exclude: bool
    unseen: bool


def _draw_params(
    guild_id: int,
    tags: Sequence[str],
    difficulty: int | None,
    kinds: Sequence[str],
    exclude: Sequence[int],
    unseen_by: int | None = None,
) -> tuple[_Shape, dict[str, Any]]:
    """The shape of a filter and the values of its parameters (named as in `_filters`)."""
    params: dict[str, Any] = {"guild_id": guild_id}
    if tags:
        params["tags"] = list(tags)
    if difficulty is not None:
        params["difficulty"] = difficulty
    if kinds:
        params["kinds"] = list(kinds)
    if exclude:
        params["exclude"] = list(exclude)
    if unseen_by is not None:
        params["unseen_by"] = unseen_by
    shape = _Shape(*(k in params for k in ("tags", "difficulty", "kinds", "exclude", "unseen_by")))
    return shape, params


def _not_excluded(dialect: str) -> Any:
    """The run's questions shown so far are left out. On PostgreSQL through one array
    parameter: a NOT IN of an expanding list is a new SQL text at every round (one more
    id each time), which the server prepared anew: a quiz's draws took 1.4-1.5 ms of
    CPU each, now 0.9-1.0 ms (p95 2.4-2.7 → 1.7-1.8 ms). On SQLite the expanding list
    stays: a JSON array read with `json_each` cost more than re-rendering the list."""
    if dialect == "postgresql":
        return Question.id != all_(bindparam("exclude", type_=ARRAY(Integer)))
    return Question.id.not_in(bindparam("exclude", expanding=True))


def _filters(shape: _Shape, dialect: str = "") -> list[Any]:
    """A draw's conditions besides the guild's scope, on bound parameters. Only the
    exclusion depends on the dialect (a count never excludes)."""
    conditions: list[Any] = [Question.status == "active"]
    if shape.unseen:
        conditions.append(
            ~exists().where(
                PracticeItem.guild_id == bindparam("guild_id"),
                PracticeItem.user_id == bindparam("unseen_by"),
                PracticeItem.question_id == Question.id,
            )
        )
    if shape.difficulty:
        conditions.append(Question.difficulty == bindparam("difficulty"))
    if shape.kinds:
        conditions.append(Question.kind.in_(bindparam("kinds", expanding=True)))
    if shape.exclude:
        conditions.append(_not_excluded(dialect))
    if shape.tags:
        conditions.append(
            exists().where(
                QuestionTag.question_id == Question.id,
                QuestionTag.tag.in_(bindparam("tags", expanding=True)),
            )
        )
    return conditions


@functools.lru_cache(maxsize=64)
def _draw_statement(shape: _Shape, dialect: str) -> Select[tuple[Question]]:
    """The draw as one statement: four index seeks, the lowest key wins.

    For each scope (shipped items, the guild's own) and each half of the key
    range (at or after the random point, then before it: the wrap), the first
    matching row in `rand_key` order. With `guild_id = X OR guild_id = Y` in
    one seek neither SQLite nor PostgreSQL can walk the (guild_id, status,
    rand_key) index in key order; they would sort every visible row instead.
    A row at or after the point beats any row before it, so the result is
    exactly "the first key at or after the point, wrapping to the start", in
    one round trip even when the draw wraps.
    """
    guild = bindparam("guild_id")
    point = bindparam("point")
    conditions = _filters(shape, dialect)
    arms = []
    for wrapped, key_condition in ((0, Question.rand_key >= point), (1, Question.rand_key < point)):
        for scope in visible_scopes(guild):
            first = (
                select(
                    literal_column(str(wrapped)).label("wrapped"),
                    Question.rand_key,
                    Question.id,
                )
                .where(scope, *conditions, key_condition)
                .order_by(Question.rand_key)
                .limit(1)
                .subquery()
            )
            arms.append(select(first.c.wrapped, first.c.rand_key, first.c.id))
    seeks = union_all(*arms).subquery()
    winner = select(seeks.c.id).order_by(seeks.c.wrapped, seeks.c.rand_key, seeks.c.id).limit(1)
    return select(Question).where(Question.id == winner.scalar_subquery())


@functools.lru_cache(maxsize=64)
def _draw_row_statement(shape: _Shape, dialect: str) -> Select[Any]:
    """`_draw_statement` reading the question's columns instead of an ORM object."""
    winner = _draw_statement(shape, dialect).whereclause
    return select(*Question.__table__.c).where(winner)


@functools.lru_cache(maxsize=64)
def _count_statement(shape: _Shape) -> Select[tuple[int]]:
    return select(func.count(Question.id)).where(
        visible_to(bindparam("guild_id")), *_filters(shape)
    )


async def draw_question(
    session: AsyncSession,
    guild_id: int,
    *,
    tags: Sequence[str] = (),
    difficulty: int | None = None,
    kinds: Sequence[str] = (),
    exclude: Sequence[int] = (),
    unseen_by: int | None = None,
    rng: random.Random | None = None,
) -> Question | None:
    """A uniformly-ish random matching question, in one statement of index seeks.

    Every row carries a random `rand_key`; we seek to the first key at or
    after a random point, wrapping to the start. No ORDER BY RANDOM() over
    the whole table. See `_draw_statement` for how.
    """
    point = (rng or random).random()
    shape, params = _draw_params(guild_id, tags, difficulty, kinds, exclude, unseen_by)
    params["point"] = point
    result = await session.execute(_draw_statement(shape, dialect_name(session)), params)
    return result.scalar_one_or_none()


def draw_question_row(
    tx: Tx,
    guild_id: int,
    *,
    tags: Sequence[str] = (),
    difficulty: int | None = None,
    kinds: Sequence[str] = (),
    exclude: Sequence[int] = (),
    point: float,
) -> Any | None:
    """`draw_question` in a transaction body (`db.one_trip`; a quiz's draw, each round):
    the question's row, its columns by name, rather than an ORM object. `point` is the
    random point in the key range."""
    shape, params = _draw_params(guild_id, tags, difficulty, kinds, exclude)
    params["point"] = point
    rows = tx.execute(_draw_row_statement(shape, tx.dialect), params).rows
    return rows[0] if rows else None


async def count_matching(
    session: AsyncSession,
    guild_id: int,
    *,
    tags: Sequence[str] = (),
    difficulty: int | None = None,
    kinds: Sequence[str] = (),
) -> int:
    shape, params = _draw_params(guild_id, tags, difficulty, kinds, ())
    return (await session.execute(_count_statement(shape), params)).scalar_one()


async def tag_suggestions(
    session: AsyncSession, guild_id: int, prefix: str, limit: int = 25
) -> list[str]:
    """Tags visible to the guild that start with (or contain) what was typed."""
    stmt = (
        select(QuestionTag.tag)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(visible_to(guild_id), Question.status == "active")
        .where(QuestionTag.tag.contains(prefix.strip().lower(), autoescape=True))
        .group_by(QuestionTag.tag)
        .order_by(QuestionTag.tag)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def known_tags(session: AsyncSession, guild_id: int, tags: Sequence[str]) -> set[str]:
    """Which of these tags the guild's drawable questions carry."""
    if not tags:
        return set()
    stmt = (
        select(QuestionTag.tag)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(visible_to(guild_id), Question.status == "active", QuestionTag.tag.in_(tags))
        .group_by(QuestionTag.tag)
    )
    return set((await session.execute(stmt)).scalars())


async def get_visible(session: AsyncSession, guild_id: int, question_id: int) -> Question | None:
    stmt = select(Question).where(Question.id == question_id, visible_to(guild_id))
    return (await session.execute(stmt)).scalar_one_or_none()
