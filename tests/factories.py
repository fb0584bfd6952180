"""Small, valid bank items for tests, built through the real schema."""

from __future__ import annotations

from typing import Any

from bot.core.bank.items import BaseItem, parse_item

SOURCE = {
    "title": "Kupiansk",
    "publisher": "Wikipedia",
    "url": "https://en.wikipedia.org/wiki/Kupiansk",
}


def mcq(
    slug: str,
    answer: str = "Oskil",
    *,
    tags: list[str] | None = None,
    difficulty: int = 1,
    text: str | None = None,
    **extra: Any,
) -> BaseItem:
    choices = ["Oskil", "Dnipro", "Donets", "Desna"]
    return parse_item(
        {
            "id": slug,
            "kind": "multiple_choice",
            "text": text or f"Which river flows through Kupiansk? ({slug})",
            "choices": choices,
            "answer": answer,
            "explanation": "Kupiansk lies on the Oskil river.",
            "sources": [SOURCE],
            "tags": tags or ["geography"],
            "difficulty": difficulty,
            "paragraph": None,
            **extra,
        }
    )


def short(slug: str, accepted: list[str] | None = None, **extra: Any) -> BaseItem:
    return parse_item(
        {
            "id": slug,
            "kind": "short_answer",
            "text": "Which river flows through Kupiansk?",
            "accepted": accepted or ["Oskil"],
            "explanation": "Kupiansk lies on the Oskil river.",
            "sources": [SOURCE],
            "tags": ["geography"],
            "difficulty": 2,
            "paragraph": None,
            **extra,
        }
    )
