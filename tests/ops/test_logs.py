"""LOG_FORMAT=json: one object a line, the ids that matter, never the token."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging, log_ids

TOKEN = "MTA5" + "x" * 20 + ".GhIjKl." + "y" * 30


@contextlib.contextmanager
def json_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("INFO", [TOKEN], "json")  # as `quizbot run` does with LOG_FORMAT=json
    try:
        yield
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def read(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


async def test_json_lines_carry_ids_and_no_token(capsys: pytest.CaptureFixture[str]) -> None:
    log = logging.getLogger("bot.test")

    async def quiz() -> None:
        log.error("quiz failed", exc_info=ValueError(f"bad {TOKEN}"))

    with json_logging():
        log.info("plain %s", "line")
        log.warning("round %d closed", 7, extra={"guild_id": 11, "round_id": 7})
        with log_ids(guild_id=22, channel_id=33):
            log.info("inside with token %s", TOKEN)
        await asyncio.create_task(quiz(), name="quiz-run-5")
    plain, extra, bound, failed = read(capsys)
    assert plain["message"] == "plain line" and plain["level"] == "INFO"
    assert "guild_id" not in plain and plain["logger"] == "bot.test"
    assert extra["guild_id"] == 11 and extra["round_id"] == 7
    assert bound["guild_id"] == 22 and bound["channel_id"] == 33
    assert TOKEN not in str(bound) and "[token redacted]" in str(bound["message"])
    assert failed["run_id"] == 5 and "ValueError" in str(failed["exception"])
    assert TOKEN not in json.dumps(failed)
