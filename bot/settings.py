"""Settings from the environment and `.env`, validated once at start.

One typed object, so a typo in `.env` fails at start with a message that
names the variable, instead of surfacing as a strange error mid-quiz.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/quizbot.db"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

# A bot token is three base64url parts separated by dots: the bot's id, a
# timestamp and an HMAC. Checking the shape catches the common mistake of
# pasting the client secret or the public key instead.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")

TOKEN_HELP = (
    "DISCORD_TOKEN is not set.\n"
    "  1. Open https://discord.com/developers/applications, pick (or create) your application.\n"
    "  2. Go to 'Bot', press 'Reset Token' and copy the token.\n"
    "  3. Put it in the file .env next to README.md as a line:  DISCORD_TOKEN=your-token\n"
    "     (copy .env.example to .env to start from a documented template).\n"
    "Never share the token or commit .env."
)


class Settings(BaseSettings):
    """Everything an operator can configure; documented line by line in `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,  # ".env.example" copied as is leaves blanks: blank means unset
    )

    discord_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None
    # Where discord.py sends REST calls. Only the test suite and benchmarks
    # change it (to the fake Discord on loopback); operators leave it unset.
    discord_api_base: str | None = None
    # Operations (issue 17). All off by default: nothing listens, nothing is copied.
    log_format: str = "text"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                f"DATABASE_URL is not a database URL: expected for example "
                f"{DEFAULT_DATABASE_URL!r} or 'postgresql+asyncpg://user:pass@host/dbname'"
            ) from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"DATABASE_URL uses driver {url.drivername!r}; supported: "
                + ", ".join(SUPPORTED_DRIVERS)
                + " (the bot is async: use 'sqlite+aiosqlite://' or 'postgresql+asyncpg://')"
            )
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        if value is None or isinstance(value, list):
            return value
        text = str(value).strip()
        if not text:
            return None
        ids: list[int] = []
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, _, hi = part.partition("-")
                if not (lo.strip().isdigit() and hi.strip().isdigit()):
                    raise ValueError(f"SHARD_IDS: {part!r} is not a range like '0-3'")
                ids.extend(range(int(lo), int(hi) + 1))
            elif part.isdigit():
                ids.append(int(part))
            else:
                raise ValueError(
                    f"SHARD_IDS: {part!r} is not a shard number; "
                    "use a comma-separated list like '0,1,2' or a range like '0-3'"
                )
        return ids

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        fmt = value.lower()
        if fmt not in {"text", "json"}:
            raise ValueError("LOG_FORMAT must be 'text' (for people) or 'json' (for collectors)")
        return fmt

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS is set but SHARD_COUNT is not: set both, or neither")
            bad = [i for i in self.shard_ids if i >= self.shard_count]
            if bad:
                raise ValueError(
                    f"SHARD_IDS {bad} are out of range for SHARD_COUNT={self.shard_count} "
                    f"(valid: 0-{self.shard_count - 1})"
                )
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("SHARD_IDS lists a shard twice")
        return self

    @cached_property
    def token(self) -> str | None:
        return self.discord_token.get_secret_value() if self.discord_token else None

    def token_problem(self) -> str | None:
        """Why the token cannot be used, without ever echoing the token itself."""
        if not self.token:
            return TOKEN_HELP
        if not TOKEN_SHAPE.match(self.token.strip()):
            return (
                "DISCORD_TOKEN does not look like a bot token (three dot-separated parts). "
                "Copy it again from the 'Bot' page of your application in the Discord "
                "developer portal (not the client secret or public key) into .env."
            )
        return None

    def sqlite_path(self) -> Path | None:
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database)

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process runs the shard that a guild belongs to."""
        if self.shard_count is None or self.shard_ids is None:
            return True
        return (guild_id >> 22) % self.shard_count in self.shard_ids


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
