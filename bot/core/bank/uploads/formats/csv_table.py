"""CSV uploads: one item per row under a header row.

Header (any order; only ``text`` is required, other columns may be left out)::

    id,kind,text,choices,answer,accepted,explanation,source_title,source_publisher,source_url,tags,difficulty,paragraph,as_of,image,status,uk_text,uk_choices,uk_accepted,uk_explanation,uk_source_title,uk_source_publisher,uk_source_url

=================  =========================================================================
column             meaning
=================  =========================================================================
id                 a slug (3-64 of a-z, 0-9, ``-``); blank: derived, ``up-<8 hex>``
kind               ``multiple_choice``, ``true_false`` or ``short_answer``; blank: guessed
                   (choices given: multiple choice; accepted given: short answer;
                   answer true/false: true/false)
text               the question
choices            multiple choice: 2-4 choices separated by ``|``
answer             multiple choice: the exact text of the right choice; true/false:
                   ``true`` or ``false`` (also t/f, yes/no, 1/0); short answer: one answer
accepted           short answer: accepted answers separated by ``|``
explanation        1-3 sentences shown after the answer; blank: a placeholder, item is a draft
source_title       source titles, ``|``-separated (one per source)
source_publisher   the publishers, same order
source_url         the URLs, same order; no source at all: the item is a draft
tags               topic tags separated by ``|``; blank: ``uploaded``
difficulty         1, 2 or 3; blank: 2
paragraph          essay paragraph 1-6; blank: none
as_of              ISO date (YYYY-MM-DD) for facts that can still change; blank: none
image              a picture shown with the question: an https URL ending in .png, .jpg,
                   .jpeg, .gif or .webp (at most 500 characters); blank: none
status             ``active``, ``draft`` or ``disabled``; blank: active (a draft when
                   the source or the explanation is missing)
uk_text            the question in Ukrainian; the ``uk_`` columns are the item's
                   translation (``translations: {uk: ...}`` in YAML/JSON); all blank:
                   none, and a Ukrainian server plays it in English, "(English only)"
uk_choices         multiple choice: the same choices in Ukrainian, ``|``-separated, in the
                   same order (the right one is the one ``answer`` names: no ``uk_answer``)
uk_accepted        short answer: the answers accepted in Ukrainian, ``|``-separated
uk_explanation     the explanation in Ukrainian (required when ``explanation`` is given)
uk_source_title,   sources in Ukrainian, shown beside the item's own (optional; same rules
uk_source_...      as ``source_title``, ``source_publisher``, ``source_url``)
=================  =========================================================================

Every language of :data:`bot.core.bank.items.LANGUAGES` after the first has these columns
under its code (``<code>_text``, ...): a new language gets its columns without code.
A translation carries words only: kind, answer, difficulty and tags are the item's own.
A file whose header has no translation column leaves the translations of the items
already on the server as they are; a file with them says what each item has.

In ``|``-separated cells, ``\\|`` is a literal ``|`` and ``\\\\`` a literal backslash.
An unknown column is an error naming it. Line numbers are CSV line numbers (a quoted
cell may span lines). Other kinds (which_first, claim_check, discussion) need YAML or
JSON.

Formula injection: the exporter prefixes ``'`` to any cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (after any leading quotes), so spreadsheets show
it as text; the importer strips that one ``'`` again, so a round trip is exact.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from bot.core.bank.items import BASE_LANGUAGE, LANGUAGES, normalise_text
from bot.core.bank.uploads.formats.base import (
    DEFAULT_DIFFICULTY,
    UPLOADED_TAG,
    Candidate,
    FileRefused,
    RawParse,
    check_count,
    derived_id,
)
from bot.core.bank.uploads.result import (
    NO_EXPLANATION,
    PLACEHOLDER_EXPLANATION,
    PLACEHOLDER_EXPLANATIONS,
    UNCARRIED,
)
from bot.core.translate import _

_PLACEHOLDERS = frozenset(normalise_text(p) for p in PLACEHOLDER_EXPLANATIONS)

BASE_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "text",
    "choices",
    "answer",
    "accepted",
    "explanation",
    "source_title",
    "source_publisher",
    "source_url",
    "tags",
    "difficulty",
    "paragraph",
    "as_of",
    "image",
    "status",
)
# The columns of an item's words in another language, each under ``<code>_``.
TRANSLATED_COLUMNS: tuple[str, ...] = (
    "text",
    "choices",
    "accepted",
    "explanation",
    "source_title",
    "source_publisher",
    "source_url",
)
TRANSLATION_LANGUAGES: tuple[str, ...] = tuple(lang for lang in LANGUAGES if lang != BASE_LANGUAGE)


def translation_columns(lang: str) -> tuple[str, ...]:
    """The columns of ``lang``'s translation: ``uk_text``, ``uk_choices``, ..."""
    return tuple(f"{lang}_{name}" for name in TRANSLATED_COLUMNS)


