"""The content guide's checkable language rules, as a table of passing and failing items."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.core.bank.items import DiscussionItem, Viewpoint, parse_item
from bot.core.bank.language import check_item, check_item_detailed, collective_labels

SOURCE = {"title": "T", "publisher": "P", "url": "https://example.org/"}

MC = {
    "id": "lang-mc",
    "kind": "multiple_choice",
    "tags": ["test"],
    "difficulty": 1,
    "paragraph": None,
    "text": "Which river runs through Kupiansk?",
    "choices": ["Oskil", "Dnipro"],
    "answer": "Oskil",
    "explanation": "The Oskil divides the city.",
    "sources": [SOURCE],
}
CC = {
    "id": "lang-cc",
    "kind": "claim_check",
    "tags": ["test"],
    "difficulty": 1,
    "paragraph": 3,
    "claim": "Those people are traitors.",
    "quoted": True,
    "verdict": "opinion",
    "explanation": "A value judgement no source can settle.",
    "sources": [SOURCE],
}
VP = {
    "label": "Side A",
    "position": "A neutral sentence.",
    "argument": "Its strongest argument.",
    "held_by": "A named body",
    "source": SOURCE,
}
DISC = {
    "id": "lang-disc",
    "kind": "discussion",
    "tags": ["test"],
    "paragraph": None,
    "question": "What should be done?",
    "viewpoints": [VP, {**VP, "label": "Side B"}],
    "sources": [SOURCE],
}


def item(base: dict[str, Any], **changes: Any) -> Any:
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if key.startswith("vp0_"):
            data["viewpoints"][0][key[4:]] = value
        else:
            data[key] = value
    return parse_item(data)


PASSING = [
    ("plain fact question", item(MC)),
    ("label inside a quoted claim", item(CC)),
    ("label inside a paraphrased claim", item(CC, quoted=False, claim="Residents are traitors.")),
    ("Odessa inside a quoted claim", item(CC, claim="as far west as Odessa")),
    ("quoted label in a viewpoint", item(DISC, vp0_position='The essay calls them "traitors".')),
    (
        "curly-quoted label in a viewpoint",
        item(DISC, vp0_argument="It says “collaborators” fairly."),
    ),
    (
        "Kiev in a source title and URL",
        item(MC, sources=[{**SOURCE, "title": "Kiev talks", "url": "https://x.org/kiev"}]),
    ),
    (
        "collaboration (the offence) is not a label",
        item(MC, explanation="The collaboration offence was added in 2022."),
    ),
    (
        "occupation and occupying are not labels",
        item(MC, explanation="The occupying forces left in 2022."),
    ),
    ("Staryi Oskol is a Russian town", item(MC, explanation="He lived in Staryi Oskol.")),
    ("Kievan Rus is not Kiev", item(MC, explanation="Kievan Rus was a medieval state.")),
    ("open discussion question", item(DISC, question="How should the law treat officials?")),
]

FAILING = [
    ("label in text", item(MC, text="Were the traitors punished?"), "text", "traitors"),
    (
        "label in explanation",
        item(MC, explanation="The occupiers left."),
        "explanation",
        "occupiers",
    ),
    (
        "label in a choice",
        item(MC, choices=["Collaborators", "Dnipro"], answer="Dnipro"),
        "choices[0]",
        "Collaborators",
    ),
    (
        "phrase label",
        item(MC, explanation="A pro-Russian population lives there."),
        "explanation",
        "pro-Russian population",
    ),
    (
        "pliant population",
        item(MC, explanation="It had a pliant population."),
        "explanation",
        "pliant population",
    ),
    ("rot", item(MC, explanation="The rot spread."), "explanation", "rot"),
    ("label in a custom claim-check text", item(CC, text="Are they traitors?"), "text", "traitors"),
    (
        "label in a claim-check explanation",
        item(CC, explanation="They are not traitors."),
        "explanation",
        "traitors",
    ),
    (
        "label in a discussion question",
        item(DISC, question="Are the residents traitors?"),
        "question",
        "traitors",
    ),
    (
        "unquoted label in a viewpoint",
        item(DISC, vp0_argument="They are traitors, plainly."),
        "viewpoints[0].argument",
        "traitors",
    ),
    ("Kupyansk", item(MC, text="Where is Kupyansk?"), "text", "Kupyansk"),
    ("Kharkov", item(MC, explanation="It is in Kharkov region."), "explanation", "Kharkov"),
    ("Lugansk", item(MC, choices=["Lugansk", "Dnipro"], answer="Dnipro"), "choices[0]", "Lugansk"),
    ("Kiev", item(MC, explanation="Talks in Kiev's centre."), "explanation", "Kiev"),
    (
        "Odessa outside a quoted claim",
        item(CC, quoted=False, claim="Revolts failed in Odessa."),
        "claim",
        "Odessa",
    ),
    (
        "Odessa in a viewpoint",
        item(DISC, vp0_position="Odessa is different."),
        "viewpoints[0].position",
        "Odessa",
    ),
    (
        "fact question as discussion",
        item(DISC, question="When did the city fall?"),
        "question",
        "question of fact",
    ),
    ("graphic word", item(MC, explanation="Corpses lay in the street."), "explanation", "Corpses"),
]


@pytest.mark.parametrize(("name", "bank_item"), PASSING, ids=[p[0] for p in PASSING])
def test_passing(name: str, bank_item: Any) -> None:
    assert check_item(bank_item) == []


@pytest.mark.parametrize(
    ("name", "bank_item", "field", "needle"), FAILING, ids=[f[0] for f in FAILING]
)
def test_failing(name: str, bank_item: Any, field: str, needle: str) -> None:
    issues = check_item_detailed(bank_item)
    assert issues, name
    assert any(i.field == field and needle in i.message for i in issues), [str(i) for i in issues]
    assert all(
        isinstance(s, str) and s.startswith(f"{i.field}:")
        for s, i in zip(check_item(bank_item), issues, strict=True)
    )


def test_empty_held_by_is_flagged() -> None:
    # The schema refuses an empty held_by; the language rule catches items built another way.
    good = item(DISC)
    vp = Viewpoint.model_construct(**{**VP, "held_by": "  ", "source": good.viewpoints[0].source})
    built = DiscussionItem.model_construct(
        **{**good.__dict__, "viewpoints": [vp, good.viewpoints[1]]}
    )
    assert "viewpoints[0].held_by: every viewpoint must say who holds it" in check_item(built)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("traitor", ["traitor"]),
        ("Traitors!", ["Traitors"]),
        ("betrayal and treason", []),
        ("a rotten deal", []),
        ("collaborationist regime", ["collaborationist"]),
        ("the separatist-held areas", []),
    ],
)
def test_word_boundaries(text: str, found: list[str]) -> None:
    assert collective_labels(text) == found
