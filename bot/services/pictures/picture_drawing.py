"""Drawing the bank's pictures and the end-of-quiz podium with matplotlib (synchronous).

CPU-bound and blocking: only :mod:`bot.services.pictures.pictures` calls these, in the drawing
process (or a thread). Each drawing function takes the language explicitly and speaks
it for its own words ("Sources:", "As of", "points", numbers and dates): the language
context variable does not cross into another process. The spec it gets is already in
that language (:meth:`PictureSpec.in_language`). DejaVu Sans, matplotlib's bundled
font, has the Cyrillic glyphs. Like :mod:`bot.services.discussions.charts`, each picture is its own
``Figure`` on an Agg canvas (no pyplot, no global figure registry), and the one
matplotlib lock serialises drawing, because matplotlib's font and text layout
caches are shared module state.

Every picture carries its sources in its own footer, so a copy that travels
without the message still says where its figures come from. Text supplied by
members (display names) is drawn with mathtext off, so a ``$`` is just a dollar.
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot import i18n
from bot.core.pictures.picture_data import BarPoint, PictureSpec, TimelineEvent
from bot.i18n import _, ngettext
from bot.services.discussions.charts import _RENDER_LOCK  # one lock for all matplotlib drawing

WIDTH_IN = 9.0
DPI = 110
INK = "#222222"
MUTED = "#555555"
GRID = "#e5e5e5"
# Neutral, colour-blind-safe hues (Okabe-Ito); no red/green "good/bad" reading.
PALETTE = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#D55E00", "#999999"]
SPAN_COLOURS = ["#f3d9a4", "#cfd8e6", "#d9ead3", "#e6d0e0"]
PODIUM_COLOURS = {1: "#d4a017", 2: "#a8a9ad", 3: "#b87333"}
FOOTER_WRAP = 150
LINE_IN, ENTRY_GAP_IN = 0.155, 0.08  # one 8 pt line of the event list, and the gap after it
LABEL_WRAP = 40
DRAWING_NICENESS = 15


@dataclass(frozen=True)
class PodiumPlace:
    """One of the top three, as the podium draws them."""

    rank: int
    name: str
    points: int
    correct: int
    answered: int


def lower_priority() -> None:
    """Run in the drawing process at start: under CPU contention the bot's own process
    (its event loop) is scheduled first, and pictures wait instead of clicks."""
    with contextlib.suppress(OSError):  # not permitted: drawing runs at normal priority
        os.nice(DRAWING_NICENESS)


def warm_up() -> bytes:
    """Import matplotlib and load its fonts (about a second, once per process)."""
    with _RENDER_LOCK:
        fig, ax = _figure(1.0)
        ax.text(0.5, 0.5, "warm", fontweight="bold")
        return _png(fig)


def _figure(height: float) -> tuple[Any, Any]:
    # Imported here: matplotlib costs about a second at import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes((0.0, 0.0, 1.0, 1.0))


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A display name in a script the bundled font lacks draws as boxes, not warnings.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def date_text(day: date, pattern: str = "d MMM y") -> str:
    """A date in the current language: "27 Feb 2022", "27 лют. 2022"."""
    return i18n.format_datetime(datetime.combine(day, time()), pattern=pattern)


def event_date(event: TimelineEvent) -> str:
    """An event's date as shown: its own text for a month-only date, else the day."""
    return event.shown or date_text(event.date)


def sources_line(listed: Sequence[str]) -> str:
    """ "Source: ..." or "Sources: a; b", in the current language."""
    if len(listed) > 1:
        return _("Sources: {sources}").format(sources="; ".join(listed))
    return _("Source: {sources}").format(sources="; ".join(listed))


def number_text(value: float) -> str:
    """A figure in the current language's digits: "35,001" / "35 001", "8.4" / "8,4"."""
    return i18n.format_number(round(value, 1))


