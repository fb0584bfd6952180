"""Load and validate YAML question-bank files, reporting problems with line numbers.

File format: a mapping ``{theme: <slug>, items: [<item>, ...]}``; each item is validated
by :data:`bot.core.bank.items.BankItem` and then by the language rules in
:mod:`bot.core.bank.language`.

YAML is read with a safe loader that refuses anchors/aliases (no alias bombs),
duplicate mapping keys and multiple documents, and keeps dates as text (so a bad date
becomes a problem for its field, not a crash).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.bank import language
from bot.core.bank.items import ALL_KINDS, BANK_ITEM_ADAPTER, BankItem, essay_paragraphs
from bot.core.translate import _, ngettext

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_ESSAY_PATH = REPO_ROOT.parent / "shared" / "essay.txt"
THEME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_FILE_BYTES = 2 * 1024 * 1024
_TOP_KEYS = {"theme", "items"}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bank file."""

    file: Path
    item_id: str | None
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = _display_path(self.file)
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.item_id:
            parts.append(f"item {self.item_id}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class LoadedItem:
    """A valid item and where it came from."""

    item: BankItem
    file: Path
    line: int
    theme: str


@dataclass
class BankLoad:
    """The result of :func:`load_bank`.

    ``items`` holds every item that passed the schema (the first of any duplicate id;
    items with only language problems are kept, their problems listed). A bank is fit
    to publish only when ``problems`` is empty (``ok``).
    """

    items: list[BankItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    by_theme: dict[str, int] = field(default_factory=dict)
    entries: list[LoadedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def questions(self) -> list[BankItem]:
        return [i for i in self.items if i.kind != "discussion"]

    @property
    def discussions(self) -> list[BankItem]:
        return [i for i in self.items if i.kind == "discussion"]

    @property
    def by_kind(self) -> dict[str, int]:
        counts = Counter(i.kind for i in self.items)
        return {k: counts[k] for k in ALL_KINDS if counts[k]}

    def theme_of(self, item_id: str) -> str | None:
        for entry in self.entries:
            if entry.item.id == item_id:
                return entry.theme
        return None


def _display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # different drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


# --------------------------------------------------------------------------- YAML loader


class BankYamlError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _refuse_anchors(event: yaml.Event) -> None:
    if isinstance(event, yaml.AliasEvent):
        raise BankYamlError(
            _("YAML aliases ({alias}) are not allowed in bank files; write the value out").format(
                alias=f"*{event.anchor}"
            ),
            event.start_mark.line + 1,
        )
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        raise BankYamlError(
            _("YAML anchors ({anchor}) are not allowed in bank files").format(anchor=f"&{anchor}"),
            event.start_mark.line + 1,
        )


class _BankLoader(yaml.SafeLoader):
    """Safe loader: no anchors/aliases, no duplicate keys, dates stay text."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        _refuse_anchors(self.peek_event())
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        if not isinstance(node, MappingNode):
            raise BankYamlError(_("expected a mapping"), node.start_mark.line + 1)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise BankYamlError(
                    _("YAML merge keys (<<) are not allowed"), key_node.start_mark.line + 1
                )
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise BankYamlError(
                    _("a mapping key must be a plain value"), key_node.start_mark.line + 1
                ) from None
            if key in mapping:
                raise BankYamlError(
                    _("duplicate key {key} in the same mapping").format(key=repr(key)),
                    key_node.start_mark.line + 1,
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# Keep dates (and date-like typos such as 2022-13-01) as strings: the schema parses them.
_BankLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
_BankLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def _compose(text: str) -> Node | None:
    """The YAML node tree, with libyaml when it is there (the shipped bank is read at
    every start: the pure-Python scanner took 4 s for it, libyaml a tenth of that)."""
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:
        loader = _BankLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    for event in yaml.parse(text, Loader=c_loader):  # the same refusals as _BankLoader
        _refuse_anchors(event)
    return yaml.compose(text, Loader=c_loader)


def _construct(node: Node) -> Any:
    loader = _BankLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _line(node: Node | None) -> int | None:
    return None if node is None else node.start_mark.line + 1


def _mapping_get(node: Node, key: str) -> tuple[Node, Node] | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return key_node, value_node
    return None


def _locate(item_node: Node, loc: tuple[Any, ...]) -> int | None:
    """Best line for a pydantic error location inside an item node."""
    node: Node = item_node
    line = _line(item_node)
    for part in loc:
        if isinstance(part, str) and isinstance(node, MappingNode):
            found = _mapping_get(node, part)
            if found is None:
                continue  # a union tag or a model name: skip it
            key_node, value_node = found
            line = _line(key_node)
            node = value_node
        elif isinstance(part, int) and isinstance(node, SequenceNode):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = _line(node)
            else:
                break
    return line


# --------------------------------------------------------------------------- errors


_FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (.+)$", re.S)


def _field_path(loc: tuple[Any, ...]) -> str | None:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 0 and isinstance(part, str) and part in ALL_KINDS:
            continue  # the discriminated-union tag
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
        elif isinstance(part, str) and "[" not in part and "(" not in part:
            parts.append(part)
    return ".".join(parts) or None


def _message(err: dict[str, Any]) -> str:
    """One pydantic error in a moderator's words, in the current language.

    The one place that maps pydantic's own messages (English only) to ours; errors our
    validators raise are already translated and only lose pydantic's prefix. A kind
    not mapped here keeps pydantic's text.
    """
    kind = err["type"]
    msg = str(err.get("msg", ""))
    ctx = err.get("ctx") or {}
    given = err.get("input")
    kinds = ", ".join(ALL_KINDS)
    if kind == "extra_forbidden":
        return _("unknown field {name} (not part of the format)").format(name=repr(err["loc"][-1]))
    if kind == "missing":
        return _("required field is missing")
    if kind == "union_tag_not_found":
        return "kind: " + _("missing; one of {kinds}").format(kinds=kinds)
    if kind == "union_tag_invalid":
        tag = repr(ctx.get("tag"))
        return "kind: " + _("unknown kind {tag}; one of {kinds}").format(tag=tag, kinds=kinds)
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        got = len(given) if isinstance(given, str) else "?"
        return _("too long: {got} characters, at most {limit}").format(got=got, limit=limit)
    if kind == "string_too_short":
        limit = ctx.get("min_length") or 1
        if limit == 1:
            return _("must not be empty")
        return ngettext(
            "too short: at least {limit} character", "too short: at least {limit} characters", limit
        ).format(limit=limit)
    if kind in {"too_long", "too_short"}:
        limit = ctx.get("max_length" if kind == "too_long" else "min_length")
        actual = ctx.get("actual_length")
        if kind == "too_long":
            text = ngettext(
                "must have at most {limit} item, not {actual}",
                "must have at most {limit} items, not {actual}",
                limit or 0,
            )
        else:
            text = ngettext(
                "must have at least {limit} item, not {actual}",
                "must have at least {limit} items, not {actual}",
                limit or 0,
            )
        return text.format(limit=limit, actual=actual)
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return _("must be {expected}, got {value}").format(
            expected=expected, value=repr(given)[:80]
        )
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("must be a whole number, got {value}").format(value=repr(given)[:80])
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return _("must be a number, got {value}").format(value=repr(given)[:80])
    if kind in {"bool_parsing", "bool_type"}:
        return _("must be true or false, got {value}").format(value=repr(given)[:80])
    if kind == "string_type":
        return _("must be text, got {value}").format(value=repr(given)[:80])
    if kind in {"list_type", "tuple_type"}:
        return _("must be a list, got {value}").format(value=repr(given)[:80])
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("must be a mapping of fields, got {value}").format(value=repr(given)[:80])
    if kind == "greater_than_equal":
        return _("must be at least {limit}, got {value}").format(
            limit=ctx.get("ge"), value=repr(given)[:80]
        )
    if kind == "less_than_equal":
        return _("must be at most {limit}, got {value}").format(
            limit=ctx.get("le"), value=repr(given)[:80]
        )
    if kind == "string_pattern_mismatch":
        return _("does not match the pattern {pattern}").format(pattern=ctx.get("pattern"))
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return _("bad date {value}: use YYYY-MM-DD").format(value=repr(given))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _problems_from_validation(
    exc: ValidationError, file: Path, item_id: str | None, item_node: Node
) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        field_name = _field_path(loc)
        message = _message(err)
        line_loc = loc
        if field_name is None:
            # Errors from model validators carry their field as a "field: " prefix.
            match = _FIELD_PREFIX.match(message)
            if match:
                field_name, message = match.group(1), match.group(2)
                line_loc = tuple(_split_path(field_name))
        problems.append(Problem(file, item_id, _locate(item_node, line_loc), field_name, message))
    return problems


def _split_path(path: str) -> list[Any]:
    parts: list[Any] = []
    for piece in path.split("."):
        m = re.match(r"^([a-z_]*)((?:\[\d+\])*)$", piece)
        if not m:
            continue
        if m.group(1):
            parts.append(m.group(1))
        parts.extend(int(x) for x in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


# --------------------------------------------------------------------------- loading


def bank_files(path: Path | str) -> list[Path]:
    """The bank files at ``path``: the file itself, or every ``*.yaml``/``*.yml`` in the
    directory (not recursive), sorted by name."""
    p = Path(path)
    if p.is_dir():
        return sorted(
            (f for f in p.iterdir() if f.is_file() and f.suffix in {".yaml", ".yml"}),
            key=lambda f: f.name,
        )
    return [p]


def _read_essay(essay_path: Path | None, warnings: list[str]) -> list[str] | None:
    path = essay_path if essay_path is not None else DEFAULT_ESSAY_PATH
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        message = f"essay not found at {path}: quoted claims were not checked against it"
        log.warning(message)
        warnings.append(message)
        return None
    return essay_paragraphs(text)


def load_bank(
    path: Path | str,
    *,
    essay_path: Path | None = None,
    require_sources: bool = True,
    require_review: bool = True,
    require_languages: bool = True,
) -> BankLoad:
    """Load and validate a bank file or a directory of bank files.

    Never raises for bad content: every defect becomes a :class:`Problem`.
    ``essay_path`` defaults to ``../shared/essay.txt`` beside the repository; when the
    essay is absent, quoted claims are not checked and a warning is recorded.
    ``require_review`` (on by default: bank files are what the bot ships) refuses an item
    without a ``reviewed`` record and a discussion without its two-sided read;
    ``require_languages`` (also on) an item without a translation into every language.
    """
    result = BankLoad()
    root = Path(path)
    if not root.exists():
        result.problems.append(Problem(root, None, None, None, "no such file or directory"))
        return result
    result.files = bank_files(root)
    if root.is_dir() and not result.files:
        result.problems.append(Problem(root, None, None, None, "no *.yaml files found"))
    paragraphs = _read_essay(essay_path, result.warnings)
    context: dict[str, Any] = {
        "require_sources": require_sources,
        "require_review": require_review,
        "require_languages": require_languages,
    }
    if paragraphs is not None:
        context["essay_paragraphs"] = paragraphs

    seen_ids: dict[str, tuple[Path, int | None]] = {}
    seen_hashes: dict[str, tuple[str, Path, int | None]] = {}
    themes: Counter[str] = Counter()
    for file in result.files:
        _load_file(file, context, result, seen_ids, seen_hashes, themes)
    result.by_theme = dict(themes)
    return result


def _load_file(
    file: Path,
    context: dict[str, Any],
    result: BankLoad,
    seen_ids: dict[str, tuple[Path, int | None]],
    seen_hashes: dict[str, tuple[str, Path, int | None]],
    themes: Counter[str],
) -> None:
    def problem(line: int | None, message: str, item_id: str | None = None, fld: str | None = None):
        result.problems.append(Problem(file, item_id, line, fld, message))

    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            problem(None, f"file is larger than {MAX_FILE_BYTES} bytes")
            return
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem(None, f"not UTF-8 text ({exc.reason})")
        return
    except OSError as exc:
        problem(None, f"cannot read: {exc.strerror or exc}")
        return

    try:
        root = _compose(text)
        data = _construct(root) if root is not None else None
    except BankYamlError as exc:
        problem(exc.line, exc.message)
        return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem(line, f"YAML error: {exc.problem or exc.context}")
        return
    except yaml.YAMLError as exc:
        problem(None, f"YAML error: {exc}")
        return

    if root is None or not isinstance(data, dict) or not isinstance(root, MappingNode):
        problem(_line(root), "a bank file must be a mapping with 'theme' and 'items'")
        return
    for key in data:
        if key not in _TOP_KEYS:
            found = _mapping_get(root, str(key))
            problem(_line(found[0]) if found else 1, f"unknown top-level key {key!r}", fld=str(key))
    theme = data.get("theme")
    theme_found = _mapping_get(root, "theme")
    if not isinstance(theme, str) or not THEME_PATTERN.match(theme):
        problem(
            _line(theme_found[0]) if theme_found else 1,
            f"theme must be a slug (got {theme!r})",
            fld="theme",
        )
        theme = file.stem
    items_found = _mapping_get(root, "items")
    items = data.get("items")
    if items_found is None or not isinstance(items, list):
        problem(_line(items_found[0]) if items_found else 1, "items must be a list", fld="items")
        return
    items_node = items_found[1]
    assert isinstance(items_node, SequenceNode)

    for raw, node in zip(items, items_node.value, strict=True):
        line = _line(node) or 1
        if not isinstance(raw, dict):
            problem(line, "an item must be a mapping")
            continue
        raw_id = raw.get("id")
        item_id = raw_id if isinstance(raw_id, str) else None
        duplicate = False
        if item_id is not None and item_id in seen_ids:
            other_file, other_line = seen_ids[item_id]
            where = _display_path(other_file) + (f":{other_line}" if other_line else "")
            id_found = _mapping_get(node, "id")
            id_line = _line(id_found[0]) if id_found else line
            problem(id_line, f"duplicate id (also at {where})", item_id, "id")
            duplicate = True
        elif item_id is not None:
            seen_ids[item_id] = (file, line)
        try:
            item = BANK_ITEM_ADAPTER.validate_python(raw, context=context)
        except ValidationError as exc:
            found = _problems_from_validation(exc, file, item_id, node)
            result.problems.extend(sorted(found, key=lambda p: p.line or 0))
            continue
        if duplicate:
            continue

        digest = item.content_hash()
        if digest in seen_hashes:
            other_id, other_file, other_line = seen_hashes[digest]
            where = _display_path(other_file) + (f":{other_line}" if other_line else "")
            problem(line, f"same content as item {other_id} ({where})", item.id)
        else:
            seen_hashes[digest] = (item.id, file, line)

        for issue in language.check_item_detailed(item):
            fld_line = _locate(node, tuple(_split_path(issue.field))) if issue.field else line
            problem(fld_line, issue.message, item.id, issue.field)

        result.items.append(item)
        result.entries.append(LoadedItem(item, file, line, theme))
        themes[theme] += 1


__all__ = ["DEFAULT_ESSAY_PATH", "BankLoad", "LoadedItem", "Problem", "bank_files", "load_bank"]
