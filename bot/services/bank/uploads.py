"""Moderator uploads and command-line imports: one path from a file to a server's questions.

detect -> parse -> validate (:func:`bot.core.bank.uploads.parse_upload`, pure, in a thread)
-> diff against what the server has (:mod:`.import_plan`, short reads) -> a report
(:class:`bot.core.bank.uploads.report.UploadReport`) -> import (:mod:`.import_write`, one
short bulk transaction, all or nothing).

``/questions upload`` stores the checked items as a pending upload and imports them when
the moderator presses Import (so a confirmation still works after a restart); the
command line (``quizbot questions validate|import``) runs the same steps at once.

In the bot, a preview and an import run whole in a worker process with its own database
connection (:class:`UploadWorker`): parsing and checking 5,000 items is seconds of
pure Python, and in the bot's own process, even in a thread, it made every other
server's clicks wait (issue 12). The bot's process only waits for the answer.

Items a moderator changed in Discord since their last import are never overwritten
silently: the report shows each difference and the moderator chooses to keep their
edits or to overwrite them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.core.bank.items import BaseItem, parse_item
from bot.core.bank.uploads import MAX_UPLOAD_BYTES, UploadParse, parse_upload
from bot.core.bank.uploads.export import item_to_dict
from bot.core.bank.uploads.report import UploadReport, report_text
from bot.core.clock import Clock, utcnow
from bot.core.quotas import QuotaExceeded
from bot.i18n import _, format_number, ngettext
from bot.services.bank.bank import ImportReport
from bot.services.bank.import_plan import Incoming, Planned, plan, plan_import
from bot.services.bank.import_write import prepare_write, write_prepared
from bot.services.quotas import check_question_room, limits_of
from bot.services.workers import WorkerPool, normal_priority
from db.engine import create_engine, create_session_factory, is_sqlite
from db.models import DiscussionPrompt, Question, Upload

PENDING_TTL = timedelta(hours=24)  # an older pending upload no longer counts (or imports)

# What to do with items a moderator edited in Discord that the file would change.
KEEP_EDITED = "keep"
OVERWRITE_EDITED = "overwrite"


class UploadError(Exception):
    """A refusal a moderator should read (the message is shown as is)."""


@dataclass(frozen=True)
class UploadLimits:
    """Per-server upload limits (issue 12, quotas)."""

    pending_uploads: int = 3


async def upload_limits(session: AsyncSession, guild_id: int) -> UploadLimits:
    """The limits that apply to ``guild_id``.

    One place to read them: the server's own quotas (``/config limits``) over the defaults.
    """
    return UploadLimits(pending_uploads=(await limits_of(session, guild_id))["pending_uploads"])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def incoming_from(parsed: UploadParse) -> list[Incoming]:
    keeps = parsed.keeps
    return [Incoming(p.item, list(p.draft_reasons), p.status, keeps) for p in parsed.items]


def build_report(
    filename: str, parsed: UploadParse, planned: Sequence[Planned], upload_id: int | None = None
) -> UploadReport:
    """The report of a checked file against the server's questions."""
    by_outcome: dict[str, list[str]] = {"new": [], "updated": [], "unchanged": [], "duplicate": []}
    for entry in planned:
        by_outcome[entry.outcome].append(entry.item.id)
    imported = [p for p in planned if p.outcome in ("new", "updated")]
    return UploadReport(
        upload_id=upload_id,
        filename=filename,
        format=parsed.format,
        new=by_outcome["new"],
        updated=by_outcome["updated"],
        unchanged=by_outcome["unchanged"],
        duplicates=by_outcome["duplicate"],
        drafts={p.item.id: p.incoming.draft_reasons for p in imported if p.status == "draft"},
        problems=[str(p) for p in parsed.problems],
        skipped=[str(s) for s in parsed.skipped],
        notes=list(parsed.notes),
        edited={p.item.id: p.diff for p in planned if p.edited},
        disabled=[p.item.id for p in imported if p.status == "disabled"],
    )


def check_offline(filename: str, data: bytes) -> UploadReport:
    """The report of a file on its own (no server to compare with): every item new.

    ``quizbot questions validate`` prints this; it needs no database.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        parsed = parse_upload(data, filename)  # refuses it with the size in the report
        return build_report(filename, parsed, [])
    parsed = parse_upload(data, filename)
    return build_report(filename, parsed, plan(incoming_from(parsed), {}, {}, set(), set()))


def apply_edited_choice(planned: list[Planned], choice: str | None) -> list[Planned]:
    """Keep a moderator's Discord edits (those items are left as they are) or overwrite."""
    if choice == OVERWRITE_EDITED:
        return planned
    return [replace(p, outcome="unchanged") if p.edited else p for p in planned]


# The uploads' worker process (one upload is checked or imported at a time). At normal
# priority, unlike the drawing process: on SQLite it holds the write lock while it
# imports, and a worker the scheduler put last would hold it longer while the bot's
# own writes (members' answers) wait for it.
UPLOADS = WorkerPool("uploads", initializer=normal_priority)


