"""Pictures as Discord sends them: a file to attach, and a Components V2 gallery
that shows it, with its alt text and its source.

The drawing and the data are in :mod:`bot.services.pictures.pictures`; here they only
become discord.py objects, within Discord's limits (a gallery item's
description is at most 1,024 characters).

Pictures of a quiz are public: they speak the language the presenter posts in (the
server's, set by the quiz cog around each post), read here with ``i18n.current()`` and
handed to the drawing explicitly.
"""

from __future__ import annotations

import asyncio
import io
import logging

import discord

from bot import i18n
from bot.adapter.limits import clip
from bot.adapter.quiz import game_screen
from bot.adapter.quiz.member_names import display_names
from bot.services.bank.questions import QuestionView
from bot.services.pictures.pictures import Picture, podium, question_picture
from bot.services.quiz.quiz import Results

log = logging.getLogger(__name__)
_prefetching: set[asyncio.Task[Picture | None]] = set()

GALLERY_DESCRIPTION = 1024
SOURCE_TEXT = 1000


def picture_file(picture: Picture) -> discord.File:
    """The PNG as an attachment; send it with the message whose gallery shows it."""
    return discord.File(
        io.BytesIO(picture.png), filename=picture.filename, description=clip(picture.alt, 1024)
    )


def picture_gallery(picture: Picture) -> discord.ui.MediaGallery:  # type: ignore[type-arg]
    """A one-picture gallery pointing at the attachment of the same message."""
    return discord.ui.MediaGallery(
        discord.MediaGalleryItem(
            f"attachment://{picture.filename}",
            description=clip(picture.alt, GALLERY_DESCRIPTION),
        )
    )


def screen_picture(picture: Picture) -> game_screen.Picture:
    """The picture as the game screen lays it out (a gallery under the question)."""
    return game_screen.Picture(
        f"attachment://{picture.filename}", clip(picture.alt, GALLERY_DESCRIPTION)
    )


def picture_source(picture: Picture) -> str | None:
    """The picture's sources as a line of text under it (they are drawn in it too)."""
    return clip(picture.source, SOURCE_TEXT) if picture.source else None


async def podium_picture(
    client: discord.Client, results: Results, language: str | None = None
) -> Picture:
    """The podium of a finished quiz, with the top three's display names, in ``language``
    (default: the current one, the server's where the quiz cog posts)."""
    language = language or i18n.current()
    top = [r.user_id for r in results.ranking[:3]]
    names = await display_names(client, results.run.guild_id, top)
    return await podium(results.ranking, names, language=language)


async def reveal_picture(question: QuestionView, language: str | None = None) -> Picture | None:
    """The picture for a question's reveal in ``language`` (default: the current one), or
    None; a picture that cannot be drawn is logged and left out, never a reason for the
    reveal itself to fail."""
    try:
        return await question_picture(question, language or i18n.current())
    except Exception:
        log.exception("could not draw the picture of %s", question.slug)
        return None


async def results_podium(client: discord.Client, results: Results) -> Picture | None:
    """The podium for the results message, or None (nobody played, or drawing failed)."""
    if not results.ranking:
        return None
    try:
        return await podium_picture(client, results, i18n.current())
    except Exception:
        log.exception("could not draw the podium of quiz %s", results.run.run_id)
        return None


def prefetch(question: QuestionView) -> None:
    """Start drawing the reveal's picture while members are still answering, so the
    reveal finds it drawn (the cache shares one drawing)."""
    task = asyncio.get_running_loop().create_task(reveal_picture(question, i18n.current()))
    _prefetching.add(task)
    task.add_done_callback(_prefetching.discard)
