"""Importing a moderator's upload through the upload path (issue 12 and 16).

Parse and validate, read what the server has and diff (outside the write), then the
write itself in one short transaction: how long each takes, how long the write holds
the database in a server that already has many questions, and how long a crafted
2 MiB file takes to parse.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from sqlalchemy import insert

from bench.bankgen import bank_yaml
from bench.common import Section, Target, fresh_database, pg_available
from bot.core.bank.uploads import parse_upload
from bot.core.clock import utcnow
from bot.services.bank.import_plan import plan_import
from bot.services.bank.import_write import write_import
from bot.services.bank.uploads import incoming_from
from db.engine import create_engine, create_session_factory
from db.models import Question

GUILD = 1_300_000_000_000_000_000


def crafted_upload() -> bytes:
    """Just under 2 MiB of CSV whose explanations are "A. A. A. ..." (issue 12, finding 8)."""
    explanation = ("A. " * 330).strip()
    parts = ["id,kind,text,answer,explanation\n"]
    size, i = len(parts[0]), 0
    while True:
        row = f"q-{i:05d},true_false,Is this crafted question {i} true?,true,{explanation}\n"
        if size + len(row) > 2 * 1024 * 1024:
            break
        parts.append(row)
        size += len(row)
        i += 1
    return "".join(parts).encode()


async def _seed(sessions, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` questions already in the server, written directly in bulk."""
    rng = random.Random(3)
    async with sessions.begin() as session:
        for start in range(0, count, 5000):
            rows = [
                {
                    "guild_id": GUILD,
                    "slug": f"old-{i:06d}",
                    "kind": "true_false",
                    "text": f"Existing statement {i} is true.",
                    "choices": ["True", "False"],
                    "correct_index": 0,
                    "accepted_answers": ["True"],
                    "explanation": "It is.",
                    "sources": [],
                    "tags": ["old"],
                    "difficulty": 2,
                    "data": {},
                    "status": "active",
                    "content_hash": f"{i:064x}",
                    "rand_key": rng.random(),
                }
                for i in range(start, min(count, start + 5000))
            ]
            await session.execute(insert(Question), rows)


async def _timed_import(sessions, parsed) -> tuple[float, float, int, int]:  # type: ignore[no-untyped-def]
    """(seconds reading and diffing, seconds holding the write transaction, new, unchanged);
    the same two steps as ``UploadService`` runs them."""
    t0 = time.perf_counter()
    async with sessions() as session:
        planned = await plan_import(session, GUILD, incoming_from(parsed))
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with sessions.begin() as session:
        report = await write_import(session, GUILD, planned, user_id=1, now=utcnow())
    write_s = time.perf_counter() - t0
    return read_s, write_s, len(report.new), len(report.unchanged)


async def bench_import(section: Section, quick: bool, workdir: Path) -> None:
    count = 1000 if quick else 5000
    existing = 20_000 if quick else 200_000
    data = bank_yaml(count)
    t0 = time.perf_counter()
    parsed = parse_upload(data, "bank.yaml")
    parse_s = time.perf_counter() - t0
    assert not parsed.problems and len(parsed.items) == count, parsed.problems[:3]

    crafted = crafted_upload()
    t0 = time.perf_counter()
    attack = parse_upload(crafted, "crafted.csv")
    crafted_s = time.perf_counter() - t0
    assert not attack.problems, attack.problems[:3]

    backends = ["sqlite"] + (["postgresql"] if not quick and await pg_available() else [])
    rows = []
    worst_total = worst_hold = 0.0
    for backend in backends:
        url = await fresh_database(backend, workdir)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            await _seed(sessions, existing)
            read_s, write_s, new, _ = await _timed_import(sessions, parsed)
            assert new == count
            read2_s, write2_s, _, unchanged = await _timed_import(sessions, parsed)
            assert unchanged == count
        finally:
            await engine.dispose()
        worst_total = max(worst_total, parse_s + read_s + write_s)
        worst_hold = max(worst_hold, write_s)
        rows.append(
            [
                backend,
                f"{parse_s:.2f} s",
                f"{read_s:.2f} s",
                f"{write_s:.2f} s",
                f"{parse_s + read_s + write_s:.2f} s",
                f"{read2_s + write2_s:.2f} s",
            ]
        )
    section.add(
        f"A {count:,}-item upload in the bot's YAML bank format ({len(data) / 2**20:.2f} MiB; "
        "multiple choice and true/false, each with tags, an explanation and a source) into "
        f"a server that already has {existing:,} questions, through the upload path: "
        "`parse_upload` (decode, detect, parse, validate), the read and diff against the "
        "server's questions (short indexed reads, outside the write), then the write (bulk "
        "INSERTs, revisions, one transaction: the only time the database is held); then the "
        "same file again (all unchanged: read and diff only, nothing written)."
        + (f" Quick mode: {count:,} items, {existing:,} existing, SQLite only." if quick else "")
    )
    section.add()
    section.table(
        [
            "backend",
            "parse + validate",
            "read + diff",
            "write (transaction held)",
            "total",
            "re-import (unchanged)",
        ],
        rows,
    )
    section.add()
    section.add(
        f"A crafted {len(crafted) / 2**20:.2f} MiB CSV of {len(attack.items):,} items whose "
        f'explanations are "A. A. A. ..." (sentence counting was quadratic: 22 s): parsed and '
        f"validated in {crafted_s:.2f} s."
    )
    section.targets.append(
        Target(
            f"{count:,}-item upload validated and imported",
            f"{worst_total:.2f} s",
            "< 5 s",
            worst_total < 5.0 if not quick else None,
        )
    )
    section.targets.append(
        Target(
            f"write transaction of a {count:,}-item import into {existing:,} questions",
            f"{worst_hold:.2f} s",
            "< 1 s",
            worst_hold < 1.0 if not quick else None,
        )
    )
    section.targets.append(
        Target(
            "crafted 2 MiB upload parsed and validated",
            f"{crafted_s:.2f} s",
            "< 2 s",
            crafted_s < 2.0,
        )
    )
