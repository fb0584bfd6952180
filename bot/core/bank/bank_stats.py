"""Counts of the question bank, as a markdown table for ``questions/README.md``.

The lead wires this to ``quizbot questions stats [--write-readme]``; it also runs as
``python -m bot.core.bank.bank_stats [PATH] [--write-readme]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from bot.core.bank.bank_files import BankLoad, load_bank
from bot.core.bank.items import ALL_KINDS, BASE_LANGUAGE, LANGUAGES

START_MARKER = "<!-- counts:start -->"
END_MARKER = "<!-- counts:end -->"

KIND_HEADINGS: dict[str, str] = {
    "multiple_choice": "Multiple choice",
    "true_false": "True/false",
    "short_answer": "Short answer",
    "which_first": "Which first",
    "claim_check": "Claim check",
    "discussion": "Discussion",
}
FACT_KINDS: tuple[str, ...] = ("multiple_choice", "true_false", "short_answer", "which_first")


def bank_counts(load: BankLoad) -> dict[str, dict[str, int]]:
    """theme -> kind -> number of valid items, themes in file order."""
    counts: dict[str, Counter[str]] = {}
    for entry in load.entries:
        counts.setdefault(entry.theme, Counter())[entry.item.kind] += 1
    return {theme: {k: c[k] for k in ALL_KINDS} for theme, c in counts.items()}


def counts_markdown(source: BankLoad | Path | str = "questions") -> str:
    """A markdown table of items per theme and kind, with totals (deterministic)."""
    load = source if isinstance(source, BankLoad) else load_bank(source)
    counts = bank_counts(load)
    header = ["Theme", *(KIND_HEADINGS[k] for k in ALL_KINDS), "Total"]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    totals: Counter[str] = Counter()
    for theme, by_kind in counts.items():
        totals.update(by_kind)
        row = [f"`{theme}`", *(str(by_kind[k]) for k in ALL_KINDS), str(sum(by_kind.values()))]
        lines.append("| " + " | ".join(row) + " |")
    total_row = [
        "**All**",
        *(f"**{totals[k]}**" for k in ALL_KINDS),
        f"**{sum(totals.values())}**",
    ]
    lines.append("| " + " | ".join(total_row) + " |")
    facts = sum(totals[k] for k in FACT_KINDS)
    lines.append("")
    lines.extend(_language_lines(load))
    lines.append("")
    lines.append(
        f"Fact questions: {facts}. Claim checks: {totals['claim_check']}. "
        f"Discussion prompts: {totals['discussion']}."
    )
    if load.problems:
        lines.append(
            f"Problems: {len(load.problems)} (items with schema problems are not counted)."
        )
    return "\n".join(lines)


def _language_lines(load: BankLoad) -> list[str]:
    """Items per language and kind: the bank plays in every language it counts here."""
    header = ["Language", *(KIND_HEADINGS[k] for k in ALL_KINDS), "Total"]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    for language in LANGUAGES:
        counted: Counter[str] = Counter(
            entry.item.kind
            for entry in load.entries
            if language == BASE_LANGUAGE or language in entry.item.translations
        )
        row = [f"`{language}`", *(str(counted[k]) for k in ALL_KINDS), str(sum(counted.values()))]
        lines.append("| " + " | ".join(row) + " |")
    return lines


_BLOCK_RE = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.S)


def update_readme_counts(readme_path: Path | str, markdown: str) -> bool:
    """Replace the text between the counts markers in ``readme_path`` with ``markdown``.

    Returns True if the file changed. Raises ValueError if the markers are missing.
    """
    path = Path(readme_path)
    text = path.read_text(encoding="utf-8")
    if START_MARKER not in text or END_MARKER not in text:
        raise ValueError(f"{path}: markers {START_MARKER} / {END_MARKER} not found")
    block = f"{START_MARKER}\n{markdown.strip()}\n{END_MARKER}"
    new_text = _BLOCK_RE.sub(lambda _m: block, text, count=1)
    if new_text == text:
        return False
    path.write_text(new_text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Question-bank counts")
    parser.add_argument("path", nargs="?", default="questions")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    markdown = counts_markdown(args.path)
    print(markdown)
    if args.write_readme:
        readme = Path(args.path) / "README.md"
        changed = update_readme_counts(readme, markdown)
        print(f"{readme}: {'updated' if changed else 'unchanged'}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = ["bank_counts", "counts_markdown", "main", "update_readme_counts"]
