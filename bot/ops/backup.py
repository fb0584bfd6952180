"""Consistent copies of the database, and putting one back.

SQLite is copied with its online backup API: the copy is one read
transaction's snapshot, so it holds every transaction committed before the
copy began and nothing half-written, while the bot keeps writing (WAL lets
readers and the writer run side by side). PostgreSQL is copied with
`pg_dump -Fc` when it is installed. A restore accepts only a file that opens,
passes its integrity check and is at a schema revision this code knows, and
keeps the database it replaces next to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from db.migrate import alembic_config

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SQLITE_SUFFIX = ".db"
PGDUMP_SUFFIX = ".dump"
PREFIX = "quizbot-"
PG_TIMEOUT_S = 600


class BackupError(Exception):
    """Why a backup or restore cannot be done; the message says what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    revision: str | None
    size: int

    def describe(self) -> str:
        mib = self.size / (1024 * 1024)
        return f"{self.path} ({self.kind}, schema revision {self.revision}, {mib:.1f} MiB)"


def stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def suffix_for(database_url: str) -> str:
    return SQLITE_SUFFIX if sqlite_file(database_url) is not None else PGDUMP_SUFFIX


def default_folder(database_url: str, backup_dir: Path | None) -> Path:
    """BACKUP_DIR when set; otherwise `backups/` next to the SQLite file (or here)."""
    if backup_dir is not None:
        return backup_dir
    db_file = sqlite_file(database_url)
    return (db_file.parent if db_file is not None else Path("data")) / "backups"


def target_path(database_url: str, path: Path | None, backup_dir: Path | None) -> Path:
    """Where `quizbot backup [PATH]` writes: PATH, a file inside PATH, or the default folder."""
    name = f"{PREFIX}{stamp()}{suffix_for(database_url)}"
    if path is None:
        return default_folder(database_url, backup_dir) / name
    if path.is_dir():
        return path / name
    return path


# -- schema revisions -------------------------------------------------------------------


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def check_revision(revision: str | None, what: Path) -> None:
    if revision is None:
        raise BackupError(f"{what} holds no schema revision: it is not a quizbot backup")
    if revision not in known_revisions():
        raise BackupError(
            f"{what} is at schema revision {revision!r}, which this version of the bot does "
            "not know (a newer bot made it?): upgrade the bot first"
        )


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _integrity(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(r[0]) for r in rows[:5])


