"""/config: a server's settings, for moderators; /help for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.languages.language import remember as remember_language
from bot.adapter.limits import clip
from bot.adapter.permissions import ModeratorOnly, is_moderator
from bot.adapter.replies import reply
from bot.core.bank.items import BASE_LANGUAGE
from bot.core.quotas import BY_NAME, LIMITS, Limits, QuotaExceeded, describe
from bot.i18n import N_, _, pgettext

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

LIMIT_CHOICES = [app_commands.Choice(name=limit.name, value=limit.name) for limit in LIMITS]

INTRO = N_(
    "**Kupiansk quiz bot** — learn the recent history of Kupiansk, check an essay's claims, "
    "and discuss the contested parts fairly."
)


def shown_name(command: app_commands.Command | app_commands.Group, language: str) -> str:
    """A command's full name as a member's Discord shows it: each part localised where
    the catalog has it (the Translator sends the same names when commands are synced)."""
    parts = []
    node: app_commands.Command | app_commands.Group | None = command
    while node is not None:
        context = "group_name" if isinstance(node, app_commands.Group) else "command_name"
        parts.append(pgettext(context, node.name, language))
        node = node.parent
    return " ".join(reversed(parts))


def command_lines(
    tree: app_commands.CommandTree[QuizBot], *, moderators: bool, names: str = BASE_LANGUAGE
) -> list[str]:
    """Every slash command, from the tree itself, so the list is never out of date.
    Commands whose default permissions need Manage Server are the moderators'. `names`:
    the language the member's Discord shows command names in; descriptions are read
    in the current language."""
    lines = []
    for top in sorted(tree.get_commands(), key=lambda c: c.name):
        if not isinstance(top, app_commands.Command | app_commands.Group):
            continue  # context menus
        perms = top.default_permissions
        if (perms is not None and perms.value != 0) != moderators:
            continue
        leaves = (
            [c for c in top.walk_commands() if isinstance(c, app_commands.Command)]
            if isinstance(top, app_commands.Group)
            else [top]
        )
        lines += [
            f"`/{shown_name(c, names)}` — {pgettext('command_description', c.description)}"
            for c in leaves
        ]
    return lines


def help_embed(
    tree: app_commands.CommandTree[QuizBot], *, moderator: bool, names: str = BASE_LANGUAGE
) -> discord.Embed:
    parts = [_(INTRO), "", _("**Commands**"), *command_lines(tree, moderators=False, names=names)]
    if moderator:
        parts += ["", _("**Moderators** (Manage Server, or the moderator role)")]
        parts += command_lines(tree, moderators=True, names=names)
    return discord.Embed(
        title=_("Help"),
        description=clip("\n".join(parts), 4096),
        colour=discord.Colour.blurple(),
    )


# Each language by its own name, the same in every client language.
LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="Українська", value="uk"),
]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigCog(
    ModeratorOnly,
    commands.GroupCog,
    group_name="config",
    group_description="Server settings (moderators)",
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.services = bot.services
        super().__init__()

    @app_commands.command(name="moderator-role", description="Set (or clear) the moderator role")
    @app_commands.describe(role="Members with this role can manage questions and quizzes")
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild_id is not None
        # Changing who is a moderator is for Manage Server only, not for the role itself.
        if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
            await reply(interaction, _("Only members with **Manage Server** can change this."))
            return
        await self.bot.services.guilds.update(
            interaction.guild_id, interaction.user.id, moderator_role_id=role.id if role else None
        )
        text = (
            _("Moderator role set to {role}.").format(role=role.mention)
            if role
            else _("Moderator role cleared: only members with Manage Server are moderators now.")
        )
        await reply(interaction, text)

    @app_commands.command(name="language", description="The server's language")
    @app_commands.describe(
        language="Public messages (quizzes, results, discussions) are in this language"
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language_(
        self, interaction: discord.Interaction, language: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild_id is not None
        await self.bot.services.guilds.update(
            interaction.guild_id, interaction.user.id, language=language.value
        )
        remember_language(self.bot.services, interaction.guild_id, language.value)
        with i18n.use(language.value):  # said in the language just chosen
            text = _(
                "The server's language is now **{language}**: quizzes, results and "
                "discussions from now on. Private replies follow each member's own Discord "
                "language where the bot speaks it."
            ).format(language=language.name)
        await reply(interaction, text)

    @app_commands.command(name="quiz", description="Quiz rules for this server")
    @app_commands.describe(
        allow_answer_change="Let members change their answer once per round",
        streak_bonus="Give bonus points for answer streaks",
        in_thread="Play live quizzes in a thread the bot creates (the channel keeps one line)",
    )
    async def quiz(
        self,
        interaction: discord.Interaction,
        allow_answer_change: bool | None = None,
        streak_bonus: bool | None = None,
        in_thread: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        changes = {
            k: v
            for k, v in {
                "allow_answer_change": allow_answer_change,
                "streak_bonus": streak_bonus,
                "quiz_in_thread": in_thread,
            }.items()
            if v is not None
        }
        if changes:
            settings = await self.bot.services.guilds.update(
                interaction.guild_id, interaction.user.id, **changes
            )
        else:
            settings = await self.bot.services.guilds.get(interaction.guild_id)
        yes, no, on, off = _("yes"), _("no"), _("on"), _("off")
        await reply(
            interaction,
            _(
                "Answer change allowed: **{answer_change}** · streak bonus: **{streak_bonus}** · "
                "quizzes in a thread: **{in_thread}** (applies to quizzes started from now on)."
            ).format(
                answer_change=yes if settings.allow_answer_change else no,
                streak_bonus=on if settings.streak_bonus else off,
                in_thread=yes if settings.quiz_in_thread else no,
            ),
        )

    @app_commands.command(
        name="erase-server-data", description="Erase everything the bot keeps for this server"
    )
    async def erase_server_data(self, interaction: discord.Interaction) -> None:
        privacy = self.bot.get_cog("PrivacyCog")
        assert privacy is not None
        await privacy.erase_server(interaction)  # type: ignore[attr-defined]

    @app_commands.command(
        name="limits", description="This server's quotas: see them, or change one"
    )
    @app_commands.describe(
        limit="Which quota to change (leave empty to see them all)",
        value="Its new value, within the bot's bounds",
        reset="Put this quota back to the bot's default",
    )
    @app_commands.choices(limit=LIMIT_CHOICES)
    async def limits(
        self,
        interaction: discord.Interaction,
        limit: app_commands.Choice[str] | None = None,
        value: app_commands.Range[int, 0, 1_000_000] | None = None,
        reset: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        quotas = self.bot.services.quotas
        if limit is None or (value is None and not reset):
            hint = (
                _("Give `value` (or `reset`) to change `{limit}`.").format(limit=limit.value) + "\n"
                if limit is not None
                else ""
            )
            current = await quotas.limits(interaction.guild_id)
            await reply(interaction, hint + limits_text(current))
            return
        # Quotas protect every server the bot serves; only Manage Server moves them.
        if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
            await reply(
                interaction, _("Only members with **Manage Server** can change the limits.")
            )
            return
        if reset and value is not None:
            await reply(interaction, _("Give either a `value` or `reset`, not both."))
            return
        try:
            current = await quotas.set_limit(
                interaction.guild_id, interaction.user.id, limit.value, None if reset else value
            )
        except QuotaExceeded as error:
            await reply(interaction, str(error))
            return
        changed = BY_NAME[limit.value]
        await reply(
            interaction,
            _("`{name}` is now **{value}** on this server (default {default}).").format(
                name=changed.name,
                value=changed.show(current[changed.name]),
                default=changed.show(changed.default),
            )
            + "\n"
            + limits_text(current),
        )


def limits_text(current: Limits) -> str:
    return "\n".join(
        [
            _("**Limits on this server** (name · value · what · allowed range)"),
            *describe(current),
            _("Change one: `/config limits limit:<name> value:<number>` (Manage Server)."),
        ]
    )


class HelpCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot does and its commands")
    async def help(self, interaction: discord.Interaction) -> None:
        moderator = interaction.guild_id is not None and await is_moderator(
            interaction, self.bot.services
        )
        # Names as the member's own Discord shows them (its locale, not the server's).
        names = i18n.language_of(str(interaction.locale)) or BASE_LANGUAGE
        await interaction.response.send_message(
            embed=help_embed(self.bot.tree, moderator=moderator, names=names),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(ConfigCog(bot))
    await bot.add_cog(HelpCog(bot))
