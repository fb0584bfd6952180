"""/questions: moderators bring their own questions (uploads, forms), review, export."""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.limits import clip
from bot.adapter.permissions import NOT_MODERATOR, ModeratorOnly, is_moderator
from bot.adapter.replies import reply
from bot.core.quotas import QuotaExceeded
from bot.core.uploads import MAX_UPLOAD_BYTES
from bot.core.uploads.export import (
    ExportError,
    export_filename,
    export_items,
    exportable,
    left_out_note,
)
from bot.core.uploads.report import report_text
from bot.core.uploads.templates import template
from bot.services.question_admin import AdminError, item_from_form
from bot.services.question_list import Cursor
from bot.services.uploads import KEEP_EDITED, OVERWRITE_EDITED, UploadError, UploadReport

if TYPE_CHECKING:
    from bot.adapter.client import QuizBot

SHOWN_PROBLEMS = 12
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
        verdict = "Nothing will be imported: fix every problem below and upload again."
    elif not ok:
        verdict = "Nothing new to import."
    elif dry_run:
        verdict = "Dry run: this file would import as shown. Upload again without dry_run."
    elif report.edited:
        verdict = (
            f"{len(report.edited)} question(s) edited here in Discord would change (see "
            "below): **keep your edits** or **overwrite** them. Nothing is imported until then."
        )
    else:
        verdict = "Press **Import** to add these, or **Cancel**. Nothing is imported until then."
    if report.skipped and not report.problems:
        verdict += f" {len(report.skipped)} question(s) will be skipped (see Skipped)."
    embed = discord.Embed(
        title=clip(f"Upload check: {report.filename} ({report.format})", 256),
        description=verdict,
        colour=discord.Colour.green() if ok else discord.Colour.orange(),
    )
    counts = (
        ("New", len(report.new)),
        ("Updated", len(report.updated)),
        ("Unchanged", len(report.unchanged)),
        ("Duplicates", len(report.duplicates)),
        ("Invalid", report.invalid),
        ("Drafts", len(report.drafts)),
        ("Skipped", len(report.skipped)),
    )
    for name, count in counts:
        embed.add_field(name=name, value=str(count))
    if report.problems:
        shown = "\n".join(f"• {clip(p, 150)}" for p in report.problems[:SHOWN_PROBLEMS])
        more = len(report.problems) - SHOWN_PROBLEMS
        if more > 0:
            shown += f"\n… and {more} more (all in report.txt)"
        embed.add_field(name="Problems", value=clip(shown, 1024), inline=False)
    if report.drafts:
        lines = [f"• {k}: {', '.join(v)}" for k, v in list(report.drafts.items())[:8]]
        embed.add_field(
            name="Imported as drafts (not drawn until completed)",
            value=clip("\n".join(lines), 1024),
            inline=False,
        )
    if report.edited:
        lines = [
            f"• {item_id}: " + "; ".join(diff[:2]) + (" …" if len(diff) > 2 else "")
            for item_id, diff in list(report.edited.items())[:6]
        ]
        embed.add_field(
            name="Edited in Discord since the last import (this file would change them)",
            value=clip("\n".join(lines), 1024),
            inline=False,
        )
    if report.skipped:
        embed.add_field(
            name="Skipped (not imported; the rest can be)",
            value=clip("\n".join(f"• {s}" for s in report.skipped[:8]), 1024),
            inline=False,
        )
    if report.duplicates:
        embed.add_field(
            name="Duplicates (already here, not imported)",
            value=clip(", ".join(report.duplicates[:30]), 1024),
            inline=False,
        )
    return render.fit_embed(embed)


