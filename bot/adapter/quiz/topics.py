"""Topic tags as members read them: one display name per shipped tag, in one place.

A tag is what a member types (`/quiz start topics:treaties`) and what the bank
stores, so it stays as it is; what is *shown* (the game header, a question's
footer, /stats, the quiz's opening line, the topic suggestions) is its name in
the reader's language. English shows the tag itself. A tag a server uploaded
that is not listed here is shown as written; years need no translation.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import NP_, pgettext

CONTEXT = "topic"

# Every tag of the shipped bank (tests/questions checks that none is missing).
TOPICS: dict[str, str] = {
    tag: tag
    for tag in (
        NP_("topic", "administration"),
        NP_("topic", "annexation"),
        NP_("topic", "armistice"),
        NP_("topic", "border"),
        NP_("topic", "borders"),
        NP_("topic", "bridge"),
        NP_("topic", "census"),
        NP_("topic", "civilians"),
        NP_("topic", "claims"),
        NP_("topic", "collaboration"),
        NP_("topic", "courts"),
        NP_("topic", "dam"),
        NP_("topic", "detention"),
        NP_("topic", "donbas"),
        NP_("topic", "donetsk"),
        NP_("topic", "essay"),
        NP_("topic", "evacuation"),
        NP_("topic", "evidence"),
        NP_("topic", "famine"),
        NP_("topic", "frontline"),
        NP_("topic", "geography"),
        NP_("topic", "history"),
        NP_("topic", "hroza"),
        NP_("topic", "human-rights"),
        NP_("topic", "independence"),
        NP_("topic", "international-legion"),
        NP_("topic", "kharkiv"),
        NP_("topic", "language"),
        NP_("topic", "law"),
        NP_("topic", "liberation"),
        NP_("topic", "liberation-2022"),
        NP_("topic", "loyalty"),
        NP_("topic", "luhansk"),
        NP_("topic", "mayor"),
        NP_("topic", "media"),
        NP_("topic", "military"),
        NP_("topic", "nuclear"),
        NP_("topic", "occupation"),
        NP_("topic", "occupation-2022"),
        NP_("topic", "odesa"),
        NP_("topic", "ongoing"),
        NP_("topic", "opinion"),
        NP_("topic", "oskil"),
        NP_("topic", "politics"),
        NP_("topic", "polls"),
        NP_("topic", "population"),
        NP_("topic", "protest"),
        NP_("topic", "railway"),
        NP_("topic", "reconciliation"),
        NP_("topic", "rights"),
        NP_("topic", "russia"),
        NP_("topic", "security"),
        NP_("topic", "self-determination"),
        NP_("topic", "separatism"),
        NP_("topic", "sources"),
        NP_("topic", "treaties"),
        NP_("topic", "un"),
        NP_("topic", "war"),
        NP_("topic", "wwii"),
    )
}


def topic_name(tag: str) -> str:
    """The tag as the current language shows it."""
    return pgettext(CONTEXT, TOPICS[tag]) if tag in TOPICS else tag


def topic_names(tags: Iterable[str]) -> str:
    """Several tags, comma-separated, each in the current language."""
    return ", ".join(topic_name(t) for t in tags)


def named_like(text: str, language: str) -> list[str]:
    """Shipped tags whose name in `language` contains `text` (a Ukrainian member types
    "окуп" and is offered `occupation`), in tag order."""
    needle = text.strip().casefold()
    if not needle:
        return []
    return [tag for tag in TOPICS if needle in pgettext(CONTEXT, tag, language).casefold()]
