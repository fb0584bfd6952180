"""The opening/final vote chart of a closed discussion, as PNG bytes and as text.

Drawn with matplotlib's Agg canvas on a ``matplotlib.figure.Figure`` made
here: no pyplot, so no global figure registry shared between threads.
:func:`draw_result_chart` runs the drawing in a worker thread
(``asyncio.to_thread``) so the event loop never waits on it. The figures on
the chart and in :func:`result_text` come from one function,
:func:`chart_rows`, so the picture and the words always agree.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
import threading
from dataclasses import dataclass

from bot.core.discussions.discussion_result import DiscussionResult, GainStatus, format_points
from bot.i18n import _, ngettext

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BEFORE_COLOUR = "#9db4cc"  # neutral blues: no red/green "good/bad" reading
AFTER_COLOUR = "#2f5f8a"
LABEL_WRAP = 30
TITLE_WRAP = 60  # the title starts above the bars, right of the labels
FOOTER_WRAP = 120

# Figure objects are independent, but matplotlib's font cache and text layout
# caches are shared module state; one render at a time keeps them consistent.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartRow:
    """One pair of bars: whole percentages as drawn and written."""

    label: str
    before_pct: int
    after_pct: int
    change: str  # "+12", "−5", "0"
    before_count: int
    after_count: int
    gained_most: bool


def chart_rows(result: DiscussionResult) -> list[ChartRow]:
    """Viewpoints in order, then undecided."""
    return [
        ChartRow(
            label=o.label,
            before_pct=o.before_whole,
            after_pct=o.after_whole,
            change=format_points(o.gain_points),
            before_count=o.before,
            after_count=o.after,
            gained_most=o.position is not None and o.position in result.gained_most,
        )
        for o in result.options
    ]


def participation_lines(result: DiscussionResult) -> list[str]:
    """Who voted when, and how many changed their mind (over members who voted twice)."""
    lines = [
        _("Opening vote: {opening}. Final vote: {final}.").format(
            opening=_members(result.before_voters), final=_members(result.after_voters)
        )
    ]
    if result.both_voters:
        moved = _("{n} changed their mind").format(n=result.changed_mind)
        parts = [
            _("{n} switched viewpoint").format(n=result.switched_viewpoint)
            * bool(result.switched_viewpoint),
            _("{n} went from undecided to a viewpoint").format(n=result.from_undecided)
            * bool(result.from_undecided),
            _("{n} became undecided").format(n=result.to_undecided) * bool(result.to_undecided),
        ]
        if result.changed_mind:
            moved += f" ({', '.join(p for p in parts if p)})"
        lines.append(
            _("{members} voted both times; {moved}.").format(
                members=_members(result.both_voters), moved=moved
            )
        )
    if result.only_before or result.only_after:
        lines.append(
            _(
                "Voted once: {opening} only in the opening vote, {final} only in the final vote."
            ).format(opening=result.only_before, final=result.only_after)
        )
    return lines


def result_text(result: DiscussionResult) -> str:
    """The chart's figures as plain text (shares are of each vote's own voters)."""
    if not result.after_voters:
        # Closed without a final vote: there is nothing to compare with, so no "33% → 0%".
        lines = [_("Share of voters in the opening vote (nobody voted in a final vote):")]
        lines += [f"• {row.label}: {row.before_pct}%" for row in chart_rows(result)]
    else:
        lines = [_("Share of voters, opening vote → final vote:")]
        for row in chart_rows(result):
            lines.append(f"• {row.label}: {row.before_pct}% → {row.after_pct}% ({row.change})")
    lines.extend(participation_lines(result))
    lines.append(result.gain_sentence())
    if result.gain_status in (GainStatus.GAINED, GainStatus.TIED):
        lines.append(_("This shows how views moved during the discussion; it does not rank them."))
    return "\n".join(lines)


def render_result_png(result: DiscussionResult, title: str | None = None) -> bytes:
    """Draw the chart; synchronous and CPU-bound: call it through draw_result_chart."""
    rows = chart_rows(result)
    labels = [textwrap.fill(r.label, LABEL_WRAP) for r in rows]
    line_counts = [label.count("\n") + 1 for label in labels]
    height = 2.0 + sum(max(0.75, 0.3 * n + 0.25) for n in line_counts)
    with _RENDER_LOCK:
        # Imported here: matplotlib costs about a second at import, which a bot
        # restart should not pay before the first discussion closes.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, height), dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        bar = 0.38
        ys = list(range(len(rows)))
        before = ax.barh(
            [y - bar / 2 for y in ys],
            [r.before_pct for r in rows],
            height=bar,
            color=BEFORE_COLOUR,
            label=_("Opening vote ({members})").format(members=_members(result.before_voters)),
        )
        ax.bar_label(before, labels=[f"{r.before_pct}%" for r in rows], padding=3, fontsize=9)
        if result.after_voters:  # no final vote: no bars of 0% beside the opening ones
            after = ax.barh(
                [y + bar / 2 for y in ys],
                [r.after_pct for r in rows],
                height=bar,
                color=AFTER_COLOUR,
                label=_("Final vote ({members})").format(members=_members(result.after_voters)),
            )
            ax.bar_label(
                after,
                labels=[f"{r.after_pct}% ({r.change})" for r in rows],
                padding=3,
                fontsize=9,
            )
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_xlabel(_("Share of that vote's voters"))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        heading = textwrap.fill(title, TITLE_WRAP) if title else _("Opening and final vote")
        # The legend sits between the title and the bars, so it never covers a long bar.
        ax.set_title(heading, fontsize=11, loc="left", pad=26)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9, frameon=False)
        footer = [*participation_lines(result), result.gain_sentence()]
        fig.supxlabel(
            "\n".join(textwrap.fill(line, FOOTER_WRAP) for line in footer),
            fontsize=8.5,
            x=0.01,
            ha="left",
            color="#333333",
        )
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


async def draw_result_chart(result: DiscussionResult, title: str | None = None) -> bytes:
    """The chart as PNG bytes, drawn in a worker thread."""
    return await asyncio.to_thread(render_result_png, result, title)


def _members(n: int) -> str:
    return ngettext("{n} member", "{n} members", n).format(n=n)
