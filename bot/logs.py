"""Logging set up once, with the bot token scrubbed from every record.

discord.py and aiohttp log request details at DEBUG; a filter on the root
handlers makes sure no record, message or traceback ever carries the token,
whatever library produced it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

# Also catch token-shaped strings that are not our token (a pasted one in an error).
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
REDACTED = "[token redacted]"


class RedactTokenFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_LIKE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


# The ids a log line is about. Code that knows them binds them for what it calls
# (`with log_ids(guild_id=...)`) or passes them per line (`extra={"guild_id": ...}`).
ID_FIELDS = ("guild_id", "channel_id", "run_id", "round_id", "user_id", "interaction_id")
_ids: contextvars.ContextVar[dict[str, int]] = contextvars.ContextVar("log_ids", default={})  # noqa: B039
# A quiz's own task is named after its run (see QuizRunner.launch): its lines carry the id.
_RUN_TASK = re.compile(r"^quiz-run-(\d+)$")


@contextlib.contextmanager
def log_ids(**ids: int | None) -> Iterator[None]:
    """Attach ids to every line logged inside the block (and tasks it starts)."""
    token = _ids.set({**_ids.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _ids.reset(token)


def bind_log_ids(**ids: int | None) -> None:
    """Attach ids for the rest of the current task (an interaction's handler)."""
    _ids.set({**_ids.get(), **{k: v for k, v in ids.items() if v is not None}})


def current_ids(record: logging.LogRecord | None = None) -> dict[str, int]:
    found = dict(_ids.get())
    with contextlib.suppress(RuntimeError):
        task = asyncio.current_task()
        match = _RUN_TASK.match(task.get_name()) if task is not None else None
        if match:
            found.setdefault("run_id", int(match.group(1)))
    if record is not None:
        for name in ID_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                found[name] = value
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log collectors parse without rules."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(current_ids(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def configure_logging(level: str, secrets: list[str] | None = None, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RedactTokenFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP debug lines are noisy and add nothing for operators.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
