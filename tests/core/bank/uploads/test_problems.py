"""Bad input: every bad item reported with its location and reason; limits enforced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.bank.uploads import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ITEMS,
    UploadParse,
    UploadProblem,
    parse_upload,
)

SAMPLES = Path(__file__).with_name("samples")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parse(text: str | bytes, filename: str) -> UploadParse:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_upload(data, filename)


def problem_lines(result: UploadParse) -> list[str]:
    return [str(p) for p in result.problems]


def test_problem_str() -> None:
    problem = UploadProblem("line 12", "red-3", "accepted", "empty")
    assert str(problem) == "line 12, item red-3: accepted: empty"
    assert str(UploadProblem("file", None, None, "too big")) == "file: too big"


# --------------------------------------------------------------------------- mixed files


def test_yaml_mixed_good_and_bad_reports_every_bad_one() -> None:
    result = parse_upload(sample("mixed_bad.yaml"), "mixed_bad.yaml")
    assert [p.item.id for p in result.items] == ["good-one"]
    lines = problem_lines(result)
    expected = [
        "line 19, item bad-long-choice: choices[1]: too long: 99 characters, at most 76",
        "line 29, item bad-answer: answer: 'Donetsk Oblast' is not one of the choices",
        "line 32, item bad-kind: kind: unknown kind 'essay'",
        "line 40, item bad-mention: text: contains Discord mention syntax '@everyone'",
        "line 43: an item must be a mapping",
        "line 44, item dup-content: same content as item good-one (line 3)",
        "line 52, item good-one: id: duplicate id (also at line 3)",
        "line 71, item good-two: sources[0].url: must be an http(s) URL",
    ]
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(want), (line, want)


def test_duplicate_content_names_both_locations() -> None:
    result = parse_upload(sample("mixed_bad.yaml"), "mixed_bad.yaml")
    dup = next(p for p in result.problems if p.item_id == "dup-content")
    assert dup.location == "line 44" and "line 3" in dup.message


def test_csv_mixed_good_and_bad() -> None:
    text = (
        "id,kind,text,choices,answer,accepted,explanation,difficulty,paragraph\n"
        "ok-1,true_false,Kupiansk lies on the Oskil.,,true,,It does.,1,\n"  # line 2
        "bad-1,multiple_choice,Which?,A|B,C,,Because.,2,\n"  # line 3: answer not a choice
        "bad-2,true_false,Is it?,,maybe,,Because.,2,\n"  # line 4: not a boolean
        "bad-3,short_answer,Who?,,,,Because.,5,\n"  # line 5: no accepted, difficulty 5
        "bad-4,discussion,Should we?,,,,,,\n"  # line 6: kind not in CSV
        ',short_answer,"Multi\nline <@&123>?",,,x,Because.,,\n'  # line 7: role mention
        "bad-6,,Nothing to guess from,,,,,,\n"  # line 9: no kind
        "bad-7,true_false,Kupiansk lies on the Oskil.,,true,,Again.,x,7\n"  # line 10
    )
    result = parse(text, "mixed.csv")
    assert [p.item.id for p in result.items] == ["ok-1"]
    by_loc: dict[str, list[str]] = {}
    for p in result.problems:
        by_loc.setdefault(p.location, []).append(str(p))
    assert sorted(by_loc, key=lambda s: int(s.split()[1])) == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 9",
        "line 10",
    ], by_loc
    assert "is not one of the choices" in by_loc["line 3"][0]
    assert "answer must be true or false" in by_loc["line 4"][0]
    assert any("accepted" in s for s in by_loc["line 5"])
    assert any("difficulty" in s for s in by_loc["line 5"])
    assert "cannot be written as CSV" in by_loc["line 6"][0]
    assert "mention" in by_loc["line 7"][0]
    assert "kind" in by_loc["line 9"][0]
    assert any("difficulty" in s for s in by_loc["line 10"])
    assert any("paragraph" in s for s in by_loc["line 10"])


def test_gift_mixed_good_and_bad() -> None:
    text = (
        "Kupiansk lies on the Oskil. {T}\n"  # line 1
        "\n"
        "Unclosed question {=a ~b\n"  # line 3
        "\n"
        "No marks here {Oskil}\n"  # line 5: a short answer, as Moodle reads it
        "\n"
        "::Q-long:: Which? {=ok ~" + "x" * 90 + "}\n"  # line 7
        "\n"
        "Ping <@123>? {=yes ~no}\n"  # line 9
    )
    result = parse(text, "mixed.gift")
    assert [p.item.kind for p in result.items] == ["true_false", "short_answer"]
    # A brace error is an error (nothing imports); unplayable questions are skipped.
    assert [str(p) for p in result.problems] == ["line 3: an answer block '{' has no closing '}'"]
    skipped = {p.location: p for p in result.skipped}
    assert set(skipped) == {"line 7", "line 9"}, [str(s) for s in result.skipped]
    assert skipped["line 7"].item_id == "q-long" and "choices[1]" in skipped["line 7"].message
    assert "mention" in skipped["line 9"].message


def test_redbot_mixed_good_and_bad() -> None:
    text = (
        "AUTHOR: me\n"
        "Which river?:\n- Oskil\n"  # line 2
        "Nested?:\n- [a, b]\n"  # line 4
        "Mapping?:\n  a: b\n"  # line 6
        "Too long?:\n- " + "y" * 120 + "\n"  # line 8, answer on line 9
        "Ping @here?:\n- yes\n"  # line 10
        "Empty?: []\n"  # line 12
    )
    result = parse(text, "list.yaml")
    assert result.format == "redbot"
    # Red itself plays what it can: nothing here stops the file, each is skipped.
    assert result.problems == []
    assert [p.item.text for p in result.items] == ["Which river?"]
    skipped = [str(s) for s in result.skipped]
    assert [s.location for s in result.skipped] == [
        "line 5",
        "line 6",
        "line 8",
        "line 10",
        "line 12",
    ], skipped
    assert "no answer of at most 100 characters" in skipped[2]
    assert "mention" in skipped[3]


def test_opentdb_mixed_good_and_bad() -> None:
    results = [
        {"type": "boolean", "question": "Kupiansk lies on the Oskil.", "correct_answer": "True"},
        {"type": "multiple", "correct_answer": "a", "incorrect_answers": ["b"]},
        {
            "type": "multiple",
            "question": "Which?",
            "correct_answer": "a",
            "incorrect_answers": ["@everyone"],
        },
        "not an object",
        {"type": "boolean", "question": "Is it?", "correct_answer": "Maybe"},
    ]
    result = parse(json.dumps({"response_code": 0, "results": results}), "o.json")
    assert len(result.items) == 1
    assert result.problems == []
    assert [p.location for p in result.skipped] == ["item 2", "item 3", "item 4", "item 5"]


# --------------------------------------------------------------------------- mentions


MENTIONS = ["@everyone", "@here", "<@123456>", "<@!123456>", "<@&987654>"]


@pytest.mark.parametrize("mention", MENTIONS)
def test_mentions_refused_in_every_format(mention: str) -> None:
    q = f"Who is {mention} today?"
    files = {
        "a.yaml": (
            "items:\n- {id: m-1, kind: short_answer, tags: [x], difficulty: 1, "
            f"paragraph: null, text: {json.dumps(q)}, accepted: [a], explanation: E.}}\n"
        ),
        "a.json": json.dumps(
            [
                {
                    "id": "m-1",
                    "kind": "true_false",
                    "tags": ["x"],
                    "difficulty": 1,
                    "paragraph": None,
                    "text": "Fine?",
                    "answer": True,
                    "explanation": f"Because {mention}.",
                }
            ]
        ),
        "a.csv": f'text,choices,answer\nWhich?,"a|{mention}",a\n',
        "list.yaml": f"Which?:\n- {json.dumps(mention)}\n",
        "o.json": json.dumps(
            {
                "response_code": 0,
                "results": [
                    {"type": "boolean", "question": q, "correct_answer": "True"},
                ],
            }
        ),
        "a.gift": f"Which? {{=ok ~{mention}}}\n",
    }
    for name, text in files.items():
        result = parse(text, name)
        assert result.items == [], (name, result.items)
        # Our formats: a problem to fix; other tools' files: that question is skipped.
        found = result.problems if name.startswith("a.") and name != "a.gift" else result.skipped
        assert any("mention" in p.message for p in found), (name, result.problems)


@pytest.mark.parametrize("harmless", ["help@here.org", "<:kupiansk:123456>", "<a:wave:42>"])
def test_text_that_cannot_ping_is_accepted(harmless: str) -> None:
    text = f"text,accepted\nWrite to {harmless} for what?,help\n"
    result = parse(text, "a.csv")
    assert result.problems == [] and len(result.items) == 1


# --------------------------------------------------------------------------- limits


def test_too_big_file_refused() -> None:
    data = b"// " + b"x" * MAX_UPLOAD_BYTES + b"\nQ? {T}\n"
    result = parse_upload(data, "q.gift")
    assert result.items == []
    assert "2,097,152" in str(result.problems[0])


def test_exactly_two_mib_accepted() -> None:
    question = b"Kupiansk lies on the Oskil. {T}\n"
    pad = MAX_UPLOAD_BYTES - len(question) - 4
    data = b"// " + b"x" * pad + b"\n" + question
    assert len(data) == MAX_UPLOAD_BYTES
    result = parse_upload(data, "q.gift")
    assert len(result.items) == 1 and result.problems == []


def _csv_rows(n: int) -> str:
    rows = [f"Question number {i} about Kupiansk?,answer {i}" for i in range(n)]
    return "text,accepted\n" + "\n".join(rows) + "\n"


def test_too_many_items_refused_in_each_format() -> None:
    n = MAX_UPLOAD_ITEMS + 1
    files = {
        "a.csv": _csv_rows(n),
        "a.json": json.dumps([{"id": f"x-{i}"} for i in range(n)]),
        "a.yaml": "items:\n" + "".join(f"- {{id: x-{i}}}\n" for i in range(n)),
        "l.yaml": "".join(f"Q {i}?: [a]\n" for i in range(n)),
        "o.json": json.dumps({"response_code": 0, "results": [{}] * n}),
        "a.gift": "".join(f"Q {i}? {{T}}\n\n" for i in range(n)),
    }
    for name, text in files.items():
        result = parse(text, name)
        assert result.items == [], name
        assert len(result.problems) == 1, (name, result.problems[:3])
        assert "5,000" in result.problems[0].message, name


def test_five_thousand_items_accepted() -> None:
    result = parse(_csv_rows(MAX_UPLOAD_ITEMS), "a.csv")
    assert result.problems == []
    assert len(result.items) == MAX_UPLOAD_ITEMS


def test_utf8_bom_accepted() -> None:
    bom = b"\xef\xbb\xbf"
    assert len(parse_upload(bom + sample("questions.csv"), "q.csv").items) == 3
    assert len(parse_upload(bom + sample("bank.yaml"), "q.yaml").items) == 3
    assert len(parse_upload(bom + sample("bank.json"), "q.json").items) == 2


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ("Q? {T}".encode("utf-16"), "UTF-16"),
        (b"\xff\xfe\x00\x00" + "Q".encode("utf-32-le"), "UTF-32"),
        ("Kupiansk? {=Oskil}".encode("cp1251") + b"\xff\xc0", "not UTF-8"),
        (b"text\x00,answer\n", "NUL"),
    ],
)
def test_other_encodings_refused(data: bytes, needle: str) -> None:
    result = parse_upload(data, "q.csv")
    assert result.items == []
    assert needle in result.problems[0].message


def test_yaml_aliases_and_anchors_refused() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nitems: [*c]\n'
    result = parse(bomb, "b.yaml")
    assert result.items == []
    assert "anchors" in result.problems[0].message or "aliases" in result.problems[0].message
    red = "Q?: &x [a]\nR?: *x\n"
    assert parse(red, "list.yaml").items == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("[" * 100_000, "deep.json"), ("[" * 5_000, "deep.yaml"), ("{" * 50_000, "deep.gift")],
)
def test_deep_nesting_does_not_crash(text: str, name: str) -> None:
    result = parse(text, name)
    assert result.items == [] and result.problems


def test_empty_and_unrecognised_files() -> None:
    assert parse("", "a.yaml").problems[0].message == "the file is empty"
    assert parse("   \n", "a.csv").problems
    assert parse("just some words", "a.bin").problems


def test_essay_paragraphs_passed_to_schema() -> None:
    text = (
        "- {id: cc-1, kind: claim_check, tags: [x], difficulty: 1, paragraph: 1, "
        "claim: 'the sky is green', quoted: true, verdict: inaccurate, explanation: No.}\n"
    )
    assert len(parse(text, "c.yaml").items) == 1
    result = parse_upload(text.encode(), "c.yaml", essay_paragraphs=["The sky is blue."])
    assert result.items == []
    assert "not found in essay paragraph 1" in result.problems[0].message


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("[]", "a.json"),
        ("items: []\n", "a.yaml"),
        ("text,answer\n", "a.csv"),
        ("AUTHOR: x\n", "l.yaml"),
    ],
)
def test_file_without_questions_says_so(text: str, name: str) -> None:
    result = parse(text, name)
    assert result.items == []
    assert [p.message for p in result.problems] == ["the file holds no questions"]