def amount_text(point: BarPoint, unit: str | None) -> str:
    """A bar's value with its unit and qualifier, in words: "about 11,000 people",
    "близько 11 000 осіб". Ukrainian plurals follow the whole number."""
    number = number_text(point.value)
    count = int(point.value)
    if unit == "%":
        amount = f"{number}%"
    elif unit == "people":
        amount = ngettext("{n} person", "{n} people", count).format(n=number)
    elif unit == "votes":
        amount = ngettext("{n} vote", "{n} votes", count).format(n=number)
    else:
        amount = number
    if point.qualifier == "about":
        return _("about {amount}").format(amount=amount)
    if point.qualifier == "almost":
        return _("almost {amount}").format(amount=amount)
    return amount


def _footer_lines(spec: PictureSpec) -> list[str]:
    lines: list[str] = []
    if spec.note:
        lines.append(spec.note)
    if spec.as_of:
        lines.append(_("As of {date}.").format(date=date_text(spec.as_of, "d MMMM y")))
    many = len(spec.sources) > 1
    lines.append(
        sources_line(
            [
                f"[{i}] {s.publisher}, {s.url}" if many else f"{s.publisher}, {s.url}"
                for i, s in enumerate(spec.sources, start=1)
            ]
        )
    )
    return [w for line in lines for w in textwrap.wrap(line, FOOTER_WRAP, break_on_hyphens=False)]


def _source_mark(spec: PictureSpec, source: int | None) -> str:
    return f" [{source}]" if source is not None and len(spec.sources) > 1 else ""


def render_bars(spec: PictureSpec, language: str) -> bytes:
    """Horizontal bars, one per point, coloured by group, value written at the bar's end."""
    with i18n.use(language):
        return _render_bars(spec)


def _render_bars(spec: PictureSpec) -> bytes:
    points = spec.points
    labels = [textwrap.fill(p.label + _source_mark(spec, p.source), LABEL_WRAP) for p in points]
    rows = sum(max(1, label.count("\n") + 1) * 0.24 + 0.2 for label in labels)
    footer = _footer_lines(spec)
    groups = list(dict.fromkeys(p.group for p in points if p.group))
    head_in, foot_in = 0.75 + (0.25 if groups else 0.0), 0.35 + 0.16 * len(footer)
    height = head_in + rows + foot_in + 0.3
    with _RENDER_LOCK:
        fig, canvas_ax = _figure(height)
        canvas_ax.set_axis_off()
        left, right = 0.37, 0.88
        bottom = (foot_in + 0.3) / height
        top = 1 - head_in / height
        ax = fig.add_axes((left, bottom, right - left, top - bottom))
        colours = [
            PALETTE[groups.index(p.group) % len(PALETTE)] if p.group else PALETTE[0] for p in points
        ]
        ys = list(range(len(points)))
        bars = ax.barh(ys, [p.value for p in points], color=colours, height=0.62)
        ax.bar_label(
            bars,
            labels=[amount_text(p, "%" if spec.unit == "%" else None) for p in points],
            padding=4,
            fontsize=9,
            color=INK,
        )
        ax.set_yticks(ys, labels, fontsize=8.5, color=INK)
        ax.invert_yaxis()
        most = max(p.value for p in points) or 1
        ax.set_xlim(0, most * 1.22)
        ax.tick_params(axis="x", labelsize=8, colors=MUTED)
        # Matplotlib calls the formatter while saving, still inside this language.
        percent = "%" if spec.unit == "%" else ""
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{number_text(round(x))}{percent}")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        fig.text(
            0.02,
            1 - 0.3 / height,
            textwrap.fill(spec.title, 95),
            fontsize=12,
            fontweight="bold",
            color=INK,
            va="center",
        )
        if groups:
            from matplotlib.patches import Patch

            handles = [
                Patch(color=PALETTE[i % len(PALETTE)], label=g) for i, g in enumerate(groups)
            ]
            fig.legend(
                handles=handles,
                loc="center left",
                ncols=len(groups),
                frameon=False,
                fontsize=8.5,
                bbox_to_anchor=(0.02, 1 - 0.62 / height),
            )
        _footer(fig, footer, 0.2 / height)
        return _png(fig)


