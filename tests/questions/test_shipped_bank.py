"""The question bank as shipped in questions/*.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.bank.bank_files import DEFAULT_ESSAY_PATH, BankLoad, load_bank
from bot.core.bank.items import (
    CHOICE_MAX,
    DISCUSSION_QUESTION_MAX,
    ClaimCheckItem,
    DiscussionItem,
    QuestionBase,
)
from bot.core.bank.language import check_item

QUESTIONS = Path(__file__).resolve().parents[2] / "questions"
FACT_KINDS = {"multiple_choice", "true_false", "short_answer", "which_first"}
EXPECTED_FILES = {
    "place_and_people.yaml",
    "2014.yaml",
    "occupation_2022.yaml",
    "2023_2025.yaml",
    "treaties_and_borders.yaml",
    "claim_checks.yaml",
    "discussions.yaml",
}


@pytest.fixture(scope="module")
def bank() -> BankLoad:
    return load_bank(QUESTIONS)


def test_every_file_validates(bank: BankLoad) -> None:
    assert bank.files, "no bank files found"
    assert {f.name for f in QUESTIONS.glob("*.y*ml")} == {f.name for f in bank.files}
    assert [str(p) for p in bank.problems] == []


def test_expected_files_present(bank: BankLoad) -> None:
    missing = EXPECTED_FILES - {f.name for f in bank.files}
    assert not missing, f"missing bank files: {sorted(missing)}"


def test_quotes_checked_against_essay(bank: BankLoad) -> None:
    if not DEFAULT_ESSAY_PATH.exists():
        pytest.skip("essay not present; quoted claims were not checked")
    assert bank.warnings == []


def test_at_least_150_fact_questions(bank: BankLoad) -> None:
    facts = [i for i in bank.items if i.kind in FACT_KINDS]
    assert len(facts) >= 150, f"only {len(facts)} fact questions"


def test_at_least_12_claim_checks(bank: BankLoad) -> None:
    checks = [i for i in bank.items if isinstance(i, ClaimCheckItem)]
    assert len(checks) >= 12
    assert {c.verdict for c in checks} >= {"accurate", "partly accurate", "inaccurate", "opinion"}
    assert {c.paragraph for c in checks} == {1, 2, 3, 4, 5, 6}


def test_at_least_11_discussions(bank: BankLoad) -> None:
    discussions = [i for i in bank.items if isinstance(i, DiscussionItem)]
    assert len(discussions) >= 11
    for d in discussions:
        assert 2 <= len(d.viewpoints) <= 4, d.id
        assert all(v.held_by.strip() and v.source is not None for v in d.viewpoints), d.id


def test_everything_fits_discord(bank: BankLoad) -> None:
    for item in bank.items:
        if isinstance(item, QuestionBase):
            assert len(item.display_text) <= 2000, item.id
            for i, choice in enumerate(item.choices):
                assert len(f"{'ABCDE'[i]}. {choice}") <= 80, (item.id, choice)
                assert len(choice) <= CHOICE_MAX
            assert len(item.explanation) <= 1024, item.id
            assert item.correct_index is None or 0 <= item.correct_index < len(item.choices)
            assert item.accepted_answers, item.id
            assert all(len(a) <= 100 for a in item.accepted_answers), item.id
        else:
            assert isinstance(item, DiscussionItem)
            assert len(item.question) <= DISCUSSION_QUESTION_MAX, item.id
            assert len(item.viewpoints) <= 25
            for vp in item.viewpoints:
                assert len(vp.label) <= 80 and len(vp.render()) <= 1024, (item.id, vp.label)
            total = len(item.question) + sum(
                len(v.label) + len(v.render()) for v in item.viewpoints
            )
            assert total + len(item.explanation or "") <= 6000, item.id
        for source in item.sources:
            assert len(source.render()) <= 1024


def test_language_rules_hold(bank: BankLoad) -> None:
    problems = {item.id: check_item(item) for item in bank.items}
    assert {k: v for k, v in problems.items() if v} == {}


def test_ids_unique_and_hashes_unique(bank: BankLoad) -> None:
    ids = [i.id for i in bank.items]
    assert len(ids) == len(set(ids))
    hashes = [i.content_hash() for i in bank.items]
    assert len(hashes) == len(set(hashes))


def test_ongoing_items_carry_as_of(bank: BankLoad) -> None:
    for item in bank.items:
        if "ongoing" in item.tags:
            assert item.as_of is not None, item.id


def test_every_shipped_item_records_its_review(bank: BankLoad) -> None:
    """The shipped-bank check refuses an item without ``reviewed``; none slipped through."""
    assert all(item.reviewed is not None for item in bank.items)


def test_discussions_meet_the_steelman_standard(bank: BankLoad) -> None:
    """Each view carries the evidence cited against it; none is held by the essay's
    anonymous author alone; each prompt was read from both sides' briefs."""
    for item in bank.items:
        if not isinstance(item, DiscussionItem):
            continue
        briefs = {h.brief for h in item.history}
        assert {"ukrainian-government", "russian-government"} <= briefs, item.id
        for vp in item.viewpoints:
            assert vp.evidence_against, (item.id, vp.label)
            holder = vp.held_by.lower()
            if "essay" in holder:
                assert ";" in holder or "," in holder, (item.id, vp.label, "author alone")


def test_unverifiable_is_used_for_empirical_claims(bank: BankLoad) -> None:
    checks = [i for i in bank.items if isinstance(i, ClaimCheckItem)]
    assert {c.verdict for c in checks} >= {"unverifiable", "opinion"}