COLUMNS: tuple[str, ...] = (
    *BASE_COLUMNS,
    *(c for lang in TRANSLATION_LANGUAGES for c in translation_columns(lang)),
)
HEADER = ",".join(COLUMNS)
CSV_KINDS: tuple[str, ...] = ("multiple_choice", "true_false", "short_answer")
LIST_SEP = "|"
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


# --------------------------------------------------------------------------- cells


def _is_formula(cell: str) -> bool:
    rest = cell.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_TRIGGERS


def neutralise(cell: str) -> str:
    """Prefix ``'`` so a spreadsheet shows a would-be formula as text."""
    return "'" + cell if _is_formula(cell) else cell


def unneutralise(cell: str) -> str:
    """Undo :func:`neutralise`."""
    return cell[1:] if cell.startswith("'") and _is_formula(cell) else cell


def split_list(cell: str) -> list[str]:
    """Split on unescaped ``|``; ``\\|`` is a ``|``, ``\\\\`` a backslash."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell) and cell[i + 1] in "|\\":
            current.append(cell[i + 1])
            i += 2
            continue
        if ch == LIST_SEP:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def join_list(values: list[str]) -> str:
    return LIST_SEP.join(v.replace("\\", "\\\\").replace(LIST_SEP, "\\" + LIST_SEP) for v in values)


def _int_or_text(cell: str) -> Any:
    try:
        return int(cell)
    except ValueError:
        return cell


# --------------------------------------------------------------------------- parsing


def looks_like_header(line: str) -> bool:
    """True if the first line reads as our CSV header."""
    try:
        cells = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return False
    names = [c.strip().lstrip("\ufeff").lower() for c in cells]
    known = sum(1 for n in names if n in COLUMNS)
    return "text" in names and known >= 2


def _guess_kind(cells: dict[str, str]) -> str | None:
    if cells.get("choices"):
        return "multiple_choice"
    if cells.get("accepted"):
        return "short_answer"
    if cells.get("answer", "").lower() in _TRUE | _FALSE:
        return "true_false"
    return None


def _row_item(cells: dict[str, str], location: str, out: RawParse) -> Candidate | None:
    text = cells.get("text", "")
    kind = cells.get("kind", "") or _guess_kind(cells)
    given_id = cells.get("id", "")
    item_id = given_id or derived_id("csv", text)
    if not kind:
        out.problem(
            location,
            _("missing; one of {kinds}").format(kinds=", ".join(CSV_KINDS)),
            given_id or None,
            "kind",
        )
        return None
    if kind not in CSV_KINDS:
        out.problem(
            location,
            _("{kind} cannot be written as CSV (only {kinds}); upload YAML or JSON for it").format(
                kind=repr(kind), kinds=", ".join(CSV_KINDS)
            ),
            given_id or None,
            "kind",
        )
        return None
    reasons: list[str] = []
    raw: dict[str, Any] = {
        "kind": kind,
        "id": item_id,
        "tags": split_list(cells.get("tags", "")) or [UPLOADED_TAG],
        "difficulty": _int_or_text(cells["difficulty"])
        if cells.get("difficulty")
        else DEFAULT_DIFFICULTY,
        "paragraph": _int_or_text(cells["paragraph"]) if cells.get("paragraph") else None,
        "text": text,
    }
    if cells.get("as_of"):
        raw["as_of"] = cells["as_of"]
    if cells.get("image"):
        raw["image"] = cells["image"]
    if cells.get("status"):
        raw["status"] = cells["status"].lower()
    if cells.get("explanation"):
        raw["explanation"] = cells["explanation"]
    else:
        raw["explanation"] = PLACEHOLDER_EXPLANATION
        reasons.append(NO_EXPLANATION)
    sources = _sources(cells, "", location, item_id, out)
    if sources is None:
        return None
    if sources:
        raw["sources"] = sources
    answer = cells.get("answer", "")
    if kind == "multiple_choice":
        raw["choices"] = split_list(cells.get("choices", ""))
        raw["answer"] = answer
    elif kind == "true_false":
        low = answer.lower()
        raw["answer"] = True if low in _TRUE else False if low in _FALSE else answer
    else:
        accepted = split_list(cells.get("accepted", ""))
        if not accepted and answer:
            accepted = [answer]
        elif answer:
            raw["answer"] = answer  # the schema names it as an unknown field
        raw["accepted"] = accepted
    if kind != "multiple_choice" and cells.get("choices"):
        raw["choices"] = split_list(cells["choices"])
    if kind != "short_answer" and cells.get("accepted"):
        raw["accepted"] = split_list(cells["accepted"])
    translations: dict[str, Any] = {}
    for lang in TRANSLATION_LANGUAGES:
        translation = _row_translation(cells, lang, location, item_id, out)
        if translation is None:
            return None
        if translation:
            translations[lang] = translation
    if translations:
        raw["translations"] = translations
    return Candidate(raw, location, reasons, derived_id=not given_id, rename=column_of)


def _sources(
    cells: dict[str, str], prefix: str, location: str, item_id: str, out: RawParse
) -> list[dict[str, str]] | None:
    """The sources in the ``<prefix>source_*`` columns (None: a problem was reported)."""
    titles = split_list(cells.get(f"{prefix}source_title", ""))
    publishers = split_list(cells.get(f"{prefix}source_publisher", ""))
    urls = split_list(cells.get(f"{prefix}source_url", ""))
    if not (len(titles) == len(publishers) == len(urls)):
        out.problem(
            location,
            _(
                "{titles_column}, {publishers_column} and {urls_column} must list the same "
                "number of sources ({titles}, {publishers}, {urls})"
            ).format(
                titles_column=f"{prefix}source_title",
                publishers_column=f"{prefix}source_publisher",
                urls_column=f"{prefix}source_url",
                titles=len(titles),
                publishers=len(publishers),
                urls=len(urls),
            ),
            item_id,
            f"{prefix}sources" if prefix else "sources",
        )
        return None
    return [
        {"title": t, "publisher": p, "url": u}
        for t, p, u in zip(titles, publishers, urls, strict=True)
    ]


def _row_translation(
    cells: dict[str, str], lang: str, location: str, item_id: str, out: RawParse
) -> dict[str, Any] | None:
    """The item's words in ``lang`` from its ``<lang>_`` columns: ``{}`` when they are all
    blank (the item has no translation), None when a problem was reported.

    What is missing or does not match the item (a choice too few, no explanation) is
    left to the schema, which says so once for every format; :func:`column_of` names
    the column in its message.
    """
    prefix = f"{lang}_"
    if not any(cells.get(column) for column in translation_columns(lang)):
        return {}
    translation: dict[str, Any] = {}
    if cells.get(prefix + "text"):
        translation["text"] = cells[prefix + "text"]
    for name in ("choices", "accepted"):
        if cells.get(prefix + name):
            translation[name] = split_list(cells[prefix + name])
    if cells.get(prefix + "explanation"):
        translation["explanation"] = cells[prefix + "explanation"]
    elif not cells.get("explanation"):
        # The item is a draft for want of an explanation in either language.
        translation["explanation"] = PLACEHOLDER_EXPLANATION
    sources = _sources(cells, prefix, location, item_id, out)
    if sources is None:
        return None
    if sources:
        translation["sources"] = sources
    return translation


_TRANSLATION_PATH = re.compile(r"^translations\.([a-z]+)(?:\.([a-z_]+))?(.*)$", re.S)
_SOURCE_PATH = re.compile(r"^(\[\d+\])(?:\.(title|publisher|url))?$")


def column_of(path: str) -> str:
    """The CSV column a schema path names: ``translations.uk.choices[1]`` is
    ``uk_choices[1]``, ``translations.uk.sources[0].url`` is ``uk_source_url[0]``; the
    item's own fields are their columns already."""
    match = _TRANSLATION_PATH.match(path)
    if match is None:
        return path
    lang, name, rest = match.group(1), match.group(2), match.group(3)
    if name is None:  # the translation as a whole
        return f"{lang}_*"
    if name == "sources":
        source = _SOURCE_PATH.match(rest)
        if source is not None:
            return f"{lang}_source_{source.group(2) or 'title'}{source.group(1)}"
    return f"{lang}_{name}{rest}"


