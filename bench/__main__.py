"""`python -m bench [--quick] [--only NAME] [--out BENCHMARKS.md]`: run, then write the report.

Each benchmark runs in its own child process (a clean event loop, clean memory
figures, and discord.py pointed at the fake Discord only there).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import Section, cpu_counters, load_note, machine
from bench.report import write_report

# name -> (module, function, title)
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "clicks": ("bench.clicks", "bench_clicks", "Answer clicks through the fake Discord"),
    "burst": ("bench.burst", "bench_burst", "One big server's burst"),
    "close": ("bench.burst", "bench_close", "Round close of a big server (the burst's part)"),
    "turnover": ("bench.turnover", "bench_turnover", "Round turnover without Discord"),
    "answers": ("bench.database", "bench_answers", "Answers recorded per second"),
    "queries": ("bench.database", "bench_queries", "Leaderboard and /stats at scale"),
    "draw": ("bench.database", "bench_draw", "Random question draw"),
    "quizzes": ("bench.scale", "bench_quizzes", "Concurrent quizzes in one process"),
    "schedules": ("bench.scale", "bench_schedules", "Schedules due at once"),
    "import": ("bench.imports", "bench_import", "Importing an upload"),
    "isolation": (
        "bench.isolation",
        "bench_isolation",
        "Another server's clicks during a big import",
    ),
    "pictures": ("bench.pictures", "bench_pictures", "Drawing pictures beside the event loop"),
}


def run_one(name: str, quick: bool, out: Path) -> None:
    module, func, title = BENCHMARKS[name]
    section = Section(name, title)
    counters = cpu_counters()
    start = time.perf_counter()
    try:
        fn = getattr(importlib.import_module(module), func)
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as workdir:
            asyncio.run(fn(section, quick, Path(workdir)))
    except Exception:
        section.error = traceback.format_exc()
    section.seconds = time.perf_counter() - start
    section.load = load_note(counters)
    out.write_text(section.to_json())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="scaled down, under a minute")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this (repeatable)"
    )
    parser.add_argument("--out", default="BENCHMARKS.md", help="report file (default: %(default)s)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_one(args.worker, args.quick, Path(args.result))
        return 0

    names = args.only or list(BENCHMARKS)
    info = machine()
    sections: list[Section] = []
    started = time.perf_counter()
    for name in names:
        print(f"[bench] {name} ...", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            result = Path(handle.name)
        cmd = [sys.executable, "-m", "bench", "--worker", name, "--result", str(result)]
        if args.quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, check=False)
        try:
            section = Section.from_json(result.read_text())
        except (OSError, ValueError):
            section = Section(name, BENCHMARKS[name][2], error=f"worker exited {proc.returncode}")
        finally:
            result.unlink(missing_ok=True)
        sections.append(section)
        status = "FAILED" if section.error else "ok"
        print(f"[bench] {name}: {status} in {section.seconds:.1f} s", flush=True)
        if section.error:
            print(section.error, file=sys.stderr)
    info["load_after"] = machine()["load"]
    total = time.perf_counter() - started
    write_report(Path(args.out), sections, info, quick=args.quick, total=total, argv=argv)
    print(f"[bench] wrote {args.out} ({total:.0f} s)")
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
