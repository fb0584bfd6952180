"""The result chart: PNG bytes drawn off the event loop, and the same figures as text."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest

from bot.core.discussions.discussion_result import compute_result
from bot.services.discussions import charts
from bot.services.discussions.charts import (
    PNG_SIGNATURE,
    chart_rows,
    draw_result_chart,
    render_result_png,
    result_text,
)

LABELS = ["Prosecute those who served the occupation", "Punish real harm only", "Amnesty"]
BEFORE = {1: 0, 2: 0, 3: 0, 4: 1, 5: None, 6: 2, 7: 1}
AFTER = {1: 0, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 8: None, 9: 0}
WINNER_WORDS = re.compile(r"\b(win|wins|winner|won|winning|victor\w*|defeat\w*|beat|right)\b", re.I)


def test_text_has_the_chart_figures() -> None:
    result = compute_result(LABELS, BEFORE, AFTER)
    rows = chart_rows(result)
    assert [r.label for r in rows] == [*LABELS, "Undecided"]
    assert [(r.before_pct, r.after_pct, r.change) for r in rows] == [
        (43, 25, "−18"),
        (29, 50, "+21"),
        (14, 13, "−2"),
        (14, 13, "−2"),
    ]
    assert [r.gained_most for r in rows] == [False, True, False, False]
    text = result_text(result)
    for row in rows:
        assert f"• {row.label}: {row.before_pct}% → {row.after_pct}% ({row.change})" in text
    assert "Opening vote: 7 members. Final vote: 8 members." in text
    assert (
        "6 members voted both times; 3 changed their mind "
        "(2 switched viewpoint, 1 went from undecided to a viewpoint)." in text
    )
    assert "Voted once: 1 only in the opening vote, 2 only in the final vote." in text
    assert "Gained most share from the opening to the final vote: “Punish real harm only”" in text
    assert not WINNER_WORDS.search(text)
    assert len(text) <= 1024  # fits an embed field


def test_text_without_a_gain() -> None:
    text = result_text(compute_result(LABELS, {1: 0}, {}))
    assert "Not enough votes to compare" in text and "does not rank" not in text
    assert "voted both times" not in text


def test_png_is_drawn_with_the_same_figures(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = compute_result(LABELS, BEFORE, AFTER)
    drawn: list[str] = []
    from matplotlib.figure import Figure

    original = Figure.savefig

    def spy(fig, *args, **kwargs):  # type: ignore[no-untyped-def]
        for ax in fig.axes:
            drawn.extend(t.get_text() for t in ax.texts)  # the bar labels
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    png = render_result_png(result, "How should the law treat people who kept working?")
    assert png.startswith(PNG_SIGNATURE)
    expected = [f"{r.before_pct}%" for r in chart_rows(result)] + [
        f"{r.after_pct}% ({r.change})" for r in chart_rows(result)
    ]
    assert drawn == expected
    (tmp_path / "chart.png").write_bytes(png)


async def test_drawn_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    result = compute_result(LABELS, BEFORE, AFTER)
    threads: list[threading.Thread] = []
    real = charts.render_result_png

    def record(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "render_result_png", record)
    pngs = await asyncio.gather(draw_result_chart(result), draw_result_chart(result, "Title?"))
    assert all(p.startswith(PNG_SIGNATURE) for p in pngs)
    assert threads and threading.main_thread() not in threads


def test_no_pyplot_global_state() -> None:
    source = Path(charts.__file__).read_text()
    imports = [
        line for line in source.splitlines() if re.match(r"\s*(from|import) matplotlib", line)
    ]
    assert imports and not any("pyplot" in line for line in imports)
