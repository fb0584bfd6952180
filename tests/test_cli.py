"""The command line as an operator meets it, in a subprocess with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quizbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_without_token_migrates_a_new_sqlite_file_then_explains(tmp_path: Path) -> None:
    result = quizbot("run", cwd=tmp_path)
    assert result.returncode == 1
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "developers/applications" in result.stderr and ".env" in result.stderr
    db = tmp_path / "data" / "quizbot.db"
    assert db.exists()
    current = quizbot("db", "current", cwd=tmp_path)
    assert current.returncode == 0 and "up to date" in current.stdout


def test_bad_settings_are_reported_without_a_traceback(tmp_path: Path) -> None:
    result = quizbot("run", cwd=tmp_path, DATABASE_URL="mysql://x", SHARD_IDS="x", SHARD_COUNT="2")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "SHARD_IDS" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_reports_file_line_and_item(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "theme: t\nitems:\n  - id: no-source\n    kind: true_false\n    text: Is it?\n"
        "    answer: true\n    explanation: Yes.\n    tags: [x]\n    difficulty: 1\n"
        "    paragraph: null\n",
        "utf-8",
    )
    result = quizbot("questions", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.yaml:3" in result.stdout and "no-source" in result.stdout
    assert "source" in result.stdout
    ok = quizbot("questions", "validate", str(ROOT / "questions"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"}
    source = ROOT / "questions" / "2014.yaml"
    first = quizbot("questions", "import", str(source), "--guild", "42", cwd=tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert " new" in first.stdout
    again = quizbot("questions", "import", str(source), "--guild", "42", cwd=tmp_path, **env)
    assert "0 new, 0 updated" in again.stdout
    out = tmp_path / "export.yaml"
    exported = quizbot("questions", "export", str(out), "--guild", "42", cwd=tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    reimport = quizbot("questions", "import", str(out), "--guild", "42", cwd=tmp_path, **env)
    assert "0 new, 0 updated" in reimport.stdout, reimport.stdout + reimport.stderr


@pytest.mark.parametrize("args", [["--help"], ["doctor"]])
def test_help_and_doctor_run(tmp_path: Path, args: list[str]) -> None:
    result = quizbot(*args, cwd=tmp_path)
    if args == ["doctor"]:
        assert result.returncode == 1  # no token here
        assert "[FAIL] DISCORD_TOKEN" in result.stdout and "[ok] settings" in result.stdout
    else:
        assert result.returncode == 0 and "questions" in result.stdout
