"""Importing a moderator's upload: parse and validate, then write in one transaction."""

from __future__ import annotations

import time
from pathlib import Path

from bench.bankgen import bank_yaml
from bench.common import Section, Target, fresh_database, pg_available
from bot.core.uploads import parse_upload
from bot.services.bank import import_items
from db.engine import create_engine, create_session_factory

GUILD = 1_300_000_000_000_000_000


async def bench_import(section: Section, quick: bool, workdir: Path) -> None:
    count = 1000 if quick else 5000
    data = bank_yaml(count)
    t0 = time.perf_counter()
    parsed = parse_upload(data, "bank.yaml")
    parse_s = time.perf_counter() - t0
    assert not parsed.problems and len(parsed.items) == count, parsed.problems[:3]
    items = [p.item for p in parsed.items]
    drafts = [p.item.id for p in parsed.drafts]
    backends = ["sqlite"] + (["postgresql"] if not quick and await pg_available() else [])
    rows = []
    worst = 0.0
    for backend in backends:
        url = await fresh_database(backend, workdir)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            t0 = time.perf_counter()
            report = await import_items(sessions, items, guild_id=GUILD, user_id=1, drafts=drafts)
            first = time.perf_counter() - t0
            assert len(report.new) == count, report.summary()
            t0 = time.perf_counter()
            again = await import_items(sessions, items, guild_id=GUILD, user_id=1, drafts=drafts)
            second = time.perf_counter() - t0
            assert len(again.unchanged) == count, again.summary()
        finally:
            await engine.dispose()
        worst = max(worst, parse_s + first)
        rows.append(
            [
                backend,
                f"{parse_s:.2f} s",
                f"{first:.2f} s",
                f"{parse_s + first:.2f} s",
                f"{second:.2f} s",
            ]
        )
    section.add(
        f"A {count:,}-item upload in the bot's YAML bank format ({len(data) / 2**20:.2f} MiB; "
        "multiple choice and true/false, each with tags, an explanation and a source): "
        "`parse_upload` (decode, detect, parse, validate every item) then `import_items` "
        "(one transaction, new items) and the same file again (all unchanged)."
        + (" Quick mode: 1,000 items, SQLite only." if quick else "")
    )
    section.add()
    section.table(
        ["backend", "parse + validate", "import (new)", "total", "re-import (unchanged)"], rows
    )
    section.targets.append(
        Target(
            f"{count:,}-item upload validated and imported",
            f"{worst:.2f} s",
            "< 5 s",
            worst < 5.0 if not quick else None,
        )
    )
