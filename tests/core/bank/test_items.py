"""The bank-item schema: every kind, its accessors, and the rules it enforces."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.bank.items import (
    VERDICT_LABELS,
    ClaimCheckItem,
    DiscussionItem,
    MultipleChoiceItem,
    ShortAnswerItem,
    TrueFalseItem,
    WhichFirstItem,
    count_sentences,
    essay_paragraphs,
    normalise_text,
    parse_item,
    quote_in_paragraph,
)

SOURCE = {
    "title": "Kupiansk",
    "publisher": "Wikipedia",
    "url": "https://en.wikipedia.org/wiki/Kupiansk",
}


def base(kind: str, **extra: Any) -> dict[str, Any]:
    item = {
        "id": f"test-{kind.replace('_', '-')}",
        "kind": kind,
        "tags": ["test"],
        "difficulty": 1,
        "paragraph": None,
        "explanation": "The record says so.",
        "sources": [dict(SOURCE)],
    }
    item.update(extra)
    return item


MC = base(
    "multiple_choice",
    text="Which river runs through Kupiansk?",
    choices=["Oskil", "Dnipro", "Donets", "Desna"],
    answer="Oskil",
)
TF = base("true_false", text="Kupiansk is in Kharkiv Oblast.", answer=True)
SA = base(
    "short_answer", text="Name the river through Kupiansk.", accepted=["Oskil", "Oskil river"]
)
WF = base(
    "which_first",
    events=[
        {"text": "Budapest Memorandum", "date": "1994-12-05"},
        {"text": "Lisbon Protocol", "date": "1992-05-23"},
    ],
)
CC = base(
    "claim_check",
    paragraph=5,
    claim="the borders between Ukraine and Russia were fixed by the Lisbon Protocol in 1993",
    quoted=True,
    verdict="inaccurate",
)
VIEWPOINT = {
    "label": "Side A",
    "position": "One neutral sentence.",
    "argument": "Its strongest argument.",
    "held_by": "A named body",
    "source": dict(SOURCE),
}
DISC = {
    "id": "test-discussion",
    "kind": "discussion",
    "tags": ["test"],
    "paragraph": None,
    "question": "What should be done?",
    "viewpoints": [dict(VIEWPOINT), {**VIEWPOINT, "label": "Side B"}],
    "sources": [dict(SOURCE)],
}


def with_(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(item)
    out.update(changes)
    return out


def without(item: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(item)
    del out[key]
    return out


def errors_of(data: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(ValidationError) as exc:
        parse_item(data, **kw)
    return str(exc.value)


# ----------------------------------------------------------------------------- accessors


def test_multiple_choice_accessors() -> None:
    item = parse_item(MC)
    assert isinstance(item, MultipleChoiceItem)
    assert item.display_text == MC["text"]
    assert item.choices == MC["choices"]
    assert item.correct_index == 0
    assert item.accepted_answers == ["Oskil"]


def test_true_false_accessors() -> None:
    item = parse_item(TF)
    assert isinstance(item, TrueFalseItem)
    assert item.choices == ["True", "False"]
    assert item.correct_index == 0
    assert parse_item(with_(TF, answer=False)).correct_index == 1
    assert parse_item(with_(TF, answer=False)).accepted_answers == ["False"]


def test_short_answer_accessors() -> None:
    item = parse_item(SA)
    assert isinstance(item, ShortAnswerItem)
    assert item.correct_index is None
    assert item.choices == []
    assert item.accepted_answers == ["Oskil", "Oskil river"]


def test_which_first_accessors() -> None:
    item = parse_item(WF)
    assert isinstance(item, WhichFirstItem)
    assert item.display_text == "Which came first?"
    assert item.choices == ["Budapest Memorandum", "Lisbon Protocol"]
    assert item.correct_index == 1
    assert item.accepted_answers == ["Lisbon Protocol"]


def test_which_first_accepts_years_and_yaml_ints() -> None:
    item = parse_item(
        with_(
            WF, events=[{"text": "Independence", "date": 1991}, {"text": "Crimea", "date": "2014"}]
        )
    )
    assert item.correct_index == 0


def test_claim_check_accessors() -> None:
    item = parse_item(CC)
    assert isinstance(item, ClaimCheckItem)
    assert item.choices == ["Accurate", "Partly accurate", "Inaccurate", "Unverifiable", "Opinion"]
    assert item.choices == list(VERDICT_LABELS)
    assert item.correct_index == 2
    assert item.accepted_answers == ["Inaccurate"]
    assert item.display_text == (
        "The essay says: “the borders between Ukraine and Russia were fixed by the "
        "Lisbon Protocol in 1993”. How does that hold up?"
    )
    para = parse_item(with_(CC, quoted=False, claim="The treaty was signed in 1993."))
    assert para.display_text.startswith("In paraphrase, the essay says: The treaty")


def test_discussion_accessors() -> None:
    item = parse_item(DISC)
    assert isinstance(item, DiscussionItem)
    assert item.question == "What should be done?"
    assert [v.label for v in item.viewpoints] == ["Side A", "Side B"]
    assert "**Held by:** A named body" in item.viewpoints[0].render()
    assert len(item.content_hash()) == 64


def test_content_hash_ignores_whitespace_case_and_choice_order() -> None:
    a = parse_item(MC)
    b = parse_item(
        with_(
            MC,
            id="other-id",
            text="  which RIVER runs   through kupiansk? ",
            choices=["Desna", "dnipro", "Donets", "OSKIL"],
            answer="OSKIL",
        )
    )
    assert a.content_hash() == b.content_hash()
    c = parse_item(with_(MC, answer="Dnipro"))
    assert c.content_hash() != a.content_hash()
    assert parse_item(TF).content_hash() != parse_item(with_(TF, answer=False)).content_hash()


# ----------------------------------------------------------------------------- rejections


def test_two_correct_answers_as_list() -> None:
    assert "two choices are marked correct" in errors_of(with_(MC, answer=["Oskil", "Dnipro"]))


def test_answer_matching_two_choices() -> None:
    msg = errors_of(with_(MC, choices=["Oskil", "oskil ", "Dnipro"], answer="Oskil"))
    assert "two choices are marked correct" in msg


def test_answer_not_a_choice() -> None:
    assert "is not one of the choices" in errors_of(with_(MC, answer="Volga"))


def test_true_false_answer_must_be_bool() -> None:
    assert "true or false" in errors_of(with_(TF, answer="yes"))
    assert "two choices are marked correct" in errors_of(with_(TF, answer=[True, False]))


def test_choice_too_long_for_a_button() -> None:
    msg = errors_of(with_(MC, choices=["x" * 77, "Oskil"]))
    assert "76" in msg


def test_missing_source() -> None:
    assert "at least one source" in errors_of(with_(MC, sources=[]))
    assert "at least one source" in errors_of(without(MC, "sources"))


def test_lenient_mode_allows_missing_sources() -> None:
    item = parse_item(without(MC, "sources"), require_sources=False)
    assert not item.has_sources
    vp = without(VIEWPOINT, "source")
    disc = parse_item(with_(DISC, viewpoints=[vp, {**vp, "label": "B"}]), require_sources=False)
    assert disc.viewpoints[0].source is None
    assert "source" in errors_of(with_(DISC, viewpoints=[vp, {**vp, "label": "B"}]))


def test_unknown_field() -> None:
    assert "Extra inputs are not permitted" in errors_of(with_(MC, hint="no"))


def test_paragraph_key_must_be_present() -> None:
    assert "paragraph" in errors_of(without(MC, "paragraph"))
    assert "paragraph" in errors_of(with_(MC, paragraph=7))


def test_bad_dates() -> None:
    assert "as_of" in errors_of(with_(MC, as_of="2025-13-01"))
    assert "as_of" in errors_of(with_(MC, as_of="next week"))
    bad = with_(WF, events=[{"text": "a", "date": "2014-02-30"}, {"text": "b", "date": "2015"}])
    assert "not a valid date" in errors_of(bad)


def test_ongoing_requires_as_of() -> None:
    assert "as_of" in errors_of(with_(MC, tags=["ongoing"]))
    assert parse_item(with_(MC, tags=["ongoing"], as_of="2025-11-21")).as_of is not None


def test_which_first_dates_must_differ_and_order() -> None:
    same = with_(
        WF, events=[{"text": "a", "date": "2014-04-07"}, {"text": "b", "date": "2014-04-07"}]
    )
    assert "must differ" in errors_of(same)
    overlap = with_(WF, events=[{"text": "a", "date": "2014"}, {"text": "b", "date": "2014-04-07"}])
    assert "cannot tell which came first" in errors_of(overlap)


def test_id_tags_and_limits() -> None:
    assert "slug" in errors_of(with_(MC, id="Bad Id"))
    assert "tags" in errors_of(with_(MC, tags=[]))
    assert "tags" in errors_of(with_(MC, tags=["a", "b", "c", "d", "e", "f", "g"]))
    assert "text" in errors_of(with_(MC, text="x" * 1001))
    assert "explanation" in errors_of(with_(MC, explanation="x" * 1025))
    assert "sentences" in errors_of(with_(MC, explanation="One. Two. Three. Four."))


def test_mentions_refused_everywhere() -> None:
    assert "mention" in errors_of(with_(MC, text="Hi @everyone"))
    assert "mention" in errors_of(with_(MC, explanation="Ask <@123>."))
    vp = {**VIEWPOINT, "argument": "Ping @here now."}
    assert "mention" in errors_of(with_(DISC, viewpoints=[vp, {**VIEWPOINT, "label": "B"}]))


def test_url_must_be_http() -> None:
    assert "http(s)" in errors_of(with_(MC, sources=[{**SOURCE, "url": "ftp://x.org/a"}]))
    assert "http(s)" in errors_of(with_(MC, sources=[{**SOURCE, "url": "javascript:alert(1)"}]))


def test_unknown_and_missing_kind() -> None:
    assert "does not match" in errors_of(with_(MC, kind="essay_question"))
    assert "Unable to extract tag" in errors_of(without(MC, "kind"))


def test_claim_check_rules() -> None:
    assert "verdict" in errors_of(with_(CC, verdict="mostly true"))
    assert "paragraph" in errors_of(with_(CC, paragraph=None))
    long_quote = " ".join(["word"] * 31)
    assert "25 words" in errors_of(with_(CC, claim=long_quote))


def test_claim_check_quote_checked_against_essay_when_given() -> None:
    paragraphs = [
        "p1",
        "p2",
        "p3",
        "p4",
        "the borders ... were fixed by the Lisbon Protocol in 1993",
        "p6",
    ]
    parse_item(
        with_(CC, claim="the borders ... fixed by the Lisbon Protocol in 1993"),
        essay_paragraphs=paragraphs,
    )
    assert "not found in essay paragraph 5" in errors_of(
        with_(CC, claim="the borders were fixed in 1991"), essay_paragraphs=paragraphs
    )


def test_discussion_rules() -> None:
    assert "question" in errors_of(with_(DISC, question="Tell me about it."))
    assert "viewpoints" in errors_of(with_(DISC, viewpoints=[dict(VIEWPOINT)]))
    five = [{**VIEWPOINT, "label": f"L{i}"} for i in range(5)]
    assert "viewpoints" in errors_of(with_(DISC, viewpoints=five))
    dup = [dict(VIEWPOINT), dict(VIEWPOINT)]
    assert "distinct" in errors_of(with_(DISC, viewpoints=dup))
    long_label = {**VIEWPOINT, "label": "x" * 81}
    assert "label" in errors_of(with_(DISC, viewpoints=[long_label, dict(VIEWPOINT)]))
    two_sentences = {**VIEWPOINT, "position": "First sentence. Second sentence."}
    assert "one neutral sentence" in errors_of(
        with_(DISC, viewpoints=[two_sentences, {**VIEWPOINT, "label": "B"}])
    )
    big = {**VIEWPOINT, "argument": "a" * 900, "position": "b" * 200}
    assert "1024" in errors_of(with_(DISC, viewpoints=[big, {**VIEWPOINT, "label": "B"}]))
    assert "held_by" in errors_of(
        with_(DISC, viewpoints=[without(VIEWPOINT, "held_by"), {**VIEWPOINT, "label": "B"}])
    )


# ----------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One sentence.", 1),
        ("One. Two.", 2),
        ("The U.S. Department of State said so. Art. 111-1 was added.", 2),
        ("He said: “Stop.” Then he left. Fine!", 3),
        ("Signed on 23 May 1992 by five states.", 1),
    ],
)
def test_count_sentences(text: str, expected: int) -> None:
    assert count_sentences(text) == expected


def test_quote_normalisation() -> None:
    para = "the people of Kupiansk, in substantial proportion, don’t see it that way. Those people"
    assert quote_in_paragraph("don't see it that way.", para)
    assert quote_in_paragraph("The people of  Kupiansk ... don’t see it", para)
    assert quote_in_paragraph("[they] don't see it that way", para)
    assert not quote_in_paragraph("they all see it that way", para)
    assert not quote_in_paragraph("...", para)
    assert normalise_text("“A”  —  b") == '"a" - b'


def test_essay_paragraphs_skip_title() -> None:
    assert essay_paragraphs("Title\n\nOne.\n\n  \nTwo.\n") == ["One.", "Two."]


# --------------------------------------------------------------------------- issue 15


def test_unverifiable_is_a_verdict_players_can_choose() -> None:
    """An empirical claim no source can check gets its own verdict, distinct from opinion."""
    item = parse_item(with_(CC, verdict="unverifiable"))
    assert isinstance(item, ClaimCheckItem)
    assert item.choices[item.correct_index] == "Unverifiable"
    assert item.accepted_answers == ["Unverifiable"]
    assert len(item.choices) == 5 and all(len(f"E. {c}") <= 80 for c in item.choices)


REVIEWED = {"by": "A review session", "date": "2026-11-30", "note": "Checked against the sources."}
READS = [
    {"date": "2026-11-30", "by": "A review session", "brief": brief, "change": "Read; no change."}
    for brief in ("ukrainian-government", "russian-government")
]


def test_reviewed_is_required_only_for_the_shipped_bank() -> None:
    """Moderators' uploads need no review record; a shipped item does."""
    assert parse_item(MC).reviewed is None
    assert "reviewed" in errors_of(MC, require_review=True)
    item = parse_item(with_(MC, reviewed=REVIEWED), require_review=True)
    assert item.reviewed is not None and str(item.reviewed.date) == "2026-11-30"
    assert "reviewed" in errors_of(with_(MC, reviewed={**REVIEWED, "date": "30/11/2026"}))


