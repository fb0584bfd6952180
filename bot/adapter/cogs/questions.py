"""/questions: moderators bring their own questions (uploads, forms), review, export."""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.adapter import render
from bot.adapter.languages.language import Localized
from bot.adapter.limits import clip
from bot.adapter.permissions import NOT_MODERATOR, ModeratorOnly, is_moderator
from bot.adapter.replies import reply
from bot.core.bank.uploads import MAX_UPLOAD_BYTES
from bot.core.bank.uploads.export import (
    ExportError,
    export_filename,
    export_items,
    exportable,
    left_out_note,
)
from bot.core.bank.uploads.report import report_text
from bot.core.bank.uploads.templates import template
from bot.core.quotas import QuotaExceeded
from bot.i18n import N_, _, ngettext
from bot.services.bank.bank import ImportReport
from bot.services.bank.question_admin import AdminError, item_from_form
from bot.services.bank.question_list import Cursor
from bot.services.bank.uploads import KEEP_EDITED, OVERWRITE_EDITED, UploadError, UploadReport

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

SHOWN_PROBLEMS = 12
# A question's status as a moderator reads it (the stored value is the English word).
STATUS_WORDS = {"active": N_("active"), "draft": N_("draft"), "disabled": N_("disabled")}


def status_word(status: str) -> str:
    """The status in the moderator's words."""
    return _(STATUS_WORDS.get(status, status)) if status else ""


UPLOAD_FORMATS = [
    app_commands.Choice(name=name, value=value)
    for name, value in (
        ("YAML (bank format)", "yaml"),
        ("JSON (bank format)", "json"),
        ("CSV", "csv"),
        ("Red-DiscordBot trivia list", "redbot"),
        ("Open Trivia DB JSON", "opentdb"),
        ("Moodle GIFT", "gift"),
    )
]
EXPORT_FORMATS = UPLOAD_FORMATS[:3]


def _bot(interaction: discord.Interaction) -> QuizBot:
    return interaction.client  # type: ignore[return-value]


def report_embed(report: UploadReport, *, dry_run: bool) -> discord.Embed:
    ok = report.importable
    if report.problems:
        verdict = _("Nothing will be imported: fix every problem below and upload again.")
    elif not ok:
        verdict = _("Nothing new to import.")
    elif dry_run:
        verdict = _("Dry run: this file would import as shown. Upload again without dry_run.")
    elif report.edited:
        verdict = ngettext(
            "{n} question edited here in Discord would change (see below): **keep your "
            "edits** or **overwrite** them. Nothing is imported until then.",
            "{n} questions edited here in Discord would change (see below): **keep your "
            "edits** or **overwrite** them. Nothing is imported until then.",
            len(report.edited),
        ).format(n=len(report.edited))
    else:
        verdict = _("Press **Import** to add these, or **Cancel**. Nothing is imported until then.")
    if report.skipped and not report.problems:
        verdict += " " + ngettext(
            "{n} question will be skipped (see Skipped).",
            "{n} questions will be skipped (see Skipped).",
            len(report.skipped),
        ).format(n=len(report.skipped))
    embed = discord.Embed(
        title=clip(
            _("Upload check: {filename} ({format})").format(
                filename=report.filename, format=report.format
            ),
            256,
        ),
        description=verdict,
        colour=discord.Colour.green() if ok else discord.Colour.orange(),
    )
    counts = (
        (_("New"), len(report.new)),
        (_("Updated"), len(report.updated)),
        (_("Unchanged"), len(report.unchanged)),
        (_("Duplicates"), len(report.duplicates)),
        (_("Invalid"), report.invalid),
        (_("Drafts"), len(report.drafts)),
        (_("Skipped"), len(report.skipped)),
    )
    for name, count in counts:
        embed.add_field(name=name, value=i18n.format_number(count))
    if report.problems:
        shown = "\n".join(f"• {clip(p, 150)}" for p in report.problems[:SHOWN_PROBLEMS])
        more = len(report.problems) - SHOWN_PROBLEMS
        if more > 0:
            shown += "\n" + _("… and {n} more (all in report.txt)").format(n=more)
        embed.add_field(name=_("Problems"), value=clip(shown, 1024), inline=False)
    if report.drafts:
        lines = [f"• {k}: {', '.join(v)}" for k, v in list(report.drafts.items())[:8]]
        embed.add_field(
            name=_("Imported as drafts (not drawn until completed)"),
            value=clip("\n".join(lines), 1024),
            inline=False,
        )
    if report.edited:
        lines = [
            f"• {item_id}: " + "; ".join(diff[:2]) + (" …" if len(diff) > 2 else "")
            for item_id, diff in list(report.edited.items())[:6]
        ]
        embed.add_field(
            name=_("Edited in Discord since the last import (this file would change them)"),
            value=clip("\n".join(lines), 1024),
            inline=False,
        )
    if report.skipped:
        embed.add_field(
            name=_("Skipped (not imported; the rest can be)"),
            value=clip("\n".join(f"• {s}" for s in report.skipped[:8]), 1024),
            inline=False,
        )
    if report.duplicates:
        embed.add_field(
            name=_("Duplicates (already here, not imported)"),
            value=clip(", ".join(report.duplicates[:30]), 1024),
            inline=False,
        )
    return render.fit_embed(embed)


