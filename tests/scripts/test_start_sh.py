"""scripts/start.sh makes `.env` (which will hold the token) private: mode 0600."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def checkout_without_setup(tmp_path: Path) -> Path:
    """A copy of what start.sh touches, with set-up and the bot replaced by stubs (the
    real ones install packages and connect to Discord)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "start.sh", tmp_path / "scripts" / "start.sh")
    (tmp_path / "scripts" / "setup.sh").write_text("exit 0\n")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env.example")
    quizbot = tmp_path / ".venv" / "bin" / "quizbot"
    quizbot.parent.mkdir(parents=True)
    quizbot.write_text("#!/bin/sh\necho started\n")
    quizbot.chmod(0o755)
    return tmp_path


def start(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "umask 022 && bash scripts/start.sh"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )


def test_first_start_creates_env_readable_by_the_owner_only(tmp_path: Path) -> None:
    root = checkout_without_setup(tmp_path)
    result = start(root)
    env = root / ".env"
    assert "created .env" in result.stdout and "started" in result.stdout
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text() == (root / ".env.example").read_text()


def test_an_env_readable_by_others_is_made_private(tmp_path: Path) -> None:
    root = checkout_without_setup(tmp_path)
    env = root / ".env"
    env.write_text("DISCORD_TOKEN=x\n")
    env.chmod(0o644)
    start(root)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text() == "DISCORD_TOKEN=x\n"  # kept as it was