def test_shipped_discussion_needs_a_read_from_each_side() -> None:
    shipped = with_(DISC, reviewed=REVIEWED, history=READS[:1])
    assert "history" in errors_of(shipped, require_review=True)
    ok = parse_item(with_(DISC, reviewed=REVIEWED, history=READS), require_review=True)
    assert {h.brief for h in ok.history} == {"ukrainian-government", "russian-government"}
    assert parse_item(with_(DISC, history=READS[:1])).kind == "discussion"  # uploads: no rule


def test_review_records_do_not_change_the_content_hash() -> None:
    plain = parse_item(MC)
    recorded = parse_item(with_(MC, reviewed=REVIEWED, history=READS))
    assert plain.content_hash() == recorded.content_hash()


def test_evidence_against_is_shown_and_counted_in_the_field_limit() -> None:
    vp = {**VIEWPOINT, "evidence_against": "The other side cites a poll."}
    item = parse_item(with_(DISC, viewpoints=[vp, {**vp, "label": "Side B"}]))
    assert isinstance(item, DiscussionItem)
    shown = item.viewpoints[0].render()
    assert "**Evidence cited against:** The other side cites a poll." in shown
    assert "Evidence cited against" in item.viewpoints[0].argument_shown
    long = {**vp, "evidence_against": "x" * 1000}
    assert "viewpoints" in errors_of(with_(DISC, viewpoints=[long, {**vp, "label": "B"}]))


