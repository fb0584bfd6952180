"""Files as other tools really write them (issue 16): each quirk read as its tool reads it.

The samples are our own (tests/core/bank/uploads/samples/*_quirks.*, gift_braces.gift,
statuses.*), written in each tool's shape; they are also part of the fuzz corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.bank.items import ACCEPTED_COUNT_MAX, count_sentences
from bot.core.bank.uploads import UploadParse, parse_upload
from bot.core.bank.uploads.export import export_items, exportable, left_out_note
from bot.core.bank.uploads.result import MARKED_DRAFT, NO_EXPLANATION, NO_SOURCE
from bot.core.quiz.matching import normalize_answer
from tests.factories import mcq

SAMPLES = Path(__file__).with_name("samples")


def sample(name: str) -> UploadParse:
    return parse_upload((SAMPLES / name).read_bytes(), name)


def by_text(result: UploadParse) -> dict[str, object]:
    return {p.item.text: p for p in result.items}  # type: ignore[union-attr]


# --------------------------------------------------------------------------- Red-DiscordBot


def test_red_list_imports_whole_with_every_quirk() -> None:
    result = sample("red_quirks.yaml")
    assert result.format == "redbot" and result.problems == [] and result.skipped == []
    items = {p.item.text: p for p in result.items}
    assert "$schema" not in items  # Red's schema key is not a question
    # "name any": 35 answers, more than the old limit of 10; "ALABAMA" and "the Alaska"
    # are the same answers to the matcher and are kept once.
    states = items["Name any US state from the first 35 in alphabetical order"].item
    assert len(states.accepted) == 35
    assert len({normalize_answer(a) for a in states.accepted}) == 35
    # A long first answer is what Red shows: it becomes the reveal text; the short ones
    # stay typeable.
    leader = items["Who led the defence of the city in the story?"]
    assert leader.item.accepted == ["Petrenko", "Ivan Petrenko"]
    assert leader.item.explanation.startswith("Colonel Ivan Petrenko, commander")
    assert leader.draft_reasons == [NO_SOURCE]
    # YAML booleans expanded as Red does; numbers as written and as Red prints them.
    assert items["Is the Oskil a river?"].item.accepted == ["yes", "True", "On"]
    assert items["Is the Oskil a sea?"].item.accepted == ["false", "No", "Off"]
    assert items["How long is the bridge, in kilometres?"].item.accepted == ["1.50", "1.5"]
    # A repeated key: Red keeps the last; the same answers twice: kept once.
    assert items["Which river runs through Kupiansk?"].item.accepted == ["Oskil"]
    assert items["In which oblast is Kupiansk?"].item.accepted == ["Kharkiv Oblast"]
    notes = "\n".join(result.notes)
    assert "repeats line 54; the last one is kept, as Red-DiscordBot does" in notes
    assert "repeats line 58 with the same answers; kept once" in notes
    assert "CONFIG was not applied" in notes
    assert "shown at the reveal" in notes
    # Text that cannot ping is not a mention.
    assert items["Write to whom for help?"].item.accepted == ["help@here.org"]
    assert items["Which emoji is the city's?"].item.accepted == ["<:kupiansk:123456789012345678>"]


def test_red_answers_over_the_cap_are_kept_up_to_it_with_a_note() -> None:
    answers = "".join(f"- answer {chr(97 + i // 26)}{chr(97 + i % 26)}\n" for i in range(130))
    result = parse_upload(f"Name anything:\n{answers}".encode(), "many.yaml")
    assert result.problems == []
    assert len(result.items[0].item.accepted) == ACCEPTED_COUNT_MAX
    assert any(f"the first {ACCEPTED_COUNT_MAX} are kept" in n for n in result.notes)


def test_red_question_without_a_typeable_answer_is_skipped_with_its_reason() -> None:
    text = "Too long?:\n- " + "y" * 120 + " and " + "z" * 1000 + "\nFine?:\n- fine\n"
    result = parse_upload(text.encode(), "list.yaml")
    assert [p.item.text for p in result.items] == ["Fine?"]
    assert result.problems == []
    (skipped,) = result.skipped
    assert skipped.location == "line 1" and "no answer of at most 100 characters" in str(skipped)


# --------------------------------------------------------------------------- GIFT


def test_gift_quirks_read_as_moodle_reads_them() -> None:
    result = sample("gift_quirks.gift")
    assert result.problems == [] and result.skipped == []
    items = {p.item.id: p for p in result.items}
    river = items["river-name"].item
    # Format markers are dropped from the question, the answers and the feedback.
    assert river.text == "Which river runs through **Kupiansk**?"
    assert river.choices == ["Oskil", "Dnipro"] and river.explanation == "Right: the Oskil."
    # A repeated title gets a distinct id, with a note; {Oskil} is a short answer.
    again = items["river-name-2"].item
    assert again.kind == "short_answer" and again.accepted == ["Oskil"]
    assert again.text == "Which river is Kupiansk's?"
    assert any("repeats line 4; imported with id river-name-2" in n for n in result.notes)
    assert items["raion"].item.explanation == "It is the raion's centre."
    # An HTML question's picture becomes the item's image.
    picture = items["picture"].item
    assert picture.image == "https://example.org/arms/kupiansk.png"
    assert picture.text == "Which city's coat of arms is this?"


def test_gift_brace_errors_are_errors_with_their_lines() -> None:
    result = sample("gift_braces.gift")
    assert [str(p) for p in result.problems] == [
        "line 5, item No opening: '}' without its '{': the answer block has no opening "
        "brace (write \\} for a literal brace)",
        "line 7, item Never closed: an answer block '{' has no closing '}'",
        "line 11, item Nested: '{' inside the answer block opened on line 11; write \\{ for "
        "a literal brace",
    ]
    assert not result.ok  # nothing of the file is imported


def test_gift_question_without_braces_is_still_a_description() -> None:
    result = parse_upload(b"Just some text about Kupiansk.\n\nIs it? {T}\n", "q.gift")
    assert result.problems == [] and len(result.items) == 1
    assert [s.message for s in result.skipped] == ["description questions are not supported"]


# --------------------------------------------------------------------------- statuses, images


def test_status_and_image_fields_in_yaml() -> None:
    result = sample("statuses.yaml")
    assert result.problems == []
    items = {p.item.id: p for p in result.items}
    disabled = items["status-disabled"]
    assert disabled.target_status == "disabled" and disabled.draft_reasons == []
    assert disabled.item.image == "https://example.org/pictures/oskil-bridge.jpg"
    assert items["status-draft"].draft_reasons == [MARKED_DRAFT]
    assert items["status-draft"].target_status == "draft"
    # The form's placeholder explanation is no explanation: the item stays a draft.
    assert items["status-placeholder"].draft_reasons == [NO_EXPLANATION]


def test_status_and_image_columns_in_csv() -> None:
    result = sample("statuses.csv")
    assert result.problems == []
    items = {p.item.id: p for p in result.items}
    assert items["csv-disabled"].target_status == "disabled"
    assert items["csv-disabled"].item.image == "https://example.org/p/oskil.webp"
    # A source but no explanation: a draft, never drawn with the placeholder.
    assert items["csv-draft-with-source"].draft_reasons == [NO_EXPLANATION]


def test_bad_status_and_bad_image_are_problems_with_lines() -> None:
    text = (
        "items:\n"
        "- id: bad-status\n  kind: true_false\n  status: hidden\n  text: Is it?\n"
        "  answer: true\n  explanation: It is.\n  tags: [x]\n  difficulty: 1\n"
        "  paragraph: null\n"
        "- id: bad-image\n  kind: true_false\n  image: http://example.org/a.png\n"
        "  text: Is it really?\n  answer: true\n  explanation: It is.\n  tags: [x]\n"
        "  difficulty: 1\n  paragraph: null\n"
    )
    result = parse_upload(text.encode(), "q.yaml")
    lines = [str(p) for p in result.problems]
    assert lines[0].startswith("line 4, item bad-status: status: must be one of active")
    assert lines[1].startswith("line 13, item bad-image: image: must be an https URL ending")


def test_export_writes_status_image_and_says_what_csv_left_out() -> None:
    result = sample("statuses.yaml")
    items = [p.item for p in result.items]
    statuses = {p.item.id: p.target_status for p in result.items if p.target_status != "active"}
    for fmt in ("yaml", "json", "csv"):
        data = export_items(items, fmt, statuses=statuses)
        again = parse_upload(data, f"again.{fmt}")
        assert again.problems == []
        assert {p.item.id: p.target_status for p in again.items} == {
            p.item.id: p.target_status for p in result.items
        }, fmt
        assert [p.item for p in again.items] == items
    which_first = parse_upload(
        (SAMPLES / "bank.yaml").read_bytes(), "bank.yaml"
    )  # holds kinds CSV cannot carry
    _, left = exportable([p.item for p in which_first.items], "csv")
    note = left_out_note(left, "csv")
    assert left and note is not None
    assert all(item.id in note for item in left[:5])
    assert "CSV cannot hold these kinds; export YAML or JSON" in note


def test_image_only_https_picture_urls() -> None:
    assert mcq("img-ok", image="https://example.org/a/b.JPEG").image
    for bad in ("https://example.org/a.svg", "ftp://example.org/a.png", "https://x.org/a.png?x"):
        try:
            mcq("img-bad", image=bad)
        except ValueError:
            continue
        raise AssertionError(bad)


# --------------------------------------------------------------------------- parsing speed

_OLD_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]|[A-Z]\.[A-Z]|Mr|Mrs|Ms|Dr|St|No|Nos|Art|Arts|vs|v|e\.g|i\.e|etc|cf|approx|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gen|Col|Lt|Sgt|Prof|p|pp|para|ed|eds)\.)$"
)
_OLD_END = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")


def _old_count_sentences(value: str) -> int:
    """The former (quadratic) count: the new one must agree with it everywhere."""
    value = re.sub(r"\s+", " ", value).strip()
    if not value:
        return 0
    count = 1
    for match in _OLD_END.finditer(value):
        head = value[: match.start() + 1]
        if match.group(0).startswith(".") and _OLD_ABBREVIATIONS.search(head):
            continue
        count += 1
    return count


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "A.",
                "U.S.",
                "e.g.",
                "Art.",
                "No.",
                "Mr.",
                "word",
                "Word.",
                "Word!",
                "It's",
                "?",
                "...",
                "1994.",
                "(A.)",
                '"Quoted."',
                "x.Y",
                "The",
                "…",
                " ",
                "approx.",
                "stA.",
            ]
        ),
        max_size=30,
    ).map(" ".join)
)
def test_sentence_count_is_unchanged(text: str) -> None:
    assert count_sentences(text) == _old_count_sentences(text)


def test_crafted_explanations_count_right() -> None:
    assert count_sentences(("A. " * 400).strip()) == 1
    assert count_sentences("It rose. It fell. U.S. forces left. Then rain.") == 4


def test_translations_travel_in_every_format_we_export() -> None:
    item = mcq(
        "tr-one",
        translations={
            "uk": {
                "text": "Яка річка тече через Купʼянськ?",
                "choices": ["Оскіл", "Дніпро", "Донець", "Десна"],
                "explanation": "Купʼянськ стоїть на Осколі.",
            }
        },
    )
    for fmt in ("yaml", "json", "csv"):
        again = parse_upload(export_items([item], fmt), f"a.{fmt}")
        assert again.problems == [] and again.items[0].item == item
    assert left_out_note([], "csv") is None
