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


@questions_app.command("validate")
def questions_validate(
    path: Annotated[Path, typer.Argument(help="A bank file or a folder of them.")],
) -> None:
    """Check bank files: every problem with file, line and item id."""
    from bot.core.bank_files import load_bank

    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    result = load_bank(path)
    for problem in result.problems:
        typer.echo(str(problem))
    if result.problems:
        raise fail(f"{len(result.problems)} problem(s) in {len(result.files)} file(s)")
    typer.echo(f"ok: {len(result.items)} items in {len(result.files)} file(s)")


@questions_app.command("stats")
def questions_stats(
    path: Annotated[Path, typer.Argument(help="The bank folder.")] = Path("questions"),
    write_readme: Annotated[
        bool, typer.Option(help="Rewrite the counts table in the folder's README.md.")
    ] = False,
) -> None:
    """Counts of the bank by kind and theme (the table in questions/README.md)."""
    from bot.core.bank_files import load_bank
    from bot.core.bank_stats import counts_markdown, update_readme_counts

    result = load_bank(path)
    if result.problems:
        raise fail("the bank has problems; run 'quizbot questions validate' first")
    table = counts_markdown(result)
    typer.echo(table)
    if write_readme:
        update_readme_counts(path / "README.md", table)


@questions_app.command("import")
def questions_import(
    path: Annotated[Path, typer.Argument(help="A bank file or folder.")],
    guild: Annotated[
        int | None, typer.Option(help="Import as this server's own questions.")
    ] = None,
) -> None:
    """Import bank files into the database: all or nothing, updated by id."""
    from bot.core.bank_files import load_bank
    from bot.services.bank import import_items

    result = load_bank(path)
    for problem in result.problems:
        typer.echo(str(problem))
    if result.problems:
        raise fail("nothing imported: fix the problems above")

    async def go() -> str:
        database = await open_database(load_settings())
        try:
            report = await import_items(database.sessions, result.items, guild_id=guild)
            return report.summary()
        finally:
            await database.close()

    typer.echo(run_async(go))


@questions_app.command("export")
def questions_export(
    path: Annotated[Path, typer.Argument(help="The YAML file to write.")],
    guild: Annotated[int | None, typer.Option(help="Export this server's questions.")] = None,
) -> None:
    """Export questions (the shipped bank, or a server's own) as a bank YAML file."""
    from bot.services.bank import export_items

    async def go() -> tuple[str, int]:
        database = await open_database(load_settings())
        try:
            return await export_items(database.sessions, guild_id=guild)
        finally:
            await database.close()

    text, count = run_async(go)
    path.write_text(text, "utf-8")
    typer.echo(f"wrote {count} items to {path}")


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
