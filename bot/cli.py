"""The `quizbot` command line: run the bot, manage the database and the bank.

Every command prints what to do next when something is wrong, and exits
non-zero, so scripts and CI can rely on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.app import StartupError, load_settings, open_database, setup_logging

T = TypeVar("T")

app = typer.Typer(
    help="Kupiansk quiz and discussion bot for Discord.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals could hold the token
)
db_app = typer.Typer(help="Database schema: upgrade, show the current revision.")
questions_app = typer.Typer(help="The question bank: validate, import, export, count.")
app.add_typer(db_app, name="db")
app.add_typer(questions_app, name="questions")


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except StartupError as error:
        raise fail(str(error), 2) from None


@app.command()
def run() -> None:
    """Start the bot: migrate the database, load the shipped bank, connect to Discord."""
    from bot.runner import run_bot

    try:
        settings = load_settings()
    except StartupError as error:
        raise fail(str(error), 2) from None
    setup_logging(settings)
    code = run_async(lambda: run_bot(settings))
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the database to the latest schema (the bot also does this at start)."""

    async def go() -> str | None:
        from db.migrate import current_revision

        settings = load_settings()
        database = await open_database(settings)
        try:
            return await current_revision(database.engine)
        finally:
            await database.close()

    typer.echo(f"database at revision {run_async(go)} (head)")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is the latest."""

    async def go() -> tuple[str | None, str | None]:
        from db.migrate import current_revision, head_revision

        database = await open_database(load_settings(), migrate=False)
        try:
            return await current_revision(database.engine), head_revision()
        finally:
            await database.close()

    current, head = run_async(go)
    state = "up to date" if current == head else f"behind head {head}: run 'quizbot db upgrade'"
    typer.echo(f"revision {current or '(empty database)'}: {state}")


def _strict_problems(path: Path) -> tuple[list[str], int, int]:
    """The shipped bank's rules (sources required, language rules, essay quotes):
    (problems, items, files). Never raises: an unreadable file is one problem."""
    from bot.core.bank.bank_files import load_bank

    try:
        result = load_bank(path)
    except RecursionError:
        return [f"{path}: the file is nested too deeply to be a question file"], 0, 1
    except Exception as error:  # the report, never a traceback
        return [f"{path}: could not be read ({type(error).__name__}: {str(error)[:200]})"], 0, 1
    return [str(p) for p in result.problems], len(result.items), len(result.files)


def _read_upload(path: Path) -> bytes:
    if path.is_dir():
        raise fail(f"{path}: a folder; give one file, or --strict to check a bank folder")
    try:
        return path.read_bytes()
    except OSError as error:
        raise fail(f"{path}: cannot read it ({error.strerror or error})") from None


@questions_app.command("validate")
def questions_validate(
    path: Annotated[Path, typer.Argument(help="A question file (or, with --strict, a folder).")],
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--upload",
            help="The shipped bank's rules (the default for a folder) or an upload's "
            "(the default for a file: the report /questions upload shows).",
        ),
    ] = None,
) -> None:
    """Check a file as /questions upload does (same report), or bank files (--strict).

    Exits 0 when the file can be imported, 1 with the report when it cannot.
    """
    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    if strict if strict is not None else path.is_dir():
        problems, items, files = _strict_problems(path)
        for problem in problems:
            typer.echo(problem)
        if problems:
            raise fail(f"{len(problems)} problem(s) in {files} file(s)")
        typer.echo(f"ok: {items} items in {files} file(s)")
        return
    from bot.services.bank.uploads import check_offline, report_text

    report = check_offline(path.name, _read_upload(path))
    typer.echo(report_text(report), nl=False)
    if report.problems:
        raise fail(f"{path}: {len(report.problems)} problem(s); nothing can be imported")
    if not report.importable:
        raise fail(f"{path}: nothing in this file can be imported")
    typer.echo(f"ok: {path} can be imported")


@questions_app.command("stats")
def questions_stats(
    path: Annotated[Path, typer.Argument(help="The bank folder.")] = Path("questions"),
    write_readme: Annotated[
        bool, typer.Option(help="Rewrite the counts table in the folder's README.md.")
    ] = False,
) -> None:
    """Counts of the bank by kind and theme (the table in questions/README.md)."""
    from bot.core.bank.bank_files import load_bank
    from bot.core.bank.bank_stats import counts_markdown, update_readme_counts

    result = load_bank(path)
    if result.problems:
        raise fail("the bank has problems; run 'quizbot questions validate' first")
    table = counts_markdown(result)
    typer.echo(table)
    if write_readme:
        update_readme_counts(path / "README.md", table)


@questions_app.command("import")
def questions_import(
    path: Annotated[Path, typer.Argument(help="A question file (a bank folder without --guild).")],
    guild: Annotated[
        int | None, typer.Option(help="Import as this server's own questions.")
    ] = None,
    edited: Annotated[
        str | None,
        typer.Option(
            help="Items a moderator edited in Discord that the file would change: "
            "'keep' their edits or 'overwrite' them (asked when there are any)."
        ),
    ] = None,
) -> None:
    """Import a file into a server (the /questions upload path) or bank files into the
    shipped bank (without --guild): all or nothing, updated by id."""
    if edited not in (None, "keep", "overwrite"):
        raise fail("--edited is 'keep' or 'overwrite'")
    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    if guild is None:
        _import_shipped(path)
        return
    from bot.services.bank.uploads import UploadService, report_text

    data = _read_upload(path)

    async def go() -> None:
        database = await open_database(load_settings())
        try:
            uploads = UploadService(database.sessions)
            parsed, _, report = await uploads.check(guild, path.name, data)
            typer.echo(report_text(report), nl=False)
            if report.problems:
                raise fail("nothing imported: fix the problems above")
            if report.edited and edited is None:
                raise fail(
                    f"nothing imported: {len(report.edited)} item(s) were edited in Discord "
                    "since their last import (shown above); run again with --edited keep "
                    "or --edited overwrite"
                )
            if not report.importable:
                typer.echo("nothing new to import")
                return
            imported = await uploads.import_checked(guild, parsed, edited=edited)
            typer.echo(f"imported: {imported.summary()}")
        finally:
            await database.close()

    run_async(go)


def _import_shipped(path: Path) -> None:
    from bot.services.bank.bank import import_items

    problems, _, _ = _strict_problems(path)
    for problem in problems:
        typer.echo(problem)
    if problems:
        raise fail("nothing imported: fix the problems above")
    from bot.core.bank.bank_files import load_bank

    result = load_bank(path)

    async def go() -> str:
        database = await open_database(load_settings())
        try:
            report = await import_items(database.sessions, result.items)
            return report.summary()
        finally:
            await database.close()

    typer.echo(run_async(go))


@questions_app.command("export")
def questions_export(
    path: Annotated[Path, typer.Argument(help="The file to write (.yaml, .json or .csv).")],
    guild: Annotated[int | None, typer.Option(help="Export this server's questions.")] = None,
    format: Annotated[
        str | None, typer.Option(help="yaml, json or csv (default: from the file name)")
    ] = None,
) -> None:
    """Export a server's questions (or the shipped bank) in a file that re-imports to
    the same set: every field, drafts and disabled items with their status."""
    from bot.core.bank.uploads.export import EXPORT_FORMATS, export_items, exportable, left_out_note
    from bot.services.bank.uploads import UploadService
    from db.models import SHIPPED

    suffix = path.suffix.lower().lstrip(".")
    fmt = (format or {"yml": "yaml"}.get(suffix, suffix) or "yaml").lower()
    if fmt not in EXPORT_FORMATS:
        raise fail(f"cannot export as {fmt!r}; one of {', '.join(EXPORT_FORMATS)} (--format)")

    async def go() -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
        database = await open_database(load_settings())
        try:
            return await UploadService(database.sessions).export_records(
                SHIPPED if guild is None else guild
            )
        finally:
            await database.close()

    items, statuses = run_async(go)
    kept, left = exportable(items, fmt)
    theme = "export" if guild is None else f"guild-{guild}"
    try:
        path.write_bytes(export_items(kept, fmt, theme=theme, statuses=statuses))
    except OSError as error:
        raise fail(f"{path}: cannot write it ({error.strerror or error})") from None
    typer.echo(f"wrote {len(kept)} items to {path}")
    note = left_out_note(left, fmt)
    if note:
        typer.echo(note)


@app.command()
def backup(
    path: Annotated[
        Path | None,
        typer.Argument(help="File or folder to write (default: BACKUP_DIR or data/backups/)."),
    ] = None,
) -> None:
    """Copy the database consistently, even while the bot runs (SQLite, or pg_dump)."""
    from bot.ops.backup import BackupError, make_backup, target_path

    try:
        settings = load_settings()
        target = target_path(settings.database_url, path, settings.backup_dir)
        info = make_backup(settings.database_url, target)
    except StartupError as error:
        raise fail(str(error), 2) from None
    except BackupError as error:
        raise fail(f"no backup taken: {error}") from None
    typer.echo(f"backup written: {info.describe()}")
    typer.echo(f"restore it with: quizbot restore {info.path}")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by 'quizbot backup'.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a backup (stop the bot first); the old one is kept."""
    from bot.ops.backup import BackupError, inspect_backup, restore_backup
    from db.migrate import head_revision

    try:
        settings = load_settings()
        info = inspect_backup(path)
    except StartupError as error:
        raise fail(str(error), 2) from None
    except BackupError as error:
        raise fail(f"not restored: {error}") from None
    where = settings.sqlite_path() or "the PostgreSQL database in DATABASE_URL"
    typer.echo(f"backup: {info.describe()}")
    typer.echo(f"this REPLACES everything in {where}. Stop the bot before restoring.")
    if not yes and not typer.confirm("Restore it?", default=False):
        raise fail("nothing changed")
    try:
        kept = restore_backup(settings.database_url, info)
    except BackupError as error:
        raise fail(f"not restored: {error}") from None
    if kept is not None:
        typer.echo(f"the database it replaced is kept at {kept}")
    typer.echo(f"restored {info.path} (schema revision {info.revision})")
    if info.revision != head_revision():
        typer.echo("the bot upgrades it to the latest schema at its next start")