class UploadDecision(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"upl:(?P<id>\d+):(?P<choice>ok|no|keep|over)",
):
    LABELS = {
        "ok": "Import",
        "keep": "Import, keep my edits",
        "over": "Import and overwrite my edits",
        "no": "Cancel",
    }

    def __init__(self, upload_id: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[choice],
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
            await reply(interaction, NOT_MODERATOR)
            return
        assert interaction.guild_id is not None
        uploads = bot.services.uploads
        if self.choice == "no":
            cancelled = await uploads.cancel(interaction.guild_id, self.upload_id)
            text = (
                "Cancelled: nothing imported." if cancelled else "This upload was already decided."
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
            f"Imported: {report.summary()}. They can be drawn in quizzes now "
            "(drafts once completed).",
        )


async def _decided(interaction: discord.Interaction, text: str) -> None:
    """The outcome replaces the buttons and the report's "Press Import" line alike."""
    embeds = list(interaction.message.embeds) if interaction.message else []
    if embeds:
        embeds[0].description = clip(text, 4096)
    await interaction.response.edit_message(content=text, embeds=embeds, view=None)


class QuestionForm(discord.ui.Modal):
    """Add or edit one question; the answer line rules are in the placeholder."""

    def __init__(self, *, slug: str | None = None, defaults: dict[str, str] | None = None) -> None:
        super().__init__(title="Edit question" if slug else "New question", timeout=1800)
        self.slug = slug
        d = defaults or {}
        self.text = discord.ui.TextInput(
            label="Question",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            default=d.get("text"),
        )
        self.answers = discord.ui.TextInput(
            label="Answers: right one first",
            style=discord.TextStyle.paragraph,
            max_length=400,
            placeholder="Right answer, then wrong ones, one per line. Or: true / false. "
            "Or one line of accepted answers a | b",
            default=d.get("answers"),
        )
        self.explanation = discord.ui.TextInput(
            label="Explanation (shown after the answer)",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
            default=d.get("explanation"),
        )
        self.source = discord.ui.TextInput(
            label="Source: title | publisher | url",
            max_length=400,
            required=False,
            default=d.get("source"),
        )
        self.tags = discord.ui.TextInput(
            label="Tags (comma-separated)", max_length=200, required=False, default=d.get("tags")
        )
        for item in (self.text, self.answers, self.explanation, self.source, self.tags):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, NOT_MODERATOR)
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
            await reply(interaction, f"Not saved: {error}")
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
            await reply(interaction, f"Not saved:\n{clip(str(error), 1800)}")
            return
        note = (
            f" It is a **draft** ({', '.join(drafts)}): complete it to publish." if drafts else ""
        )
        await reply(interaction, f"Saved as `{view.slug}` (#{view.id}).{note}")


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
    the key to page from (keyset paging: see bot/services/question_list.py)."""
    found = await bot.services.question_admin.list(
        guild_id, search, after=after, before=before, page=page
    )
    lines = [
        f"`#{q.id}` {'🏠' if q.guild_id else '📚'} {q.status if q.status != 'active' else ''} "
        f"{clip(q.text, 90)}"
        for q in found.items
    ]
    plus = "+" if found.more else ""
    embed = discord.Embed(
        title=f"Questions · page {found.page} of {found.pages:,}{plus} ({found.total:,}{plus})",
        description=clip("\n".join(lines) or "No questions match.", 4096),
        colour=render.QUIZ_COLOUR,
    )
    short = " · a search under 3 letters matches tags only" if 0 < len(search.strip()) < 3 else ""
    embed.set_footer(
        text=f"🏠 this server's · 📚 shipped · /questions show <id> for details{short}"
    )
    view = discord.ui.View(timeout=None)
    term = search[:SEARCH_MAX]
    if found.previous is not None:
        view.add_item(PageButton(found.page - 1, "p", found.previous, term, "◀ Previous"))
    if found.next is not None:
        view.add_item(PageButton(found.page + 1, "n", found.next, term, "Next ▶"))
    return embed, view


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    # qlist:<page>:<n|p><key>:<search>; the older qlist:<page>:<search> opens page 1.
    template=r"qlist:(?P<page>\d+):(?:(?P<step>[np])(?P<key>[os]\d+):)?(?P<search>.*)",
):
    def __init__(
        self, page: int, step: str, key: Cursor | None, search: str, label: str = "Page"
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
        return cls(page, match["step"] or "n", key, match["search"], item.label or "Page")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if not await is_moderator(interaction, bot.services):
            await reply(interaction, NOT_MODERATOR)
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
    from bot.services.questions import QuestionView

    assert isinstance(view, QuestionView)
    embed = discord.Embed(
        title=clip(f"#{view.id} · {view.slug}", 256),
        description=clip(view.text, 4096),
        colour=render.QUIZ_COLOUR,
    )
    if view.choices:
        embed.add_field(
            name="Choices",
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
        embed.add_field(name="Accepted", value=clip(" | ".join(view.accepted_answers), 1024))
    embed.add_field(name="Explanation", value=clip(view.explanation or "—", 1024), inline=False)
    if view.sources:
        embed.add_field(name="Source", value=render.source_lines(view.sources), inline=False)
    if view.image:
        embed.set_image(url=view.image)
    owner = "shipped bank (read-only)" if view.guild_id == 0 else "this server"
    embed.set_footer(text=f"{view.kind} · {view.status} · {owner} · tags: {', '.join(view.tags)}")
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
            await reply(interaction, f"{file.filename} is over the 2 MiB limit; split it up.")
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
            "Fill this in and upload it with `/questions upload`.",
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
            await reply(interaction, "This server has no questions of its own yet.")
            return
        kept, left = exportable(items, fmt)
        try:
            data = export_items(kept, fmt, theme=f"guild-{interaction.guild_id}", statuses=statuses)
        except ExportError as error:
            await reply(interaction, str(error))
            return
        note = left_out_note(left, fmt, kept)
        await interaction.response.send_message(
            clip(f"{len(kept)} items." + (f"\n{note}" if note else ""), 2000),
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
