"""Command names, options and choices in the member's language, from the catalogs.

discord.py asks the tree's translator for every string of every command, per
Discord locale, when commands are synced; the answers become the payload's
`name_localizations` / `description_localizations`. The catalog context is
where the string goes (command_name, parameter_description, ...), so a
command called "list" and the word "list" in a sentence stay apart.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot import i18n
from bot.core.bank.items import BASE_LANGUAGE


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = i18n.language_of(locale.value)
        if language is None or language == BASE_LANGUAGE:
            return None
        text = i18n.pgettext(context.location.name, string.message, language)
        return None if text == string.message else text
