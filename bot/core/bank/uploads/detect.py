"""Decode an upload and work out its format: by content first, extension second.

Order: JSON (an Open Trivia DB response if it has ``response_code`` and ``results``,
else ours), CSV (a header row naming our columns), YAML (ours if it has ``items`` or
is a list of mappings; a Red-DiscordBot trivia list if it maps questions to lists),
then GIFT (a ``::title::``, a ``$CATEGORY:`` line or an answer block such as
``{=...}``/``{T}``). When the content is inconclusive (e.g. it does not parse), the extension
decides which format's error to report.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import Node

from bot.core.bank.bank_files import BankYamlError, _compose
from bot.core.bank.uploads.formats.base import FileRefused, value_error
from bot.core.bank.uploads.formats.csv_table import looks_like_header
from bot.core.bank.uploads.formats.gift import looks_like_gift
from bot.core.bank.uploads.formats.native import load_json
from bot.core.bank.uploads.formats.opentdb import is_opentdb
from bot.core.bank.uploads.formats.redbot import is_red_list
from bot.core.bank.uploads.result import MAX_UPLOAD_BYTES
from bot.core.translate import _

EXTENSIONS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".csv": "csv",
    ".gift": "gift",
    ".txt": "gift",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class Detection:
    """The format and, where detection already parsed it, the parsed document."""

    format: str
    json_data: Any = None
    yaml_root: Node | None = None
    error: FileRefused | None = None  # the content did not parse as this format


def extension_format(filename: str) -> str | None:
    name = filename.lower()
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped). Raises :class:`FileRefused` otherwise."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused(
            _(
                "the file is {size} bytes; at most {most} bytes (2 MiB) (nothing was imported)"
            ).format(size=f"{len(data):,}", most=f"{MAX_UPLOAD_BYTES:,}")
        )
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise FileRefused(
                _("the file is {encoding} text; save it as UTF-8 and upload it again").format(
                    encoding=name
                )
            )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _(
                "the file is not UTF-8 text (byte {byte} at position {position}); "
                "save it as UTF-8 and upload it again"
            ).format(byte=f"0x{data[exc.start]:02x}", position=exc.start)
        ) from None
    if "\x00" in text:
        raise FileRefused(_("the file holds NUL characters: it is not a text file"))
    return text


MAX_YAML_DEPTH = 64  # an item needs about 5 levels


def compose_yaml(text: str) -> Node | None:
    """Compose one YAML document with the bank loader's refusals (no anchors, aliases or
    several documents; see :mod:`bot.core.bank.bank_files`), plus a nesting limit.

    With libyaml available the events are first checked for anchors, aliases and depth,
    then the document is composed in C (several times faster than the pure-Python
    composer on a 2 MiB file); without it, :func:`bot.core.bank.bank_files._compose` does the
    work. Either way the nodes are constructed by the bank loader.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return _compose(text)
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise BankYamlError(
                _(
                    "YAML aliases ({alias}) are not allowed in bank files; write the value out"
                ).format(alias=f"*{event.anchor}"),
                line,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise BankYamlError(
                _("YAML anchors ({anchor}) are not allowed in bank files").format(
                    anchor=f"&{anchor}"
                ),
                line,
            )
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise BankYamlError(
                    _("nested more than {most} levels deep; this is not a question file").format(
                        most=MAX_YAML_DEPTH
                    ),
                    line,
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    loader = yaml.CSafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _yaml_error(exc: Exception) -> FileRefused:
    if isinstance(exc, BankYamlError):
        return FileRefused(exc.message, f"line {exc.line}" if exc.line else "file")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "file"
        reason = exc.problem or exc.context
        return FileRefused(_("YAML error: {reason}").format(reason=reason), where)
    if isinstance(exc, RecursionError):
        return FileRefused(_("the file is nested too deeply"))
    return FileRefused(_("YAML error: {reason}").format(reason=exc))


def _json_error(exc: Exception) -> FileRefused:
    if isinstance(exc, RecursionError):
        return FileRefused(_("the file is nested too deeply"))
    lineno = getattr(exc, "lineno", None)
    msg = getattr(exc, "msg", None) or value_error(exc)
    return FileRefused(
        _("JSON error: {reason}").format(reason=msg), f"line {lineno}" if lineno else "file"
    )


def detect(text: str, filename: str) -> Detection:
    """The format of ``text`` (already decoded)."""
    by_ext = extension_format(filename)
    stripped = text.lstrip()
    if not stripped:
        return Detection(by_ext or "yaml", error=FileRefused(_("the file is empty")))

    json_error: FileRefused | None = None
    if stripped[0] in "[{":
        try:
            data = load_json(text)
        except (ValueError, RecursionError) as exc:
            json_error = _json_error(exc)
        else:
            if is_opentdb(data):
                return Detection("opentdb", json_data=data)
            if (
                isinstance(data, dict)
                and not {"items", "theme"} & set(data)
                and any(isinstance(v, list) for v in data.values())
            ):
                # A trivia list written as JSON (JSON is YAML).
                try:
                    root = compose_yaml(text)
                except (yaml.YAMLError, BankYamlError, RecursionError):
                    root = None
                if is_red_list(root):
                    return Detection("redbot", yaml_root=root)
            return Detection("json", json_data=data)

    first_line = stripped.split("\n", 1)[0]
    if looks_like_header(first_line) or by_ext == "csv":
        return Detection("csv")
    if by_ext == "json" and json_error is not None:
        return Detection("json", error=json_error)

    root: Node | None = None
    yaml_error: FileRefused | None = None
    try:
        root = compose_yaml(text)
    except (yaml.YAMLError, BankYamlError, RecursionError) as exc:
        yaml_error = _yaml_error(exc)
    if yaml_error is None:
        if is_red_list(root):
            return Detection("redbot", yaml_root=root)
        if _is_ours(root):
            return Detection("yaml", yaml_root=root)
    if looks_like_gift(text) or by_ext == "gift":
        return Detection("gift")
    if json_error is not None:
        return Detection("json", error=json_error)
    if yaml_error is not None:
        return Detection(by_ext or "yaml", error=yaml_error)
    if isinstance(root, yaml.MappingNode | yaml.SequenceNode):
        return Detection("yaml", yaml_root=root)
    return Detection(
        by_ext or "yaml",
        error=FileRefused(
            _(
                "could not recognise the format: expected our YAML/JSON bank format, CSV with "
                "a header row, a Red-DiscordBot trivia list, an Open Trivia DB response or GIFT"
            )
        ),
    )


def _is_ours(root: Node | None) -> bool:
    """A mapping with ``items`` or ``theme``, or a list of mappings."""
    if isinstance(root, yaml.MappingNode):
        keys = {getattr(k, "value", None) for k, _value in root.value}
        return bool(keys & {"items", "theme"})
    if isinstance(root, yaml.SequenceNode):
        return all(isinstance(n, yaml.MappingNode) for n in root.value)
    return False


__all__ = ["MAX_YAML_DEPTH", "Detection", "compose_yaml", "decode", "detect", "extension_format"]
