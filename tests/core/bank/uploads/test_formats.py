"""Each format's sample parses to the expected items."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from bot.core.bank.uploads import ParsedItem, UploadParse, parse_upload
from bot.core.bank.uploads.result import NO_EXPLANATION, NO_SOURCE, PLACEHOLDER_EXPLANATION

SAMPLES = Path(__file__).with_name("samples")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parse(text: str | bytes, filename: str) -> UploadParse:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_upload(data, filename)


def by_id(result: UploadParse) -> dict[str, ParsedItem]:
    return {p.item.id: p for p in result.items}


# --------------------------------------------------------------------------- ours


def test_yaml_bank_sample() -> None:
    result = parse_upload(sample("bank.yaml"), "bank.yaml")
    assert result.format == "yaml"
    assert result.problems == [] and result.skipped == []
    items = by_id(result)
    assert [p.item.kind for p in result.items] == ["multiple_choice", "true_false", "which_first"]
    assert items["up-sample-mc"].draft_reasons == []
    assert items["up-sample-mc"].location == "line 4"
    assert items["up-sample-tf"].draft_reasons == [NO_SOURCE]
    assert items["up-sample-tf"].item.answer is True
    assert items["up-sample-wf"].item.events[1].date == "1992-05-23"


def test_json_bank_sample_bare_list() -> None:
    result = parse_upload(sample("bank.json"), "bank.json")
    assert result.format == "json"
    assert result.problems == []
    items = by_id(result)
    assert items["up-sample-sa"].item.accepted == ["Oskil", "the Oskil"]
    assert items["up-sample-sa"].draft_reasons == [NO_SOURCE]
    assert items["up-sample-sa"].location == "item 1"
    assert items["up-sample-mc"].draft_reasons == []


def test_json_with_items_key_and_yaml_bare_list() -> None:
    doc = {"theme": "t", "items": json.loads(sample("bank.json"))}
    assert len(parse(json.dumps(doc), "x.json").items) == 2
    yaml_list = "- " + sample("bank.yaml").decode().split("items:\n  - ", 1)[1].replace(
        "\n  ", "\n"
    )
    result = parse(yaml_list, "x.yaml")
    assert result.format == "yaml" and len(result.items) == 3, result.problems


def test_yaml_unknown_top_level_key_is_a_problem() -> None:
    result = parse("theme: x\nauthor: me\nitems: []\n", "x.yaml")
    assert [str(p) for p in result.problems] == ["line 2: author: unknown top-level key 'author'"]


# --------------------------------------------------------------------------- CSV


def test_csv_sample() -> None:
    result = parse_upload(sample("questions.csv"), "questions.csv")
    assert result.format == "csv"
    assert result.problems == []
    mc, tf, sa = result.items
    assert (mc.item.kind, mc.item.choices, mc.item.answer) == (
        "multiple_choice",
        ["Kharkiv Oblast", "Luhansk Oblast", "Donetsk Oblast"],
        "Kharkiv Oblast",
    )
    assert mc.item.tags == ["geography", "sample"] and mc.item.difficulty == 1
    assert mc.draft_reasons == [] and mc.location == "line 2"
    assert tf.item.answer is True and tf.item.tags == ["uploaded"]
    assert tf.draft_reasons == [NO_EXPLANATION, NO_SOURCE]
    assert tf.item.explanation == PLACEHOLDER_EXPLANATION
    assert sa.item.kind == "short_answer" and sa.item.difficulty == 3
    assert sa.item.id.startswith("up-") and len(sa.item.id) == 11
    assert sa.location == "line 4"


def test_csv_missing_optional_columns_and_guessed_kind() -> None:
    text = (
        "text,answer,choices\n"
        "In which oblast is Kupiansk?,Kharkiv Oblast,Kharkiv Oblast|Luhansk Oblast\n"
        "Kupiansk lies on the Oskil.,yes,\n"
    )
    result = parse(text, "q.csv")
    assert result.problems == []
    assert [p.item.kind for p in result.items] == ["multiple_choice", "true_false"]
    assert all(p.item.difficulty == 2 and p.item.paragraph is None for p in result.items)


def test_csv_unknown_column_is_named() -> None:
    result = parse("text,answer,colour\nQ?,A,red\n", "q.csv")
    assert result.items == []
    assert len(result.problems) == 1
    assert "unknown column 'colour'" in str(result.problems[0])
    assert result.problems[0].location == "line 1"


def test_csv_pipe_escapes_and_multiple_sources() -> None:
    text = (
        "kind,text,accepted,explanation,source_title,source_publisher,source_url\n"
        "short_answer,Which character separates list cells?,a \\| bar|pipe,"
        "It is the pipe.,One|Two,Pub A|Pub B,https://a.example/|https://b.example/\n"
    )
    result = parse(text, "q.csv")
    assert result.problems == []
    item = result.items[0].item
    assert item.accepted == ["a | bar", "pipe"]
    assert [s.publisher for s in item.sources] == ["Pub A", "Pub B"]
    assert result.items[0].draft_reasons == []


def test_csv_detected_by_header_even_as_txt() -> None:
    result = parse(
        "id,kind,text,answer\nx-1,true_false,Kupiansk is in Kharkiv Oblast.,true\n", "q.txt"
    )
    assert result.format == "csv" and len(result.items) == 1


# --------------------------------------------------------------------------- Red-DiscordBot


def test_redbot_sample() -> None:
    result = parse_upload(sample("kupiansk.yaml"), "kupiansk.yaml")
    assert result.format == "redbot"
    assert result.problems == []
    assert any("CONFIG" in note and "not applied" in note for note in result.notes)
    river, year, yes = result.items
    assert all(p.item.kind == "short_answer" for p in result.items)
    # "oskil" and "The Oskil" are "Oskil" to the matcher: kept once.
    assert river.item.accepted == ["Oskil"]
    assert year.item.accepted == ["1994"]  # a YAML number, as written (Red prints the same)
    assert yes.item.accepted == ["yes", "True", "On"]  # a YAML 1.1 boolean, as Red expands it
    assert river.item.tags == ["uploaded", "kupiansk"]
    assert river.draft_reasons == [NO_EXPLANATION, NO_SOURCE]
    assert river.location == "line 6"
    # Stable ids: the same file gives the same ids.
    again = parse_upload(sample("kupiansk.yaml"), "kupiansk.yaml")
    assert [p.item.id for p in again.items] == [p.item.id for p in result.items]


# --------------------------------------------------------------------------- Open Trivia DB


def test_opentdb_sample() -> None:
    result = parse_upload(sample("opentdb.json"), "whatever.json")
    assert result.format == "opentdb"
    assert result.problems == []
    mc, tf = result.items
    assert mc.item.kind == "multiple_choice"
    assert mc.item.text == 'Which of these is "Kupiansk" spelled in the Ukrainian way?'
    assert mc.item.answer == "Kupiansk" and len(mc.item.choices) == 4
    assert mc.item.difficulty == 3 and mc.item.tags == ["uploaded", "entertainment-books"]
    assert NO_SOURCE in mc.draft_reasons and NO_EXPLANATION in mc.draft_reasons
    assert any(r.startswith("language:") for r in mc.draft_reasons)  # "Kupyansk"
    assert tf.item.kind == "true_false" and tf.item.answer is True
    assert tf.item.difficulty == 1 and tf.location == "item 2"


def _encode_results(encode) -> bytes:
    data = json.loads(sample("opentdb.json"))
    data["results"] = [
        {k: [encode(x) for x in v] if isinstance(v, list) else encode(v) for k, v in r.items()}
        for r in data["results"]
    ]
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: quote(s.replace("&quot;", '"'), safe=""),
        lambda s: quote_plus(s.replace("&quot;", '"'), safe=""),
        lambda s: base64.b64encode(s.replace("&quot;", '"').encode()).decode(),
    ],
    ids=["url3986", "urlLegacy", "base64"],
)
def test_opentdb_encodings(encode) -> None:
    plain = parse_upload(sample("opentdb.json"), "o.json")
    result = parse_upload(_encode_results(encode), "o.json")
    assert result.problems == []
    assert [p.item.model_dump() for p in result.items] == [p.item.model_dump() for p in plain.items]


def test_opentdb_bad_response_code_and_unknown_type() -> None:
    data = {
        "response_code": 1,
        "results": [{"type": "slider", "question": "Q?", "correct_answer": "1"}],
    }
    result = parse(json.dumps(data), "o.json")
    assert "response_code is 1" in str(result.problems[0])
    assert len(result.skipped) == 1 and "slider" in str(result.skipped[0])


# --------------------------------------------------------------------------- GIFT


def test_gift_sample() -> None:
    result = parse_upload(sample("questions.gift"), "questions.gift")
    assert result.format == "gift"
    assert result.problems == []
    items = by_id(result)
    oblast = items["oblast"]
    assert oblast.item.kind == "multiple_choice" and oblast.item.answer == "Kharkiv Oblast"
    assert oblast.item.explanation == "Right: Kupiansk is in Kharkiv Oblast."
    assert oblast.item.tags == ["uploaded", "kupiansk-history"]
    assert oblast.draft_reasons == [NO_SOURCE]
    assert oblast.location == "line 4"
    assert items["river-tf"].item.answer is True
    assert items["river-tf"].draft_reasons == [NO_EXPLANATION, NO_SOURCE]
    river = items["river"]
    assert river.item.accepted == ["Oskil", "the Oskil"]
    assert river.item.explanation == "The Oskil runs through the city."
    esc = items["escapes"]
    assert esc.item.text == "Which symbol is written { in GIFT: the = sign or the brace?"
    assert esc.item.choices == ["the brace", "the = sign"]
    skipped = {p.item_id: p.message for p in result.skipped}
    assert skipped == {
        "essay": "essay questions are not supported",
        "match": "matching questions are not supported",
        "num": "numerical questions are not supported",
        None: "description questions are not supported",
        "mw": "missing word questions are not supported",
        "multi": "multiple answer questions are not supported",
    }


def test_gift_txt_detected_by_content() -> None:
    result = parse_upload(sample("questions.gift"), "notes.txt")
    assert result.format == "gift" and len(result.items) == 4


@pytest.mark.parametrize(
    ("answer", "expected"), [("T", True), ("TRUE", True), ("F", False), ("false", False)]
)
def test_gift_true_false_spellings(answer: str, expected: bool) -> None:
    result = parse(f"Kupiansk lies on the Oskil. {{{answer}}}\n", "q.gift")
    assert result.items[0].item.answer is expected


def test_gift_true_false_feedback_and_html() -> None:
    text = "[html]Kupiansk lies on the <b>Oskil</b>. {T#Wrong: it does.#Right: it does.}\n"
    item = parse(text, "q.gift").items[0]
    assert item.item.text == "Kupiansk lies on the Oskil."
    assert item.item.explanation == "Right: it does."


def test_gift_weighted_single_right_is_multiple_choice() -> None:
    text = "Which oblast? {~%100%Kharkiv Oblast ~%-50%Luhansk Oblast}\n\nWhich? {=%50%a =b}"
    result = parse(text, "q.gift")
    assert [p.item.kind for p in result.items] == ["multiple_choice"]
    assert result.items[0].item.answer == "Kharkiv Oblast"
    assert [p.message for p in result.skipped] == ["weighted answer questions are not supported"]


def test_gift_same_text_gets_distinct_derived_ids() -> None:
    text = "Which river? {=Oskil}\n\nWhich river? {=Dnipro}\n"
    result = parse(text, "q.gift")
    ids = [p.item.id for p in result.items]
    assert len(ids) == 2 and ids[1] == ids[0] + "-2"


def test_csv_format_doc_example_parses() -> None:
    doc = Path(__file__).resolve().parents[4] / "bot/core/bank/uploads/csv_format.md"
    example = doc.read_text().split("Example:\n\n```\n", 1)[1].split("```", 1)[0]
    result = parse(example, "doc.csv")
    assert result.problems == [] and len(result.items) == 2
    assert result.items[0].draft_reasons == []
    assert result.items[1].draft_reasons == [NO_SOURCE]
    oblast, river = (p.item for p in result.items)
    assert oblast.translations["uk"].choices[oblast.correct_index] == "Харківська область"
    assert river.translations == {}  # one language or both


def test_opentdb_plain_text_without_spaces_is_not_url_decoded() -> None:
    data = {
        "response_code": 0,
        "results": [{"type": "boolean", "question": "C++?", "correct_answer": "False"}],
    }
    result = parse(json.dumps(data), "o.json")
    assert result.items[0].item.text == "C++?"


def test_yaml_holding_gift_like_text_stays_yaml() -> None:
    text = (
        "items:\n- {id: g-1, kind: short_answer, tags: [x], difficulty: 1, paragraph: null,\n"
        "   text: 'What does {=a ~b} mean in GIFT?', accepted: [a choice], explanation: E.}\n"
    )
    result = parse(text, "upload")
    assert result.format == "yaml" and len(result.items) == 1


def test_gift_yaml_looking_lines_stay_gift() -> None:
    text = "::q1:: Kupiansk: is it in Kharkiv Oblast? {T}\n"
    result = parse(text, "upload")
    assert result.format == "gift" and result.items[0].item.answer is True


def test_redbot_list_written_as_json() -> None:
    result = parse('{"Which river runs through Kupiansk?": ["Oskil", 1]}', "list.json")
    assert result.format == "redbot"
    assert result.items[0].item.accepted == ["Oskil", "1"]
