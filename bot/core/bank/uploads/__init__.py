"""Parsers for moderator uploads of questions (pure: no I/O, no discord).

:func:`parse_upload` reads one uploaded file in any of six formats (our YAML or JSON
bank format, CSV, Red-DiscordBot trivia lists, Open Trivia DB JSON, Moodle GIFT) and
validates every item through the one schema (:func:`bot.core.bank.items.parse_item`, lenient
mode: items without sources become drafts). It never raises on bad input: everything
wrong becomes an :class:`UploadProblem`.

Limits: 2 MiB and 5,000 items per file; UTF-8 only (a BOM is fine); YAML anchors and
aliases refused; Discord mention syntax refused everywhere.
"""

from __future__ import annotations

from bot.core.bank.uploads.detect import decode, detect, extension_format
from bot.core.bank.uploads.formats.base import FILE, FileRefused, RawParse, finish
from bot.core.bank.uploads.formats.csv_table import parse_csv
from bot.core.bank.uploads.formats.gift import parse_gift
from bot.core.bank.uploads.formats.native import parse_json, parse_yaml
from bot.core.bank.uploads.formats.opentdb import parse_opentdb
from bot.core.bank.uploads.formats.redbot import parse_redbot
from bot.core.bank.uploads.result import (
    FORMATS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ITEMS,
    ParsedItem,
    UploadParse,
    UploadProblem,
)
from bot.core.translate import _


def _list_name(filename: str) -> str | None:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name or None


def parse_upload(
    data: bytes, filename: str, *, essay_paragraphs: list[str] | None = None
) -> UploadParse:
    """Parse an uploaded file into validated items, problems and skipped questions.

    Never raises for bad content. ``essay_paragraphs`` (see
    :func:`bot.core.bank.items.essay_paragraphs`) lets quoted claim checks be verified.
    """
    fmt = extension_format(filename or "") or "yaml"
    try:
        text = decode(data)
        detection = detect(text, filename or "")
        fmt = detection.format
        if detection.error is not None:
            raise detection.error
        if fmt == "yaml":
            raw = parse_yaml(detection.yaml_root)
        elif fmt == "json":
            raw = parse_json(detection.json_data)
        elif fmt == "opentdb":
            raw = parse_opentdb(detection.json_data)
        elif fmt == "redbot":
            raw = parse_redbot(detection.yaml_root, _list_name(filename or ""))
        elif fmt == "csv":
            raw = parse_csv(text)
        else:
            raw = parse_gift(text)
        return finish(fmt, raw, essay_paragraphs)
    except FileRefused as exc:
        return UploadParse(fmt, [], [UploadProblem(exc.location, None, None, exc.message)], [])
    except RecursionError:
        return _refused(fmt, _("the file is nested too deeply"))
    except MemoryError:
        return _refused(fmt, _("the file is too large to read"))
    except Exception as exc:  # the last guard: a bug must not reach the moderator as a crash
        message = _("the file could not be read ({error})").format(error=type(exc).__name__)
        return _refused(fmt, message)


def _refused(fmt: str, message: str) -> UploadParse:
    return UploadParse(fmt, [], [UploadProblem(FILE, None, None, message)], [])


__all__ = [
    "FORMATS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ITEMS",
    "ParsedItem",
    "RawParse",
    "UploadParse",
    "UploadProblem",
    "parse_upload",
]
