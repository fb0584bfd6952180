"""Reading questions: the random draw and lookups, always scoped to a guild.

A guild sees the shipped bank (minus items it hid) plus its own questions,
never another guild's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.core.items import BASE_LANGUAGE, DEFAULT_WHICH_FIRST_TEXT
from db.models import SHIPPED, HiddenQuestion, PracticeItem, Question, QuestionTag

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
    # {language: Translation fields} as authored (see bot.core.items.Translation).
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def correct_text(self) -> str:
        if self.correct_index is not None and 0 <= self.correct_index < len(self.choices):
            return self.choices[self.correct_index]
        return self.accepted_answers[0] if self.accepted_answers else ""


def question_view(row: Question) -> QuestionView:
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


def visible_scopes(guild_id: int) -> tuple[Any, Any]:
    """The two halves of `visible_to`: shipped items not hidden, the guild's own items."""
    hidden = exists().where(
        HiddenQuestion.guild_id == guild_id, HiddenQuestion.question_id == Question.id
    )
    return and_(Question.guild_id == SHIPPED, ~hidden), Question.guild_id == guild_id


def visible_to(guild_id: int) -> Any:
    """Shipped items the guild has not hidden, and the guild's own items."""
    return or_(*visible_scopes(guild_id))


def _draw_filter(
    guild_id: int,
    tags: Sequence[str],
    difficulty: int | None,
    kinds: Sequence[str],
    exclude: Sequence[int],
    unseen_by: int | None = None,
    *,
    scoped: bool = True,
) -> list[Any]:
    conditions: list[Any] = [Question.status == "active"]
    if scoped:
        conditions.insert(0, visible_to(guild_id))
    if unseen_by is not None:
        conditions.append(
            ~exists().where(
                PracticeItem.guild_id == guild_id,
                PracticeItem.user_id == unseen_by,
                PracticeItem.question_id == Question.id,
            )
        )
    if difficulty is not None:
        conditions.append(Question.difficulty == difficulty)
    if kinds:
        conditions.append(Question.kind.in_(list(kinds)))
    if exclude:
        conditions.append(Question.id.not_in(list(exclude)))
    if tags:
        conditions.append(
            exists().where(QuestionTag.question_id == Question.id, QuestionTag.tag.in_(list(tags)))
        )
    return conditions


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
    """A uniformly-ish random matching question in two index seeks.

    Every row carries a random `rand_key`; we seek to the first key at or
    after a random point, wrapping to the start. No ORDER BY RANDOM() over
    the whole table.

    The seek runs once per scope (shipped items, the guild's own; both
    seeks in one statement) and keeps the lower key: with `guild_id = X OR
    guild_id = Y` in one query neither SQLite nor PostgreSQL can walk the
    (guild_id, status, rand_key) index in key order, and they sort every
    visible row instead (25-70 ms at 20,000 items; see BENCHMARKS.md).
    """
    point = (rng or random).random()
    conditions = _draw_filter(guild_id, tags, difficulty, kinds, exclude, unseen_by, scoped=False)
    for key_condition in (Question.rand_key >= point, Question.rand_key < point):
        firsts = [
            select(Question.id, Question.rand_key)
            .where(scope, *conditions, key_condition)
            .order_by(Question.rand_key)
            .limit(1)
            .subquery()
            for scope in visible_scopes(guild_id)
        ]
        both = union_all(*(select(f.c.id, f.c.rand_key) for f in firsts)).subquery()
        first = select(both.c.id).order_by(both.c.rand_key, both.c.id).limit(1)
        stmt: Select[tuple[Question]] = select(Question).where(
            Question.id == first.scalar_subquery()
        )
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is not None:
            return row
    return None


async def count_matching(
    session: AsyncSession,
    guild_id: int,
    *,
    tags: Sequence[str] = (),
    difficulty: int | None = None,
    kinds: Sequence[str] = (),
) -> int:
    conditions = _draw_filter(guild_id, tags, difficulty, kinds, ())
    return (await session.execute(select(func.count(Question.id)).where(*conditions))).scalar_one()


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
