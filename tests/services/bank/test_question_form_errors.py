"""The /questions add form refuses in the form's words, never pydantic's."""

from __future__ import annotations

import pytest

from bot.services.bank.question_admin import AdminError, item_from_form


@pytest.mark.parametrize(
    ("text", "answers", "difficulty", "expected"),
    [
        ("x" * 1001, "a\nb", 2, "Question must be at most 1000 characters."),
        ("", "a\nb", 2, "Question cannot be empty."),
        ("Q?", "c" * 80 + "\nb", 2, "Each answer must be at most 76 characters."),
        ("Q?", "a\nb\nc\nd\ne", 2, "Answers: at most 4 lines."),
        ("Q?", "a\nb", 5, "Difficulty must be 1, 2 or 3."),
    ],
)
def test_form_errors_name_the_field(
    text: str, answers: str, difficulty: int, expected: str
) -> None:
    with pytest.raises(AdminError) as refused:
        item_from_form("custom-1", text, answers, "Because.", "", "tag", difficulty)
    message = str(refused.value)
    assert message == expected
    for pydantic_words in ("String should", "List should", "Input should", "multiple_choice."):
        assert pydantic_words not in message
