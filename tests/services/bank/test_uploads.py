"""Uploads and question management on both databases: all or nothing, once, per guild."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.bank.uploads.templates import template
from bot.services.bank.question_admin import AdminError, QuestionAdminService, item_from_form
from bot.services.bank.questions import draw_question
from bot.services.bank.uploads import UploadError, UploadService
from db.models import AuditEntry, Question, Upload

GUILD, OTHER = 91_000_000_000_000_001, 91_000_000_000_000_002
MOD = 7


async def count(sessions, guild_id: int) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(Question).where(Question.guild_id == guild_id)
        )


async def test_confirm_imports_once_and_only_into_its_guild(sessions) -> None:  # type: ignore[no-untyped-def]
    uploads = UploadService(sessions)
    name, data = template("gift")
    report = await uploads.preview(GUILD, MOD, name, data)
    assert report.importable and report.upload_id is not None
    assert set(report.drafts) == set(report.new)  # GIFT carries no sources: drafts
    assert await count(sessions, GUILD) == 0

    with pytest.raises(UploadError):
        await uploads.confirm(OTHER, report.upload_id, MOD)  # another guild's upload
    imported = await uploads.confirm(GUILD, report.upload_id, MOD)
    assert len(imported.new) == len(report.new)
    with pytest.raises(UploadError, match="already imported"):
        await uploads.confirm(GUILD, report.upload_id, MOD)  # a double click
    assert await count(sessions, GUILD) == len(report.new)
    assert await count(sessions, OTHER) == 0

    async with sessions() as session:
        # Drafts are never drawn; the shipped bank is empty in this test.
        assert await draw_question(session, GUILD) is None
        statuses = set(
            (await session.execute(select(Question.status).where(Question.guild_id == GUILD)))
            .scalars()
            .all()
        )
        assert statuses == {"draft"}


async def test_a_file_with_problems_is_rejected_whole(sessions) -> None:  # type: ignore[no-untyped-def]
    uploads = UploadService(sessions)
    text = "text,answer\nIs Kupiansk on the Oskil?,true\n,true\n"
    report = await uploads.preview(GUILD, MOD, "q.csv", text.encode())
    assert report.problems and not report.importable
    assert any("line 3" in p for p in report.problems)
    async with sessions() as session:
        status = await session.scalar(select(Upload.status).where(Upload.id == report.upload_id))
    assert status == "rejected"
    with pytest.raises(UploadError):
        await uploads.confirm(GUILD, report.upload_id or 0, MOD)
    assert await count(sessions, GUILD) == 0


async def test_cancel_and_dry_run_import_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    uploads = UploadService(sessions)
    name, data = template("yaml")
    dry = await uploads.preview(GUILD, MOD, name, data, dry_run=True)
    assert dry.upload_id is None and dry.new
    report = await uploads.preview(GUILD, MOD, name, data)
    assert await uploads.cancel(GUILD, report.upload_id or 0)
    assert not await uploads.cancel(GUILD, report.upload_id or 0)
    assert await count(sessions, GUILD) == 0
    with pytest.raises(UploadError, match="2 MiB"):
        await uploads.preview(GUILD, MOD, "big.yaml", b"x" * (2 * 1024 * 1024 + 1))


async def test_form_items_edit_disable_and_audit(sessions) -> None:  # type: ignore[no-untyped-def]
    admin = QuestionAdminService(sessions)
    item, drafts = item_from_form(
        "custom-river", "Which river?", "Oskil\nDnipro", "It is the Oskil.", "", "geo"
    )
    assert drafts == ["no source"]
    view = await admin.save_form_item(GUILD, MOD, item, drafts, editing=False)
    assert view.status == "draft" and view.choices == ["Oskil", "Dnipro"]
    with pytest.raises(AdminError, match="draft"):
        await admin.set_enabled(GUILD, MOD, "custom-river", True)
    with pytest.raises(AdminError, match="already has"):
        await admin.save_form_item(GUILD, MOD, item, drafts, editing=False)

    fixed, drafts = item_from_form(
        "custom-river",
        "Which river?",
        "Oskil\nDnipro",
        "It is the Oskil.",
        "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk",
        "geo",
    )
    assert drafts == []
    view = await admin.save_form_item(GUILD, MOD, fixed, drafts, editing=True)
    assert view.status == "active"
    assert "disabled" in await admin.set_enabled(GUILD, MOD, str(view.id), False)
    with pytest.raises(AdminError, match="No question"):
        await admin.get(OTHER, str(view.id))
    with pytest.raises(AdminError, match="source"):
        item_from_form("custom-x", "Q?", "a\nb", "", "just a title", "t")

    async with sessions() as session:
        actions = (
            (await session.execute(select(AuditEntry.action).where(AuditEntry.guild_id == GUILD)))
            .scalars()
            .all()
        )
    assert actions.count("question.add") == 1 and "question.edit" in actions
    assert "question.disable" in actions


async def test_uploaded_discussion_prompts_are_the_guilds_own(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.services.discussions.discussions import DiscussionService

    text = """\
