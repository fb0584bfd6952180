"""What `quizbot run` does around the bot before it ever reaches Discord."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.test_cli import quizbot

FAKE_TOKEN = "A" * 24 + "." + "B" * 6 + "." + "C" * 27


def test_a_metrics_port_in_use_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = quizbot(
            "run",
            cwd=tmp_path,
            DISCORD_TOKEN=FAKE_TOKEN,
            METRICS_PORT=str(port),
            DISCORD_API_BASE="http://127.0.0.1:9/api/v10",  # never reached
        )
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "METRICS_PORT" in result.stderr
    assert "Traceback" not in result.stderr
