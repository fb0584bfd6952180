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
questions/pictures/pictures.yaml and the language: drawn once per process and
language, at first use or by :meth:`PictureStore.warm` at start, and drawn again
only when their data changes. Concurrent requests for one picture share one drawing.

Languages: a bank picture speaks the language it is asked for (the server's, for a
quiz's reveal), and so does the podium; the caller passes it (default: the current
one), and it is passed on to the drawing process explicitly, since context variables
do not cross processes. The alt text is in the same language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import i18n
from bot.core.bank.items import LANGUAGES
from bot.core.pictures.picture_data import PictureBook, PictureSpec, parse_pictures
from bot.core.quiz.scoring import RankedResult
from bot.i18n import _
from bot.services.bank.questions import QuestionView
from bot.services.pictures.picture_drawing import (
    PodiumPlace,
    amount_text,
    event_date,
    lower_priority,
    points_text,
    render_podium,
    render_spec,
    rights_text,
    sources_line,
    warm_up,
)
from bot.services.workers import WorkerPool
from db.models import SHIPPED

log = logging.getLogger(__name__)

PICTURES_FILE = Path(__file__).resolve().parents[3] / "questions" / "pictures" / "pictures.yaml"
ALT_LIMIT = 1000  # Discord allows 1,024 characters of description on a gallery item


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
    """At most ALT_LIMIT characters, cut at a word. Not ``textwrap.shorten``: it turns the
    no-break spaces inside Ukrainian numbers ("2 351") into plain ones."""
    if len(text) <= ALT_LIMIT:
        return text
    cut = text[: ALT_LIMIT - 1]
    return cut[: cut.rfind(" ")].rstrip(" ,;.") + " …" if " " in cut else cut + "…"


def describe(spec: PictureSpec, language: str | None = None) -> str:
    """The alt text in ``language`` (default: the current one): the title and every
    figure, in words."""
    with i18n.use(language or i18n.current()):
        local = spec.in_language(i18n.current())
        if local.kind == "timeline":
            body = "; ".join(
                f"{event_date(e)}: {e.label}" for e in sorted(local.events, key=lambda e: e.date)
            )
        else:
            body = "; ".join(f"{p.label}: {amount_text(p, local.unit)}" for p in local.points)
        note = f" {local.note}" if local.note else ""
        return _alt(f"{local.title}. {body}.{note}")


def source_text(spec: PictureSpec, language: str | None = None) -> str:
    """The sources as a line under the picture; titles as published, words in ``language``."""
    with i18n.use(language or i18n.current()):
        return sources_line([f"{s.title} ({s.publisher}, {s.url})" for s in spec.sources])


class PictureStore:
    """The bank's pictures from one pictures file, drawn once per language and kept by
    content hash. ``require_languages``: every picture must carry every language (the
    shipped file does; a test's own file may not, and then draws its own words)."""

    def __init__(self, path: Path = PICTURES_FILE, *, require_languages: bool = True) -> None:
        self.path = path
        self.require_languages = require_languages
        self._book: PictureBook | None = None
        self._drawn: dict[tuple[str, str], Picture] = {}
        self._drawing: dict[tuple[str, str], asyncio.Future[Picture]] = {}

    def book(self) -> PictureBook:
        """The parsed file, read once."""
        if self._book is None:
            self._book = parse_pictures(
                yaml.safe_load(self.path.read_text(encoding="utf-8")),
                require_languages=self.require_languages,
            )
        return self._book

    def spec_for(self, slug: str) -> PictureSpec | None:
        """Which picture shows this item, without drawing it."""
        return self.book().for_item(slug)

    async def for_item(self, slug: str, language: str | None = None) -> Picture | None:
        if self._book is None:
            await asyncio.to_thread(self.book)  # the first read parses YAML: not on the loop
        spec = self.spec_for(slug)
        return None if spec is None else await self.draw(spec, language)

    async def draw(self, spec: PictureSpec, language: str | None = None) -> Picture:
        """The picture in ``language`` (default: the current one)."""
        lang = language if language in LANGUAGES else i18n.current()
        key = (spec.content_hash, lang)
        if (done := self._drawn.get(key)) is not None:
            return done
        pending = self._drawing.get(key)
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = asyncio.ensure_future(self._draw(spec, lang))
            self._drawing[key] = pending
        return await asyncio.shield(pending)

    async def _draw(self, spec: PictureSpec, language: str) -> Picture:
        key = (spec.content_hash, language)
        try:
            png = await render(render_spec, spec, language)
            picture = Picture(
                f"{spec.id}.png", png, describe(spec, language), source_text(spec, language)
            )
            self._drawn[key] = picture
            return picture
        finally:
            self._drawing.pop(key, None)

    async def warm(self, languages: Sequence[str] = LANGUAGES) -> int:
        """Draw every picture in each language now (at start), one after another;
        returns how many pictures."""
        for spec in self.book().pictures:
            for language in languages:
                await self.draw(spec, language)
        return len(self.book().pictures)


_store = PictureStore()


def store() -> PictureStore:
    """The process's store of the shipped pictures."""
    return _store


async def bank_picture(slug: str, language: str | None = None) -> Picture | None:
    """The shipped picture that shows this bank item's answer, in ``language``, or None."""
    return await _store.for_item(slug, language)


async def question_picture(question: QuestionView, language: str | None = None) -> Picture | None:
    """The picture for a round's reveal: shipped items only (a server's own item that
    happens to reuse a shipped id is not illustrated with the shipped data)."""
    if question.guild_id != SHIPPED:
        return None
    return await bank_picture(question.slug, language)


def podium_places(ranking: Sequence[RankedResult], names: Mapping[int, str]) -> list[PodiumPlace]:
    """The top three as drawn: rank, name (or a stand-in for a member who left), figures."""
    return [
        PodiumPlace(
            rank=r.rank,
            name=names.get(r.user_id) or _("member …{digits}").format(digits=str(r.user_id)[-4:]),
            points=r.points,
            correct=r.result.correct,
            answered=r.result.answered,
        )
        for r in ranking[:3]
    ]


def podium_alt(places: Sequence[PodiumPlace]) -> str:
    """The podium in words, in the current language."""
    if not places:
        return _("Podium: nobody answered this time.")
    return _alt(
        _("Podium: {places}.").format(
            places="; ".join(
                _("{rank}. {name}, {points}, {rights}").format(
                    rank=p.rank, name=p.name, points=points_text(p.points), rights=rights_text(p)
                )
                for p in places
            )
        )
    )


async def podium(
    ranking: Sequence[RankedResult],
    names: Mapping[int, str],
    *,
    title: str | None = None,
    language: str | None = None,
) -> Picture:
    """The podium of a finished quiz (top 3, points, rights) in ``language`` (default:
    the current one), drawn off the loop."""
    with i18n.use(language or i18n.current()):
        lang = i18n.current()
        places = podium_places(ranking, names)
        alt = podium_alt(places)
    png = await render(render_podium, places, title, lang)
    return Picture("podium.png", png, alt, None)