def _footer(fig: Any, lines: Sequence[str], y: float) -> None:
    """The small print under a chart (sources, "as of"), the same on every kind."""
    fig.text(0.02, y, "\n".join(lines), fontsize=7.2, color=MUTED, va="bottom", linespacing=1.35)


def _stagger(days: Sequence[int], gap: int) -> list[int]:
    """Marker levels 0-3 so that close events do not print over each other."""
    levels: list[int] = []
    for i, day in enumerate(days):
        if i and day - days[i - 1] < gap:
            levels.append((levels[-1] + 1) % 4)
        else:
            levels.append(0)
    return levels


def render_timeline(spec: PictureSpec, language: str) -> bytes:
    """A dated strip with shaded spans and numbered markers, then the numbered events."""
    with i18n.use(language):
        return _render_timeline(spec)


def _render_timeline(spec: PictureSpec) -> bytes:
    events = sorted(spec.events, key=lambda e: e.date)
    first = min([e.date for e in events] + [s.from_ for s in spec.spans])
    last = max([e.date for e in events] + [s.to for s in spec.spans] + [spec.as_of or first])
    start = date(first.year, first.month, 1)
    end = last + timedelta(days=45)
    footer = _footer_lines(spec)
    entries = [
        textwrap.wrap(
            f"{event_date(e)} · {e.label}{_source_mark(spec, e.source)}",
            100,
            subsequent_indent="    ",
        )
        for e in events
    ]
    list_in = sum(LINE_IN * len(lines) + ENTRY_GAP_IN for lines in entries)
    strip_in, head_in, foot_in = 1.55, 0.55, 0.3 + 0.16 * len(footer)
    height = head_in + strip_in + 0.35 + list_in + foot_in
    with _RENDER_LOCK:
        import matplotlib.dates as mdates

        fig, canvas_ax = _figure(height)
        canvas_ax.set_axis_off()
        strip_bottom = 1 - (head_in + strip_in) / height
        ax = fig.add_axes((0.04, strip_bottom, 0.92, strip_in / height))
        ax.set_xlim(start, end)  # type: ignore[arg-type]
        ax.set_ylim(-0.5, 3.9)
        for i, span in enumerate(spec.spans):
            ax.axvspan(
                span.from_,
                span.to,
                ymin=0.0,
                ymax=1.0,  # type: ignore[arg-type]
                color=SPAN_COLOURS[i % len(SPAN_COLOURS)],
                zorder=0,
            )
            # A span near either end is labelled from its outer edge, so the label stays inside.
            label = textwrap.fill(span.label + _source_mark(spec, span.source), 24)
            if (span.to - start).days > 0.85 * (end - start).days:
                x, align = span.to, "right"
            elif (span.from_ - start).days < 0.15 * (end - start).days:
                x, align = span.from_, "left"
            else:
                x, align = span.from_ + (span.to - span.from_) / 2, "center"
            ax.text(x, 3.8, label, ha=align, va="top", fontsize=7.5, color=INK, zorder=3)  # type: ignore[arg-type]
        ax.axhline(0, color=MUTED, linewidth=1.2, zorder=1)
        total_days = (end - start).days
        levels = _stagger([(e.date - start).days for e in events], gap=max(30, total_days // 18))
        for number, (event, level) in enumerate(zip(events, levels, strict=True), start=1):
            y = 0.55 + 0.62 * level
            ax.plot([event.date, event.date], [0, y - 0.18], color=MUTED, linewidth=0.8, zorder=2)  # type: ignore[list-item]
            ax.plot([event.date], [0], marker="o", markersize=4, color=INK, zorder=3)  # type: ignore[list-item]
            ax.text(
                event.date,
                y,
                str(number),
                ha="center",
                va="center",
                fontsize=7.5,  # type: ignore[arg-type]
                color="white",
                fontweight="bold",
                zorder=4,
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": PALETTE[0], "edgecolor": "none"},
            )
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.tick_params(axis="x", labelsize=8.5, colors=INK)
        ax.set_yticks([])
        ax.spines[["top", "right", "left"]].set_visible(False)
        fig.text(
            0.02,
            1 - 0.28 / height,
            textwrap.fill(spec.title, 95),
            fontsize=12,
            fontweight="bold",
            color=INK,
            va="center",
        )
        y_in = head_in + strip_in + 0.42
        for number, lines in enumerate(entries, start=1):
            fig.text(
                0.03,
                1 - y_in / height,
                f"{number}",
                fontsize=8,
                color=PALETTE[0],
                fontweight="bold",
                va="top",
            )
            fig.text(
                0.06,
                1 - y_in / height,
                "\n".join(lines),
                fontsize=8,
                color=INK,
                va="top",
                linespacing=1.3,
            )
            y_in += LINE_IN * len(lines) + ENTRY_GAP_IN
        _footer(fig, footer, 0.15 / height)
        return _png(fig)


def render_spec(spec: PictureSpec, language: str = i18n.BASE_LANGUAGE) -> bytes:
    """The picture of one entry of pictures.yaml in ``language``, as PNG bytes."""
    local = spec.in_language(language)
    if spec.kind == "timeline":
        return render_timeline(local, language)
    return render_bars(local, language)


def points_text(points: int) -> str:
    """ "2,350 points", "2 350 балів", with the language's plural form."""
    return ngettext("{n} point", "{n} points", points).format(n=i18n.format_number(points))


def rights_text(place: PodiumPlace) -> str:
    return _("{correct} of {answered} right").format(correct=place.correct, answered=place.answered)


def render_podium(
    places: Sequence[PodiumPlace], title: str | None = None, language: str = i18n.BASE_LANGUAGE
) -> bytes:
    """Blocks of heights 3-2-1 (first in the middle), each winner's name, points and rights;
    ``title``: the language's "The podium" unless given."""
    with i18n.use(language):
        return _render_podium(places, title or _("The podium"))


def _render_podium(places: Sequence[PodiumPlace], title: str) -> bytes:
    height = 4.2
    with _RENDER_LOCK:
        fig, ax = _figure(height)
        ax.set_xlim(0, 9)
        ax.set_ylim(0, 4.2)
        ax.set_axis_off()
        fig.text(
            0.5,
            1 - 0.3 / height,
            title,
            ha="center",
            va="center",
            fontsize=13,
            fontweight="bold",
            color=INK,
            parse_math=False,
        )
        if not places:
            ax.text(
                4.5,
                2.0,
                _("Nobody answered this time."),
                ha="center",
                va="center",
                fontsize=12,
                color=MUTED,
            )
        # Positions of first, second, third place: centre, left, right.
        slots = [(3.3, 2.1), (0.6, 1.45), (6.0, 1.0)]
        for index, place in enumerate(places[:3]):
            x, block = slots[index]
            colour = PODIUM_COLOURS.get(place.rank, PODIUM_COLOURS[3])
            ax.add_patch(_rectangle((x, 0.25), 2.4, block, colour))
            ax.text(
                x + 1.2,
                0.25 + block / 2,
                str(place.rank),
                ha="center",
                va="center",
                fontsize=26,
                fontweight="bold",
                color="white",
            )
            name = place.name if len(place.name) <= 22 else place.name[:21] + "…"
            ax.text(
                x + 1.2,
                0.25 + block + 0.78,
                name,
                ha="center",
                va="bottom",
                fontsize=11.5,
                fontweight="bold",
                color=INK,
                parse_math=False,
            )
            ax.text(
                x + 1.2,
                0.25 + block + 0.42,
                points_text(place.points),
                ha="center",
                va="bottom",
                fontsize=10,
                color=INK,
            )
            ax.text(
                x + 1.2,
                0.25 + block + 0.1,
                rights_text(place),
                ha="center",
                va="bottom",
                fontsize=9,
                color=MUTED,
            )
        ax.plot([0.3, 8.7], [0.25, 0.25], color=MUTED, linewidth=1.2)
        return _png(fig)


def _rectangle(xy: tuple[float, float], width: float, height: float, colour: str) -> Any:
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(
        xy,
        width,
        height,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=colour,
        edgecolor="none",
    )
