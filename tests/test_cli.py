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
    # The shipped bank's rules (a folder, or --strict): a source is required.
    result = quizbot("questions", "validate", "--strict", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.yaml:3" in result.stdout and "no-source" in result.stdout
    assert "source" in result.stdout
    ok = quizbot("questions", "validate", str(ROOT / "questions"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A file: the upload's rules and report (/questions upload): a draft, importable.
    upload = quizbot("questions", "validate", str(bad), cwd=tmp_path)
    assert upload.returncode == 0, upload.stdout + upload.stderr
    assert "bad.yaml (yaml): 1 new" in upload.stdout
    assert "no-source: no source" in upload.stdout


def test_validate_never_shows_a_traceback(tmp_path: Path) -> None:
    # More shapes run in-process in tests/core/bank/uploads/test_fuzz.py.
    files = {
        "deep.yaml": "- " * 3_000 + "x\n",
        "bigint.yaml": "items:\n- {id: abc-def, difficulty: " + "9" * 6000 + "}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
        for strict in ([], ["--strict"]):
            result = quizbot("questions", "validate", *strict, name, cwd=tmp_path)
            assert result.returncode == 1, (name, strict, result.stdout, result.stderr)
            assert "Traceback" not in result.stderr + result.stdout, (name, strict)
            assert name in result.stdout, (name, strict, result.stdout)


def test_other_tools_files_import_and_export_round_trips(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"}
    samples = ROOT / "tests/core/bank/uploads/samples"
    for name in ("red_quirks.yaml", "gift_quirks.gift", "statuses.yaml", "opentdb.json"):
        done = quizbot(
            "questions", "import", str(samples / name), "--guild", "42", cwd=tmp_path, **env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "imported: " in done.stdout and " new" in done.stdout
    broken = quizbot(
        "questions",
        "import",
        str(samples / "gift_braces.gift"),
        "--guild",
        "42",
        cwd=tmp_path,
        **env,
    )
    assert broken.returncode == 1 and "line 5, item No opening" in broken.stdout
    assert "nothing imported" in broken.stderr
    first = tmp_path / "42.yaml"
    out = quizbot("questions", "export", str(first), "--guild", "42", cwd=tmp_path, **env)
    assert out.returncode == 0, out.stderr
    moved = quizbot("questions", "import", str(first), "--guild", "43", cwd=tmp_path, **env)
    assert moved.returncode == 0 and "0 updated" in moved.stdout, moved.stdout + moved.stderr
    second = tmp_path / "43.yaml"
    quizbot("questions", "export", str(second), "--guild", "43", cwd=tmp_path, **env)
    # The same items, statuses and texts: the two exports differ only in their theme.
    assert first.read_text().replace("guild-42", "guild-43") == second.read_text()
    assert "status: disabled" in first.read_text() and "status: draft" in first.read_text()
    as_csv = quizbot(
        "questions", "export", str(tmp_path / "42.csv"), "--guild", "42", cwd=tmp_path, **env
    )
    assert as_csv.returncode == 0 and "wrote " in as_csv.stdout


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
