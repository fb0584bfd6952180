"""A guild's own questions: add, edit, disable, list, show, export; hide shipped ones.

Every change goes to the audit log (who, when, what). The shipped bank is
read-only here: a guild can only hide a shipped item for itself.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.bank.bank_files import _message
from bot.core.bank.items import BaseItem, QuestionBase, parse_item
from bot.i18n import N_, _, ngettext
from bot.services.bank.bank import import_items_in, item_data
from bot.services.bank.question_list import Cursor, Page, list_questions
from bot.services.bank.questions import QuestionView, question_view
from db.models import SHIPPED, AuditEntry, DiscussionPrompt, HiddenQuestion, Question
from db.upsert import insert_ignore


class AdminError(Exception):
    """A refusal a moderator should read (the message is shown as is)."""


# The form's own words for the schema's fields (what the moderator filled in), marked
# for the catalog and translated where a message names them.
FORM_FIELDS = {
    "text": N_("Question"),
    "choices": N_("Answers"),
    "answer": N_("Answers"),
    "accepted": N_("Answers"),
    "explanation": N_("Explanation"),
    "sources": N_("Source"),
    "tags": N_("Tags"),
    "difficulty": N_("Difficulty"),
}
# Why a form's question is a draft: kept as these English words in the audit log,
# translated where the moderator reads them (the /questions add reply).
NO_EXPLANATION = N_("no explanation")
NO_SOURCE = N_("no source")


def _in_form_words(field: str, problem: Any) -> str:
    kind, ctx = problem["type"], problem.get("ctx") or {}
    if field == "Difficulty":
        return _("Difficulty must be 1, 2 or 3.")
    lines = field == "Answers" and "max_length" in ctx and kind == "too_long"
    name = _(field)
    if kind == "string_too_long":
        if field == "Answers":
            return _("Each answer must be at most {limit} characters.").format(
                limit=ctx["max_length"]
            )
        return _("{field} must be at most {limit} characters.").format(
            field=name, limit=ctx["max_length"]
        )
    if kind == "string_too_short":
        return _("{field} cannot be empty.").format(field=name)
    if kind == "too_long":
        limit = ctx["max_length"]
        if lines:
            text = ngettext(
                "{field}: at most {limit} line.", "{field}: at most {limit} lines.", limit
            )
        else:
            text = ngettext(
                "{field}: at most {limit} item.", "{field}: at most {limit} items.", limit
            )
        return text.format(field=name, limit=limit)
    if kind == "too_short":
        limit = ctx["min_length"]
        text = ngettext(
            "{field}: at least {limit} item.", "{field}: at least {limit} items.", limit
        )
        return text.format(field=name, limit=limit)
    return f"{name}: {_message(problem)}"  # ours, or pydantic's mapped (bank_files)


def describe_errors(error: ValidationError) -> str:
    """Each problem once, named by the form's field, in plain words (not pydantic's)."""
    lines: list[str] = []
    for problem in error.errors()[:8]:
        names = [p for p in problem["loc"] if isinstance(p, str) and p in FORM_FIELDS]
        line = _in_form_words(FORM_FIELDS[names[0]] if names else "Question", problem)
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def item_from_form(
    slug: str,
    text: str,
    answers: str,
    explanation: str,
    source: str,
    tags: str,
    difficulty: int = 2,
) -> tuple[BaseItem, list[str]]:
    """Build an item from the /questions add form; returns it and what makes it a draft.

    Answers: first line the right answer, further lines wrong choices (multiple
    choice); a single line "true" or "false" (true/false); a single line with
    accepted answers separated by "|" (short answer).
    """
    lines = [line.strip() for line in answers.splitlines() if line.strip()]
    if not lines:
        raise AdminError(_("answers: give the right answer on the first line."))
    data: dict[str, Any] = {
        "id": slug,
        "text": text.strip(),
        "explanation": explanation.strip() or "No explanation was given yet.",
        "tags": [t.strip().lower() for t in tags.replace(";", ",").split(",") if t.strip()]
        or ["custom"],
        "difficulty": difficulty,
        "paragraph": None,
    }
    if len(lines) == 1 and lines[0].lower() in ("true", "false"):
        data.update(kind="true_false", answer=lines[0].lower() == "true")
    elif len(lines) == 1:
        data.update(kind="short_answer", accepted=[a.strip() for a in lines[0].split("|")])
    else:
        data.update(kind="multiple_choice", choices=lines, answer=lines[0])
    drafts = [] if explanation.strip() else [NO_EXPLANATION]
    if source.strip():
        parts = [p.strip() for p in source.split("|")]
        if len(parts) != 3:
            raise AdminError(_("source: write it as  title | publisher | https://url"))
        data["sources"] = [{"title": parts[0], "publisher": parts[1], "url": parts[2]}]
    else:
        drafts.append(NO_SOURCE)
    try:
        item = parse_item(data, require_sources=False)
    except ValidationError as error:
        raise AdminError(describe_errors(error)) from None
    return item, drafts


async def _keep_what_the_form_cannot_show(
    session: AsyncSession, guild_id: int, item: BaseItem
) -> tuple[BaseItem, list[str]]:
    """The form edits the words of the item's own language; its picture and its other
    languages are kept. A translation that no longer fits (the edit changed the number
    of choices) is dropped, and the audit entry says so."""
    stored = await session.scalar(
        select(Question.data).where(Question.guild_id == guild_id, Question.slug == item.id)
    )
    kept = {k: v for k, v in (stored or {}).items() if k in ("image", "translations") and v}
    if not kept:
        return item, []
    data = {**item_data(item), **kept}
    try:
        return parse_item(data, require_sources=False), []
    except ValidationError:
        data.pop("translations", None)
        return parse_item(data, require_sources=False), ["translations"]


class QuestionAdminService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _audit(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        action: str,
        slug: str,
        **detail: Any,
    ) -> None:
        session.add(
            AuditEntry(
                guild_id=guild_id,
                user_id=user_id,
                action=action,
                target_type="question",
                target_id=slug,
                detail=detail,
            )
        )

    async def _find(self, session: AsyncSession, guild_id: int, ref: str) -> Question:
        """A question by numeric id or slug, among those the guild can see."""
        ref = ref.strip()
        condition = Question.id == int(ref) if ref.isdigit() else Question.slug == ref
        rows = (
            (
                await session.execute(
                    select(Question)
                    .where(condition, Question.guild_id.in_([guild_id, SHIPPED]))
                    .order_by(Question.guild_id.desc())
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            raise AdminError(_("No question {ref} on this server.").format(ref=repr(ref)))
        return rows[0]  # the guild's own wins over a shipped item with the same slug

    async def save_form_item(
        self, guild_id: int, user_id: int, item: BaseItem, drafts: list[str], *, editing: bool
    ) -> QuestionView:
        async with self.sessions.begin() as session:
            exists = await session.scalar(
                select(Question.id).where(Question.guild_id == guild_id, Question.slug == item.id)
            )
            if editing and exists is None:
                raise AdminError(
                    _("No question {ref} of this server to edit.").format(ref=repr(item.id))
                )
            if not editing and exists is not None:
                raise AdminError(
                    _("This server already has a question {ref}.").format(ref=repr(item.id))
                )
            dropped: list[str] = []
            if editing:
                item, dropped = await _keep_what_the_form_cannot_show(session, guild_id, item)
            await import_items_in(
                session,
                [item],
                guild_id=guild_id,
                user_id=user_id,
                drafts=[item.id] if drafts else [],
                rng=random.Random(),
            )
            await self._audit(
                session,
                guild_id,
                user_id,
                "question.edit" if editing else "question.add",
                item.id,
                drafts=drafts,
                **({"dropped": dropped} if dropped else {}),
            )
            await session.flush()
            row = await self._find(session, guild_id, item.id)
            return question_view(row)

    async def get(self, guild_id: int, ref: str) -> QuestionView:
        async with self.sessions() as session:
            return question_view(await self._find(session, guild_id, ref))

    async def editable_item(self, guild_id: int, ref: str) -> QuestionBase:
        async with self.sessions() as session:
            row = await self._find(session, guild_id, ref)
        if row.guild_id != guild_id:
            raise AdminError(
                _("Shipped questions are read-only; you can hide them with /questions disable.")
            )
        item = parse_item(row.data, require_sources=False)
        assert isinstance(item, QuestionBase)
        return item

    async def set_enabled(self, guild_id: int, user_id: int, ref: str, enabled: bool) -> str:
        """Enable/disable the guild's own item, or unhide/hide a shipped one for the guild."""
        async with self.sessions.begin() as session:
            row = await self._find(session, guild_id, ref)
            if row.guild_id == SHIPPED:
                if enabled:
                    await session.execute(
                        delete(HiddenQuestion).where(
                            HiddenQuestion.guild_id == guild_id,
                            HiddenQuestion.question_id == row.id,
                        )
                    )
                else:
                    await insert_ignore(
                        session,
                        HiddenQuestion,
                        {"guild_id": guild_id, "question_id": row.id, "hidden_by": user_id},
                    )
                action = "question.unhide" if enabled else "question.hide"
                message = (
                    _("{slug}: shown again.") if enabled else _("{slug}: hidden for this server.")
                )
            else:
                if enabled and row.status == "draft":
                    raise AdminError(
                        _(
                            "{slug} is a draft: complete it (a source and an explanation) "
                            "with /questions edit first."
                        ).format(slug=row.slug)
                    )
                row.status = "active" if enabled else "disabled"
                action = "question.enable" if enabled else "question.disable"
                message = _("{slug}: enabled.") if enabled else _("{slug}: disabled.")
            await self._audit(session, guild_id, user_id, action, row.slug)
            return message.format(slug=row.slug)

    async def list(
        self,
        guild_id: int,
        search: str = "",
        *,
        after: Cursor | None = None,
        before: Cursor | None = None,
        page: int = 1,
    ) -> Page:
        """A page of /questions list (keyset paging and indexed search: question_list.py)."""
        async with self.sessions() as session:
            return await list_questions(
                session, guild_id, search, after=after, before=before, page=page
            )

    async def export(self, guild_id: int) -> list[BaseItem]:
        """The guild's own questions and prompts, as items that re-import to the same set."""
        async with self.sessions() as session:
            questions = await session.execute(
                select(Question.data).where(Question.guild_id == guild_id).order_by(Question.id)
            )
            prompts = await session.execute(
                select(DiscussionPrompt.data)
                .where(DiscussionPrompt.guild_id == guild_id)
                .order_by(DiscussionPrompt.id)
            )
            data = [*questions.scalars(), *prompts.scalars()]
        return [parse_item(d, require_sources=False) for d in data]