theme: ours
items:
  - id: our-bridge
    kind: discussion
    question: Should the town rebuild the old bridge first, or the school?
    tags: [local]
    paragraph: null
    sources: [{title: Council minutes, publisher: Town council, url: 'https://example.org/m'}]
    viewpoints:
      - label: Bridge first
        position: The bridge should be rebuilt first.
        argument: Every other repair depends on getting materials across the river.
        held_by: Members of the council's works committee, as minuted
        source: {title: Council minutes, publisher: Town council, url: 'https://example.org/m'}
      - label: School first
        position: The school should be rebuilt first.
        argument: Families return only when children can go to school.
        held_by: The parents' association, in its letter to the council
        source: {title: Letter, publisher: Parents' association, url: 'https://example.org/l'}
"""
    uploads = UploadService(sessions)
    report = await uploads.preview(GUILD, MOD, "ours.yaml", text.encode())
    assert report.new == ["our-bridge"] and not report.problems
    await uploads.confirm(GUILD, report.upload_id or 0, MOD)
    discussions = DiscussionService(sessions)
    mine = await discussions.prompt_suggestions(GUILD, "bridge")
    assert [c.name for c in mine] == [
        "Should the town rebuild the old bridge first, or the school?"
    ]
    assert await discussions.prompt_suggestions(OTHER, "bridge") == []


# --------------------------------------------------------------------------- issue 12 and 16

RIVER_FILE = b"""\
items:
  - id: river-q
    kind: multiple_choice
    text: Which river runs through Kupiansk?
    choices: [Oskil, Dnipro, Desna]
    answer: Oskil
    explanation: The Oskil runs through the city.
    tags: [geography]
    difficulty: 1
    paragraph: null
"""
SOURCE_LINE = "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk"


async def status_of(sessions, guild_id: int, slug: str) -> tuple[str, list]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        row = (
            await session.execute(
                select(Question.status, Question.sources).where(
                    Question.guild_id == guild_id, Question.slug == slug
                )
            )
        ).one()
    return row[0], list(row[1])


async def test_reupload_over_a_completed_item_shows_the_difference_and_asks(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.services.bank.uploads import KEEP_EDITED, OVERWRITE_EDITED
    from db.models import QuestionRevision

    uploads, admin = UploadService(sessions), QuestionAdminService(sessions)
    first = await uploads.preview(GUILD, MOD, "river.yaml", RIVER_FILE)
    assert first.drafts == {"river-q": ["no source"]}
    await uploads.confirm(GUILD, first.upload_id or 0, MOD)
    # A moderator completes the draft in Discord.
    item, drafts = item_from_form(
        "river-q",
        "Which river runs through Kupiansk?",
        "Oskil\nDnipro\nDesna",
        "The Oskil runs through the city.",
        SOURCE_LINE,
        "geography",
        difficulty=1,
    )
    await admin.save_form_item(GUILD, MOD, item, drafts, editing=True)
    assert (await status_of(sessions, GUILD, "river-q"))[0] == "active"

    # The same file again would turn it back into a draft: the preview says so and asks.
    again = await uploads.preview(GUILD, MOD, "river.yaml", RIVER_FILE)
    assert again.updated == ["river-q"] and again.importable
    diff = again.edited["river-q"]
    assert "status: active -> draft" in diff
    assert any(line.startswith("sources:") for line in diff)
    kept = await uploads.confirm(GUILD, again.upload_id or 0, MOD, edited=KEEP_EDITED)
    assert kept.updated == [] and kept.unchanged == ["river-q"]
    status, sources = await status_of(sessions, GUILD, "river-q")
    assert status == "active" and sources  # the moderator's work is intact

    third = await uploads.preview(GUILD, MOD, "river.yaml", RIVER_FILE)
    assert "river-q" in third.edited  # still theirs, still asked
    done = await uploads.confirm(GUILD, third.upload_id or 0, MOD, edited=OVERWRITE_EDITED)
    assert done.updated == ["river-q"]
    assert await status_of(sessions, GUILD, "river-q") == ("draft", [])
    fourth = await uploads.preview(GUILD, MOD, "river.yaml", RIVER_FILE, dry_run=True)
    assert fourth.edited == {} and fourth.unchanged == ["river-q"]

    from bot.services.bank.questions import question_snapshot, question_view
    from bot.services.revisions import content_hash

    async with sessions() as session:
        row = (
            await session.execute(
                select(Question).where(Question.guild_id == GUILD, Question.slug == "river-q")
            )
        ).scalar_one()
        hashes = set(
            (
                await session.execute(
                    select(QuestionRevision.content_hash).where(
                        QuestionRevision.question_id == row.id
                    )
                )
            ).scalars()
        )
    # What the import wrote is recorded as a revision (what players see next).
    assert content_hash(question_snapshot(question_view(row))) in hashes


async def test_pending_uploads_are_limited_per_server(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.core.clock import ManualClock

    clock = ManualClock()
    uploads = UploadService(sessions, clock=clock)
    name, data = template("gift")
    pending = [await uploads.preview(GUILD, MOD, name, data) for _ in range(3)]
    with pytest.raises(UploadError, match="the limit is 3 pending uploads per server"):
        await uploads.preview(GUILD, MOD, name, data)
    await uploads.preview(OTHER, MOD, name, data)  # another server has its own quota
    await uploads.preview(GUILD, MOD, name, data, dry_run=True)  # a dry run keeps nothing
    assert await uploads.cancel(GUILD, pending[0].upload_id or 0)
    await uploads.preview(GUILD, MOD, name, data)
    clock.advance(hours=25)  # forgotten uploads expire
    await uploads.preview(GUILD, MOD, name, data)
    with pytest.raises(UploadError, match="expired"):
        await uploads.confirm(GUILD, pending[1].upload_id or 0, MOD)


async def test_import_writes_in_bulk_without_loading_the_server(sessions) -> None:  # type: ignore[no-untyped-def]
    """A re-upload that changes some items updates them by id and leaves the rest."""
    uploads = UploadService(sessions)
    rows = "".join(f"up-row-{i:03d},Kupiansk question number {i}?,answer {i}\n" for i in range(60))
    first = await uploads.preview(GUILD, MOD, "a.csv", f"id,text,accepted\n{rows}".encode())
    await uploads.confirm(GUILD, first.upload_id or 0, MOD)
    changed = rows.replace("answer 7\n", "answer seven\n")
    second = await uploads.preview(GUILD, MOD, "a.csv", f"id,text,accepted\n{changed}".encode())
    assert second.updated == ["up-row-007"] and len(second.unchanged) == 59
    done = await uploads.confirm(GUILD, second.upload_id or 0, MOD)
    assert done.updated == ["up-row-007"]
    async with sessions() as session:
        answers = await session.scalar(
            select(Question.accepted_answers).where(
                Question.guild_id == GUILD, Question.slug == "up-row-007"
            )
        )
    assert answers == ["answer seven"]
    assert await count(sessions, GUILD) == 60


async def test_a_csv_round_trip_keeps_what_csv_cannot_carry(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.core.bank.uploads.export import export_items
    from tests.factories import mcq

    uploads = UploadService(sessions)
    item = mcq(
        "tr-river",
        translations={
            "uk": {
                "text": "Яка річка тече через Купʼянськ?",
                "choices": ["Оскіл", "Дніпро", "Донець", "Десна"],
                "explanation": "Купʼянськ стоїть на Осколі.",
            }
        },
    )
    first = await uploads.preview(GUILD, MOD, "a.yaml", export_items([item], "yaml"))
    await uploads.confirm(GUILD, first.upload_id or 0, MOD)
    items, _ = await uploads.export_records(GUILD)
    again = await uploads.preview(GUILD, MOD, "a.csv", export_items(items, "csv"))
    assert again.unchanged == ["tr-river"] and again.updated == []
    changed = export_items(items, "csv").replace(b"Kupiansk lies on", b"Kupiansk stands on")
    third = await uploads.preview(GUILD, MOD, "a.csv", changed)
    assert third.updated == ["tr-river"]
    await uploads.confirm(GUILD, third.upload_id or 0, MOD)
    (after,), _ = await uploads.export_records(GUILD)
    assert after.explanation.startswith("Kupiansk stands on")
    assert after.translations == item.translations  # not stripped by a CSV file


async def test_a_csv_says_what_translations_an_item_has_only_when_it_has_the_columns(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    from bot.core.bank.uploads.export import export_items
    from tests.factories import mcq

    uploads = UploadService(sessions)
    uk = {
        "text": "Яка річка тече через Купʼянськ?",
        "choices": ["Оскіл", "Дніпро", "Донець", "Десна"],
        "explanation": "Купʼянськ стоїть на Осколі.",
    }
    item = mcq("tr-cols", translations={"uk": uk})
    first = await uploads.preview(GUILD, MOD, "a.csv", export_items([item], "csv"))
    assert first.problems == []
    await uploads.confirm(GUILD, first.upload_id or 0, MOD)
    (stored,), _ = await uploads.export_records(GUILD)
    assert stored.translations["uk"].text == uk["text"]  # a CSV brought it in
    # A hand-written file without uk_ columns fixes the English and keeps the Ukrainian.
    plain = (
        "id,kind,text,choices,answer,explanation\n"
        f"tr-cols,multiple_choice,{item.text},{'|'.join(item.choices)},{item.answer},"
        "Kupiansk stands on the Oskil.\n"
    )
    second = await uploads.preview(GUILD, MOD, "b.csv", plain.encode())
    assert second.updated == ["tr-cols"], second
    await uploads.confirm(GUILD, second.upload_id or 0, MOD)
    (after,), _ = await uploads.export_records(GUILD)
    assert after.explanation == "Kupiansk stands on the Oskil."
    assert after.translations == item.translations
    # A file with the columns says what the item has: blank, it has no Ukrainian.
    blank = plain.replace("explanation\n", "explanation,uk_text\n").replace("Oskil.\n", "Oskil.,\n")
    third = await uploads.preview(GUILD, MOD, "c.csv", blank.encode())
    assert third.updated == ["tr-cols"], third
    await uploads.confirm(GUILD, third.upload_id or 0, MOD)
    (last,), _ = await uploads.export_records(GUILD)
    assert last.translations == {}


async def test_an_import_past_the_servers_question_quota_imports_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.services.quotas import QuotaService

    uploads = UploadService(sessions)
    name, data = template("gift")
    report = await uploads.preview(GUILD, MOD, name, data)
    quotas = QuotaService(sessions)  # the owner's /config limits
    await quotas.set_limit(GUILD, MOD, "questions_per_server", len(report.new) - 1)
    await quotas.set_limit(GUILD, MOD, "pending_uploads", 5)
    with pytest.raises(UploadError, match="Nothing was imported"):
        await uploads.confirm(GUILD, report.upload_id or 0, MOD)
    assert await count(sessions, GUILD) == 0
    # The server's own pending-upload quota applies too (5 here, not the default 3).
    for _ in range(4):
        await uploads.preview(GUILD, MOD, name, data)


async def test_the_edit_form_keeps_the_picture_and_the_other_language(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.core.bank.items import parse_item
    from bot.services.bank.bank import import_items, item_data

    admin = QuestionAdminService(sessions)
    item, _ = item_from_form(
        "form-river",
        "Which river?",
        "Oskil\nDnipro",
        "It is the Oskil.",
        "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk",
        "geo",
    )
    data = item_data(item) | {
        "image": "https://example.org/oskil.png",
        "translations": {
            "uk": {
                "text": "Яка річка?",
                "choices": ["Оскіл", "Дніпро"],
                "explanation": "Це Оскіл.",
            }
        },
    }
    await import_items(sessions, [parse_item(data)], guild_id=GUILD)
    typo_fixed, drafts = item_from_form(
        "form-river",
        "Which river flows through the city?",
        "Oskil\nDnipro",
        "It is the Oskil.",
        "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk",
        "geo",
    )
    view = await admin.save_form_item(GUILD, MOD, typo_fixed, drafts, editing=True)
    assert view.text.startswith("Which river flows")
    assert view.image == "https://example.org/oskil.png"
    assert view.translations["uk"]["choices"] == ["Оскіл", "Дніпро"]
    # An edit that changes the number of choices cannot keep the Ukrainian choices:
    # they are dropped, and the audit entry says so.
    three, drafts = item_from_form(
        "form-river",
        "Which river?",
        "Oskil\nDnipro\nDonets",
        "It is the Oskil.",
        "Kupiansk | Wikipedia | https://en.wikipedia.org/wiki/Kupiansk",
        "geo",
    )
    view = await admin.save_form_item(GUILD, MOD, three, drafts, editing=True)
    assert view.translations == {} and view.image == "https://example.org/oskil.png"
    async with sessions() as session:
        details = (
            await session.execute(
                select(AuditEntry.detail).where(AuditEntry.action == "question.edit")
            )
        ).scalars()
        assert any(d.get("dropped") == ["translations"] for d in details)