def backup_sqlite(source: Path, target: Path) -> BackupInfo:
    """Copy a live SQLite database with the online backup API, checked before it is kept."""
    if not source.exists():
        raise BackupError(f"{source}: no such database file (check DATABASE_URL)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            # pages=-1: one step, so the copy is a single snapshot even while others write.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            integrity = _integrity(dst)
            revision = _sqlite_revision(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({integrity}); nothing kept")
    os.chmod(partial, 0o600)
    partial.replace(target)
    return BackupInfo(target, "sqlite", revision, target.stat().st_size)


def inspect_sqlite(path: Path) -> BackupInfo:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} does not open as a SQLite database ({error})") from None
    try:
        try:
            integrity = _integrity(connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database ({error})") from None
        if integrity != "ok":
            raise BackupError(f"{path} fails SQLite's integrity check: {integrity}")
        revision = _sqlite_revision(connection)
    finally:
        connection.close()
    check_revision(revision, path)
    return BackupInfo(path, "sqlite", revision, path.stat().st_size)


def restore_sqlite(backup: Path, database: Path) -> Path | None:
    """Put a checked copy in place; returns where the replaced database was kept."""
    kept: Path | None = None
    if database.exists():
        kept = database.with_name(f"{database.name}.before-restore-{stamp()}")
        backup_sqlite(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(database, timeout=30)
        try:
            src.backup(dst, pages=-1)  # through SQLite, so a -wal file beside it stays coherent
        finally:
            dst.close()
    finally:
        src.close()
    return kept


# -- PostgreSQL --------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment,
    never on the command line (where `ps` would show it)."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed, so a PostgreSQL database cannot be copied from here. "
            f"Install the PostgreSQL client tools (e.g. 'apt-get install postgresql-client') "
            f"or take the backup on the database server with 'pg_dump -Fc'."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            command, env=env, capture_output=True, timeout=PG_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(command[0]).name} took longer than {PG_TIMEOUT_S} s") from None


def backup_postgres(database_url: str, target: Path) -> BackupInfo:
    pg_dump = _tool("pg_dump")
    args, env = _libpq(make_url(database_url))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    done = _run([pg_dump, "--format=custom", "--no-owner", "--file", str(partial), *args], env)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError("pg_dump failed: " + done.stderr.decode(errors="replace").strip())
    os.chmod(partial, 0o600)
    partial.replace(target)
    return inspect_pgdump(target)


def inspect_pgdump(path: Path) -> BackupInfo:
    pg_restore = _tool("pg_restore")
    done = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        dict(os.environ),
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise BackupError(f"{path} is not a readable pg_dump archive ({message})")
    revision = None
    lines = done.stdout.decode(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            revision = None if value == "\\." else value
    check_revision(revision, path)
    return BackupInfo(path, "postgresql", revision, path.stat().st_size)


def restore_postgres(backup: Path, database_url: str) -> None:
    pg_restore = _tool("pg_restore")
    args, env = _libpq(make_url(database_url))
    done = _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(backup),
        ],
        env,
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise BackupError(f"pg_restore failed; the database was left as it was ({message})")


# -- one entry point per operation --------------------------------------------------------


def make_backup(database_url: str, target: Path) -> BackupInfo:
    """A consistent copy of the configured database at `target`."""
    db_file = sqlite_file(database_url)
    if db_file is not None:
        return backup_sqlite(db_file, target)
    if make_url(database_url).get_backend_name() == "sqlite":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return backup_postgres(database_url, target)


def inspect_backup(path: Path) -> BackupInfo:
    """What a file is, or BackupError when it is not a backup this bot can restore."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return inspect_sqlite(path)
    if head.startswith(PGDUMP_MAGIC):
        return inspect_pgdump(path)
    raise BackupError(
        f"{path} is not a backup: neither a SQLite database nor a pg_dump custom-format archive"
    )


def restore_backup(database_url: str, info: BackupInfo) -> Path | None:
    """Replace the configured database with a checked backup of the same kind."""
    db_file = sqlite_file(database_url)
    if db_file is not None:
        if info.kind != "sqlite":
            raise BackupError(f"{info.path} is a PostgreSQL archive but DATABASE_URL is SQLite")
        return restore_sqlite(info.path, db_file)
    if info.kind != "postgresql":
        raise BackupError(
            f"{info.path} is a SQLite file but DATABASE_URL is PostgreSQL; "
            "moving between databases is not supported by restore"
        )
    restore_postgres(info.path, database_url)
    return None


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups this bot made in `folder`."""
    ours = sorted(
        (
            p
            for p in folder.glob(f"{PREFIX}*")
            if p.suffix in (SQLITE_SUFFIX, PGDUMP_SUFFIX) and p.is_file()
        ),
        key=lambda p: (p.stat().st_mtime, p.name),  # oldest first, whatever the name
    )
    removed = ours[:-keep] if keep > 0 else ours
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


# -- before a migration --------------------------------------------------------------------


def backup_before_migration(
    database_url: str, current: str | None, head: str | None, backup_dir: Path | None
) -> Path | None:
    """Copy a SQLite file about to be migrated; None when there is nothing to protect."""
    db_file = sqlite_file(database_url)
    if db_file is None or not db_file.exists() or current is None or current == head:
        return None
    folder = default_folder(database_url, backup_dir)
    target = folder / f"{PREFIX}before-{head}-{stamp()}{SQLITE_SUFFIX}"
    info = backup_sqlite(db_file, target)
    log.info("schema %s -> %s: copied the database first to %s", current, head, info.path)
    return info.path


# -- daily, inside the bot -----------------------------------------------------------------


class DailyBackups:
    """One backup a day into BACKUP_DIR, keeping the newest BACKUP_KEEP.

    The first copy is taken when the newest one in the folder is a day old (or
    there is none), so restarts do not pile up copies.
    """

    def __init__(
        self,
        database_url: str,
        folder: Path,
        keep: int,
        *,
        every: float = 24 * 3600,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database_url = database_url
        self.folder = folder
        self.keep = keep
        self.every = every
        self.now = now
        self._task: asyncio.Task[None] | None = None
        self.taken: list[BackupInfo] = []

    def seconds_until_due(self) -> float:
        newest = max(
            (p.stat().st_mtime for p in self.folder.glob(f"{PREFIX}*") if p.is_file()),
            default=None,
        )
        if newest is None:
            return 0.0
        return max(0.0, newest + self.every - self.now().timestamp())

    async def take(self) -> BackupInfo | None:
        target = self.folder / f"{PREFIX}{stamp(self.now())}{suffix_for(self.database_url)}"
        try:
            info = await asyncio.to_thread(make_backup, self.database_url, target)
        except BackupError as error:
            log.error("daily backup failed: %s", error)
            return None
        removed = await asyncio.to_thread(prune, self.folder, self.keep)
        log.info("daily backup: %s (%d old one(s) removed)", info.describe(), len(removed))
        self.taken.append(info)
        return info

    async def _loop(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            await asyncio.sleep(self.seconds_until_due())
            await self.take()
            await asyncio.sleep(min(self.every, 60.0))  # never a tight loop on a clock jump

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="daily-backups")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


__all__ = [
    "BackupError",
    "BackupInfo",
    "DailyBackups",
    "backup_before_migration",
    "inspect_backup",
    "make_backup",
    "prune",
    "restore_backup",
    "target_path",
]
