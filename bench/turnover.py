"""Round turnover without Discord: what the runner and the database cost per round.

The closed loop (`bench/clicks.py`) holds the whole bot against a floor; this isolates
the part of it that is QuizBot's own work on the database: quizzes driven by the real
`QuizRunner`, `QuizService` and `LiveAnswers`, every member answering as soon as a round
opens (so each round closes early, as in the closed loop), and a presenter that shows
nothing. Two figures per backend:

- CPU per round, measured inside a child process around the rounds only (three runs).
- Instructions per round, with `valgrind --tool=callgrind` where valgrind is installed
  (SQLite only): the difference between a run of 8 rounds per quiz and one of 4,
  divided by the rounds between them, so start-up cancels out. Unlike CPU time it does
  not move with whatever else the machine runs, or with the machine's speed: the figure
  to compare two versions of the database path with. In four runs on one shared
  machine it moved by under 2 % (0.4 % with the hash seed fixed, as it now is), while
  the CPU per round moved from 11 to 20 ms.

`python -m bench.turnover BACKEND URL ROUNDS` is the child: it drives the rounds on a
prepared database and prints one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.burst import prepare_database
from bench.common import Section, pg_available
from bot.core.clock import utcnow
from bot.services.quiz.live_answers import LiveAnswers
from bot.services.quiz.quiz import QuizOptions, QuizService
from bot.services.quiz.quiz_runner import QuizRunner
from db.engine import create_engine, create_session_factory

QUIZZES = 8
MEMBERS = 25
ROUNDS = (8, 4)  # per quiz: the long run and the short one
RUNS = 3
ROUND_SECONDS = 5  # round 1 closes on its timer (nobody has joined yet), the rest early
GUILD = 1_300_000_000_000_000_000


class AnsweringPresenter:
    """Shows nothing; every member answers each round as soon as it is shown."""

    def __init__(self) -> None:
        self.live: LiveAnswers | None = None
        self.runner: QuizRunner | None = None
        self.rounds = 0
        self.failures = 0
        self._clicks: set[asyncio.Task[None]] = set()

    async def show_round(self, run: Any, rnd: Any) -> int | None:
        self.rounds += 1
        task = asyncio.create_task(self._everyone_answers(run, rnd))
        self._clicks.add(task)
        task.add_done_callback(self._clicks.discard)
        return self.rounds

    async def _everyone_answers(self, run: Any, rnd: Any) -> None:
        assert self.live is not None and self.runner is not None
        outcomes = await asyncio.gather(
            *(
                self.live.answer(
                    rnd.round_id, 100 + m, choice=m % 4, text=None, guild_id=run.guild_id
                )
                for m in range(MEMBERS)
            )
        )
        if any(o is not None and o.all_answered for o in outcomes):
            self.runner.everyone_answered(run.run_id)

    async def open_answers(self, run: Any, rnd: Any) -> None:
        return None

    async def show_reveal(self, run: Any, reveal: Any) -> None:
        return None

    async def show_results(self, run: Any, results: Any) -> None:
        return None

    async def show_failure(self, run: Any, results: Any) -> None:
        self.failures += 1

    def is_transient(self, error: BaseException) -> bool:
        return False


async def drive(url: str, rounds: int) -> dict[str, float]:
    """Run `QUIZZES` quizzes of `rounds` rounds on a prepared database; CPU of the rounds."""
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        quiz = QuizService(sessions, utcnow, random.Random(1))
        presenter = AnsweringPresenter()
        presenter.live = live = LiveAnswers(sessions, utcnow)
        runner = QuizRunner(quiz, presenter, clock=utcnow, pause_between_rounds=0, live=live)
        presenter.runner = runner
        options = QuizOptions(questions=rounds, seconds=ROUND_SECONDS)
        runs = [await quiz.start(GUILD + i, GUILD + 100 + i, 1, options) for i in range(QUIZZES)]
        cpu = time.process_time()
        for run in runs:
            runner.launch(run)
        await asyncio.gather(*list(runner.tasks.values()))
        cpu = time.process_time() - cpu
        await live.shutdown()
        return {"rounds": presenter.rounds, "cpu": cpu, "failures": presenter.failures}
    finally:
        await engine.dispose()


def _child(url: str, rounds: int, valgrind: bool = False) -> tuple[dict[str, float], int | None]:
    """Run `drive` in a child process; with `valgrind`, also its instruction count."""
    cmd = [sys.executable, "-m", "bench.turnover", url, str(rounds)]
    env = dict(os.environ)
    if valgrind:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd]
        env["PYTHONHASHSEED"] = "0"  # the same dict and set orders in every counted run
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    return result, int(found.group(1)) if found else None


async def bench_turnover(section: Section, quick: bool, workdir: Path) -> None:
    backends = ["sqlite"] + (["postgresql"] if not quick and await pg_available() else [])
    long, short = (2, 1) if quick else ROUNDS
    use_valgrind = not quick and shutil.which("valgrind") is not None
    section.add(
        f"{QUIZZES} quizzes of {MEMBERS} members at once, driven by the real runner and "
        "database with a presenter that shows nothing; every member answers each round "
        "as soon as it is shown, so rounds close early (the closed loop's turnover without "
        "Discord). CPU: measured in the child process around the rounds only, per round, "
        f"{1 if quick else RUNS} run(s) of {long} rounds per quiz. Instructions: "
        "`valgrind --tool=callgrind`, a run of "
        f"{long} rounds per quiz less one of {short}, per round in between (start-up "
        "cancels out); the figure no other load moves, for comparing two versions of "
        "the database path."
    )
    section.add()
    rows = []
    for backend in backends:
        cpu_ms = []
        for _ in range(1 if quick else RUNS):
            url = await prepare_database(workdir, backend)
            result, _ir = await asyncio.to_thread(_child, url, long)
            cpu_ms.append(result["cpu"] * 1000 / max(1, result["rounds"]))
        instructions = "-"
        if use_valgrind and backend == "sqlite":
            counts = []
            for rounds in (long, short):
                url = await prepare_database(workdir, backend)
                result, ir = await asyncio.to_thread(_child, url, rounds, True)
                counts.append((result["rounds"], ir))
            (r_long, ir_long), (r_short, ir_short) = counts
            if ir_long is not None and ir_short is not None and r_long > r_short:
                per_round = (ir_long - ir_short) / (r_long - r_short)
                instructions = f"{per_round / 1e6:.2f} million"
        low, high = min(cpu_ms), max(cpu_ms)
        rows.append([backend, f"{low:.1f}-{high:.1f} ms", instructions])
    section.table(["backend", "CPU per round", "instructions per round (callgrind)"], rows)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(drive(sys.argv[1], int(sys.argv[2])))))
