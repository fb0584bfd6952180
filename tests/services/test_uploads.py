"""Uploads and question management on both databases: all or nothing, once, per guild."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.uploads.templates import template
from bot.services.question_admin import AdminError, QuestionAdminService, item_from_form
from bot.services.questions import draw_question
from bot.services.uploads import UploadError, UploadService
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
    from bot.services.discussions import DiscussionService

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
