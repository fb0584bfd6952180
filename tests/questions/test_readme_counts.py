"""The counts table in questions/README.md is the command's output, not typed by hand."""

from __future__ import annotations

from pathlib import Path

from bot.core.bank.bank_stats import counts_markdown

QUESTIONS = Path(__file__).resolve().parents[2] / "questions"


def test_readme_counts_match_the_bank() -> None:
    readme = (QUESTIONS / "README.md").read_text("utf-8")
    block = readme.split("<!-- counts:start -->", 1)[1].split("<!-- counts:end -->", 1)[0]
    assert block.strip() == counts_markdown(QUESTIONS).strip(), (
        "questions/README.md is out of date: run 'quizbot questions stats --write-readme'"
    )
