"""Keeping the translation catalogs in step with the code (`quizbot i18n ...`).

`extract` writes `bot/locales/messages.pot` from two sources: the strings
marked in the code (`_`, `ngettext`, `pgettext`, `N_`, `NP_`), found by Babel's
Python extractor as `pybabel extract` would, and the slash commands' own
strings (see bot.adapter.languages.command_strings), with their place as context. It
then updates every language's `.po` from it as `pybabel update` does: new
messages come in empty, changed ones fuzzy, nothing is lost.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES

ROOT = Path(__file__).resolve().parent
KEYWORDS = {
    "_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "NP_": ((1, "c"), 2),
}
HEADER = "Kupiansk quiz bot"


def build_template() -> Catalog:
    from bot.adapter.client import EXTENSIONS
    from bot.adapter.languages.command_strings import command_strings

    template = Catalog(project=HEADER, domain=DOMAIN, charset="utf-8", fuzzy=False)
    found = extract_from_dir(
        str(ROOT), method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
    )
    for filename, lineno, message, comments, context in found:
        template.add(
            message,
            locations=[(f"bot/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    for context, text in asyncio.run(command_strings(EXTENSIONS)):
        template.add(text, locations=[("bot/adapter/cogs", 0)], context=context)
    return template


def write_catalog(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as target:
        write_po(target, catalog, width=100, omit_header=False, sort_output=True)


def extract(root: Path = LOCALES) -> list[Path]:
    """Rewrite the template and update each language from it; returns the files written."""
    template = build_template()
    pot = root / f"{DOMAIN}.pot"
    write_catalog(template, pot)
    written = [pot]
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
        catalog.update(template, update_header_comment=False)
        write_catalog(catalog, po)
        written.append(po)
    return written


def missing(language: str, root: Path = LOCALES) -> list[tuple[str | None, str]]:
    """Messages of the template that `language` has not translated (or marked fuzzy)."""
    template = build_template()
    with (root / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if (
            found is None
            or found.fuzzy
            or not found.string
            or not all(found.string if isinstance(found.string, tuple) else (found.string,))
        ):
            gaps.append((message.context, str(message.id)))
    return gaps
