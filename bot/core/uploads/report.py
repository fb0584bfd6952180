"""What an upload check found, and the one text both front ends show.

``/questions upload`` (as ``report.txt`` beside its summary) and ``quizbot questions
validate|import`` print :func:`report_text` of the same :class:`UploadReport`, so a
moderator and an operator read the same words for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EDITED_DIFF_LINES = 6  # per item, in the report


@dataclass(frozen=True)
class UploadReport:
    """The outcome of checking one file against one server's questions.

    ``edited`` lists items a moderator changed in Discord since they were last
    imported, which this file would change: id -> the differences, one per line. They
    are imported only if the moderator chooses to overwrite them.
    """

    upload_id: int | None
    filename: str
    format: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # same content as an existing item
    drafts: dict[str, list[str]] = field(default_factory=dict)  # id -> what it lacks
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    edited: dict[str, list[str]] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)  # imported (or kept) disabled

    @property
    def importable(self) -> bool:
        return not self.problems and bool(self.new or self.updated)

    @property
    def invalid(self) -> int:
        return len(self.problems)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able record (the upload row keeps it)."""
        return {
            "format": self.format,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "drafts": self.drafts,
            "problems": self.problems[:500],
            "skipped": self.skipped[:500],
            "notes": self.notes[:200],
            "edited": self.edited,
            "disabled": self.disabled,
        }


def _listed(ids: list[str], limit: int = 40) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def report_text(report: UploadReport) -> str:
    """The full report, plain text, one finding per line (no verdict: each front end
    says what happens next in its own terms)."""
    lines = [
        f"{report.filename} ({report.format}): {len(report.new)} new, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.duplicates)} duplicates, {len(report.skipped)} skipped, "
        f"{report.invalid} problems, {len(report.drafts)} drafts"
    ]
    if report.problems:
        lines.append("")
        lines.append(f"Problems ({len(report.problems)}): nothing can be imported until fixed")
        lines.extend(f"  {p}" for p in report.problems)
    if report.skipped:
        lines.append("")
        lines.append(f"Skipped ({len(report.skipped)}): not imported, the rest can be")
        lines.extend(f"  {s}" for s in report.skipped)
    if report.edited:
        lines.append("")
        lines.append(
            f"Edited in Discord since the last import ({len(report.edited)}): "
            "this file would change them"
        )
        for item_id, diff in report.edited.items():
            lines.append(f"  {item_id}:")
            lines.extend(f"    {d}" for d in diff[:EDITED_DIFF_LINES])
            if len(diff) > EDITED_DIFF_LINES:
                lines.append(f"    ... and {len(diff) - EDITED_DIFF_LINES} more differences")
    if report.drafts:
        lines.append("")
        lines.append(f"Drafts ({len(report.drafts)}): not drawn until a moderator completes them")
        lines.extend(f"  {k}: {', '.join(v)}" for k, v in report.drafts.items())
    if report.disabled:
        lines.append("")
        lines.append(f"Disabled ({len(report.disabled)}): {_listed(report.disabled)}")
    if report.duplicates:
        lines.append("")
        lines.append(
            f"Duplicates ({len(report.duplicates)}), already here, not imported: "
            f"{_listed(report.duplicates)}"
        )
    if report.notes:
        lines.append("")
        lines.append(f"Notes ({len(report.notes)})")
        lines.extend(f"  {n}" for n in report.notes)
    return "\n".join(lines) + "\n"


__all__ = ["UploadReport", "report_text"]
