"""Every translatable string of the slash commands, as Discord will be sent them.

The catalog's command part is extracted from the commands themselves: each cog
is built on a bare command tree (nothing connects) and discord.py's own payload
builder is run with a translator that records what it is asked. So the catalog
holds exactly the names, descriptions, options and choices the sync sends.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class _Recorder(app_commands.Translator):
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], None] = {}

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is discord.Locale.ukrainian:
            self.seen[(context.location.name, string.message)] = None
        return None


async def command_strings(extensions: tuple[str, ...]) -> list[tuple[str, str]]:
    """(context, English text) pairs: context is where the string goes (command_name, ...)."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for name in extensions:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, commands.Cog):
                continue
            cog: Any = cls.__new__(cls)  # builds its commands; __init__ (wiring) is not needed
            group = getattr(cog, "__cog_app_commands_group__", None)
            for command in [group] if group is not None else cog.get_app_commands():
                if command.parent is None:
                    tree.add_command(command)
    recorder = _Recorder()
    for command in tree.get_commands():
        await command.get_translated_payload(tree, recorder)
    return list(recorder.seen)
