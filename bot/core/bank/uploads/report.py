"""What an upload check found, and the one text both front ends show.

``/questions upload`` (as ``report.txt`` beside its summary) and ``quizbot questions
validate|import`` print :func:`report_text` of the same :class:`UploadReport`, so a
moderator and an operator read the same words for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.translate import _, ngettext

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
    if len(ids) <= limit:
        return shown
    return _("{ids} and {count} more").format(ids=shown, count=len(ids) - limit)


def report_text(report: UploadReport) -> str:
    """The full report, plain text, one finding per line (no verdict: each front end
    says what happens next in its own terms). In the current language: the command
    line's is English."""
    lines = [
        _(
            "{filename} ({format}): {new} new, {updated} updated, {unchanged} unchanged, "
            "{duplicates} duplicates, {skipped} skipped, {problems} problems, {drafts} drafts"
        ).format(
            filename=report.filename,
            format=report.format,
            new=len(report.new),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            duplicates=len(report.duplicates),
            skipped=len(report.skipped),
            problems=report.invalid,
            drafts=len(report.drafts),
        )
    ]
    if report.problems:
        lines.append("")
        lines.append(
            _("Problems ({count}): nothing can be imported until fixed").format(
                count=len(report.problems)
            )
        )
        lines.extend(f"  {p}" for p in report.problems)
    if report.skipped:
        lines.append("")
        lines.append(
            _("Skipped ({count}): not imported, the rest can be").format(count=len(report.skipped))
        )
        lines.extend(f"  {s}" for s in report.skipped)
    if report.edited:
        lines.append("")
        lines.append(
            _(
                "Edited in Discord since the last import ({count}): this file would change them"
            ).format(count=len(report.edited))
        )
        for item_id, diff in report.edited.items():
            lines.append(f"  {item_id}:")
            lines.extend(f"    {d}" for d in diff[:EDITED_DIFF_LINES])
            if len(diff) > EDITED_DIFF_LINES:
                more = len(diff) - EDITED_DIFF_LINES
                lines.append(
                    "    "
                    + ngettext(
                        "... and {count} more difference", "... and {count} more differences", more
                    ).format(count=more)
                )
    if report.drafts:
        lines.append("")
        lines.append(
            _("Drafts ({count}): not drawn until a moderator completes them").format(
                count=len(report.drafts)
            )
        )
        lines.extend(f"  {k}: {', '.join(v)}" for k, v in report.drafts.items())
    if report.disabled:
        lines.append("")
        lines.append(
            _("Disabled ({count}): {ids}").format(
                count=len(report.disabled), ids=_listed(report.disabled)
            )
        )
    if report.duplicates:
        lines.append("")
        lines.append(
            _("Duplicates ({count}), already here, not imported: {ids}").format(
                count=len(report.duplicates), ids=_listed(report.duplicates)
            )
        )
    if report.notes:
        lines.append("")
        lines.append(_("Notes ({count})").format(count=len(report.notes)))
        lines.extend(f"  {n}" for n in report.notes)
    return "\n".join(lines) + "\n"


__all__ = ["UploadReport", "report_text"]
