"""The one translation layer: gettext catalogs managed with Babel.

Every string a member or moderator reads goes through `_` / `ngettext` (and
command names through the adapter's Translator, which reads the same
catalogs). The language is a context variable: the adapter sets it per
interaction (the member's own Discord locale for ephemeral replies, the
server's language for public messages), so services and renderers never
pass a language around.

Catalogs live in `bot/locales/<lang>/LC_MESSAGES/messages.po` (in the
repository); the `.mo` files are compiled at install (`scripts/setup.sh`)
or, if missing or older than their `.po`, on first use — never committed.
Plural forms come from the catalog's header (Ukrainian: one/few/many).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as _format_percent
from babel.support import NullTranslations, Translations

from bot.core.bank.items import BASE_LANGUAGE, LANGUAGES

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "messages"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=BASE_LANGUAGE)

# Discord's locale codes for the languages we speak (DISCORD_LIMITS.md).
_DISCORD = {"uk": "uk", "en-US": "en", "en-GB": "en"}


def language_of(discord_locale: str | None) -> str | None:
    """Our language for a Discord locale (a member's or a server's), or None."""
    return _DISCORD.get(str(discord_locale)) if discord_locale else None


def discord_locales(language: str) -> list[str]:
    """The Discord locales a language is sent under (for command localisations)."""
    return [code for code, lang in _DISCORD.items() if lang == language]


def current() -> str:
    return _language.get()


@contextlib.contextmanager
def use(language: str | None) -> Iterator[None]:
    """Speak `language` (a supported one; anything else means the base language)."""
    token = _language.set(language if language in LANGUAGES else BASE_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def compile_catalogs(root: Path = LOCALES) -> list[Path]:
    """Compile each `.po` whose `.mo` is missing or older; returns what was written."""
    written = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo)
    return written


@cache
def translations(language: str) -> NullTranslations:
    if language == BASE_LANGUAGE:
        return NullTranslations()
    compile_catalogs()
    return Translations.load(str(LOCALES), [language], DOMAIN)


def _(message: str) -> str:
    """The message in the current language (the English text is the message id)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """A message with a count: `ngettext("{n} answer", "{n} answers", n).format(n=n)`."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str, language: str | None = None) -> str:
    """A message with a context (e.g. a command name vs the same word in a sentence)."""
    return translations(language or current()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for the catalog where it is defined; translate it where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """`N_` with a context (as `pgettext`): the message is shown with `pgettext(context, ...)`."""
    return message


def format_number(value: float, language: str | None = None) -> str:
    return format_decimal(value, locale=Locale.parse(language or current()))


def format_percent(value: float, language: str | None = None) -> str:
    """A share as a percentage: 0.25 -> "25%" (English), "25 %" (Ukrainian)."""
    return _format_percent(value, locale=Locale.parse(language or current()))


def format_datetime(value: datetime, language: str | None = None, pattern: str = "medium") -> str:
    """``pattern``: Babel's "medium" or a CLDR pattern such as "d MMM y, HH:mm"."""
    return _format_datetime(value, pattern, locale=Locale.parse(language or current()))
