"""The container and service files, checked without a container engine or systemd.

No engine runs here, so these read the files and check what must hold for
`docker compose up` and `systemctl start` to give a working bot.
(hadolint lints the Dockerfile and systemd-analyze verifies the unit in
scripts/test.sh.)
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))


def expand(value: str) -> str:
    """${VAR:-default} as compose reads it with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_compose_wires_the_bot_to_postgres() -> None:
    services = compose()["services"]
    bot, db = services["bot"], services["db"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    url = make_url(expand(bot["environment"]["DATABASE_URL"]))
    assert url.drivername == "postgresql+asyncpg" and url.host == "db" and url.port == 5432
    db_env = {k: expand(str(v)) for k, v in db["environment"].items()}
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.database == db_env["POSTGRES_DB"]
    # The settings the bot will load accept what compose passes.
    env = {k: expand(str(v)) for k, v in bot["environment"].items() if "DISCORD" not in k}
    settings = Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[call-arg, arg-type]
    assert settings.metrics_port == 8080 and settings.metrics_host == "0.0.0.0"
    assert str(settings.backup_dir).startswith("/app/data/")


def test_compose_volumes_and_ports() -> None:
    spec = compose()
    bot, db = spec["services"]["bot"], spec["services"]["db"]
    named = set(spec["volumes"])
    mounts = dict(v.split(":", 1) for v in bot["volumes"] + db["volumes"])
    assert mounts["bot-data"] == "/app/data" and mounts["db-data"] == "/var/lib/postgresql/data"
    assert {"bot-data", "db-data"} <= named
    # Health and metrics reach this host only, never the network.
    assert all(p.startswith("127.0.0.1:") for p in bot["ports"])
    assert bot["ports"] == [f"127.0.0.1:{bot['environment']['METRICS_PORT']}:8080"]
    assert bot["stop_grace_period"] == "15s"


def test_dockerfile_matches_compose_and_the_readme_install() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert "bash scripts/setup.sh" in text  # one install recipe, the README's
    assert 'VOLUME ["/app/data"]' in text
    user = re.search(r"^USER (\S+)", text, re.M)
    assert user and user.group(1).split(":")[0] not in ("root", "0")
    health = re.search(r"^HEALTHCHECK .*?CMD (.+?)$", text, re.M | re.S)
    assert health and "127.0.0.1:8080/healthz" in text
    assert "METRICS_PORT=8080" in text and "METRICS_HOST=0.0.0.0" in text
    assert re.search(r"^CMD \[\"quizbot\", \"run\"\]", text, re.M)
    volume = compose()["services"]["bot"]["volumes"][0].split(":")[1]
    assert volume == "/app/data"
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    assert {".env", ".venv", "data"} <= set(ignored)  # no token or database in the image


def test_service_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment, method-assign]
    unit.read(ROOT / "deploy" / "quizbot.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] == "quizbot" and service["StateDirectory"] == "quizbot"
    assert service["ExecStart"].endswith("quizbot run")
    assert int(service["TimeoutStopSec"]) > 10  # the bot stops within 10 s
    assert unit["Install"]["WantedBy"] == "multi-user.target"
