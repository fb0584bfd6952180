"""Moderator question management end to end: uploads, forms, review, export."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.bank.uploads import parse_upload
from bot.core.bank.uploads.templates import template
from db.models import Question
from tests.adapter.harness import MANAGE_GUILD, Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

SOURCE = "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk"


async def upload(fake: FakeDiscord, member, channel, name: str, data: bytes, **options):  # type: ignore[no-untyped-def]
    interaction = await fake.run_command(
        member, channel, "questions upload", options, attachments={"file": (name, data)}
    )
    await interaction.response()
    (report,) = await interaction.followups(1)
    assert report.ephemeral
    return report


def field(message, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"].startswith(name))


async def guild_questions(bot, guild_id: int) -> int:  # type: ignore[no-untyped-def]
    async with bot.services.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(Question).where(Question.guild_id == guild_id)
        )


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv", "redbot", "opentdb", "gift"])
async def test_each_format_uploaded_confirmed_and_drawn(
    fake_discord: FakeDiscord, tmp_path: Path, fmt: str
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")
    name, data = template(fmt)

    async with running_bot(fake, database) as bot:
        got = await fake.run_command(mod, channel, "questions template", {"format": fmt})
        sent = (await got.response()).message
        assert [a["filename"] for a in sent.attachments] == [name]

        report = await upload(fake, mod, channel, name, data)
        new, duplicates = int(field(report, "New")), int(field(report, "Duplicates"))
        assert new >= 1 and field(report, "Invalid") == "0"
        # Template items that repeat a shipped question are reported, not imported twice.
        assert new + duplicates == len(parse_upload(data, name).items)
        assert await guild_questions(bot, guild.id) == 0  # nothing before the confirmation
        confirm = await fake.click(
            mod, report, next(c for c in report.custom_ids if c.endswith(":ok"))
        )
        assert (await confirm.response()).type == 7
        assert f"{new} new" in report.content and not report.custom_ids
        assert "Press **Import**" not in report.text  # the report says what happened
        assert await guild_questions(bot, guild.id) == new

        tag = "example" if fmt in ("yaml", "json", "csv") else "uploaded"
        drafts = int(field(report, "Drafts"))
        if drafts:  # foreign formats lack sources: complete one, then it is drawn
            page = await bot.services.question_admin.list(guild.id, tag)
            slug = page.items[0].slug
            opened = await fake.run_command(mod, channel, "questions edit", {"question": slug})
            assert (await opened.response()).type == 9
            saved = await fake.submit_modal(
                mod,
                opened,
                None,
                {
                    "Explanation (shown after the answer)": "Checked against the source.",
                    "Source: title | publisher | url": SOURCE,
                },
            )
            assert "Saved" in (await saved.response()).content
            assert "draft" not in (await saved.response()).content

        start = await fake.run_command(
            mod, channel, "quiz start", {"questions": 1, "topics": tag, "kind": "facts"}
        )
        await start.response()
        drawn = await fake.wait_for_message(channel, lambda m: bool(m.custom_ids))
        rnd = await bot.services.quiz.get_round(int(drawn.custom_ids[0].split(":")[1]))
        assert rnd is not None and rnd.question.guild_id == guild.id
        assert rnd.question.status == "active"
    fake.assert_no_rejections()


async def test_mixed_file_imports_nothing_and_reports_every_bad_item(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")
    good = (
        "  - id: good-{n}\n    kind: true_false\n    text: Is Kupiansk on the Oskil ({n})?\n"
        "    answer: true\n    explanation: It is.\n    tags: [geo]\n    difficulty: 1\n"
        "    paragraph: null\n    sources:\n      - {{title: K, publisher: W, url: 'https://w.org/k'}}\n"
    )
    bad_choices = (
        "  - id: bad-choices\n    kind: multiple_choice\n    text: Which?\n"
        "    choices: [A, B]\n    answer: [A, B]\n    explanation: x.\n    tags: [geo]\n"
        "    difficulty: 1\n    paragraph: null\n"
        "    sources:\n      - {title: K, publisher: W, url: 'https://w.org/k'}\n"
    )
    bad_field = (
        "  - id: bad-field\n    kind: true_false\n    text: Is it?\n    answer: true\n"
        "    explanation: x.\n    tags: [geo]\n    difficulty: 7\n    paragraph: null\n"
        "    colour: red\n    sources:\n      - {title: K, publisher: W, url: 'https://w.org/k'}\n"
    )
    text = "theme: mine\nitems:\n" + good.format(n=1) + bad_choices + good.format(n=2) + bad_field

    async with running_bot(fake, database) as bot:
        report = await upload(fake, mod, channel, "mine.yaml", text.encode())
        problems = field(report, "Problems")
        assert "bad-choices" in problems and "bad-field" in problems
        assert "line 17, item bad-choices: answer" in problems  # the line of the bad field
        assert "difficulty" in problems and "colour" in problems
        assert "Nothing will be imported" in report.embeds[0]["description"]
        assert not any(c.endswith(":ok") for c in report.custom_ids)
        assert await guild_questions(bot, guild.id) == 0

        big = await upload(fake, mod, channel, "latin1.csv", "text\nKyïv\n".encode("latin-1"))
        assert "UTF-8" in field(big, "Problems")
    fake.assert_no_rejections()


async def test_permissions_forms_review_scoping_and_export_round_trip(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild, other_guild = fake.create_guild("G"), fake.create_guild("H")
    channel, other_channel = fake.create_channel(guild, "m"), fake.create_channel(other_guild, "m")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    helper_role = fake.create_role(guild, "quiz-helpers")
    helper = fake.create_member(guild, "helper", roles=[helper_role])
    member = fake.create_member(guild, "member")
    other_mod = fake.create_member(other_guild, "othermod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db")

    async with running_bot(fake, database) as bot:
        refused = await fake.run_command(member, channel, "questions list", check_permissions=False)
        assert "Only moderators" in (await refused.response()).content
        upload_refused = await fake.run_command(
            member,
            channel,
            "questions upload",
            attachments={"file": ("q.yaml", b"x")},
            check_permissions=False,
        )
        assert "Only moderators" in (await upload_refused.response()).content

        # A moderator role set by Manage Server makes a member a moderator.
        as_helper = await fake.run_command(
            helper, channel, "questions list", check_permissions=False
        )
        assert "Only moderators" in (await as_helper.response()).content
        role_set = await fake.run_command(
            mod, channel, "config moderator-role", {"role": helper_role}
        )
        assert "Moderator role set" in (await role_set.response()).content
        as_helper = await fake.run_command(
            helper, channel, "questions list", check_permissions=False
        )
        listing = (await as_helper.response()).message
        assert "Questions · page 1 of" in listing.embeds[0]["title"]
        next_page = await fake.click(helper, listing, listing.custom_ids[-1])
        assert (await next_page.response()).type == 7  # the same message, next page
        assert "Questions · page 2 of" in listing.embeds[0]["title"]
        assert listing.buttons[0]["label"] == "◀ Previous"

        opened = await fake.run_command(helper, channel, "questions add", check_permissions=False)
        assert (await opened.response()).type == 9
        saved = await fake.submit_modal(
            helper,
            opened,
            None,
            {
                "Question": "On which river does Kupiansk stand? @everyone",
                "Answers: right one first": "Oskil\nDnipro\nDesna",
                "Explanation (shown after the answer)": "The Oskil runs through the city.",
                "Source: title | publisher | url": SOURCE,
                "Tags (comma-separated)": "geography, mine",
            },
        )
        assert "Not saved" in (await saved.response()).content  # mentions are refused
        opened = await fake.run_command(mod, channel, "questions add")
        await opened.response()
        saved = await fake.submit_modal(
            mod,
            opened,
            None,
            {
                "Question": "On which river does Kupiansk stand?",
                "Answers: right one first": "Oskil\nDnipro\nDesna",
                "Explanation (shown after the answer)": "The Oskil runs through the city.",
                "Source: title | publisher | url": SOURCE,
                "Tags (comma-separated)": "geography, mine",
            },
        )
        content = (await saved.response()).content
        assert content.startswith("Saved as `custom-")
        slug = content.split("`")[1]

        show = await fake.run_command(mod, channel, "questions show", {"question": slug})
        embed = (await show.response()).message.embeds[0]
        assert (
            "✅ Oskil" in embed["fields"][0]["value"] and "this server" in embed["footer"]["text"]
        )
        hidden = await fake.run_command(
            other_mod, other_channel, "questions show", {"question": slug}
        )
        assert "No question" in (await hidden.response()).content  # another guild's

        off = await fake.run_command(mod, channel, "questions disable", {"question": slug})
        assert "disabled" in (await off.response()).content
        shipped = (await bot.services.question_admin.list(guild.id, "oskil")).items
        shipped_slug = next(q.slug for q in shipped if q.guild_id == 0)
        hide = await fake.run_command(mod, channel, "questions disable", {"question": shipped_slug})
        assert "hidden for this server" in (await hide.response()).content
        on = await fake.run_command(mod, channel, "questions enable", {"question": slug})
        assert "enabled" in (await on.response()).content

        name, data = template("yaml")
        report = await upload(fake, mod, channel, name, data)
        await (await fake.click(mod, report, report.custom_ids[0])).response()

        exported = await fake.run_command(mod, channel, "questions export", {"format": "yaml"})
        message = (await exported.response()).message
        file_bytes = next(iter(message.attachment_data.values()))
        again = await upload(fake, mod, channel, "export.yaml", file_bytes)
        assert field(again, "New") == "0" and field(again, "Updated") == "0"
        own = await guild_questions(bot, guild.id)
        assert field(again, "Unchanged") == str(own)
        moved = await upload(fake, other_mod, other_channel, "export.yaml", file_bytes)
        assert field(moved, "New") == str(own) and field(moved, "Invalid") == "0"

    async with bot.services.sessions() as session:
        from db.models import AuditEntry

        actions = (
            (
                await session.execute(
                    select(AuditEntry.action).where(AuditEntry.guild_id == guild.id)
                )
            )
            .scalars()
            .all()
        )
    assert {"question.add", "question.disable", "question.hide", "questions.import"} <= set(actions)
    fake.assert_no_rejections()


# --------------------------------------------------------------------------- issue 16

QUIRK_SAMPLES = Path(__file__).resolve().parents[2] / "core" / "bank" / "uploads" / "samples"


def attached(message, filename: str) -> str:  # type: ignore[no-untyped-def]
    ids = [a["id"] for a in message.attachments if a["filename"] == filename]
    assert ids, [a["filename"] for a in message.attachments]
    return message.attachment_data[int(ids[0])].decode("utf-8")


def cli(*args: str, **env: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, list(args), env=env or None)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "name",
    [
        "red_quirks.yaml",
        "gift_quirks.gift",
        "gift_braces.gift",
        "statuses.yaml",
        "statuses.csv",
        "opentdb.json",
    ],
)
async def test_other_tools_files_give_the_same_report_in_discord_and_the_cli(
    fake_discord: FakeDiscord, tmp_path: Path, name: str
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    data = (QUIRK_SAMPLES / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    expected = parse_upload(data, name)

    async with running_bot(fake, database) as bot:
        report = await upload(fake, mod, channel, name, data)
        in_discord = attached(report, "report.txt")
        # The command line prints the same report, word for word.
        code, printed = cli("questions", "validate", str(path))
        assert printed.startswith(in_discord), (printed, in_discord)
        assert code == (1 if expected.problems else 0)
        if expected.problems:
            assert "Nothing will be imported" in report.embeds[0]["description"]
            assert not report.custom_ids
        else:
            confirm = await fake.click(
                mod, report, next(c for c in report.custom_ids if c.endswith(":ok"))
            )
            await confirm.response()
            assert await guild_questions(bot, guild.id) == len(expected.items)
        if name == "statuses.yaml":  # a picture travels with its question
            shown = await fake.run_command(
                mod, channel, "questions show", {"question": "status-disabled"}
            )
            embed = (await shown.response()).message.embeds[0]
            assert embed["image"]["url"] == "https://example.org/pictures/oskil-bridge.jpg"
            assert "disabled" in embed["footer"]["text"]
            view = await bot.services.question_admin.get(guild.id, "status-disabled")
            assert view.image == "https://example.org/pictures/oskil-bridge.jpg"
    # The CLI's import into another database: the same report, then the same import.
    other = await Database.create(tmp_path / "cli.db", shipped_bank=False)
    code, printed = await asyncio.to_thread(
        cli, "questions", "import", str(path), "--guild", str(guild.id), DATABASE_URL=other.url
    )
    assert printed.startswith(in_discord), (printed, in_discord)
    assert code == (1 if expected.problems else 0)
    fake.assert_no_rejections()


async def test_reupload_over_a_question_edited_in_discord_shows_it_and_asks(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    guild = fake.create_guild("G")
    channel = fake.create_channel(guild, "mods")
    mod = fake.create_member(guild, "mod", permissions=MANAGE_GUILD)
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    data = (
        b"items:\n  - id: river-q\n    kind: multiple_choice\n"
        b"    text: Which river runs through Kupiansk?\n    choices: [Oskil, Dnipro, Desna]\n"
        b"    answer: Oskil\n    explanation: The Oskil runs through the city.\n"
        b"    tags: [geography]\n    difficulty: 1\n    paragraph: null\n"
    )
    async with running_bot(fake, database) as bot:
        first = await upload(fake, mod, channel, "river.yaml", data)
        await (await fake.click(mod, first, first.custom_ids[0])).response()
        opened = await fake.run_command(mod, channel, "questions edit", {"question": "river-q"})
        await opened.response()
        saved = await fake.submit_modal(
            mod, opened, None, {"Source: title | publisher | url": SOURCE}
        )
        assert "draft" not in (await saved.response()).content  # completed: active

        again = await upload(fake, mod, channel, "river.yaml", data)
        assert "keep your edits" in again.embeds[0]["description"]
        edited = field(again, "Edited in Discord")
        assert "river-q" in edited and "status: active -> draft" in edited
        assert "status: active -> draft" in attached(again, "report.txt")
        labels = [b["label"] for b in again.buttons]
        assert labels == ["Import, keep my edits", "Import and overwrite my edits", "Cancel"]
        keep = await fake.click(
            mod, again, next(c for c in again.custom_ids if c.endswith(":keep"))
        )
        await keep.response()
        view = await bot.services.question_admin.get(guild.id, "river-q")
        assert view.status == "active" and view.sources  # nothing silently reverted

        third = await upload(fake, mod, channel, "river.yaml", data)
        over = await fake.click(
            mod, third, next(c for c in third.custom_ids if c.endswith(":over"))
        )
        await over.response()
        view = await bot.services.question_admin.get(guild.id, "river-q")
        assert view.status == "draft" and not view.sources  # the moderator chose this
    fake.assert_no_rejections()