@app.command()
def doctor() -> None:
    """Check the configuration, the database and the token; print what to fix."""
    from bot.doctor import run_checks

    ok = run_async(run_checks)
    raise typer.Exit(0 if ok else 1)


i18n_app = typer.Typer(help="Translation catalogs (bot/locales): extract, check, compile.")
app.add_typer(i18n_app, name="i18n")


@i18n_app.command("extract")
def i18n_extract() -> None:
    """Rewrite messages.pot from the code and the slash commands; update each language."""
    from bot.catalogs import extract

    for path in extract():
        typer.echo(f"wrote {path}")


@i18n_app.command("check")
def i18n_check(language: str = typer.Argument("uk")) -> None:
    """List the messages LANGUAGE has not translated; exit 1 if there are any."""
    from bot.catalogs import missing

    gaps = missing(language)
    for context, message in gaps:
        typer.echo(f"{language}: untranslated [{context}] {message}")
    typer.echo(f"{len(gaps)} untranslated message(s) in {language}")
    raise typer.Exit(1 if gaps else 0)


@i18n_app.command("compile")
def i18n_compile() -> None:
    """Build the .mo files (also done at start when one is missing or stale)."""
    from bot.i18n import compile_catalogs

    for path in compile_catalogs():
        typer.echo(f"wrote {path}")


def main() -> None:
    app()
