"""Writing BENCHMARKS.md from the sections the benchmarks filled in."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.common import Section

NOTES_FILE = Path(__file__).with_name("NOTES.md")


def write_report(
    path: Path,
    sections: list[Section],
    info: dict[str, str],
    *,
    quick: bool,
    total: float,
    argv: list[str] | None,
) -> None:
    args = " ".join(argv if argv is not None else sys.argv[1:])
    out = ["# Benchmarks", ""]
    out.append(
        "What one bot process sustains, measured by `python -m bench` "
        f"({'quick mode: scaled down, figures indicative only' if quick else 'full run'}). "
        "Regenerate with the command under *Reproduce*; this file is overwritten."
    )
    out.append("")
    out.append("## Machine")
    out.append("")
    for key in (
        "date",
        "cpu",
        "ram",
        "os",
        "python",
        "sqlite",
        "postgresql",
        "discord.py",
        "sqlalchemy",
    ):
        out.append(f"- {key}: {info.get(key, '?')}")
    out.append(
        f"- load average (1/5/15 min) before: {info.get('load')}, after: "
        f"{info.get('load_after')}. The machine was shared with other engineers' test runs "
        "during the run, so absolute figures are conservative."
    )
    out.append(f"- total run time: {total:.0f} s")
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append("| what | measured | target | met |")
    out.append("| --- | --- | --- | --- |")
    for section in sections:
        for t in section.targets:
            met = "n/a (quick)" if t.ok is None else ("yes" if t.ok else "**no**")
            out.append(f"| {t.what} | {t.measured} | {t.target} | {met} |")
        if section.error:
            out.append(f"| {section.title} | failed (see below) | | **no** |")
    out.append("")
    if NOTES_FILE.exists():
        out.append(NOTES_FILE.read_text().strip())
        out.append("")
    for section in sections:
        out.append(f"## {section.title} (`--only {section.name}`, {section.seconds:.0f} s)")
        out.append("")
        if section.load:
            out.append(f"Machine while this ran: {section.load}.")
            out.append("")
        out.extend(section.lines)
        if section.error:
            out.append("Failed:")
            out.append("")
            out.append("```")
            out.append(section.error.strip())
            out.append("```")
        out.append("")
    out.append("## Reproduce")
    out.append("")
    out.append("```sh")
    out.append(".venv/bin/python -m bench            # full run, ~40 min, writes BENCHMARKS.md")
    out.append(".venv/bin/python -m bench --quick    # under a minute, scaled down")
    out.append(".venv/bin/python -m bench --only queries --out /tmp/q.md")
    out.append("```")
    out.append("")
    out.append(
        "PostgreSQL figures need the database `quizbot_bench` (override with `BENCH_PG_URL`); "
        "it is reset (schema dropped) by every run. Without it, PostgreSQL rows are left out. "
        f"This run: `python -m bench {args}`."
    )
    path.write_text("\n".join(out).rstrip() + "\n")
