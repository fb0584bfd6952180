"""Upload problems in the reader's language: the same place, item and field, the reason
translated; pydantic's own English never reaches a Ukrainian moderator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import i18n
from bot.core.bank.uploads import UploadParse, parse_upload
from bot.core.bank.uploads.report import report_text
from bot.services.bank.uploads import build_report

SAMPLES = Path(__file__).with_name("samples")
PYDANTIC = ("Input should", "String should", "List should", "Field required", "Value error")
BAD_CSV = (
    "id,kind,text,choices,answer,accepted,explanation,difficulty,paragraph\n"
    "bad-1,multiple_choice,Which?,A|B,C,,Because.,2,\n"  # line 2: answer not a choice
    "bad-2,true_false,Is it?,,maybe,,Because.,2,\n"  # line 3: not a boolean
    "bad-3,short_answer,Who?,,,,Because.,5,\n"  # line 4: no accepted, difficulty 5
    "bad-4,multiple_choice,Which one?,A|B|C|D|E,A,,Because.,x,\n"  # line 5: 5 choices, x
)


def parse_in(language: str, data: bytes, name: str) -> UploadParse:
    with i18n.use(language):
        return parse_upload(data, name)


def lines_in(language: str, data: bytes, name: str) -> list[str]:
    with i18n.use(language):
        return [str(p) for p in parse_upload(data, name).problems]


def test_the_same_problems_in_ukrainian_keep_place_item_and_field() -> None:
    english = lines_in("en", BAD_CSV.encode(), "bad.csv")
    ukrainian = lines_in("uk", BAD_CSV.encode(), "bad.csv")
    assert len(english) == len(ukrainian) >= 6, (english, ukrainian)
    assert "line 2, item bad-1: answer: 'C' is not one of the choices" in english
    assert "рядок 2, запис bad-1: answer: 'C' не є жодним із варіантів" in ukrainian
    assert any(line.startswith("рядок 4, запис bad-3: accepted: ") for line in ukrainian)
    assert "рядок 4, запис bad-3: difficulty: має бути щонайбільше 3, а отримано 5" in ukrainian
    assert any(
        line.startswith("рядок 5, запис bad-4: choices: має містити щонайбільше 4 елементи")
        for line in ukrainian
    ), ukrainian
    for line in ukrainian:
        assert not [w for w in (*PYDANTIC, "line ", "item ") if w in line], line


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_no_pydantic_english_in_a_ukrainian_report(path: Path) -> None:
    parsed = parse_in("uk", path.read_bytes(), path.name)
    with i18n.use("uk"):
        text = report_text(build_report(path.name, parsed, []))
        shown = [str(p) for p in (*parsed.problems, *parsed.skipped)]
    assert not [w for w in PYDANTIC if w in text], text
    for line in shown:  # the place in Ukrainian words too
        assert not line.startswith(("line ", "item ", "file:")), line


def test_the_command_line_report_stays_english() -> None:
    """Without a language set (the command line), the report reads as it always has."""
    data = (SAMPLES / "mixed_bad.yaml").read_bytes()
    text = report_text(build_report("mixed_bad.yaml", parse_upload(data, "mixed_bad.yaml"), []))
    assert "Problems (8): nothing can be imported until fixed" in text
    assert "  line 32, item bad-kind: kind: unknown kind 'essay'" in text
