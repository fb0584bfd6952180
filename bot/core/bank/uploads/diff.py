"""What an upload would change in an item that is already there (pure).

An item is compared as stored (its ``data``: every field as authored) plus its status,
so an upload that only adds a source, or would turn a completed item back into a draft,
is an update the report names, never a silent one.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.bank.uploads.export import _KEY_ORDER
from bot.core.translate import _

CLIP = 80


def _short(value: Any) -> str:
    if value is None:
        return _("(none)")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return repr(text if len(text) <= CLIP else text[: CLIP - 1] + "…")


def _value(value: Any) -> Any:
    """An empty list or mapping is the same as no value (older rows lack such keys)."""
    return None if value in ([], {}) else value


def target_status(draft: bool, requested: str | None, existing: str | None) -> str:
    """The status an imported item gets.

    A draft when it lacks something (whatever the file says); disabled when the file
    says so, or when the file says nothing and a moderator had disabled it; else active.
    """
    if draft:
        return "draft"
    if requested == "disabled" or (requested is None and existing == "disabled"):
        return "disabled"
    return "active"


def changes(
    old: dict[str, Any], old_status: str, new: dict[str, Any], new_status: str
) -> list[str]:
    """One line per difference, ``field: 'old' -> 'new'``; empty when nothing changes."""
    lines: list[str] = []
    if old_status != new_status:
        lines.append(f"status: {old_status} -> {new_status}")
    keys = [k for k in _KEY_ORDER if k in old or k in new]
    keys += sorted((set(old) | set(new)) - set(keys))
    for key in keys:
        before, after = _value(old.get(key)), _value(new.get(key))
        if before != after:
            lines.append(f"{key}: {_short(before)} -> {_short(after)}")
    return lines


__all__ = ["changes", "target_status"]
