"""Loading YAML bank files: problems with file, line, item and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.core.bank.bank_files import BankLoad, Problem, load_bank
from bot.core.bank.bank_stats import counts_markdown, update_readme_counts

ESSAY = textwrap.dedent(
    """\
    Title

    Paragraph one says the city is on a river.

    Paragraph two.

    Paragraph three.

    Paragraph four.

    The borders were fixed by the Lisbon Protocol in 1993, guaranteed by others.

    Paragraph six.
    """
)

MC_ITEM = """\
  - id: {id}
    kind: multiple_choice
    tags: [test]
    difficulty: 1
    paragraph: null
    text: Which river runs through Kupiansk?
    choices: [Oskil, Dnipro]
    answer: Oskil
    explanation: The Oskil runs through the city.
    sources:
      - title: Kupiansk
        publisher: Wikipedia
        url: https://en.wikipedia.org/wiki/Kupiansk
"""


def bank(tmp_path: Path, body: str, name: str = "bank.yaml", theme: str = "test") -> Path:
    path = tmp_path / name
    path.write_text(f"theme: {theme}\nitems:\n{body}", encoding="utf-8")
    return path


def load(path: Path, tmp_path: Path) -> BankLoad:
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    return load_bank(path, essay_path=essay, require_review=False, require_languages=False)


def only_problem(result: BankLoad) -> Problem:
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


def test_valid_file_loads(tmp_path: Path) -> None:
    path = bank(tmp_path, MC_ITEM.format(id="kup-river"))
    result = load(path, tmp_path)
    assert result.problems == []
    assert [i.id for i in result.items] == ["kup-river"]
    assert result.files == [path]
    assert result.by_theme == {"test": 1}
    assert result.entries[0].line == 3
    assert result.entries[0].theme == "test"


def test_missing_source(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-nosource").split("    sources:")[0]
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.item_id == "kup-nosource"
    assert problem.field == "sources"
    assert "at least one source" in problem.message
    assert problem.line == 3
    assert str(problem).endswith(
        "bank.yaml:3: item kup-nosource: sources: "
        "at least one source {title, publisher, url} is required"
    )


def test_empty_sources_list(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-nosource").split("    sources:")[0] + "    sources: []\n"
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "sources"
    assert problem.line == 12
    assert "at least one source" in problem.message


def test_two_correct_choices_as_list(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-two").replace("answer: Oskil", "answer: [Oskil, Dnipro]")
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "answer"
    assert problem.line == 10
    assert "two choices are marked correct" in problem.message
    assert str(problem) == (
        f"{_rel(tmp_path / 'bank.yaml')}:10: item kup-two: answer: " + problem.message
    )


def test_two_correct_choices_by_matching_text(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-two").replace("[Oskil, Dnipro]", "[Oskil, 'oskil', Dnipro]")
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "choices"
    assert problem.line == 9
    assert "two choices are marked correct" in problem.message


def test_too_long_label(tmp_path: Path) -> None:
    long = "x" * 90
    body = textwrap.dedent(
        f"""\
          - id: disc-long
            kind: discussion
            tags: [test]
            paragraph: null
            question: What should be done?
            sources: [{{title: T, publisher: P, url: "https://example.org"}}]
            viewpoints:
              - label: A
                position: One sentence.
                argument: An argument.
                held_by: Someone
                source: {{title: T, publisher: P, url: "https://example.org"}}
              - label: {long}
                position: One sentence.
                argument: An argument.
                held_by: Someone
                source: {{title: T, publisher: P, url: "https://example.org"}}
        """
    )
    body = textwrap.indent(body, "  ")
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.item_id == "disc-long"
    assert problem.field == "viewpoints[1].label"
    assert problem.line == 15
    assert "too long: 90 characters, at most 80" in problem.message


def test_unknown_field(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-extra").replace(
        "    difficulty: 1\n", "    difficulty: 1\n    hint: no\n"
    )
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "hint"
    assert problem.line == 7
    assert "unknown field 'hint'" in problem.message


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    bank(tmp_path, MC_ITEM.format(id="kup-dup"), name="a.yaml", theme="a")
    second = MC_ITEM.format(id="kup-dup").replace("Which river", "What river")
    bank(tmp_path, second, name="b.yaml", theme="b")
    result = load(tmp_path, tmp_path)
    problem = only_problem(result)
    assert problem.file.name == "b.yaml"
    assert problem.line == 3
    assert problem.field == "id"
    assert "duplicate id" in problem.message
    assert "a.yaml:3" in problem.message
    assert [i.id for i in result.items] == ["kup-dup"]


def test_duplicate_content(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-one") + MC_ITEM.format(id="kup-two")
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.item_id == "kup-two"
    assert "same content as item kup-one" in problem.message


def test_bad_date(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-date").replace(
        "    difficulty: 1\n", "    difficulty: 1\n    as_of: 2025-02-30\n"
    )
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "as_of"
    assert problem.line == 7
    assert "2025-02-30" in problem.message


def test_bad_event_date(tmp_path: Path) -> None:
    body = textwrap.indent(
        textwrap.dedent(
            """\
            - id: wf-bad
              kind: which_first
              tags: [test]
              difficulty: 1
              paragraph: null
              explanation: Dates.
              sources: [{title: T, publisher: P, url: "https://example.org"}]
              events:
                - {text: A, date: 1992-05-23}
                - {text: B, date: 1994-13-05}
            """
        ),
        "  ",
    )
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "events[1].date"
    assert problem.line == 12
    assert "1994-13-05" in problem.message


def test_aliases_and_anchors_refused(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("theme: t\nsrc: &s {title: T}\nitems:\n  - *s\n", encoding="utf-8")
    problem = only_problem(load(path, tmp_path))
    assert "anchors" in problem.message
    assert problem.line == 2
    bomb = "theme: t\nitems:\n  - a: [x, x]\n    b: *a\n"
    path.write_text(bomb, encoding="utf-8")
    assert "aliases" in only_problem(load(path, tmp_path)).message


def test_duplicate_keys_refused(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-dupkey").replace(
        "    answer: Oskil\n", "    answer: Oskil\n    answer: Dnipro\n"
    )
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert "duplicate key 'answer'" in problem.message
    assert problem.line == 11


def test_yaml_syntax_error_and_shape(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("theme: t\nitems:\n  - id: [unclosed\n", encoding="utf-8")
    assert "YAML error" in only_problem(load(path, tmp_path)).message
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert "mapping" in only_problem(load(path, tmp_path)).message
    path.write_text("theme: t\nitems: {}\n", encoding="utf-8")
    assert "items must be a list" in only_problem(load(path, tmp_path)).message
    path.write_text("theme: t\nitems: []\n---\ntheme: u\n", encoding="utf-8")
    assert "YAML error" in only_problem(load(path, tmp_path)).message
    path.write_text("theme: t\nextra: 1\nitems: []\n", encoding="utf-8")
    assert "unknown top-level key" in only_problem(load(path, tmp_path)).message


def test_missing_kind_and_non_mapping_item(tmp_path: Path) -> None:
    body = (
        MC_ITEM.format(id="kup-nokind").replace("    kind: multiple_choice\n", "")
        + "  - just text\n"
    )
    result = load(bank(tmp_path, body), tmp_path)
    messages = [str(p) for p in result.problems]
    assert any("item kup-nokind: kind: missing" in m for m in messages), messages
    assert any("an item must be a mapping" in m for m in messages), messages


def test_quoted_claim_checked_against_essay(tmp_path: Path) -> None:
    body = textwrap.indent(
        textwrap.dedent(
            """\
            - id: cc-ok
              kind: claim_check
              tags: [test]
              difficulty: 1
              paragraph: 5
              claim: "fixed by the Lisbon Protocol in 1993"
              quoted: true
              verdict: inaccurate
              explanation: It was 1992.
              sources: [{title: T, publisher: P, url: "https://example.org"}]
            - id: cc-bad
              kind: claim_check
              tags: [test]
              difficulty: 1
              paragraph: 1
              claim: "fixed by the Lisbon Protocol in 1993"
              quoted: true
              verdict: inaccurate
              explanation: It was 1992.
              sources: [{title: T, publisher: P, url: "https://example.org"}]
            """
        ),
        "  ",
    )
    path = bank(tmp_path, body)
    problem = only_problem(load(path, tmp_path))
    assert problem.item_id == "cc-bad"
    assert problem.field == "claim"
    assert "not found in essay paragraph 1" in problem.message


def test_missing_essay_skips_quote_check_with_warning(tmp_path: Path) -> None:
    body = textwrap.indent(
        textwrap.dedent(
            """\
            - id: cc-unchecked
              kind: claim_check
              tags: [test]
              difficulty: 1
              paragraph: 1
              claim: "words that are in no essay"
              quoted: true
              verdict: opinion
              explanation: Unchecked.
              sources: [{title: T, publisher: P, url: "https://example.org"}]
            """
        ),
        "  ",
    )
    result = load_bank(
        bank(tmp_path, body),
        essay_path=tmp_path / "missing.txt",
        require_review=False,
        require_languages=False,
    )
    assert result.problems == []
    assert result.warnings and "essay not found" in result.warnings[0]


def test_language_violations_become_problems(tmp_path: Path) -> None:
    body = MC_ITEM.format(id="kup-lang").replace(
        "explanation: The Oskil runs through the city.",
        "explanation: The Oskil runs through Kupyansk.",
    )
    problem = only_problem(load(bank(tmp_path, body), tmp_path))
    assert problem.field == "explanation"
    assert problem.line == 11
    assert "Kupyansk" in problem.message


def test_directory_sorted_and_missing_path(tmp_path: Path) -> None:
    bank(tmp_path, MC_ITEM.format(id="kup-b"), name="b.yaml", theme="b")
    other = MC_ITEM.format(id="kup-a").replace("Which river", "What river")
    bank(tmp_path, other, name="a.yml", theme="a")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    result = load(tmp_path, tmp_path)
    assert [f.name for f in result.files] == ["a.yml", "b.yaml"]
    assert [i.id for i in result.items] == ["kup-a", "kup-b"]
    assert result.by_theme == {"a": 1, "b": 1}
    assert "no such file" in only_problem(load_bank(tmp_path / "nope")).message


def test_counts_markdown_and_readme_update(tmp_path: Path) -> None:
    path = bank(tmp_path, MC_ITEM.format(id="kup-river"))
    markdown = counts_markdown(load(path, tmp_path))
    assert "| `test` | 1 | 0 | 0 | 0 | 0 | 0 | 1 |" in markdown
    readme = tmp_path / "README.md"
    readme.write_text("# Bank\n\n<!-- counts:start -->\nold\n<!-- counts:end -->\n\nEnd.\n")
    assert update_readme_counts(readme, markdown) is True
    text = readme.read_text()
    assert "old" not in text and "| `test` |" in text and text.endswith("End.\n")
    assert update_readme_counts(readme, markdown) is False
    readme.write_text("no markers")
    with pytest.raises(ValueError):
        update_readme_counts(readme, markdown)


def _rel(path: Path) -> str:
    from bot.core.bank.bank_files import _display_path

    return _display_path(path)


def test_duplicate_id_reported_even_when_the_item_is_broken(tmp_path: Path) -> None:
    broken = MC_ITEM.format(id="kup-dup").replace("Which river", "What river")
    broken = broken.replace("    difficulty: 1\n", "    difficulty: 1\n    hint: no\n")
    result = load(bank(tmp_path, MC_ITEM.format(id="kup-dup") + broken), tmp_path)
    messages = sorted(str(p) for p in result.problems)
    assert len(messages) == 2, messages
    assert any(
        "item kup-dup: id: duplicate id (also at" in m and "bank.yaml:3)" in m for m in messages
    )
    assert any("item kup-dup: hint: unknown field 'hint'" in m for m in messages)


def test_shipped_bank_check_refuses_an_item_without_a_review(tmp_path: Path) -> None:
    """The shipped-bank check (the default) names the item and the missing field; a
    reviewed item passes; moderators' uploads never go through this check."""
    path = bank(tmp_path, MC_ITEM.format(id="no-review"))
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    problem = only_problem(load_bank(path, essay_path=essay, require_languages=False))
    assert problem.item_id == "no-review" and problem.field == "reviewed"
    reviewed = MC_ITEM.format(id="with-review") + (
        "    reviewed: {by: A review session, date: 2026-11-30}\n"
    )
    assert load_bank(bank(tmp_path, reviewed), essay_path=essay, require_languages=False).ok
