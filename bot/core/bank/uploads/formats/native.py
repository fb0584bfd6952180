"""Our own bank format, as YAML or JSON: ``{theme, items: [...]}`` or a bare list.

YAML is read with the bank loader of :mod:`bot.core.bank.bank_files` (safe, no anchors or
aliases, no duplicate keys, dates kept as text); problems carry YAML line numbers. JSON
problems carry item numbers (``item 3``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from bot.core.bank.bank_files import BankYamlError, _construct, _locate, _mapping_get
from bot.core.bank.uploads.formats.base import (
    FILE,
    Candidate,
    FileRefused,
    RawParse,
    check_count,
    value_error,
)
from bot.core.translate import _

TOP_KEYS = ("theme", "items")


class DuplicateJsonKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateJsonKey(
                _("duplicate key {key} in the same object").format(key=repr(key))
            )
        out[key] = value
    return out


def load_json(text: str) -> Any:
    """``json.loads`` refusing duplicate keys. Raises ``ValueError``/``RecursionError``."""
    return json.loads(text, object_pairs_hook=_no_duplicates)


def _line(node: Node | None) -> str:
    return f"line {node.start_mark.line + 1}" if node is not None else FILE


def parse_yaml(root: Node | None) -> RawParse:
    """Candidates from a composed YAML document (see :func:`bot.core.bank.bank_files._compose`)."""
    out = RawParse()
    if root is None:
        raise FileRefused(_("the file is empty"))
    items_node: Node | None
    if isinstance(root, MappingNode):
        for key_node, _value in root.value:
            key = getattr(key_node, "value", None)
            if key not in TOP_KEYS:
                message = _("unknown top-level key {key}").format(key=repr(key))
                out.problem(_line(key_node), message, fld=str(key))
        found = _mapping_get(root, "items")
        if found is None:
            raise FileRefused(_("expected a mapping with 'items' (a list of items) or a list"))
        items_node = found[1]
        if not isinstance(items_node, SequenceNode):
            raise FileRefused(_("items must be a list"), _line(found[0]))
    elif isinstance(root, SequenceNode):
        items_node = root
    else:
        raise FileRefused(_("expected a mapping with 'items' (a list of items) or a list"))
    check_count(len(items_node.value))
    for node in items_node.value:
        try:
            data = _construct(node)
        except BankYamlError as exc:
            out.problem(f"line {exc.line}" if exc.line else _line(node), exc.message)
            continue
        except yaml.YAMLError as exc:
            reason = getattr(exc, "problem", None) or exc
            out.problem(_line(node), _("YAML error: {reason}").format(reason=reason))
            continue
        except ValueError as exc:  # e.g. an integer of thousands of digits
            message = _("a value cannot be read: {reason}").format(reason=value_error(exc))
            out.problem(_line(node), message)
            continue

        def locate(loc: tuple[Any, ...], node: Node = node) -> str | None:
            line = _locate(node, loc)
            return f"line {line}" if line is not None else None

        out.candidates.append(Candidate(data, _line(node), locate=locate))
    return out


def parse_json(data: Any) -> RawParse:
    out = RawParse()
    if isinstance(data, dict):
        for key in data:
            if key not in TOP_KEYS:
                message = _("unknown top-level key {key}").format(key=repr(key))
                out.problem(FILE, message, fld=str(key))
        if "items" not in data:
            raise FileRefused(_("expected an object with 'items' (a list of items) or a list"))
        items = data["items"]
        if not isinstance(items, list):
            raise FileRefused(_("items must be a list"))
    elif isinstance(data, list):
        items = data
    else:
        raise FileRefused(_("expected an object with 'items' (a list of items) or a list"))
    check_count(len(items))
    for i, raw in enumerate(items, start=1):
        out.candidates.append(Candidate(raw, f"item {i}"))
    return out


__all__ = ["load_json", "parse_json", "parse_yaml"]