# ----------------------------------------------------------------------------- translations

UK_MC = {
    "text": "Яка річка тече через Купʼянськ?",
    "choices": ["Оскіл", "Дніпро", "Донець", "Десна"],
    "explanation": "Так свідчать записи.",
}


def test_a_translation_in_the_same_order_is_accepted() -> None:
    item = parse_item(with_(MC, translations={"uk": UK_MC}))
    assert item.translations["uk"].choices[item.correct_index] == "Оскіл"


def test_translated_choices_must_differ() -> None:
    twice = {**UK_MC, "choices": ["Оскіл", "Дніпро", "оскіл", "Десна"]}
    message = errors_of(with_(MC, translations={"uk": twice}))
    assert "translations.uk.choices: choice 3 repeats choice 1" in message


def test_a_choice_written_alike_in_both_languages_keeps_its_place() -> None:
    years = with_(MC, choices=["1991", "1990", "Never"], answer="1991")
    moved = {**UK_MC, "choices": ["Ніколи", "1991", "1990"]}
    message = errors_of(with_(years, translations={"uk": moved}))
    assert "'1991' is choice 1 in the item's own language but choice 2 here" in message
    kept = {**UK_MC, "choices": ["1991", "1990", "Ніколи"]}
    assert parse_item(with_(years, translations={"uk": kept})).translations["uk"].choices


def test_translated_events_keep_their_order() -> None:
    swapped = {"events": ["Lisbon Protocol", "Budapest Memorandum"], "explanation": "Так."}
    assert "translations.uk.events: 'Lisbon Protocol' is choice 2" in errors_of(
        with_(WF, translations={"uk": swapped})
    )


def test_a_translated_short_answer_accepts_something() -> None:
    empty = {"text": "Назвіть річку.", "accepted": [], "explanation": "Так."}
    assert "translations.uk.accepted" in errors_of(with_(SA, translations={"uk": empty}))