@dataclass(frozen=True)
class UploadWorker:
    """Where previews and imports run: a worker process that opens ``database_url``."""

    database_url: str
    pool: WorkerPool = UPLOADS

    @staticmethod
    def for_database(database_url: str | None) -> UploadWorker | None:
        """A worker for a database another process can open (not an in-memory one)."""
        if not database_url:
            return None
        if is_sqlite(database_url) and make_url(database_url).database in (None, "", ":memory:"):
            return None
        return UploadWorker(database_url)


class UploadService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        worker: UploadWorker | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker

    async def _in_worker(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``method`` of an upload service in the worker process, in this reader's
        language and at this clock reading (neither crosses processes by itself)."""
        assert self.worker is not None
        return await self.worker.pool.run(
            _job, self.worker.database_url, i18n.current(), self.clock(), method, args, kwargs
        )

    # ------------------------------------------------------------------ checking

    async def check(
        self, scope: int, filename: str, data: bytes
    ) -> tuple[UploadParse, list[Planned], UploadReport]:
        """Parse, validate and diff a file against ``scope``; writes nothing."""
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadError(
                _("{filename} is {size} MiB; the limit is 2 MiB per file.").format(
                    filename=filename, size=format_number(round(len(data) / 1048576, 1))
                )
            )
        parsed: UploadParse = await asyncio.to_thread(parse_upload, data, filename)
        async with self.sessions() as session:
            planned = await plan_import(session, scope, incoming_from(parsed))
        return parsed, planned, build_report(filename, parsed, planned)

    async def preview(
        self, guild_id: int, user_id: int, filename: str, data: bytes, *, dry_run: bool = False
    ) -> UploadReport:
        """Check a file; unless a dry run, keep it pending until Import or Cancel."""
        if self.worker is not None:
            return await self._in_worker(
                "preview", guild_id, user_id, filename, data, dry_run=dry_run
            )
        if not dry_run:
            await self._check_quota(guild_id)
        parsed, planned, report = await self.check(guild_id, filename, data)
        if dry_run:
            return report
        status = "pending" if report.importable else "rejected"
        keep = [
            {
                "item": item_to_dict(p.item),
                "draft": p.incoming.draft_reasons,
                "status": p.incoming.requested,
                "keeps": list(p.incoming.keeps),
            }
            for p in planned
            if p.outcome != "duplicate"
        ]
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
                report=report.to_dict(),
                created_at=self.clock(),
            )
            session.add(row)
            await session.flush()
            upload_id = row.id
        return replace(report, upload_id=upload_id)

    async def _check_quota(self, guild_id: int) -> None:
        since = self.clock() - PENDING_TTL
        async with self.sessions() as session:
            limits = await upload_limits(session, guild_id)
            pending = await session.scalar(
                select(func.count(Upload.id)).where(
                    Upload.guild_id == guild_id,
                    Upload.status == "pending",
                    Upload.created_at >= since,
                )
            )
        if (pending or 0) >= limits.pending_uploads:
            raise UploadError(
                ngettext(
                    "This server already has {pending} upload waiting for Import or Cancel; "
                    "the limit is {limit} pending uploads per server. Import or cancel it "
                    "first (an upload left for {hours} hours no longer counts).",
                    "This server already has {pending} uploads waiting for Import or Cancel; "
                    "the limit is {limit} pending uploads per server. Import or cancel one of "
                    "them first (an upload left for {hours} hours no longer counts).",
                    pending or 0,
                ).format(
                    pending=pending,
                    limit=limits.pending_uploads,
                    hours=f"{PENDING_TTL.total_seconds() / 3600:.0f}",
                )
            )

    # ------------------------------------------------------------------ importing

    async def confirm(
        self, guild_id: int, upload_id: int, user_id: int, *, edited: str | None = None
    ) -> ImportReport:
        """Import a pending upload: all or nothing, once (a second click changes nothing).

        ``edited``: :data:`KEEP_EDITED` (default) leaves items a moderator edited in
        Discord as they are; :data:`OVERWRITE_EDITED` replaces them with the file's.
        """
        if self.worker is not None:
            return await self._in_worker("confirm", guild_id, upload_id, user_id, edited=edited)
        async with self.sessions() as session:
            upload = await session.scalar(
                select(Upload).where(Upload.id == upload_id, Upload.guild_id == guild_id)
            )
            entries = list(upload.items) if upload is not None else []
            created = upload.created_at if upload is not None else None
        if upload is None:
            raise UploadError(_("This upload was already imported, cancelled, or is not yours."))
        if created is not None and created < self.clock() - PENDING_TTL:
            await self.cancel(guild_id, upload_id)
            raise UploadError(_("This upload has expired; upload the file again."))
        incoming = await asyncio.to_thread(_incoming_from_entries, entries)
        return await self._import(
            guild_id, incoming, user_id, edited=edited, claim_upload=upload_id
        )

    async def import_checked(
        self, scope: int, parsed: UploadParse, *, edited: str | None = None
    ) -> ImportReport:
        """The command line: import a file :meth:`check` found importable, at once."""
        if parsed.problems:
            raise UploadError(_("nothing imported: the file has problems"))
        return await self._import(scope, incoming_from(parsed), None, edited=edited)

    async def _import(
        self,
        scope: int,
        incoming: list[Incoming],
        user_id: int | None,
        *,
        edited: str | None,
        claim_upload: int | None = None,
    ) -> ImportReport:
        # Read and diff outside the write transaction (short indexed reads)...
        async with self.sessions() as session:
            planned = await plan_import(session, scope, incoming)
        planned = apply_edited_choice(planned, edited)
        touched = {p.existing.id: p for p in planned if p.existing and p.outcome == "updated"}
        now = self.clock()
        prepared = await asyncio.to_thread(prepare_write, scope, planned, user_id=user_id, now=now)
        # ...then one short transaction: claim, check nothing moved meanwhile, write.
        async with self.sessions.begin() as session:
            if claim_upload is not None:
                claimed = await session.execute(
                    update(Upload)
                    .where(
                        Upload.id == claim_upload,
                        Upload.guild_id == scope,
                        Upload.status == "pending",
                    )
                    .values(status="imported", decided_at=now)
                    .execution_options(synchronize_session=False)
                )
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    raise UploadError(
                        _("This upload was already imported, cancelled, or is not yours.")
                    )
            if await self._moved(session, scope, planned, touched):
                planned = apply_edited_choice(await plan_import(session, scope, incoming), edited)
                prepared = prepare_write(scope, planned, user_id=user_id, now=now)
            new_questions = sum(1 for p in planned if p.outcome == "new" and p.item.is_question)
            try:
                await check_question_room(session, scope, new_questions)
            except QuotaExceeded as refusal:
                raise UploadError(
                    _("Nothing was imported. {reason}").format(reason=refusal)
                ) from None
            return await write_prepared(session, scope, prepared, user_id=user_id)

    async def _moved(
        self,
        session: AsyncSession,
        scope: int,
        planned: list[Planned],
        touched: dict[int, Planned],
    ) -> bool:
        """Did another change land between the plan and the write? (Then plan again.)"""
        slugs = [p.item.id for p in planned if p.outcome == "new"]
        for model in (Question, DiscussionPrompt):
            for start in range(0, len(slugs), 500):
                found = await session.scalar(
                    select(func.count(model.id)).where(
                        model.guild_id == scope, model.slug.in_(slugs[start : start + 500])
                    )
                )
                if found:
                    return True
        ids = [i for i, p in touched.items() if not _is_prompt(p)]
        for start in range(0, len(ids), 500):
            rows = await session.execute(
                select(Question.id, Question.data, Question.status).where(
                    Question.id.in_(ids[start : start + 500])
                )
            )
            for row_id, data, status in rows:
                before = touched[row_id].existing
                if before is None or before.data != data or before.status != status:
                    return True
        return False

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

    # ------------------------------------------------------------------ exporting

    async def export_records(self, scope: int) -> tuple[list[BaseItem], dict[str, str]]:
        """A server's own items as they are now, and the status of each that is not
        active: everything an export must write for a re-import to give the same set."""
        async with self.sessions() as session:
            questions = await session.execute(
                select(Question.data, Question.status)
                .where(Question.guild_id == scope)
                .order_by(Question.id)
            )
            prompts = await session.execute(
                select(DiscussionPrompt.data, DiscussionPrompt.status)
                .where(DiscussionPrompt.guild_id == scope)
                .order_by(DiscussionPrompt.id)
            )
            rows = [*questions, *prompts]
        items = await asyncio.to_thread(
            lambda: [parse_item(data, require_sources=False) for data, _status in rows]
        )
        statuses = {
            item.id: status for item, (_data, status) in zip(items, rows, strict=True) if status
        }
        return items, {k: v for k, v in statuses.items() if v != "active"}


# ---------------------------------------------------------------------- in the worker


def _job(
    url: str,
    language: str,
    now: datetime,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """Run in the worker: ``method`` of an upload service on its own connection to ``url``."""

    async def main() -> Any:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            uploads = UploadService(create_session_factory(engine), clock=lambda: now)
            with i18n.use(language):
                return await getattr(uploads, method)(*args, **kwargs)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _is_prompt(planned: Planned) -> bool:
    return planned.item.kind == "discussion"


def _incoming_from_entries(entries: list[dict[str, Any]]) -> list[Incoming]:
    return [
        Incoming(
            parse_item(entry["item"], require_sources=False),
            list(entry.get("draft") or []),
            entry.get("status"),
            tuple(entry.get("keeps") or ()),
        )
        for entry in entries
    ]


__all__ = [
    "KEEP_EDITED",
    "OVERWRITE_EDITED",
    "UploadError",
    "UploadLimits",
    "UploadReport",
    "UploadService",
    "UploadWorker",
    "build_report",
    "check_offline",
    "report_text",
    "upload_limits",
]