_ANSWER_COLUMNS = {f"{lang}_answer": f"{lang}_choices" for lang in TRANSLATION_LANGUAGES}
_ALL_TRANSLATION_COLUMNS = frozenset(COLUMNS[len(BASE_COLUMNS) :])


def parse_csv(text: str) -> RawParse:
    out = RawParse()
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = _("CSV error: {error}; the rest of the file was not read")
            out.problem(f"line {start}", message.format(error=exc))
            break
        if header is None:
            header = [c.strip().lstrip("\ufeff").lower() for c in row]
            if not any(header):
                raise FileRefused(_("the first row must be the header row"), f"line {start}")
            seen: set[str] = set()
            for name in header:
                if name in _ANSWER_COLUMNS:
                    raise FileRefused(
                        _(
                            "unknown column {name}: the right answer is given once, in the "
                            "'answer' column; write {choices} in the same order as 'choices'"
                        ).format(name=repr(name), choices=repr(_ANSWER_COLUMNS[name])),
                        f"line {start}",
                    )
                if name and name not in COLUMNS:
                    raise FileRefused(
                        _("unknown column {name}; the columns are: {header}").format(
                            name=repr(name), header=HEADER
                        ),
                        f"line {start}",
                    )
                if name and name in seen:
                    raise FileRefused(
                        _("column {name} appears twice").format(name=repr(name)), f"line {start}"
                    )
                seen.add(name)
            if "text" not in seen:
                raise FileRefused(_("the header has no 'text' column"), f"line {start}")
            if seen & _ALL_TRANSLATION_COLUMNS:  # the file says what each item has
                out.uncarried = tuple(f for f in UNCARRIED["csv"] if f != "translations")
            continue
        if not any(c.strip() for c in row):
            continue
        rows += 1
        check_count(rows)
        location = f"line {start}"
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(c.strip() for c in extra):
                message = _("the row has {cells} cells; the header has {columns}")
                out.problem(location, message.format(cells=len(row), columns=len(header)))
                continue
        cells = {
            name: unneutralise(value).strip()
            for name, value in zip(header, row, strict=False)
            if name
        }
        try:
            cand = _row_item(cells, location, out)
        except Exception as exc:  # defensive: one row never sinks the file
            out.problem(location, _("could not be read ({error})").format(error=type(exc).__name__))
            continue
        if cand is not None:
            out.candidates.append(cand)
    if header is None:
        raise FileRefused(
            _("the file is empty; the first row must be the header: {header}").format(header=HEADER)
        )
    return out


