"""How the pure core speaks the reader's language: `_` and `ngettext` of `bot.i18n`.

Messages the core makes for a person (upload problems, validation errors, draft
reasons) are translated when they are made, in the language the caller has set
(`bot.i18n.use`, or the adapter per interaction): they are made for one reader at a
time and never stored as data to compare. The base language (the command line, the
shipped bank's checks) gives the English text unchanged.

`bot.i18n` imports `bot.core.bank.items` (for the languages), so the core reaches it
through these wrappers, which import it on first call instead of at import time.
Babel's extractor finds calls to `_`/`ngettext`/`N_` here like anywhere else.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The message in the current language (the English text is the message id)."""
    from bot.i18n import _ as gettext

    return gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """A message with a count; format it after: ``ngettext(...).format(n=n)``."""
    from bot.i18n import ngettext as plural_gettext

    return plural_gettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for the catalog; translate it with `_` where it is used."""
    return message


__all__ = ["N_", "_", "ngettext"]
