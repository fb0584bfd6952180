"""Export then parse gives the same set; templates parse cleanly; CSV formula injection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.core.bank.bank_files import load_bank
from bot.core.bank.items import parse_item
from bot.core.bank.uploads import parse_upload
from bot.core.bank.uploads.export import ExportError, export_items, exportable
from bot.core.bank.uploads.formats.csv_table import HEADER, neutralise, unneutralise
from bot.core.bank.uploads.result import FORMATS
from bot.core.bank.uploads.templates import template

BANK = Path(__file__).resolve().parents[4] / "questions"


@pytest.fixture(scope="module")
def bank_items() -> list:
    loaded = load_bank(BANK)
    assert loaded.items
    return loaded.items


def _hashes(items) -> list[str]:
    return sorted(i.content_hash() for i in items)


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_export_then_parse_gives_the_same_set(bank_items, fmt: str) -> None:
    items, refused = exportable(bank_items, fmt)
    if fmt == "csv":
        assert refused and all(
            i.kind in ("which_first", "claim_check", "discussion") for i in refused
        )
    else:
        assert refused == []
    data = export_items(items, fmt)
    result = parse_upload(data, f"export.{fmt}")
    assert result.format == fmt
    assert result.problems == [], [str(p) for p in result.problems[:5]]
    parsed = [p.item for p in result.items]
    assert _hashes(parsed) == _hashes(items)
    # CSV has fixed columns: it carries no editorial record (reviewed, history), which
    # uploads do not need; it carries translations (uk_ columns). YAML and JSON carry
    # everything.
    drop = {"reviewed", "history"} if fmt == "csv" else set()
    assert [i.model_dump(exclude=drop) for i in parsed] == [
        i.model_dump(exclude=drop) for i in items
    ]


def test_export_keeps_drafts_importable() -> None:
    item = parse_item(
        {
            "id": "draft-1",
            "kind": "short_answer",
            "tags": ["x"],
            "difficulty": 2,
            "paragraph": None,
            "text": "Which river?",
            "accepted": ["Oskil"],
            "explanation": "The Oskil.",
        },
        require_sources=False,
    )
    for fmt in ("yaml", "json", "csv"):
        result = parse_upload(export_items([item], fmt), f"d.{fmt}")
        assert [p.item for p in result.items] == [item]
        assert result.items[0].draft_reasons == ["no source"]


def test_csv_export_refuses_other_kinds(bank_items) -> None:
    with pytest.raises(ExportError, match="cannot be written as CSV"):
        export_items(bank_items, "csv")
    with pytest.raises(ExportError):
        export_items([], "xml")


FORMULAS = ["=SUM(A1:A2)", "+1 more", "-5 degrees", "@cmd", "'=already quoted"]


def test_csv_export_neutralises_formulas_and_import_restores_them() -> None:
    item = parse_item(
        {
            "id": "formula-1",
            "kind": "multiple_choice",
            "tags": ["x"],
            "difficulty": 2,
            "paragraph": None,
            "text": '=HYPERLINK("http://evil.example","click")',
            "choices": FORMULAS[1:],
            "answer": "-5 degrees",
            "explanation": "@SUM(1+1) is not a formula here.",
            "sources": [{"title": "+Title", "publisher": "-Pub", "url": "https://example.org/"}],
        },
        require_sources=False,
    )
    data = export_items([item], "csv").decode()
    rows = list(csv.reader(io.StringIO(data)))
    assert ",".join(rows[0]) == HEADER
    cells = dict(zip(rows[0], rows[1], strict=True))
    for name in ("text", "answer", "explanation", "source_title", "source_publisher"):
        assert cells[name].startswith("'"), name
        assert cells[name][1] in "=+-@", name
    assert not any(c and c[0] in "=+-@" for c in rows[1])
    result = parse_upload(data.encode(), "f.csv")
    assert result.problems == []
    assert result.items[0].item == item


@pytest.mark.parametrize("cell", [*FORMULAS, "plain", "'plain", "''=x", "\tx", "\rx", "", "'"])
def test_neutralise_round_trip(cell: str) -> None:
    out = neutralise(cell)
    assert out[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert unneutralise(out) == cell


def test_import_strips_the_quote_of_a_hand_written_neutralised_cell() -> None:
    result = parse_upload(b"text,accepted\n'=1+1 equals?,'-2|2\n", "f.csv")
    assert result.items[0].item.text == "=1+1 equals?"
    assert result.items[0].item.accepted == ["-2", "2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_templates_parse_with_zero_problems(fmt: str) -> None:
    name, data = template(fmt)
    result = parse_upload(data, name)
    assert result.format == fmt
    assert result.problems == [] and result.skipped == []
    assert len(result.items) >= 2
    if fmt in ("yaml", "json", "csv"):
        assert all(not p.draft_reasons for p in result.items)


def test_unknown_template_format() -> None:
    with pytest.raises(ValueError):
        template("xml")
