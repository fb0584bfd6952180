"""Export items to bytes in an upload format, so that re-importing gives the same set.

Every field the importer reads is written: the item's own fields (the current text,
``image``) and its ``status`` when it is not active (``draft``, ``disabled``), so an
export imported into another server gives the same items with the same statuses.

``yaml`` and ``json`` write our bank format (``{theme, items}``) and hold every kind.
``csv`` holds multiple choice, true/false and short answer items only, with their
translations in ``<code>_`` columns (see :mod:`bot.core.bank.uploads.formats.csv_table` for
the header); :func:`left_out_note` says what a CSV export left out. Cells that a
spreadsheet would run as a formula get a leading ``'``, which the importer strips again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

from bot.core.bank.items import BankItem
from bot.core.bank.uploads.formats.csv_table import CSV_KINDS, write_csv
from bot.core.translate import _, ngettext

EXPORT_FORMATS: tuple[str, ...] = ("yaml", "json", "csv")
EXTENSIONS = {"yaml": "yaml", "json": "json", "csv": "csv"}
_KEY_ORDER = (
    "id",
    "kind",
    "tags",
    "difficulty",
    "paragraph",
    "as_of",
    "status",
    "image",
    "text",
    "question",
    "claim",
    "quoted",
    "verdict",
    "choices",
    "answer",
    "accepted",
    "events",
    "viewpoints",
    "explanation",
    "sources",
)


class ExportError(ValueError):
    """The items cannot be written in the chosen format."""


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def item_to_dict(item: BankItem, status: str = "active") -> dict[str, Any]:
    """The item as a bank-format mapping (the ``paragraph`` key always present; ``status``
    only when it is not active)."""
    data = item.model_dump(mode="json")
    paragraph = data.get("paragraph")
    data = _drop_none(data)
    data["paragraph"] = paragraph
    if status != "active":
        data["status"] = status
    for translation in (data.get("translations") or {}).values():
        if not translation.get("sources"):
            translation.pop("sources", None)
    for key in ("sources", "history", "translations"):
        if not data.get(key):
            data.pop(key, None)
    ordered = {k: data[k] for k in _KEY_ORDER if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return ordered


def exportable(items: Iterable[BankItem], fmt: str) -> tuple[list[BankItem], list[BankItem]]:
    """(items the format can hold, items it cannot)."""
    items = list(items)
    if fmt != "csv":
        return items, []
    return [i for i in items if i.kind in CSV_KINDS], [i for i in items if i.kind not in CSV_KINDS]


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:5])
    if len(ids) <= 5:
        return shown
    return _("{ids} and {count} more").format(ids=shown, count=len(ids) - 5)


def left_out_note(left: list[BankItem], fmt: str) -> str | None:
    """What an export in ``fmt`` could not carry, in the moderator's words (or None):
    the items of kinds it cannot hold. (CSV carries the translations of the items it
    holds in its ``<code>_`` columns.)"""
    if not left:
        return None
    by_kind: dict[str, list[str]] = {}
    for item in left:
        by_kind.setdefault(item.kind, []).append(item.id)
    parts = []
    for kind, ids in by_kind.items():
        parts.append(f"{len(ids)} {kind.replace('_', ' ')} ({_listed(ids)})")
    return _(
        "Left out of this {format} file: {parts}. "
        "{format} cannot hold these kinds; export YAML or JSON to keep them."
    ).format(format=fmt.upper(), parts="; ".join(parts))


def export_items(
    items: Iterable[BankItem],
    fmt: str,
    *,
    theme: str = "export",
    statuses: dict[str, str] | None = None,
) -> bytes:
    """``items`` as a file in ``fmt`` (``yaml``, ``json`` or ``csv``), UTF-8 bytes.

    ``statuses`` maps an item id to its status (absent: active).

    Raises :class:`ExportError` for an unknown format or, for CSV, items of a kind CSV
    cannot hold (use :func:`exportable` to split them off first).
    """
    items = list(items)
    if fmt not in EXPORT_FORMATS:
        raise ExportError(
            _("cannot export as {format}; one of {formats}").format(
                format=repr(fmt), formats=", ".join(EXPORT_FORMATS)
            )
        )
    if fmt == "csv":
        refused = exportable(items, fmt)[1]
        if refused:
            kinds = sorted({i.kind for i in refused})
            raise ExportError(
                ngettext(
                    "{count} item ({kinds}) cannot be written as CSV; export YAML or JSON",
                    "{count} items ({kinds}) cannot be written as CSV; export YAML or JSON",
                    len(refused),
                ).format(count=len(refused), kinds=", ".join(kinds))
            )
        return write_csv(items, statuses).encode("utf-8")
    status_of = statuses or {}
    document = {
        "theme": theme,
        "items": [item_to_dict(i, status_of.get(i.id, "active")) for i in items],
    }
    if fmt == "json":
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    text = yaml.dump(
        document,
        Dumper=_NoAliasDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return text.encode("utf-8")


def export_filename(fmt: str, stem: str = "questions") -> str:
    return f"{stem}.{EXTENSIONS.get(fmt, fmt)}"


__all__ = [
    "EXPORT_FORMATS",
    "ExportError",
    "export_filename",
    "export_items",
    "exportable",
    "item_to_dict",
    "left_out_note",
]
