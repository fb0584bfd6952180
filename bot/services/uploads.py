"""Moderator uploads: validate first, report, import only on confirmation.

The parsed items wait in the `uploads` table, so a confirmation still works
after a restart. A file with any problem imports nothing; a confirmed file
imports whole, in one transaction, or not at all.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock, utcnow
from bot.core.items import BaseItem, DiscussionItem, parse_item
from bot.core.uploads import MAX_UPLOAD_BYTES, UploadParse, parse_upload
from bot.core.uploads.export import item_to_dict
from bot.services.bank import ImportReport, import_items_in
from db.models import SHIPPED, DiscussionPrompt, Question, Upload

CHUNK = 500


class UploadError(Exception):
    """A refusal a moderator should read (the message is shown as is)."""


@dataclass(frozen=True)
class UploadReport:
    upload_id: int | None
    filename: str
    format: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # same content as an existing item
    drafts: dict[str, list[str]] = field(default_factory=dict)  # id -> what it lacks
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return not self.problems and bool(self.new or self.updated)

    @property
    def invalid(self) -> int:
        return len(self.problems)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _existing(
    session: AsyncSession, guild_id: int, items: Sequence[BaseItem]
) -> tuple[dict[str, str], set[str]]:
    """(slug -> content hash of the guild's own items, content hashes visible to the guild)."""
    own: dict[str, str] = {}
    hashes: set[str] = set()
    questions = [i for i in items if not isinstance(i, DiscussionItem)]
    prompts = [i for i in items if isinstance(i, DiscussionItem)]
    for model, group in ((Question, questions), (DiscussionPrompt, prompts)):
        for start in range(0, len(group), CHUNK):
            chunk = group[start : start + CHUNK]
            slugs = [i.id for i in chunk]
            wanted = [i.content_hash() for i in chunk]
            rows = await session.execute(
                select(model.slug, model.content_hash, model.guild_id).where(
                    model.guild_id.in_([guild_id, SHIPPED]),
                    model.slug.in_(slugs) | model.content_hash.in_(wanted),
                )
            )
            for slug, content_hash, owner in rows:
                hashes.add(content_hash)
                if owner == guild_id:
                    own[slug] = content_hash
    return own, hashes


class UploadService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    async def preview(
        self, guild_id: int, user_id: int, filename: str, data: bytes, *, dry_run: bool = False
    ) -> UploadReport:
        """Parse and validate; store the result for confirmation (unless a dry run)."""
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadError(
                f"{filename} is {len(data) / 1048576:.1f} MiB; the limit is 2 MiB per file."
            )
        parsed: UploadParse = await asyncio.to_thread(parse_upload, data, filename)
        items = [p.item for p in parsed.items]
        async with self.sessions() as session:
            own, visible = await _existing(session, guild_id, items)
        report = UploadReport(
            upload_id=None,
            filename=filename,
            format=parsed.format,
            problems=[str(p) for p in parsed.problems],
            skipped=[str(s) for s in parsed.skipped],
            notes=list(parsed.notes),
            drafts={p.item.id: p.draft_reasons for p in parsed.items if p.draft_reasons},
        )
        keep: list[dict[str, Any]] = []
        for parsed_item in parsed.items:
            item = parsed_item.item
            content = item.content_hash()
            if item.id in own:
                (report.unchanged if own[item.id] == content else report.updated).append(item.id)
            elif content in visible:
                report.duplicates.append(item.id)
                continue
            else:
                report.new.append(item.id)
            keep.append(
                {
                    "item": item_to_dict(item),
                    "draft": parsed_item.draft_reasons,
                    "at": parsed_item.location,
                }
            )
        if dry_run:
            return report
        status = "pending" if report.importable else "rejected"
        async with self.sessions.begin() as session:
            row = Upload(
                guild_id=guild_id,
                user_id=user_id,
                filename=filename[:255],
                format=parsed.format,
                sha256=_digest(data),
                size_bytes=len(data),
                status=status,
                items=keep if status == "pending" else [],
                report=_report_dict(report),
            )
            session.add(row)
            await session.flush()
            upload_id = row.id
        return UploadReport(**{**report.__dict__, "upload_id": upload_id})

    async def confirm(self, guild_id: int, upload_id: int, user_id: int) -> ImportReport:
        """Import a pending upload: all or nothing, once (a second click changes nothing)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            claimed = await session.execute(
                update(Upload)
                .where(
                    Upload.id == upload_id,
                    Upload.guild_id == guild_id,
                    Upload.status == "pending",
                )
                .values(status="imported", decided_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                raise UploadError("This upload was already imported, cancelled, or is not yours.")
            upload = await session.get(Upload, upload_id)
            assert upload is not None
            items = [parse_item(entry["item"], require_sources=False) for entry in upload.items]
            drafts = [entry["item"]["id"] for entry in upload.items if entry.get("draft")]
            return await import_items_in(
                session, items, guild_id=guild_id, user_id=user_id, drafts=drafts
            )

    async def cancel(self, guild_id: int, upload_id: int) -> bool:
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Upload)
                .where(
                    Upload.id == upload_id,
                    Upload.guild_id == guild_id,
                    Upload.status == "pending",
                )
                .values(status="cancelled", decided_at=self.clock(), items=[])
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def recent(self, guild_id: int, limit: int = 10) -> list[tuple[int, str, str, datetime]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Upload.id, Upload.filename, Upload.status, Upload.created_at)
                .where(Upload.guild_id == guild_id)
                .order_by(Upload.created_at.desc())
                .limit(limit)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]


def _report_dict(report: UploadReport) -> dict[str, Any]:
    return {
        "format": report.format,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "drafts": report.drafts,
        "problems": report.problems[:500],
        "skipped": report.skipped[:200],
    }
