"""The shipped bank loads on start and upgrades in place, by id."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from bot.services.bank.bank import import_items, sync_shipped_bank
from db.models import SHIPPED, DiscussionPrompt, Question
from tests.factories import mcq

ROOT = Path(__file__).resolve().parents[3]


async def test_shipped_bank_loads_once_and_updates_by_id(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bank = tmp_path / "questions"
    shutil.copytree(ROOT / "questions", bank)
    first = await sync_shipped_bank(sessions, bank)
    assert len(first.new) >= 100 and not first.updated
    again = await sync_shipped_bank(sessions, bank)
    assert not again.new and not again.updated, "a restart must not duplicate or rewrite"

    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(Question))
        prompts = await session.scalar(select(func.count()).select_from(DiscussionPrompt))
        row = await session.scalar(select(Question).where(Question.guild_id == SHIPPED).limit(1))
        assert row is not None
    assert total + prompts == len(first.new)

    # Edit one item's explanation in its file: same row, new text.
    path = next(bank.glob("2014.yaml"))
    text = path.read_text("utf-8")
    first_expl = text.index("explanation:")
    path.write_text(
        text[:first_expl] + "explanation: Rewritten. " + text[first_expl + 13 :], "utf-8"
    )
    upgraded = await sync_shipped_bank(sessions, bank)
    assert len(upgraded.updated) == 1 and not upgraded.new
    async with sessions() as session:
        slug = upgraded.updated[0]
        rows = (
            (await session.execute(select(Question).where(Question.slug == slug))).scalars().all()
        )
        assert len(rows) == 1 and rows[0].explanation.startswith("Rewritten.")


async def test_removed_items_are_retired_not_deleted(sessions) -> None:  # type: ignore[no-untyped-def]
    await import_items(sessions, [mcq("keep"), mcq("drop")], retire_missing=True)
    report = await import_items(sessions, [mcq("keep")], retire_missing=True)
    assert report.retired == ["drop"]
    async with sessions() as session:
        status = await session.scalar(select(Question.status).where(Question.slug == "drop"))
    assert status == "disabled"
