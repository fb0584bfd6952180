"""Pictures the bot posts: the bank's sourced pictures and the end-of-quiz podium.

The API the adapter uses:

- ``await bank_picture(slug)``: the picture that illustrates a bank item's answer
  (show it with the reveal: it gives the answer away), or None.
- ``await podium(ranking, names)``: the top three of a finished quiz.

Drawing is CPU-bound, so it runs off the event loop, in one worker *process*
started at first use. A worker thread is not enough: matplotlib holds the GIL
for long stretches (font loading, Agg rendering), and with a thread the loop
woke up to 180 ms late while pictures were drawn. The process runs at a lower
CPU priority (nice 15), so on a busy machine the bot's event loop is scheduled
before it (``python -m bench --only pictures`` measures the loop's lag). Where a
process cannot be started, drawing falls back to a worker thread.

Bank pictures are cached in memory by the content hash of their entry in
questions/pictures/pictures.yaml: drawn once per process, at first use or by
:meth:`PictureStore.warm` at start, and drawn again only when their data
changes. Concurrent requests for one picture share one drawing.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.picture_data import PictureBook, PictureSpec, parse_pictures
from bot.core.scoring import RankedResult
from bot.services.picture_drawing import (
    PodiumPlace,
    lower_priority,
    render_podium,
    render_spec,
    warm_up,
)
from bot.services.questions import QuestionView
from bot.services.workers import WorkerPool
from db.models import SHIPPED

log = logging.getLogger(__name__)

PICTURES_FILE = Path(__file__).resolve().parents[2] / "questions" / "pictures" / "pictures.yaml"
ALT_LIMIT = 1000  # Discord allows 1,024 characters of description on a gallery item
PODIUM_TITLE = "The podium"


# The one drawing process (matplotlib's imports and fonts stay warm there).
DRAWING = WorkerPool("drawing", initializer=lower_priority)


async def render(fn: Callable[..., bytes], *args: Any) -> bytes:
    """Run a drawing function off the loop: in the drawing process, else in a thread."""
    return await DRAWING.run(fn, *args)


async def start_drawing() -> None:
    """Start the drawing process and import matplotlib there now (at bot start), so the
    first picture of a quiz does not wait for it."""
    await render(warm_up)


@dataclass(frozen=True)
class Picture:
    """A drawn picture, ready to attach: what a member sees and what a screen reader says."""

    filename: str
    png: bytes
    alt: str
    source: str | None  # "Sources: ...", drawn in the picture too; None for the podium


def _alt(text: str) -> str:
    return textwrap.shorten(text, ALT_LIMIT, placeholder=" …")


def describe(spec: PictureSpec) -> str:
    """The alt text: the title and every figure, in words."""
    if spec.kind == "timeline":
        body = "; ".join(
            f"{e.date_text}: {e.label}" for e in sorted(spec.events, key=lambda e: e.date)
        )
    else:
        unit = "%" if spec.unit == "%" else f" {spec.unit}" if spec.unit else ""
        body = "; ".join(
            f"{p.label}: {p.qualifier + ' ' if p.qualifier else ''}{p.value:,g}{unit}"
            for p in spec.points
        )
    note = f" {spec.note}" if spec.note else ""
    return _alt(f"{spec.title}. {body}.{note}")


def source_text(spec: PictureSpec) -> str:
    word = "Sources" if len(spec.sources) > 1 else "Source"
    return f"{word}: " + "; ".join(f"{s.title} ({s.publisher}, {s.url})" for s in spec.sources)


class PictureStore:
    """The bank's pictures from one pictures file, drawn once and kept by content hash."""

    def __init__(self, path: Path = PICTURES_FILE) -> None:
        self.path = path
        self._book: PictureBook | None = None
        self._drawn: dict[str, Picture] = {}
        self._drawing: dict[str, asyncio.Future[Picture]] = {}

    def book(self) -> PictureBook:
        """The parsed file, read once."""
        if self._book is None:
            self._book = parse_pictures(yaml.safe_load(self.path.read_text(encoding="utf-8")))
        return self._book

    def spec_for(self, slug: str) -> PictureSpec | None:
        """Which picture shows this item, without drawing it."""
        return self.book().for_item(slug)

    async def for_item(self, slug: str) -> Picture | None:
        if self._book is None:
            await asyncio.to_thread(self.book)  # the first read parses YAML: not on the loop
        spec = self.spec_for(slug)
        return None if spec is None else await self.draw(spec)

    async def draw(self, spec: PictureSpec) -> Picture:
        key = spec.content_hash
        if (done := self._drawn.get(key)) is not None:
            return done
        pending = self._drawing.get(key)
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = asyncio.ensure_future(self._draw(spec))
            self._drawing[key] = pending
        return await asyncio.shield(pending)

    async def _draw(self, spec: PictureSpec) -> Picture:
        key = spec.content_hash
        try:
            png = await render(render_spec, spec)
            picture = Picture(f"{spec.id}.png", png, describe(spec), source_text(spec))
            self._drawn[key] = picture
            return picture
        finally:
            self._drawing.pop(key, None)

    async def warm(self) -> int:
        """Draw every picture now (at start), one after another; returns how many."""
        for spec in self.book().pictures:
            await self.draw(spec)
        return len(self.book().pictures)


_store = PictureStore()


def store() -> PictureStore:
    """The process's store of the shipped pictures."""
    return _store


async def bank_picture(slug: str) -> Picture | None:
    """The shipped picture that shows this bank item's answer, or None."""
    return await _store.for_item(slug)


async def question_picture(question: QuestionView) -> Picture | None:
    """The picture for a round's reveal: shipped items only (a server's own item that
    happens to reuse a shipped id is not illustrated with the shipped data)."""
    if question.guild_id != SHIPPED:
        return None
    return await bank_picture(question.slug)


def podium_places(ranking: Sequence[RankedResult], names: Mapping[int, str]) -> list[PodiumPlace]:
    """The top three as drawn: rank, name (or a stand-in for a member who left), figures."""
    return [
        PodiumPlace(
            rank=r.rank,
            name=names.get(r.user_id) or f"member …{str(r.user_id)[-4:]}",
            points=r.points,
            correct=r.result.correct,
            answered=r.result.answered,
        )
        for r in ranking[:3]
    ]


def podium_alt(places: Sequence[PodiumPlace]) -> str:
    if not places:
        return "Podium: nobody answered this time."
    return _alt(
        "Podium: "
        + "; ".join(
            f"{p.rank}. {p.name}, {p.points:,} points, {p.correct} of {p.answered} right"
            for p in places
        )
        + "."
    )


async def podium(
    ranking: Sequence[RankedResult], names: Mapping[int, str], *, title: str = PODIUM_TITLE
) -> Picture:
    """The podium of a finished quiz (top 3, points, rights), drawn off the loop."""
    places = podium_places(ranking, names)
    png = await render(render_podium, places, title)
    return Picture("podium.png", png, podium_alt(places), None)