# --------------------------------------------------------------------------- export


def item_row(item: Any, status: str = "active") -> list[str]:
    """The CSV cells of one item (multiple choice, true/false or short answer).

    A placeholder explanation is written as it is: the importer knows it for one, and
    the ``status`` column says ``draft``, so the item comes back a draft.
    """
    if item.kind not in CSV_KINDS:
        raise ValueError(_("{kind} items cannot be written as CSV").format(kind=item.kind))
    cells = {
        "id": item.id,
        "kind": item.kind,
        "text": item.text,
        "choices": join_list(item.choices) if item.kind == "multiple_choice" else "",
        "answer": (
            item.answer
            if item.kind == "multiple_choice"
            else ("true" if item.answer else "false")
            if item.kind == "true_false"
            else ""
        ),
        "accepted": join_list(item.accepted) if item.kind == "short_answer" else "",
        "explanation": item.explanation,
        "source_title": join_list([s.title for s in item.sources]),
        "source_publisher": join_list([s.publisher for s in item.sources]),
        "source_url": join_list([s.url for s in item.sources]),
        "tags": join_list(item.tags),
        "difficulty": str(item.difficulty),
        "paragraph": "" if item.paragraph is None else str(item.paragraph),
        "as_of": item.as_of.isoformat() if item.as_of else "",
        "image": item.image or "",
        "status": "" if status == "active" else status,
    }
    for lang in TRANSLATION_LANGUAGES:
        cells.update(_translation_cells(item, lang))
    return [neutralise(cells[c]) for c in COLUMNS]


def _translation_cells(item: Any, lang: str) -> dict[str, str]:
    """The ``<lang>_`` cells of ``item`` (all blank when it has no such translation)."""
    translation = item.translations.get(lang)
    if translation is None:
        return dict.fromkeys(translation_columns(lang), "")
    sources = translation.sources
    values = {
        "text": translation.text or "",
        "choices": join_list(translation.choices or []),
        "accepted": join_list(translation.accepted or []),
        "explanation": translation.explanation or "",
        "source_title": join_list([s.title for s in sources]),
        "source_publisher": join_list([s.publisher for s in sources]),
        "source_url": join_list([s.url for s in sources]),
    }
    return {f"{lang}_{name}": value for name, value in values.items()}


def write_csv(items: list[Any], statuses: dict[str, str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow(item_row(item, (statuses or {}).get(item.id, "active")))
    return buffer.getvalue()


__all__ = [
    "BASE_COLUMNS",
    "COLUMNS",
    "CSV_KINDS",
    "HEADER",
    "TRANSLATED_COLUMNS",
    "TRANSLATION_LANGUAGES",
    "column_of",
    "join_list",
    "looks_like_header",
    "neutralise",
    "parse_csv",
    "split_list",
    "translation_columns",
    "unneutralise",
    "write_csv",
]
