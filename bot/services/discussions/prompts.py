"""A discussion prompt as members see it, and its snapshot for revisions.

A discussion shows one revision of its prompt for its whole life: votes are
positions into that revision's viewpoints, so a prompt re-uploaded with
fewer viewpoints can never make an open discussion's votes point nowhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from bot.core.bank.items import BASE_LANGUAGE
from db.models import DiscussionPrompt


@dataclass(frozen=True)
class ViewpointView:
    position: int
    label: str
    stance: str  # the position in one neutral sentence
    argument: str
    held_by: str
    source: dict[str, Any]  # {title, publisher, url} or {}


@dataclass(frozen=True)
class PromptView:
    id: int
    guild_id: int
    slug: str
    question: str
    context: str
    sources: list[dict[str, Any]]
    tags: list[str]
    status: str
    viewpoints: list[ViewpointView]
    # {language: Translation fields} as authored (see bot.core.bank.items.Translation).
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [v.label for v in self.viewpoints]


def prompt_view(row: DiscussionPrompt) -> PromptView:
    return PromptView(
        id=row.id,
        guild_id=row.guild_id,
        slug=row.slug,
        question=row.question,
        context=row.context or "",
        sources=list(row.sources or []),
        tags=list(row.tags or []),
        status=row.status,
        viewpoints=[
            ViewpointView(
                position=v.position,
                label=v.label,
                stance=v.stance,
                argument=v.argument,
                held_by=v.held_by,
                source=dict(v.source or {}),
            )
            for v in sorted(row.viewpoints, key=lambda v: v.position)
        ],
        translations=dict((row.data or {}).get("translations") or {}),
    )


def localized(view: PromptView, language: str) -> tuple[PromptView, bool]:
    """The prompt in `language`, and whether it had that language (else it is returned
    as it is, for the caller to mark). Viewpoints keep their positions and sources."""
    if language == BASE_LANGUAGE:
        return view, True
    text = view.translations.get(language)
    if not text:
        return view, False
    words = list(text.get("viewpoints") or [])
    viewpoints = [
        replace(
            vp,
            label=mine.get("label") or vp.label,
            stance=mine.get("position") or vp.stance,
            argument=mine.get("argument") or vp.argument,
            held_by=mine.get("held_by") or vp.held_by,
        )
        if i < len(words) and (mine := words[i])
        else vp
        for i, vp in enumerate(view.viewpoints)
    ]
    return (
        replace(
            view,
            question=text.get("question") or view.question,
            context=text.get("explanation") or view.context,
            viewpoints=viewpoints,
        ),
        True,
    )


_IDENTITY = ("id", "guild_id", "slug", "status")


def prompt_snapshot(view: PromptView) -> dict[str, Any]:
    """The content of a prompt as shown, as plain JSON (identity fields left out)."""
    data = asdict(view)
    for key in _IDENTITY:
        data.pop(key)
    return data


def prompt_from_snapshot(
    data: dict[str, Any], *, prompt_id: int, guild_id: int, slug: str, status: str
) -> PromptView:
    """The prompt as it was shown; fields added to the view since keep their defaults."""
    known = {f.name for f in fields(ViewpointView)}
    viewpoints = [
        ViewpointView(**{k: v for k, v in vp.items() if k in known})
        for vp in data.get("viewpoints", [])
    ]
    known = {f.name for f in fields(PromptView)} - set(_IDENTITY) - {"viewpoints"}
    return PromptView(
        id=prompt_id,
        guild_id=guild_id,
        slug=slug,
        status=status,
        viewpoints=viewpoints,
        **{k: v for k, v in data.items() if k in known},
    )