def import_summary(report: ImportReport) -> str:
    """What an import did, in the moderator's words (the command line prints
    :meth:`ImportReport.summary`, in English)."""
    parts = [
        ngettext("{n} new", "{n} new", len(report.new)).format(n=len(report.new)),
        ngettext("{n} updated", "{n} updated", len(report.updated)).format(n=len(report.updated)),
        ngettext("{n} unchanged", "{n} unchanged", len(report.unchanged)).format(
            n=len(report.unchanged)
        ),
    ]
    if report.retired:
        parts.append(
            ngettext("{n} retired", "{n} retired", len(report.retired)).format(
                n=len(report.retired)
            )
        )
    return ", ".join(parts)


class UploadDecision(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"upl:(?P<id>\d+):(?P<choice>ok|no|keep|over)",
):
    LABELS = {
        "ok": N_("Import"),
        "keep": N_("Import, keep my edits"),
        "over": N_("Import and overwrite my edits"),
        "no": N_("Cancel"),
    }

    def __init__(self, upload_id: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_(self.LABELS[choice]),
                style=discord.ButtonStyle.secondary
                if choice == "no"
                else discord.ButtonStyle.danger
                if choice == "over"
                else discord.ButtonStyle.success,
                custom_id=f"upl:{upload_id}:{choice}",
            )
        )
        self.upload_id, self.choice = upload_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> UploadDecision:
        return cls(int(match["id"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        assert interaction.guild_id is not None
        uploads = bot.services.uploads
        if self.choice == "no":
            cancelled = await uploads.cancel(interaction.guild_id, self.upload_id)
            text = (
                _("Cancelled: nothing imported.")
                if cancelled
                else _("This upload was already decided.")
            )
            await _decided(interaction, text)
            return
        try:
            report = await uploads.confirm(
                interaction.guild_id,
                self.upload_id,
                interaction.user.id,
                edited=OVERWRITE_EDITED if self.choice == "over" else KEEP_EDITED,
            )
        except UploadError as error:
            await _decided(interaction, str(error))
            return
        await _decided(
            interaction,
            _(
                "Imported: {summary}. They can be drawn in quizzes now (drafts once completed)."
            ).format(summary=import_summary(report)),
        )


async def _decided(interaction: discord.Interaction, text: str) -> None:
    """The outcome replaces the buttons and the report's "Press Import" line alike."""
    embeds = list(interaction.message.embeds) if interaction.message else []
    if embeds:
        embeds[0].description = clip(text, 4096)
    await interaction.response.edit_message(content=text, embeds=embeds, view=None)


class QuestionForm(Localized, discord.ui.Modal):
    """Add or edit one question; the answer line rules are in the placeholder. Built in
    the moderator's language (the command's), and answers in it on submit."""

    def __init__(self, *, slug: str | None = None, defaults: dict[str, str] | None = None) -> None:
        super().__init__(title=_("Edit question") if slug else _("New question"), timeout=1800)
        self.slug = slug
        d = defaults or {}
        self.text = discord.ui.TextInput(
            label=_("Question"),
            style=discord.TextStyle.paragraph,
            max_length=1000,
            default=d.get("text"),
        )
        self.answers = discord.ui.TextInput(
            label=_("Answers: right one first"),
            style=discord.TextStyle.paragraph,
            max_length=400,
            placeholder=clip(
                _(
                    "Right answer, then wrong ones, one per line. Or: true / false. "
                    "Or one line of accepted answers a | b"
                ),
                100,  # Discord's limit for a placeholder, in every language
            ),
            default=d.get("answers"),
        )
        self.explanation = discord.ui.TextInput(
            label=_("Explanation (shown after the answer)"),
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
            default=d.get("explanation"),
        )
        self.source = discord.ui.TextInput(
            label=_("Source: title | publisher | url"),
            max_length=400,
            required=False,
            default=d.get("source"),
        )
        self.tags = discord.ui.TextInput(
            label=_("Tags (comma-separated)"),
            max_length=200,
            required=False,
            default=d.get("tags"),
        )
        for item in (self.text, self.answers, self.explanation, self.source, self.tags):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        assert interaction.guild_id is not None
        slug = (
            self.slug
            or "custom-"
            + hashlib.sha256(f"{interaction.guild_id}:{self.text.value}".encode()).hexdigest()[:8]
        )
        try:
            if not self.slug:
                await bot.services.quotas.check_question_room(interaction.guild_id, 1)
        except QuotaExceeded as error:
            await reply(interaction, _("Not saved: {reason}").format(reason=error))
            return
        try:
            item, drafts = item_from_form(
                slug,
                str(self.text.value),
                str(self.answers.value),
                str(self.explanation.value or ""),
                str(self.source.value or ""),
                str(self.tags.value or ""),
            )
            view = await bot.services.question_admin.save_form_item(
                interaction.guild_id, interaction.user.id, item, drafts, editing=bool(self.slug)
            )
        except AdminError as error:
            await reply(
                interaction, _("Not saved:\n{reasons}").format(reasons=clip(str(error), 1800))
            )
            return
        saved = _("Saved as `{slug}` (#{id}).").format(slug=view.slug, id=view.id)
        if drafts:
            reasons = ", ".join(_(d) for d in drafts)  # N_-marked words (question_admin)
            saved += " " + _("It is a **draft** ({reasons}): complete it to publish.").format(
                reasons=reasons
            )
        await reply(interaction, saved)


SEARCH_MAX = 60  # what fits in a button's custom_id next to the page and the key


async def question_page(
    bot: QuizBot,
    guild_id: int,
    search: str,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    page: int = 1,
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of /questions list, with Previous/Next buttons that carry the search and
    the key to page from (keyset paging: see bot/services/bank/question_list.py)."""
    found = await bot.services.question_admin.list(
        guild_id, search, after=after, before=before, page=page
    )
    lines = [
        f"`#{q.id}` {'🏠' if q.guild_id else '📚'} "
        f"{status_word(q.status) if q.status != 'active' else ''} {clip(q.text, 90)}"
        for q in found.items
    ]
    plus = "+" if found.more else ""
    embed = discord.Embed(
        title=_("Questions · page {page} of {pages} ({total})").format(
            page=found.page,
            pages=i18n.format_number(found.pages) + plus,
            total=i18n.format_number(found.total) + plus,
        ),
        description=clip("\n".join(lines) or _("No questions match."), 4096),
        colour=render.QUIZ_COLOUR,
    )
    footer = _("🏠 this server's · 📚 shipped · /questions show <id> for details")
    if 0 < len(search.strip()) < 3:
        footer += " · " + _("a search under 3 letters matches tags only")
    embed.set_footer(text=footer)
    view = discord.ui.View(timeout=None)
    term = search[:SEARCH_MAX]
    if found.previous is not None:
        view.add_item(PageButton(found.page - 1, "p", found.previous, term, _("◀ Previous")))
    if found.next is not None:
        view.add_item(PageButton(found.page + 1, "n", found.next, term, _("Next ▶")))
    return embed, view


class PageButton(
    Localized,
    discord.ui.DynamicItem[discord.ui.Button],
    # qlist:<page>:<n|p><key>:<search>; the older qlist:<page>:<search> opens page 1.
    template=r"qlist:(?P<page>\d+):(?:(?P<step>[np])(?P<key>[os]\d+):)?(?P<search>.*)",
):
    def __init__(
        self, page: int, step: str, key: Cursor | None, search: str, label: str = "…"
    ) -> None:
        where = f"{step}{key.encode()}:" if key is not None else ""
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"qlist:{page}:{where}{search}",
            )
        )
        self.page, self.step, self.key, self.search = page, step, key, search

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PageButton:
        key = Cursor.decode(match["key"]) if match["key"] else None
        page = int(match["page"]) if key is not None else 1
        return cls(page, match["step"] or "n", key, match["search"], item.label or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, _(NOT_MODERATOR))
            return
        assert interaction.guild_id is not None
        embed, view = await question_page(
            bot,
            interaction.guild_id,
            self.search,
            after=self.key if self.step == "n" else None,
            before=self.key if self.step == "p" else None,
            page=self.page,
        )
        await interaction.response.edit_message(embed=embed, view=view)


def question_detail(view: object) -> discord.Embed:
    from bot.services.bank.questions import QuestionView

    assert isinstance(view, QuestionView)
    embed = discord.Embed(
        title=clip(f"#{view.id} · {view.slug}", 256),
        description=clip(view.text, 4096),
        colour=render.QUIZ_COLOUR,
    )
    if view.choices:
        embed.add_field(
            name=_("Choices"),
            value=clip(
                "\n".join(
                    ("✅ " if i == view.correct_index else "▫️ ") + c
                    for i, c in enumerate(view.choices)
                ),
                1024,
            ),
            inline=False,
        )
    else:
        embed.add_field(
            name=_("Accepted answers"), value=clip(" | ".join(view.accepted_answers), 1024)
        )
    embed.add_field(name=_("Explanation"), value=clip(view.explanation or "—", 1024), inline=False)
    if view.sources:
        embed.add_field(name=_("Source"), value=render.source_lines(view.sources), inline=False)
    if view.image:
        embed.set_image(url=view.image)
    owner = _("shipped bank (read-only)") if view.guild_id == 0 else _("this server")
    embed.set_footer(
        text=_("{kind} · {status} · {owner} · tags: {tags}").format(
            kind=view.kind, status=status_word(view.status), owner=owner, tags=", ".join(view.tags)
        )
    )
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class QuestionsCog(
    ModeratorOnly,
    commands.GroupCog,
    group_name="questions",
    group_description="Manage questions (moderators)",
):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.services = bot.services
        super().__init__()

    @app_commands.command(name="upload", description="Upload a file of questions (checked first)")
    @app_commands.describe(
        file="YAML, JSON, CSV, Red trivia list, Open Trivia DB JSON or Moodle GIFT (2 MiB)",
        dry_run="Only check the file; import nothing",
    )
    async def upload(
        self, interaction: discord.Interaction, file: discord.Attachment, dry_run: bool = False
    ) -> None:
        assert interaction.guild_id is not None
        if file.size > MAX_UPLOAD_BYTES:
            await reply(
                interaction,
                _("{filename} is over the 2 MiB limit; split it up.").format(
                    filename=file.filename
                ),
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        try:
            report = await self.bot.services.uploads.preview(
                interaction.guild_id, interaction.user.id, file.filename, data, dry_run=dry_run
            )
        except UploadError as error:
            await interaction.followup.send(str(error), ephemeral=True)
            return
        view = discord.utils.MISSING
        if report.importable and not dry_run and report.upload_id is not None:
            view = discord.ui.View(timeout=None)
            choices = ("keep", "over", "no") if report.edited else ("ok", "no")
            for choice in choices:
                view.add_item(UploadDecision(report.upload_id, choice))
        # The whole report, word for word what `quizbot questions validate` prints.
        text = report_text(report).encode("utf-8")
        files = [discord.File(io.BytesIO(text), filename="report.txt")]
        await interaction.followup.send(
            embed=report_embed(report, dry_run=dry_run),
            view=view,
            files=files,
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @app_commands.command(name="template", description="An example file to fill in")
    @app_commands.choices(format=UPLOAD_FORMATS)
    async def template_(
        self, interaction: discord.Interaction, format: app_commands.Choice[str] | None = None
    ) -> None:
        name, data = template(format.value if format else "yaml")
        await interaction.response.send_message(
            _("Fill this in and upload it with `/questions upload`."),
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=True,
        )

    @app_commands.command(name="export", description="This server's own questions as a file")
    @app_commands.choices(format=EXPORT_FORMATS)
    async def export(
        self, interaction: discord.Interaction, format: app_commands.Choice[str] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        fmt = format.value if format else "yaml"
        items, statuses = await self.bot.services.uploads.export_records(interaction.guild_id)
        if not items:
            await reply(interaction, _("This server has no questions of its own yet."))
            return
        kept, left = exportable(items, fmt)
        try:
            data = export_items(kept, fmt, theme=f"guild-{interaction.guild_id}", statuses=statuses)
        except ExportError as error:
            await reply(interaction, str(error))
            return
        note = left_out_note(left, fmt)
        text = ngettext("{n} item.", "{n} items.", len(kept)).format(n=len(kept))
        await interaction.response.send_message(
            clip(text + (f"\n{note}" if note else ""), 2000),
            file=discord.File(io.BytesIO(data), filename=export_filename(fmt)),
            ephemeral=True,
        )

    @app_commands.command(name="add", description="Write a new question in a form")
    async def add(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        # Before the form, so nobody types a question that cannot be saved.
        await self.bot.services.quotas.check_question_room(interaction.guild_id, 1)
        await interaction.response.send_modal(QuestionForm())

    @app_commands.command(name="edit", description="Edit one of this server's questions")
    @app_commands.describe(question="Its id (#) or slug")
    async def edit(self, interaction: discord.Interaction, question: str) -> None:
        assert interaction.guild_id is not None
        try:
            item = await self.bot.services.question_admin.editable_item(
                interaction.guild_id, question
            )
        except AdminError as error:
            await reply(interaction, str(error))
            return
        if item.kind == "true_false":
            answers = "true" if item.correct_index == 0 else "false"
        elif item.kind == "short_answer":
            answers = " | ".join(item.accepted_answers)
        else:
            right = item.choices[item.correct_index or 0]
            answers = "\n".join([right, *[c for c in item.choices if c != right]])
        source = item.sources[0] if item.sources else None
        defaults = {
            "text": item.display_text,
            "answers": answers,
            "explanation": item.explanation,
            "source": f"{source.title} | {source.publisher} | {source.url}" if source else "",
            "tags": ", ".join(item.tags),
        }
        await interaction.response.send_modal(QuestionForm(slug=item.id, defaults=defaults))

    @app_commands.command(name="disable", description="Stop drawing a question (shipped: hide it)")
    async def disable(self, interaction: discord.Interaction, question: str) -> None:
        await self._enable(interaction, question, False)

    @app_commands.command(name="enable", description="Draw a question again")
    async def enable(self, interaction: discord.Interaction, question: str) -> None:
        await self._enable(interaction, question, True)

    async def _enable(self, interaction: discord.Interaction, ref: str, enabled: bool) -> None:
        assert interaction.guild_id is not None
        try:
            text = await self.bot.services.question_admin.set_enabled(
                interaction.guild_id, interaction.user.id, ref, enabled
            )
        except AdminError as error:
            text = str(error)
        await reply(interaction, text)

    @app_commands.command(name="list", description="Browse questions (search text or a tag)")
    @app_commands.describe(search="Part of a question's text or id, or a tag")
    async def list_(
        self,
        interaction: discord.Interaction,
        search: app_commands.Range[str, 1, SEARCH_MAX] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        embed, view = await question_page(self.bot, interaction.guild_id, search or "")
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(name="show", description="One question in full")
    async def show(self, interaction: discord.Interaction, question: str) -> None:
        assert interaction.guild_id is not None
        try:
            view = await self.bot.services.question_admin.get(interaction.guild_id, question)
        except AdminError as error:
            await reply(interaction, str(error))
            return
        await interaction.response.send_message(
            embed=question_detail(view), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )


async def setup(bot: QuizBot) -> None:
    bot.add_dynamic_items(UploadDecision, PageButton)
    await bot.add_cog(QuestionsCog(bot))
