"""Every finding of the bank review is resolved in questions/RESOLUTIONS.md.

The review lives beside the repository (``../shared/BANK_REVIEW.md``); without it the
check that no finding is missing is skipped, as the essay quote check is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.bank.bank_files import load_bank
from bot.core.bank.items import ClaimCheckItem
from tests.questions.review_findings import parse_findings

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "questions"
REVIEW = ROOT.parent / "shared" / "BANK_REVIEW.md"
RESOLUTIONS = QUESTIONS / "RESOLUTIONS.md"
OUTCOMES = {"fixed", "stands", "fixed in part"}


def resolutions() -> list[dict[str, Any]]:
    text = RESOLUTIONS.read_text("utf-8")
    match = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert match, "questions/RESOLUTIONS.md has no ```yaml block"
    data = yaml.safe_load(match.group(1))
    return list(data["findings"])


@pytest.fixture(scope="module")
def entries() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in resolutions():
        assert entry["key"] not in found, f"finding {entry['key']} is listed twice"
        found[str(entry["key"])] = entry
    return found


@pytest.fixture(scope="module")
def bank() -> dict[str, Any]:
    load = load_bank(QUESTIONS)
    assert load.ok, [str(p) for p in load.problems]
    return {item.id: item for item in load.items}


def test_no_finding_of_the_review_is_missing(entries: dict[str, dict[str, Any]]) -> None:
    if not REVIEW.exists():
        pytest.skip(f"review not present at {REVIEW}; could not check for missing findings")
    findings = parse_findings(REVIEW.read_text("utf-8"))
    assert findings, "no findings parsed from the review"
    missing = [f"{f.key}: {f.text[:80]}" for f in findings if f.key not in entries]
    assert missing == [], "findings of the review not resolved in RESOLUTIONS.md"
    unknown = sorted(set(entries) - {f.key for f in findings})
    assert unknown == [], f"RESOLUTIONS.md lists findings the review does not have: {unknown}"


def test_each_resolution_covers_the_items_its_finding_names(
    entries: dict[str, dict[str, Any]], bank: dict[str, Any]
) -> None:
    if not REVIEW.exists():
        pytest.skip(f"review not present at {REVIEW}")
    for finding in parse_findings(REVIEW.read_text("utf-8")):
        named = [t for t in finding.tokens if t in bank]
        listed = set(entries[finding.key]["items"])
        assert set(named) <= listed, (finding.key, sorted(set(named) - listed))


def test_resolutions_are_well_formed(
    entries: dict[str, dict[str, Any]], bank: dict[str, Any]
) -> None:
    for key, entry in entries.items():
        assert entry["resolution"] in OUTCOMES, (key, entry["resolution"])
        assert str(entry.get("why") or "").strip(), f"{key}: say why"
        for item_id in entry["items"]:
            assert item_id in bank, f"{key}: no item {item_id!r} in the bank"
            item = bank[item_id]
            cited = [h for h in item.history if h.finding and "BANK_REVIEW" in h.finding]
            assert cited, f"{key}: {item_id} has no history entry citing the review"
        if entry["resolution"] != "fixed":
            assert len(entry["why"]) > 40, f"{key}: a finding that stands needs its reason"


def test_every_listed_essay_claim_has_a_claim_check(
    entries: dict[str, dict[str, Any]], bank: dict[str, Any]
) -> None:
    """Section 8 lists essay claims with no claim check: each now has one."""
    section_8 = {k: e for k, e in entries.items() if k.startswith("8.")}
    assert section_8
    for key, entry in section_8.items():
        assert entry["items"], key
        assert all(isinstance(bank[i], ClaimCheckItem) for i in entry["items"]), key


def test_the_findings_parser_reads_each_kind_of_section() -> None:
    review = """# Review

## 1. Wrong

1. `a-item` is wrong.
2. `b-item` too, and
   continues here.

## 5. Prompts

- `disc-x`: unfair.
- Missing prompts: one.

## 6. Verdicts

`cc-a` (ok); "opinion" is overused; `cc-b` (too).

## 8. Claims

Paragraph 1: the first; "the second". Paragraph 2: only one. Paragraph 2's "tail".
"""
    keys = {f.key: f.tokens for f in parse_findings(review)}
    assert keys == {
        "1.1": ("a-item",),
        "1.2": ("b-item",),
        "5.b1": ("disc-x",),
        "5.b2": (),
        "6:cc-a": ("cc-a",),
        "6:cc-b": ("cc-b",),
        "6.c2": (),
        "8.p1.1": (),
        "8.p1.2": (),
        "8.p2.1": (),
        "8.p2s.1": (),
    }
